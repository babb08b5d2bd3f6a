#!/usr/bin/env bash
# Fuzz `gwc lint` for SECONDS (default 600). Seeds the corpus from testdata/
# and, where present, ../shared/corpus (the first byte picks the format).
# `run.sh SECONDS jwt` fuzzes auth/validator's token and JWKS parsing
# instead, seeded with testdata/keys and the JWTs of testdata/build.
# `run.sh SECONDS plan` fuzzes what `gwc build` does before cargo (lint
# with the build rules, then plan and generate for clean configs), seeded
# with testdata/build and testdata/ok, with a dictionary of the schema's
# field names and KrakenD's namespaces.
# `run.sh SECONDS martian` fuzzes modifier/martian (lint and plan of the
# namespace, and the modifiers on requests and responses), seeded with the
# GW72x/GW73x fixtures and testdata/build/martian.json.
# `run.sh SECONDS cel` fuzzes validation/cel (the linter's analysis of an
# expression, then, for clean ones, the gateway's evaluation on arbitrary
# activations), seeded with the GW77x fixtures and testdata/build/cel.json.
# `run.sh SECONDS request` fuzzes the request path (hyper's server, the Host
# check, the router, the backend request from the path variables, the
# header and query allowlists, the proxy) of an in-process gateway over
# loopback sockets with arbitrary request heads, checking what reaches its
# upstream; seeded with a few well-formed requests.
# `run.sh SECONDS h1_head` fuzzes the own HTTP/1.1 client's response head
# parser (runtime/src/http1/head.rs) and `run.sh SECONDS h1_chunked` its
# chunked decoder (chunked.rs); both start from the seeds committed under
# corpus/<target>/ (replayed by a stable test in runtime/src/http1/tests)
# and check the invariants of runtime/src/http1/tests/fuzz_checks.rs.
# `run.sh SECONDS h1_response_stream` fuzzes the own HTTP/1.1 client's
# connection (runtime/src/http1/conn.rs) with whole upstream replies on
# scripted IO; seeded with the committed fuzz/corpus/h1_response_stream.
# `run.sh SECONDS h1_diff_hyper` feeds the same upstream reply to hyper's
# client and to the own one (runtime/tests/support/h1_diff.rs) and fails on
# a difference outside runtime/tests/http1_diff_allow.txt's classes; seeded
# with the committed fuzz/corpus/h1_diff_hyper.
# Needs cargo-fuzz (`cargo install cargo-fuzz`); runs on the stable toolchain
# through RUSTC_BOOTSTRAP, without sanitizers (safe Rust: panics are the bugs).
set -euo pipefail
cd "$(dirname "$0")"
seconds=${1:-600}
if [ "${2:-lint}" = jwt ]; then
  mkdir -p corpus/jwt
  for f in ../testdata/keys/*.json; do cp "$f" "corpus/jwt/seed-$(basename "$f")"; done
  # Tokens out of the fixtures' JSON strings (anything with two dots).
  grep -ohE '"ey[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]*"' ../testdata/keys/*.json \
    | tr -d '"' | awk '{ print > ("corpus/jwt/seed-token-" NR) }'
  RUSTC_BOOTSTRAP=1 exec cargo fuzz run --sanitizer none jwt corpus/jwt -- \
    -max_total_time="$seconds" -max_len=65536 -timeout=10 -rss_limit_mb=4096
fi
if [ "${2:-lint}" = plan ]; then
  mkdir -p corpus/plan
  for f in ../testdata/build/*.json ../testdata/ok/*.json ../testdata/example/*.json; do
    cp "$f" "corpus/plan/seed-$(basename "$(dirname "$f")")-$(basename "$f")"
  done
  python3 - ../schema/krakend.schema.json > plan.dict <<'EOF'
import json, sys
names = set()
def walk(v):
    if isinstance(v, dict):
        for k, x in v.items():
            if k in ("properties", "patternProperties") and isinstance(x, dict):
                names.update(x)
            walk(x)
    elif isinstance(v, list):
        for x in v:
            walk(x)
walk(json.load(open(sys.argv[1])))
for n in sorted(names):
    print(json.dumps(json.dumps(n)))
EOF
  RUSTC_BOOTSTRAP=1 exec cargo fuzz run --sanitizer none plan corpus/plan -- \
    -max_total_time="$seconds" -max_len=65536 -timeout=10 -rss_limit_mb=4096 -dict=plan.dict
fi
if [ "${2:-lint}" = martian ]; then
  # A config, a NUL, then a request and a response: `/path?query`,
  # header lines, `--`, the status, header lines.
  mkdir -p corpus/martian
  for f in ../testdata/lint/gw7[23]*.json ../testdata/ok/gw7[23]*.json ../testdata/build/martian.json; do
    { cat "$f"; printf '\0/echo/7?q=a+b&p=1\nX-App: ab\nCookie: c=1; s=1\nRange: bytes=1-3,5-\n--\n500\nSet-Cookie: s=1\n'; } \
      > "corpus/martian/seed-$(basename "$f")"
  done
  RUSTC_BOOTSTRAP=1 exec cargo fuzz run --sanitizer none martian corpus/martian -- \
    -max_total_time="$seconds" -max_len=65536 -timeout=10 -rss_limit_mb=4096
fi
if [ "${2:-lint}" = cel ]; then
  # An expression, a NUL, then an activation: method, path, `req_params.Id`,
  # header lines, `--`, the query, JSON (resp_data and the claims). Seeded
  # with every check_expr of the GW77x fixtures and the build config, and
  # a dictionary of CEL's names.
  mkdir -p corpus/cel
  python3 - ../testdata/lint/gw77*.json ../testdata/ok/gw77*.json ../testdata/build/cel.json <<'EOF2'
import json, sys, hashlib
act = "\0GET\n/cel/30\n30\nX-Header: something\nX-Tenant: acme\n--\nq=abc&q=x\n" + json.dumps(
    {"a": {"name": "ann"}, "roles": ["a", "b"], "total": 9.5, "items": [{"ok": True}], "exp": 2e9})
def walk(v):
    if isinstance(v, dict):
        for k, x in v.items():
            if k == "check_expr" and isinstance(x, str):
                yield x
            yield from walk(x)
    elif isinstance(v, list):
        for x in v:
            yield from walk(x)
for f in sys.argv[1:]:
    for e in walk(json.load(open(f))):
        name = hashlib.sha1(e.encode()).hexdigest()[:12]
        open(f"corpus/cel/seed-{name}", "w").write(e + act)
EOF2
  printf '%s\n' '"req_method"' '"req_path"' '"req_params"' '"req_headers"' '"req_querystring"' \
    '"resp_completed"' '"resp_metadata_status"' '"resp_metadata_headers"' '"resp_data"' '"JWT"' \
    '"now"' '"size("' '".startsWith("' '".matches("' '"timestamp("' '"duration("' '".all("' \
    '".exists("' '".map("' '".filter("' '"has("' '" in "' '" && "' '" || "' '" == "' '"int("' \
    '".getDayOfYear("' '".getHours("' > cel.dict
  RUSTC_BOOTSTRAP=1 exec cargo fuzz run --sanitizer none cel corpus/cel -- \
    -max_total_time="$seconds" -max_len=4096 -timeout=10 -rss_limit_mb=4096 -dict=cel.dict
fi
if [ "${2:-lint}" = request ]; then
  mkdir -p corpus/request
  printf 'GET /v/abc?a=1&b=2 HTTP/1.1\r\nHost: x\r\nX-A: 1\r\nX-B: 2\r\n\r\n' > corpus/request/seed-get
  printf 'POST /n HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n3\r\nabc\r\n0\r\n\r\n' \
    > corpus/request/seed-post
  printf 'PUT /agg/x/ HTTP/1.1\r\nHost: x\r\nContent-Length: 2\r\n\r\n{}' > corpus/request/seed-put
  printf 'GET /v/a%%2F..%%3Bb/ HTTP/1.0\r\n\r\nGET //v/./x HTTP/1.1\r\nHost: y\r\n\r\n' \
    > corpus/request/seed-pipelined
  printf '%s\n' '"GET "' '"POST "' '"PUT "' '"HEAD "' '"OPTIONS "' '" HTTP/1.1\x0D\x0A"' '" HTTP/1.0\x0D\x0A"' \
    '"\x0D\x0A"' '"\x0D\x0A\x0D\x0A"' '"Host: "' '"X-A: "' '"Content-Length: "' '"Transfer-Encoding: chunked"' \
    '"Connection: close"' '"Expect: 100-continue"' '"/v/"' '"/n"' '"/agg/"' '"/__health"' '"%2F"' '"%2E%2E"' \
    '"%3B"' '"%00"' '"%0D%0A"' '".."' '"?a="' '"&q="' > request.dict
  RUSTC_BOOTSTRAP=1 exec cargo fuzz run --sanitizer none request corpus/request -- \
    -max_total_time="$seconds" -max_len=4096 -timeout=10 -rss_limit_mb=4096 -dict=request.dict
fi
if [ "${2:-lint}" = h1_head ]; then
  mkdir -p target
  printf '%s\n' '"HTTP/1.1 "' '"HTTP/1.0 "' '" 200 OK\x0D\x0A"' '"\x0D\x0A"' '"\x0D\x0A\x0D\x0A"' \
    '"Content-Length: "' '"Transfer-Encoding: chunked"' '"Connection: close"' '"Connection: "' \
    '"Keep-Alive: "' '"Upgrade: "' '"TE: "' '"Trailer: "' '" 100 Continue\x0D\x0A"' '" 101 "' \
    '" 103 "' '" 204 "' '" 304 "' '", "' '"chunked"' '"\x0D"' '"\x0A"' '"\x00"' > target/h1_head.dict
  RUSTC_BOOTSTRAP=1 exec cargo fuzz run --sanitizer none h1_head corpus/h1_head -- \
    -max_total_time="$seconds" -max_len=4096 -timeout=10 -rss_limit_mb=4096 -dict=target/h1_head.dict
fi
if [ "${2:-lint}" = h1_chunked ]; then
  mkdir -p target
  printf '%s\n' '"\x0D\x0A"' '"0\x0D\x0A\x0D\x0A"' '";"' '"="' '"\""' '" "' '"\x09"' \
    '"FFFFFFFFFFFFFFFF"' '"0000000000000000"' '"Content-Length: 5\x0D\x0A"' '": "' > target/h1_chunked.dict
  RUSTC_BOOTSTRAP=1 exec cargo fuzz run --sanitizer none h1_chunked corpus/h1_chunked -- \
    -max_total_time="$seconds" -max_len=4096 -timeout=10 -rss_limit_mb=4096 -dict=target/h1_chunked.dict
fi
if [ "${2:-lint}" = h1_response_stream ]; then
  # The committed seeds (seed-*) are the corpus' start; byte 0 picks the
  # method and the read size, the rest is the upstream's reply. The
  # dictionary goes under target/ (ignored).
  mkdir -p corpus/h1_response_stream target
  printf '%s\n' '"HTTP/1.1 "' '"HTTP/1.0 "' '"200 OK\x0D\x0A"' '"100 Continue\x0D\x0A"' '"103 "' '"204 "' \
    '"304 "' '"101 "' '"\x0D\x0A"' '"\x0D\x0A\x0D\x0A"' '"Content-Length: "' '"Transfer-Encoding: "' \
    '"chunked"' '"Connection: "' '"close"' '"keep-alive"' '"0\x0D\x0A\x0D\x0A"' '";ext="' '"ffffffffffffffff"' \
    > target/h1_response_stream.dict
  RUSTC_BOOTSTRAP=1 exec cargo fuzz run --sanitizer none h1_response_stream corpus/h1_response_stream -- \
    -max_total_time="$seconds" -max_len=8192 -timeout=10 -rss_limit_mb=4096 -dict=target/h1_response_stream.dict
fi
if [ "${2:-lint}" = h1_diff_hyper ]; then
  # Byte 0 picks GET or HEAD and the upstream's write size; the rest is the
  # reply. The dictionary goes under target/ (ignored).
  mkdir -p corpus/h1_diff_hyper target
  printf '%s\n' '"HTTP/1.1 "' '"HTTP/1.0 "' '"200 OK\x0D\x0A"' '"100 Continue\x0D\x0A"' '"204 "' '"304 "' \
    '"\x0D\x0A\x0D\x0A"' '"Content-Length: "' '"Transfer-Encoding: "' '"chunked"' '"Connection: "' \
    '"close"' '"keep-alive"' '"0\x0D\x0A\x0D\x0A"' '";ext="' > target/h1_diff_hyper.dict
  RUSTC_BOOTSTRAP=1 exec cargo fuzz run --sanitizer none h1_diff_hyper corpus/h1_diff_hyper -- \
    -max_total_time="$seconds" -max_len=4096 -timeout=10 -rss_limit_mb=4096 -dict=target/h1_diff_hyper.dict
fi
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
