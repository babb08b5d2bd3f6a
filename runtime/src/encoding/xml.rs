//! XML ↔ JSON-like values, following clbanning/mxj (what krakend-xml uses):
//! decoding turns elements into keys (repeated elements into arrays),
//! attributes into `-name` keys and mixed text into `#text`; values stay
//! strings. Encoding is the inverse, with `<doc>` as the root when the
//! object does not have exactly one key.

use crate::value::{Map, Value};
use quick_xml::Reader;
use quick_xml::events::Event;

/// One open element while decoding.
struct Open {
    name: String,
    map: Map,
    text: String,
    has_children: bool,
}

/// Adds `v` under `k`, turning a repeated key into an array.
fn add(map: &mut Map, k: String, v: Value) {
    match map.get_mut(&k) {
        Some(Value::Array(a)) => a.push(v),
        Some(existing) => {
            let first = existing.take();
            *existing = Value::Array(vec![first, v]);
        }
        None => {
            map.insert(k, v);
        }
    }
}

fn close(o: Open) -> (String, Value) {
    let text = o.text.trim();
    let value = if o.map.is_empty() && !o.has_children {
        Value::String(text.to_owned())
    } else {
        let mut m = o.map;
        if !text.is_empty() {
            m.insert("#text".into(), Value::String(text.to_owned()));
        }
        Value::Object(m)
    };
    (o.name, value)
}

fn open(e: &quick_xml::events::BytesStart<'_>) -> Result<Open, String> {
    let name = e.name().as_ref().to_owned();
    let mut map = Map::new();
    for a in e.attributes() {
        let a = a.map_err(|e| e.to_string())?;
        let k = format!("-{}", a.key.as_ref());
        let v = a
            .normalized_value(quick_xml::XmlVersion::Implicit1_0)
            .map_err(|e| e.to_string())?;
        map.insert(k, Value::String(v.into_owned()));
    }
    Ok(Open {
        name,
        map,
        text: String::new(),
        has_children: false,
    })
}

/// Decodes an XML document into `{root: value}`.
pub fn decode(body: &str) -> Result<Map, String> {
    let mut reader = Reader::from_str(body);
    let mut stack: Vec<Open> = Vec::new();
    let mut root = Map::new();
    loop {
        match reader.read_event().map_err(|e| e.to_string())? {
            Event::Start(e) => stack.push(open(&e)?),
            Event::Empty(e) => {
                let (k, v) = close(open(&e)?);
                match stack.last_mut() {
                    Some(parent) => {
                        parent.has_children = true;
                        add(&mut parent.map, k, v);
                    }
                    None => add(&mut root, k, v),
                }
            }
            Event::End(_) => {
                let o = stack.pop().ok_or("unbalanced end tag")?;
                let (k, v) = close(o);
                match stack.last_mut() {
                    Some(parent) => {
                        parent.has_children = true;
                        add(&mut parent.map, k, v);
                    }
                    None => add(&mut root, k, v),
                }
            }
            Event::Text(t) => {
                if let Some(o) = stack.last_mut() {
                    o.text.push_str(&t.xml10_content());
                }
            }
            Event::CData(t) => {
                if let Some(o) = stack.last_mut() {
                    o.text.push_str(&t.xml10_content());
                }
            }
            Event::GeneralRef(r) => {
                let Some(o) = stack.last_mut() else { continue };
                if let Some(c) = r.resolve_char_ref().map_err(|e| e.to_string())? {
                    o.text.push(c);
                } else {
                    let named = match r.xml10_content().as_ref() {
                        "lt" => '<',
                        "gt" => '>',
                        "amp" => '&',
                        "apos" => '\'',
                        "quot" => '"',
                        other => return Err(format!("unknown entity `&{other};`")),
                    };
                    o.text.push(named);
                }
            }
            Event::Eof => break,
            Event::Comment(_) | Event::Decl(_) | Event::PI(_) | Event::DocType(_) => {}
        }
    }
    if !stack.is_empty() {
        return Err("unexpected end of document".into());
    }
    if root.is_empty() {
        return Err("no root element".into());
    }
    Ok(root)
}

fn escape_into(out: &mut String, s: &str) {
    for c in s.chars() {
        match c {
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '&' => out.push_str("&amp;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&apos;"),
            _ => out.push(c),
        }
    }
}

fn scalar_text(v: &Value, out: &mut String) {
    match v {
        Value::String(s) => escape_into(out, s),
        Value::Number(n) => out.push_str(n.as_str()),
        Value::Bool(b) => out.push_str(if *b { "true" } else { "false" }),
        Value::Null | Value::Array(_) | Value::Object(_) => {}
    }
}

fn element(out: &mut String, tag: &str, v: &Value) {
    match v {
        Value::Array(items) => {
            for item in items {
                element(out, tag, item);
            }
        }
        Value::Object(m) => {
            out.push('<');
            out.push_str(tag);
            for (k, v) in m {
                if let Some(attr) = k.strip_prefix('-') {
                    out.push(' ');
                    out.push_str(attr);
                    out.push_str("=\"");
                    scalar_text(v, out);
                    out.push('"');
                }
            }
            let children = m.iter().filter(|(k, _)| !k.starts_with('-'));
            if children.clone().next().is_none() {
                out.push_str("/>");
                return;
            }
            out.push('>');
            for (k, v) in children {
                if k == "#text" {
                    scalar_text(v, out);
                } else {
                    element(out, k, v);
                }
            }
            out.push_str("</");
            out.push_str(tag);
            out.push('>');
        }
        Value::Null => {
            out.push('<');
            out.push_str(tag);
            out.push_str("/>");
        }
        scalar => {
            out.push('<');
            out.push_str(tag);
            out.push('>');
            scalar_text(scalar, out);
            out.push_str("</");
            out.push_str(tag);
            out.push('>');
        }
    }
}

/// Encodes an object as XML.
pub fn encode(data: &Map) -> String {
    let mut out = String::with_capacity(256);
    match data.iter().next() {
        Some((k, v)) if data.len() == 1 && v.is_object() => element(&mut out, k, v),
        _ => {
            out.push_str("<doc>");
            for (k, v) in data {
                element(&mut out, k, v);
            }
            out.push_str("</doc>");
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::value::json;

    #[test]
    fn decode_table() {
        let table: &[(&str, Value)] = &[
            ("<a>1</a>", json!({"a": "1"})),
            (
                r#"<?xml version="1.0"?><user id="7"><name>Ann &amp; Bo</name><tag>x</tag><tag>y</tag></user>"#,
                json!({"user": {"-id": "7", "name": "Ann & Bo", "tag": ["x", "y"]}}),
            ),
            ("<a><b/></a>", json!({"a": {"b": ""}})),
            (r#"<a k="v">t</a>"#, json!({"a": {"-k": "v", "#text": "t"}})),
            ("<a><![CDATA[<x>]]></a>", json!({"a": "<x>"})),
        ];
        for (xml, want) in table {
            let got = decode(xml).expect(xml);
            assert_eq!(Value::Object(got), *want, "{xml}");
        }
        assert!(decode("<a>").is_err());
        assert!(decode("").is_err());
    }

    #[test]
    fn encode_table() {
        let table: &[(Value, &str)] = &[
            (
                json!({"a": {"content": "supu & tupu"}, "content": "tupu", "foo": 42}),
                "<doc><a><content>supu &amp; tupu</content></a><content>tupu</content><foo>42</foo></doc>",
            ),
            (
                json!({"user": {"-id": "7", "name": "x"}}),
                r#"<user id="7"><name>x</name></user>"#,
            ),
            (
                json!({"l": [1, 2], "n": null}),
                "<doc><l>1</l><l>2</l><n/></doc>",
            ),
        ];
        for (v, want) in table {
            let Value::Object(m) = v else { unreachable!() };
            assert_eq!(encode(m), *want);
        }
    }
}
