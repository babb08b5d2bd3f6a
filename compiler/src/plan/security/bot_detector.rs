//! `security/bot-detector`, planned (`spec::BotDetector`).

use crate::model::security::BotDetector as Model;

/// The most verdicts a detector caches. A verdict never changes, so the
/// cache only saves regex matching; the cap keeps a `cache_size` typo (or a
/// flood of distinct user agents) from costing unbounded memory.
pub const MAX_CACHE_SIZE: u32 = 100_000;

/// A bot detector, CE's defaults applied (empty lists, no cache).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct BotDetector {
    /// `allow`.
    pub allow: Vec<String>,
    /// `deny`.
    pub deny: Vec<String>,
    /// `patterns`, each known to compile (GW601 rejects the others).
    pub patterns: Vec<String>,
    /// `empty_user_agent_is_bot`.
    pub empty_user_agent_is_bot: bool,
    /// `cache_size`: 0 (no cache) when absent or not positive, at most
    /// [`MAX_CACHE_SIZE`].
    pub cache_size: u32,
}

/// Plans a detector.
pub(crate) fn plan(m: &Model) -> BotDetector {
    let texts = |l: &[crate::model::Spanned<String>]| l.iter().map(|s| s.value.clone()).collect();
    BotDetector {
        allow: texts(&m.allow),
        deny: texts(&m.deny),
        patterns: texts(&m.patterns),
        empty_user_agent_is_bot: m.empty_user_agent_is_bot,
        cache_size: m
            .cache_size
            .as_ref()
            .map_or(0, |c| c.value.clamp(0, i64::from(MAX_CACHE_SIZE)) as u32),
    }
}
