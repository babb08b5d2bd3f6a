//! The encodings KrakenD CE knows (research/krakend-semantics.md §c.2).
//!
//! Endpoint `output_encoding` picks a renderer by exact name (lura
//! `router/gin/render.go`); backend `encoding` picks a decoder after
//! `strings.ToLower` (lura `encoding/register.go`). Unknown names of either
//! kind silently become `json`.

use super::{Config, Endpoint, Spanned};

/// The `no-op` encoding: no decoding, the backend response is streamed.
pub const NOOP: &str = "no-op";

/// Renderers KrakenD CE registers for endpoint `output_encoding`.
pub const OUTPUT_ENCODINGS: [&str; 7] = [
    "json",
    "json-collection",
    "xml",
    "yaml",
    "negotiate",
    "string",
    "no-op",
];

/// Decoders KrakenD CE registers for backend `encoding` (lura core plus CE's
/// `xml` and `rss`).
pub const BACKEND_ENCODINGS: [&str; 6] = ["json", "safejson", "string", "no-op", "xml", "rss"];

/// KrakenD Enterprise's faster JSON codec, valid in both places there; CE
/// falls back to `json`, which produces the same document.
pub const FAST_JSON: &str = "fast-json";

/// Backend decoders only KrakenD Enterprise has (besides `fast-json`).
pub const ENTERPRISE_BACKEND_ENCODINGS: [&str; 1] = ["yaml"];

impl<'a> Config<'a> {
    /// Whether `ep` renders with `no-op` (its own or the root's
    /// `output_encoding`; lura compares the exact text).
    pub fn is_noop_endpoint(&self, ep: &Endpoint<'a>) -> bool {
        self.output_encoding_of(ep).is_some_and(|o| o.value == NOOP)
    }
}

/// Whether a backend `encoding` value selects the no-op proxy: lura's proxy
/// factory compares the exact text, so `NO-OP` does not.
pub fn is_noop_backend_encoding(encoding: Option<&Spanned<String>>) -> bool {
    encoding.is_some_and(|e| e.value == NOOP)
}
