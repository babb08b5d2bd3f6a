//! The stage on CE's activations, table-tested.

use super::*;

fn stage(
    pre: &'static [&'static str],
    post: &'static [&'static str],
    jwt: &'static [&'static str],
) -> Stage {
    let spec: &'static Cel = Box::leak(Box::new(Cel { pre, post, jwt }));
    Stage::new(spec).expect("compiles")
}

fn request(
    stage: &Stage,
    path: &str,
    headers: &[(&str, &str)],
    query: Option<&str>,
) -> Result<(), usize> {
    let mut h = hyper::HeaderMap::new();
    for (k, v) in headers {
        h.append(
            hyper::header::HeaderName::from_bytes(k.as_bytes()).expect("name"),
            hyper::header::HeaderValue::from_str(v).expect("value"),
        );
    }
    let q = forwarded_query(crate::spec::Forward::All, None, query);
    let headers = move || h.clone();
    let query = move || q.clone();
    stage.check_request(&RequestView {
        method: "GET",
        path,
        param_names: &["id"],
        param_values: &["30".to_string()],
        headers: &headers,
        query: &query,
    })
}

#[test]
fn lists_run_in_order_and_name_the_failing_index() {
    // CE's spec cel-1/cel-2/cel-5 expressions.
    let s = stage(
        &[
            "'something' in req_headers['X-Header']",
            "int(req_params.Id) % 2 == 0",
        ],
        &[],
        &[],
    );
    assert_eq!(
        request(&s, "/cel/30", &[("x-header", "something")], None),
        Ok(())
    );
    // The header is missing: a run-time error is a refusal, #0.
    assert_eq!(request(&s, "/cel/30", &[], None), Err(0));
    assert_eq!(
        request(&s, "/cel/30", &[("x-header", "other")], None),
        Err(0)
    );
}

#[test]
fn activations_are_ces() {
    let table: &[(&'static str, bool)] = &[
        ("req_method == 'GET'", true),
        ("req_path == '/cel/30'", true),
        ("req_params.Id == '30'", true),
        ("has(req_params.id)", false),
        ("req_headers['X-Api-Key'] == ['a', 'b']", true),
        ("req_querystring['q'] == ['a b', 'c']", true),
        (
            "now.startsWith('20') && now.endsWith('Z') && size(now) == 20",
            true,
        ),
        ("timestamp(now) > timestamp('2020-01-01T00:00:00Z')", true),
        ("req_path", false),
        // Literal keys bind only those headers; any other read binds all.
        (
            "'X-Api-Key' in req_headers && !('X-Other' in req_headers)",
            true,
        ),
        (
            "has(req_headers.Host) || req_headers['X-Api-Key'][1] == 'b'",
            true,
        ),
        ("size(req_headers) == 2", true),
        ("req_headers.exists(k, k == 'X-Other-Header')", true),
        (
            "[1].all(req_headers, req_headers == 1) && size(req_headers['X-Api-Key']) == 2",
            true,
        ),
    ];
    for (expr, want) in table {
        let pre: &'static [&'static str] = Box::leak(Box::new([*expr]));
        let s = stage(pre, &[], &[]);
        let got = request(
            &s,
            "/cel/30",
            &[
                ("x-api-key", "a"),
                ("X-API-KEY", "b"),
                ("x-other-header", "c"),
            ],
            Some("q=a+b&q=c"),
        );
        assert_eq!(got.is_ok(), *want, "{expr}");
    }
}

#[test]
fn responses_and_claims() {
    let s = stage(
        &[],
        &[
            "resp_completed && resp_data.n == 2 && resp_data.items.all(i, i.ok)",
            "resp_metadata_status == 0",
        ],
        &["size(JWT.roles) > 1 && JWT.exp > 1.0"],
    );
    let data = match crate::value::from_slice(br#"{"n": 2, "items": [{"ok": true}, {"ok": true}]}"#)
    {
        Ok(crate::value::Value::Object(m)) => m,
        other => panic!("{other:?}"),
    };
    let ok = ResponseView {
        completed: true,
        status: 0,
        headers: None,
        data: Some(&data),
    };
    assert_eq!(s.check_response(&ok), Ok(()));
    assert_eq!(
        s.check_response(&ResponseView { status: 200, ..ok }),
        Err(1)
    );
    assert_eq!(
        s.check_response(&ResponseView {
            completed: false,
            ..ok
        }),
        Err(0)
    );
    let claims: serde_json::Map<String, serde_json::Value> =
        serde_json::from_str(r#"{"roles": ["a", "b"], "exp": 2051882755}"#).expect("json");
    assert_eq!(s.check_claims(&claims), Ok(()));
    let claims: serde_json::Map<String, serde_json::Value> =
        serde_json::from_str(r#"{"roles": ["a"]}"#).expect("json");
    assert_eq!(s.check_claims(&claims), Err(0));
}

#[test]
fn one_list_binds_the_headers_any_of_its_expressions_reads() {
    let s = stage(
        &[
            "req_headers['X-Api-Key'] == ['a']",
            "size(req_headers) == 2",
        ],
        &[],
        &[],
    );
    assert_eq!(
        request(&s, "/", &[("x-api-key", "a"), ("x-b", "b")], None),
        Ok(())
    );
    let s = stage(
        &["req_headers['X-Api-Key'] == ['a']", "'X-B' in req_headers"],
        &[],
        &[],
    );
    assert_eq!(
        request(&s, "/", &[("x-api-key", "a"), ("x-b", "b")], None),
        Ok(())
    );
}

#[test]
fn header_names_are_canonical() {
    assert_eq!(canonical("x-api-key"), "X-Api-Key");
    assert_eq!(canonical("USER-AGENT"), "User-Agent");
}
