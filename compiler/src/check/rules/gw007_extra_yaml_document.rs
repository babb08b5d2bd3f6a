//! a second YAML document in the config file, which KrakenD never reads
//!
//! ## What it does
//! Reports every document after the first in a YAML config: a `---` line
//! that starts a new document (not the optional `---` at the top of the
//! file), or text after a `...` end marker. Empty documents, such as a
//! trailing `---`, are not reported.
//!
//! ## Why is this bad?
//! KrakenD CE reads a `.yml`/`.yaml` file with koanf's YAML parser
//! (`krakend/krakend-koanf` `parser.go` `ParseWithoutInit`), which calls
//! `yaml.Unmarshal` once (`knadh/koanf` `parsers/yaml/yaml.go`). That
//! decodes one document and stops: in `go.yaml.in/yaml/v3`, `unmarshal`
//! (`yaml.go`) calls `parser.parse()` once, and `parser.document()`
//! (`decode.go`) returns at the first document end. Every key of the later
//! documents is silently dropped, so endpoints written there are never
//! served; not even a syntax error in them is noticed.
//!
//! ## Example
//! ```yaml
//! version: 3
//! host: ["http://users.internal"]
//! ---
//! endpoints:
//!   - endpoint: /users
//!     backend:
//!       - url_pattern: /users
//! ```
//!
//! ## How to fix it
//! Move the keys of the later documents into the first one and delete the
//! `---` line. To split a config over several files, use KrakenD's flexible
//! configuration (templates and partials) instead.

use crate::check::SyntaxContext;
use crate::diag::Diagnostic;
use crate::syntax::{Node, NodeKind};

/// The rule's code.
pub const CODE: &str = "GW007";

/// How many top-level keys a note names before it says "…".
const KEYS_SHOWN: usize = 4;

/// Reports each later document once, at its start.
pub fn check(cx: &SyntaxContext<'_>, out: &mut Vec<Diagnostic>) {
    // A template renders to some other text: GW002 says so.
    if cx.parsed.template.is_some() {
        return;
    }
    let first_empty = cx.parsed.root.as_ref().is_some_and(is_empty);
    for (i, doc) in cx.parsed.extra_documents.iter().enumerate() {
        let marker = cx.text.get(doc.start.start..doc.start.end) == Some("---");
        let mut d = Diagnostic::new(
            CODE,
            cx.file,
            doc.start,
            format!("document {} of this YAML file is ignored: KrakenD reads only the first", i + 2),
        )
        .with_label(if marker {
            "this `---` starts another document, which KrakenD never reads"
        } else {
            "another document starts here, after the `...` that ends the one before"
        })
        .with_help(
            "move its keys into the first document and delete the line that starts it; to split a config over several files, use KrakenD's flexible configuration",
        );
        match doc.root.as_ref().map(|r| &r.kind) {
            Some(NodeKind::Object(members)) if !members.is_empty() => {
                let mut keys: Vec<String> = members.iter().take(KEYS_SHOWN).map(|m| format!("`{}`", m.key)).collect();
                if members.len() > KEYS_SHOWN {
                    keys.push("…".into());
                }
                d = d.with_note(format!("its {} never {} KrakenD", plural_keys(&keys), if keys.len() == 1 { "reaches" } else { "reach" }));
            }
            Some(_) => {}
            None => d = d.with_note("its text does not even parse, which KrakenD does not notice either"),
        }
        if i == 0 && first_empty {
            d = d.with_note("the first document is empty, so KrakenD gets no config at all from this file");
        }
        out.push(d);
    }
}

/// "keys `a`, `b`" / "key `a`".
fn plural_keys(keys: &[String]) -> String {
    match keys {
        [one] => format!("key {one}"),
        _ => format!("keys {}", keys.join(", ")),
    }
}

/// A document that holds nothing KrakenD could read.
fn is_empty(root: &Node) -> bool {
    match &root.kind {
        NodeKind::Null => true,
        NodeKind::Object(members) => members.is_empty(),
        _ => false,
    }
}
