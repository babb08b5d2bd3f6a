//! Backends: hosts, the split `url_pattern`, method and decoder defaults,
//! the data-manipulation plan and the per-backend namespaces
//! (research/krakend-semantics.md §a.2–a.3, §c.2–c.6, §c.9–c.10).

use super::endpoint::{flatmap_ops, names, split_path};
use super::options::Root;
use super::pool::pool_policy;
use super::{Backend, CircuitBreaker, Encoding, Method, OutputEncoding, PlanError, UrlPiece};
use crate::check::routes::clean_path;
use crate::model::host::{Sanitized, host_entries, sanitize_host};
use crate::model::pattern::{OutputParam, output_param, url_pattern_vars};
use crate::model::{self, Config};

pub(crate) fn backend(
    config: &Config<'_>,
    ep: &model::Endpoint<'_>,
    b: &model::Backend<'_>,
    params: &[String],
    endpoint_method: Method,
    output: OutputEncoding,
    root: &Root,
) -> Result<Backend, PlanError> {
    let path = || {
        ep.path
            .as_ref()
            .map(|p| p.value.clone())
            .unwrap_or_default()
    };
    let hosts = hosts(config, b).map_err(|e| match e {
        HostError::None => PlanError::NoHost {
            path: path(),
            backend: b.index,
        },
        HostError::Invalid(host) => PlanError::InvalidHost { path: path(), host },
    })?;
    let url = clean_path(b.url_pattern.as_ref().map_or("", |u| u.value.as_str()));
    let method = b
        .method
        .as_ref()
        .filter(|m| !m.value.is_empty())
        // lura sends `strings.ToTitle(method)`; a method gwc cannot send is
        // a build diagnostic (GW902), the endpoint's stands in for it here.
        .and_then(|m| Method::from_upper(&m.value.to_ascii_uppercase()))
        .unwrap_or(endpoint_method);
    let encoding = if output == OutputEncoding::NoOp {
        Encoding::NoOp
    } else {
        encoding(b.encoding.as_ref().map(|e| e.value.as_str()))
    };
    let flatmap = b
        .active_flatmap()
        .map(|f| flatmap_ops(&f.value))
        .unwrap_or_default();
    let list = |l: &Option<model::Spanned<Vec<model::Spanned<String>>>>| -> Vec<Vec<String>> {
        l.as_ref()
            .map(|l| l.value.iter().map(|s| split_path(&s.value)).collect())
            .unwrap_or_default()
    };
    // A flatmap replaces allow/deny/mapping (lura `NewEntityFormatter`).
    let (allow, mut deny, mapping) = if flatmap.is_empty() {
        (list(&b.allow), list(&b.deny), mapping(b))
    } else {
        Default::default()
    };
    // With an allowlist, the denylist is ignored (lura `newPropertyFilter`).
    if !allow.is_empty() {
        deny.clear();
    }
    let http = b.extra.backend_http.as_ref();
    let mut planned = Backend {
        hosts,
        url_has_query: url.contains('?'),
        url: url_pieces(&url, params, ep),
        method,
        encoding,
        is_collection: b.is_collection.as_ref().is_some_and(|c| c.value),
        target: b
            .target
            .as_ref()
            .map(|t| split_path(&t.value))
            .unwrap_or_default(),
        allow,
        deny,
        mapping,
        group: b
            .group
            .as_ref()
            .map(|g| g.value.clone())
            .filter(|g| !g.is_empty()),
        flatmap,
        input_headers: allowlist(&b.input_headers, true),
        input_query_strings: allowlist(&b.input_query_strings, false),
        shadow: b.is_shadow(),
        return_error_code: http
            .and_then(|h| h.return_error_code.as_ref())
            .is_some_and(|c| c.value),
        return_error_details: http
            .and_then(|h| h.return_error_details.as_ref())
            .map(|d| d.value.clone())
            .filter(|d| !d.is_empty()),
        circuit_breaker: b.extra.circuit_breaker.as_ref().map(|cb| {
            let n = |v: &Option<model::Spanned<i64>>| v.as_ref().map_or(0, |v| v.value.max(0));
            CircuitBreaker {
                interval_s: n(&cb.interval).unsigned_abs(),
                timeout_s: n(&cb.timeout).unsigned_abs(),
                max_errors: u32::try_from(n(&cb.max_errors)).unwrap_or(u32::MAX),
                log_status_change: cb.log_status_change,
            }
        }),
        rate_limit: b
            .extra
            .rate_limit_proxy
            .as_ref()
            .and_then(super::traffic::ratelimit_proxy::plan),
        cel: b.extra.cel.as_ref().and_then(|c| {
            super::validation::cel::plan(c, crate::model::validation::cel::Level::Backend, false)
        }),
        martian: b
            .extra
            .martian
            .as_ref()
            .map(super::modifier::martian::plan)
            .transpose()
            .map_err(|reason| PlanError::InvalidMartian {
                path: path(),
                backend: b.index,
                reason,
            })?
            .flatten(),
        http_cache: b
            .extra
            .http_cache
            .as_ref()
            .map(super::traffic::http_cache::plan),
        lb: None,
    };
    planned.lb = pool_policy(config, b, &planned, root.debug_headers);
    Ok(planned)
}

enum HostError {
    None,
    Invalid(String),
}

/// The backend's hosts, else the root's (lura `initBackendDefaults`),
/// sanitised unless `disable_host_sanitize` (then used verbatim).
fn hosts(config: &Config<'_>, b: &model::Backend<'_>) -> Result<Vec<String>, HostError> {
    let own = host_entries(b.raw).map(|(_, e)| e).unwrap_or_default();
    let entries = if own.is_empty() {
        host_entries(config.raw).map(|(_, e)| e).unwrap_or_default()
    } else {
        own
    };
    if entries.is_empty() {
        return Err(HostError::None);
    }
    entries
        .iter()
        .filter_map(|n| n.as_str())
        .map(|h| {
            if b.disable_host_sanitize {
                return Ok(h.to_string());
            }
            match sanitize_host(h) {
                Sanitized::Valid { cleaned, .. } => Ok(cleaned),
                Sanitized::Invalid { .. } => Err(HostError::Invalid(h.to_string())),
            }
        })
        .collect()
}

/// The decoder for a backend `encoding` (lower-cased, as lura's registry
/// looks it up); unknown and Enterprise-only names decode as JSON in CE.
pub fn encoding(name: Option<&str>) -> Encoding {
    match name.map(str::to_ascii_lowercase).as_deref() {
        Some("safejson") => Encoding::SafeJson,
        Some("string") => Encoding::String,
        Some("xml") => Encoding::Xml,
        Some("rss") => Encoding::Rss,
        Some("no-op") => Encoding::NoOp,
        _ => Encoding::Json,
    }
}

/// `mapping` pairs; lura renames to the text before the first `.` of the
/// new name (`"a": "b.c"` renames `a` to `b`).
fn mapping(b: &model::Backend<'_>) -> Vec<(String, String)> {
    b.mapping
        .as_ref()
        .map(|m| {
            m.value
                .iter()
                .map(|(from, to)| {
                    let to = to.value.split('.').next().unwrap_or_default();
                    (from.value.clone(), to.to_string())
                })
                .collect()
        })
        .unwrap_or_default()
}

/// A backend allowlist: `None` when unset or empty (no filter).
fn allowlist(
    list: &Option<model::Spanned<Vec<model::Spanned<String>>>>,
    headers: bool,
) -> Option<Vec<String>> {
    list.as_ref()
        .filter(|l| !l.value.is_empty())
        .map(|l| names(&l.value, headers))
}

/// Splits a cleaned `url_pattern` into literal text and variables.
///
/// A variable names an endpoint parameter when its name, first letter
/// upper-cased, equals the parameter's so treated (lura turns `{id}` into
/// `{{.Id}}` and keys the request parameters the same way, in a map: of two
/// parameters stored under one key, the later one wins, GW111). `{respN_a.b}`
/// in a sequential endpoint reads backend N's response (N counts regular,
/// non-shadow backends, as KrakenD numbers the chain).
/// `{JWT.claim}` on an endpoint with `auth/validator` is the claim.
/// Anything else (`{JWT.sub}` without a validator, a lint error) stays the
/// text KrakenD would leave unreplaced: `{{.JWT.sub}}`.
pub fn url_pieces(url: &str, params: &[String], ep: &model::Endpoint<'_>) -> Vec<UrlPiece> {
    let mut pieces = Vec::new();
    let mut literal = String::new();
    let mut at = 0;
    for var in url_pattern_vars(url) {
        literal.push_str(&url[at..var.range.start]);
        at = var.range.end;
        let piece = if let Some(i) = params.iter().rposition(|p| title(p) == title(var.name)) {
            Some(UrlPiece::Param(u16::try_from(i).unwrap_or(u16::MAX)))
        } else if let OutputParam::Response { backend, field } = output_param(var.name)
            && ep.is_sequential()
        {
            // KrakenD numbers the chain without the shadow backends.
            (backend < ep.regular_backends().count())
                .then(|| u16::try_from(backend).ok())
                .flatten()
                .map(|b| UrlPiece::Response {
                    backend: b,
                    path: split_path(field),
                })
        } else if let Some(claim) = var.name.strip_prefix("JWT.")
            && ep.extra.validator.is_some()
        {
            // CE fills `{{.JWT.x}}` from the token only on endpoints with a
            // validator (krakend-jose `extractRequiredJWTClaims`).
            Some(UrlPiece::Jwt(claim.to_string()))
        } else {
            None
        };
        match piece {
            Some(p) => {
                if !literal.is_empty() {
                    pieces.push(UrlPiece::Literal(std::mem::take(&mut literal)));
                }
                pieces.push(p);
            }
            None => {
                literal.push_str("{{.");
                literal.push_str(&title(var.name));
                literal.push_str("}}");
            }
        }
    }
    literal.push_str(&url[at..]);
    if !literal.is_empty() {
        pieces.push(UrlPiece::Literal(literal));
    }
    pieces
}

/// lura's key for a parameter: the first letter upper-cased.
fn title(name: &str) -> String {
    let mut chars = name.chars();
    chars.next().map_or_else(String::new, |c| {
        c.to_uppercase().chain(chars).collect::<String>()
    })
}

/// Go's `textproto.CanonicalMIMEHeaderKey`: the first letter and every
/// letter after a `-` upper-cased, the rest lower-cased; a key holding a
/// byte that is not a header token character is returned unchanged.
pub fn canonical_header_key(key: &str) -> String {
    let token = |b: u8| b.is_ascii_alphanumeric() || b"!#$%&'*+-.^_`|~".contains(&b);
    if !key.bytes().all(token) {
        return key.to_string();
    }
    let mut upper = true;
    key.chars()
        .map(|c| {
            let out = if upper {
                c.to_ascii_uppercase()
            } else {
                c.to_ascii_lowercase()
            };
            upper = c == '-';
            out
        })
        .collect()
}
