//! The own HTTP/1.1 client against hyper's `client::conn::http1` on the
//! same upstream bytes (research §4.7(c)): the response-stream cases of the
//! smuggling list (§4.7(e)), the plain cases, and a seeded generator of
//! Content-Length / Transfer-Encoding / Connection combinations, chunk
//! sizes and single-byte mutations. The harness and the normalised outcome
//! are in `support/h1_diff.rs` (shared with the fuzz target
//! `h1_diff_hyper`).
//!
//! Every difference must be explained: a listed case id in
//! `http1_diff_allow.txt` (which must then really differ, and only the way
//! a stricter client can: own rejects and hyper accepts, or own does not
//! reuse where hyper does), or, for
//! generated cases, a [`Class`] of the reply (the own client's stated
//! strictness, §4.7(c)). Any other difference fails with both outcomes.
#![allow(missing_docs, clippy::unwrap_used)]

#[path = "support/h1_diff.rs"]
mod h1_diff;

use std::collections::BTreeMap;

use h1_diff::{Class, Outcome, allowed, classes, compare, stricter};

/// The ids listed in `http1_diff_allow.txt` (`id  reason`; `#` comments).
fn allow_list() -> BTreeMap<String, String> {
    include_str!("http1_diff_allow.txt")
        .lines()
        .map(str::trim)
        .filter(|l| !l.is_empty() && !l.starts_with('#'))
        .map(|l| {
            let (id, reason) = l.split_once(char::is_whitespace).unwrap_or((l, ""));
            (id.to_string(), reason.trim().to_string())
        })
        .collect()
}

/// One fixed case: id, HEAD or not, the reply to the first request.
struct Case {
    id: &'static str,
    head: bool,
    reply: Vec<u8>,
}

fn case(id: &'static str, reply: &[u8]) -> Case {
    Case {
        id,
        head: false,
        reply: reply.to_vec(),
    }
}

fn head_case(id: &'static str, reply: &[u8]) -> Case {
    Case {
        id,
        head: true,
        reply: reply.to_vec(),
    }
}

/// A 200 over HTTP/1.1 with these field lines and this body.
fn r11(fields: &str, body: &str) -> Vec<u8> {
    format!("HTTP/1.1 200 OK\r\n{fields}\r\n{body}").into_bytes()
}

/// The fixed cases. S36 (unsolicited bytes on an idle pooled connection)
/// and S39 (an answer before the request body is written) are about IO
/// timing, not about the bytes of one answer, and are covered by
/// `http1_client.rs` (`s36_…`, `s39_…`); they are not here.
fn cases() -> Vec<Case> {
    let chunked = "5\r\nhello\r\n0\r\n\r\n";
    let mut v = vec![
        // ---- plain cases ----
        case("plain-cl", &r11("Content-Length: 5\r\n", "hello")),
        case(
            "plain-chunked",
            &r11("Transfer-Encoding: chunked\r\n", chunked),
        ),
        case(
            "plain-chunked-trailers",
            &r11(
                "Transfer-Encoding: chunked\r\n",
                "5\r\nhello\r\n0\r\nX-T: 1\r\n\r\n",
            ),
        ),
        case("plain-close-delimited-11", &r11("X-A: 1\r\n", "hello")),
        case(
            "plain-close-delimited-10",
            b"HTTP/1.0 200 OK\r\nX-A: 1\r\n\r\nhello",
        ),
        case(
            "plain-10-cl",
            b"HTTP/1.0 200 OK\r\nContent-Length: 5\r\n\r\nhello",
        ),
        case(
            "plain-10-keep-alive",
            b"HTTP/1.0 200 OK\r\nConnection: keep-alive\r\nContent-Length: 5\r\n\r\nhello",
        ),
        head_case("plain-head", &r11("Content-Length: 5\r\n", "")),
        head_case(
            "plain-head-chunked",
            &r11("Transfer-Encoding: chunked\r\n", ""),
        ),
        case("plain-204", b"HTTP/1.1 204 No Content\r\nX-A: 1\r\n\r\n"),
        case("plain-304", b"HTTP/1.1 304 Not Modified\r\nETag: \"x\"\r\n\r\n"),
        case(
            "plain-100-then-200",
            b"HTTP/1.1 100 Continue\r\n\r\nHTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nhi",
        ),
        case(
            "plain-connection-close",
            &r11("Connection: close\r\nContent-Length: 5\r\n", "hello"),
        ),
        case(
            "plain-keep-alive-close",
            &r11(
                "Connection: keep-alive, close\r\nContent-Length: 5\r\n",
                "hello",
            ),
        ),
        case(
            "plain-second-connection-line-close",
            &r11(
                "Connection: keep-alive\r\nConnection: close\r\nContent-Length: 5\r\n",
                "hello",
            ),
        ),
        case(
            "plain-hop-by-hop",
            &r11(
                "Connection: x-foo\r\nX-Foo: 1\r\nKeep-Alive: timeout=5\r\nX-Bar: 2\r\nContent-Length: 0\r\n",
                "",
            ),
        ),
        case(
            "plain-repeated-fields",
            &r11(
                "Set-Cookie: a=1\r\nSet-Cookie: b=2\r\nX-Empty:\r\nContent-Length: 0\r\n",
                "",
            ),
        ),
        case("plain-bare-lf-head", b"HTTP/1.1 200 OK\nContent-Length: 2\n\nhi"),
        case("plain-404", b"HTTP/1.1 404 Not Found\r\nContent-Length: 1\r\n\r\nx"),
        // ---- §4.7(e) ----
        case(
            "S1",
            &r11("Content-Length: 5\r\nTransfer-Encoding: chunked\r\n", chunked),
        ),
        case(
            "S2",
            &r11("Transfer-Encoding: chunked\r\nContent-Length: 5\r\n", chunked),
        ),
        case(
            "S3",
            &r11("Content-Length: 5\r\nContent-Length: 6\r\n", "hello!"),
        ),
        case(
            "S4",
            &r11("Content-Length: 5\r\nContent-Length: 5\r\n", "hello"),
        ),
        case("S5", &r11("Content-Length: 5, 5\r\n", "hello")),
        case("S6", &r11("Content-Length: 5, 6\r\n", "hello!")),
        case("S7-plus", &r11("Content-Length: +5\r\n", "hello")),
        case("S7-minus", &r11("Content-Length: -5\r\n", "hello")),
        case("S7-hex", &r11("Content-Length: 0x5\r\n", "hello")),
        case("S7-decimal", &r11("Content-Length: 5.0\r\n", "hello")),
        case("S7-space", &r11("Content-Length: 5 5\r\n", "hello")),
        case("S7-empty", &r11("Content-Length: \r\n", "hello")),
        case(
            "S8",
            &r11("Content-Length: 99999999999999999999\r\n", "hello"),
        ),
        case("S9", &r11("Transfer-Encoding: chunked, chunked\r\n", chunked)),
        case("S10", &r11("Transfer-Encoding: gzip, chunked\r\n", chunked)),
        case("S11-identity", &r11("Transfer-Encoding: identity\r\n", "hello")),
        case("S11-gzip", &r11("Transfer-Encoding: gzip\r\n", "hello")),
        case(
            "S12",
            &r11(
                "Transfer-Encoding: gzip\r\nTransfer-Encoding: chunked\r\n",
                chunked,
            ),
        ),
        case("S13-xchunked", &r11("Transfer-Encoding: xchunked\r\n", chunked)),
        case("S13-param", &r11("Transfer-Encoding: chunked;x\r\n", chunked)),
        case("S13-comma", &r11("Transfer-Encoding: chunked ,\r\n", chunked)),
        case("S14", &r11("Transfer-Encoding : chunked\r\n", chunked)),
        case(
            "S15-te",
            &r11("Transfer-Encoding:\r\n chunked\r\n", chunked),
        ),
        case("S15-cl", &r11("Content-Length:\r\n 5\r\n", "hello")),
        case(
            "S16",
            format!("HTTP/1.0 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n{chunked}").as_bytes(),
        ),
        case("S17", &r11("X-A: a\rb\r\nContent-Length: 5\r\n", "hello")),
        case("S18-nul", &r11("X-A: a\0b\r\nContent-Length: 5\r\n", "hello")),
        case(
            "S18-ctl",
            &r11("X-A: a\x01b\r\nContent-Length: 5\r\n", "hello"),
        ),
        case(
            "S19",
            b"HTTP/1.1 204 No Content\r\nContent-Length: 5\r\n\r\nhello",
        ),
        case(
            "S20",
            format!("HTTP/1.1 204 No Content\r\nTransfer-Encoding: chunked\r\n\r\n{chunked}")
                .as_bytes(),
        ),
        case("S21", b"HTTP/1.1 304 Not Modified\r\nContent-Length: 5\r\n\r\n"),
        case(
            "S22",
            b"HTTP/1.1 304 Not Modified\r\nContent-Length: 5\r\n\r\nhello",
        ),
        head_case("S23", &r11("Content-Length: 5\r\n", "")),
        case(
            "S24",
            b"HTTP/1.1 103 Early Hints\r\nLink: </a>; rel=preload\r\n\r\nHTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nhi",
        ),
        case(
            "S25",
            b"HTTP/1.1 100 Continue\r\n\r\nHTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nhi",
        ),
        case(
            "S26",
            b"HTTP/1.1 101 Switching Protocols\r\nUpgrade: h2c\r\nConnection: upgrade\r\n\r\n",
        ),
        case("S27-09", b"hello world\r\n"),
        case("S27-12", b"HTTP/1.2 200 OK\r\nContent-Length: 2\r\n\r\nhi"),
        case("S27-20", b"HTTP/2.0 200 OK\r\nContent-Length: 2\r\n\r\nhi"),
        case("S27-lower", b"http/1.1 200 OK\r\nContent-Length: 2\r\n\r\nhi"),
        case(
            "S28-long",
            &r11(
                "Transfer-Encoding: chunked\r\n",
                "00000000000000005\r\nhello\r\n0\r\n\r\n",
            ),
        ),
        case(
            "S28-overflow",
            &r11(
                "Transfer-Encoding: chunked\r\n",
                "10000000000000000\r\nhello\r\n0\r\n\r\n",
            ),
        ),
        case(
            "S29",
            &r11("Transfer-Encoding: chunked\r\n", "5 0\r\nhello\r\n0\r\n\r\n"),
        ),
        case(
            "S30-lf",
            &r11(
                "Transfer-Encoding: chunked\r\n",
                "5;a=\nb\r\nhello\r\n0\r\n\r\n",
            ),
        ),
        case(
            "S30-cr",
            &r11(
                "Transfer-Encoding: chunked\r\n",
                "5;a=\rb\r\nhello\r\n0\r\n\r\n",
            ),
        ),
        case(
            "S30-ctl",
            &r11(
                "Transfer-Encoding: chunked\r\n",
                "5;a=\x01\r\nhello\r\n0\r\n\r\n",
            ),
        ),
        case(
            "S30-quote",
            &r11(
                "Transfer-Encoding: chunked\r\n",
                "5;a=\"b\r\nhello\r\n0\r\n\r\n",
            ),
        ),
        case(
            "S30-ok",
            &r11(
                "Transfer-Encoding: chunked\r\n",
                "5;a=b\r\nhello\r\n0\r\n\r\n",
            ),
        ),
        case(
            "S31",
            &r11("Transfer-Encoding: chunked\r\n", "5\r\nhelloXX0\r\n\r\n"),
        ),
        case(
            "S32",
            &r11("Transfer-Encoding: chunked\r\n", "5\r\nhello\r\n\r\n"),
        ),
        case(
            "S33-cl-trailer",
            &r11(
                "Transfer-Encoding: chunked\r\n",
                "5\r\nhello\r\n0\r\nContent-Length: 99\r\n\r\n",
            ),
        ),
        case(
            "S35",
            &r11("Content-Length: 5\r\n", "helloHTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nXX"),
        ),
        case("S37", &r11("Content-Length: 10\r\n", "hello")),
        case("S38", &r11("", "hello")),
    ];
    // ---- edge cases after hyper's and pingora's client tests ----
    let more: [(&'static str, &[u8]); 26] = [
        ("edge-no-reason", b"HTTP/1.1 200\r\nContent-Length: 2\r\n\r\nhi"),
        ("edge-empty-reason", b"HTTP/1.1 200 \r\nContent-Length: 2\r\n\r\nhi"),
        ("edge-obs-text-reason", b"HTTP/1.1 200 \xffk\r\nContent-Length: 2\r\n\r\nhi"),
        ("edge-status-999", b"HTTP/1.1 999 X\r\nContent-Length: 2\r\n\r\nhi"),
        ("edge-status-600", b"HTTP/1.1 600 X\r\nContent-Length: 2\r\n\r\nhi"),
        ("edge-status-2-digits", b"HTTP/1.1 20 X\r\nContent-Length: 2\r\n\r\nhi"),
        ("edge-leading-crlf", b"\r\nHTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nhi"),
        ("edge-cl-leading-zeros", b"HTTP/1.1 200 OK\r\nContent-Length: 002\r\n\r\nhi"),
        ("edge-cl-spaces", b"HTTP/1.1 200 OK\r\nContent-Length:   2  \r\n\r\nhi"),
        ("edge-te-upper", b"HTTP/1.1 200 OK\r\nTransfer-Encoding: Chunked\r\n\r\n2\r\nhi\r\n0\r\n\r\n"),
        ("edge-chunk-upper-hex", b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\nA\r\n0123456789\r\n0\r\n\r\n"),
        ("edge-chunk-size-space", b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n2 \r\nhi\r\n0\r\n\r\n"),
        ("edge-chunk-size-tab-ext", b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n2\t;a=b\r\nhi\r\n0\r\n\r\n"),
        ("edge-chunk-leading-zeros", b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n002\r\nhi\r\n000\r\n\r\n"),
        ("edge-chunked-stray", b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n2\r\nhi\r\n0\r\n\r\nXX"),
        ("edge-chunked-eof", b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n2\r\nhi\r\n"),
        ("edge-connection-upper", b"HTTP/1.1 200 OK\r\nConnection: Close\r\nContent-Length: 2\r\n\r\nhi"),
        ("edge-two-1xx", b"HTTP/1.1 102 Processing\r\n\r\nHTTP/1.1 103 Early Hints\r\nLink: </a>\r\n\r\nHTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nhi"),
        ("edge-205", b"HTTP/1.1 205 Reset Content\r\nContent-Length: 0\r\n\r\n"),
        ("edge-tab-in-value", b"HTTP/1.1 200 OK\r\nX-A: a\tb\r\nContent-Length: 2\r\n\r\nhi"),
        ("edge-obs-text-value", b"HTTP/1.1 200 OK\r\nX-A: \x80\xff\r\nContent-Length: 2\r\n\r\nhi"),
        ("edge-no-colon", b"HTTP/1.1 200 OK\r\nX-A\r\nContent-Length: 2\r\n\r\nhi"),
        ("edge-empty-name", b"HTTP/1.1 200 OK\r\n: v\r\nContent-Length: 2\r\n\r\nhi"),
        ("edge-trailer-fold", b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n2\r\nhi\r\n0\r\nX-T: a\r\n b\r\n\r\n"),
        ("edge-keep-alive-header", b"HTTP/1.1 200 OK\r\nKeep-Alive: timeout=5, max=100\r\nContent-Length: 2\r\n\r\nhi"),
        ("edge-10-no-cl-keep-alive", b"HTTP/1.0 200 OK\r\nConnection: keep-alive\r\n\r\nhi"),
    ];
    v.extend(more.iter().map(|(id, r)| case(id, r)));
    v.push(head_case(
        "edge-head-close-delimited",
        b"HTTP/1.1 200 OK\r\nX-A: 1\r\n\r\n",
    ));
    // S33: trailers over the cap (64 KiB of trailer fields).
    let mut big = String::from("5\r\nhello\r\n0\r\n");
    for i in 0..2000 {
        big.push_str(&format!("X-T{i}: {}\r\n", "t".repeat(40)));
    }
    big.push_str("\r\n");
    v.push(Case {
        id: "S33-over-cap",
        head: false,
        reply: r11("Transfer-Encoding: chunked\r\n", &big),
    });
    // S34: a chunk extension over 4 KiB.
    v.push(Case {
        id: "S34",
        head: false,
        reply: r11(
            "Transfer-Encoding: chunked\r\n",
            &format!("5;x={}\r\nhello\r\n0\r\n\r\n", "e".repeat(5000)),
        ),
    });
    // S40: a head over 64 KiB; a head with more than 100 fields.
    v.push(Case {
        id: "S40-bytes",
        head: false,
        reply: r11(
            &format!("X-Big: {}\r\nContent-Length: 0\r\n", "b".repeat(70_000)),
            "",
        ),
    });
    let many: String = (0..101).map(|i| format!("X-F{i}: v\r\n")).collect();
    v.push(Case {
        id: "S40-fields",
        head: false,
        reply: r11(&many, ""),
    });
    let fits: String = (0..99).map(|i| format!("X-F{i}: v\r\n")).collect();
    v.push(Case {
        id: "S40-fields-fit",
        head: false,
        reply: r11(&format!("{fits}Content-Length: 0\r\n"), ""),
    });
    v
}

fn show(o: &Outcome) -> String {
    format!("{o:?}")
}

#[test]
fn fixed_cases_agree_with_hyper_or_are_allow_listed() {
    let allow = allow_list();
    let mut failures = Vec::new();
    let mut seen = Vec::new();
    for c in cases() {
        let (own, hyper) = compare(c.head, &c.reply, usize::MAX);
        let differs = !own.same(&hyper);
        seen.push(c.id);
        match (differs, allow.get(c.id)) {
            (false, None) => {}
            (true, Some(_)) if stricter(&own, &hyper) => {}
            (true, Some(reason)) => failures.push(format!(
                "{}: allow-listed ({reason}) as the own client being stricter, but it is not\n  own:   {}\n  hyper: {}",
                c.id,
                show(&own),
                show(&hyper)
            )),
            (true, None) => failures.push(format!(
                "{}: the clients differ and the case is not allow-listed\n  own:   {}\n  hyper: {}",
                c.id,
                show(&own),
                show(&hyper)
            )),
            (false, Some(reason)) => failures.push(format!(
                "{}: allow-listed ({reason}) but the clients agree: remove it\n  both: {}",
                c.id,
                show(&own)
            )),
        }
    }
    for id in allow.keys() {
        if !seen.contains(&id.as_str()) {
            failures.push(format!("{id}: allow-listed but no such case"));
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}

/// SplitMix64: a fixed-seed generator (no dependency).
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }

    fn below(&mut self, n: usize) -> usize {
        (self.next() % n as u64) as usize
    }

    fn pick<'a, T>(&mut self, items: &'a [T]) -> &'a T {
        &items[self.below(items.len())]
    }
}

/// One generated reply: a random status, version, framing fields, body
/// (chunked in random sizes when a TE says so) and maybe trailing bytes;
/// then, half the time, one byte replaced.
fn generate(rng: &mut Rng) -> (bool, Vec<u8>, usize) {
    let head = rng.below(6) == 0;
    let version = *rng.pick(&["HTTP/1.1", "HTTP/1.1", "HTTP/1.0"]);
    let status = *rng.pick(&[200, 200, 200, 204, 304, 404, 500]);
    let body: Vec<u8> = (0..rng.below(40)).map(|i| b'a' + (i % 26) as u8).collect();
    let cl = *rng.pick(&[
        "none", "none", "exact", "short", "long", "twice", "list", "bad",
    ]);
    let te = *rng.pick(&[
        "none",
        "none",
        "none",
        "chunked",
        "chunked",
        "gzip, chunked",
        "identity",
        "two",
    ]);
    let conn = *rng.pick(&["none", "none", "close", "keep-alive", "keep-alive, close"]);
    let mut h = format!("{version} {status} X\r\n");
    if rng.below(4) == 0 {
        h = format!("{version} 100 Continue\r\n\r\n{h}");
    }
    let n = body.len();
    match cl {
        "exact" => h.push_str(&format!("Content-Length: {n}\r\n")),
        "short" => h.push_str(&format!("Content-Length: {}\r\n", n / 2)),
        "long" => h.push_str(&format!("Content-Length: {}\r\n", n + 3)),
        "twice" => h.push_str(&format!("Content-Length: {n}\r\nContent-Length: {n}\r\n")),
        "list" => h.push_str(&format!("Content-Length: {n}, {n}\r\n")),
        "bad" => h.push_str(&format!("Content-Length: +{n}\r\n")),
        _ => {}
    }
    match te {
        "none" => {}
        "two" => h.push_str("Transfer-Encoding: gzip\r\nTransfer-Encoding: chunked\r\n"),
        t => h.push_str(&format!("Transfer-Encoding: {t}\r\n")),
    }
    if conn != "none" {
        h.push_str(&format!("Connection: {conn}\r\n"));
    }
    h.push_str("X-Gen: 1\r\n\r\n");
    let mut out = h.into_bytes();
    if te != "none" && te != "identity" {
        let mut rest = &body[..];
        while !rest.is_empty() {
            let k = 1 + rng.below(rest.len().min(9));
            out.extend_from_slice(format!("{k:x}\r\n").as_bytes());
            out.extend_from_slice(&rest[..k]);
            out.extend_from_slice(b"\r\n");
            rest = &rest[k..];
        }
        out.extend_from_slice(b"0\r\n\r\n");
    } else {
        out.extend_from_slice(&body);
    }
    if rng.below(8) == 0 {
        out.extend_from_slice(b"junk");
    }
    if rng.below(2) == 0 {
        let i = rng.below(out.len());
        out[i] = *rng.pick(b" \t\r\n:0aA;,\x00\x7f\xff\"-+");
    }
    let step = *rng.pick(&[usize::MAX, usize::MAX, 1, 2, 3, 7, 16]);
    (head, out, step)
}

#[test]
fn generated_cases_agree_with_hyper_or_differ_by_an_allowed_class() {
    let mut rng = Rng(0x16d1_ff00_0000_0001);
    let mut failures = Vec::new();
    let mut by_class: BTreeMap<Vec<Class>, usize> = BTreeMap::new();
    // Both reject, both accept (and agree).
    let mut agree = [0usize; 2];
    let total = 2000;
    for n in 0..total {
        let (head, reply, step) = generate(&mut rng);
        let (own, hyper) = compare(head, &reply, step);
        if own.same(&hyper) {
            agree[usize::from(own.accepted())] += 1;
            continue;
        }
        let cls = classes(&reply);
        if allowed(&cls, &own, &hyper) {
            *by_class.entry(cls).or_default() += 1;
        } else {
            failures.push(format!(
                "case {n} (head: {head}, step: {step}) {:?}\n  classes: {cls:?}\n  own:   {}\n  hyper: {}",
                String::from_utf8_lossy(&reply),
                show(&own),
                show(&hyper)
            ));
        }
    }
    eprintln!(
        "{total} cases: {} both accept, {} both reject; allowed differences by class: {by_class:?}",
        agree[1], agree[0]
    );
    // The generator must reach both sides and the differences (else it tests
    // nothing).
    assert!(agree[0] > total / 20 && agree[1] > total / 20 && !by_class.is_empty());
    assert!(
        failures.is_empty(),
        "{} of {total} generated cases differ without an allowed class:\n{}",
        failures.len(),
        failures.join("\n")
    );
}

/// The committed seeds of the fuzz target `h1_diff_hyper`, replayed.
#[test]
fn h1_diff_hyper_seeds_replay() {
    let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../fuzz/corpus/h1_diff_hyper");
    let inputs: Vec<Vec<u8>> = std::fs::read_dir(&dir)
        .map(|d| {
            d.filter_map(Result::ok)
                .filter(|e| e.file_name().to_string_lossy().starts_with("seed-"))
                .filter_map(|e| std::fs::read(e.path()).ok())
                .collect()
        })
        .unwrap_or_default();
    assert!(
        inputs.len() >= 5,
        "the seeds are committed under {}",
        dir.display()
    );
    for input in &inputs {
        h1_diff::check(input);
    }
}
