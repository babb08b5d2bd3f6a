#!/usr/bin/env bash
# Hostile traffic under normal load (a benchmark, not a test): a gateway built
# from bench/configs/hostile.json (a JSON endpoint /fast and /bomb, whose
# backend answers a gzip bomb) with gwc's default limits, in front of the
# gw-runtime example `loadgen`'s upstream.
#
#   bench/hostile.sh                  # SLOW=5000 IDLE=5000 BOMBS=10
#
# 1. Unattacked: wrk -t2 -c64 on /fast for DURATION; its p99.
# 2. Attacked: the same wrk run starts first (its 64 connections open before
#    any attacker), then SLOW slowloris connections (one head byte every 5 s),
#    IDLE keep-alive connections that go silent after one request, and BOMBS
#    requests to /bomb at once. wrk runs DURATION; the idle attackers are
#    watched until IDLE_WATCH seconds so that the 75 s idle timeout can close
#    them.
# Prints: the gateway's peak RSS (VmHWM) against the 256 MB goal; for each
# attacker kind, how long the gateway took to close the connections (goals:
# slowloris within the 10 s header-read timeout, idle within the 75 s idle
# timeout, none left open; connections past the per-worker cap get a 503 and
# are closed at once); the bombs' answers (502 within the 3 s endpoint
# timeout); /fast's p99 attacked against unattacked (goal < 2x).
#
# Knobs: SLOW=5000 IDLE=5000 BOMBS=10 DURATION=30 IDLE_WATCH=95 CONNS=64
# Everything listens on 127.0.0.1 only; every process started is stopped on
# exit. Needs wrk and a Rust toolchain; the open-file limit must allow
# SLOW + IDLE + CONNS + a few hundred descriptors.
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
SLOW=${SLOW:-5000}
IDLE=${IDLE:-5000}
BOMBS=${BOMBS:-10}
DURATION=${DURATION:-30}
IDLE_WATCH=${IDLE_WATCH:-95}
CONNS=${CONNS:-64}
command -v wrk >/dev/null || { echo "wrk is needed (apt-get install wrk)" >&2; exit 1; }
need=$((SLOW + IDLE + CONNS + 512))
ulimit -n "$(ulimit -Hn)" 2>/dev/null || true
if (( $(ulimit -n) < need )); then
  echo "the open-file limit $(ulimit -n) is under the $need this run needs" >&2
  exit 1
fi

tmp="$(mktemp -d /tmp/gwc-hostile-bench.XXXXXX)"
pids=()
cleanup() {
  for p in "${pids[@]}"; do kill -TERM "$p" 2>/dev/null || true; done
  for p in "${pids[@]}"; do wait "$p" 2>/dev/null || true; done
  rm -rf "$tmp"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

echo "building loadgen and the gateway..." >&2
cargo build --release -q -p gw-runtime --example loadgen --manifest-path "$root/Cargo.toml"
target="$(cargo metadata --format-version 1 --no-deps --manifest-path "$root/Cargo.toml" |
  python3 -c 'import json,sys; print(json.load(sys.stdin)["target_directory"])')"
load="$target/release/examples/loadgen"
"$load" upstream "$tmp/upstream.port" &
pids+=($!)
for _ in $(seq 100); do [ -s "$tmp/upstream.port" ] && break; sleep 0.05; done
up_port=$(cat "$tmp/upstream.port")
work="$root/target/bench-hostile"
mkdir -p "$work"
sed "s#http://127.0.0.1:18081#http://127.0.0.1:$up_port#" "$root/bench/configs/hostile.json" > "$work/hostile.json"
cargo run --release -q -p gwc --manifest-path "$root/Cargo.toml" -- \
  build "$work/hostile.json" -o "$work/gateway" --emit-crate "$work/crate" -q
"$work/gateway" --listen 127.0.0.1:0 > "$tmp/gateway.out" 2> "$tmp/gateway.err" &
gw_pid=$!
pids+=($gw_pid)
for _ in $(seq 100); do grep -q '^listening on' "$tmp/gateway.out" 2>/dev/null && break; sleep 0.1; done
addr=$(sed -n 's/^listening on \(127\.0\.0\.1:[0-9]*\)$/\1/p' "$tmp/gateway.out")
[[ -n "$addr" ]] || { cat "$tmp/gateway.err" >&2; exit 1; }
rss() { awk -v f="$1" '$1==f{print int($2/1024)}' "/proc/$gw_pid/status"; }
p99() { awk '$1=="99%"{print $2}' "$1"; }

echo "machine: $(nproc) cores, load $(cut -d' ' -f1-3 /proc/loadavg); gateway $addr, RSS $(rss VmRSS:) MiB at start"
wrk -t2 -c"$CONNS" -d3s "http://$addr/fast" > /dev/null
wrk -t2 -c"$CONNS" -d"${DURATION}s" --latency "http://$addr/fast" > "$tmp/wrk.calm"
echo "unattacked: $(awk '/Requests\/sec/{print $2}' "$tmp/wrk.calm") req/s, p99 $(p99 "$tmp/wrk.calm"), RSS $(rss VmRSS:) MiB (peak $(rss VmHWM:) MiB)"

wrk -t2 -c"$CONNS" -d"${DURATION}s" --latency "http://$addr/fast" > "$tmp/wrk.attacked" &
wrk_pid=$!
sleep 1
"$load" slowloris "$addr" "$SLOW" 5000 $((DURATION + 5)) > "$tmp/slowloris.json" &
slow_pid=$!
"$load" idle "$addr" /fast "$IDLE" "$IDLE_WATCH" > "$tmp/idle.json" &
idle_pid=$!
# While the attackers are still connecting (before they reach the
# per-worker cap, when later clients get a 503).
sleep 0.5
"$load" get "$addr" /bomb "$BOMBS" > "$tmp/bombs.json"
wait "$wrk_pid"
echo "attacked:   $(awk '/Requests\/sec/{print $2}' "$tmp/wrk.attacked") req/s, p99 $(p99 "$tmp/wrk.attacked"), errors: $(grep -E 'Socket errors|Non-2xx' "$tmp/wrk.attacked" | tr '\n' ' ')"
wait "$slow_pid"
echo "slowloris:  $(cat "$tmp/slowloris.json")"
echo "bombs:      $(cat "$tmp/bombs.json")"
echo "waiting for the idle attackers (up to ${IDLE_WATCH}s from their start)..." >&2
wait "$idle_pid"
echo "idle:       $(cat "$tmp/idle.json")"
echo "gateway peak RSS (VmHWM): $(rss VmHWM:) MiB (goal < 256 MB); now $(rss VmRSS:) MiB"
python3 - "$tmp/wrk.calm" "$tmp/wrk.attacked" <<'EOF'
import re, sys
def p99(path):
    v = re.search(r"^\s*99%\s+(\S+)", open(path).read(), re.M).group(1)
    for unit, f in (("us", 1e-3), ("ms", 1.0), ("s", 1e3)):
        if v.endswith(unit):
            return float(v[: -len(unit)]) * f
calm, hit = p99(sys.argv[1]), p99(sys.argv[2])
print(f"/fast p99 attacked / unattacked: {hit:.2f} / {calm:.2f} ms = {hit / calm:.2f}x (goal < 2x)")
EOF
echo "gateway log lines about limits:"
grep -ciE 'connection|limit|refus' "$tmp/gateway.err" || true
grep -iE 'connection|limit|refus|accept' "$tmp/gateway.err" | sort | uniq -c | sort -rn | head -5 || true
