//! KrakenD CE's own integration suite, run against a gateway that
//! `gwc build` makes from the suite's fixture config.
//!
//! `../shared/krakend-ce-tests/` holds CE's 59 specs (one request and the
//! exact expected response each) and the fixture they run against
//! (`SOURCE.md` there says where they come from). This test is a port of
//! CE's Go harness (`tests/integration.go`): its mock backend
//! (`conformance/mock.rs`), its client (`conformance/client.rs`, Go's
//! `http.Client` defaults) and its comparison rules ([`compare`]). The
//! fixture's fixed addresses are moved to ephemeral ports on 127.0.0.1:
//! the mock on `:8081`, KrakenD itself on `:8080` (some backends call the
//! gateway's own `/__debug/`: the fixture points at a relay,
//! `conformance/relay.rs`, that pipes to the running gateway), and the
//! values inside expected responses follow. CE's harness runs KrakenD with
//! `-d`; the fixture gets `"debug_endpoint": true` for it.
//!
//! A spec is skipped only when it depends on a namespace gwc does not build
//! yet ([`NOT_BUILT`], [`DEPENDS`]) or can never run here ([`NEVER`]); any
//! other difference fails, except the deliberate ones of [`DIFFERENCES`],
//! each of which the README lists. Without `../shared` the test says so and
//! passes.

#![allow(clippy::unwrap_used)]

mod support;

#[path = "conformance/client.rs"]
mod client;
#[path = "conformance/mock.rs"]
mod mock;
#[path = "conformance/relay.rs"]
mod relay;

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::process::Command;

use serde_json::Value;

/// The namespaces of the fixture that `gwc build` cannot compile yet. The
/// build opts out of each (`--allow-unsupported`), and a spec that depends
/// on one is skipped with its name. A component issue that lands removes its
/// namespaces here, and their specs run.
const NOT_BUILT: &[&str] = &["modifier/lua-backend", "modifier/lua-proxy"];

/// Every spec and the namespaces its outcome depends on, beyond the core.
/// Service-level namespaces count for the specs they act on even where the
/// endpoint has no namespace of its own: `security/cors` answers every
/// preflight and decorates any request with an `Origin`, and
/// `security/bot-detector` rejects the user agents the fixture lists.
/// `telemetry/logging` and `telemetry/metrics` change no response.
const DEPENDS: &[(&str, &[&str])] = &[
    ("backend_301", &[]),
    ("backend_302", &[]),
    ("backend_303", &[]),
    ("backend_307", &[]),
    ("backend_404", &[]),
    ("botdetector_1", &["security/bot-detector"]),
    ("botdetector_2", &["security/bot-detector"]),
    ("botdetector_3", &["security/bot-detector"]),
    ("botdetector_4", &["security/bot-detector"]),
    ("cel-1", &["validation/cel"]),
    ("cel-2", &["validation/cel"]),
    ("cel-3", &["validation/cel"]),
    ("cel-4", &["validation/cel"]),
    ("cel-5", &["validation/cel"]),
    ("cel-6", &["validation/cel", "auth/validator"]),
    ("cel-7", &["validation/cel", "auth/validator"]),
    ("collection", &[]),
    ("cors_1", &["security/cors"]),
    ("cors_2", &["security/cors"]),
    ("cors_3", &["security/cors"]),
    ("cors_4", &["security/cors"]),
    ("cors_5", &["security/cors"]),
    ("detail_error", &[]),
    ("flatmap_1", &[]),
    ("integration_jsonschema", &[]),
    ("integration_no_body", &[]),
    ("integration_schema", &[]),
    ("jsonschema_1", &["validation/json-schema"]),
    ("jwt_1", &["auth/validator"]),
    ("jwt_2", &["auth/validator"]),
    ("jwt_3", &["auth/validator"]),
    ("jwt_4", &["auth/signer"]),
    ("jwt_5", &["auth/validator"]),
    ("lua_1", &["modifier/lua-proxy", "modifier/lua-backend"]),
    ("lua_2", &["modifier/lua-backend"]),
    ("negotitate_json", &[]),
    ("negotitate_plain", &[]),
    ("no-op_1", &[]),
    ("no-op_2", &[]),
    ("param_forwarding_1", &[]),
    ("param_forwarding_2", &[]),
    ("param_forwarding_3", &[]),
    ("param_forwarding_4", &[]),
    ("query_forwarding_1", &[]),
    ("query_forwarding_2", &[]),
    ("query_forwarding_3", &[]),
    ("router_401_1", &["auth/validator"]),
    ("router_404", &[]),
    ("router_405", &[]),
    ("router_redirect", &[]),
    ("rss", &["qos/http-cache"]),
    ("sequential_1", &[]),
    ("sequential_2", &[]),
    ("sequential_3", &["modifier/lua-backend"]),
    ("sequential_4", &["modifier/lua-backend"]),
    ("static", &[]),
    ("timeout", &[]),
    ("xml_1", &[]),
    ("xml_2", &[]),
];

/// Specs that cannot run here whatever gwc builds, and why.
const NEVER: &[(&str, &str)] = &[(
    "rss",
    "its backend is an outside host (showrss.info) and these tests never leave 127.0.0.1",
)];

/// How a deliberate difference is compared.
#[derive(Clone, Copy, Debug, PartialEq)]
enum Compare {
    /// An expected body written as JSON text is compared as a JSON value:
    /// the same members, in any order.
    JsonKeyOrder,
    /// `KrakenD Version 2.13.8` in an expected value (`User-Agent`,
    /// `X-Forwarded-Via`, `X-Krakend`) reads `KrakenD Version gwc-<ver>`.
    OwnVersion,
    /// The mock's echo of the request's headers is expected without this
    /// one: gwc does not send it.
    EchoWithout(&'static str),
    /// The echo is expected with this header and value as well: gwc sends
    /// it where KrakenD does not.
    EchoWith(&'static str, &'static str),
}

/// A deliberate, documented gwc difference the comparison allows.
struct Difference {
    /// The specs it applies to (empty: every spec).
    specs: &'static [&'static str],
    /// What is compared differently.
    compare: Compare,
    /// Words of the README's "Where the gateway differs from KrakenD" list
    /// that state it (the test checks they are there).
    readme: &'static str,
}

/// Every tolerance the comparison applies, in one place. Each is a
/// deliberate difference the README lists.
const DIFFERENCES: &[Difference] = &[
    Difference {
        specs: &[],
        compare: Compare::OwnVersion,
        readme: "`KrakenD Version gwc-<version>`",
    },
    Difference {
        specs: &["collection"],
        compare: Compare::JsonKeyOrder,
        readme: "Merges are deterministic",
    },
    Difference {
        specs: &["router_redirect", "static", "jwt_3", "jwt_5"],
        compare: Compare::JsonKeyOrder,
        readme: "`proxy.static`\n    data in the config's order",
    },
    Difference {
        specs: &["no-op_1"],
        compare: Compare::EchoWithout("Accept-Encoding"),
        readme: "A no-op endpoint does not ask the backend for gzip",
    },
    Difference {
        specs: &["param_forwarding_4"],
        compare: Compare::EchoWith("Content-Length", "13"),
        readme: "A request body goes to the backend with its `Content-Length`",
    },
];

/// The tolerances that apply to one spec.
fn tolerances(spec: &str) -> Vec<Compare> {
    DIFFERENCES
        .iter()
        .filter(|d| d.specs.is_empty() || d.specs.contains(&spec))
        .map(|d| d.compare)
        .collect()
}

/// `../shared/krakend-ce-tests`.
fn suite_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../../shared/krakend-ce-tests")
}

/// One spec file.
struct Spec {
    name: String,
    json: Value,
}

fn read_specs(dir: &Path) -> Vec<Spec> {
    let mut specs: Vec<Spec> = std::fs::read_dir(dir.join("specs"))
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().is_some_and(|e| e == "json"))
        .map(|p| Spec {
            name: p.file_stem().unwrap().to_string_lossy().into_owned(),
            json: serde_json::from_str(&std::fs::read_to_string(&p).unwrap())
                .unwrap_or_else(|e| panic!("{}: {e}", p.display())),
        })
        .collect();
    specs.sort_by(|a, b| a.name.cmp(&b.name));
    specs
}

/// The ports the fixture's fixed addresses move to.
#[derive(Clone, Copy)]
struct Ports {
    /// The mock backend (`:8081`).
    mock: u16,
    /// The gateway (`localhost:8080` in requests and expected values).
    gateway: u16,
}

impl Ports {
    /// An expected value with the fixture's addresses replaced.
    fn localize(&self, s: &str) -> String {
        s.replace("127.0.0.1:8081", &format!("127.0.0.1:{}", self.mock))
            .replace("localhost:8080", &format!("localhost:{}", self.gateway))
    }

    fn localize_json(&self, v: &Value) -> Value {
        match v {
            Value::String(s) => Value::String(self.localize(s)),
            Value::Array(a) => Value::Array(a.iter().map(|v| self.localize_json(v)).collect()),
            Value::Object(o) => Value::Object(
                o.iter()
                    .map(|(k, v)| (self.localize(k), self.localize_json(v)))
                    .collect(),
            ),
            v => v.clone(),
        }
    }
}

/// The fixture, its addresses moved: the mock's to `mock`, KrakenD's own
/// (`127.0.0.1:8080`, `localhost:8080`) to the relay to the gateway, and
/// the metrics listener to an ephemeral port; with `debug_endpoint` on, as
/// CE's harness runs KrakenD with `-d`.
fn localized_fixture(text: &str, mock: u16, krakend: u16) -> String {
    text.replacen(
        "\"version\": 3,",
        "\"version\": 3,\n    \"debug_endpoint\": true,",
        1,
    )
    .replace("http://127.0.0.1:8081", &format!("http://127.0.0.1:{mock}"))
    .replace(
        "http://127.0.0.1:8080",
        &format!("http://127.0.0.1:{krakend}"),
    )
    .replace(
        "http://localhost:8080",
        &format!("http://127.0.0.1:{krakend}"),
    )
    .replace("\":8090\"", "\"127.0.0.1:0\"")
}

/// Why a spec does not run, if it does not.
fn skip_reason(name: &str) -> Option<String> {
    if let Some((_, why)) = NEVER.iter().find(|(n, _)| *n == name) {
        return Some((*why).to_owned());
    }
    let (_, deps) = DEPENDS.iter().find(|(n, _)| *n == name)?;
    let missing: Vec<&str> = deps
        .iter()
        .copied()
        .filter(|d| NOT_BUILT.contains(d))
        .collect();
    (!missing.is_empty()).then(|| format!("needs {}", missing.join(", ")))
}

/// The request of a spec, aimed at the gateway.
fn request(spec: &Value, ports: Ports) -> client::Request {
    let input = &spec["in"];
    let mut headers: Vec<(String, String)> = input["header"]
        .as_object()
        .map(|h| {
            h.iter()
                .map(|(k, v)| (k.clone(), v.as_str().unwrap_or_default().to_owned()))
                .collect()
        })
        .unwrap_or_default();
    // Go's `Header.Add` in map order; the names are distinct anyway.
    headers.sort();
    let body = match &input["body"] {
        Value::Null => None,
        Value::String(s) => Some(s.clone().into_bytes()),
        // json.Marshal: compact, keys sorted.
        v => Some(serde_json::to_vec(&sorted(v)).unwrap()),
    };
    client::Request {
        method: input["method"].as_str().unwrap_or("GET").to_owned(),
        url: ports.localize(input["url"].as_str().unwrap()),
        headers,
        body,
    }
}

/// A JSON value with every object's keys sorted, as Go marshals a map.
fn sorted(v: &Value) -> Value {
    match v {
        Value::Array(a) => Value::Array(a.iter().map(sorted).collect()),
        Value::Object(o) => {
            let map: BTreeMap<&String, Value> = o.iter().map(|(k, v)| (k, sorted(v))).collect();
            Value::Object(map.into_iter().map(|(k, v)| (k.clone(), v)).collect())
        }
        v => v.clone(),
    }
}

/// CE's `assertResponse`: the status; each expected header's exact value
/// list (a header expected as `[""]` may be absent); the body, byte for byte
/// when expected as a string, as a JSON value otherwise, or against a JSON
/// Schema. Returns the differences, empty when it passes.
fn compare(
    spec: &Value,
    resp: &client::Response,
    ports: Ports,
    tolerances: &[Compare],
) -> Vec<String> {
    let expected = expectation(&spec["out"], ports, tolerances);
    let out = &expected;
    let mut errors = Vec::new();
    let want_status = out["status_code"].as_u64().unwrap_or(0);
    if u64::from(resp.status) != want_status {
        errors.push(format!("status: have {}, want {want_status}", resp.status));
    }
    for (name, want) in out["header"].as_object().into_iter().flatten() {
        let key = mock::canonical_header(name);
        let want: Vec<String> = want
            .as_array()
            .into_iter()
            .flatten()
            .map(|v| v.as_str().unwrap_or_default().to_owned())
            .collect();
        let have = resp.values(&key);
        if have.is_empty() {
            if want.first().is_some_and(|w| !w.is_empty()) {
                errors.push(format!("header {key}: absent, want {want:?}"));
            }
        } else if have != want {
            errors.push(format!("header {key}: have {have:?}, want {want:?}"));
        }
    }
    let text = String::from_utf8_lossy(&resp.body);
    if let Some(schema) = out
        .get("schema")
        .filter(|s| s.as_object().is_some_and(|o| !o.is_empty()))
    {
        match serde_json::from_slice::<Value>(&resp.body) {
            _ if resp.body.is_empty() => errors.push("cannot validate empty body".into()),
            Err(e) => errors.push(format!("body is not JSON ({e}): {text}")),
            Ok(body) => {
                let validator = jsonschema::validator_for(schema).unwrap();
                for e in validator.iter_errors(&body) {
                    errors.push(format!("body fails the spec's schema: {e}"));
                }
            }
        }
        return errors;
    }
    match &out["body"] {
        Value::Null => {}
        Value::String(want) => {
            let same = if tolerances.contains(&Compare::JsonKeyOrder) {
                if *want == text {
                    errors.push("stale tolerance: the body matches byte for byte".into());
                }
                let parse = |s: &str| serde_json::from_str::<Value>(s).ok();
                match (parse(want), parse(&text)) {
                    (Some(w), Some(h)) => go_equal(&w, &h),
                    _ => *want == text,
                }
            } else {
                *want == text
            };
            if !same {
                errors.push(format!("body:\n      have {text}\n      want {want}"));
            }
        }
        want => {
            let have = serde_json::from_slice::<Value>(&resp.body).unwrap_or(Value::Null);
            if !go_equal(want, &have) {
                errors.push(format!("body:\n      have {text}\n      want {want}"));
            }
        }
    }
    errors
}

/// The spec's `out` as this run expects it: the fixture's addresses moved
/// to this run's ports, then the tolerances applied.
fn expectation(out: &Value, ports: Ports, tolerances: &[Compare]) -> Value {
    let mut out = ports.localize_json(out);
    for t in tolerances {
        match *t {
            Compare::JsonKeyOrder => {}
            Compare::OwnVersion => {
                let ours = format!("KrakenD Version gwc-{}", env!("CARGO_PKG_VERSION"));
                let text = serde_json::to_string(&out).unwrap();
                let text = text
                    .replace("KrakenD Version 2.13.8", &ours)
                    .replace("Version 2.13.8", &ours["KrakenD ".len()..]);
                out = serde_json::from_str(&text).unwrap();
            }
            Compare::EchoWithout(name) => match &mut out["body"] {
                Value::String(text) => {
                    // Cut `"Name":[…],` out of the echo's text, keeping the
                    // rest byte for byte.
                    let echo: Value = serde_json::from_str(text).unwrap();
                    let member = format!("\"{name}\":{}", echo["headers"][name]);
                    let cut = [format!("{member},"), format!(",{member}")]
                        .into_iter()
                        .find(|m| text.contains(m.as_str()))
                        .unwrap_or_else(|| panic!("stale tolerance: no {member} in {text}"));
                    *text = text.replacen(&cut, "", 1);
                }
                body => {
                    let headers = body["headers"].as_object_mut().unwrap();
                    assert!(
                        headers.shift_remove(name).is_some(),
                        "stale tolerance: {name}"
                    );
                }
            },
            Compare::EchoWith(name, value) => {
                let headers = out["body"]["headers"]
                    .as_object_mut()
                    .expect("EchoWith needs a JSON body");
                assert!(!headers.contains_key(name), "stale tolerance: {name}");
                headers.insert(name.to_owned(), Value::from(vec![value]));
            }
        }
    }
    out
}

/// `reflect.DeepEqual` on what `json.Unmarshal` makes: numbers are
/// float64s, objects are maps.
fn go_equal(a: &Value, b: &Value) -> bool {
    match (a, b) {
        (Value::Number(x), Value::Number(y)) => x.as_f64() == y.as_f64(),
        (Value::Array(x), Value::Array(y)) => {
            x.len() == y.len() && x.iter().zip(y).all(|(x, y)| go_equal(x, y))
        }
        (Value::Object(x), Value::Object(y)) => {
            x.len() == y.len()
                && x.iter()
                    .all(|(k, v)| y.get(k).is_some_and(|w| go_equal(v, w)))
        }
        (x, y) => x == y,
    }
}

/// Lints the localized fixture as the build will, and returns the codes
/// it reports.
fn build_findings(config: &Path) -> Vec<(String, String)> {
    let out = Command::new(env!("CARGO_BIN_EXE_gwc"))
        .args(["lint", "--build", "--format", "json"])
        .args(NOT_BUILT.iter().flat_map(|n| ["--allow-unsupported", n]))
        .arg(config)
        .output()
        .unwrap();
    let report: Value = serde_json::from_slice(&out.stdout).unwrap_or_else(|e| {
        panic!(
            "gwc lint --format json ({e}): {}",
            String::from_utf8_lossy(&out.stderr)
        )
    });
    report["diagnostics"]
        .as_array()
        .into_iter()
        .flatten()
        .map(|d| {
            (
                d["code"].as_str().unwrap_or_default().to_owned(),
                d["message"].as_str().unwrap_or_default().to_owned(),
            )
        })
        .collect()
}

#[test]
fn krakend_ce_integration_suite() {
    let dir = suite_dir();
    if !dir.join("specs").is_dir() {
        println!(
            "skipped: {} is absent (KrakenD CE's integration specs live in the team's shared folder)",
            dir.display()
        );
        return;
    }
    let specs = read_specs(&dir);

    // The dependency table names every spec, once.
    let names: Vec<&str> = specs.iter().map(|s| s.name.as_str()).collect();
    let listed: Vec<&str> = DEPENDS.iter().map(|(n, _)| *n).collect();
    assert_eq!(names, listed, "DEPENDS must list every spec, in name order");
    for d in DEPENDS.iter().flat_map(|(_, deps)| deps.iter()) {
        assert!(d.contains('/'), "{d} is not a namespace");
    }
    // A preflight or a request with an Origin is CORS's business.
    for spec in &specs {
        let input = &spec.json["in"];
        let has_origin = input["header"]
            .as_object()
            .is_some_and(|h| h.keys().any(|k| k.eq_ignore_ascii_case("origin")));
        if has_origin || input["method"] == "OPTIONS" {
            let deps = DEPENDS.iter().find(|(n, _)| *n == spec.name).unwrap().1;
            assert!(
                deps.contains(&"security/cors"),
                "{} needs security/cors",
                spec.name
            );
        }
    }
    // Every tolerance is documented in the README's list of differences.
    let readme =
        std::fs::read_to_string(Path::new(env!("CARGO_MANIFEST_DIR")).join("../README.md"))
            .unwrap();
    let list = readme
        .split_once("**Where the gateway differs from KrakenD at run time**")
        .and_then(|(_, rest)| rest.split("\n- **").next())
        .expect("README.md has the list of run-time differences");
    for d in DIFFERENCES {
        assert!(
            list.contains(d.readme),
            "README.md must list the difference {:?} ({:?})",
            d.readme,
            d.compare
        );
    }

    let mock = support::upstream(mock::backend);
    let krakend = relay::Relay::start();
    let fixture = std::fs::read_to_string(dir.join("krakend.json")).unwrap();
    let text = localized_fixture(&fixture, mock.addr.port(), krakend.addr.port());
    let bin = support::build_text(
        "krakend-ce",
        &text,
        &NOT_BUILT
            .iter()
            .flat_map(|n| ["--allow-unsupported", n])
            .collect::<Vec<_>>(),
    );
    // The opt-outs are exactly what is needed: none is stale (GW903), and
    // the build refuses nothing else.
    let config = support::e2e_dir().join("configs/krakend-ce.json");
    let findings = build_findings(&config);
    let stale: Vec<_> = findings.iter().filter(|(c, _)| c == "GW903").collect();
    assert!(stale.is_empty(), "NOT_BUILT has stale entries: {stale:?}");

    let gw = support::start(&bin);
    krakend.set_target(&gw.addr);
    let ports = Ports {
        mock: mock.addr.port(),
        gateway: gw.addr.rsplit(':').next().unwrap().parse().unwrap(),
    };

    let (mut passed, mut failures) = (0, Vec::new());
    let mut skipped: BTreeMap<String, Vec<&str>> = BTreeMap::new();
    for spec in &specs {
        if let Some(why) = skip_reason(&spec.name) {
            println!("skip {}: {why}", spec.name);
            let (_, deps) = DEPENDS.iter().find(|(n, _)| *n == spec.name).unwrap();
            if let Some((_, never)) = NEVER.iter().find(|(n, _)| *n == spec.name) {
                skipped
                    .entry((*never).to_owned())
                    .or_default()
                    .push(&spec.name);
                continue;
            }
            for d in deps.iter().filter(|d| NOT_BUILT.contains(d)) {
                skipped.entry((*d).to_owned()).or_default().push(&spec.name);
            }
            continue;
        }
        let tolerances = tolerances(&spec.name);
        let errors = match client::send(ports.gateway, request(&spec.json, ports)) {
            Ok(resp) => compare(&spec.json, &resp, ports, &tolerances),
            Err(e) => vec![format!("request failed: {e}")],
        };
        if errors.is_empty() {
            println!("pass {}", spec.name);
            passed += 1;
        } else {
            println!("FAIL {}:\n    {}", spec.name, errors.join("\n    "));
            failures.push(spec.name.clone());
        }
    }
    let skipped_count = specs.len() - passed - failures.len();
    let by_namespace: Vec<String> = skipped
        .iter()
        .map(|(ns, specs)| format!("{ns} ({})", specs.len()))
        .collect();
    println!(
        "{passed}/{} passed, {skipped_count} skipped: {}",
        specs.len(),
        by_namespace.join(", ")
    );
    assert!(failures.is_empty(), "specs that fail: {failures:?}");
}
