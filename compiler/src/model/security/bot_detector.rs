//! `security/bot-detector` (service and endpoint level; krakend-components §9).

use crate::model::{Config, Fields, Spanned};
use crate::syntax::{Node, Span};

/// The namespace as written.
#[derive(Clone, Debug)]
pub struct BotDetector {
    /// The namespace's key span.
    pub key_span: Span,
    /// `allow`: exact `User-Agent` values that pass.
    pub allow: Vec<Spanned<String>>,
    /// `deny`: exact values that are bots.
    pub deny: Vec<Spanned<String>>,
    /// `patterns`: unanchored regular expressions that mark bots.
    pub patterns: Vec<Spanned<String>>,
    /// `empty_user_agent_is_bot`.
    pub empty_user_agent_is_bot: bool,
    /// `cache_size`.
    pub cache_size: Option<Spanned<i64>>,
}

impl BotDetector {
    /// Reads the namespace object (`key_span`: its key).
    pub fn from_node(key_span: Span, node: &Node) -> Self {
        let f = Fields(node);
        let list = |k: &str| f.string_list(k).map(|l| l.value).unwrap_or_default();
        BotDetector {
            key_span,
            allow: list("allow"),
            deny: list("deny"),
            patterns: list("patterns"),
            empty_user_agent_is_bot: f.flag("empty_user_agent_is_bot"),
            cache_size: f.int("cache_size"),
        }
    }
}

impl Config<'_> {
    /// Every bot detector CE runs: the service's, then each endpoint's.
    pub fn bot_detectors(&self) -> impl Iterator<Item = &BotDetector> {
        self.extra.bot_detector.iter().chain(
            self.endpoints
                .iter()
                .filter_map(|e| e.extra.bot_detector.as_ref()),
        )
    }
}
