#!/usr/bin/env bash
# Failover soak (a benchmark, not a test): a gateway in front of three mock
# hosts on 127.0.0.1 at a steady request rate while host C flaps every 10 s
# (refused, 503, reset after read, in turn). Prints the request and error
# counts; exits non-zero if a client saw an error with failover on.
#
#   bench/soak.sh [SECONDS] [RATE]         # defaults: 300 s, 200 req/s
#   bench/soak.sh 30 200 --no-failover     # the same load without failover
#
# Loopback only; the run stops by itself.
set -euo pipefail
cd "$(dirname "$0")/.."
seconds="${1:-300}"
rate="${2:-200}"
shift $(( $# > 2 ? 2 : $# )) || true
exec cargo run --release -q -p gw-runtime --example soak -- \
  --seconds "$seconds" --rate "$rate" --flap 10 "$@"
