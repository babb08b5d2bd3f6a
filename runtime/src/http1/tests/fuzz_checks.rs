//! The invariants the fuzz targets `h1_head` and `h1_chunked` check
//! (research/h1-upstream-client.md §4.7(d)), shared by the targets
//! (`fuzz/fuzz_targets/h1_*.rs` include this file with `#[path]`) and by
//! the stable tests that replay the committed seed corpora
//! ([`super`]). Paths go through `super::http1`, which each includer
//! provides (`crate::http1` here, `gw_runtime::http1` in the fuzz crate).
//! Violations panic: this is test code.

use bytes::BytesMut;

use super::http1::Reason;
use super::http1::chunked::{Chunk, ChunkedDecoder, ChunkedLimits};
use super::http1::framing::{self, Framing, FramingFacts};
use super::http1::head::{HeadLimits, MAX_FIELDS, Parsed, parse_response_head};

/// One step of parsing a stream of response heads.
#[derive(Debug, PartialEq, Eq)]
pub enum HeadEvent {
    Informational {
        status: u16,
        consumed: usize,
    },
    Final {
        status: u16,
        http11: bool,
        headers: Vec<(String, Vec<u8>)>,
        framing: Framing,
        keep_alive: bool,
        content_length: Option<u64>,
        consumed: usize,
        /// What followed the head in the input.
        rest: Vec<u8>,
    },
    /// The input ended inside a head.
    Partial,
    Reject(Reason),
}

const HOP_BY_HOP: [&str; 8] = [
    "connection",
    "keep-alive",
    "proxy-connection",
    "te",
    "trailer",
    "transfer-encoding",
    "upgrade",
    "content-length",
];

/// Parses `input` delivered in pieces cut at `cuts`, as a connection
/// would (parse after each read until more bytes are needed), and checks
/// the per-call invariants on the way.
pub fn parse_heads(
    input: &[u8],
    cuts: &[usize],
    is_head: bool,
    limits: &HeadLimits,
) -> Vec<HeadEvent> {
    let mut events = Vec::new();
    let mut buf = BytesMut::new();
    let mut fed = 0;
    for &end in cuts.iter().chain([input.len()].iter()) {
        let end = end.clamp(fed, input.len());
        buf.extend_from_slice(&input[fed..end]);
        fed = end;
        loop {
            let before = buf.clone();
            match parse_response_head(&mut buf, is_head, limits) {
                Ok(Parsed::Partial) => {
                    assert_eq!(buf, before, "Partial consumed bytes");
                    assert!(
                        buf.len() < limits.max_bytes,
                        "Partial at or over the head cap"
                    );
                    break;
                }
                Err(reason) => {
                    assert_eq!(buf, before, "an error consumed bytes");
                    events.push(HeadEvent::Reject(reason));
                    return events;
                }
                Ok(Parsed::Informational { status, consumed }) => {
                    check_consumed(&before, &buf, consumed, limits);
                    let status = status.as_u16();
                    assert!(
                        (100..200).contains(&status) && status != 101,
                        "informational {status}"
                    );
                    events.push(HeadEvent::Informational { status, consumed });
                }
                Ok(Parsed::Final { head, consumed }) => {
                    check_consumed(&before, &buf, consumed, limits);
                    let status = head.status.as_u16();
                    assert!(status >= 200, "final status {status}");
                    let http11 = head.version == hyper::Version::HTTP_11;
                    assert!(http11 || head.version == hyper::Version::HTTP_10);
                    let mut headers = Vec::new();
                    for (name, value) in &head.headers {
                        let v = value.as_bytes();
                        assert!(
                            !v.iter().any(|b| matches!(b, b'\r' | b'\n' | 0)),
                            "CR, LF or NUL in {name}: {v:?}"
                        );
                        assert!(!HOP_BY_HOP.contains(&name.as_str()), "{name} forwarded");
                        headers.push((name.as_str().to_owned(), v.to_vec()));
                    }
                    assert!(headers.len() <= limits.max_fields.min(MAX_FIELDS));
                    match head.framing {
                        Framing::Length(n) => {
                            assert!(n > 0);
                            assert_eq!(head.content_length, Some(n));
                        }
                        Framing::Chunked => assert!(http11 && head.content_length.is_none()),
                        Framing::Empty | Framing::UntilClose => {}
                    }
                    if is_head || status == 204 || status == 304 {
                        assert_eq!(head.framing, Framing::Empty, "{status} with a body");
                    }
                    if head.keep_alive {
                        assert!(http11 && head.framing != Framing::UntilClose);
                    }
                    // the rest of the input is not part of the head
                    buf.extend_from_slice(&input[fed..]);
                    events.push(HeadEvent::Final {
                        status,
                        http11,
                        headers,
                        framing: head.framing,
                        keep_alive: head.keep_alive,
                        content_length: head.content_length,
                        consumed,
                        rest: buf.to_vec(),
                    });
                    return events;
                }
            }
        }
    }
    events.push(HeadEvent::Partial);
    events
}

fn check_consumed(before: &BytesMut, after: &BytesMut, consumed: usize, limits: &HeadLimits) {
    assert!(
        consumed > 0 && consumed <= before.len(),
        "consumed {consumed} of {}",
        before.len()
    );
    assert!(
        consumed <= limits.max_bytes,
        "a head of {consumed} bytes passed the cap"
    );
    assert_eq!(
        after[..],
        before[consumed..],
        "the head was not split off the front"
    );
}

/// The `h1_head` target: a flags byte (bit 0: the request was HEAD; bit 1:
/// small limits from the upper bits), then the bytes an upstream sent.
/// Checks: no panic; every consumed head lies inside the input and the
/// caps; accepted values carry no CR, LF or NUL and no framing or
/// hop-by-hop field survives; the verdict does not depend on where the
/// input is cut; and the framing function is total over the facts the
/// input's lines give.
pub fn h1_head(data: &[u8]) {
    let Some((&flags, input)) = data.split_first() else {
        return;
    };
    let is_head = flags & 1 != 0;
    let limits = if flags & 2 != 0 {
        HeadLimits {
            max_bytes: 32 + usize::from(flags >> 5) * 24,
            max_fields: usize::from((flags >> 2) & 7),
        }
    } else {
        HeadLimits::default()
    };
    let whole = parse_heads(input, &[], is_head, &limits);
    if input.len() > 1 {
        // one cut derived from the input, and a few fixed ones
        let seed = input.iter().fold(0usize, |h, &b| {
            h.wrapping_mul(31).wrapping_add(usize::from(b))
        });
        for cut in [seed % input.len(), 1, input.len() / 2, input.len() - 1] {
            assert_eq!(
                parse_heads(input, &[cut], is_head, &limits),
                whole,
                "cut at {cut}"
            );
        }
    }
    if input.len() <= 512 {
        let bytes: Vec<usize> = (1..input.len()).collect();
        assert_eq!(
            parse_heads(input, &bytes, is_head, &limits),
            whole,
            "byte by byte"
        );
    }
    framing_is_total(input);
}

/// Folds every `content-length:` and `transfer-encoding:` line of the input
/// into facts and asks [`framing::framing`] about every status class.
fn framing_is_total(input: &[u8]) {
    let mut facts = FramingFacts::default();
    for line in input.split(|&b| b == b'\n') {
        let Some(colon) = line.iter().position(|&b| b == b':') else {
            continue;
        };
        let (name, value) = (&line[..colon], &line[colon + 1..]);
        if name.eq_ignore_ascii_case(b"content-length") {
            facts.content_length(value);
        } else if name.eq_ignore_ascii_case(b"transfer-encoding") {
            facts.transfer_encoding(value);
        }
    }
    for status in [
        0,
        99,
        100,
        101,
        103,
        199,
        200,
        204,
        206,
        304,
        404,
        999,
        u16::MAX,
    ] {
        for is_head in [false, true] {
            for minor in [0, 1, 9] {
                let got = framing::framing(is_head, status, minor, &facts);
                match got {
                    Ok(Framing::Length(n)) => assert!(n > 0),
                    Ok(Framing::Chunked) => {
                        assert!(facts.has_te() && facts.content_length.is_none())
                    }
                    Ok(_) => {}
                    Err(_) if status == 101 => {}
                    Err(reason) => assert!(
                        facts.has_te()
                            || matches!(facts.content_length, Some(Err(_)) | Some(Ok(1..))),
                        "{reason} from no framing fields"
                    ),
                }
                if status == 101 {
                    assert_eq!(got, Err(Reason::Status101));
                } else if is_head && !(100..200).contains(&status) && status != 204 {
                    assert_eq!(got, Ok(Framing::Empty), "HEAD {status}");
                }
            }
        }
    }
}

/// The outcome of decoding one chunked body.
#[derive(Debug, PartialEq, Eq)]
pub enum ChunkedOutcome {
    Done { data: Vec<u8>, leftover: Vec<u8> },
    Short { data: Vec<u8> },
    Reject { data: Vec<u8>, reason: Reason },
}

/// Decodes `input` delivered in pieces cut at `cuts`.
pub fn decode_chunked(input: &[u8], cuts: &[usize], limits: ChunkedLimits) -> ChunkedOutcome {
    let mut decoder = ChunkedDecoder::new(limits);
    let mut buf = BytesMut::new();
    let mut data = Vec::new();
    let mut fed = 0;
    for &end in cuts.iter().chain([input.len()].iter()) {
        let end = end.clamp(fed, input.len());
        buf.extend_from_slice(&input[fed..end]);
        fed = end;
        loop {
            let before = buf.len();
            match decoder.decode(&mut buf) {
                Ok(Chunk::Data(bytes)) => {
                    assert!(!bytes.is_empty(), "an empty data frame");
                    assert!(
                        before - buf.len() >= bytes.len(),
                        "data not taken from the buffer"
                    );
                    data.extend_from_slice(&bytes);
                }
                Ok(Chunk::NeedMore) => {
                    assert!(buf.is_empty(), "NeedMore with {} bytes buffered", buf.len());
                    break;
                }
                Ok(Chunk::Done) => {
                    assert!(decoder.is_done());
                    buf.extend_from_slice(&input[fed..]);
                    let again = buf.len();
                    assert_eq!(decoder.decode(&mut buf), Ok(Chunk::Done));
                    assert_eq!(buf.len(), again, "Done consumed more");
                    return ChunkedOutcome::Done {
                        data,
                        leftover: buf.to_vec(),
                    };
                }
                Err(reason) => return ChunkedOutcome::Reject { data, reason },
            }
        }
    }
    ChunkedOutcome::Short { data }
}

/// Re-reads an accepted body the simple way (its framing is known valid)
/// and returns (data, extension and size-line whitespace bytes, trailer
/// bytes, trailer fields, body length).
fn reread(input: &[u8]) -> (Vec<u8>, usize, usize, usize, usize) {
    let line = |at: usize| -> usize {
        let len = input[at..]
            .windows(2)
            .position(|w| w == b"\r\n")
            .map(|i| i + 2);
        len.unwrap_or_else(|| panic!("accepted body has no CRLF after {at}"))
    };
    let (mut at, mut data, mut ext) = (0, Vec::new(), 0);
    loop {
        let n = line(at);
        let size_line = &input[at..at + n - 2];
        let digits = size_line
            .iter()
            .take_while(|b| b.is_ascii_hexdigit())
            .count();
        ext += size_line.len() - digits;
        let size =
            usize::from_str_radix(std::str::from_utf8(&size_line[..digits]).unwrap_or("x"), 16)
                .unwrap_or_else(|_| panic!("accepted size {size_line:?}"));
        at += n;
        if size == 0 {
            break;
        }
        data.extend_from_slice(&input[at..at + size]);
        assert_eq!(&input[at + size..at + size + 2], b"\r\n");
        at += size + 2;
    }
    let (trailer_start, mut fields) = (at, 0);
    loop {
        let n = line(at);
        at += n;
        if n == 2 {
            break;
        }
        fields += 1;
    }
    (data, ext, at - trailer_start, fields, at)
}

/// The `h1_chunked` target: two bytes of split seed and limits, then a
/// chunked body. Checks: no panic; the outcome is the same one-shot, one
/// byte at a time and at pseudo-random cuts; data out ≤ bytes in; an
/// accepted body re-read the simple way gives the same data, respects the
/// caps, and ends where the decoder said.
pub fn h1_chunked(data: &[u8]) {
    let [seed, knobs, input @ ..] = data else {
        return;
    };
    let limits = if knobs & 1 != 0 {
        ChunkedLimits {
            max_ext_bytes: usize::from(knobs >> 1) * 3,
            max_trailer_bytes: usize::from(*seed) * 2,
            max_trailer_fields: usize::from(knobs >> 5),
        }
    } else {
        ChunkedLimits::default()
    };
    let whole = decode_chunked(input, &[], limits);
    // cuts from a xorshift stream seeded by the first byte
    let mut state = u64::from(*seed) | 0x9e37_79b9_7f4a_7c00;
    let mut cuts = Vec::new();
    let mut at = 0;
    while at < input.len() {
        state ^= state << 13;
        state ^= state >> 7;
        state ^= state << 17;
        at += 1 + (state % 17) as usize;
        cuts.push(at);
    }
    assert_eq!(decode_chunked(input, &cuts, limits), whole, "cuts {cuts:?}");
    if input.len() <= 2048 {
        let bytes: Vec<usize> = (1..input.len()).collect();
        assert_eq!(decode_chunked(input, &bytes, limits), whole, "byte by byte");
    }
    let out = match &whole {
        ChunkedOutcome::Done { data, .. }
        | ChunkedOutcome::Short { data }
        | ChunkedOutcome::Reject { data, .. } => data,
    };
    assert!(out.len() <= input.len());
    if let ChunkedOutcome::Done { data, leftover } = &whole {
        let (again, ext, trailer_bytes, fields, end) = reread(input);
        assert_eq!(&again, data, "the simple re-read disagrees");
        assert_eq!(&input[end..], &leftover[..], "Done at another place");
        assert!(ext <= limits.max_ext_bytes, "{ext} extension bytes passed");
        assert!(
            trailer_bytes <= limits.max_trailer_bytes,
            "{trailer_bytes} trailer bytes passed"
        );
        assert!(
            fields <= limits.max_trailer_fields,
            "{fields} trailer fields passed"
        );
        // looser caps accept it too, with the same output
        assert_eq!(decode_chunked(input, &[], ChunkedLimits::default()), whole);
    }
}
