//! "Did you mean": the closest known word to a misspelt one.

/// The candidate closest to `word`, when close enough to be a plausible typo:
/// Damerau-Levenshtein distance at most a third of the longer word (at least
/// 1), or a case-insensitive match, or one a prefix of the other at `/`.
pub fn did_you_mean<'c>(
    word: &str,
    candidates: impl IntoIterator<Item = &'c str>,
) -> Option<&'c str> {
    let lower = word.to_ascii_lowercase();
    let mut best: Option<(usize, &str)> = None;
    for c in candidates {
        if c == word {
            continue;
        }
        let d = if c.eq_ignore_ascii_case(word) {
            0
        } else {
            strsim::damerau_levenshtein(&lower, &c.to_ascii_lowercase())
        };
        let limit = (word.chars().count().max(c.chars().count()) / 3).max(1);
        if d <= limit && best.is_none_or(|(bd, _)| d < bd) {
            best = Some((d, c));
        }
    }
    best.map(|(_, c)| c)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn suggestions() {
        let keys = [
            "backend",
            "timeout",
            "endpoint",
            "qos/ratelimit/router",
            "qos/ratelimit/proxy",
            "json",
            "xml",
        ];
        let cases = [
            ("backends", Some("backend")),
            ("timout", Some("timeout")),
            ("qos/ratelimit/routr", Some("qos/ratelimit/router")),
            ("Backend", Some("backend")),
            ("jsno", Some("json")),
            ("zzzzzz", None),
            ("backend", None),
        ];
        for (word, want) in cases {
            assert_eq!(did_you_mean(word, keys), want, "{word}");
        }
    }
}
