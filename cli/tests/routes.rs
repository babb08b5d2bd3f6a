//! `gwc routes`: the rendered route table of a testdata config, snapshotted.

use std::path::Path;

use gwc::model::Config;
use gwc::syntax::{self, Format};

/// The rendered route table of `testdata/routes/<name>`.
fn table_of(name: &str) -> String {
    let path = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../testdata/routes")
        .join(name);
    let text = std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    let parsed = syntax::parse(&text, Format::Json);
    let Some(root) = &parsed.root else {
        panic!("{} does not parse", path.display())
    };
    gwc::cli::routes::table(&Config::from_tree(root))
}

#[test]
fn shop_route_table() {
    insta::assert_snapshot!(table_of("shop.json"));
}

/// Routes are listed as gin registers them: `//` collapsed, `.` and `..`
/// resolved (Go's `path.Join`), the health path too; OPTIONS is allowed
/// for the methods declared under the same path as written (lura's catalog).
#[test]
fn dot_segment_route_table() {
    insta::assert_snapshot!(table_of("dot_segments.json"));
}

/// Lints a one-endpoint config and applies the first fix of the first
/// `code` diagnostic; `None` when there is no such fix.
fn fixed(endpoint: &str, code: &str) -> Option<String> {
    let text = format!(
        r#"{{"version": 3, "host": ["http://a"], "endpoints": [{{{endpoint}, "backend": [{{"url_pattern": "/u/{{id}}"}}]}}]}}"#
    );
    let (_, diags) = gwc::lint_text("fix.json", &text);
    let fix = diags
        .iter()
        .find(|d| d.code == code)?
        .fixes
        .first()?
        .clone();
    let mut out = text.clone();
    let mut edits = fix.edits.clone();
    edits.sort_by_key(|e| std::cmp::Reverse(e.span.start));
    for e in edits {
        out.replace_range(e.span.start..e.span.end, &e.text);
    }
    let start = out.find(r#""endpoint""#)?;
    let end = out[start..].find(r#", "backend""#)? + start;
    Some(out[start..end].to_string())
}

#[test]
fn routing_fixes_apply() {
    let cases = [
        (
            r#""endpoint": "users/{id}""#,
            "GW103",
            Some(r#""endpoint": "/users/{id}""#),
        ),
        (r#""endpoint": """#, "GW103", Some(r#""endpoint": "/""#)),
        (
            r#""endpoint": "/users/:id""#,
            "GW104",
            Some(r#""endpoint": "/users/{id}""#),
        ),
        (
            r#""endpoint": "/users/{id}?x=1""#,
            "GW104",
            Some(r#""endpoint": "/users/{id}""#),
        ),
        (
            r#""endpoint": "/caf%C3%A9/{id}""#,
            "GW104",
            Some(r#""endpoint": "/café/{id}""#),
        ),
        (r#""endpoint": "/a%2Fb/{id}""#, "GW104", None),
        (
            r#""endpoint": "/u/{id}", "method": "PSOT""#,
            "GW110",
            Some(r#""endpoint": "/u/{id}", "method": "POST""#),
        ),
        (
            r#""endpoint": "/u/{id}", "method": "GETT""#,
            "GW110",
            Some(r#""endpoint": "/u/{id}", "method": "GET""#),
        ),
        (r#""endpoint": "/u/{id}", "method": "HEAD""#, "GW110", None),
        // An escape in the string: offsets inside it do not map onto the source.
        (r#""endpoint": "us\u0065rs/{id}""#, "GW103", None),
    ];
    for (endpoint, code, want) in cases {
        assert_eq!(
            fixed(endpoint, code).as_deref(),
            want,
            "{endpoint} ({code})"
        );
    }
}

/// `debug_endpoint` and `echo_endpoint` add lura's catch-alls to every
/// method, after the health check and before the endpoints.
#[test]
fn debug_and_echo_routes() {
    let text = r#"{"version": 3, "debug_endpoint": true, "echo_endpoint": true, "host": ["http://a"],
        "endpoints": [{"endpoint": "/u", "method": "POST", "backend": [{"url_pattern": "/u"}]}]}"#;
    let parsed = syntax::parse(text, Format::Json);
    let root = parsed.root.as_ref().expect("parses");
    let table = gwc::cli::routes::table(&Config::from_tree(root));
    let post = table.split("POST\n").nth(1).unwrap_or_default();
    let lines: Vec<&str> = post.lines().take(3).map(str::trim).collect();
    assert!(lines[0].starts_with("/__debug/*param"), "{table}");
    assert!(lines[1].starts_with("/__echo/*param"), "{table}");
    assert!(lines[2].starts_with("/u "), "{table}");
    assert!(table.starts_with("GET\n  /__health "), "{table}");
}
