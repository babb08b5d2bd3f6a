//! The rule registry: one [`Rule`] per code, in the single table of
//! `rules/mod.rs`. Each rule's doc is the `//!` header of its own file,
//! which `gwc explain` prints and the README's rule list is made from.

use super::{Context, SyntaxContext};
use crate::diag::{Diagnostic, Severity};

pub use super::rules::RULES;

/// How a rule runs.
#[derive(Clone, Copy)]
pub enum Check {
    /// On the parse result of every file.
    Syntax(fn(&SyntaxContext<'_>, &mut Vec<Diagnostic>)),
    /// On the model of a file that parsed.
    Tree(fn(&Context<'_>, &mut Vec<Diagnostic>)),
    /// Like `Tree`, but only for a build (`gwc build`, `gwc lint --build`):
    /// limits of what gwc can compile (GW9xx), which do not make the
    /// config wrong for KrakenD.
    Build(fn(&Context<'_>, &mut Vec<Diagnostic>)),
}

/// One rule.
pub struct Rule {
    /// Stable code (`GW101`).
    pub code: &'static str,
    /// snake_case name (`route_conflict`).
    pub name: &'static str,
    /// Default severity.
    pub severity: Severity,
    /// The check.
    pub check: Check,
    /// The rule's source file, whose `//!` header is its doc.
    pub source: &'static str,
}

impl Rule {
    /// The doc: the `//!` lines at the top of the rule's file.
    pub fn doc_text(&self) -> String {
        let mut out = String::new();
        for line in self.source.lines() {
            let Some(rest) = line.strip_prefix("//!") else {
                break;
            };
            out.push_str(rest.strip_prefix(' ').unwrap_or(rest));
            out.push('\n');
        }
        out.trim().to_string()
    }

    /// The one-line summary (the doc's first line).
    pub fn summary(&self) -> String {
        self.doc_text()
            .lines()
            .next()
            .unwrap_or_default()
            .trim()
            .trim_end_matches('.')
            .to_string()
    }

    /// Whether the rule runs only for builds ([`Check::Build`]).
    pub fn is_build(&self) -> bool {
        matches!(self.check, Check::Build(_))
    }

    /// `RouteConflict` from `route_conflict`.
    pub fn name_camel(&self) -> String {
        self.name
            .split('_')
            .map(|w| {
                let mut c = w.chars();
                c.next()
                    .map(|f| f.to_ascii_uppercase().to_string() + c.as_str())
                    .unwrap_or_default()
            })
            .collect()
    }
}

/// The rule with this code (case-insensitive).
pub fn find(code: &str) -> Option<&'static Rule> {
    RULES.iter().find(|r| r.code.eq_ignore_ascii_case(code))
}

/// The default severity of `code`; an unknown code is an error (that would
/// be a gwc bug caught by the registry tests).
pub fn default_severity(code: &str) -> Severity {
    find(code).map_or(Severity::Error, |r| r.severity)
}

/// Declares the rule modules and the table in one place.
macro_rules! registry {
    ($($code:literal $module:ident $severity:ident $kind:ident;)*) => {
        $(pub mod $module;)*

        /// Every rule, in code order.
        pub static RULES: &[$crate::check::registry::Rule] = &[
            $($crate::check::registry::Rule {
                code: $code,
                name: $crate::check::registry::strip_code(stringify!($module)),
                severity: $crate::diag::Severity::$severity,
                check: $crate::check::registry::Check::$kind($module::check),
                source: include_str!(concat!(stringify!($module), ".rs")),
            },)*
        ];
    };
}
pub(crate) use registry;

/// `route_conflict` from `gw101_route_conflict`.
pub const fn strip_code(module: &'static str) -> &'static str {
    let bytes = module.as_bytes();
    let mut i = 0;
    while i < bytes.len() {
        if bytes[i] == b'_' {
            let (_, rest) = bytes.split_at(i + 1);
            return match std::str::from_utf8(rest) {
                Ok(s) => s,
                Err(_) => module,
            };
        }
        i += 1;
    }
    module
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn table_is_consistent() {
        let mut seen = std::collections::HashSet::new();
        let mut last = "";
        for r in RULES {
            assert!(seen.insert(r.code), "{} twice", r.code);
            assert!(r.code > last, "{} out of order", r.code);
            last = r.code;
            let doc = r.doc_text();
            let summary = r.summary();
            assert!(!summary.is_empty(), "{} has no doc", r.code);
            assert!(
                summary.chars().next().is_some_and(char::is_lowercase),
                "{}: summary starts lowercase",
                r.code
            );
            for section in [
                "## What it does",
                "## Why is this bad?",
                "## Example",
                "## How to fix it",
            ] {
                assert!(doc.contains(section), "{} doc lacks `{section}`", r.code);
            }
            let file_code = r.source.lines().find(|l| l.contains("const CODE"));
            assert!(
                file_code.is_some_and(|l| l.contains(&format!("\"{}\"", r.code))),
                "{}: the rule file's CODE differs from the table",
                r.code
            );
        }
    }
}
