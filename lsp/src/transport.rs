//! A guard in front of the JSON-RPC reader: only well-formed messages reach
//! tower-lsp-server.
//!
//! tower-lsp-server reads frames with tokio-util's `FramedRead`, which ends
//! the stream after the first decoding error (tokio-rs/tokio#3976); the
//! server then stops as if the client had closed stdin. One malformed frame
//! (a body that is not JSON, or not a JSON-RPC message, or a broken header)
//! would take the whole session down. This pump re-frames the input: each
//! message whose body decodes as a JSON-RPC request, notification or
//! response is passed on; anything else is dropped with a line on stderr
//! (which editors log), and the session goes on.

use tokio::io::{AsyncBufReadExt, AsyncRead, AsyncReadExt, AsyncWriteExt, BufReader, DuplexStream};
use tower_lsp_server::jsonrpc::{Request, Response};

/// The largest message accepted (a whole config in `didOpen` is far below).
pub const MAX_MESSAGE: usize = 64 << 20;

/// Starts the pump on `input`; the returned stream yields only well-formed
/// frames, and ends when `input` does.
pub fn guard<R>(input: R) -> DuplexStream
where
    R: AsyncRead + Unpin + Send + 'static,
{
    let (inner, outer) = tokio::io::duplex(1 << 16);
    tokio::spawn(pump(input, inner));
    outer
}

/// Whether a body is a message tower-lsp-server can decode.
pub fn is_message(body: &[u8]) -> bool {
    serde_json::from_slice::<Response>(body).is_ok()
        || serde_json::from_slice::<Request>(body).is_ok()
}

async fn pump<R: AsyncRead + Unpin>(input: R, mut out: DuplexStream) {
    let mut reader = BufReader::new(input);
    let mut line = Vec::new();
    loop {
        // The header block: lines up to an empty one.
        let mut length: Option<usize> = None;
        let mut seen = false;
        loop {
            line.clear();
            match reader.read_until(b'\n', &mut line).await {
                Ok(0) | Err(_) => return,
                Ok(_) => {}
            }
            let text = String::from_utf8_lossy(&line);
            let text = text.trim();
            if text.is_empty() {
                if seen {
                    break;
                }
                continue;
            }
            seen = true;
            if let Some((name, value)) = text.split_once(':')
                && name.trim().eq_ignore_ascii_case("content-length")
            {
                length = value.trim().parse().ok();
            }
        }
        let Some(length) = length.filter(|&n| n <= MAX_MESSAGE) else {
            eprintln!("gwc-lsp: dropped a message without a valid Content-Length header");
            continue;
        };
        let mut body = vec![0; length];
        if reader.read_exact(&mut body).await.is_err() {
            return;
        }
        if !is_message(&body) {
            eprintln!("gwc-lsp: dropped a malformed message ({length} bytes)");
            continue;
        }
        let header = format!("Content-Length: {length}\r\n\r\n");
        if out.write_all(header.as_bytes()).await.is_err() || out.write_all(&body).await.is_err() {
            return;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn messages() {
        let cases: [(&str, bool); 7] = [
            (
                r#"{"jsonrpc":"2.0","id":1,"method":"initialize","params":{}}"#,
                true,
            ),
            (r#"{"jsonrpc":"2.0","method":"exit"}"#, true),
            (r#"{"jsonrpc":"2.0","id":3,"result":null}"#, true),
            (r#"{oops"#, false),
            (r#"{}"#, false),
            (r#"[1, 2]"#, false),
            (r#"{"jsonrpc":"1.0","method":"exit"}"#, false),
        ];
        for (body, want) in cases {
            assert_eq!(is_message(body.as_bytes()), want, "{body}");
        }
    }

    #[tokio::test]
    async fn bad_frames_are_dropped_and_good_ones_pass() {
        let good = r#"{"jsonrpc":"2.0","method":"exit"}"#;
        let input = format!(
            "Content-Length: 5\r\n\r\n{{oopsgarbage line\r\n\r\nContent-Length: x\r\n\r\ncontent-length: {}\r\nContent-Type: application/vscode-jsonrpc; charset=utf-8\r\n\r\n{good}",
            good.len()
        );
        let mut out = guard(std::io::Cursor::new(input.into_bytes()));
        let mut got = String::new();
        out.read_to_string(&mut got).await.expect("read");
        assert_eq!(got, format!("Content-Length: {}\r\n\r\n{good}", good.len()));
    }
}
