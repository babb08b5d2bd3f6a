//! Stable replays of the fuzz targets `h1_head` and `h1_chunked`
//! (research/h1-upstream-client.md §4.7(d): CI replays each corpus as a
//! stable `#[test]`): the committed seeds under `fuzz/corpus/<target>/`
//! (and whatever a local fuzz run added there) go through the same
//! invariant checks the targets run ([`fuzz_checks`]).

use crate::http1;

mod fuzz_checks;

/// Every file in `fuzz/corpus/<target>/`, read; none if the directory does
/// not exist (a checkout without the fuzz crate).
fn corpus(target: &str) -> Vec<(String, Vec<u8>)> {
    let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../fuzz/corpus")
        .join(target);
    let Ok(entries) = std::fs::read_dir(&dir) else {
        return Vec::new();
    };
    let mut files: Vec<(String, Vec<u8>)> = entries
        .filter_map(Result::ok)
        .filter(|e| e.path().is_file())
        .filter_map(|e| {
            Some((
                e.file_name().to_string_lossy().into_owned(),
                std::fs::read(e.path()).ok()?,
            ))
        })
        .collect();
    files.sort();
    files
}

#[test]
fn h1_head_corpus_replays() {
    let files = corpus("h1_head");
    for (name, data) in &files {
        let outcome = std::panic::catch_unwind(|| fuzz_checks::h1_head(data));
        assert!(outcome.is_ok(), "fuzz/corpus/h1_head/{name}");
    }
}

#[test]
fn h1_chunked_corpus_replays() {
    let files = corpus("h1_chunked");
    for (name, data) in &files {
        let outcome = std::panic::catch_unwind(|| fuzz_checks::h1_chunked(data));
        assert!(outcome.is_ok(), "fuzz/corpus/h1_chunked/{name}");
    }
}

/// The committed seeds exist (a checkout of this repository has them), so
/// the replays above are not vacuous.
#[test]
fn seeds_are_committed() {
    for target in ["h1_head", "h1_chunked"] {
        let seeds = corpus(target)
            .into_iter()
            .filter(|(name, _)| name.starts_with("seed-"))
            .count();
        assert!(seeds >= 10, "{target}: {seeds} seeds");
    }
}

/// The checks themselves fire: a head split wrongly or a broken invariant
/// would panic, so run a few inputs whose verdicts are known through them.
#[test]
fn checks_see_the_verdicts() {
    use fuzz_checks::{HeadEvent, parse_heads};
    use http1::head::HeadLimits;
    let limits = HeadLimits::default();
    let events = parse_heads(
        b"HTTP/1.1 100 Continue\r\n\r\nHTTP/1.1 200 OK\r\nContent-Length: 1\r\n\r\nx",
        &[30],
        false,
        &limits,
    );
    assert!(
        matches!(
            events[..],
            [
                HeadEvent::Informational {
                    status: 100,
                    consumed: 25
                },
                HeadEvent::Final { status: 200, .. }
            ]
        ),
        "{events:?}"
    );
    let events = parse_heads(
        b"HTTP/1.1 200 OK\r\nA: b\r\n c\r\n\r\n",
        &[5],
        false,
        &limits,
    );
    assert_eq!(events, [HeadEvent::Reject(http1::Reason::ObsFold)]);
    // flags 0: a GET with the default limits
    fuzz_checks::h1_head(b"\x00HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n");
    fuzz_checks::h1_chunked(b"\x07\x00a;x=y\r\n0123456789\r\n0\r\nT: 1\r\n\r\nrest");
}
