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
