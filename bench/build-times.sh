#!/usr/bin/env bash
# Measures `gwc build` on one config: a cold build (fresh target dir), a
# no-op rebuild, a warm rebuild after editing one endpoint, the binary size,
# and optionally a `--dist` build.
#
#   bench/build-times.sh [CONFIG] [--dist]
#
# CONFIG defaults to the corpus's largest file (219 endpoints,
# ../shared/corpus/SolomonAIEngineering__backend-api-gateway__krakend.prod.json).
# Every namespace and setting gwc cannot honour yet is accepted with
# `--allow-unsupported` (the names come from `gwc lint --build`). Work files
# go to target/bench-build/; the cold build uses its own target dir there, so
# the shared one (~/.cache/gwc/target) is left alone.
set -euo pipefail

root="$(cd "$(dirname "$0")/.." && pwd)"
config="${1:-$root/../shared/corpus/SolomonAIEngineering__backend-api-gateway__krakend.prod.json}"
dist="${2:-}"
if [[ ! -f "$config" ]]; then
  echo "skipped: $config is absent" >&2
  exit 0
fi
work="$root/target/bench-build"
rm -rf "$work"
mkdir -p "$work"
cp "$config" "$work/config.json"

cargo build --release -q -p gwc --manifest-path "$root/Cargo.toml"
gwc="$root/target/release/gwc"

accept=()
while IFS= read -r name; do
  [[ -n "$name" ]] && accept+=(--allow-unsupported "$name")
done < <("$gwc" lint --build --format json "$work/config.json" | python3 -c '
import json, sys
d = json.load(sys.stdin)
names = {x["message"].split("`")[1] for x in d["diagnostics"] if x["code"] in ("GW901", "GW902", "GW904")}
print("\n".join(sorted(names)))')

export GWC_TARGET_DIR="$work/target"
build() {
  "$gwc" build "$work/config.json" -o "$work/gateway" --emit-crate "$work/crate" -q "${accept[@]}" "$@" \
    2> "$work/last.log" || { cat "$work/last.log" >&2; exit 1; }
}
seconds() { python3 -c 'import sys,time; print(f"{time.time()-float(sys.argv[1]):.2f}")' "$1"; }

endpoints=$(python3 -c 'import json,sys; print(len(json.load(open(sys.argv[1]))["endpoints"]))' "$work/config.json")
echo "config: $(basename "$config") ($endpoints endpoints), accepted ${#accept[@]} names / 2"
echo "machine: $(nproc) cores, load $(cut -d' ' -f1-3 /proc/loadavg)"

# The cold build's wall time, and its CPU time (user + sys of every
# compiler process: steadier than the wall time on a busy machine).
cpu0=$(awk '{print $14+$15+$16+$17}' /proc/$$/stat)
t=$(date +%s.%N); build; wall=$(seconds "$t")
cpu1=$(awk '{print $14+$15+$16+$17}' /proc/$$/stat)
crates=$(find "$work/target" -name '*.rlib' -path '*/deps/*' | wc -l)
echo "cold build (fresh target dir): $wall s, $(awk -v a="$cpu0" -v b="$cpu1" -v hz="$(getconf CLK_TCK)" 'BEGIN{printf "%.1f", (b-a)/hz}') CPU s, $crates crates"
echo "runtime features: $(sed -n 's/^gw-runtime = .*features = \(\[.*\]\).*/\1/p' "$work/crate/Cargo.toml")"
echo "binary size: $(stat -c %s "$work/gateway") bytes"
t=$(date +%s.%N); build; echo "no-op rebuild: $(seconds "$t") s"

# Edit one endpoint: a new timeout on the first one.
python3 - "$work/config.json" <<'EOF'
import json, sys
p = sys.argv[1]
d = json.load(open(p))
d["endpoints"][0]["timeout"] = "7s"
json.dump(d, open(p, "w"), indent=2)
EOF
t=$(date +%s.%N); build; echo "warm rebuild after editing one endpoint: $(seconds "$t") s"
python3 - "$work/config.json" <<'EOF'
import json, sys
p = sys.argv[1]
d = json.load(open(p))
d["endpoints"][-1]["backend"][0]["url_pattern"] += "/v2"
json.dump(d, open(p, "w"), indent=2)
EOF
t=$(date +%s.%N); build; echo "warm rebuild after editing another endpoint: $(seconds "$t") s"

if [[ "$dist" == "--dist" ]]; then
  t=$(date +%s.%N); build --dist; echo "--dist build (deps cold for the dist profile): $(seconds "$t") s"
  echo "--dist binary size: $(stat -c %s "$work/gateway") bytes"
  python3 - "$work/config.json" <<'EOF'
import json, sys
p = sys.argv[1]
d = json.load(open(p))
d["endpoints"][0]["timeout"] = "8s"
json.dump(d, open(p, "w"), indent=2)
EOF
  t=$(date +%s.%N); build --dist; echo "--dist rebuild after editing one endpoint: $(seconds "$t") s"
fi
