//! `telemetry/opentelemetry` → a `gw_runtime::spec::Otel` literal.

use proc_macro2::{Literal, TokenStream};
use quote::quote;

use crate::plan::telemetry::Otel;

/// `&Otel { … }` (a promoted constant inside the static).
pub fn tokens(o: &Otel) -> TokenStream {
    let exporters = o.prometheus.iter().map(|(name, listen)| {
        let (name, listen) = (Literal::string(name), Literal::string(listen));
        quote!(PrometheusExporter { name: #name, listen: #listen })
    });
    let otlp = o.otlp.iter().map(|e| {
        let (name, host, port) = (
            Literal::string(&e.name),
            Literal::string(&e.host),
            Literal::u16_unsuffixed(e.port),
        );
        let (use_http, disable_metrics, disable_traces) =
            (e.use_http, e.disable_metrics, e.disable_traces);
        let period = Literal::u64_unsuffixed(e.metric_reporting_period_s);
        quote!(gw_runtime::spec::OtlpExporter {
            name: #name,
            host: #host,
            port: #port,
            use_http: #use_http,
            disable_metrics: #disable_metrics,
            disable_traces: #disable_traces,
            metric_reporting_period_s: #period,
        })
    });
    let (service_name, service_version, deploy_env) = (
        Literal::string(&o.service_name),
        Literal::string(&o.service_version),
        Literal::string(&o.deploy_env),
    );
    let rate = Literal::f64_suffixed(o.trace_sample_rate);
    let period = Literal::u64_unsuffixed(o.metric_reporting_period_s);
    quote! {
        &Otel {
            prometheus: &[#(#exporters),*],
            otlp: &[#(#otlp),*],
            service_name: #service_name,
            service_version: #service_version,
            deploy_env: #deploy_env,
            trace_sample_rate: #rate,
            metric_reporting_period_s: #period,
        }
    }
}
