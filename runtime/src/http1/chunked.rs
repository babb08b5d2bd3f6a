//! The chunked transfer coding (RFC 9112 §7.1), decoded incrementally
//! over the connection's read buffer (research/h1-upstream-client.md
//! §3.3).
//!
//! Why a state machine of our own rather than `httparse::parse_chunk_size`:
//! httparse accepts any byte, LF included, inside a chunk extension
//! (research §1.2), and a bare LF there is exactly where parsers disagree
//! on where a chunk starts ("Funky Chunks", netty/netty#16537). The rules,
//! each pinned by a vector in the tests:
//! - chunk-size is 1 to 16 hex digits (leading zeros count), with checked
//!   arithmetic (S28); 16 digits fill a `u64`, so the limit is also the
//!   overflow guard;
//! - whitespace is allowed only between the digits and `;` or CR (the BWS
//!   of §7.1.1); `5 0` is rejected, not read as 5 or 0x50 (S29,
//!   apache/pekko-http#1290);
//! - extensions are ignored, but a CR not followed by LF, a bare LF, a CTL
//!   or a `"` in them is rejected: quoted strings are legal and unused
//!   here, and they are where line breaks hide (S30); extension bytes
//!   (and size-line whitespace) are capped at 4 KiB a response (S34);
//! - chunk data must be followed by CRLF (S31; oven-sh/bun#29732);
//! - the last chunk must have a size of zero: a bare `\r\n` where a size
//!   belongs is rejected (S32; hyper 8e5de1bb);
//! - every line end in the framing is CRLF; a bare LF is rejected anywhere,
//!   as nginx does since nginx/nginx#1016 (RFC 9112 §2.2 allows either
//!   choice);
//! - trailers (§7.1.2) are checked line by line (token name, colon, value
//!   without CTLs, CRLF), capped at 16 KiB and 100 fields (S33), and
//!   dropped, so a `Content-Length` or `Transfer-Encoding` trailer cannot
//!   touch the framing (RFC 9110 §6.5.1).
//!
//! Data frames are `split_to(n).freeze()` of the caller's buffer: no copy
//! (research §4.3). A chunk larger than what is buffered yields what is
//! buffered, so frames are bounded by the read buffer, not by the upstream.
//! The decoder never consumes a byte past the final CRLF: what remains in
//! the buffer after [`Chunk::Done`] is not part of this response, and the
//! connection must not be reused (research §3.4 item 2).

use bytes::{Buf, Bytes, BytesMut};

use super::error::Reason;
use super::head::is_tchar;

/// Caps on the parts of a chunked body that carry no data.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct ChunkedLimits {
    /// Extension bytes (and whitespace after chunk sizes) in one response
    /// (default 4 KiB).
    pub max_ext_bytes: usize,
    /// Trailer section bytes, final CRLF included (default 16 KiB).
    pub max_trailer_bytes: usize,
    /// Trailer fields (default 100).
    pub max_trailer_fields: usize,
}

impl Default for ChunkedLimits {
    fn default() -> ChunkedLimits {
        ChunkedLimits {
            max_ext_bytes: 4 * 1024,
            max_trailer_bytes: 16 * 1024,
            max_trailer_fields: 100,
        }
    }
}

/// One step of decoding.
#[derive(Debug, PartialEq, Eq)]
pub enum Chunk {
    /// Body bytes (never empty), split off the front of the buffer.
    Data(Bytes),
    /// The buffer is used up; read more and call again. Bytes up to here
    /// were consumed.
    NeedMore,
    /// The body ended (last chunk, trailers, final CRLF consumed). Calling
    /// again returns `Done` and consumes nothing.
    Done,
}

/// Where the decoder is in the grammar.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum State {
    /// Before the first digit of a chunk size.
    Size,
    /// After at least one digit.
    SizeDigits,
    /// After whitespace that follows the digits.
    SizeWs,
    /// Inside chunk extensions (after `;`).
    Ext,
    /// After the CR that ends a size line with extensions.
    ExtLf,
    /// After the CR that ends a size line without extensions.
    SizeLf,
    /// Inside chunk data; `remaining` bytes to go.
    Data,
    /// After chunk data: CR expected.
    DataCr,
    /// After chunk data and CR: LF expected.
    DataLf,
    /// At the start of a trailer line or of the final CRLF.
    TrailerStart,
    /// Inside a trailer field name.
    TrailerName,
    /// Inside a trailer field value.
    TrailerValue,
    /// After the CR ending a trailer line.
    TrailerLf,
    /// After the CR of the final empty line.
    EndLf,
    /// The body has ended.
    Done,
}

/// The incremental decoder of one chunked body.
#[derive(Clone, Debug)]
pub struct ChunkedDecoder {
    limits: ChunkedLimits,
    state: State,
    /// The size being read, then the data still to come in this chunk.
    remaining: u64,
    digits: u8,
    ext_bytes: usize,
    trailer_bytes: usize,
    trailer_fields: usize,
}

impl ChunkedDecoder {
    /// A decoder at the start of a body.
    pub fn new(limits: ChunkedLimits) -> ChunkedDecoder {
        ChunkedDecoder {
            limits,
            state: State::Size,
            remaining: 0,
            digits: 0,
            ext_bytes: 0,
            trailer_bytes: 0,
            trailer_fields: 0,
        }
    }

    /// The final CRLF was consumed.
    pub fn is_done(&self) -> bool {
        self.state == State::Done
    }

    /// Decodes from the front of `buf`: the next data frame, or the end,
    /// or a request for more bytes. Control bytes (size lines, CRLFs,
    /// trailers) are consumed as they are read. On an error the buffer is
    /// in an unspecified state and the connection must be closed.
    pub fn decode(&mut self, buf: &mut BytesMut) -> Result<Chunk, Reason> {
        let mut used = 0;
        let step = loop {
            match self.state {
                State::Done => break Chunk::Done,
                State::Data => {
                    buf.advance(used);
                    if buf.is_empty() {
                        return Ok(Chunk::NeedMore);
                    }
                    // `min` with the buffer's length: fits a usize.
                    let n = usize::try_from(self.remaining)
                        .unwrap_or(usize::MAX)
                        .min(buf.len());
                    self.remaining -= n as u64;
                    if self.remaining == 0 {
                        self.state = State::DataCr;
                    }
                    return Ok(Chunk::Data(buf.split_to(n).freeze()));
                }
                _ => {}
            }
            let Some(&b) = buf.get(used) else {
                break Chunk::NeedMore;
            };
            used += 1;
            self.byte(b)?;
        };
        buf.advance(used);
        Ok(step)
    }

    /// One byte outside chunk data.
    fn byte(&mut self, b: u8) -> Result<(), Reason> {
        self.state = match self.state {
            State::Size => {
                let d = hex(b).ok_or(Reason::BadChunkSize)?;
                self.remaining = d;
                self.digits = 1;
                State::SizeDigits
            }
            State::SizeDigits => match b {
                b'\r' => State::SizeLf,
                b';' => self.ext_byte(State::Ext)?,
                b' ' | b'\t' => self.ext_byte(State::SizeWs)?,
                _ => {
                    let d = hex(b).ok_or(Reason::BadChunkSize)?;
                    self.digits += 1;
                    if self.digits > 16 {
                        return Err(Reason::ChunkSizeTooLong);
                    }
                    self.remaining = self
                        .remaining
                        .checked_mul(16)
                        .and_then(|n| n.checked_add(d))
                        .ok_or(Reason::ChunkSizeTooLong)?;
                    State::SizeDigits
                }
            },
            State::SizeWs => match b {
                b'\r' => State::SizeLf,
                b';' => self.ext_byte(State::Ext)?,
                b' ' | b'\t' => self.ext_byte(State::SizeWs)?,
                _ => return Err(Reason::BadChunkSize),
            },
            State::Ext => match b {
                b'\r' => State::ExtLf,
                b'\t' => self.ext_byte(State::Ext)?,
                b'"' | 0..=0x1f | 0x7f => return Err(Reason::BadChunkExt),
                _ => self.ext_byte(State::Ext)?,
            },
            State::ExtLf if b == b'\n' => self.size_line_end(),
            State::ExtLf => return Err(Reason::BadChunkExt),
            State::SizeLf if b == b'\n' => self.size_line_end(),
            State::SizeLf => return Err(Reason::BadChunkSize),
            State::DataCr if b == b'\r' => State::DataLf,
            State::DataLf if b == b'\n' => State::Size,
            State::DataCr | State::DataLf => return Err(Reason::BadChunkDataEnd),
            State::TrailerStart => {
                self.trailer_byte()?;
                match b {
                    b'\r' => State::EndLf,
                    _ if is_tchar(b) => {
                        self.trailer_fields += 1;
                        if self.trailer_fields > self.limits.max_trailer_fields {
                            return Err(Reason::TrailersTooLarge);
                        }
                        State::TrailerName
                    }
                    _ => return Err(Reason::BadTrailer),
                }
            }
            State::TrailerName => {
                self.trailer_byte()?;
                match b {
                    b':' => State::TrailerValue,
                    _ if is_tchar(b) => State::TrailerName,
                    _ => return Err(Reason::BadTrailer),
                }
            }
            State::TrailerValue => {
                self.trailer_byte()?;
                match b {
                    b'\r' => State::TrailerLf,
                    b'\t' | 0x20..=0x7e | 0x80..=0xff => State::TrailerValue,
                    _ => return Err(Reason::BadTrailer),
                }
            }
            State::TrailerLf | State::EndLf if b != b'\n' => return Err(Reason::BadTrailer),
            State::TrailerLf => {
                self.trailer_byte()?;
                State::TrailerStart
            }
            State::EndLf => {
                self.trailer_byte()?;
                State::Done
            }
            // `decode` handles these without reading a byte.
            State::Data | State::Done => self.state,
        };
        Ok(())
    }

    /// Counts one extension (or size-line whitespace) byte against the cap.
    fn ext_byte(&mut self, next: State) -> Result<State, Reason> {
        self.ext_bytes += 1;
        if self.ext_bytes > self.limits.max_ext_bytes {
            return Err(Reason::ChunkExtTooLarge);
        }
        Ok(next)
    }

    /// Counts one trailer byte against the cap.
    fn trailer_byte(&mut self) -> Result<(), Reason> {
        self.trailer_bytes += 1;
        if self.trailer_bytes > self.limits.max_trailer_bytes {
            return Err(Reason::TrailersTooLarge);
        }
        Ok(())
    }

    /// The LF of a size line: data follows, or the trailers after the
    /// last chunk.
    fn size_line_end(&mut self) -> State {
        if self.remaining == 0 {
            State::TrailerStart
        } else {
            State::Data
        }
    }
}

/// One hex digit's value.
fn hex(b: u8) -> Option<u64> {
    match b {
        b'0'..=b'9' => Some(u64::from(b - b'0')),
        b'a'..=b'f' => Some(u64::from(b - b'a' + 10)),
        b'A'..=b'F' => Some(u64::from(b - b'A' + 10)),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The outcome of decoding a whole input: the data, then either the end
    /// (with what was left in the buffer) or the reject.
    #[derive(Debug, PartialEq, Eq)]
    enum Outcome {
        Done {
            data: Vec<u8>,
            leftover: Vec<u8>,
        },
        /// The input ended before the body did.
        Short {
            data: Vec<u8>,
        },
        Reject {
            data: Vec<u8>,
            reason: Reason,
        },
    }

    /// Feeds `input` in pieces cut at `cuts` (increasing offsets), decoding
    /// after each piece until the decoder needs more.
    fn feed(input: &[u8], cuts: &[usize], limits: ChunkedLimits) -> Outcome {
        let mut decoder = ChunkedDecoder::new(limits);
        let mut buf = BytesMut::new();
        let mut data = Vec::new();
        let mut start = 0;
        for &end in cuts.iter().chain([input.len()].iter()) {
            buf.extend_from_slice(&input[start..end]);
            start = end;
            loop {
                match decoder.decode(&mut buf) {
                    Ok(Chunk::Data(bytes)) => {
                        assert!(!bytes.is_empty(), "an empty data frame");
                        data.extend_from_slice(&bytes);
                    }
                    Ok(Chunk::NeedMore) => break,
                    Ok(Chunk::Done) => {
                        // the rest of the input is not part of the body
                        buf.extend_from_slice(&input[start..]);
                        let before = buf.len();
                        assert_eq!(decoder.decode(&mut buf), Ok(Chunk::Done));
                        assert_eq!(buf.len(), before, "Done consumes nothing more");
                        assert!(decoder.is_done());
                        return Outcome::Done {
                            data,
                            leftover: buf.to_vec(),
                        };
                    }
                    Err(reason) => return Outcome::Reject { data, reason },
                }
            }
        }
        Outcome::Short { data }
    }

    /// Whole, split in two at every offset, and one byte per call: all the
    /// same outcome. Returns it.
    fn split_invariant(input: &[u8], limits: ChunkedLimits) -> Outcome {
        let whole = feed(input, &[], limits);
        // every offset; a stride (still crossing every state) for the long
        // vectors of the limit tests, which are quadratic in a debug build
        let stride = if input.len() > 1024 { 61 } else { 1 };
        for cut in (0..=input.len()).step_by(stride) {
            assert_eq!(
                feed(input, &[cut], limits),
                whole,
                "{:?} cut at {cut}",
                String::from_utf8_lossy(input)
            );
        }
        let bytes: Vec<usize> = (1..input.len()).collect();
        assert_eq!(
            feed(input, &bytes, limits),
            whole,
            "{:?} byte by byte",
            String::from_utf8_lossy(input)
        );
        whole
    }

    fn done(data: &[u8], leftover: &[u8]) -> Outcome {
        Outcome::Done {
            data: data.to_vec(),
            leftover: leftover.to_vec(),
        }
    }

    #[test]
    fn valid_vectors() {
        #[rustfmt::skip]
        let vectors: &[(&str, &[u8], Outcome)] = &[
            ("one", b"5\r\nhello\r\n0\r\n\r\n", done(b"hello", b"")),
            ("two", b"5\r\nhello\r\n6\r\n world\r\n0\r\n\r\n", done(b"hello world", b"")),
            ("empty body", b"0\r\n\r\n", done(b"", b"")),
            ("leading zeros", b"0005\r\nhello\r\n000\r\n\r\n", done(b"hello", b"")),
            ("16 digits", b"0000000000000005\r\nhello\r\n0000000000000000\r\n\r\n", done(b"hello", b"")),
            ("hex case", b"A\r\n0123456789\r\na\r\nabcdefghij\r\n0\r\n\r\n", done(b"0123456789abcdefghij", b"")),
            ("ext", b"5;name=value;x\r\nhello\r\n0;last\r\n\r\n", done(b"hello", b"")),
            ("ext obs-text", b"5;n=\xe9\xff\r\nhello\r\n0\r\n\r\n", done(b"hello", b"")),
            ("ext tab", b"5;\ta=b\r\nhello\r\n0\r\n\r\n", done(b"hello", b"")),
            ("bws", b"5 \t;a\r\nhello\r\n0\t \r\n\r\n", done(b"hello", b"")),
            ("data with crlf", b"4\r\n\r\n\r\n\r\n0\r\n\r\n", done(b"\r\n\r\n", b"")),
            ("trailers", b"5\r\nhello\r\n0\r\nX-T: 1\r\nX-Empty:\r\n\r\n", done(b"hello", b"")),
            ("S33 framing trailers ignored", b"5\r\nhello\r\n0\r\nContent-Length: 99\r\nTransfer-Encoding: gzip\r\n\r\n", done(b"hello", b"")),
            ("trailer obs-text", b"0\r\nX: \xe9\t.\r\n\r\n", done(b"", b"")),
            ("S35 leftover", b"3\r\nabc\r\n0\r\n\r\nHTTP/1.1 200 OK\r\n", done(b"abc", b"HTTP/1.1 200 OK\r\n")),
            ("leftover crlf", b"0\r\n\r\n\r\n", done(b"", b"\r\n")),
        ];
        for (id, input, want) in vectors {
            assert_eq!(
                &split_invariant(input, ChunkedLimits::default()),
                want,
                "{id}"
            );
        }
    }

    #[test]
    fn invalid_vectors() {
        use Reason::*;
        let many_exts: Vec<u8> = {
            // 41 chunks of one byte with 100 extension bytes each: over 4 KiB
            // in total, though each line is small
            let mut v = Vec::new();
            for _ in 0..41 {
                v.extend_from_slice(b"1;");
                v.extend_from_slice(&[b'e'; 99]);
                v.extend_from_slice(b"\r\nx\r\n");
            }
            v.extend_from_slice(b"0\r\n\r\n");
            v
        };
        let long_ext: Vec<u8> = [&b"1;"[..], &[b'e'; 4096], b"\r\nx\r\n0\r\n\r\n"].concat();
        let long_ws: Vec<u8> = [&b"1"[..], &[b' '; 4097], b"\r\nx\r\n0\r\n\r\n"].concat();
        let big_trailer: Vec<u8> = [&b"0\r\nX: "[..], &[b'v'; 16 * 1024], b"\r\n\r\n"].concat();
        let many_trailers: Vec<u8> = [&b"0\r\n"[..], &b"X: 1\r\n".repeat(101), b"\r\n"].concat();
        #[rustfmt::skip]
        let vectors: Vec<(&str, &[u8], Reason)> = vec![
            ("S28 17 digits", b"11111111111111111\r\n", ChunkSizeTooLong),
            ("S28 17 zeros", b"00000000000000000\r\n\r\n", ChunkSizeTooLong),
            ("S29 5 0", b"5 0\r\nhello\r\n0\r\n\r\n", BadChunkSize),
            ("S29 5\\t0", b"5\t0\r\nhello\r\n0\r\n\r\n", BadChunkSize),
            ("S30 bare LF", b"5;a\nb\r\nhello\r\n0\r\n\r\n", BadChunkExt),
            ("S30 bare CR", b"5;a\rb\r\nhello\r\n0\r\n\r\n", BadChunkExt),
            ("S30 CTL", b"5;a\x01\r\nhello\r\n0\r\n\r\n", BadChunkExt),
            ("S30 DEL", b"5;a\x7f\r\nhello\r\n0\r\n\r\n", BadChunkExt),
            ("S30 quote", b"5;a=\"b\"\r\nhello\r\n0\r\n\r\n", BadChunkExt),
            ("S30 quoted CRLF", b"5;a=\"\r\n\"\r\nhello\r\n0\r\n\r\n", BadChunkExt),
            ("S30 NUL", b"0;\0\r\n\r\n", BadChunkExt),
            ("S31 helloXX", b"5\r\nhelloXX0\r\n\r\n", BadChunkDataEnd),
            ("S31 CR then X", b"5\r\nhello\rX\n0\r\n\r\n", BadChunkDataEnd),
            ("S31 bare LF", b"5\r\nhello\n0\r\n\r\n", BadChunkDataEnd),
            ("S31 short data", b"3\r\nhello\r\n0\r\n\r\n", BadChunkDataEnd),
            ("S32 plain CRLF", b"\r\n\r\n", BadChunkSize),
            ("S32 after data", b"5\r\nhello\r\n\r\n", BadChunkSize),
            ("S33 trailer bytes", &big_trailer, TrailersTooLarge),
            ("S33 trailer fields", &many_trailers, TrailersTooLarge),
            ("S34 one ext", &long_ext, ChunkExtTooLarge),
            ("S34 summed exts", &many_exts, ChunkExtTooLarge),
            ("S34 whitespace", &long_ws, ChunkExtTooLarge),
            ("not hex", b"x\r\n", BadChunkSize),
            ("sign", b"+5\r\nhello\r\n0\r\n\r\n", BadChunkSize),
            ("negative", b"-1\r\n", BadChunkSize),
            ("0x", b"0x5\r\nhello\r\n0\r\n\r\n", BadChunkSize),
            ("leading space", b" 5\r\nhello\r\n0\r\n\r\n", BadChunkSize),
            ("size bare LF", b"5\nhello\r\n0\r\n\r\n", BadChunkSize),
            ("size bare CR", b"5\rhello\r\n0\r\n\r\n", BadChunkSize),
            ("ws then junk", b"5 x\r\nhello\r\n0\r\n\r\n", BadChunkSize),
            ("last bare LF", b"0\r\n\n", BadTrailer),
            ("last CR junk", b"0\r\n\rX", BadTrailer),
            ("trailer obs-fold", b"0\r\nX: 1\r\n 2\r\n\r\n", BadTrailer),
            ("trailer space before colon", b"0\r\nX : 1\r\n\r\n", BadTrailer),
            ("trailer no colon", b"0\r\nX\r\n\r\n", BadTrailer),
            ("trailer bare LF", b"0\r\nX: 1\n\r\n", BadTrailer),
            ("trailer bare CR", b"0\r\nX: 1\r2\r\n\r\n", BadTrailer),
            ("trailer CTL", b"0\r\nX: \x01\r\n\r\n", BadTrailer),
            ("trailer empty name", b"0\r\n: 1\r\n\r\n", BadTrailer),
        ];
        for (id, input, reason) in vectors {
            match split_invariant(input, ChunkedLimits::default()) {
                Outcome::Reject { reason: got, .. } => assert_eq!(got, reason, "{id}"),
                other => panic!("{id}: {other:?}"),
            }
        }
    }

    #[test]
    fn limits_are_inclusive() {
        // exactly at each cap passes
        let ext: Vec<u8> = [&b"1;"[..], &[b'e'; 4095], b"\r\nx\r\n0\r\n\r\n"].concat();
        assert_eq!(
            split_invariant(&ext, ChunkedLimits::default()),
            done(b"x", b"")
        );
        let fields: Vec<u8> = [&b"0\r\n"[..], &b"X: 1\r\n".repeat(100), b"\r\n"].concat();
        assert_eq!(feed(&fields, &[], ChunkedLimits::default()), done(b"", b""));
        // the trailer section, final CRLF included, at 16 KiB
        let mut trailer = b"0\r\nX: ".to_vec();
        trailer.resize(3 + 16 * 1024 - 4, b'v');
        trailer.extend_from_slice(b"\r\n\r\n");
        assert_eq!(
            feed(&trailer, &[], ChunkedLimits::default()),
            done(b"", b"")
        );
        trailer.insert(6, b'v');
        assert_eq!(
            feed(&trailer, &[], ChunkedLimits::default()),
            Outcome::Reject {
                data: vec![],
                reason: Reason::TrailersTooLarge
            }
        );
        // smaller limits apply
        let tight = ChunkedLimits {
            max_ext_bytes: 2,
            max_trailer_bytes: 8,
            max_trailer_fields: 1,
        };
        // `;` counts: `;a` is two extension bytes
        assert!(matches!(
            feed(b"1;a\r\nx\r\n0\r\n\r\n", &[], tight),
            Outcome::Done { .. }
        ));
        assert!(matches!(
            feed(b"1;ab\r\nx\r\n0\r\n\r\n", &[], tight),
            Outcome::Reject {
                reason: Reason::ChunkExtTooLarge,
                ..
            }
        ));
        assert!(matches!(
            feed(b"0\r\nA: 1\r\nB: 2\r\n\r\n", &[], tight),
            Outcome::Reject {
                reason: Reason::TrailersTooLarge,
                ..
            }
        ));
    }

    /// Sizes up to 16 hex digits are taken at their value: the data streams
    /// in frames no larger than what is buffered.
    #[test]
    fn big_sizes() {
        let mut decoder = ChunkedDecoder::new(ChunkedLimits::default());
        let mut buf = BytesMut::from(&b"FFFFFFFFFFFFFFFF\r\n0123456789"[..]);
        assert_eq!(
            decoder.decode(&mut buf),
            Ok(Chunk::Data(Bytes::from_static(b"0123456789")))
        );
        assert_eq!(decoder.decode(&mut buf), Ok(Chunk::NeedMore));
        assert_eq!(decoder.remaining, u64::MAX - 10);

        // a 1 MiB chunk read in 8 KiB pieces comes out in 8 KiB frames
        let size = 1 << 20;
        let mut input = format!("{size:x}\r\n").into_bytes();
        input.extend((0..size).map(|i| (i % 251) as u8));
        input.extend_from_slice(b"\r\n0\r\n\r\n");
        let cuts: Vec<usize> = (1..input.len() / 8192 + 1).map(|i| i * 8192).collect();
        let Outcome::Done { data, leftover } = feed(&input, &cuts, ChunkedLimits::default()) else {
            panic!("not done");
        };
        assert_eq!(data.len(), size);
        assert!(data.iter().enumerate().all(|(i, &b)| b == (i % 251) as u8));
        assert!(leftover.is_empty());
    }

    /// Data frames are slices of the caller's buffer, not copies.
    #[test]
    fn data_is_not_copied() {
        let mut decoder = ChunkedDecoder::new(ChunkedLimits::default());
        let mut buf = BytesMut::with_capacity(64);
        buf.extend_from_slice(b"5\r\nhello\r\n0\r\n\r\n");
        let range = buf.as_ptr() as usize..buf.as_ptr() as usize + buf.len();
        let Ok(Chunk::Data(data)) = decoder.decode(&mut buf) else {
            panic!("no data");
        };
        assert_eq!(&data[..], b"hello");
        assert!(range.contains(&(data.as_ptr() as usize)));
        assert_eq!(decoder.decode(&mut buf), Ok(Chunk::Done));
        assert!(buf.is_empty());
    }
}
