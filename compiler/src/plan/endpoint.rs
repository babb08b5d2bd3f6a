//! Endpoints: route segments and parameters, inherited timeouts and
//! encodings, client allowlists, merge options (lura `initEndpointDefaults`,
//! research/krakend-semantics.md §a.2, §c.4, §c.8, §c.10).

use super::options::{Root, duration_ns, ns_to_ms};
use super::{
    Endpoint, FlatmapOp, Forward, Method, OutputEncoding, PlanError, Segment, StaticData,
    StaticStrategy,
};
use crate::check::routes::{GinSegment, parse_gin_segment, registered_route};
use crate::model::encoding::FAST_JSON;
use crate::model::extra::Proxy;
use crate::model::pattern::segments as split_segments;
use crate::model::{self, Config, Spanned};

pub(crate) fn endpoint(
    config: &Config<'_>,
    ep: &model::Endpoint<'_>,
    root: &Root,
) -> Result<Endpoint, PlanError> {
    let path = ep
        .path
        .as_ref()
        .ok_or(PlanError::MissingPath { index: ep.index })?
        .value
        .clone();
    let upper = ep.method_upper();
    let method = Method::from_upper(&upper)
        .filter(|m| m.is_endpoint_method())
        .ok_or_else(|| PlanError::UnsupportedMethod {
            path: path.clone(),
            method: upper,
        })?;
    if ep.backends.is_empty() {
        return Err(PlanError::NoBackends { path });
    }
    let segments = route_segments(&path, config.disable_rest);
    let params = segments
        .iter()
        .filter_map(|s| match s {
            Segment::Param(name) | Segment::Affixed { name, .. } => Some(name.clone()),
            Segment::Static(_) => None,
        })
        .collect::<Vec<_>>();
    // lura: a zero endpoint value inherits the root's (so an explicit "0s"
    // cache_ttl cannot switch the root's off).
    let timeout_ns = match duration_ns(ep.timeout.as_ref()) {
        0 => root.timeout_ns,
        t => t,
    };
    let cache_ttl_ns = match duration_ns(ep.cache_ttl.as_ref()) {
        0 => root.cache_ttl_ns,
        t => t,
    };
    let output = output_encoding(config.output_encoding_of(ep).map(|o| o.value.as_str()));
    let concurrent_calls = match ep.concurrent_calls.as_ref().map(|c| c.value) {
        None | Some(0) => 1,
        Some(n) => u8::try_from(n.clamp(1, i64::from(u8::MAX))).unwrap_or(1),
    };
    let proxy = ep.extra.proxy.as_ref();
    let regular = ep.regular_backends().count();
    let backends = ep
        .backends
        .iter()
        .map(|b| super::backend::backend(config, ep, b, &params, method, output, root))
        .collect::<Result<Vec<_>, _>>()?;
    let rate_limit = ep
        .extra
        .rate_limit
        .as_ref()
        .and_then(|r| super::traffic::ratelimit_router::plan(r, &params));
    Ok(Endpoint {
        method,
        segments,
        params,
        timeout_ms: ns_to_ms(timeout_ns),
        // `Cache-Control: max-age=int(ttl.Seconds())`: sub-second values
        // still send the header, with 0.
        cache_ttl_s: (cache_ttl_ns != 0)
            .then(|| u64::try_from(cache_ttl_ns.max(0) / 1_000_000_000).unwrap_or(0)),
        output,
        concurrent_calls,
        input_headers: forward(ep.input_headers.as_ref(), true),
        input_query_strings: forward(ep.input_query_strings.as_ref(), false),
        backends,
        sequential: proxy.is_some_and(Proxy::runs_sequentially),
        propagated_params: proxy
            .and_then(|p| p.sequential_propagated_params.as_ref())
            .map(|l| l.value.iter().map(|s| s.value.clone()).collect())
            .unwrap_or_default(),
        // lura wraps the endpoint flatmap around the merge only, which
        // exists with two or more regular backends (shadow ones are taken
        // out first).
        flatmap: if regular > 1 {
            proxy
                .and_then(|p| p.flatmap_filter.as_ref())
                .map(|f| flatmap_ops(&f.value))
                .unwrap_or_default()
        } else {
            Vec::new()
        },
        static_data: proxy.and_then(static_data),
        bot_detector: ep
            .extra
            .bot_detector
            .as_ref()
            .map(super::security::bot_detector::plan),
        rate_limit,
        json_schema: ep
            .extra
            .json_schema
            .as_ref()
            .and_then(super::validation::json_schema::plan),
        cel: ep.extra.cel.as_ref().and_then(|c| {
            super::validation::cel::plan(
                c,
                crate::model::validation::cel::Level::Endpoint,
                ep.extra.validator.is_some(),
            )
        }),
        jwt: ep
            .extra
            .validator
            .as_ref()
            .map(|v| super::security::validator::plan(v, config.extra.validator.as_ref(), &path))
            .transpose()?,
        signer: ep
            .extra
            .signer
            .as_ref()
            .map(|s| super::security::signer::plan(s, &path))
            .transpose()?,
        path,
    })
}

/// The route segments of an endpoint path as gin registers them
/// ([`registered_route`]): `CleanPath`, each `{var}` lura extracts turned
/// into a gin parameter, then joined with Go's `path.Join` (`//` collapsed,
/// `.` dropped, `..` dropping the segment before it, so a `{var}` in that
/// segment is no parameter of the route). A parameter runs to the end of its
/// segment: `{id}.json` is the parameter `id.json` (GW108: KrakenD never
/// fills `{id}` there), and with `disable_rest`, `file.{ext}` is the
/// parameter `ext` after the text `file.`. gin gives a parameter no suffix,
/// so `Affixed::suffix` stays empty. A catch-all (a lint error) is kept as
/// literal text.
pub fn route_segments(path: &str, disable_rest: bool) -> Vec<Segment> {
    let route = registered_route(path, disable_rest);
    split_segments(&route)
        .iter()
        .map(|seg| match parse_gin_segment(seg.text) {
            GinSegment::Param { prefix, name } if prefix.is_empty() => Segment::Param(name),
            GinSegment::Param { prefix, name } => Segment::Affixed {
                prefix,
                name,
                suffix: String::new(),
            },
            GinSegment::Static(_) | GinSegment::CatchAll { .. } => {
                Segment::Static(seg.text.to_string())
            }
        })
        .collect()
}

/// The renderer for an `output_encoding` (exact names, as lura's
/// `getRender`); `fast-json` (Enterprise) renders as `json` in CE, and an
/// unknown name (a lint error) falls back to `json` too.
pub fn output_encoding(name: Option<&str>) -> OutputEncoding {
    match name {
        Some("json-collection") => OutputEncoding::JsonCollection,
        Some("string") => OutputEncoding::String,
        Some("xml") => OutputEncoding::Xml,
        Some("yaml") => OutputEncoding::Yaml,
        Some("negotiate") => OutputEncoding::Negotiate,
        Some("no-op") => OutputEncoding::NoOp,
        Some("json") | Some(FAST_JSON) | Some(_) | None => OutputEncoding::Json,
    }
}

/// An endpoint allowlist: empty or absent keeps KrakenD's default, a `*`
/// anywhere forwards everything (lura stops at the first `*`), else the
/// names, headers canonicalised (lura canonicalises `input_headers` at load;
/// query names are case-sensitive), duplicates dropped.
pub fn forward(list: Option<&Spanned<Vec<Spanned<String>>>>, headers: bool) -> Forward {
    let Some(list) = list.filter(|l| !l.value.is_empty()) else {
        return Forward::Default;
    };
    if list.value.iter().any(|s| s.value == "*") {
        return Forward::All;
    }
    Forward::Only(names(&list.value, headers))
}

/// The names of an allowlist, canonicalised when they are headers,
/// duplicates dropped (first one kept).
pub(crate) fn names(list: &[Spanned<String>], headers: bool) -> Vec<String> {
    let mut out: Vec<String> = Vec::with_capacity(list.len());
    for s in list {
        let name = if headers {
            super::backend::canonical_header_key(&s.value)
        } else {
            s.value.clone()
        };
        if !out.contains(&name) {
            out.push(name);
        }
    }
    out
}

/// Flatmap operations as lura's formatter builds them: `move` and `append`
/// take exactly two paths, `del` deletes each of its paths; operations of
/// another type or arity are skipped (lura logs and skips them; GW309
/// reports unknown types).
pub(crate) fn flatmap_ops(ops: &[model::FlatmapOp]) -> Vec<FlatmapOp> {
    let mut out = Vec::new();
    for op in ops {
        let Some(kind) = &op.op else { continue };
        let args: Vec<Vec<String>> = op.args.iter().map(|a| split_path(&a.value)).collect();
        match (kind.value.as_str(), args.as_slice()) {
            // lura reads `args[0]` and `args[1]` (fewer is GW313).
            ("move", [from, to, ..]) => out.push(FlatmapOp::Move {
                from: from.clone(),
                to: to.clone(),
            }),
            ("append", [from, to, ..]) => out.push(FlatmapOp::Append {
                from: from.clone(),
                to: to.clone(),
            }),
            ("del", paths) => out.extend(paths.iter().map(|p| FlatmapOp::Del { path: p.clone() })),
            _ => {}
        }
    }
    out
}

/// A dot path split into its steps (`a.b` → `["a", "b"]`; `""` → none).
pub fn split_path(path: &str) -> Vec<String> {
    if path.is_empty() {
        return Vec::new();
    }
    path.split('.').map(str::to_string).collect()
}

/// `proxy.static`: the data (when it is an object) and the strategy; an
/// unknown strategy behaves as `always` (lura `static.go`; GW310 reports it).
fn static_data(proxy: &Proxy<'_>) -> Option<StaticData> {
    let s = proxy.static_data.as_ref()?;
    let data = s.data.filter(|d| d.as_object().is_some())?;
    let strategy = match s.strategy.as_ref().map(|s| s.value.as_str()) {
        Some("success") => StaticStrategy::Success,
        Some("complete") => StaticStrategy::Complete,
        Some("errored") => StaticStrategy::Errored,
        Some("incomplete") => StaticStrategy::Incomplete,
        _ => StaticStrategy::Always,
    };
    Some(StaticData {
        strategy,
        data: super::value_of(data),
    })
}
