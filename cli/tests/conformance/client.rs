//! The request side of KrakenD CE's harness: Go's default `http.Client`,
//! reduced to what the specs exercise, over a blocking socket to
//! 127.0.0.1 only.
//!
//! What Go adds and the specs depend on: `User-Agent: Go-http-client/1.1`
//! unless the spec sets one (a backend behind `input_headers: ["*"]` sees
//! it); `Accept-Encoding: gzip`, with a gzip reply inflated and its
//! `Content-Encoding`/`Content-Length` dropped as Go's transport does;
//! `Content-Length: 0` on a POST, PUT or PATCH without a body; and redirects
//! followed (at most 10; 301–303 continue with GET and no body, 307/308
//! keep both) with a `Referer`.

use std::io::{BufRead, BufReader, Read, Write};
use std::net::TcpStream;

use crate::mock::canonical_header;
use crate::support::WAIT;

/// One request as the spec gives it, with its URL already pointed at the
/// gateway (`http://localhost:PORT/...`).
pub struct Request {
    pub method: String,
    pub url: String,
    /// In the spec's order; names as the spec writes them.
    pub headers: Vec<(String, String)>,
    pub body: Option<Vec<u8>>,
}

/// A response as Go's client hands it to the harness.
pub struct Response {
    pub status: u16,
    /// Canonical names (`textproto.CanonicalMIMEHeaderKey`), in arrival order.
    pub headers: Vec<(String, String)>,
    pub body: Vec<u8>,
}

impl Response {
    /// Every value of a header, as Go's `Header[key]`.
    pub fn values(&self, canonical: &str) -> Vec<&str> {
        self.headers
            .iter()
            .filter(|(k, _)| k == canonical)
            .map(|(_, v)| v.as_str())
            .collect()
    }
}

/// Sends `req` to `127.0.0.1:port` (whatever host its URL names) and
/// follows redirects as Go's client does.
pub fn send(port: u16, req: Request) -> Result<Response, String> {
    send_with(port, req, true)
}

/// [`send`], without following redirects when `follow` is false.
pub fn send_with(port: u16, mut req: Request, follow: bool) -> Result<Response, String> {
    for _ in 0..=10 {
        let resp = once(port, &req)?;
        let location = resp.values("Location").first().map(|l| l.to_string());
        let redirect = matches!(resp.status, 301 | 302 | 303 | 307 | 308);
        let (true, true, Some(location)) = (follow, redirect, location) else {
            return Ok(resp);
        };
        let referer = req.url.clone();
        req.url = resolve(&req.url, &location)?;
        if matches!(resp.status, 301..=303) && req.method != "HEAD" {
            req.method = "GET".into();
            req.body = None;
        }
        req.headers
            .retain(|(k, _)| !k.eq_ignore_ascii_case("referer"));
        req.headers.push(("Referer".into(), referer));
    }
    Err("stopped after 10 redirects".into())
}

/// A `Location` resolved against the URL it answered.
fn resolve(base: &str, location: &str) -> Result<String, String> {
    if location.starts_with("http://") {
        return Ok(location.to_owned());
    }
    let (origin, _) = split_url(base)?;
    if location.starts_with('/') {
        return Ok(format!("http://{origin}{location}"));
    }
    Err(format!(
        "relative Location {location:?} is not used by any spec"
    ))
}

/// `http://host:port/path?q` → (`host:port`, `/path?q`).
pub fn split_url(url: &str) -> Result<(&str, &str), String> {
    let rest = url
        .strip_prefix("http://")
        .ok_or_else(|| format!("not an http:// URL: {url}"))?;
    Ok(match rest.find('/') {
        Some(i) => (&rest[..i], &rest[i..]),
        None => (rest, "/"),
    })
}

fn once(port: u16, req: &Request) -> Result<Response, String> {
    let (authority, target) = split_url(&req.url)?;
    let mut stream = TcpStream::connect(("127.0.0.1", port)).map_err(|e| e.to_string())?;
    stream
        .set_read_timeout(Some(WAIT))
        .map_err(|e| e.to_string())?;
    let has = |name: &str| {
        req.headers
            .iter()
            .any(|(k, _)| k.eq_ignore_ascii_case(name))
    };
    let host = req
        .headers
        .iter()
        .find(|(k, _)| k.eq_ignore_ascii_case("host"))
        .map_or(authority, |(_, v)| v.as_str());
    let mut head = format!("{} {target} HTTP/1.1\r\nHost: {host}\r\n", req.method);
    if !has("user-agent") {
        head.push_str("User-Agent: Go-http-client/1.1\r\n");
    }
    for (k, v) in req
        .headers
        .iter()
        .filter(|(k, _)| !k.eq_ignore_ascii_case("host"))
    {
        head.push_str(&format!("{}: {v}\r\n", canonical_header(k)));
    }
    let body = req.body.as_deref().unwrap_or_default();
    if req.body.is_some() || matches!(req.method.as_str(), "POST" | "PUT" | "PATCH") {
        head.push_str(&format!("Content-Length: {}\r\n", body.len()));
    }
    let gunzip = !has("accept-encoding") && !has("range") && req.method != "HEAD";
    if gunzip {
        head.push_str("Accept-Encoding: gzip\r\n");
    }
    head.push_str("\r\n");
    stream
        .write_all(head.as_bytes())
        .and_then(|()| stream.write_all(body))
        .map_err(|e| e.to_string())?;
    let mut resp = read_response(&mut BufReader::new(stream), req.method == "HEAD")?;
    let gzipped = resp
        .values("Content-Encoding")
        .first()
        .is_some_and(|ce| ce.eq_ignore_ascii_case("gzip"));
    if gunzip && gzipped {
        let mut inflated = Vec::new();
        flate2::read::GzDecoder::new(&resp.body[..])
            .read_to_end(&mut inflated)
            .map_err(|e| format!("bad gzip body: {e}"))?;
        resp.body = inflated;
        resp.headers
            .retain(|(k, _)| k != "Content-Encoding" && k != "Content-Length");
    }
    Ok(resp)
}

fn read_response(reader: &mut impl BufRead, head_only: bool) -> Result<Response, String> {
    let mut line = String::new();
    reader.read_line(&mut line).map_err(|e| e.to_string())?;
    let status = line
        .split_whitespace()
        .nth(1)
        .and_then(|s| s.parse().ok())
        .ok_or_else(|| format!("bad status line {line:?}"))?;
    let mut headers = Vec::new();
    loop {
        let mut line = String::new();
        if reader.read_line(&mut line).map_err(|e| e.to_string())? == 0 {
            return Err("connection closed in the response head".into());
        }
        let line = line.trim_end_matches(['\r', '\n']);
        if line.is_empty() {
            break;
        }
        let (k, v) = line
            .split_once(':')
            .ok_or_else(|| format!("bad header line {line:?}"))?;
        headers.push((canonical_header(k.trim()), v.trim().to_owned()));
    }
    let find = |n: &str| headers.iter().find(|(k, _)| k == n).map(|(_, v)| v.clone());
    let mut body = Vec::new();
    if head_only || status == 204 || status == 304 {
        // No body.
    } else if find("Transfer-Encoding").is_some_and(|t| t.eq_ignore_ascii_case("chunked")) {
        loop {
            let mut size = String::new();
            reader.read_line(&mut size).map_err(|e| e.to_string())?;
            let size = usize::from_str_radix(size.trim().split(';').next().unwrap_or(""), 16)
                .map_err(|_| format!("bad chunk size line {size:?}"))?;
            if size == 0 {
                let mut trailer = String::new();
                while reader.read_line(&mut trailer).map_err(|e| e.to_string())? > 2 {
                    trailer.clear();
                }
                break;
            }
            let mut chunk = vec![0; size + 2];
            reader.read_exact(&mut chunk).map_err(|e| e.to_string())?;
            chunk.truncate(size);
            body.extend(chunk);
        }
    } else if let Some(len) = find("Content-Length") {
        let len: usize = len
            .parse()
            .map_err(|_| format!("bad Content-Length {len:?}"))?;
        body = vec![0; len];
        reader.read_exact(&mut body).map_err(|e| e.to_string())?;
    } else {
        reader.read_to_end(&mut body).map_err(|e| e.to_string())?;
    }
    // Go's transport hides these from `resp.Header`.
    headers.retain(|(k, _)| k != "Transfer-Encoding");
    Ok(Response {
        status,
        headers,
        body,
    })
}
