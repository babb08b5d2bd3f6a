//! Differential fuzzing of the own HTTP/1.1 client
//! (`gw_runtime::http1::conn`) against hyper's `client::conn::http1`
//! (research §4.7(c), (d)): byte 0 picks the method and the upstream's
//! write size, the rest is the upstream's reply; both clients read it and
//! try a second request on the same connection. When the own client
//! accepts, its normalised outcome must equal hyper's unless a class of
//! the reply explains the difference. The check lives in
//! `runtime/tests/support/h1_diff.rs`, which the stable test
//! `h1_diff_hyper_seeds_replay` (`runtime/tests/http1_diff.rs`) also runs
//! over the committed seeds.
#![no_main]

#[path = "../../runtime/tests/support/h1_diff.rs"]
mod h1_diff;

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    h1_diff::check(data);
});
