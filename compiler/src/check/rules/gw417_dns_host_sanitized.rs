//! a backend with `sd: "dns"` whose SRV name KrakenD rewrites into a URL
//!
//! ## What it does
//! Reports a backend (of an endpoint or an async agent) with `"sd": "dns"`
//! that does not set `"disable_host_sanitize": true`, pointing at the host
//! KrakenD looks up: the backend's first host, or the first root host when
//! the backend has none.
//!
//! ## Why is this bad?
//! KrakenD's host check runs before service discovery: lura's
//! `initBackendDefaults` (`config/config.go`) passes the backend hosts
//! through `SafeCleanHosts` unless `disable_host_sanitize` is set, and root
//! hosts, which a backend without hosts inherits, are always cleaned there.
//! Cleaning prepends `http://` to a host without a scheme (`config/uri.go`
//! `SafeCleanHost`). The DNS discovery then looks up `cfg.Host[0]` as the SRV
//! name (`sd/dnssrv/subscriber.go` `SubscriberFactory`, then
//! `net.LookupSRV("", "", name)`), so it asks for `http://users.service.consul`.
//! Go's resolver refuses a name with `:` or `/` (`no such host`); the
//! subscriber keeps its empty host list on error (`update`), and every
//! request to the backend fails with `no hosts available`
//! (`sd/loadbalancing.go`). KrakenD starts and logs nothing at load.
//!
//! ## Example
//! ```json
//! { "url_pattern": "/users", "sd": "dns", "host": ["users.service.consul"] }
//! ```
//!
//! ## How to fix it
//! Add `"disable_host_sanitize": true` to the backend, and write the SRV
//! name alone in its own `host` (no scheme, no port: the scheme comes from
//! `sd_scheme`, the ports from the SRV records).

use crate::check::{Context, edits};
use crate::diag::{Diagnostic, Fix};
use crate::model::host::{Sanitized, host_entries, sanitize_host};
use crate::syntax::{Format, Member, Node};

/// The rule's code.
pub const CODE: &str = "GW417";

/// Reports each DNS-discovered backend whose looked-up host is rewritten.
pub fn check(cx: &Context<'_>, out: &mut Vec<Diagnostic>) {
    let root_hosts = host_entries(cx.root).map(|(_, hosts)| hosts).unwrap_or_default();
    let endpoint_backends = cx.config.endpoints.iter().filter_map(|ep| ep.raw.get("backend"));
    let agent_backends =
        cx.root.get("async_agent").and_then(Node::as_array).unwrap_or_default().iter().filter_map(|a| a.get("backend"));
    for list in endpoint_backends.chain(agent_backends) {
        for object in list.as_array().unwrap_or_default() {
            let Some(sd) = object.member("sd").filter(|m| m.value.as_str() == Some("dns")) else { continue };
            if object.get("disable_host_sanitize").and_then(Node::as_bool) == Some(true) {
                continue;
            }
            // lura: a backend without hosts takes the root's.
            let own = host_entries(object).map(|(_, hosts)| hosts).unwrap_or_default();
            let inherited = own.is_empty();
            let Some(&host) = (if inherited { root_hosts.first() } else { own.first() }) else { continue };
            report(cx, out, object, sd, host, inherited);
        }
    }
}

fn report(cx: &Context<'_>, out: &mut Vec<Diagnostic>, object: &Node, sd: &Member, host: &Node, inherited: bool) {
    let Some(text) = host.as_str() else { return };
    // A host the check rejects is GW404's.
    let Sanitized::Valid { found, cleaned } = sanitize_host(text) else { return };
    let name = &text[found.name.clone()];
    let label = if inherited {
        format!("the backend inherits this root host, which KrakenD always rewrites to `{cleaned}`")
    } else if cleaned == text {
        "the scheme makes this no DNS name".to_string()
    } else {
        format!("KrakenD's host check rewrites this to `{cleaned}`")
    };
    let mut d = cx
        .diag(CODE, host.span, format!("`sd: dns` looks up `{cleaned}`, which is not a DNS name"))
        .with_label(label)
        .with_secondary(sd.value.span, "DNS SRV discovery looks up the first host as a service name")
        .with_note("Go's resolver refuses the name, so the backend never gets an address: every request to it fails with `no hosts available`");
    let mut fix = None;
    if inherited {
        d = d.with_help(format!(
            "give this backend its own `\"host\": [\"{name}\"]` and `\"disable_host_sanitize\": true` (root hosts are always rewritten)"
        ));
        if cx.format == Format::Json && object.member("host").is_none() {
            let member = format!("\"host\": [{}], \"disable_host_sanitize\": true", edits::json_string(name));
            fix = edits::insert_member_before(cx.text, sd.key_span, &member)
                .map(|e| Fix { title: format!("look up `{name}` as written"), edits: vec![e] });
        }
    } else if name == text {
        d = d.with_help(format!(
            "set `\"disable_host_sanitize\": true` on this backend so `{name}` is looked up as written (the scheme comes from `sd_scheme`)"
        ));
        if cx.format == Format::Json {
            fix = edits::insert_member_before(cx.text, sd.key_span, "\"disable_host_sanitize\": true")
                .map(|e| Fix { title: "set `disable_host_sanitize: true` on this backend".into(), edits: vec![e] });
        }
    } else {
        d = d.with_help(format!(
            "write the SRV name alone, `{name}`, and set `\"disable_host_sanitize\": true` on this backend (the scheme comes from `sd_scheme`, the ports from the SRV records)"
        ));
        if cx.format == Format::Json {
            fix = edits::insert_member_before(cx.text, sd.key_span, "\"disable_host_sanitize\": true").map(|e| Fix {
                title: format!("look up `{name}` as written"),
                edits: vec![edits::replace_string(host, name), e],
            });
        }
    }
    if let Some(fix) = fix {
        d.fixes.push(fix);
    }
    out.push(d);
}
