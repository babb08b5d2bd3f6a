#!/usr/bin/env bash
# The binary upgrade under load (a script, not a test): a gateway serves
# 2,000 requests a second (open loop, one new connection per request, no
# retries) for 30 s while its binary is swapped by SIGHUP three times
# (gw-demo and gw-demo-b, which answer `X-KrakenD: Version demo` and
# `Version demo-b`, renamed over one path in turn). Prints the client's
# counts: failed requests and refused connections should be 0, and both
# versions answered.
#
#   bench/upgrade.sh                  # RATE=2000 DURATION=30 SWAPS=3 PROFILE=release
#   RATE=500 DURATION=10 PROFILE=debug bench/upgrade.sh
#
# Needs a Rust toolchain (python3 for two small sums). Builds the demos and
# the load generator (the gw-runtime example `loadgen`, PROFILE release or
# debug) into CARGO_TARGET_DIR (default: the repository's target/).
set -euo pipefail
cd "$(dirname "$0")/.."
RATE=${RATE:-2000}
SECONDS_=${DURATION:-30}
PROFILE=${PROFILE:-release}
SWAPS=${SWAPS:-3}
echo "cores: $(nproc), load: $(cut -d' ' -f1-3 /proc/loadavg)"
if [ "$PROFILE" = release ]; then
    cargo build --release -q -p gw-runtime --bin gw-demo --bin gw-demo-b --example loadgen
else
    cargo build -q -p gw-runtime --bin gw-demo --bin gw-demo-b --example loadgen
fi
target=${CARGO_TARGET_DIR:-target}/$PROFILE
work=$(mktemp -d)
pids=()
cleanup() {
    for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done
    if [ -f "$work/gateway.pid" ]; then kill "$(cat "$work/gateway.pid")" 2>/dev/null || true; fi
    rm -rf "$work"
}
trap cleanup EXIT
load="$target/examples/loadgen"
"$load" upstream "$work/upstream.port" &
pids+=($!)
for _ in $(seq 100); do [ -s "$work/upstream.port" ] && break; sleep 0.05; done
cp "$target/gw-demo" "$work/gateway"
GW_DEMO_UPSTREAM="http://127.0.0.1:$(cat "$work/upstream.port")" \
    "$work/gateway" --listen 127.0.0.1:0 --pid-file "$work/gateway.pid" >"$work/gateway.log" 2>&1 &
pids+=($!)
for _ in $(seq 200); do grep -q '^listening on' "$work/gateway.log" 2>/dev/null && break; sleep 0.05; done
addr=$(grep -m1 '^listening on' "$work/gateway.log" | cut -d' ' -f3)
"$load" rate "$addr" /fast "$RATE" "$SECONDS_" >"$work/client.json" &
client=$!
# Swaps spread over the run.
gap=$(python3 -c "print($SECONDS_ / ($SWAPS + 1))")
next=gw-demo-b
for i in $(seq "$SWAPS"); do
    sleep "$gap"
    cp "$target/$next" "$work/gateway.new" && mv "$work/gateway.new" "$work/gateway"
    old=$(cat "$work/gateway.pid")
    t0=$(date +%s.%N)
    kill -HUP "$old"
    for _ in $(seq 300); do
        new=$(cat "$work/gateway.pid" 2>/dev/null || echo "$old")
        [ "$new" != "$old" ] && break
        sleep 0.05
    done
    t1=$(date +%s.%N)
    echo "swap $i: $old -> $new ($next) ready after $(python3 -c "print(round(($t1 - $t0) * 1000))") ms"
    [ "$next" = gw-demo-b ] && next=gw-demo || next=gw-demo-b
done
wait "$client"
echo "client: $(cat "$work/client.json")"
echo "upgrade log lines:"
grep -E 'upgrade|SIGHUP' "$work/gateway.log" || true
