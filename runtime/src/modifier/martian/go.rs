//! The pieces of Go's `net/url`, `net/http`, `net` and `mime` that
//! martian's modifiers lean on, reproduced byte for byte where a client or
//! backend can see the difference: query parsing and encoding
//! (`url.ParseQuery`, `Values.Encode`), path escaping (`URL.EscapedPath`),
//! `net.SplitHostPort`, martian's `MatchHost`, cookie parsing, `Range`
//! splitting, the `multipart/byteranges` layout, `mime.TypeByExtension`'s
//! built-in table and `path.Clean`.

use std::borrow::Cow;

/// Hex digits as Go writes them in escapes (upper case).
const HEX: &[u8; 16] = b"0123456789ABCDEF";

fn unhex(b: u8) -> Option<u8> {
    match b {
        b'0'..=b'9' => Some(b - b'0'),
        b'a'..=b'f' => Some(b - b'a' + 10),
        b'A'..=b'F' => Some(b - b'A' + 10),
        _ => None,
    }
}

/// `url.QueryUnescape`: `+` is a space, `%XX` a byte; a bad escape fails.
fn query_unescape(s: &[u8]) -> Option<Vec<u8>> {
    let mut out = Vec::with_capacity(s.len());
    let mut i = 0;
    while i < s.len() {
        match s[i] {
            b'%' => {
                let hi = unhex(*s.get(i + 1)?)?;
                let lo = unhex(*s.get(i + 2)?)?;
                out.push(hi << 4 | lo);
                i += 3;
            }
            b'+' => {
                out.push(b' ');
                i += 1;
            }
            b => {
                out.push(b);
                i += 1;
            }
        }
    }
    Some(out)
}

/// `url.QueryEscape`: unreserved bytes kept, a space as `+`, the rest
/// `%XX`.
fn query_escape(s: &[u8], out: &mut String) {
    for &b in s {
        match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'_' | b'.' | b'~' => {
                out.push(char::from(b));
            }
            b' ' => out.push('+'),
            _ => {
                out.push('%');
                out.push(char::from(HEX[usize::from(b >> 4)]));
                out.push(char::from(HEX[usize::from(b & 15)]));
            }
        }
    }
}

/// `url.ParseQuery` (Go 1.17+): `&`-separated pairs, in order; a pair
/// with a `;` or a bad escape is dropped, as `URL.Query()` drops it.
pub fn parse_query(q: &str) -> Vec<(Vec<u8>, Vec<u8>)> {
    let mut out = Vec::new();
    for pair in q.as_bytes().split(|b| *b == b'&') {
        if pair.is_empty() || pair.contains(&b';') {
            continue;
        }
        let (k, v) = match pair.iter().position(|b| *b == b'=') {
            Some(i) => (&pair[..i], &pair[i + 1..]),
            None => (pair, &b""[..]),
        };
        if let (Some(k), Some(v)) = (query_unescape(k), query_unescape(v)) {
            out.push((k, v));
        }
    }
    out
}

/// `Values.Encode`: keys sorted, each key's values in order.
pub fn encode_query(pairs: &[(Vec<u8>, Vec<u8>)]) -> String {
    let mut keys: Vec<&[u8]> = pairs.iter().map(|(k, _)| k.as_slice()).collect();
    keys.sort_unstable();
    keys.dedup();
    let mut out = String::new();
    for k in keys {
        for (_, v) in pairs.iter().filter(|(pk, _)| pk.as_slice() == k) {
            if !out.is_empty() {
                out.push('&');
            }
            query_escape(k, &mut out);
            out.push('=');
            query_escape(v, &mut out);
        }
    }
    out
}

/// `url.Values.Set(key, value)` on parsed pairs: every value of `key`
/// replaced by this one.
pub fn set_query(pairs: &mut Vec<(Vec<u8>, Vec<u8>)>, key: &str, value: &str) {
    pairs.retain(|(k, _)| k.as_slice() != key.as_bytes());
    pairs.push((key.as_bytes().to_vec(), value.as_bytes().to_vec()));
}

/// A path's bytes as `URL.Path` holds them: every `%XX` decoded (an
/// invalid one kept as written).
pub fn unescape_path(raw: &str) -> Cow<'_, str> {
    if !raw.contains('%') {
        return Cow::Borrowed(raw);
    }
    let b = raw.as_bytes();
    let mut out = Vec::with_capacity(b.len());
    let mut i = 0;
    while i < b.len() {
        if b[i] == b'%'
            && let (Some(hi), Some(lo)) = (
                b.get(i + 1).copied().and_then(unhex),
                b.get(i + 2).copied().and_then(unhex),
            )
        {
            out.push(hi << 4 | lo);
            i += 3;
            continue;
        }
        out.push(b[i]);
        i += 1;
    }
    Cow::Owned(String::from_utf8_lossy(&out).into_owned())
}

/// `URL.EscapedPath` of a path set by hand (`escape(path, encodePath)`):
/// unreserved bytes and `$&+,/:;=@` kept, everything else `%XX`.
pub fn escape_path(path: &str) -> String {
    let mut out = String::with_capacity(path.len());
    for &b in path.as_bytes() {
        if b.is_ascii_alphanumeric() || b"-_.~$&+,/:;=@".contains(&b) {
            out.push(char::from(b));
        } else {
            out.push('%');
            out.push(char::from(HEX[usize::from(b >> 4)]));
            out.push(char::from(HEX[usize::from(b & 15)]));
        }
    }
    out
}

/// `net.SplitHostPort`: `host:port` or `[v6]:port`; an error when the port
/// is missing or the colons are ambiguous.
pub fn split_host_port(hostport: &str) -> Result<(&str, &str), String> {
    let err = |why: &str| Err(format!("address {hostport}: {why}"));
    let Some(i) = hostport.rfind(':') else {
        return err("missing port in address");
    };
    let (host, port) = if let Some(rest) = hostport.strip_prefix('[') {
        let Some(end) = rest.find(']') else {
            return err("missing ']' in address");
        };
        // `]` (at `end + 1` in `hostport`) must be followed by the last `:`.
        if i != end + 2 {
            return err(if end + 1 == rest.len() {
                "missing port in address"
            } else {
                "too many colons in address"
            });
        }
        (&rest[..end], &hostport[i + 1..])
    } else {
        let host = &hostport[..i];
        if host.contains(':') {
            return err("too many colons in address");
        }
        (host, &hostport[i + 1..])
    };
    if host.contains(['[', ']']) || port.contains(['[', ']']) {
        return err("unexpected bracket in address");
    }
    Ok((host, port))
}

/// `net.JoinHostPort`: brackets around a host with a colon.
pub fn join_host_port(host: &str, port: &str) -> String {
    if host.contains(':') {
        format!("[{host}]:{port}")
    } else {
        format!("{host}:{port}")
    }
}

/// Go's `strconv.Atoi` for a port (`Atoi` accepts a sign).
pub fn atoi(s: &str) -> Result<i64, String> {
    let digits = s.strip_prefix(['+', '-']).unwrap_or(s);
    if digits.is_empty() || !digits.bytes().all(|b| b.is_ascii_digit()) {
        return Err(format!("strconv.Atoi: parsing {s:?}: invalid syntax"));
    }
    s.parse::<i64>()
        .map_err(|_| format!("strconv.Atoi: parsing {s:?}: value out of range"))
}

/// martian's `MatchHost`: equal, or `match`'s `*` labels standing for any
/// labels of `host`, compared from the right.
pub fn match_host(host: &str, pattern: &str) -> bool {
    if host.is_empty() {
        return false;
    }
    if host == pattern {
        return true;
    }
    let (h, m) = (host.as_bytes(), pattern.as_bytes());
    let mut hi = h.len() - 1;
    for mi in (0..m.len()).rev() {
        if m[mi] == b'*' {
            while hi > 0 && h[hi] != b'.' {
                hi -= 1;
            }
            if mi == 0 && hi == 0 {
                return true;
            }
            continue;
        }
        if h[hi] != m[mi] {
            return false;
        }
        if hi == 0 {
            return mi == 0;
        }
        hi -= 1;
    }
    false
}

/// A cookie name as `net/http` accepts it: a non-empty token.
fn is_cookie_name(s: &str) -> bool {
    !s.is_empty()
        && s.bytes()
            .all(|b| b.is_ascii_alphanumeric() || b"!#$%&'*+-.^_`|~".contains(&b))
}

/// `parseCookieValue(raw, true)`: quotes stripped, every byte a valid
/// cookie-value byte.
fn cookie_value(raw: &str) -> Option<&str> {
    let v = raw
        .strip_prefix('"')
        .and_then(|r| r.strip_suffix('"'))
        .unwrap_or(raw);
    v.bytes()
        .all(|b| (0x20..0x7f).contains(&b) && !b"\";\\".contains(&b))
        .then_some(v)
}

/// The cookies of `Cookie` header lines (`Request.Cookies`): `(name,
/// value)` pairs, invalid ones skipped.
pub fn request_cookies<'a>(lines: impl Iterator<Item = &'a str>) -> Vec<(&'a str, &'a str)> {
    let mut out = Vec::new();
    for line in lines {
        for part in line.split(';') {
            let part = part.trim_matches([' ', '\t']);
            if part.is_empty() {
                continue;
            }
            let (name, val) = part.split_once('=').unwrap_or((part, ""));
            if !is_cookie_name(name) {
                continue;
            }
            if let Some(v) = cookie_value(val) {
                out.push((name, v));
            }
        }
    }
    out
}

/// The cookies of `Set-Cookie` header lines (`Response.Cookies`): each
/// line's first `name=value`, invalid ones skipped.
pub fn response_cookies<'a>(lines: impl Iterator<Item = &'a str>) -> Vec<(&'a str, &'a str)> {
    let mut out = Vec::new();
    for line in lines {
        let first = line
            .trim_matches([' ', '\t'])
            .split(';')
            .next()
            .unwrap_or("");
        let Some((name, val)) = first.split_once('=') else {
            continue;
        };
        let name = name.trim_matches([' ', '\t']);
        if !is_cookie_name(name) {
            continue;
        }
        if let Some(v) = cookie_value(val.trim_matches([' ', '\t'])) {
            out.push((name, v));
        }
    }
    out
}

/// What a `Range` header asks of a body of `len` bytes, read the way
/// martian reads it (`strings.TrimLeft(h, "bytes=")`, split on `,` and
/// `-`, `start > end` refused).
#[derive(Debug, PartialEq, Eq)]
pub enum Ranges {
    /// `416 Requested Range Not Satisfiable`, with an empty body.
    Unsatisfiable,
    /// `206 Partial Content` with these inclusive ranges.
    Partial(Vec<(usize, usize)>),
}

/// The most ranges answered; beyond, a request is unsatisfiable (martian
/// has no limit: each range is a copy of up to the whole body).
pub const MAX_RANGES: usize = 64;

/// Parses a `Range` header for a body of `len` bytes.
///
/// Where martian differs from RFC 9110, it is followed (a missing `bytes=`
/// unit, any character of `bytes=` trimmed from the left). Where martian
/// would fail, gwc does what RFC 9110 says: an `end` at or past the body
/// is the last byte (`body.Modifier` panics there, `static.Modifier`
/// pads the answer with zeros), and a `start` past the body is
/// unsatisfiable.
pub fn parse_ranges(header: &str, len: usize) -> Result<Ranges, String> {
    let lower = header.to_ascii_lowercase();
    let spec = lower.trim_start_matches(['b', 'y', 't', 'e', 's', '=']);
    let mut out = Vec::new();
    for part in spec.split(',') {
        if out.len() == MAX_RANGES {
            return Ok(Ranges::Unsatisfiable);
        }
        let owned;
        let part = if part.ends_with('-') {
            owned = format!("{part}{}", len as i64 - 1);
            owned.as_str()
        } else {
            part
        };
        let pieces: Vec<&str> = part.split('-').collect();
        let [start, end] = pieces.as_slice() else {
            return Ok(Ranges::Unsatisfiable);
        };
        let start = atoi(start.trim())?;
        let end = atoi(end.trim())?;
        if start > end {
            return Ok(Ranges::Unsatisfiable);
        }
        let (Ok(start), Ok(end)) = (usize::try_from(start), usize::try_from(end)) else {
            return Ok(Ranges::Unsatisfiable);
        };
        if start >= len {
            return Ok(Ranges::Unsatisfiable);
        }
        out.push((start, end.min(len - 1)));
    }
    Ok(Ranges::Partial(out))
}

/// A `multipart/byteranges` body as Go's `multipart.Writer` writes it:
/// each part's headers sorted (`Content-Range`, then `Content-Type`).
pub fn byteranges(
    body: &[u8],
    ranges: &[(usize, usize)],
    content_type: &str,
    boundary: &str,
) -> Vec<u8> {
    let mut out = Vec::new();
    for (i, &(start, end)) in ranges.iter().enumerate() {
        let sep = if i == 0 { "" } else { "\r\n" };
        out.extend_from_slice(
            format!(
                "{sep}--{boundary}\r\nContent-Range: bytes {start}-{end}/{}\r\nContent-Type: {content_type}\r\n\r\n",
                body.len()
            )
            .as_bytes(),
        );
        out.extend_from_slice(body.get(start..=end).unwrap_or_default());
    }
    out.extend_from_slice(format!("\r\n--{boundary}--\r\n").as_bytes());
    out
}

/// `mime.TypeByExtension` with Go's built-in table only (Go also reads
/// the system's `mime.types` files, which differ between machines).
pub fn mime_type(path: &str) -> &'static str {
    let ext = match path.rfind('.') {
        Some(i) if !path[i..].contains('/') => &path[i..],
        _ => return "",
    };
    match ext.to_ascii_lowercase().as_str() {
        ".avif" => "image/avif",
        ".css" => "text/css; charset=utf-8",
        ".gif" => "image/gif",
        ".htm" | ".html" => "text/html; charset=utf-8",
        ".jpeg" | ".jpg" => "image/jpeg",
        ".js" | ".mjs" => "text/javascript; charset=utf-8",
        ".json" => "application/json",
        ".pdf" => "application/pdf",
        ".png" => "image/png",
        ".svg" => "image/svg+xml",
        ".wasm" => "application/wasm",
        ".webp" => "image/webp",
        ".xml" => "text/xml; charset=utf-8",
        _ => "",
    }
}

/// `path.Clean`: `.` and `..` resolved lexically, `//` collapsed; an
/// absolute path never climbs above `/`.
pub fn clean_path(p: &str) -> String {
    if p.is_empty() {
        return ".".into();
    }
    let rooted = p.starts_with('/');
    let mut parts: Vec<&str> = Vec::new();
    for seg in p.split('/') {
        match seg {
            "" | "." => {}
            ".." => {
                if parts.last().is_some_and(|l| *l != "..") {
                    parts.pop();
                } else if !rooted {
                    parts.push("..");
                }
            }
            s => parts.push(s),
        }
    }
    let joined = parts.join("/");
    match (rooted, joined.is_empty()) {
        (true, _) => format!("/{joined}"),
        (false, true) => ".".into(),
        (false, false) => joined,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn query_round_trip_is_gos() {
        let table = [
            ("b=2&a=1", "a=1&b=2"),
            ("a=1&a=0&b", "a=1&a=0&b="),
            ("q=a+b&x=%2C", "q=a+b&x=%2C"),
            ("q=a b,c", "q=a+b%2Cc"),
            ("bad=%zz&ok=1", "ok=1"),
            ("semi=1;x=2&ok=1", "ok=1"),
            ("", ""),
        ];
        for (input, want) in table {
            assert_eq!(encode_query(&parse_query(input)), want, "{input}");
        }
        let mut q = parse_query("z=1&amount=5&amount=6");
        set_query(&mut q, "amount", "75");
        assert_eq!(encode_query(&q), "amount=75&z=1");
    }

    #[test]
    fn paths() {
        assert_eq!(escape_path("/a b/ü?x"), "/a%20b/%C3%BC%3Fx");
        assert_eq!(escape_path("/a,b;c=d@e:f$g&h+i"), "/a,b;c=d@e:f$g&h+i");
        assert_eq!(unescape_path("/a%20b/%2F"), "/a b//");
        assert_eq!(clean_path("/a/../../b/./c//"), "/b/c");
        assert_eq!(clean_path("/.."), "/");
        assert_eq!(clean_path(""), ".");
        assert_eq!(clean_path("static/../x"), "x");
    }

    #[test]
    fn host_ports() {
        assert_eq!(split_host_port("h:80"), Ok(("h", "80")));
        assert_eq!(split_host_port("[::1]:80"), Ok(("::1", "80")));
        assert_eq!(split_host_port("h:"), Ok(("h", "")));
        assert!(split_host_port("h").is_err());
        assert!(split_host_port("a:b:c").is_err());
        assert!(split_host_port("[::1]").is_err());
        assert_eq!(join_host_port("::1", "8080"), "[::1]:8080");
        assert_eq!(atoi("+80"), Ok(80));
        assert!(atoi("8x").is_err());
    }

    #[test]
    fn hosts_match_as_martian() {
        let table = [
            ("example.com", "example.com", true),
            ("www.example.com", "*.example.com", true),
            // `*` stands for one label only.
            ("a.b.example.com", "*.example.com", false),
            ("example.com", "*.example.com", false),
            ("example.org", "*.example.com", false),
            ("", "*", false),
            ("h:8080", "h:8080", true),
        ];
        for (h, m, want) in table {
            assert_eq!(match_host(h, m), want, "{h} {m}");
        }
    }

    #[test]
    fn cookies() {
        let req = request_cookies(["a=1; b=\"2\"; bad name=3", "c="].into_iter());
        assert_eq!(req, [("a", "1"), ("b", "2"), ("c", "")]);
        let res = response_cookies(["s=v; Path=/; HttpOnly", "x"].into_iter());
        assert_eq!(res, [("s", "v")]);
    }

    #[test]
    fn ranges() {
        let p = |v: &[(usize, usize)]| Ok(Ranges::Partial(v.to_vec()));
        assert_eq!(parse_ranges("bytes=0-4", 10), p(&[(0, 4)]));
        assert_eq!(parse_ranges("bytes=5-", 10), p(&[(5, 9)]));
        assert_eq!(parse_ranges("bytes=0-1,3-4", 10), p(&[(0, 1), (3, 4)]));
        assert_eq!(parse_ranges("bytes=0-100", 10), p(&[(0, 9)]));
        assert_eq!(parse_ranges("bytes=4-2", 10), Ok(Ranges::Unsatisfiable));
        assert_eq!(parse_ranges("bytes=20-30", 10), Ok(Ranges::Unsatisfiable));
        assert_eq!(parse_ranges("bytes=1-2-3", 10), Ok(Ranges::Unsatisfiable));
        assert!(parse_ranges("bytes=-5", 10).is_err());
        assert_eq!(parse_ranges("bytes=0-", 0), Ok(Ranges::Unsatisfiable));
        let many = vec!["0-0"; MAX_RANGES + 1].join(",");
        assert_eq!(parse_ranges(&many, 10), Ok(Ranges::Unsatisfiable));
    }

    #[test]
    fn byteranges_layout_is_gos() {
        let body = byteranges(b"0123456789", &[(0, 1), (5, 6)], "text/plain", "B");
        assert_eq!(
            String::from_utf8_lossy(&body),
            "--B\r\nContent-Range: bytes 0-1/10\r\nContent-Type: text/plain\r\n\r\n01\
             \r\n--B\r\nContent-Range: bytes 5-6/10\r\nContent-Type: text/plain\r\n\r\n56\
             \r\n--B--\r\n"
        );
    }

    #[test]
    fn mime_types() {
        assert_eq!(mime_type("/x/health.json"), "application/json");
        assert_eq!(mime_type("/x/INDEX.HTML"), "text/html; charset=utf-8");
        assert_eq!(mime_type("/x.d/file"), "");
        assert_eq!(mime_type("/x/file.unknown"), "");
    }
}
