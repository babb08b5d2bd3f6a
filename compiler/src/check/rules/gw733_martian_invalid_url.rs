//! a martian `url.Modifier` or `port.Modifier` that sends requests nowhere
//!
//! ## What it does
//! Reports the parts of a `url.Modifier` or `port.Modifier` that no
//! request can be sent with: a `scheme` other than `http` or `https`, a
//! `host` that is not `name[:port]` (a path, a space, a port out of
//! range), a `path` that does not start with `/`, a `query` with spaces or
//! control characters, a `port` outside 1–65535.
//!
//! ## Why is this bad?
//! The modifier applies them as written, and Go's HTTP client then fails
//! every request to the backend (`unsupported protocol scheme`, `invalid
//! port`), or the backend receives a request line it rejects: the
//! endpoint answers 500 to everything.
//!
//! ## Example
//! ```json
//! { "modifier/martian": { "url.Modifier": { "scope": ["request"], "scheme": "ftp", "host": "legacy.internal/api" } } }
//! ```
//!
//! ## How to fix it
//! Use `http` or `https`; put only the host and port in `host` and the
//! path in `path` (starting with `/`); percent-encode spaces in `query`.

use crate::check::Context;
use crate::diag::Diagnostic;
use crate::model::modifier::martian::{Kind, go_int};

/// The rule's code.
pub const CODE: &str = "GW733";

/// Reports each URL part no request can use.
pub fn check(cx: &Context<'_>, out: &mut Vec<Diagnostic>) {
    for (_, _, m) in cx.config.martians() {
        for md in m.modifiers() {
            if !md.active.request {
                continue;
            }
            match md.kind {
                Some(Kind::UrlModifier) => {
                    for (key, problem) in [
                        ("scheme", scheme_problem as fn(&str) -> Option<&'static str>),
                        ("host", host_problem),
                        ("path", path_problem),
                        ("query", query_problem),
                    ] {
                        let Some(f) = md.field(key) else { continue };
                        let Some(v) = f.value.as_str().filter(|v| !v.is_empty()) else { continue };
                        let Some(why) = problem(v) else { continue };
                        out.push(
                            cx.diag(CODE, f.value.span, format!("`url.Modifier` {key} `{v}` {why}"))
                                .with_label("every request to the backend fails")
                                .with_help(help(key)),
                        );
                    }
                }
                Some(Kind::PortModifier) => {
                    let Some(f) = md.field("port") else { continue };
                    let Some(p) = go_int(f.value.as_number().and_then(|n| n.as_f64())) else { continue };
                    if p == 0 || (1..=65_535).contains(&p) {
                        continue;
                    }
                    out.push(
                        cx.diag(CODE, f.value.span, format!("`port.Modifier` port {p} is not a TCP port"))
                            .with_label("Go's client cannot dial it: every request to the backend fails")
                            .with_help("use a port from 1 to 65535"),
                    );
                }
                _ => {}
            }
        }
    }
}

fn help(key: &str) -> &'static str {
    match key {
        "scheme" => "use `http` or `https`",
        "host" => "write only the host and an optional port (`legacy.internal:8080`)",
        "path" => "start the path with `/`",
        _ => "percent-encode spaces and control characters (`%20`)",
    }
}

fn scheme_problem(s: &str) -> Option<&'static str> {
    (!matches!(s, "http" | "https")).then_some("is not `http` or `https`")
}

fn path_problem(p: &str) -> Option<&'static str> {
    (!p.starts_with('/')).then_some("does not start with `/`")
}

fn query_problem(q: &str) -> Option<&'static str> {
    q.bytes()
        .any(|b| !(0x21..0x7f).contains(&b) || b == b'#')
        .then_some("has a space, `#` or a control character")
}

/// Why `h` is not `host[:port]` (`None`: it is).
pub(crate) fn host_problem(h: &str) -> Option<&'static str> {
    let (host, port) = if let Some(rest) = h.strip_prefix('[') {
        let Some((inside, after)) = rest.split_once(']') else {
            return Some("is not a host and port");
        };
        if inside.is_empty() || !inside.bytes().all(|b| b.is_ascii_hexdigit() || b":.%".contains(&b)) {
            return Some("is not a host and port");
        }
        match after {
            "" => ("x", None),
            p => match p.strip_prefix(':') {
                Some(p) => ("x", Some(p)),
                None => return Some("is not a host and port"),
            },
        }
    } else {
        match h.rsplit_once(':') {
            Some((host, port)) => (host, Some(port)),
            None => (h, None),
        }
    };
    let host_ok = !host.is_empty()
        && host
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b"-._~%!$&'()*+,;=".contains(&b));
    if !host_ok {
        return Some("is not a host and port");
    }
    match port {
        Some(p) if p.is_empty() || !p.bytes().all(|b| b.is_ascii_digit()) => {
            Some("has a port that is not a number")
        }
        Some(p) if p.parse::<u32>().map_or(true, |n| n == 0 || n > 65_535) => {
            Some("has a port outside 1-65535")
        }
        _ => None,
    }
}
