#!/usr/bin/env bash
# Fuzz `gwc lint` for SECONDS (default 600). Seeds the corpus from testdata/
# and, where present, ../shared/corpus (the first byte picks the format).
# Needs cargo-fuzz (`cargo install cargo-fuzz`); runs on the stable toolchain
# through RUSTC_BOOTSTRAP, without sanitizers (safe Rust: panics are the bugs).
set -euo pipefail
cd "$(dirname "$0")"
seconds=${1:-600}
mkdir -p corpus/lint
seed() { # FILE FORMAT-BYTE
  local out="corpus/lint/seed-$(basename "$1")"
  { printf "\\x$2"; cat "$1"; } > "$out"
}
for f in ../testdata/*/*.json; do seed "$f" 00; done
for f in ../testdata/*/*.yaml ../testdata/*/*.yml; do [ -e "$f" ] && seed "$f" 01; done
for f in ../testdata/*/*.toml; do [ -e "$f" ] && seed "$f" 02; done
if [ -d ../../shared/corpus ]; then
  for f in ../../shared/corpus/*.json ../../shared/corpus/*.tmpl; do seed "$f" 00; done
  for f in ../../shared/corpus/*.yaml; do seed "$f" 01; done
  for f in ../../shared/corpus/*.toml; do seed "$f" 02; done
fi
RUSTC_BOOTSTRAP=1 cargo fuzz run --sanitizer none lint corpus/lint -- \
  -max_total_time="$seconds" -max_len=65536 -timeout=10 -rss_limit_mb=4096
