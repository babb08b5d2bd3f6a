//! The route table as gin would build it, for the routing rules and
//! `gwc routes`.
//!
//! gin keeps one radix tree per method (research/krakend-semantics.md §b).
//! We model each tree as a trie of path segments, where a segment is either
//! static text or a parameter (an optional static prefix plus the gin
//! parameter name, which runs to the end of the segment: `{id}.json` is the
//! parameter `id.json`). Invariant of gin's tree that the rules rely on: at
//! one trie node all parameter children with the same prefix must carry the
//! same name; static siblings of a parameter are fine (gin ≥ 1.8).

use std::collections::BTreeMap;

use crate::model::pattern::{self, Segment};
use crate::model::{Config, Endpoint};

/// The methods KrakenD registers; any other method drops the endpoint.
pub const METHODS: [&str; 5] = ["GET", "POST", "PUT", "PATCH", "DELETE"];

/// One path segment as gin sees it.
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub enum GinSegment {
    /// Literal text.
    Static(String),
    /// A parameter: static text before it, then its gin name.
    Param {
        /// Text before the parameter in the segment (usually empty).
        prefix: String,
        /// The gin parameter name (to the end of the segment).
        name: String,
    },
}

/// How gin sees a segment of an endpoint path.
pub fn gin_segment(seg: &Segment<'_>, disable_rest: bool) -> GinSegment {
    // REST mode: a variable only counts right after `/`, i.e. when it opens
    // the segment. `endpoint_vars` sees that on the text with its slash.
    let first = if disable_rest {
        pattern::endpoint_vars(seg.text, true)
            .into_iter()
            .next()
            .map(|v| (v.range, v.name.len()))
    } else {
        let with_slash = format!("/{}", seg.text);
        pattern::endpoint_vars(&with_slash, false)
            .into_iter()
            .next()
            .map(|v| (v.range.start - 1..v.range.end - 1, v.name.len()))
    };
    match first {
        None => GinSegment::Static(seg.text.to_string()),
        Some((range, name_len)) => {
            let var = &seg.text[range.start + 1..range.start + 1 + name_len];
            let rest = &seg.text[range.end..];
            let name = format!("{var}{}", rest.replace('{', ":").replace('}', ""));
            GinSegment::Param {
                prefix: seg.text[..range.start].to_string(),
                name,
            }
        }
    }
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
    /// Segment index (in the collapsed path) where they meet.
    pub depth: usize,
    /// The first endpoint's parameter name there.
    pub first_name: String,
    /// The second endpoint's parameter name there.
    pub second_name: String,
}

#[derive(Default)]
struct TrieNode {
    statics: BTreeMap<String, TrieNode>,
    /// Parameter children by prefix: (name, declaring endpoint, subtree).
    params: BTreeMap<String, (String, usize, TrieNode)>,
    /// Endpoints that end here.
    ends: Vec<usize>,
}

/// The result of building every method's tree.
#[derive(Default)]
pub struct RouteTable {
    /// Parameter-name conflicts, in config order of the second endpoint.
    pub conflicts: Vec<ParamConflict>,
    /// Exact duplicates: (method, first, second).
    pub duplicates: Vec<(String, usize, usize)>,
}

/// The tree key of an endpoint: its collapsed path split into gin segments.
pub fn gin_path(ep: &Endpoint<'_>, disable_rest: bool) -> Option<Vec<GinSegment>> {
    let path = ep.path.as_ref()?;
    let collapsed = pattern::collapse_slashes(&path.value);
    Some(
        pattern::segments(&collapsed)
            .iter()
            .map(|s| gin_segment(s, disable_rest))
            .collect(),
    )
}

/// Builds gin's trees for `config`: one per supported method, plus the
/// OPTIONS tree holding every path when `auto_options` is on.
pub fn build(config: &Config<'_>, auto_options: bool) -> RouteTable {
    let mut trees: BTreeMap<String, TrieNode> = BTreeMap::new();
    let mut table = RouteTable::default();
    for ep in &config.endpoints {
        let method = ep.method_upper();
        if !METHODS.contains(&method.as_str()) {
            continue;
        }
        let Some(path) = gin_path(ep, config.disable_rest) else {
            continue;
        };
        let mut targets = vec![method.clone()];
        if auto_options {
            targets.push("OPTIONS".to_string());
        }
        for tree in targets {
            let root = trees.entry(tree.clone()).or_default();
            insert(root, &tree, &path, ep.index, config, &mut table);
        }
    }
    table
}

fn insert(
    root: &mut TrieNode,
    tree: &str,
    path: &[GinSegment],
    index: usize,
    config: &Config<'_>,
    table: &mut RouteTable,
) {
    let mut node = root;
    for (depth, seg) in path.iter().enumerate() {
        match seg {
            GinSegment::Static(text) => node = node.statics.entry(text.clone()).or_default(),
            GinSegment::Param { prefix, name } => {
                let entry = node
                    .params
                    .entry(prefix.clone())
                    .or_insert_with(|| (name.clone(), index, TrieNode::default()));
                if entry.0 != *name {
                    // In the OPTIONS tree, only pairs of different methods are
                    // new: same-method pairs were reported in their own tree.
                    let first = entry.1;
                    let same_method = config.endpoints[first].method_upper()
                        == config.endpoints[index].method_upper();
                    if tree != "OPTIONS" || !same_method {
                        table.conflicts.push(ParamConflict {
                            method: tree.to_string(),
                            first,
                            second: index,
                            depth,
                            first_name: entry.0.clone(),
                            second_name: name.clone(),
                        });
                    }
                    // gin panics here; stop walking this path.
                    return;
                }
                node = &mut entry.2;
            }
        }
    }
    if let Some(&first) = node.ends.first() {
        let same_method =
            config.endpoints[first].method_upper() == config.endpoints[index].method_upper();
        if tree != "OPTIONS" || !same_method {
            table.duplicates.push((tree.to_string(), first, index));
        }
    }
    node.ends.push(index);
}

/// The segment of `ep`'s written path at collapsed-segment `depth`, with its
/// byte range inside the path string.
pub fn segment_at<'e>(ep: &'e Endpoint<'_>, depth: usize) -> Option<Segment<'e>> {
    let path = ep.path.as_ref()?;
    // Segments of the written path, skipping the empty ones `//` makes, so
    // the index matches the collapsed path and ranges point into the source.
    let mut out = Vec::new();
    let mut start = 0;
    let text = path.value.as_str();
    for (i, c) in text
        .char_indices()
        .chain(std::iter::once((text.len(), '/')))
    {
        if c == '/' {
            if i > start || (i == text.len() && text.ends_with('/') && i > 0) {
                out.push(Segment {
                    text: &text[start..i],
                    range: start..i,
                });
            }
            start = i + 1;
        }
    }
    out.into_iter().nth(depth)
}
