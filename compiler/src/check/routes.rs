//! The route table as KrakenD CE's router (gin) would build it, for the
//! routing rules and `gwc routes`.
//!
//! How a configured `endpoint` reaches gin (research/krakend-semantics.md
//! §a.2, §a.4, §a.6, §b):
//! 1. lura's `CleanPath` makes sure it starts with one `/`;
//! 2. lura rejects it when it matches `invalidPattern` (a `*` followed by
//!    anything, or a reserved `__debug`/`__echo`/`__health` segment);
//! 3. every extracted `{var}` becomes `:var` in the part before `?`
//!    (`strings.ReplaceAll`, so every copy of the text is replaced); that
//!    string is the route [`gin_route`] and the key of the OPTIONS catalog;
//! 4. gin joins it to the group `/` with Go's `path.Join` (gin
//!    `routergroup.go` `calculateAbsolutePath`, `utils.go` `joinPaths`),
//!    which collapses `//`, drops `.` segments and lets `..` drop the
//!    segment before it; a trailing `/` is kept. That string,
//!    [`registered_route`], is the route gin serves and reports in its
//!    panics: `/v1/users/../orders` is served as `/v1/orders`.
//!
//! lura's input parameters come from the path *before* step 4
//! (`config/config.go` `initEndpoints` extracts them from `e.Endpoint`
//! before `GetEndpointPath`), so a `{var}` that a `..` drops still satisfies
//! a backend's `url_pattern` at load, but gin never sets it: the backend
//! receives `{{.Var}}` literally (lura `proxy/request.go` `GeneratePath`
//! only replaces the parameters gin matched).
//!
//! Diagnostics point at the text as written: [`written_segments`] gives,
//! for each segment of the registered route, its byte range in the
//! endpoint string.
//!
//! gin keeps one radix tree per method. We model each tree as a trie of path
//! segments, where a segment is static text or a wildcard (an optional static
//! prefix plus the name, which runs to the end of the segment: `:id.json` is
//! the parameter `id.json`). Invariant of gin's tree that the rules rely on:
//! at one trie node all parameter children with the same prefix must carry
//! the same name; static siblings of a parameter are fine (gin ≥ 1.8).

use std::collections::{BTreeMap, BTreeSet};
use std::ops::Range;

use crate::model::pattern::{self, Segment};
use crate::model::{Config, Endpoint};

/// The methods KrakenD registers; any other method drops the endpoint.
pub const METHODS: [&str; 5] = ["GET", "POST", "PUT", "PATCH", "DELETE"];

/// The tree `router.auto_options` fills with every registered path.
pub const OPTIONS: &str = "OPTIONS";

/// Path segments lura reserves for its own handlers, rejected anywhere in an
/// endpoint.
pub const RESERVED_SEGMENTS: [&str; 3] = ["__debug", "__echo", "__health"];

/// The health check path when `router.health_path` is not set.
pub const DEFAULT_HEALTH_PATH: &str = "/__health";

/// One path segment as gin sees it.
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub enum GinSegment {
    /// Literal text.
    Static(String),
    /// A parameter (`:name`): static text before it, then its gin name.
    Param {
        /// Text before the parameter in the segment (usually empty).
        prefix: String,
        /// The gin parameter name (to the end of the segment).
        name: String,
    },
    /// A catch-all (`*name`), which CE only meets through a `*` in the path.
    CatchAll {
        /// Text before the `*` in the segment.
        prefix: String,
        /// The name after `*` (empty for an unnamed `*`).
        name: String,
    },
}

/// lura's `CleanPath`: `"/" + TrimPrefix(path, "/")` (removes one leading
/// slash only, so `//x` stays `//x` until gin collapses it).
pub fn clean_path(path: &str) -> String {
    format!("/{}", path.strip_prefix('/').unwrap_or(path))
}

/// The path gin registers for `route`: joined to the group `/` with Go's
/// `path.Join` (gin `utils.go` `joinPaths`), which collapses `//` and
/// resolves `.` and `..` segments (`..` at the root stays at the root),
/// then given back the trailing `/` the route was written with.
pub fn joined_route(route: &str) -> String {
    let mut kept: Vec<&str> = Vec::new();
    for piece in route.split('/') {
        match piece {
            "" | "." => {}
            ".." => {
                kept.pop();
            }
            _ => kept.push(piece),
        }
    }
    let mut out = format!("/{}", kept.join("/"));
    if route.ends_with('/') && !out.ends_with('/') {
        out.push('/');
    }
    out
}

/// The byte ranges of the `.` and `..` segments of a path, which
/// [`joined_route`] resolves away.
pub fn dot_segments(path: &str) -> Vec<Range<usize>> {
    let mut out = Vec::new();
    let mut start = 0;
    for piece in path.split('/') {
        if piece == "." || piece == ".." {
            out.push(start..start + piece.len());
        }
        start += piece.len() + 1;
    }
    out
}

/// The byte offset of the first `*` that lura's `invalidPattern` rejects:
/// one followed by any character but a newline (`\*.`). A `*` at the very
/// end passes lura (and then makes gin panic in CE).
pub fn rejected_star(path: &str) -> Option<usize> {
    let bytes = path.as_bytes();
    (0..bytes.len()).find(|&i| bytes[i] == b'*' && i + 1 < bytes.len() && bytes[i + 1] != b'\n')
}

/// The byte range of the first segment lura's `invalidPattern` rejects as
/// reserved: a `/`-separated piece that is exactly `__debug`, `__echo` or
/// `__health`, anywhere in the path (`/api/__health/x` too, the regexp is
/// not anchored at the start). `__healthcheck` is fine. Offsets are in
/// `path` as written (lura's leading `/` changes no piece).
pub fn reserved_segment(path: &str) -> Option<Range<usize>> {
    let mut start = 0;
    for piece in path.split('/') {
        let range = start..start + piece.len();
        start = range.end + 1;
        // After `CleanPath` every piece follows a `/`; `(/.*)?$` wants the
        // end or `/` plus one line after it.
        if RESERVED_SEGMENTS.contains(&piece) && !path[range.end..].contains('\n') {
            return Some(range);
        }
    }
    None
}

/// Whether lura refuses the endpoint path (`Init` fails on it).
pub fn lura_rejects(path: &str) -> bool {
    rejected_star(path).is_some() || reserved_segment(path).is_some()
}

/// The route lura hands to gin for an endpoint path: cleaned, with each
/// extracted `{var}` turned into `:var` before the first `?`. Not yet
/// collapsed; this exact string keys the auto_options catalog.
pub fn gin_route(path: &str, disable_rest: bool) -> String {
    let cleaned = clean_path(path);
    let names: Vec<&str> = pattern::endpoint_vars(&cleaned, disable_rest)
        .into_iter()
        .map(|v| v.name)
        .collect();
    let (head, tail) = match cleaned.find('?') {
        Some(at) => cleaned.split_at(at),
        None => (cleaned.as_str(), ""),
    };
    let mut head = head.to_string();
    for name in names {
        head = head.replace(&format!("{{{name}}}"), &format!(":{name}"));
    }
    head + tail
}

/// How gin reads one segment of a route (the text between two `/`): the
/// first `:` or `*` opens a wildcard that runs to the end of the segment.
pub fn parse_gin_segment(text: &str) -> GinSegment {
    match text.find([':', '*']) {
        None => GinSegment::Static(text.to_string()),
        Some(at) => {
            let prefix = text[..at].to_string();
            let name = text[at + 1..].to_string();
            if text.as_bytes()[at] == b':' {
                GinSegment::Param { prefix, name }
            } else {
                GinSegment::CatchAll { prefix, name }
            }
        }
    }
}

/// The route gin registers and serves for an endpoint path: lura's
/// [`gin_route`] joined to the group `/` ([`joined_route`]), `{vars}` as
/// `:vars`. gin's panic messages quote this string.
pub fn registered_route(path: &str, disable_rest: bool) -> String {
    joined_route(&gin_route(path, disable_rest))
}

/// An endpoint path as the route gin serves, variables still written
/// `{var}` (for display): lura's `CleanPath`, then [`joined_route`].
pub fn served_path(path: &str) -> String {
    joined_route(&clean_path(path))
}

/// The segments gin registers for a route: joined ([`joined_route`]:
/// `//` collapsed, `.` and `..` resolved), then split.
pub fn gin_segments(route: &str) -> Vec<GinSegment> {
    let joined = joined_route(route);
    pattern::segments(&joined)
        .iter()
        .map(|s| parse_gin_segment(s.text))
        .collect()
}

/// The segments of an endpoint path as written that survive gin's
/// [`joined_route`], each with its byte range in `path`: entry `i` is the
/// text the user wrote for segment `i` of the registered route. Empty
/// pieces (`//`) and `.` are skipped, a `..` takes back the segment before
/// it. A route that ends with `/` (or is the root) ends with an empty
/// segment, at the end of `path`, as [`pattern::segments`] has it.
///
/// Invariant: as long as no variable name holds a `/` (only possible with
/// `disable_rest`), the result is as long as [`gin_segments`] of the
/// endpoint's [`gin_route`], since turning `{x}` into `:x` moves no `/`.
pub fn written_segments(path: &str) -> Vec<Segment<'_>> {
    let mut kept: Vec<Segment<'_>> = Vec::new();
    let mut start = 0;
    for piece in path.split('/') {
        let range = start..start + piece.len();
        start = range.end + 1;
        match piece {
            "" | "." => {}
            ".." => {
                kept.pop();
            }
            _ => kept.push(Segment { text: piece, range }),
        }
    }
    // lura's `CleanPath` turns "" into "/": the root.
    if kept.is_empty() || path.ends_with('/') {
        kept.push(Segment {
            text: "",
            range: path.len()..path.len(),
        });
    }
    kept
}

/// Whether gin panics on this route on its own, whatever else is
/// registered: two wildcards in one segment, an unnamed wildcard, or a
/// catch-all that is not a whole last segment (gin `tree.go` `insertChild`).
/// Only the segments that survive [`joined_route`] reach gin.
pub fn gin_panics_alone(route: &str) -> bool {
    let joined = joined_route(route);
    let segments = pattern::segments(&joined);
    let last = segments.len().saturating_sub(1);
    segments
        .iter()
        .enumerate()
        .any(|(i, seg)| match parse_gin_segment(seg.text) {
            GinSegment::Static(_) => false,
            GinSegment::Param { name, .. } => name.is_empty() || name.contains([':', '*']),
            GinSegment::CatchAll { prefix, name } => {
                name.is_empty() || name.contains([':', '*']) || i != last || !prefix.is_empty()
            }
        })
}

/// How gin sees a segment of an endpoint path as written (REST mode: only a
/// `{var}` opening the segment is a variable; with `disable_rest`, any).
pub fn gin_segment(seg: &Segment<'_>, disable_rest: bool) -> GinSegment {
    // `endpoint_vars` needs the slash to see a REST-mode variable.
    let with_slash = format!("/{}", seg.text);
    let mut text = seg.text.to_string();
    for v in pattern::endpoint_vars(&with_slash, disable_rest) {
        text = text.replace(&format!("{{{}}}", v.name), &format!(":{}", v.name));
    }
    parse_gin_segment(&text)
}

/// The tree key of an endpoint: its registered route, split into segments.
pub fn gin_path(ep: &Endpoint<'_>, disable_rest: bool) -> Option<Vec<GinSegment>> {
    let path = ep.path.as_ref()?;
    Some(gin_segments(&gin_route(&path.value, disable_rest)))
}

/// Whether an endpoint reaches gin's trees: a supported method, and a path
/// that neither lura rejects nor gin panics on by itself (those have rules
/// of their own, and KrakenD stops before any conflict matters).
pub fn is_registered(ep: &Endpoint<'_>, disable_rest: bool) -> bool {
    let Some(path) = &ep.path else { return false };
    METHODS.contains(&ep.method_upper().as_str())
        && !lura_rejects(&path.value)
        && !gin_panics_alone(&gin_route(&path.value, disable_rest))
}

/// A conflict between two endpoints found while inserting into a tree.
#[derive(Clone, Debug)]
pub struct ParamConflict {
    /// The tree (method) where they meet.
    pub method: String,
    /// Index of the endpoint declared first.
    pub first: usize,
    /// Index of the endpoint that conflicts with it.
    pub second: usize,
    /// Segment index (in the registered route) where they meet.
    pub depth: usize,
    /// The first endpoint's parameter name there.
    pub first_name: String,
    /// The second endpoint's parameter name there.
    pub second_name: String,
}

/// Two endpoints that register the same route in one tree: gin panics
/// `handlers are already registered for path '…'`.
#[derive(Clone, Debug)]
pub struct Duplicate {
    /// The tree (method) where they meet.
    pub method: String,
    /// Index of the endpoint declared first.
    pub first: usize,
    /// Index of the endpoint registered again.
    pub second: usize,
    /// The route gin reports ([`registered_route`]).
    pub route: String,
}

#[derive(Default)]
struct TrieNode {
    statics: BTreeMap<String, TrieNode>,
    /// Parameter children by prefix: (name, declaring endpoint, subtree).
    params: BTreeMap<String, (String, usize, TrieNode)>,
    /// The route that ends here: (endpoint, its gin route before joining).
    end: Option<(usize, String)>,
}

/// The result of building every method's tree.
#[derive(Default)]
pub struct RouteTable {
    /// Parameter-name conflicts, in config order of the second endpoint
    /// (method trees first, then the OPTIONS tree).
    pub conflicts: Vec<ParamConflict>,
    /// Routes registered twice, in the same order.
    pub duplicates: Vec<Duplicate>,
}

/// Builds gin's trees for `config`: one per supported method, then the
/// OPTIONS tree holding every path when `auto_options` is on.
///
/// lura registers OPTIONS once per distinct route string (its catalog is a
/// map keyed by the route before gin joins it), so `GET /a` + `POST /a`
/// share one OPTIONS route, while `GET /a//b` + `POST /a/b` (or
/// `GET /a/./b` + `POST /a/b`) register it twice. An
/// endpoint that already failed in its method's tree is left out of the
/// OPTIONS tree so one mistake is reported once.
pub fn build(config: &Config<'_>, auto_options: bool) -> RouteTable {
    let mut trees: BTreeMap<String, TrieNode> = BTreeMap::new();
    let mut table = RouteTable::default();
    let mut failed = BTreeSet::new();
    let registered: Vec<(usize, String, Vec<GinSegment>)> = config
        .endpoints
        .iter()
        .filter(|ep| is_registered(ep, config.disable_rest))
        .filter_map(|ep| {
            let route = gin_route(&ep.path.as_ref()?.value, config.disable_rest);
            let segments = gin_segments(&route);
            Some((ep.index, route, segments))
        })
        .collect();
    let method_of = |i: usize| {
        config
            .endpoints
            .get(i)
            .map(Endpoint::method_upper)
            .unwrap_or_default()
    };
    for (index, route, segments) in &registered {
        let tree = method_of(*index);
        let root = trees.entry(tree.clone()).or_default();
        if !insert(root, &tree, segments, route, *index, &mut table) {
            failed.insert(*index);
        }
    }
    if auto_options {
        let root = trees.entry(OPTIONS.to_string()).or_default();
        for (index, route, segments) in registered.iter().filter(|(i, ..)| !failed.contains(i)) {
            insert(root, OPTIONS, segments, route, *index, &mut table);
        }
    }
    table
}

/// Inserts one route; false when gin would panic on it.
fn insert(
    root: &mut TrieNode,
    tree: &str,
    path: &[GinSegment],
    route: &str,
    index: usize,
    table: &mut RouteTable,
) -> bool {
    let mut node = root;
    for (depth, seg) in path.iter().enumerate() {
        match seg {
            GinSegment::Static(text) => node = node.statics.entry(text.clone()).or_default(),
            GinSegment::Param { prefix, name } | GinSegment::CatchAll { prefix, name } => {
                let entry = node
                    .params
                    .entry(prefix.clone())
                    .or_insert_with(|| (name.clone(), index, TrieNode::default()));
                if entry.0 != *name {
                    table.conflicts.push(ParamConflict {
                        method: tree.to_string(),
                        first: entry.1,
                        second: index,
                        depth,
                        first_name: entry.0.clone(),
                        second_name: name.clone(),
                    });
                    // gin panics here; the route is not registered.
                    return false;
                }
                node = &mut entry.2;
            }
        }
    }
    match &node.end {
        // The same catalog entry: OPTIONS is registered once for it.
        Some((_, existing)) if tree == OPTIONS && existing == route => true,
        Some((first, _)) => {
            table.duplicates.push(Duplicate {
                method: tree.to_string(),
                first: *first,
                second: index,
                route: joined_route(route),
            });
            false
        }
        None => {
            node.end = Some((index, route.to_string()));
            true
        }
    }
}

/// The text `ep`'s path as written holds for segment `depth` of its
/// registered route, with its byte range inside the path string
/// ([`written_segments`]).
pub fn segment_at<'e>(ep: &'e Endpoint<'_>, depth: usize) -> Option<Segment<'e>> {
    written_segments(&ep.path.as_ref()?.value)
        .into_iter()
        .nth(depth)
}

/// The health check route gin registers (lura's `engine.GET(path)` joins
/// it to `/` with `path.Join`: [`joined_route`]), or `None` when
/// `router.disable_health` is on.
pub fn health_route(config: &Config<'_>) -> Option<String> {
    let router = config.extra.router.as_ref();
    if router.is_some_and(|r| r.disable_health) {
        return None;
    }
    let written = router
        .and_then(|r| r.health_path.as_ref())
        .map_or(DEFAULT_HEALTH_PATH, |p| p.value.as_str());
    // lura falls back to the default for an empty `health_path`.
    let written = if written.is_empty() {
        DEFAULT_HEALTH_PATH
    } else {
        written
    };
    Some(joined_route(written))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn gin_routes() {
        let cases = [
            ("/user/{id}", false, "/user/:id"),
            ("user/{id}", false, "/user/:id"),
            ("//a/{id}", false, "//a/:id"),
            ("/v1/{id}.json", false, "/v1/:id.json"),
            ("/v1/file.{ext}", false, "/v1/file.{ext}"),
            ("/v1/file.{ext}", true, "/v1/file.:ext"),
            ("/foo/{a}-{b}", false, "/foo/:a-{b}"),
            ("/foo/{a}-{b}", true, "/foo/:a-:b"),
            ("/a/{id}/x{id}", false, "/a/:id/x:id"),
            ("/foo/{a}?x={a}", true, "/foo/:a?x={a}"),
            ("", false, "/"),
        ];
        for (path, disable_rest, want) in cases {
            assert_eq!(
                gin_route(path, disable_rest),
                want,
                "{path} disable_rest={disable_rest}"
            );
        }
    }

    #[test]
    fn joined_routes_are_go_path_join() {
        // Go: path.Join("/", route), plus gin's trailing-slash rule.
        let cases = [
            ("/a/b", "/a/b"),
            ("/a//b/", "/a/b/"),
            ("/a/./b", "/a/b"),
            ("/a/../b", "/b"),
            ("/a/b/..", "/a"),
            ("/a/b/../", "/a/"),
            ("/a/.", "/a"),
            ("/a/./", "/a/"),
            ("/..", "/"),
            ("/../../x", "/x"),
            ("/", "/"),
            ("/.../x/.hidden", "/.../x/.hidden"),
            ("/u/:id/../x", "/u/x"),
        ];
        for (route, want) in cases {
            assert_eq!(joined_route(route), want, "{route}");
        }
        assert_eq!(dot_segments("/a/./b/../c/.d/..."), vec![3..4, 7..9]);
        assert_eq!(dot_segments("../a"), vec![0..2]);
    }

    #[test]
    fn written_segments_map_the_registered_route() {
        // (path as written, the text of each registered segment, where each starts)
        let cases: [(&str, &[&str], &[usize]); 10] = [
            ("/a/b", &["a", "b"], &[1, 3]),
            ("a//b/", &["a", "b", ""], &[0, 3, 5]),
            ("/a/./b", &["a", "b"], &[1, 5]),
            ("/v1/users/../orders", &["v1", "orders"], &[1, 13]),
            ("/a/b/..", &["a"], &[1]),
            ("/a/b/../", &["a", ""], &[1, 8]),
            ("/..", &[""], &[3]),
            ("", &[""], &[0]),
            ("/", &[""], &[1]),
            ("/u/{id}/../{uid}", &["u", "{uid}"], &[1, 11]),
        ];
        for (path, texts, starts) in cases {
            let got = written_segments(path);
            let got_texts: Vec<&str> = got.iter().map(|s| s.text).collect();
            let got_starts: Vec<usize> = got.iter().map(|s| s.range.start).collect();
            assert_eq!(got_texts, texts, "{path}");
            assert_eq!(got_starts, starts, "{path}");
            for s in &got {
                assert_eq!(&path[s.range.clone()], s.text, "{path}");
            }
            // One written segment per registered one.
            assert_eq!(
                got.len(),
                gin_segments(&gin_route(path, false)).len(),
                "{path}"
            );
        }
        assert_eq!(
            registered_route("/v1/shops/{shop}/../products/./{id}", false),
            "/v1/shops/products/:id"
        );
        assert_eq!(registered_route("a/.//b/", false), "/a/b/");
    }

    #[test]
    fn gin_segment_parsing() {
        let param = |prefix: &str, name: &str| GinSegment::Param {
            prefix: prefix.into(),
            name: name.into(),
        };
        let cases = [
            ("users", GinSegment::Static("users".into())),
            (":id", param("", "id")),
            (":id.json", param("", "id.json")),
            ("foo:bar", param("foo", "bar")),
            (":a-:b", param("", "a-:b")),
            (
                "*",
                GinSegment::CatchAll {
                    prefix: String::new(),
                    name: String::new(),
                },
            ),
            ("", GinSegment::Static(String::new())),
        ];
        for (text, want) in cases {
            assert_eq!(parse_gin_segment(text), want, "{text}");
        }
    }

    #[test]
    fn panics_alone() {
        let cases = [
            ("/user/:id", false),
            ("/foo/:a-:b", true),
            ("/a/:", true),
            ("/files/*", true),
            ("/files*", true),
            ("/files/*path", false),
            ("/files/*path/x", true),
            ("/foo:bar", false),
            ("/fhir/unrestful$:translate", false),
        ];
        for (route, want) in cases {
            assert_eq!(gin_panics_alone(route), want, "{route}");
        }
    }

    /// The harness results of research/krakend-semantics.md §b.3: each
    /// case is a list of `METHOD path` routes, whether auto_options is on,
    /// and what gin does: `Ok`, a parameter conflict, or a duplicate.
    #[test]
    fn trees_match_the_gin_harness() {
        #[derive(Debug, PartialEq)]
        enum Gin {
            Ok,
            Conflict,
            Duplicate,
        }
        let cases: [(&[&str], bool, Gin); 37] = [
            // 1. param vs param at one position: same name, whatever follows
            (
                &["GET /user/{userid}", "GET /user/{iduser}/some"],
                false,
                Gin::Conflict,
            ),
            (
                &["GET /user/{userid}", "GET /user/{iduser}"],
                false,
                Gin::Conflict,
            ),
            (&["GET /a/{x}/b", "GET /a/{y}/c"], false, Gin::Conflict),
            (
                &["GET /{tenant}/users", "GET /{other}/orders"],
                false,
                Gin::Conflict,
            ),
            (
                &["GET /x/{a}", "GET /x/{a}/{b}", "GET /x/{c}/{b}/y"],
                false,
                Gin::Conflict,
            ),
            // 2. a name extending another
            (&["GET /a/{x}", "GET /a/{xy}"], false, Gin::Conflict),
            (&["GET /a/{x}", "GET /a/{x}y"], false, Gin::Conflict),
            (
                &["GET /user/{id}/x", "GET /user/{id}x/y"],
                false,
                Gin::Conflict,
            ),
            // 3. static vs param: fine, either order
            (&["GET /user/{id}", "GET /user/new"], false, Gin::Ok),
            (&["GET /user/new", "GET /user/{id}"], false, Gin::Ok),
            (
                &["GET /user/{id}/profile", "GET /user/new/profile"],
                false,
                Gin::Ok,
            ),
            (
                &["GET /api/{version}/items", "GET /api/v1/items"],
                false,
                Gin::Ok,
            ),
            (
                &["GET /{tenant}/users", "GET /health/status"],
                false,
                Gin::Ok,
            ),
            (
                &["GET /a/{b}", "GET /a/{b}/c/{d}", "GET /a/x/c/{e}"],
                false,
                Gin::Ok,
            ),
            // 4. same names at different depths
            (
                &["GET /user/{userid}", "GET /user/{userid}/some"],
                false,
                Gin::Ok,
            ),
            (&["GET /v1/{a}", "GET /v1/{a}/{b}"], false, Gin::Ok),
            (&["GET /user/{id}", "GET /user/{id}/"], false, Gin::Ok),
            // 5. different methods never conflict, except through auto_options
            (&["GET /user/{id}", "POST /user/{uid}"], false, Gin::Ok),
            (
                &["DELETE /items/{id}", "GET /items/{itemId}/sub"],
                false,
                Gin::Ok,
            ),
            (&["GET /user/{id}", "POST /user/{uid}"], true, Gin::Conflict),
            (&["GET /user/{id}", "POST /user/{id}"], true, Gin::Ok),
            // 6. duplicates, after `//` collapsing; methods are case-insensitive
            (&["GET /users", "GET /users"], false, Gin::Duplicate),
            (&["GET /foo//bar", "GET /foo/bar"], false, Gin::Duplicate),
            (&["get /users", "GET /users"], false, Gin::Duplicate),
            (&["GET /users", "POST /users"], true, Gin::Ok),
            (&["GET /foo//bar", "POST /foo/bar"], true, Gin::Duplicate),
            // gin joins with `path.Join`: `.` and `..` segments resolved
            (&["GET /a/./b", "GET /a/b"], false, Gin::Duplicate),
            (&["GET /a/b", "GET /a/x/../b"], false, Gin::Duplicate),
            (&["GET /x/../b", "GET /y/../b"], false, Gin::Duplicate),
            (&["GET /a/b/..", "GET /a"], false, Gin::Duplicate),
            (&["GET /a/b/../", "GET /a"], false, Gin::Ok),
            (&["GET /.well-known/x", "GET /well-known/x"], false, Gin::Ok),
            (&["GET /a/./b", "POST /a/b"], true, Gin::Duplicate),
            // a parameter `..` drops is not in the route any more
            (&["GET /u/{id}/../x", "GET /u/x"], false, Gin::Duplicate),
            (&["GET /u/{id}", "GET /u/x/../{uid}"], false, Gin::Conflict),
            // unsupported methods and rejected paths never reach the trees
            (&["HEAD /users", "HEAD /users"], false, Gin::Ok),
            (&["GET /a/*/b", "GET /a/*/b"], false, Gin::Ok),
        ];
        for (routes, auto_options, want) in cases {
            let endpoints: Vec<String> = routes
                .iter()
                .map(|r| {
                    let (method, path) = r.split_once(' ').unwrap_or(("GET", r));
                    format!(r#"{{"endpoint": "{path}", "method": "{method}", "backend": [{{"url_pattern": "/"}}]}}"#)
                })
                .collect();
            let text = format!(
                r#"{{"version": 3, "endpoints": [{}]}}"#,
                endpoints.join(",")
            );
            let parsed = crate::syntax::parse(&text, crate::syntax::Format::Json);
            let Some(root) = &parsed.root else {
                panic!("{text} does not parse")
            };
            let table = build(&Config::from_tree(root), auto_options);
            let got = match (table.conflicts.is_empty(), table.duplicates.is_empty()) {
                (true, true) => Gin::Ok,
                (false, true) => Gin::Conflict,
                (true, false) => Gin::Duplicate,
                (false, false) => panic!("{routes:?}: both a conflict and a duplicate"),
            };
            assert_eq!(got, want, "{routes:?} auto_options={auto_options}");
        }
    }

    #[test]
    fn lura_rejections() {
        let cases = [
            ("/a/*/b", true),
            ("/files/*path", true),
            ("/files/*", false),
            ("/__health", true),
            ("/api/__health", true),
            ("/api/__debug/x", true),
            ("__echo/x", true),
            ("/__healthcheck", false),
            ("/x__health", false),
            ("/a/__echo_b", false),
            ("/users", false),
        ];
        for (path, want) in cases {
            assert_eq!(lura_rejects(path), want, "{path}");
        }
        assert_eq!(reserved_segment("/api/__health/x"), Some(5..13));
        assert_eq!(rejected_star("/a/*/b"), Some(3));
    }
}
