//! `telemetry/opentelemetry` → a `gw_runtime::spec::Otel` literal.

use proc_macro2::{Literal, TokenStream};
use quote::quote;

use crate::plan::telemetry::Otel;
use crate::plan::telemetry::opentelemetry::{Attr, Backend, Proxy};

fn attrs(list: &[Attr]) -> TokenStream {
    let items = list.iter().map(|a| {
        let (k, l, v) = (
            Literal::string(&a.key),
            Literal::string(&a.label),
            Literal::string(&a.value),
        );
        quote!(gw_runtime::spec::OtelAttr { key: #k, label: #l, value: #v })
    });
    quote!(&[#(#items),*])
}

fn backend(b: &Backend) -> TokenStream {
    let (stage, rt, traces) = (b.stage_metrics, b.round_trip_metrics, b.traces);
    let (m, t) = (attrs(&b.metric_attrs), attrs(&b.trace_attrs));
    quote!(gw_runtime::spec::OtelBackend {
        stage_metrics: #stage,
        round_trip_metrics: #rt,
        traces: #traces,
        metric_attrs: #m,
        trace_attrs: #t,
    })
}

fn proxy(p: &Proxy) -> TokenStream {
    let (on, m) = (p.metrics, attrs(&p.metric_attrs));
    quote!(gw_runtime::spec::OtelProxy {
        metrics: #on,
        metric_attrs: #m,
    })
}

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
    let skip = o.skip_paths.iter().map(|p| Literal::string(p));
    let g = &o.global;
    let (gm, gt, gp) = (g.metrics, g.traces, g.propagation);
    let (gma, gta) = (attrs(&g.metric_attrs), attrs(&g.trace_attrs));
    let b = backend(&o.backend);
    let overrides = o.backend_overrides.iter().map(|(path, method, i, l)| {
        let (path, method, i) = (
            Literal::string(path),
            Literal::string(method),
            Literal::usize_unsuffixed(*i),
        );
        let l = backend(l);
        quote!((#path, #method, #i, #l))
    });
    let p = proxy(&o.proxy);
    let proxy_overrides = o.proxy_overrides.iter().map(|(path, method, l)| {
        let (path, method) = (Literal::string(path), Literal::string(method));
        let l = proxy(l);
        quote!((#path, #method, #l))
    });
    quote! {
        &Otel {
            prometheus: &[#(#exporters),*],
            otlp: &[#(#otlp),*],
            service_name: #service_name,
            service_version: #service_version,
            deploy_env: #deploy_env,
            trace_sample_rate: #rate,
            metric_reporting_period_s: #period,
            skip_paths: &[#(#skip),*],
            global: gw_runtime::spec::OtelGlobal {
                metrics: #gm,
                traces: #gt,
                propagation: #gp,
                metric_attrs: #gma,
                trace_attrs: #gta,
            },
            backend: #b,
            backend_overrides: &[#(#overrides),*],
            proxy: #p,
            proxy_overrides: &[#(#proxy_overrides),*],
        }
    }
}
