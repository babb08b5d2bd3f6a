//! Fuzz the own HTTP/1.1 client's connection (`gw_runtime::http1::conn`)
//! with whole upstream replies on scripted in-memory IO (research §4.7(d)):
//! a method byte (and read size), then the reply. The check and its
//! invariants live in `runtime/tests/support/h1_stream.rs`, which the
//! stable test `h1_response_stream_seeds_replay` also runs over the
//! committed seeds.
#![no_main]

#[path = "../../runtime/tests/support/h1_stream.rs"]
mod h1_stream;

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    h1_stream::check(data);
});
