//! an `extra_config` namespace or field only KrakenD Enterprise implements, which KrakenD CE ignores
//!
//! ## What it does
//! Reports the `extra_config` namespaces that only KrakenD Enterprise
//! reads, at the place where Enterprise reads them: API keys and Basic
//! authentication (`auth/api-keys`, `auth/basic`), security policies
//! (`security/policies`), quotas (`governance/quota`,
//! `governance/processors`), the service, tiered and Redis rate limits
//! (`qos/ratelimit/service`, `qos/ratelimit/tiered`,
//! `qos/ratelimit/router/redis`, `redis`), `qos/circuit-breaker/http`,
//! websockets, workflows, the body generators and JMESPath, gRPC, SOAP,
//! MCP and LLM connectors, virtual hosts, Moesif and New Relic, an
//! endpoint's `security/cors`, a backend's `telemetry/logging` and an
//! async agent's `async/kafka`, among others. It also reports the fields of KrakenD CE namespaces that only
//! Enterprise reads, when their value changes anything: `no_redirect`,
//! `proxy_address` and `client_tls` of `backend/http/client`; the
//! `access_log_*` and `backend` fields of `telemetry/logging`;
//! `max_payload` and `decompress_gzip` of `router` and of an endpoint's
//! `proxy`; `backend` and `exporters_override` of an endpoint's
//! `telemetry/opentelemetry`.
//!
//! The list comes from KrakenD's schema (what it marks "Enterprise only"),
//! checked against the source of KrakenD CE, which gwc follows. A namespace
//! written where KrakenD does not know it at all is GW801's finding, not
//! this one's. `documentation/openapi` and `documentation/postman` are not
//! reported: they change nothing at run time.
//!
//! ## Why is this bad?
//! KrakenD CE starts without a word and never reads these settings. For
//! most of them a feature is silently missing; for authentication and
//! policies it is worse: an endpoint its author believes protected by API
//! keys, Basic credentials or policies lets every request through to the
//! backends, and a quota or rate limit written this way limits nothing.
//!
//! ## Example
//! ```json
//! {
//!   "endpoint": "/orders",
//!   "extra_config": { "auth/api-keys": { "roles": ["admin"] } },
//!   "backend": [{ "host": ["http://orders.internal"], "url_pattern": "/orders" }]
//! }
//! ```
//!
//! ## How to fix it
//! Use the KrakenD CE component that does the job, where there is one
//! (the help line names it): `auth/validator` (JWT) instead of API keys or
//! Basic authentication, `qos/ratelimit/router` instead of service, tiered
//! or Redis rate limits, `validation/cel` instead of policies,
//! `qos/circuit-breaker` instead of its HTTP variant. Otherwise remove the
//! setting, or run the config on KrakenD Enterprise; a config written for
//! Enterprise silences this rule with `"@gwc-allow": ["GW600"]` at the root.

use crate::check::Context;
use crate::check::enterprise::{self, Location, Risk};
use crate::diag::Diagnostic;

/// The rule's code.
pub const CODE: &str = "GW600";

/// Reports each Enterprise-only setting.
pub fn check(cx: &Context<'_>, out: &mut Vec<Diagnostic>) {
    for f in enterprise::findings(cx) {
        let help = match f.instead {
            Some(instead) => format!("{instead}, or run this config on KrakenD Enterprise"),
            None => "remove it, or run this config on KrakenD Enterprise".to_string(),
        };
        let mut d = cx
            .diag(
                CODE,
                f.span,
                format!(
                    "{} {} needs KrakenD Enterprise: KrakenD CE ignores it",
                    f.what,
                    f.location.phrase()
                ),
            )
            .with_label(f.in_ce)
            .with_help(help);
        if let (Risk::Open, Location::Endpoint(_, Some(path))) = (f.risk, &f.location) {
            d = d.with_secondary(*path, "open to every client in KrakenD CE");
        }
        out.push(d);
    }
}
