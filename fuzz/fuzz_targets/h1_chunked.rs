//! Fuzz the HTTP/1.1 upstream client's chunked decoder
//! (`gw_runtime::http1::chunked`, research/h1-upstream-client.md §4.7(d)).
//!
//! Input: a split-seed byte, a limits byte (bit 0: small limits from the
//! other bits and the seed), then a chunked body. The checks live in
//! `runtime/src/http1/tests/fuzz_checks.rs`, shared with the stable test
//! that replays `corpus/h1_chunked/`: no panic; the same data, end and
//! reject one-shot, at pseudo-random cuts and one byte at a time; data out
//! never exceeds bytes in; an accepted body re-read the simple way gives
//! the same data, ends at the same byte and respects the extension and
//! trailer caps.
#![no_main]

use gw_runtime::http1;
use libfuzzer_sys::fuzz_target;

#[allow(dead_code)]
#[path = "../../runtime/src/http1/tests/fuzz_checks.rs"]
mod fuzz_checks;

fuzz_target!(|data: &[u8]| fuzz_checks::h1_chunked(data));
