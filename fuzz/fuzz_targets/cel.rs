//! Fuzz `validation/cel` from both ends. No input may panic, overflow a
//! stack or hang.
//!
//! - The expression: the input up to the first NUL byte goes through
//!   `gwc lint`'s analysis (parse on its own stack, bounds, identifiers,
//!   functions, types, CE's lists).
//! - The activation: when the analysis is clean, the expression is
//!   compiled as the gateway compiles it, into every list CE would put it
//!   in, and evaluated on the rest of the input: first line the method,
//!   then the path, a value for `req_params.Id`, `Name: value` header
//!   lines up to `--`, the query string, then JSON (an object: `resp_data`
//!   and the JWT claims; anything else: an empty object).
#![no_main]

use gw_runtime::validation::cel::{RequestView, ResponseView, Stage, forwarded_query};
use gwc::model::validation::cel::analyse;
use hyper::header::{HeaderMap, HeaderName, HeaderValue};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let (expr, rest) = match data.iter().position(|&b| b == 0) {
        Some(i) => (&data[..i], &data[i + 1..]),
        None => (data, &[][..]),
    };
    let Ok(text) = std::str::from_utf8(expr) else {
        return;
    };
    let a = analyse(text);
    if !a.is_clean() {
        return;
    }
    let l = a.lists;
    let pick = |on: bool| if on { vec![text] } else { Vec::new() };
    let stage = match Stage::compile(&pick(l.pre), &pick(l.post), &pick(l.jwt)) {
        Ok(s) => s,
        // The linter passed it: the gateway must compile it too.
        Err(e) => panic!("a clean expression does not compile: {e}"),
    };

    let input = String::from_utf8_lossy(rest);
    let mut lines = input.split('\n');
    let method = lines.next().unwrap_or("GET").to_string();
    let path = lines.next().unwrap_or("/").to_string();
    let id = vec![lines.next().unwrap_or("1").to_string()];
    let mut headers = HeaderMap::new();
    for line in lines.by_ref() {
        if line == "--" {
            break;
        }
        if let Some((k, v)) = line.split_once(':')
            && let (Ok(k), Ok(v)) = (
                HeaderName::from_bytes(k.trim().as_bytes()),
                HeaderValue::from_str(v.trim()),
            )
        {
            headers.append(k, v);
        }
    }
    let query = lines.next().map(str::to_string);
    let json: String = lines.collect::<Vec<_>>().join("\n");
    let object = match serde_json::from_str::<serde_json::Value>(&json) {
        Ok(serde_json::Value::Object(m)) => m,
        _ => serde_json::Map::new(),
    };
    let h = headers.clone();
    let headers_fn = move || h.clone();
    let q = forwarded_query(gw_runtime::spec::Forward::All, None, query.as_deref());
    let query_fn = move || q.clone();
    let _ = stage.check_request(&RequestView {
        method: &method,
        path: &path,
        param_names: &["id"],
        param_values: &id,
        headers: &headers_fn,
        query: &query_fn,
    });
    let _ = stage.check_response(&ResponseView {
        completed: true,
        status: 200,
        headers: Some(&headers),
        data: Some(&object),
    });
    let _ = stage.check_claims(&object);
});
