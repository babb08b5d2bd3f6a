//! `security/bot-detector` (krakend-components §9): rejects requests whose
//! `User-Agent` says they come from a bot, with CE's 403 (empty body, no
//! `Content-Type`, no `X-KrakenD*` headers).
//!
//! The verdict, as `krakend-botdetector`'s `detector.go` gives it: an empty
//! or absent `User-Agent` is a bot only with `empty_user_agent_is_bot`; an
//! exact `allow` entry passes; an exact `deny` entry is a bot; then the
//! first `patterns` regex that matches anywhere in the value (unanchored,
//! Go's `MatchString`) makes it a bot; anything else passes. The patterns
//! run as one [`regex::RegexSet`] (Rust's `regex` is RE2's family, as Go's
//! `regexp`: same syntax for what CE accepts, linear time). With
//! `cache_size`, verdicts are kept per `User-Agent` in a bounded concurrent
//! cache shared by the workers (CE: an LRU of that size); a verdict never
//! changes, so the cache only saves the matching. The compiler caps
//! `cache_size` at 100 000 and values over 256 bytes are not cached, so a
//! flood of distinct user agents costs bounded memory.
//!
//! CE's footguns are lint errors instead (an invalid pattern disables CE's
//! whole detector), so the compiler only emits patterns that compile; the
//! state is still built fallibly, and a pattern that does not compile
//! stops the gateway at start-up rather than opening it.

/// `security/bot-detector`, as the compiler resolved it.
#[derive(Debug)]
pub struct BotDetector {
    /// `allow`: exact `User-Agent` values that are never bots.
    pub allow: &'static [&'static str],
    /// `deny`: exact values that are bots.
    pub deny: &'static [&'static str],
    /// `patterns`: unanchored regular expressions that mark bots.
    pub patterns: &'static [&'static str],
    /// `empty_user_agent_is_bot`.
    pub empty_user_agent_is_bot: bool,
    /// `cache_size` (0: no cache).
    pub cache_size: u32,
}

/// The longest `User-Agent` whose verdict is cached: with the compiler's
/// cap on `cache_size` (100 000) the cache stays under a few tens of MB
/// whatever clients send. Longer values are judged every time.
#[cfg(feature = "bot-detector")]
const MAX_CACHED_LEN: usize = 256;

/// A detector ready to judge requests (the patterns compiled once).
#[cfg(feature = "bot-detector")]
pub struct Detector {
    spec: &'static BotDetector,
    patterns: regex::RegexSet,
    cache: Option<quick_cache::sync::Cache<Box<str>, bool>>,
}

#[cfg(feature = "bot-detector")]
impl std::fmt::Debug for Detector {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Detector")
            .field("spec", &self.spec)
            .finish()
    }
}

#[cfg(feature = "bot-detector")]
impl Detector {
    /// Compiles the patterns. Fails on a pattern that does not compile (the
    /// linter rejects those first) or a set too large for `regex`'s limits.
    pub fn new(spec: &'static BotDetector) -> Result<Detector, String> {
        let patterns = regex::RegexSet::new(spec.patterns)
            .map_err(|e| format!("security/bot-detector: {e}"))?;
        let cache =
            (spec.cache_size > 0).then(|| quick_cache::sync::Cache::new(spec.cache_size as usize));
        Ok(Detector {
            spec,
            patterns,
            cache,
        })
    }

    /// Whether a request with this `User-Agent` (absent: `None`) is a bot.
    pub fn is_bot(&self, user_agent: Option<&[u8]>) -> bool {
        // A value that is not UTF-8 is matched lossily, as Go matches the
        // header's bytes as a string.
        let ua = match user_agent {
            None | Some(b"") => return self.spec.empty_user_agent_is_bot,
            Some(bytes) => String::from_utf8_lossy(bytes),
        };
        let Some(cache) = &self.cache.as_ref().filter(|_| ua.len() <= MAX_CACHED_LEN) else {
            return self.judge(&ua);
        };
        if let Some(verdict) = cache.get(ua.as_ref()) {
            return verdict;
        }
        let verdict = self.judge(&ua);
        cache.insert(ua.into(), verdict);
        verdict
    }

    fn judge(&self, ua: &str) -> bool {
        if self.spec.allow.contains(&ua) {
            return false;
        }
        self.spec.deny.contains(&ua) || self.patterns.is_match(ua)
    }
}

/// Without the feature a gateway cannot run a detector: building its state
/// fails, so the gateway refuses to start instead of letting bots through.
/// (The compiler turns the feature on whenever a config has a detector.)
#[cfg(not(feature = "bot-detector"))]
#[derive(Debug)]
pub struct Detector;

#[cfg(not(feature = "bot-detector"))]
impl Detector {
    /// Always fails: see the type's doc.
    pub fn new(_spec: &'static BotDetector) -> Result<Detector, String> {
        Err(
            "security/bot-detector: this gateway was built without the `bot-detector` feature"
                .into(),
        )
    }

    /// Never reached: no `Detector` exists without the feature.
    pub fn is_bot(&self, _user_agent: Option<&[u8]>) -> bool {
        true
    }
}

#[cfg(test)]
#[cfg(feature = "bot-detector")]
mod tests {
    use super::*;

    static CE: BotDetector = BotDetector {
        // KrakenD CE's integration fixture.
        allow: &["c", "Pingdom.com_bot_version_1.1"],
        deny: &["a", "b"],
        patterns: &["(Pingdom.com_bot_version_).*", "(facebookexternalhit)/.*"],
        empty_user_agent_is_bot: false,
        cache_size: 0,
    };
    static STRICT: BotDetector = BotDetector {
        allow: &[],
        deny: &[],
        patterns: &["bot"],
        empty_user_agent_is_bot: true,
        cache_size: 2,
    };

    #[test]
    fn verdict_table() {
        let ce = Detector::new(&CE).expect("detector");
        let strict = Detector::new(&STRICT).expect("detector");
        let table: &[(&Detector, Option<&[u8]>, bool)] = &[
            (&ce, Some(b"a"), true),
            (&ce, Some(b"b"), true),
            // Exact, case-sensitive lists.
            (&ce, Some(b"A"), false),
            (&ce, Some(b"ab"), false),
            (&ce, Some(b"c"), false),
            (&ce, Some(b"Pingdom.com_bot_version_1.1"), false),
            // `allow` is exact: a longer version is caught by the pattern.
            (&ce, Some(b"Pingdom.com_bot_version_1.14"), true),
            (&ce, Some(b"facebookexternalhit/1.2.3"), true),
            (&ce, Some(b"x facebookexternalhit/1.1"), true),
            (&ce, Some(b"facebookexternalhit"), false),
            (&ce, Some(b"Mozilla/5.0"), false),
            (&ce, None, false),
            (&ce, Some(b""), false),
            // Unanchored, and the empty user agent rule.
            (&strict, Some(b"Googlebot/2.1"), true),
            (&strict, None, true),
            (&strict, Some(b""), true),
            (&strict, Some(b"curl/8"), false),
            (&strict, Some(b"\xffbot"), true),
        ];
        for (d, ua, want) in table {
            // Twice: the second answer may come from the cache.
            for _ in 0..2 {
                assert_eq!(
                    d.is_bot(*ua),
                    *want,
                    "{:?}",
                    ua.map(String::from_utf8_lossy)
                );
            }
        }
    }

    #[test]
    fn the_cache_stays_bounded() {
        let d = Detector::new(&STRICT).expect("detector");
        for i in 0..1000 {
            assert!(!d.is_bot(Some(format!("agent {i}").as_bytes())));
        }
        let cache = d.cache.as_ref().expect("a cache");
        assert!(cache.len() <= 2, "{} entries", cache.len());
        // A long user agent is judged but never cached.
        let long = format!("{}bot", "x".repeat(MAX_CACHED_LEN));
        cache.clear();
        assert!(d.is_bot(Some(long.as_bytes())));
        assert_eq!(cache.len(), 0);
    }

    #[test]
    fn a_bad_pattern_is_an_error() {
        static BAD: BotDetector = BotDetector {
            allow: &[],
            deny: &[],
            patterns: &["(unclosed"],
            empty_user_agent_is_bot: false,
            cache_size: 0,
        };
        assert!(Detector::new(&BAD).is_err());
    }
}
