//! every host of a backend is a `backup`: there is no primary host
//!
//! ## What it does
//! Reports a backend whose hosts all have `"backup": true` (under
//! `gwc/loadbalancer.hosts` or in host objects).
//!
//! ## Why is this bad?
//! Backups get traffic only when no primary host is eligible. With no
//! primary at all the tiers mean nothing, and the file almost certainly
//! marks the wrong hosts (Gravitee and HAProxy have the same rule: backups
//! stand in for primaries).
//!
//! ## Example
//! ```json
//! { "host": ["http://a:8080", "http://b:8080"],
//!   "extra_config": { "gwc/loadbalancer": { "hosts": {
//!     "http://a:8080": { "backup": true }, "http://b:8080": { "backup": true } } } } }
//! ```
//!
//! ## How to fix it
//! Remove `"backup": true` from the hosts that should take the normal
//! traffic.

use crate::check::Context;
use crate::check::gwc;
use crate::diag::Diagnostic;
use crate::model::lb::pool_hosts;

/// The rule's code.
pub const CODE: &str = "GW507";

/// Reports each backend without a primary host.
pub fn check(cx: &Context<'_>, out: &mut Vec<Diagnostic>) {
    for b in gwc::backends(cx.config) {
        let pool = pool_hosts(cx.config, b.backend);
        if pool.is_empty() || !pool.iter().all(|h| h.is_backup()) {
            continue;
        }
        let flags: Vec<_> = pool.iter().filter_map(|h| h.attrs.as_ref()?.backup.as_ref()).collect();
        let Some(first) = flags.first() else { continue };
        let mut d = cx
            .diag(CODE, first.full_span(), format!("every host of {} is a backup", b.name()))
            .with_label("backup")
            .with_help("remove `\"backup\": true` from the hosts that should take the normal traffic");
        for other in flags.iter().skip(1) {
            d = d.with_secondary(other.full_span(), "backup too");
        }
        out.push(d.with_note("backups are used only when no primary host is eligible; this backend has no primary host"));
    }
}
