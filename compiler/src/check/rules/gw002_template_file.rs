//! the file is a flexible-config template, not a config
//!
//! ## What it does
//! Recognises a KrakenD flexible-config file: Go `text/template` actions
//! (`{{ include "x" }}`, `{{ .port }}`, `{{ template "endpoints" . }}`) that
//! make the text invalid JSON until it is rendered, or that sit inside
//! strings where KrakenD never evaluates a template (`"host":
//! ["{{ .users_host }}"]`). Templates inside `extra_config` (the enterprise
//! body generators) are part of the config and do not count.
//!
//! ## Why is this bad?
//! Such a file is not a config: KrakenD renders it first (with `FC_ENABLE=1`,
//! `FC_SETTINGS`, `FC_PARTIALS`, `FC_TEMPLATES`), and gwc cannot know what the
//! actions produce. A plain JSON error at the first brace would be noise.
//!
//! ## Example
//! ```json
//! { "version": 3, "port": {{ .service.port }}, "endpoints": [] }
//! ```
//!
//! ## How to fix it
//! Render the template (`FC_ENABLE=1 FC_OUT=out.json krakend check -c
//! krakend.tmpl`) and lint the rendered file: `gwc lint out.json`.

use crate::check::SyntaxContext;
use crate::diag::Diagnostic;

/// The rule's code.
pub const CODE: &str = "GW002";

/// Reports the template action that gave the file away.
pub fn check(cx: &SyntaxContext<'_>, out: &mut Vec<Diagnostic>) {
    let Some(span) = cx.parsed.template else {
        return;
    };
    out.push(
        Diagnostic::new(CODE, cx.file, span, "this is a flexible-config template, not a config file")
            .with_label("Go template action")
            .with_help("render it first (`FC_ENABLE=1 FC_OUT=out.json krakend check -c FILE`), then run `gwc lint out.json`"),
    );
}
