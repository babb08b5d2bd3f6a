//! a `gwc/server.send_timeout` that is not a positive duration
//!
//! ## What it does
//! Reports a `send_timeout` in the root's `gwc/server` that Go's duration
//! grammar cannot read (`"1 minute"`, `"30"`), or that is zero or negative.
//! (A value that is not a string is GW802's.)
//!
//! ## Why is this bad?
//! The send timeout disconnects a client whose connection takes no bytes
//! for that long. gwc cannot know what an unreadable value means, and a
//! zero or negative one would drop every client the moment a write has to
//! wait, so the gateway would silently keep its default (`60s`) instead.
//!
//! ## Example
//! ```json
//! { "version": 3, "extra_config": { "gwc/server": { "send_timeout": "0s" } } }
//! ```
//!
//! ## How to fix it
//! Write a positive duration with a unit (`"30s"`, `"2m"`), or remove the
//! key to keep the default, `60s`.

use crate::check::Context;
use crate::check::gwc::show;
use crate::diag::Diagnostic;
use crate::model::DurationValue;
use crate::model::duration::parse_go_duration;
use crate::model::server::GwcServer;

/// The rule's code.
pub const CODE: &str = "GW541";

/// Reports the root's `gwc/server.send_timeout` when it is not a positive
/// duration.
pub fn check(cx: &Context<'_>, out: &mut Vec<Diagnostic>) {
    let Some(server) = GwcServer::of(cx.config) else { return };
    let Some(t) = &server.send_timeout else { return };
    let DurationValue::Text(text) = &t.value else { return };
    let label = match parse_go_duration(text) {
        Ok(n) if n > 0 => return,
        Ok(n) => format!("{} drops every client whose write has to wait", show(n)),
        Err(_) => "not a duration: a number and a unit (`ms`, `s`, `m`, `h`)".to_string(),
    };
    out.push(
        cx.diag(CODE, t.span, format!("`send_timeout` of `gwc/server` is not a positive duration: `{text}`"))
            .with_label(label)
            .with_help("write a positive duration such as `\"30s\"`, or remove it to keep the default, `60s`"),
    );
}
