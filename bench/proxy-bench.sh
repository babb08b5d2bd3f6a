#!/usr/bin/env bash
# Side-by-side proxy benchmark on loopback: a gateway built by gwc and nginx,
# both in front of the same small upstream (nginx serving static JSON), driven
# by wrk with the same threads, connections and duration.
#
#   bench/proxy-bench.sh
#
# Knobs (environment): DURATION=20s THREADS=2 CONNS=64 WARMUP=3s ROUNDS=1
#   NGINX_WORKERS=auto  worker_processes of the proxying nginx (auto = one per
#                       core, like the gateway's worker threads)
#   UPSTREAM_WORKERS=1  worker_processes of the upstream nginx
#   ACCESS_LOG=0        1: both proxies write an access log (to a file in the
#                       work dir) instead of none
#   ID=42               the {id} requested
#   FLOOR=1             0: leave out the floors (the gw-runtime example
#                       `hyper_floor`: the leanest proxy tokio + hyper allow,
#                       no gateway logic; and the same with `--client own`, a
#                       minimal upstream client over httparse) from the table
#   CACHE_ONLY=0        1: only the qos/http-cache comparison (the json
#                       endpoint and its cached twin, no floors, no nginx
#                       proxy run)
#   LOG_ONLY=0          1: only the telemetry comparison: the json endpoint
#                       through the gateway without telemetry (no namespace,
#                       access log off), with telemetry/logging at INFO on
#                       stdout plus gin's access log (stdout to a file), with
#                       telemetry/opentelemetry's Prometheus exporter (scraped
#                       every second during the runs), and with both, each a
#                       gateway of its own, interleaved ROUNDS times (use
#                       ROUNDS=5); the median ratio of req/proxy-s against the
#                       bare gateway is the figure (goal >= 0.95 with both on)
#   BASELINE=           a commit (e.g. BASELINE=2bea0d8): also build the same
#                       config with gwc as of that commit (its tree exported
#                       to and built in target/bench-baseline) and
#                       run only the json endpoint on both, interleaved
#                       ROUNDS times; prints each round's req/proxy-s ratio
#                       (this tree against the baseline) and the median
#   PERF=0              1: after the table, one more run per proxy on the json
#                       endpoint under `perf stat` (syscalls, context switches
#                       and, where uprobes work, malloc calls per request) and
#                       `perf record` of the gateway (flat profile printed,
#                       data kept in target/bench-proxy/perf.gateway.data)
#
# Runs: the json endpoint /v1/users/{id} through the gateway, through the
# two floors and through nginx's plain reverse proxy, the same endpoint with
# a per-client rate limit (/v1/limited/users/{id}), the same endpoint behind
# an RS256 auth/validator with one valid token on every request
# (/v1/auth/users/{id}: key set and token made here with openssl from
# testdata/keys/rsa-2048.pk8), the same endpoint with qos/http-cache on a
# backend that answers `Cache-Control: max-age=3600` (/v1/cached/users/{id}:
# after the first request every one is a hit), and the 2-backend aggregation
# /v1/users/{id}/summary through the gateway (nginx has no equivalent). For
# each: wrk's req/s and p99, the CPU seconds the proxy process(es) used during
# the run (utime+stime from /proc, nginx master + workers), req/s per proxy
# CPU-second (= requests served per CPU-second of proxy work), and the
# upstream's CPU seconds. See bench/README.md.
#
# Everything listens on 127.0.0.1 only, on free high ports; nginx instances
# run from their own prefix in a temp dir (never the system service). Every
# process started here is stopped on exit.
set -euo pipefail

root="$(cd "$(dirname "$0")/.." && pwd)"
DURATION="${DURATION:-20s}"
THREADS="${THREADS:-2}"
CONNS="${CONNS:-64}"
WARMUP="${WARMUP:-3s}"
ROUNDS="${ROUNDS:-1}"
NGINX_WORKERS="${NGINX_WORKERS:-auto}"
UPSTREAM_WORKERS="${UPSTREAM_WORKERS:-1}"
ACCESS_LOG="${ACCESS_LOG:-0}"
ID="${ID:-42}"
PERF="${PERF:-0}"
FLOOR="${FLOOR:-1}"
CACHE_ONLY="${CACHE_ONLY:-0}"
LOG_ONLY="${LOG_ONLY:-0}"
BASELINE="${BASELINE:-}"
if [[ "$CACHE_ONLY" == 1 || "$LOG_ONLY" == 1 || -n "$BASELINE" ]]; then FLOOR=0; fi

# ---------------------------------------------------------------- tools
PATH="$PATH:/usr/sbin:/sbin"
need=()
command -v wrk >/dev/null || need+=(wrk)
command -v nginx >/dev/null || need+=(nginx)
command -v curl >/dev/null || need+=(curl)
command -v openssl >/dev/null || need+=(openssl)
if ((${#need[@]})); then
  echo "installing: ${need[*]}" >&2
  apt-get update -qq
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${need[@]}" >/dev/null
fi
command -v python3 >/dev/null || { echo "python3 is needed (free ports, config rewrite)" >&2; exit 1; }

# ---------------------------------------------------------------- cleanup
tmp="$(mktemp -d /tmp/gwc-proxy-bench.XXXXXX)"
pids=()
cleanup() {
  local p
  for p in "${pids[@]}"; do
    kill -TERM "$p" 2>/dev/null || true
  done
  for p in "${pids[@]}"; do
    for _ in $(seq 50); do kill -0 "$p" 2>/dev/null || break; sleep 0.1; done
    kill -KILL "$p" 2>/dev/null || true
    wait "$p" 2>/dev/null || true
  done
  rm -rf "$tmp"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

free_port() {
  python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'
}

# Waits until http://127.0.0.1:PORT/PATH answers (any status).
wait_http() {
  local port=$1 path=$2
  for _ in $(seq 100); do
    curl -s -o /dev/null "http://127.0.0.1:$port$path" && return 0
    sleep 0.1
  done
  echo "nothing answers on 127.0.0.1:$port" >&2
  return 1
}

# ---------------------------------------------------------------- nginx
# Writes an nginx config with its own prefix, pid, logs and temp paths.
# $1 = prefix dir, $2 = workers, $3 = the http{} body.
nginx_conf() {
  local prefix=$1 workers=$2 body=$3 log="access_log off;"
  mkdir -p "$prefix/tmp"
  if [[ "$ACCESS_LOG" == 1 ]]; then log="access_log $prefix/access.log;"; fi
  cat > "$prefix/nginx.conf" <<EOF
worker_processes $workers;
daemon off;
pid $prefix/nginx.pid;
error_log $prefix/error.log warn;
events { worker_connections 4096; }
http {
  $log
  client_body_temp_path $prefix/tmp/body;
  proxy_temp_path $prefix/tmp/proxy;
  fastcgi_temp_path $prefix/tmp/fastcgi;
  uwsgi_temp_path $prefix/tmp/uwsgi;
  scgi_temp_path $prefix/tmp/scgi;
  keepalive_requests 1000000;
$body
}
EOF
}

start_nginx() { # $1 = prefix; prints the master pid
  local prefix=$1
  nginx -p "$prefix" -c "$prefix/nginx.conf" -e "$prefix/error.log" -t -q
  nginx -p "$prefix" -c "$prefix/nginx.conf" -e "$prefix/error.log" &
  pids+=($!)
}

# ---------------------------------------------------------------- CPU
hz=$(getconf CLK_TCK)
# utime+stime (ticks) of the given pids and their children (nginx workers).
cpu_ticks() {
  local all=() p
  for p in "$@"; do
    all+=("$p")
    while read -r c; do [[ -n "$c" ]] && all+=("$c"); done < <(pgrep -P "$p" || true)
  done
  local sum=0 f
  for p in "${all[@]}"; do
    # Fields after the `(comm)`: state is field 3, utime 14, stime 15.
    f=$(sed 's/^.*) //' "/proc/$p/stat" 2>/dev/null) || continue
    read -r -a a <<< "$f"
    sum=$((sum + a[11] + a[12]))
  done
  echo "$sum"
}
# Whole-machine busy and total jiffies (for the machine-busy column).
machine_jiffies() {
  awk '/^cpu /{t=0; for(i=2;i<=NF;i++) t+=$i; idle=$5+$6; print t-idle, t}' /proc/stat
}

# ---------------------------------------------------------------- upstream
up_port=$(free_port)
nginx_conf "$tmp/upstream" "$UPSTREAM_WORKERS" "
  default_type application/json;
  server {
    listen 127.0.0.1:$up_port;
    location ~ ^/users/([0-9]+)\$ {
      return 200 '{\"id\":\$1,\"name\":\"user \$1\",\"email\":\"user\$1@example.com\",\"active\":true,\"roles\":[\"reader\",\"writer\"],\"address\":{\"city\":\"Lisbon\",\"zip\":\"1000-001\"}}';
    }
    location ~ ^/cached/users/([0-9]+)\$ {
      add_header Cache-Control \"max-age=3600\";
      return 200 '{\"id\":\$1,\"name\":\"user \$1\",\"email\":\"user\$1@example.com\",\"active\":true,\"roles\":[\"reader\",\"writer\"],\"address\":{\"city\":\"Lisbon\",\"zip\":\"1000-001\"}}';
    }
    location ~ ^/users/([0-9]+)/orders\$ {
      return 200 '{\"orders\":[{\"id\":1,\"total\":12.5},{\"id\":2,\"total\":7.25}],\"count\":2}';
    }
    location / { return 404; }
  }"
start_nginx "$tmp/upstream"
up_pid=${pids[-1]}
wait_http "$up_port" "/users/$ID"

# start_listening LOG CMD...: starts CMD (a server that prints `listening on
# 127.0.0.1:PORT` on stdout) with its stderr in LOG and its stdout in LOG.out,
# waits for that line and sets started_pid and started_port.
start_listening() {
  local out log=$1; shift
  out="$log.out"
  # Created here: the child's own redirection may come after the first read.
  : > "$out"
  "$@" > "$out" 2> "$log" &
  pids+=($!)
  started_pid=$!
  started_port=""
  for _ in $(seq 100); do
    started_port=$(sed -n 's/^listening on 127\.0\.0\.1:\([0-9]*\)$/\1/p' "$out")
    [[ -n "$started_port" ]] && return 0
    kill -0 "$started_pid" 2>/dev/null || { cat "$log" >&2; exit 1; }
    sleep 0.1
  done
  echo "$1 never printed 'listening on'" >&2
  exit 1
}

# ---------------------------------------------------------------- gateway
work="$root/target/bench-proxy"
mkdir -p "$work"
python3 - "$root/bench/configs/users.json" "$work/users.json" "$up_port" "$ACCESS_LOG" "$work/jwks.json" <<'EOF'
import json, sys
src, dst, port, log, jwks = sys.argv[1:]
d = json.load(open(src))
d["host"] = [f"http://127.0.0.1:{port}"]
d["extra_config"]["router"]["disable_access_log"] = log != "1"
for e in d["endpoints"]:
    v = e.get("extra_config", {}).get("auth/validator")
    if v is not None:
        v["jwk_local_path"] = jwks
json.dump(d, open(dst, "w"), indent=2)
EOF
# The RS256 key set and a token valid for a day (iss, aud and role as the
# endpoint wants), signed with openssl.
python3 - "$root/testdata/keys/rsa-2048.pk8" "$work/jwks.json" "$work/token" "$tmp" <<'EOF'
import base64, json, re, subprocess, sys, time
der, jwks, token_path, tmp = sys.argv[1:]
pem = f"{tmp}/rsa.pem"
subprocess.run(["openssl", "pkey", "-inform", "DER", "-in", der, "-out", pem], check=True)
text = subprocess.run(["openssl", "rsa", "-in", pem, "-noout", "-text"], check=True,
                      capture_output=True, text=True).stdout
mod = subprocess.run(["openssl", "rsa", "-in", pem, "-noout", "-modulus"], check=True,
                     capture_output=True, text=True).stdout.strip().split("=", 1)[1]
exp = int(re.search(r"publicExponent: (\d+)", text).group(1))
def b64(b): return base64.urlsafe_b64encode(b).rstrip(b"=").decode()
def int_bytes(i): return i.to_bytes((i.bit_length() + 7) // 8, "big")
json.dump({"keys": [{"kty": "RSA", "kid": "bench", "alg": "RS256", "use": "sig",
                     "n": b64(int_bytes(int(mod, 16))), "e": b64(int_bytes(exp))}]}, open(jwks, "w"))
now = int(time.time())
claims = {"iss": "https://idp.example.com/", "sub": "user-42", "aud": ["orders-api"],
          "iat": now, "nbf": now - 60, "exp": now + 86400, "roles": ["reader", "writer"],
          "email": "user42@example.com", "scope": "orders:read orders:write"}
head = b64(json.dumps({"alg": "RS256", "kid": "bench", "typ": "JWT"}).encode())
body = b64(json.dumps(claims).encode())
sig = subprocess.run(["openssl", "dgst", "-sha256", "-sign", pem, "-binary"], check=True,
                     input=f"{head}.{body}".encode(), capture_output=True).stdout
open(token_path, "w").write(f"{head}.{body}.{b64(sig)}")
EOF
auth_header="Authorization: Bearer $(cat "$work/token")"
echo "building the gateway (bench/configs/users.json, upstream port $up_port)..." >&2
cargo run --release -q -p gwc --manifest-path "$root/Cargo.toml" -- \
  build "$work/users.json" -o "$work/gateway" --emit-crate "$work/crate" -q
gw_log="$tmp/gateway.log"
if [[ "$ACCESS_LOG" == 1 ]]; then gw_log="$tmp/gateway.access.log"; fi
start_listening "$gw_log" "$work/gateway" --listen 127.0.0.1:0
gw_pid=$started_pid
gw_port=$started_port
if [[ "$LOG_ONLY" == 1 ]]; then
  # The same config with telemetry/logging at INFO on stdout and the access log
  # on; with telemetry/opentelemetry's Prometheus exporter; with both.
  python3 - "$work/users.json" "$work" <<'EOF2'
import copy, json, sys
d = json.load(open(sys.argv[1]))
def variant(name, log, prom):
    v = copy.deepcopy(d)
    if log:
        v["extra_config"]["telemetry/logging"] = {"level": "INFO", "stdout": True}
        v["extra_config"]["router"]["disable_access_log"] = False
    if prom:
        v["extra_config"]["telemetry/opentelemetry"] = {
            "service_name": "bench",
            "exporters": {"prometheus": [{"name": "local", "port": 9464}]},
        }
    json.dump(v, open(f"{sys.argv[2]}/users-{name}.json", "w"), indent=2)
variant("log", True, False)
variant("prom", False, True)
variant("both", True, True)
EOF2
  for v in log prom both; do
    echo "building the $v gateway..." >&2
    cargo run --release -q -p gwc --manifest-path "$root/Cargo.toml" -- \
      build "$work/users-$v.json" -o "$work/gateway-$v" --emit-crate "$work/crate-$v" -q
  done
  start_listening "$tmp/gateway-log.log" "$work/gateway-log" --listen 127.0.0.1:0
  lg_pid=$started_pid lg_port=$started_port
  start_listening "$tmp/gateway-prom.log" "$work/gateway-prom" --listen 127.0.0.1:0 --metrics 127.0.0.1:0
  pr_pid=$started_pid pr_port=$started_port
  start_listening "$tmp/gateway-both.log" "$work/gateway-both" --listen 127.0.0.1:0 --metrics 127.0.0.1:0
  bo_pid=$started_pid bo_port=$started_port
  # A scraper, once a second (Prometheus's default is once in 15 s).
  metrics_ports=()
  for f in "$tmp/gateway-prom.log.out" "$tmp/gateway-both.log.out"; do
    for _ in $(seq 50); do
      p=$(sed -n 's/^metrics listening on 127\.0\.0\.1:\([0-9]*\)$/\1/p' "$f")
      [[ -n "$p" ]] && break
      sleep 0.1
    done
    [[ -n "$p" ]] || { echo "$f: no 'metrics listening on' line" >&2; exit 1; }
    metrics_ports+=("$p")
  done
  ( while sleep 1; do
      for p in "${metrics_ports[@]}"; do curl -s -o /dev/null "http://127.0.0.1:$p/metrics" || true; done
    done ) &
  pids+=($!)
fi

# ---------------------------------------------------------------- baseline
if [[ -n "$BASELINE" ]]; then
  base_rev=$(git -C "$root" rev-parse --short "$BASELINE")
  # A stable path, so a second run reuses the build.
  base_src="$root/target/bench-baseline/src-$base_rev"
  if [[ ! -f "$base_src/Cargo.toml" ]]; then
    mkdir -p "$base_src"
    git -C "$root" archive "$base_rev" | tar -x -C "$base_src"
  fi
  echo "building the gateway with gwc as of $base_rev (target/bench-baseline)..." >&2
  CARGO_TARGET_DIR="$root/target/bench-baseline" GWC_TARGET_DIR="$root/target/bench-baseline" \
    cargo run --release -q -p gwc --manifest-path "$base_src/Cargo.toml" -- \
    build "$work/users.json" -o "$work/gateway-baseline" --emit-crate "$work/crate-baseline" -q
  start_listening "$tmp/gateway-baseline.log" "$work/gateway-baseline" --listen 127.0.0.1:0
  bl_pid=$started_pid bl_port=$started_port
fi

# ---------------------------------------------------------------- hyper floor
if [[ "$FLOOR" == 1 ]]; then
  echo "building the hyper floor (gw-runtime example hyper_floor)..." >&2
  cargo build --release -q -p gw-runtime --example hyper_floor --manifest-path "$root/Cargo.toml"
  floor_bin="$(cargo metadata --format-version 1 --no-deps --manifest-path "$root/Cargo.toml" |
    python3 -c 'import json,sys; print(json.load(sys.stdin)["target_directory"])')/release/examples/hyper_floor"
  start_listening "$tmp/floor.log" "$floor_bin" --listen 127.0.0.1:0 --upstream "127.0.0.1:$up_port"
  fl_pid=$started_pid
  fl_port=$started_port
  start_listening "$tmp/floor-own.log" "$floor_bin" --listen 127.0.0.1:0 --upstream "127.0.0.1:$up_port" --client own
  fo_pid=$started_pid
  fo_port=$started_port
fi

# ---------------------------------------------------------------- nginx proxy
ng_port=$(free_port)
nginx_conf "$tmp/proxy" "$NGINX_WORKERS" "
  upstream users {
    server 127.0.0.1:$up_port;
    keepalive 64;
    keepalive_requests 1000000;
  }
  server {
    listen 127.0.0.1:$ng_port;
    location /v1/users/ {
      proxy_pass http://users/users/;
      proxy_http_version 1.1;
      proxy_set_header Connection \"\";
    }
  }"
start_nginx "$tmp/proxy"
ng_pid=${pids[-1]}
wait_http "$ng_port" "/v1/users/$ID"

# ---------------------------------------------------------------- checks
check() { # $1 = label, $2 = url, $3 = an optional request header
  local code
  code=$(curl -s -o "$tmp/check.body" -w '%{http_code}' ${3:+-H "$3"} "$2")
  echo "  $1 $2 -> $code $(head -c 160 "$tmp/check.body")"
  [[ "$code" == 200 ]] || { echo "unexpected status" >&2; exit 1; }
}
echo "sanity:"
check "gateway json       " "http://127.0.0.1:$gw_port/v1/users/$ID"
check "nginx proxy        " "http://127.0.0.1:$ng_port/v1/users/$ID"
if [[ "$FLOOR" == 1 ]]; then
  check "hyper floor        " "http://127.0.0.1:$fl_port/v1/users/$ID"
  check "floor, own client  " "http://127.0.0.1:$fo_port/v1/users/$ID"
fi
check "gateway aggregation" "http://127.0.0.1:$gw_port/v1/users/$ID/summary"
check "gateway rate limit " "http://127.0.0.1:$gw_port/v1/limited/users/$ID"
check "gateway RS256 auth  " "http://127.0.0.1:$gw_port/v1/auth/users/$ID" "$auth_header"
check "gateway http-cache  " "http://127.0.0.1:$gw_port/v1/cached/users/$ID"
code=$(curl -s -o /dev/null -w '%{http_code}' "http://127.0.0.1:$gw_port/v1/auth/users/$ID")
echo "  gateway RS256 auth, no token -> $code"
[[ "$code" == 401 ]] || { echo "the validator let a request without a token through" >&2; exit 1; }

# ---------------------------------------------------------------- runs
# wrk latency "1.23ms" / "456.00us" / "1.02s" -> milliseconds.
to_ms() {
  awk -v v="$1" 'BEGIN{
    if (v ~ /us$/) { sub(/us$/,"",v); printf "%.2f", v/1000 }
    else if (v ~ /ms$/) { sub(/ms$/,"",v); printf "%.2f", v }
    else if (v ~ /m$/) { sub(/m$/,"",v); printf "%.2f", v*60000 }
    else if (v ~ /s$/) { sub(/s$/,"",v); printf "%.2f", v*1000 }
    else printf "%s", v }'
}

rows=()
declare -A per_run=()
declare -A rps_run=()
run() { # $1 = label, $2 = url, $3 = proxy pid, $4 = an optional request header
  local label=$1 url=$2 pid=$3 hdr=()
  if [[ -n "${4:-}" ]]; then hdr=(-H "$4"); fi
  wrk -t"$THREADS" -c"$CONNS" -d"$WARMUP" "${hdr[@]}" "$url" > /dev/null
  local c0 u0 m0 c1 u1 m1 out
  c0=$(cpu_ticks "$pid"); u0=$(cpu_ticks "$up_pid"); m0=$(machine_jiffies)
  out=$(wrk -t"$THREADS" -c"$CONNS" -d"$DURATION" --latency "${hdr[@]}" "$url")
  c1=$(cpu_ticks "$pid"); u1=$(cpu_ticks "$up_pid"); m1=$(machine_jiffies)
  echo "$out" > "$tmp/wrk.${label//[^A-Za-z0-9]/_}.txt"
  local rps p99 errs non2xx cpu ucpu busy
  rps=$(awk '/^Requests\/sec:/{print $2}' <<< "$out")
  p99=$(to_ms "$(awk '$1=="99%"{print $2}' <<< "$out")")
  non2xx=$(awk -F': *' '/Non-2xx/{print $2}' <<< "$out")
  errs=$(awk '/Socket errors/{gsub(",","");print $4+$6+$8+$10}' <<< "$out")
  cpu=$(awk -v a="$c0" -v b="$c1" -v hz="$hz" 'BEGIN{printf "%.2f", (b-a)/hz}')
  ucpu=$(awk -v a="$u0" -v b="$u1" -v hz="$hz" 'BEGIN{printf "%.2f", (b-a)/hz}')
  busy=$(awk -v a="$m0" -v b="$m1" 'BEGIN{split(a,x," "); split(b,y," "); printf "%.0f", 100*(y[1]-x[1])/(y[2]-x[2])}')
  local secs per
  secs=$(awk -v d="$DURATION" 'BEGIN{ if (d ~ /m$/) {sub(/m$/,"",d); d*=60} else sub(/s$/,"",d); print d }')
  per=$(awk -v r="$rps" -v s="$secs" -v c="$cpu" 'BEGIN{ if (c > 0) printf "%.0f", r*s/c; else print "-" }')
  per_run["$label"]=$per
  rps_run["$label"]=$rps
  rows+=("$(printf '%-30s %10s %9s %9s %12s %9s %6s %6s %s' \
    "$label" "$rps" "$p99" "$cpu" "$per" "$ucpu" "$busy%" "${errs:-0}" "${non2xx:+non2xx=$non2xx}")")
  echo "  done: $label ($(cut -d' ' -f1-3 /proc/loadavg) load)" >&2
}

echo
echo "machine: $(nproc) cores, $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2- | sed 's/^ //')"
echo "load average before: $(cut -d' ' -f1-3 /proc/loadavg)"
echo "wrk -t$THREADS -c$CONNS -d$DURATION --latency (warm-up $WARMUP each); nginx proxy worker_processes $NGINX_WORKERS, upstream $UPSTREAM_WORKERS; gateway: ${TOKIO_WORKER_THREADS:-$(nproc)} worker threads; access logs $([[ $ACCESS_LOG == 1 ]] && echo on || echo off)"
echo "$(nginx -v 2>&1), $(wrk -v 2>&1 | sed -n 1p | cut -d' ' -f1-2)"
for r in $(seq "$ROUNDS"); do
  sfx=""; ((ROUNDS > 1)) && sfx=" #$r"
  run "gateway /v1/users/{id}$sfx" "http://127.0.0.1:$gw_port/v1/users/$ID" "$gw_pid"
  if [[ -n "$BASELINE" ]]; then
    run "baseline $base_rev /v1/users/{id}$sfx" "http://127.0.0.1:$bl_port/v1/users/$ID" "$bl_pid"
    continue
  fi
  if [[ "$LOG_ONLY" == 1 ]]; then
    run "gateway + logging INFO+access$sfx" "http://127.0.0.1:$lg_port/v1/users/$ID" "$lg_pid"
    run "gateway + prometheus exporter$sfx" "http://127.0.0.1:$pr_port/v1/users/$ID" "$pr_pid"
    run "gateway + logging + exporter$sfx" "http://127.0.0.1:$bo_port/v1/users/$ID" "$bo_pid"
    continue
  fi
  run "gateway + http-cache hit$sfx" "http://127.0.0.1:$gw_port/v1/cached/users/$ID" "$gw_pid"
  if [[ "$CACHE_ONLY" == 1 ]]; then continue; fi
  if [[ "$FLOOR" == 1 ]]; then
    run "hyper floor /v1/users/{id}$sfx" "http://127.0.0.1:$fl_port/v1/users/$ID" "$fl_pid"
    run "own-client floor /v1/u/{id}$sfx" "http://127.0.0.1:$fo_port/v1/users/$ID" "$fo_pid"
  fi
  run "nginx /v1/users/{id}$sfx" "http://127.0.0.1:$ng_port/v1/users/$ID" "$ng_pid"
  run "gateway summary (2 bk)$sfx" "http://127.0.0.1:$gw_port/v1/users/$ID/summary" "$gw_pid"
  run "gateway + ratelimit$sfx" "http://127.0.0.1:$gw_port/v1/limited/users/$ID" "$gw_pid"
  run "gateway + RS256 validator$sfx" "http://127.0.0.1:$gw_port/v1/auth/users/$ID" "$gw_pid" "$auth_header"
done
echo "load average after: $(cut -d' ' -f1-3 /proc/loadavg)"
echo
printf '%-30s %10s %9s %9s %12s %9s %6s %6s\n' \
  "run" "req/s" "p99 ms" "proxy s" "req/proxy-s" "upstrm s" "busy" "errs"
for row in "${rows[@]}"; do echo "$row"; done
echo
echo "proxy s = CPU seconds (user+sys) of the proxy during the measured run (nginx: master+workers);"
echo "req/proxy-s = requests served per proxy CPU-second; upstrm s = the upstream nginx's CPU seconds;"
echo "busy = whole-machine CPU busy during the run (wrk, upstream and proxy share $(nproc) cores)."
echo
ratio() { awk -v a="${per_run[$1]:-}" -v b="${per_run[$2]:-}" 'BEGIN{ if (a > 0 && b > 0) printf "%.2f", a/b; else print "-" }'; }
if [[ "$CACHE_ONLY" != 1 ]]; then
echo "req/proxy-s against nginx's, /v1/users/{id} (the target is gateway >= 1.00):"
for r in $(seq "$ROUNDS"); do
  sfx=""; ((ROUNDS > 1)) && sfx=" #$r"
  line="  round $r: gateway $(ratio "gateway /v1/users/{id}$sfx" "nginx /v1/users/{id}$sfx")"
  if [[ "$FLOOR" == 1 ]]; then
    line+=", hyper floor $(ratio "hyper floor /v1/users/{id}$sfx" "nginx /v1/users/{id}$sfx")"
    line+=", own-client floor $(ratio "own-client floor /v1/u/{id}$sfx" "nginx /v1/users/{id}$sfx")"
    line+=", gateway/floor $(ratio "gateway /v1/users/{id}$sfx" "hyper floor /v1/users/{id}$sfx")"
  fi
  echo "$line"
done
fi
median() { printf '%s\n' "$@" | sort -n | awk '{a[NR]=$1} END{print a[int((NR+1)/2)]}'; }
if [[ -n "$BASELINE" ]]; then
  ratios=()
  for r in $(seq "$ROUNDS"); do
    sfx=""; ((ROUNDS > 1)) && sfx=" #$r"
    ratios+=("$(ratio "gateway /v1/users/{id}$sfx" "baseline $base_rev /v1/users/{id}$sfx")")
  done
  echo "the json endpoint, req/proxy-s of this tree against $base_rev: rounds ${ratios[*]}, median $(median "${ratios[@]}")"
  exit 0
fi
if [[ "$LOG_ONLY" == 1 ]]; then
  echo "the json endpoint with telemetry, req/proxy-s against the bare gateway (goal >= 0.95 with both on):"
  for pair in "logging INFO+access:gateway + logging INFO+access" \
              "prometheus exporter:gateway + prometheus exporter" \
              "logging + exporter:gateway + logging + exporter"; do
    label=${pair%%:*} name=${pair#*:}
    ratios=()
    for r in $(seq "$ROUNDS"); do
      sfx=""; ((ROUNDS > 1)) && sfx=" #$r"
      ratios+=("$(ratio "$name$sfx" "gateway /v1/users/{id}$sfx")")
    done
    echo "  $label: rounds ${ratios[*]}, median $(median "${ratios[@]}")"
  done
  echo "  access-log lines written: $(grep -c '^\[GIN\]' "$tmp/gateway-log.log.out" || true)"
  exit 0
fi
rps_ratio() { awk -v a="$1" -v b="$2" 'BEGIN{ if (a > 0 && b > 0) printf "%.2f", a/b; else print "-" }'; }
echo "the same json endpoint with qos/http-cache, every request a hit, against without (the target is >= 1.50):"
for r in $(seq "$ROUNDS"); do
  sfx=""; ((ROUNDS > 1)) && sfx=" #$r"
  echo "  round $r: req/s $(rps_ratio "${rps_run["gateway + http-cache hit$sfx"]:-}" "${rps_run["gateway /v1/users/{id}$sfx"]:-}"), req/proxy-s $(ratio "gateway + http-cache hit$sfx" "gateway /v1/users/{id}$sfx")"
done
if [[ "$CACHE_ONLY" == 1 ]]; then exit 0; fi
echo "the same json endpoint with a per-client rate limit (qos/ratelimit/router, never refusing), req/proxy-s against without:"
for r in $(seq "$ROUNDS"); do
  sfx=""; ((ROUNDS > 1)) && sfx=" #$r"
  echo "  round $r: $(ratio "gateway + ratelimit$sfx" "gateway /v1/users/{id}$sfx")"
done
echo "the same json endpoint behind an RS256 auth/validator (one valid token: the verified-token cache"
echo "answers after the first request), req/proxy-s against without, and the proxy CPU it adds per request:"
for r in $(seq "$ROUNDS"); do
  sfx=""; ((ROUNDS > 1)) && sfx=" #$r"
  a="${per_run["gateway + RS256 validator$sfx"]:-}" b="${per_run["gateway /v1/users/{id}$sfx"]:-}"
  echo "  round $r: $(ratio "gateway + RS256 validator$sfx" "gateway /v1/users/{id}$sfx"), $(awk -v a="$a" -v b="$b" 'BEGIN{ if (a > 0 && b > 0) printf "%+.2f us", 1e6/a - 1e6/b; else print "-" }') a request"
done

# ---------------------------------------------------------------- perf
if [[ "$PERF" == 1 ]]; then
  command -v perf >/dev/null || { echo "PERF=1: perf is not installed (apt-get install linux-perf)" >&2; exit 1; }
  libc=$(ldd "$work/gateway" | awk '/libc.so.6/{print $3}')
  probes="" added=0
  if perf probe -q -x "$libc" -a malloc 2>/dev/null; then
    probes=",probe_libc:malloc" added=1
  elif perf list 2>/dev/null | grep -q probe_libc:malloc; then
    probes=",probe_libc:malloc"
  fi
  pstat() { # $1 = label, $2 = url, $3 = pids (comma-separated)
    local out reqs
    wrk -t"$THREADS" -c"$CONNS" -d"$WARMUP" "$2" > /dev/null
    perf stat -x, -e "raw_syscalls:sys_enter,sched:sched_switch$probes" -p "$3" -o "$tmp/pstat" -- sleep 6 &
    local sp=$!
    sleep 0.5
    out=$(wrk -t"$THREADS" -c"$CONNS" -d5s "$2")
    wait "$sp" || true
    reqs=$(awk '/requests in/{print $1}' <<< "$out")
    awk -F, -v r="$reqs" -v l="$1" '$3 ~ /:/ {printf "  %-26s %-28s %8.2f per request\n", l, $3, $1/r}' "$tmp/pstat"
  }
  echo
  echo "perf stat (5 s each; counts per request, requests from wrk):"
  pstat "gateway /v1/users/{id}" "http://127.0.0.1:$gw_port/v1/users/$ID" "$gw_pid"
  pstat "gateway summary (2 bk)" "http://127.0.0.1:$gw_port/v1/users/$ID/summary" "$gw_pid"
  pstat "nginx /v1/users/{id}" "http://127.0.0.1:$ng_port/v1/users/$ID" "$(pgrep -P "$ng_pid" | paste -sd,)"
  if [[ "$added" == 1 ]]; then perf probe -q -d probe_libc:malloc 2>/dev/null || true; fi
  echo
  echo "perf record of the gateway on /v1/users/{id} (10 s, cpu-clock):"
  perf record -q -F 999 -p "$gw_pid" -o "$work/perf.gateway.data" -- sleep 10 2>/dev/null &
  rp=$!
  wrk -t"$THREADS" -c"$CONNS" -d10s "http://127.0.0.1:$gw_port/v1/users/$ID" > /dev/null
  wait "$rp" || true
  perf report -i "$work/perf.gateway.data" --stdio --sort dso 2>/dev/null | grep '%' | sed -n 1,6p || true
  perf report -i "$work/perf.gateway.data" --stdio --sort dso,sym 2>/dev/null | grep '%' | sed -n 1,30p || true
  echo "(full profile: perf report -i $work/perf.gateway.data)"
fi
