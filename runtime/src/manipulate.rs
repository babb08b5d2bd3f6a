//! Per-backend data manipulation in KrakenD's order
//! (research/krakend-semantics.md §c.5, lura `proxy/formatter.go`):
//! `target` → `allow` | `deny` → `mapping` → `group`, or, when the backend
//! has a `flatmap_filter`, `target` → flatmap → `group`.
//!
//! Everything works on the decoded object in place; paths arrive already
//! split by the compiler.

use crate::value::{Map, Value};

use crate::spec::{Backend, FlatmapOp};

/// Applies a backend's manipulations to its decoded response.
pub fn apply_backend(b: &Backend, mut data: Map) -> Map {
    if !b.target.is_empty() {
        data = target(data, b.target);
    }
    if !b.flatmap.is_empty() {
        flatmap(&mut data, b.flatmap);
    } else {
        if !data.is_empty() {
            if !b.allow.is_empty() {
                allow(&mut data, b.allow);
            } else if !b.deny.is_empty() {
                for path in b.deny {
                    deny(&mut data, path);
                }
            }
        }
        if !b.mapping.is_empty() && !data.is_empty() {
            data = mapping(data, b.mapping);
        }
    }
    if let Some(g) = b.group {
        let mut wrapped = Map::with_capacity(1);
        wrapped.insert(g.to_owned(), Value::Object(data));
        data = wrapped;
    }
    data
}

/// `target`: the object at the dot path, `{}` when a step is missing or not
/// an object.
pub fn target(mut data: Map, path: &[&str]) -> Map {
    for k in path {
        match data.swap_remove(*k) {
            Some(Value::Object(m)) => data = m,
            _ => return Map::new(),
        }
    }
    data
}

/// `allow`: keeps only the listed dot paths; a parent left empty goes too.
pub fn allow(data: &mut Map, paths: &[&[&str]]) {
    data.retain(|k, v| {
        let mut nested: Vec<&[&str]> = Vec::new();
        for p in paths {
            match p.split_first() {
                Some((first, rest)) if first == k => {
                    if rest.is_empty() {
                        // A leaf: the whole branch stays.
                        return true;
                    }
                    nested.push(rest);
                }
                _ => {}
            }
        }
        if nested.is_empty() {
            return false;
        }
        match v {
            Value::Object(m) => {
                allow(m, &nested);
                !m.is_empty()
            }
            _ => false,
        }
    });
}

/// `deny`: removes one dot path.
pub fn deny(data: &mut Map, path: &[&str]) {
    let Some((last, init)) = path.split_last() else {
        return;
    };
    let mut cur = data;
    for k in init {
        match cur.get_mut(*k) {
            Some(Value::Object(m)) => cur = m,
            _ => return,
        }
    }
    cur.shift_remove(*last);
}

/// `mapping`: top-level renames, each key keeping its position.
pub fn mapping(data: Map, renames: &[(&str, &str)]) -> Map {
    let mut out = Map::with_capacity(data.len());
    for (k, v) in data {
        match renames.iter().find(|(from, _)| *from == k) {
            Some((_, to)) => out.insert((*to).to_owned(), v),
            None => out.insert(k, v),
        };
    }
    out
}

/// Applies flatmap operations (`move`, `append`, `del`; `*` matches every
/// array element or object member) to an object.
pub fn flatmap(data: &mut Map, ops: &[FlatmapOp]) {
    let mut root = Value::Object(std::mem::take(data));
    for op in ops {
        match op {
            FlatmapOp::Del { path } => del(&mut root, path),
            FlatmapOp::Move { from, to } => {
                for (concrete, v) in take_matches(&mut root, from) {
                    let dst = substitute(to, &concrete);
                    put(&mut root, &dst, v);
                }
            }
            FlatmapOp::Append { from, to } => {
                for (concrete, v) in take_matches(&mut root, from) {
                    let dst = substitute(to, &concrete);
                    append(&mut root, &dst, v);
                }
            }
        }
    }
    if let Value::Object(m) = root {
        *data = m;
    }
}

/// A child by key: object member, or array element by decimal index.
fn child_mut<'v>(v: &'v mut Value, k: &str) -> Option<&'v mut Value> {
    match v {
        Value::Object(m) => m.get_mut(k),
        Value::Array(a) => k.parse::<usize>().ok().and_then(|i| a.get_mut(i)),
        _ => None,
    }
}

fn del(v: &mut Value, path: &[&str]) {
    let Some((first, rest)) = path.split_first() else {
        return;
    };
    if *first == "*" {
        if rest.is_empty() {
            match v {
                Value::Object(m) => m.clear(),
                Value::Array(a) => a.clear(),
                _ => {}
            }
        } else {
            match v {
                Value::Object(m) => m.values_mut().for_each(|c| del(c, rest)),
                Value::Array(a) => a.iter_mut().for_each(|c| del(c, rest)),
                _ => {}
            }
        }
        return;
    }
    if rest.is_empty() {
        match v {
            Value::Object(m) => {
                m.shift_remove(*first);
            }
            Value::Array(a) => {
                if let Ok(i) = first.parse::<usize>()
                    && i < a.len()
                {
                    a.remove(i);
                }
            }
            _ => {}
        }
    } else if let Some(c) = child_mut(v, first) {
        del(c, rest);
    }
}

/// Removes every value matching `path` and returns each with the concrete
/// path it had (wildcards resolved), in document order.
fn take_matches(root: &mut Value, path: &[&str]) -> Vec<(Vec<String>, Value)> {
    let mut out = Vec::new();
    let mut prefix = Vec::new();
    take_rec(root, path, &mut prefix, &mut out);
    out
}

fn take_rec(
    v: &mut Value,
    path: &[&str],
    prefix: &mut Vec<String>,
    out: &mut Vec<(Vec<String>, Value)>,
) {
    let Some((first, rest)) = path.split_first() else {
        return;
    };
    if rest.is_empty() {
        // The last step: take the value(s) out.
        if *first == "*" {
            match v {
                Value::Object(m) => {
                    for (k, c) in std::mem::take(m) {
                        let mut p = prefix.clone();
                        p.push(k);
                        out.push((p, c));
                    }
                }
                Value::Array(a) => {
                    for (i, c) in std::mem::take(a).into_iter().enumerate() {
                        let mut p = prefix.clone();
                        p.push(i.to_string());
                        out.push((p, c));
                    }
                }
                _ => {}
            }
        } else if let Value::Object(m) = v
            && let Some(c) = m.shift_remove(*first)
        {
            let mut p = prefix.clone();
            p.push((*first).to_owned());
            out.push((p, c));
        }
        return;
    }
    if *first == "*" {
        match v {
            Value::Object(m) => {
                for (k, c) in m.iter_mut() {
                    prefix.push(k.clone());
                    take_rec(c, rest, prefix, out);
                    prefix.pop();
                }
            }
            Value::Array(a) => {
                for (i, c) in a.iter_mut().enumerate() {
                    prefix.push(i.to_string());
                    take_rec(c, rest, prefix, out);
                    prefix.pop();
                }
            }
            _ => {}
        }
    } else if let Some(c) = child_mut(v, first) {
        prefix.push((*first).to_owned());
        take_rec(c, rest, prefix, out);
        prefix.pop();
    }
}

/// The destination path with each `*` replaced by the source's concrete
/// segment at the same position.
fn substitute(to: &[&str], concrete: &[String]) -> Vec<String> {
    to.iter()
        .enumerate()
        .map(|(i, s)| {
            if *s == "*" {
                concrete.get(i).cloned().unwrap_or_default()
            } else {
                (*s).to_owned()
            }
        })
        .collect()
}

/// The slot at `path`, creating intermediate objects; `None` when a step
/// goes through a scalar.
fn slot<'v>(root: &'v mut Value, path: &[String]) -> Option<&'v mut Value> {
    let mut cur = root;
    for k in path {
        cur = match cur {
            Value::Object(m) => m.entry(k.clone()).or_insert(Value::Null),
            Value::Array(a) => a.get_mut(k.parse::<usize>().ok()?)?,
            Value::Null => {
                *cur = Value::Object(Map::new());
                match cur {
                    Value::Object(m) => m.entry(k.clone()).or_insert(Value::Null),
                    _ => return None,
                }
            }
            _ => return None,
        };
    }
    Some(cur)
}

fn put(root: &mut Value, path: &[String], v: Value) {
    if let Some(s) = slot(root, path) {
        *s = v;
    }
}

fn append(root: &mut Value, path: &[String], v: Value) {
    let Some(s) = slot(root, path) else { return };
    let items = match v {
        Value::Array(a) => a,
        other => vec![other],
    };
    match s {
        Value::Array(a) => a.extend(items),
        Value::Null => *s = Value::Array(items),
        other => {
            let first = other.take();
            let mut a = vec![first];
            a.extend(items);
            *other = Value::Array(a);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::value::json;

    fn obj(v: Value) -> Map {
        match v {
            Value::Object(m) => m,
            _ => Map::new(),
        }
    }

    #[test]
    fn target_table() {
        let d = || obj(json!({"data": {"user": {"id": 1}, "n": 2}}));
        let table: &[(&[&str], Value)] = &[
            (&["data"], json!({"user": {"id": 1}, "n": 2})),
            (&["data", "user"], json!({"id": 1})),
            (&["data", "n"], json!({})),
            (&["nope"], json!({})),
        ];
        for (path, want) in table {
            assert_eq!(Value::Object(target(d(), path)), *want, "{path:?}");
        }
    }

    #[test]
    fn allow_deny_table() {
        let d = || obj(json!({"a": 1, "b": {"c": 2, "d": 3}, "e": [1], "f": 4}));
        let allow_rows: &[(&[&[&str]], Value)] = &[
            (&[&["a"]], json!({"a": 1})),
            (&[&["b", "c"], &["f"]], json!({"b": {"c": 2}, "f": 4})),
            (&[&["b", "x"]], json!({})),
            (&[&["a", "x"]], json!({})),
            (&[&["e"], &["b"]], json!({"b": {"c": 2, "d": 3}, "e": [1]})),
        ];
        for (paths, want) in allow_rows {
            let mut m = d();
            allow(&mut m, paths);
            assert_eq!(Value::Object(m), *want, "allow {paths:?}");
        }
        let deny_rows: &[(&[&str], Value)] = &[
            (&["a"], json!({"b": {"c": 2, "d": 3}, "e": [1], "f": 4})),
            (
                &["b", "c"],
                json!({"a": 1, "b": {"d": 3}, "e": [1], "f": 4}),
            ),
            (
                &["a", "x"],
                json!({"a": 1, "b": {"c": 2, "d": 3}, "e": [1], "f": 4}),
            ),
            (
                &["zz"],
                json!({"a": 1, "b": {"c": 2, "d": 3}, "e": [1], "f": 4}),
            ),
        ];
        for (path, want) in deny_rows {
            let mut m = d();
            deny(&mut m, path);
            assert_eq!(Value::Object(m), *want, "deny {path:?}");
        }
    }

    #[test]
    fn mapping_keeps_positions() {
        let m = mapping(
            obj(json!({"a": 1, "b": 2, "c": 3})),
            &[("b", "bee"), ("zz", "y")],
        );
        assert_eq!(Value::Object(m).to_string(), r#"{"a":1,"bee":2,"c":3}"#);
    }

    #[test]
    fn flatmap_table() {
        type Row = (Value, &'static [FlatmapOp], Value);
        let table: &[Row] = &[
            (
                json!({"a": 1, "b": 2}),
                &[FlatmapOp::Move {
                    from: &["a"],
                    to: &["x"],
                }],
                json!({"b": 2, "x": 1}),
            ),
            (
                json!({"users": [{"id": 1, "pw": "s"}, {"id": 2, "pw": "t"}]}),
                &[FlatmapOp::Del {
                    path: &["users", "*", "pw"],
                }],
                json!({"users": [{"id": 1}, {"id": 2}]}),
            ),
            (
                json!({"users": [{"id": 1}, {"id": 2}]}),
                &[FlatmapOp::Move {
                    from: &["users", "*", "id"],
                    to: &["users", "*", "uid"],
                }],
                json!({"users": [{"uid": 1}, {"uid": 2}]}),
            ),
            (
                json!({"data": {"deep": {"v": 1}}}),
                &[FlatmapOp::Move {
                    from: &["data", "deep", "v"],
                    to: &["v"],
                }],
                json!({"data": {"deep": {}}, "v": 1}),
            ),
            (
                json!({"a": [1, 2], "b": [3]}),
                &[FlatmapOp::Append {
                    from: &["a"],
                    to: &["b"],
                }],
                json!({"b": [3, 1, 2]}),
            ),
            (
                json!({"a": [1], "b": [3, 4, 5]}),
                &[
                    FlatmapOp::Del { path: &["b", "1"] },
                    FlatmapOp::Append {
                        from: &["a"],
                        to: &["n"],
                    },
                ],
                json!({"b": [3, 5], "n": [1]}),
            ),
            (
                json!({"a": {"x": 1, "y": 2}}),
                &[FlatmapOp::Del { path: &["a", "*"] }],
                json!({"a": {}}),
            ),
        ];
        for (input, ops, want) in table {
            let mut m = obj(input.clone());
            flatmap(&mut m, ops);
            assert_eq!(Value::Object(m), *want, "{input} {ops:?}");
        }
    }
}
