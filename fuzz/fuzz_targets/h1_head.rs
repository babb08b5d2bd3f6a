//! Fuzz the HTTP/1.1 upstream client's response head parser
//! (`gw_runtime::http1::head`, research/h1-upstream-client.md §4.7(d)).
//!
//! Input: a flags byte (bit 0: the request was HEAD; bit 1: small limits
//! taken from the upper bits), then the bytes an upstream sent. The checks
//! live in `runtime/src/http1/tests/fuzz_checks.rs`, shared with the
//! stable test that replays `corpus/h1_head/`: no panic; a consumed head
//! lies inside the input and the caps; accepted values carry no CR, LF or
//! NUL and no framing or hop-by-hop field survives; the verdict does not
//! depend on where the input is cut between reads; the framing function
//! is total.
#![no_main]

use gw_runtime::http1;
use libfuzzer_sys::fuzz_target;

#[allow(dead_code)]
#[path = "../../runtime/src/http1/tests/fuzz_checks.rs"]
mod fuzz_checks;

fuzz_target!(|data: &[u8]| fuzz_checks::h1_head(data));
