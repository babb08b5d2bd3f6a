//! Backend decoders and endpoint renderers (research/krakend-semantics.md
//! §c.2): a backend body becomes an object (`Map`), the merged object
//! becomes the client's body.

pub mod passthrough;
pub mod xml;
pub mod yaml;

use crate::value::{Map, Value};
use bytes::Bytes;

use crate::spec::{self, Encoding, OutputEncoding};

/// Why a backend body could not be decoded.
#[derive(Debug)]
pub struct DecodeError(pub String);

/// Gunzips a whole body (`Content-Encoding: gzip`), refusing to inflate
/// it past `limit` bytes (a body that would is an error, not a truncation).
pub fn gunzip(body: &[u8], limit: u64) -> Result<Vec<u8>, DecodeError> {
    let mut g = Gunzip::new(limit);
    for piece in body.chunks(Gunzip::STEP) {
        g.push(piece)?;
    }
    g.finish()
}

/// An incremental gunzip whose output is capped: bytes go in as they
/// arrive ([`Gunzip::push`], at most [`Gunzip::STEP`] compressed bytes at a
/// time, so one call inflates at most about 64 KiB), and the inflation stops
/// with an error once the output would pass the cap. A gzip bomb therefore
/// costs the cap in memory and, between pushes, the caller can yield to
/// its runtime and notice its deadline.
pub struct Gunzip {
    inner: flate2::write::MultiGzDecoder<Capped>,
}

impl std::fmt::Debug for Gunzip {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Gunzip")
            .field("out", &self.inner.get_ref().len)
            .field("limit", &self.inner.get_ref().limit)
            .finish()
    }
}

/// The decoder's output, refusing to grow past `limit`. It grows in chunks
/// that are never moved: a small first one doubling up to
/// [`Capped::CHUNK`], then chunks of that size, so that what it holds is
/// what it counts ([`Gunzip::held`]) and a growing body never has its old
/// and new buffers alive at once (a doubling `Vec` at 32 MiB would briefly
/// hold 96).
struct Capped {
    /// Full chunks, in order.
    done: Vec<Vec<u8>>,
    /// The chunk being filled.
    out: Vec<u8>,
    /// Bytes written, over every chunk.
    len: usize,
    /// The capacity of the full chunks.
    done_capacity: usize,
    limit: u64,
    over: bool,
}

impl Capped {
    /// The size chunks grow to (and stay at).
    const CHUNK: usize = 1 << 20;

    /// Makes room for `at_least` more bytes in the current chunk, starting
    /// a new one when it is full.
    fn room(&mut self, at_least: usize) {
        let free = self.out.capacity() - self.out.len();
        if free >= at_least.min(Capped::CHUNK) && free > 0 {
            return;
        }
        if self.out.len() == self.out.capacity() && !self.out.is_empty() {
            self.done_capacity += self.out.capacity();
            self.done.push(std::mem::take(&mut self.out));
        }
        let next = if self.done.is_empty() {
            // The first chunk doubles (small bodies stay small).
            (self.out.capacity() * 2)
                .max(8 * 1024)
                .max(self.out.len() + at_least)
                .min(Capped::CHUNK.max(self.out.len() + at_least))
        } else {
            Capped::CHUNK
        };
        self.out.reserve_exact(next - self.out.len());
    }
}

impl std::io::Write for Capped {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        if (self.len + buf.len()) as u64 > self.limit {
            self.over = true;
            return Err(std::io::Error::other("over the limit"));
        }
        let mut rest = buf;
        while !rest.is_empty() {
            self.room(rest.len());
            let n = (self.out.capacity() - self.out.len()).min(rest.len());
            self.out.extend_from_slice(&rest[..n]);
            rest = &rest[n..];
        }
        self.len += buf.len();
        Ok(buf.len())
    }
    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

impl Gunzip {
    /// The most compressed bytes one [`Gunzip::push`] takes: DEFLATE
    /// inflates at most 1032:1, so about 64 KiB of output a step, a fraction
    /// of a millisecond (a caller that yields between steps keeps a bomb's
    /// turns that short; 1 KiB steps were 3–17 ms of inflation each).
    pub const STEP: usize = 64;

    /// A decoder whose output may hold at most `limit` bytes.
    pub fn new(limit: u64) -> Gunzip {
        Gunzip {
            inner: flate2::write::MultiGzDecoder::new(Capped {
                done: Vec::new(),
                out: Vec::new(),
                len: 0,
                done_capacity: 0,
                limit,
                over: false,
            }),
        }
    }

    /// Inflates `piece` (callers split their input in [`Gunzip::STEP`]s).
    pub fn push(&mut self, piece: &[u8]) -> Result<(), DecodeError> {
        use std::io::Write as _;
        self.inner.write_all(piece).map_err(|e| self.error(&e))
    }

    /// Bytes inflated so far.
    pub fn len(&self) -> usize {
        self.inner.get_ref().len
    }

    /// Bytes the inflated output holds (its chunks' capacity).
    pub fn held(&self) -> usize {
        let c = self.inner.get_ref();
        c.done_capacity + c.out.capacity()
    }

    /// Whether nothing was inflated yet.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// Ends the stream: the whole output, or why it is not a gzip body.
    pub fn finish(mut self) -> Result<Vec<u8>, DecodeError> {
        if let Err(e) = self.inner.try_finish() {
            return Err(self.error(&e));
        }
        let c = self.inner.get_mut();
        let last = std::mem::take(&mut c.out);
        if c.done.is_empty() {
            return Ok(last);
        }
        let mut all = Vec::with_capacity(c.len);
        for chunk in c.done.drain(..) {
            all.extend_from_slice(&chunk);
        }
        all.extend_from_slice(&last);
        Ok(all)
    }

    fn error(&self, e: &std::io::Error) -> DecodeError {
        if self.inner.get_ref().over {
            DecodeError(format!(
                "gzip: the body inflates past {} bytes",
                self.inner.get_ref().limit
            ))
        } else {
            DecodeError(format!("gzip: {e}"))
        }
    }

    /// Whether the last error was the cap (not a broken stream).
    pub fn over_limit(&self) -> bool {
        self.inner.get_ref().over
    }
}

fn utf8(body: &[u8]) -> Result<&str, DecodeError> {
    std::str::from_utf8(body).map_err(|e| DecodeError(format!("not UTF-8: {e}")))
}

fn one_key(k: &str, v: Value) -> Map {
    let mut m = Map::with_capacity(1);
    m.insert(k.to_owned(), v);
    m
}

/// Decodes a backend body with the backend's encoding. `NoOp` bodies are
/// never decoded (the caller streams them); here they give an error.
pub fn decode(encoding: Encoding, is_collection: bool, body: &[u8]) -> Result<Map, DecodeError> {
    match encoding {
        Encoding::Json => {
            let v =
                crate::value::from_slice(body).map_err(|e| DecodeError(format!("json: {e}")))?;
            match (v, is_collection) {
                (Value::Object(m), false) => Ok(m),
                (Value::Array(a), true) => Ok(one_key("collection", Value::Array(a))),
                (_, false) => Err(DecodeError("json: the body is not an object".into())),
                (_, true) => Err(DecodeError("json: the body is not an array".into())),
            }
        }
        Encoding::SafeJson => {
            let v = crate::value::from_slice(body)
                .map_err(|e| DecodeError(format!("safejson: {e}")))?;
            Ok(match v {
                Value::Object(m) => m,
                a @ Value::Array(_) => one_key("collection", a),
                other => one_key("content", other),
            })
        }
        Encoding::String => Ok(one_key(
            "content",
            Value::String(String::from_utf8_lossy(body).into_owned()),
        )),
        Encoding::Xml => {
            let m = xml::decode(utf8(body)?).map_err(|e| DecodeError(format!("xml: {e}")))?;
            Ok(if is_collection {
                one_key("collection", Value::Object(m))
            } else {
                m
            })
        }
        Encoding::Rss => rss(utf8(body)?),
        Encoding::NoOp => Err(DecodeError("no-op bodies are streamed, not decoded".into())),
    }
}

/// The text of an element decoded by [`xml::decode`] (a string, or the
/// `#text` of an element with attributes).
fn text_of(v: Option<&Value>) -> Option<&str> {
    match v? {
        Value::String(s) => Some(s),
        Value::Object(m) => m.get("#text").and_then(Value::as_str),
        _ => None,
    }
}

fn as_list(v: Option<&Value>) -> Vec<&Value> {
    match v {
        Some(Value::Array(a)) => a.iter().collect(),
        Some(v) => vec![v],
        None => vec![],
    }
}

/// The `rss` decoder: the feed fields krakend-rss exposes (gofeed's
/// universal feed): `items`, `title`, `description`, `language`,
/// `copyright`, `published`, `updated`, `type`, `img_url`, `author`,
/// `categories`, `custom`. Items carry gofeed's non-empty fields among
/// `title`, `description`, `content`, `link`, `links`, `published`,
/// `updated`, `guid`, `categories`. RSS 2.0 and Atom are read.
fn rss(body: &str) -> Result<Map, DecodeError> {
    let doc = xml::decode(body).map_err(|e| DecodeError(format!("rss: {e}")))?;
    let s = |v: Option<&str>| Value::String(v.unwrap_or("").to_owned());
    let mut out = Map::new();
    let mut items = Vec::new();
    if let Some(Value::Object(channel)) = doc
        .get("rss")
        .and_then(|r| r.get("channel"))
        .or_else(|| doc.get("rdf:RDF").and_then(|r| r.get("channel")))
    {
        for it in as_list(channel.get("item")) {
            let mut item = Map::new();
            let mut put = |k: &str, v: Option<&str>| {
                if let Some(v) = v.filter(|v| !v.is_empty()) {
                    item.insert(k.to_owned(), Value::String(v.to_owned()));
                }
            };
            put("title", text_of(it.get("title")));
            put("description", text_of(it.get("description")));
            put("content", text_of(it.get("content:encoded")));
            put("link", text_of(it.get("link")));
            put("published", text_of(it.get("pubDate")));
            put("guid", text_of(it.get("guid")));
            if let Some(link) = text_of(it.get("link")) {
                item.insert(
                    "links".into(),
                    Value::Array(vec![Value::String(link.into())]),
                );
            }
            let cats: Vec<Value> = as_list(it.get("category"))
                .into_iter()
                .filter_map(|c| text_of(Some(c)).map(|t| Value::String(t.into())))
                .collect();
            if !cats.is_empty() {
                item.insert("categories".into(), Value::Array(cats));
            }
            items.push(Value::Object(item));
        }
        out.insert("items".into(), Value::Array(items));
        out.insert("author".into(), Value::Null);
        out.insert("categories".into(), Value::Null);
        out.insert("custom".into(), Value::Null);
        out.insert("copyright".into(), s(text_of(channel.get("copyright"))));
        out.insert("description".into(), s(text_of(channel.get("description"))));
        out.insert("type".into(), Value::String("rss".into()));
        out.insert("language".into(), s(text_of(channel.get("language"))));
        out.insert("title".into(), s(text_of(channel.get("title"))));
        out.insert("published".into(), s(text_of(channel.get("pubDate"))));
        out.insert("updated".into(), s(text_of(channel.get("lastBuildDate"))));
        if let Some(url) = channel.get("image").and_then(|i| text_of(i.get("url"))) {
            out.insert("img_url".into(), Value::String(url.into()));
        }
        return Ok(out);
    }
    if let Some(Value::Object(feed)) = doc.get("feed") {
        for it in as_list(feed.get("entry")) {
            let mut item = Map::new();
            let mut put = |k: &str, v: Option<&str>| {
                if let Some(v) = v.filter(|v| !v.is_empty()) {
                    item.insert(k.to_owned(), Value::String(v.to_owned()));
                }
            };
            put("title", text_of(it.get("title")));
            put("description", text_of(it.get("summary")));
            put("content", text_of(it.get("content")));
            let link = as_list(it.get("link"))
                .into_iter()
                .find_map(|l| l.get("-href").and_then(Value::as_str));
            put("link", link);
            put("published", text_of(it.get("published")));
            put("updated", text_of(it.get("updated")));
            put("guid", text_of(it.get("id")));
            if let Some(link) = link {
                item.insert(
                    "links".into(),
                    Value::Array(vec![Value::String(link.into())]),
                );
            }
            items.push(Value::Object(item));
        }
        out.insert("items".into(), Value::Array(items));
        out.insert("author".into(), Value::Null);
        out.insert("categories".into(), Value::Null);
        out.insert("custom".into(), Value::Null);
        out.insert("copyright".into(), s(text_of(feed.get("rights"))));
        out.insert("description".into(), s(text_of(feed.get("subtitle"))));
        out.insert("type".into(), Value::String("atom".into()));
        out.insert("language".into(), s(None));
        out.insert("title".into(), s(text_of(feed.get("title"))));
        out.insert("published".into(), s(None));
        out.insert("updated".into(), s(text_of(feed.get("updated"))));
        return Ok(out);
    }
    Err(DecodeError("rss: not an RSS or Atom feed".into()))
}

/// A rendered body and its content type.
#[derive(Debug)]
pub struct Rendered {
    /// `Content-Type`.
    pub content_type: &'static str,
    /// The body.
    pub body: Bytes,
}

/// `application/json; charset=utf-8` (gin's JSON render).
pub const JSON: &str = "application/json; charset=utf-8";
/// krakend-xml's render sets no charset.
const XML: &str = "application/xml";
/// gin 1.12's YAML render (goccy/go-yaml).
const YAML: &str = "application/yaml; charset=utf-8";
const TEXT: &str = "text/plain; charset=utf-8";

/// Serialises an object as compact JSON, numbers as they came.
pub fn json_map(m: &Map) -> Bytes {
    let mut out = Vec::with_capacity(256);
    crate::value::write_map(m, &mut out);
    Bytes::from(out)
}

fn json_value(v: &Value) -> Bytes {
    let mut out = Vec::with_capacity(256);
    crate::value::write_json(v, &mut out);
    Bytes::from(out)
}

/// Which concrete render `negotiate` picks for an `Accept` header: lura's
/// `negotiatedRender`, i.e. gin's `NegotiateFormat(application/json,
/// text/plain, application/xml, application/x-yaml)`. For each accepted
/// type in the header's order (parameters and q-values dropped, as gin's
/// `parseAccept` does) the first offer matches whose text the accepted type
/// is a prefix of, or that meets a `*` before the two differ; text/plain and
/// YAML render YAML; no match, an empty or absent header render JSON.
pub fn negotiate(accept: Option<&str>) -> OutputEncoding {
    const OFFERS: [(&str, OutputEncoding); 4] = [
        ("application/json", OutputEncoding::Json),
        ("text/plain", OutputEncoding::Yaml),
        ("application/xml", OutputEncoding::Xml),
        ("application/x-yaml", OutputEncoding::Yaml),
    ];
    let Some(accept) = accept else {
        return OutputEncoding::Json;
    };
    for part in accept.split(',') {
        // gin cuts at a `;` only when something stands before it.
        let part = match part.find(';') {
            Some(i) if i > 0 => &part[..i],
            _ => part,
        };
        let accepted = part.trim().as_bytes();
        if accepted.is_empty() {
            continue;
        }
        for (offer, enc) in OFFERS {
            let offer = offer.as_bytes();
            let mut i = 0;
            while i < accepted.len() && i < offer.len() {
                if accepted[i] == b'*' || offer[i] == b'*' {
                    return enc;
                }
                if accepted[i] != offer[i] {
                    break;
                }
                i += 1;
            }
            if i == accepted.len() {
                return enc;
            }
        }
    }
    OutputEncoding::Json
}

/// Renders the merged object for the client.
pub fn render(output: OutputEncoding, data: &Map, accept: Option<&str>) -> Rendered {
    match output {
        OutputEncoding::Json | OutputEncoding::NoOp => Rendered {
            content_type: JSON,
            body: json_map(data),
        },
        OutputEncoding::JsonCollection => Rendered {
            content_type: JSON,
            body: match data.get("collection") {
                Some(c @ Value::Array(_)) => json_value(c),
                _ => Bytes::from_static(b"[]"),
            },
        },
        OutputEncoding::String => Rendered {
            content_type: TEXT,
            body: match data.get("content") {
                Some(Value::String(s)) => Bytes::from(s.clone()),
                _ => Bytes::new(),
            },
        },
        OutputEncoding::Xml => Rendered {
            content_type: XML,
            body: Bytes::from(xml::encode(data)),
        },
        OutputEncoding::Yaml => Rendered {
            content_type: YAML,
            body: Bytes::from(yaml::encode(data)),
        },
        OutputEncoding::Negotiate => render(negotiate(accept), data, None),
    }
}

/// Materialises static spec data (`proxy.static`, error bodies) as a JSON
/// value, once at start-up. KrakenD reads its config's numbers as Go
/// `float64`s, so a number is written as `json.Marshal` writes that float
/// (`1.50` → `1.5`, `1e2` → `100`, a 30-digit integer → `1.2345678901234568e+29`);
/// a text that is not a JSON number, which the compiler never emits,
/// becomes a string.
pub fn to_json(v: &spec::Value) -> Value {
    match v {
        spec::Value::Null => Value::Null,
        spec::Value::Bool(b) => Value::Bool(*b),
        spec::Value::Number(n) => crate::value::Number::from_text(n)
            .and_then(|n| {
                let mut text = String::new();
                crate::security::jwt::go_json_float(n.as_f64(), &mut text);
                // An infinity (`1e400`) has no JSON text; Go's config
                // decoder refuses it, so the compiler never gets here.
                crate::value::Number::from_text(&text)
            })
            .map(Value::Number)
            .unwrap_or_else(|| Value::String((*n).to_owned())),
        spec::Value::String(s) => Value::String((*s).to_owned()),
        spec::Value::Array(a) => Value::Array(a.iter().map(to_json).collect()),
        spec::Value::Object(o) => Value::Object(
            o.iter()
                .map(|(k, v)| ((*k).to_owned(), to_json(v)))
                .collect(),
        ),
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
    fn decode_table() {
        type Row = (Encoding, bool, &'static str, Option<Value>);
        let table: &[Row] = &[
            (Encoding::Json, false, r#"{"a":1}"#, Some(json!({"a": 1}))),
            (Encoding::Json, false, "[1]", None),
            (
                Encoding::Json,
                true,
                "[1]",
                Some(json!({"collection": [1]})),
            ),
            (Encoding::Json, true, "{}", None),
            (Encoding::Json, false, "nope", None),
            (
                Encoding::SafeJson,
                false,
                "[1]",
                Some(json!({"collection": [1]})),
            ),
            (Encoding::SafeJson, false, "3", Some(json!({"content": 3}))),
            (
                Encoding::SafeJson,
                false,
                r#"{"b":2}"#,
                Some(json!({"b": 2})),
            ),
            (
                Encoding::String,
                false,
                "hi",
                Some(json!({"content": "hi"})),
            ),
            (
                Encoding::Xml,
                false,
                "<a><b>1</b></a>",
                Some(json!({"a": {"b": "1"}})),
            ),
            (
                Encoding::Xml,
                true,
                "<a>1</a>",
                Some(json!({"collection": {"a": "1"}})),
            ),
        ];
        for (enc, coll, body, want) in table {
            let got = decode(*enc, *coll, body.as_bytes()).ok().map(Value::Object);
            assert_eq!(got, *want, "{enc:?} {coll} {body}");
        }
    }

    #[test]
    fn rss_reads_a_feed() {
        let feed = r#"<?xml version="1.0"?><rss version="2.0"><channel><title>T</title>
            <description>D</description><language>en_us</language>
            <image><url>http://i/p.png</url></image>
            <item><title>A</title><link>http://a</link></item>
            <item><title>B</title></item></channel></rss>"#;
        let m = decode(Encoding::Rss, false, feed.as_bytes()).expect("rss");
        assert_eq!(m["type"], "rss");
        assert_eq!(m["title"], "T");
        assert_eq!(m["language"], "en_us");
        assert_eq!(m["img_url"], "http://i/p.png");
        assert_eq!(
            m["items"],
            json!([{"title": "A", "link": "http://a", "links": ["http://a"]}, {"title": "B"}])
        );
        assert!(decode(Encoding::Rss, false, b"").is_err());
    }

    #[test]
    fn render_table() {
        let data = obj(json!({"collection": [1, 2], "content": "txt", "a": {"b": 1}}));
        let table: &[(OutputEncoding, Option<&str>, &str, &str)] = &[
            (
                OutputEncoding::Json,
                None,
                JSON,
                r#"{"collection":[1,2],"content":"txt","a":{"b":1}}"#,
            ),
            (OutputEncoding::JsonCollection, None, JSON, "[1,2]"),
            (OutputEncoding::String, None, TEXT, "txt"),
            (
                OutputEncoding::Xml,
                None,
                XML,
                "<doc><collection>1</collection><collection>2</collection><content>txt</content><a><b>1</b></a></doc>",
            ),
            (
                OutputEncoding::Negotiate,
                Some("text/plain"),
                YAML,
                // lura decodes numbers as json.Number, which goccy quotes.
                "collection:\n- \"1\"\n- \"2\"\ncontent: txt\na:\n  b: \"1\"\n",
            ),
            (
                OutputEncoding::Negotiate,
                Some("application/xml;q=0.9, */*"),
                XML,
                "",
            ),
            (OutputEncoding::Negotiate, None, JSON, ""),
        ];
        for (enc, accept, ct, body) in table {
            let r = render(*enc, &data, *accept);
            assert_eq!(r.content_type, *ct, "{enc:?} {accept:?}");
            if !body.is_empty() {
                assert_eq!(r.body, body.as_bytes(), "{enc:?}");
            }
        }
        let empty = Map::new();
        assert_eq!(
            render(OutputEncoding::JsonCollection, &empty, None).body,
            "[]"
        );
        assert_eq!(render(OutputEncoding::String, &empty, None).body, "");
    }

    /// A deliberate difference (README): `proxy.static` numbers render in
    /// YAML quoted like a backend's `json.Number`, where KrakenD writes its
    /// config's float64s plain (`count: 42`).
    #[test]
    fn yaml_quotes_static_numbers_like_backend_numbers() {
        let data = spec::Value::Object(&[("count", spec::Value::Number("42"))]);
        let Value::Object(m) = to_json(&data) else {
            panic!("an object")
        };
        let r = render(OutputEncoding::Yaml, &m, None);
        assert_eq!(r.body, "count: \"42\"\n");
    }

    #[test]
    fn negotiate_table() {
        use OutputEncoding::{Json, Xml, Yaml};
        let table: &[(Option<&str>, OutputEncoding)] = &[
            (None, Json),
            (Some(""), Json),
            (Some("application/json; charset=utf-8"), Json),
            (Some("text/plain"), Yaml),
            (Some("application/x-yaml"), Yaml),
            // gin 1.12 offers only the x- type; `application/yaml` shares
            // no prefix with an offer.
            (Some("application/yaml"), Json),
            (Some("application/xml"), Xml),
            (Some("text/xml"), Json),
            // The header's order decides, q-values do not count.
            (Some("application/xml;q=0.1, application/json"), Xml),
            (Some("*/*"), Json),
            (Some("text/*"), Yaml),
            (Some("application/*"), Json),
            // A prefix of an offer matches it.
            (Some("application/x"), Xml),
            (Some("text"), Yaml),
            (Some("image/png, text/plain"), Yaml),
            (Some("image/png"), Json),
            (Some(" , ,application/xml"), Xml),
        ];
        for (accept, want) in table {
            assert_eq!(negotiate(*accept), *want, "{accept:?}");
        }
    }

    #[test]
    fn gzip_roundtrip() {
        use std::io::Write;
        let mut enc = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::fast());
        enc.write_all(br#"{"z":1}"#).expect("write");
        let gz = enc.finish().expect("finish");
        assert_eq!(gunzip(&gz, 7).expect("gunzip"), br#"{"z":1}"#);
        assert!(gunzip(b"plain", 100).is_err());
        // Truncated: an error, not a short body.
        assert!(gunzip(&gz[..gz.len() - 4], 100).is_err());
        // One byte over the cap: refused, and said so.
        let e = gunzip(&gz, 6).expect_err("over the cap");
        assert_eq!(e.0, "gzip: the body inflates past 6 bytes");
        // Two members are one body (Go's gzip reader and KrakenD agree).
        let two = [gz.clone(), gz].concat();
        assert_eq!(gunzip(&two, 14).expect("gunzip"), br#"{"z":1}{"z":1}"#);
        // Several MiB: the output grows in chunks that hold about what was
        // inflated (never a doubled buffer), and comes out whole.
        let big: Vec<u8> = (0..5 * 1024 * 1024 + 3).map(|i| (i % 251) as u8).collect();
        let mut enc = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::fast());
        enc.write_all(&big).expect("gzip");
        let gz = enc.finish().expect("gzip");
        let mut g = Gunzip::new(64 << 20);
        for piece in gz.chunks(Gunzip::STEP) {
            g.push(piece).expect("gunzip");
            assert!(
                g.held() <= g.len() + (1 << 20),
                "{} held for {}",
                g.held(),
                g.len()
            );
        }
        assert_eq!(g.finish().expect("finish"), big);
        assert!(gunzip(&two, 13).is_err());
    }

    #[test]
    fn a_gzip_bomb_stops_at_the_cap() {
        use std::io::Write;
        // 64 MiB of zeros in about 64 KiB: inflating stops at 1 MiB.
        let mut enc = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::best());
        let zeros = vec![0u8; 1 << 20];
        for _ in 0..64 {
            enc.write_all(&zeros).expect("write");
        }
        let gz = enc.finish().expect("finish");
        let mut g = Gunzip::new(1 << 20);
        let mut failed = false;
        for piece in gz.chunks(Gunzip::STEP) {
            if g.push(piece).is_err() {
                failed = true;
                break;
            }
        }
        assert!(failed && g.over_limit());
        assert!(g.len() <= 1 << 20);
    }

    #[test]
    fn static_values() {
        static V: spec::Value = spec::Value::Object(&[
            ("n", spec::Value::Number("1.50")),
            (
                "l",
                spec::Value::Array(&[spec::Value::Bool(true), spec::Value::Null]),
            ),
        ]);
        // Go's float64 text of the config's number.
        assert_eq!(to_json(&V).to_string(), r#"{"n":1.5,"l":[true,null]}"#);
        for (config, krakend) in [
            ("42", "42"),
            ("-0", "-0"),
            ("1e2", "100"),
            ("1E+2", "100"),
            ("0.0000001", "1e-7"),
            ("123456789012345678901234567890", "1.2345678901234568e+29"),
            ("1e21", "1e+21"),
            ("0.1000000000000000055511151231257827", "0.1"),
        ] {
            let v = to_json(&spec::Value::Number(config));
            assert_eq!(v.to_string(), krakend, "{config}");
        }
    }
}
