//! the `port` is not a TCP port number
//!
//! ## What it does
//! Reads `port` the way KrakenD does (a number, or a string holding one;
//! `0` and a missing value mean the default 8080) and reports a value
//! outside 0 to 65535, or a string that is not a number.
//!
//! ## Why is this bad?
//! KrakenD cannot listen: Go's `net.Listen` fails with `invalid port` and
//! the gateway exits at start. A string that is not a number makes the
//! config decoder refuse the file.
//!
//! ## Example
//! ```json
//! { "version": 3, "port": 80800 }
//! ```
//!
//! ## How to fix it
//! Use a port from 1 to 65535 (or leave `port` out for 8080).

use crate::check::Context;
use crate::diag::Diagnostic;
use crate::model::weak::decode_weak_int;
use crate::syntax::NodeKind;

/// The rule's code.
pub const CODE: &str = "GW413";

/// Reports a `port` KrakenD cannot listen on.
pub fn check(cx: &Context<'_>, out: &mut Vec<Diagnostic>) {
    let Some(member) = cx.root.member("port") else { return };
    let node = &member.value;
    if !matches!(node.kind, NodeKind::Number(_) | NodeKind::String(_)) {
        return;
    }
    // `port` decodes like `version`: weakly typed into a Go `int`.
    match decode_weak_int(node) {
        Some(port) if (0..=65535).contains(&port) => {}
        Some(port) => out.push(
            cx.diag(CODE, node.span, format!("port {port} is out of range"))
                .with_label("TCP ports go from 1 to 65535")
                .with_help("use a port from 1 to 65535, or remove `port` for the default 8080")
                .with_note(format!("KrakenD exits at start: Go cannot listen on port {port} (`invalid port`)")),
        ),
        None => out.push(
            cx.diag(CODE, node.span, "`port` is not a number")
                .with_label("KrakenD cannot read this as a port and refuses the file")
                .with_help("write the port as a number, e.g. `8080`"),
        ),
    }
}
