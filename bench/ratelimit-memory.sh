#!/usr/bin/env bash
# Memory of qos/ratelimit/router's client map under a flood of distinct
# client keys (issue 13): one limiter, KEYS requests from KEYS distinct
# addresses, then the live keys and the peak resident memory the flood
# added, against the documented bound (cap x 128 bytes). Two runs: the
# compiler's cap (100 000 live keys an endpoint), and a cap as large as the
# flood, which measures the cost of a key at scale.
#
#   bench/ratelimit-memory.sh            # KEYS=1000000
#
# No network, no root; Linux (/proc/self/status).
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
KEYS="${KEYS:-1000000}"
cd "$root"
echo "machine: $(nproc) cores, load $(cut -d' ' -f1-3 /proc/loadavg)"
cargo build --release -q -p gw-runtime --example ratelimit_keys
bin="${CARGO_TARGET_DIR:-$root/target}/release/examples/ratelimit_keys"
for cap in 100000 "$KEYS"; do
  echo
  echo "== $KEYS distinct keys, cap $cap"
  "$bin" "$KEYS" "$cap"
done
