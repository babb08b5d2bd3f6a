//! Plan → tokens: one `static GATEWAY` of `gw_runtime::spec` types, with
//! each endpoint's backends in a `static` array of their own.
//!
//! Why the split: rustc compiles one giant nested initialiser markedly
//! slower. Measured on 2 busy cores with the 219-endpoint corpus config
//! copied ten times (2 190 endpoints, 132 000 generated lines), the
//! rebuild after a one-endpoint edit took 3.3–3.7 s with per-endpoint
//! backend statics against 7.3–9.5 s with everything inline in
//! `ENDPOINTS` (at 219 endpoints both are about 0.5 s).
//!
//! Injection guard: every string from the config becomes a token with
//! [`Literal::string`]; identifiers are made only from indices. Config text
//! can therefore never become code.

use proc_macro2::{Literal, TokenStream};

use crate::model::lb::{AllUnhealthy, FailureClass};
use quote::{format_ident, quote};

use crate::plan::pool::{
    ActiveCheck, Algorithm, HostPolicy, HttpImplementation, HttpOptions, HttpVersion, PoolPolicy,
    TlsOptions, TlsVersion, failure_bit,
};
use crate::plan::{
    Backend, ClientIpOptions, ClientOptions, Encoding, Endpoint, FlatmapOp, Forward, Method,
    OutputEncoding, Plan, RouterOptions, Segment, ServerOptions, StaticStrategy, TrustedNet,
    UrlPiece, Value,
};

/// The items of `generated.rs` (without the header).
pub fn gateway(plan: &Plan) -> TokenStream {
    let name = lit(&plan.name);
    let port = Literal::u16_unsuffixed(plan.port);
    let listen_ip = option(plan.listen_ip.as_deref().map(lit));
    let router = router(&plan.router);
    let client = client(&plan.client);
    let server = server(&plan.server);
    let version_header = option(plan.version_header.as_deref().map(lit));
    let version_header_name = lit(&plan.version_header_name);
    let user_agent = lit(&plan.user_agent);
    let bot_detector = option(
        plan.bot_detector
            .as_ref()
            .map(super::security::bot_detector::tokens),
    );
    let cors = option(plan.cors.as_ref().map(super::security::cors::tokens));
    let http_security = option(
        plan.http_security
            .as_ref()
            .map(super::security::http::tokens),
    );
    let logging = super::telemetry::logging::tokens(&plan.logging);
    let otel = option(
        plan.otel
            .as_ref()
            .map(super::telemetry::opentelemetry::tokens),
    );
    let gelf = option(plan.gelf.as_ref().map(super::telemetry::gelf::tokens));
    let stats = option(plan.stats.as_ref().map(super::telemetry::metrics::tokens));
    let jwt_use = super::security::validator::imports(plan);
    let signer_use = super::security::signer::imports(plan);
    let count = Literal::usize_unsuffixed(plan.endpoints.len());
    let endpoints = plan
        .endpoints
        .iter()
        .enumerate()
        .map(|(i, e)| endpoint(i, e));
    let backend_statics = plan.endpoints.iter().enumerate().map(|(i, e)| {
        let ident = format_ident!("BACKENDS_{}", i);
        let n = Literal::usize_unsuffixed(e.backends.len());
        let items = e.backends.iter().map(backend);
        let doc = lit(&format!(
            " The backends of `{} {}`.",
            method_name(e.method),
            e.path.escape_debug()
        ));
        quote! {
            #[doc = #doc]
            static #ident: [Backend; #n] = [#(#items),*];
        }
    });
    quote! {
        #[allow(unused_imports)]
        use gw_runtime::spec::{
            Backend, CircuitBreaker, ClientOptions, Encoding, Endpoint, FlatmapOp, Forward,
            Gateway, Method, OutputEncoding, RouterOptions, Segment, ServerOptions, StaticData,
            StaticStrategy, UrlPiece, Value,
            ActiveCheck, Algorithm, AllUnhealthy, ClientCert, Failover, FailureClasses,
            HostPolicy, HttpOptions, HttpVersion, Implementation, PassiveCheck, PoolPolicy,
            TlsOptions, TlsVersion, BotDetector, Cors, AllowedHosts, HttpSecurity, ClientIpOptions, TrustedNet,
            Otel, PrometheusExporter, Stats,
        };
        #jwt_use
        #signer_use

        /// The gateway, every default applied.
        pub static GATEWAY: Gateway = Gateway {
            name: #name,
            port: #port,
            listen_ip: #listen_ip,
            endpoints: &ENDPOINTS,
            router: #router,
            client: #client,
            server: #server,
            version_header: #version_header,
            version_header_name: #version_header_name,
            user_agent: #user_agent,
            bot_detector: #bot_detector,
            cors: #cors,
            http_security: #http_security,
            logging: #logging,
            otel: #otel,
            gelf: #gelf,
            stats: #stats,
        };

        /// The endpoints, in config order.
        static ENDPOINTS: [Endpoint; #count] = [#(#endpoints),*];

        #(#backend_statics)*
    }
}

fn endpoint(index: usize, e: &Endpoint) -> TokenStream {
    let method = method(e.method);
    let path = lit(&e.path);
    let segments = e.segments.iter().map(segment);
    let params = e.params.iter().map(|p| lit(p));
    let timeout = Literal::u64_unsuffixed(e.timeout_ms);
    let cache_ttl = option(e.cache_ttl_s.map(Literal::u64_unsuffixed));
    let output = output(e.output);
    let concurrent = Literal::u8_unsuffixed(e.concurrent_calls);
    let headers = forward(&e.input_headers);
    let query = forward(&e.input_query_strings);
    let backends = format_ident!("BACKENDS_{}", index);
    let sequential = e.sequential;
    let propagated = e.propagated_params.iter().map(|p| lit(p));
    let flatmap = e.flatmap.iter().map(flatmap_op);
    let static_data = option(e.static_data.as_ref().map(|s| {
        let strategy = strategy(s.strategy);
        let data = value(&s.data);
        quote!(StaticData { strategy: #strategy, data: &#data })
    }));
    let bot_detector = option(
        e.bot_detector
            .as_ref()
            .map(super::security::bot_detector::tokens),
    );
    let rate_limit = option(
        e.rate_limit
            .as_ref()
            .map(super::traffic::ratelimit_router::tokens),
    );
    let json_schema = option(
        e.json_schema
            .as_deref()
            .map(super::validation::json_schema::tokens),
    );
    let jwt = option(e.jwt.as_ref().map(super::security::validator::tokens));
    let signer = option(e.signer.as_ref().map(super::security::signer::tokens));
    let cel = option(e.cel.as_ref().map(super::validation::cel::tokens));
    quote! {
        Endpoint {
            method: #method,
            path: #path,
            segments: &[#(#segments),*],
            params: &[#(#params),*],
            timeout_ms: #timeout,
            cache_ttl_s: #cache_ttl,
            output: #output,
            concurrent_calls: #concurrent,
            input_headers: #headers,
            input_query_strings: #query,
            backends: &#backends,
            sequential: #sequential,
            propagated_params: &[#(#propagated),*],
            flatmap: &[#(#flatmap),*],
            static_data: #static_data,
            bot_detector: #bot_detector,
            rate_limit: #rate_limit,
            json_schema: #json_schema,
            jwt: #jwt,
            signer: #signer,
            cel: #cel,
        }
    }
}

fn backend(b: &Backend) -> TokenStream {
    let hosts = b.hosts.iter().map(|h| lit(h));
    let url = b.url.iter().map(url_piece);
    let url_has_query = b.url_has_query;
    let method = method(b.method);
    let encoding = encoding(b.encoding);
    let is_collection = b.is_collection;
    let target = path(&b.target);
    let allow = b.allow.iter().map(|p| path(p));
    let deny = b.deny.iter().map(|p| path(p));
    let mapping = b.mapping.iter().map(|(from, to)| {
        let (from, to) = (lit(from), lit(to));
        quote!((#from, #to))
    });
    let group = option(b.group.as_deref().map(lit));
    let flatmap = b.flatmap.iter().map(flatmap_op);
    let headers = option(b.input_headers.as_deref().map(str_slice));
    let query = option(b.input_query_strings.as_deref().map(str_slice));
    let shadow = b.shadow;
    let return_error_code = b.return_error_code;
    let return_error_details = option(b.return_error_details.as_deref().map(lit));
    let lb = b.lb.as_ref().map_or_else(|| quote!(None), pool_policy);
    let martian = option(b.martian.as_ref().map(super::modifier::martian::tokens));
    let http_cache = option(
        b.http_cache
            .as_ref()
            .map(super::traffic::http_cache::tokens),
    );
    let cel = option(b.cel.as_ref().map(super::validation::cel::tokens));
    let circuit_breaker = option(b.circuit_breaker.map(|cb| {
        let interval = Literal::u64_unsuffixed(cb.interval_s);
        let timeout = Literal::u64_unsuffixed(cb.timeout_s);
        let max_errors = Literal::u32_unsuffixed(cb.max_errors);
        let log = cb.log_status_change;
        quote! {
            CircuitBreaker {
                interval_s: #interval,
                timeout_s: #timeout,
                max_errors: #max_errors,
                log_status_change: #log,
            }
        }
    }));
    let rate_limit = option(
        b.rate_limit
            .as_ref()
            .map(super::traffic::ratelimit_router::bucket),
    );
    quote! {
        Backend {
            hosts: &[#(#hosts),*],
            url: &[#(#url),*],
            url_has_query: #url_has_query,
            method: #method,
            encoding: #encoding,
            is_collection: #is_collection,
            target: #target,
            allow: &[#(#allow),*],
            deny: &[#(#deny),*],
            mapping: &[#(#mapping),*],
            group: #group,
            flatmap: &[#(#flatmap),*],
            input_headers: #headers,
            input_query_strings: #query,
            shadow: #shadow,
            return_error_code: #return_error_code,
            return_error_details: #return_error_details,
            circuit_breaker: #circuit_breaker,
            rate_limit: #rate_limit,
            martian: #martian,
            http_cache: #http_cache,
            cel: #cel,
            lb: #lb,
        }
    }
}

/// `Some(&PoolPolicy { .. })`: a `gwc/*` pool, every default applied.
fn pool_policy(p: &PoolPolicy) -> TokenStream {
    let algorithm = match p.algorithm {
        Algorithm::RoundRobin => quote!(Algorithm::RoundRobin),
        Algorithm::Random => quote!(Algorithm::Random),
        Algorithm::WeightedRoundRobin => quote!(Algorithm::WeightedRoundRobin),
        Algorithm::WeightedRandom => quote!(Algorithm::WeightedRandom),
    };
    let hosts = p.hosts.iter().map(host_policy);
    let schedule = p.schedule.iter().map(|i| Literal::u16_unsuffixed(*i));
    let backup_schedule = p
        .backup_schedule
        .iter()
        .map(|i| Literal::u16_unsuffixed(*i));
    let all_unhealthy = match p.all_unhealthy {
        AllUnhealthy::FailClosed => quote!(AllUnhealthy::FailClosed),
        AllUnhealthy::FailOpen => quote!(AllUnhealthy::FailOpen),
    };
    let passive = option(p.passive.map(|c| {
        let failures = Literal::u32_unsuffixed(c.consecutive_failures);
        let failure_on = failure_classes(c.failure_on);
        let ejection = Literal::u64_unsuffixed(c.ejection_time_ms);
        let max_ejection = Literal::u64_unsuffixed(c.max_ejection_time_ms);
        let percent = Literal::u8_unsuffixed(c.max_ejection_percent);
        quote! {
            PassiveCheck {
                consecutive_failures: #failures,
                failure_on: #failure_on,
                ejection_time_ms: #ejection,
                max_ejection_time_ms: #max_ejection,
                max_ejection_percent: #percent,
            }
        }
    }));
    let failover = option(p.failover.as_ref().map(|f| {
        let attempts = Literal::u8_unsuffixed(f.max_attempts);
        let per_try = option(f.per_try_timeout_ms.map(Literal::u64_unsuffixed));
        let retry_on = failure_classes(f.retry_on);
        let statuses = f
            .retriable_status
            .iter()
            .map(|s| Literal::u16_unsuffixed(*s));
        let non_idempotent = f.retry_non_idempotent;
        let body = Literal::u64_unsuffixed(f.max_retry_body_bytes);
        let base = Literal::u64_unsuffixed(f.backoff_base_ms);
        let max = Literal::u64_unsuffixed(f.backoff_max_ms);
        let budget = Literal::u8_unsuffixed(f.budget_percent);
        let min_retry = Literal::u32_unsuffixed(f.min_retry_concurrency);
        quote! {
            Failover {
                max_attempts: #attempts,
                per_try_timeout_ms: #per_try,
                retry_on: #retry_on,
                retriable_status: &[#(#statuses),*],
                retry_non_idempotent: #non_idempotent,
                max_retry_body_bytes: #body,
                backoff_base_ms: #base,
                backoff_max_ms: #max,
                budget_percent: #budget,
                min_retry_concurrency: #min_retry,
            }
        }
    }));
    let debug_headers = p.debug_headers;
    quote! {
        Some(&PoolPolicy {
            algorithm: #algorithm,
            hosts: &[#(#hosts),*],
            schedule: &[#(#schedule),*],
            backup_schedule: &[#(#backup_schedule),*],
            all_unhealthy: #all_unhealthy,
            passive: #passive,
            failover: #failover,
            debug_headers: #debug_headers,
        })
    }
}

/// `FailureClasses(FailureClasses::RESET | …)`: the named bits, so the
/// generated code reads like the config.
fn failure_classes(bits: u8) -> TokenStream {
    let names = FailureClass::ALL
        .into_iter()
        .filter(|c| bits & failure_bit(*c) != 0)
        .map(|c| match c {
            FailureClass::ConnectFailure => quote!(FailureClasses::CONNECT_FAILURE),
            FailureClass::Reset => quote!(FailureClasses::RESET),
            FailureClass::Timeout => quote!(FailureClasses::TIMEOUT),
            FailureClass::Status5xx => quote!(FailureClasses::STATUS_5XX),
            FailureClass::GatewayError => quote!(FailureClasses::GATEWAY_ERROR),
            FailureClass::RetriableStatus => quote!(FailureClasses::RETRIABLE_STATUS),
        })
        .collect::<Vec<_>>();
    if names.is_empty() {
        quote!(FailureClasses(0))
    } else {
        quote!(FailureClasses(#(#names)|*))
    }
}

fn host_policy(h: &HostPolicy) -> TokenStream {
    let name = lit(&h.name);
    let weight = Literal::u16_unsuffixed(h.weight);
    let backup = h.backup;
    let http = http_options(&h.http);
    let active = option(h.active.as_ref().map(|a| {
        let a = active_check(a);
        quote!(&#a)
    }));
    quote! {
        HostPolicy {
            name: #name,
            weight: #weight,
            backup: #backup,
            http: #http,
            active: #active,
        }
    }
}

fn http_options(o: &HttpOptions) -> TokenStream {
    let version = match o.version {
        HttpVersion::Http11 => quote!(HttpVersion::Http1),
        HttpVersion::H2 => quote!(HttpVersion::H2),
        HttpVersion::H2c => quote!(HttpVersion::H2c),
        HttpVersion::Auto => quote!(HttpVersion::Auto),
    };
    let connect = Literal::u64_unsuffixed(o.connect_timeout_ms);
    let idle = Literal::u64_unsuffixed(o.idle_timeout_ms);
    let keep_alive = o.keep_alive;
    let max = Literal::u32_unsuffixed(o.max_connections_per_host);
    let follow = o.follow_redirects;
    let max_response_bytes = Literal::u64_unsuffixed(o.max_response_bytes);
    let implementation = match o.implementation {
        HttpImplementation::Gwc => quote!(Implementation::Gwc),
        HttpImplementation::Hyper => quote!(Implementation::Hyper),
    };
    let tls = option(o.tls.as_ref().map(|t| {
        let t = tls_options(t);
        quote!(&#t)
    }));
    quote! {
        HttpOptions {
            version: #version,
            connect_timeout_ms: #connect,
            idle_timeout_ms: #idle,
            keep_alive: #keep_alive,
            max_connections_per_host: #max,
            follow_redirects: #follow,
            tls: #tls,
            max_response_bytes: #max_response_bytes,
            implementation: #implementation,
        }
    }
}

fn tls_options(t: &TlsOptions) -> TokenStream {
    let insecure = t.allow_insecure_connections;
    let ca_certs = str_slice(&t.ca_certs);
    let client_certs = t.client_certs.iter().map(|(cert, key)| {
        let (cert, key) = (lit(cert), lit(key));
        quote!(ClientCert { certificate: #cert, private_key: #key })
    });
    let version = |v: TlsVersion| match v {
        TlsVersion::Tls12 => quote!(TlsVersion::Tls12),
        TlsVersion::Tls13 => quote!(TlsVersion::Tls13),
    };
    let (min, max) = (version(t.min_version), version(t.max_version));
    let no_system = t.disable_system_ca_pool;
    quote! {
        TlsOptions {
            allow_insecure_connections: #insecure,
            ca_certs: #ca_certs,
            client_certs: &[#(#client_certs),*],
            min_version: #min,
            max_version: #max,
            disable_system_ca_pool: #no_system,
        }
    }
}

fn active_check(a: &ActiveCheck) -> TokenStream {
    let method = method(a.method);
    let path = lit(&a.path);
    let from_root = a.from_root;
    let headers = a.headers.iter().map(|(k, v)| {
        let (k, v) = (lit(k), lit(v));
        quote!((#k, #v))
    });
    let body = option(a.body.as_deref().map(lit));
    let interval = Literal::u64_unsuffixed(a.interval_ms);
    let timeout = Literal::u64_unsuffixed(a.timeout_ms);
    let jitter = Literal::u64_unsuffixed(a.jitter_ms);
    let unhealthy = Literal::u8_unsuffixed(a.unhealthy_threshold);
    let healthy = Literal::u8_unsuffixed(a.healthy_threshold);
    let expect = a.expect_status.iter().map(|(lo, hi)| {
        let (lo, hi) = (Literal::u16_unsuffixed(*lo), Literal::u16_unsuffixed(*hi));
        quote!((#lo, #hi))
    });
    let contains = option(a.expect_body_contains.as_deref().map(lit));
    let start_unhealthy = a.start_unhealthy;
    let reuse = a.reuse_connection;
    quote! {
        ActiveCheck {
            method: #method,
            path: #path,
            from_root: #from_root,
            headers: &[#(#headers),*],
            body: #body,
            interval_ms: #interval,
            timeout_ms: #timeout,
            jitter_ms: #jitter,
            unhealthy_threshold: #unhealthy,
            healthy_threshold: #healthy,
            expect_status: &[#(#expect),*],
            expect_body_contains: #contains,
            start_unhealthy: #start_unhealthy,
            reuse_connection: #reuse,
        }
    }
}

fn router(r: &RouterOptions) -> TokenStream {
    let health = option(r.health_path.as_deref().map(lit));
    let return_error_msg = r.return_error_msg;
    let auto_options = r.auto_options;
    let disable_mna = r.disable_method_not_allowed;
    let disable_access_log = r.disable_access_log;
    let disable_rts = r.disable_redirect_trailing_slash;
    let disable_rfp = r.disable_redirect_fixed_path;
    let body = |v: &Option<Value>| {
        option(v.as_ref().map(|v| {
            let v = value(v);
            quote!(&#v)
        }))
    };
    let (b404, b405) = (body(&r.error_body_404), body(&r.error_body_405));
    let client_ip = client_ip(&r.client_ip);
    let remove_extra_slash = r.remove_extra_slash;
    let disable_path_decoding = r.disable_path_decoding;
    let skip = r.logger_skip_paths.iter().map(|p| lit(p));
    let (debug, echo) = (r.debug_endpoint, r.echo_endpoint);
    quote! {
        RouterOptions {
            health_path: #health,
            return_error_msg: #return_error_msg,
            auto_options: #auto_options,
            disable_method_not_allowed: #disable_mna,
            disable_access_log: #disable_access_log,
            disable_redirect_trailing_slash: #disable_rts,
            disable_redirect_fixed_path: #disable_rfp,
            error_body_404: #b404,
            error_body_405: #b405,
            client_ip: #client_ip,
            remove_extra_slash: #remove_extra_slash,
            disable_path_decoding: #disable_path_decoding,
            logger_skip_paths: &[#(#skip),*],
            debug_endpoint: #debug,
            echo_endpoint: #echo,
        }
    }
}

fn client_ip(c: &ClientIpOptions) -> TokenStream {
    let forwarded = c.forwarded_by_client_ip;
    let headers = c.remote_ip_headers.iter().map(|h| lit(h));
    let nets = c.trusted_proxies.iter().map(|n| match *n {
        TrustedNet::V4 { net, mask } => {
            let (net, mask) = (hex(u128::from(net), 8), hex(u128::from(mask), 8));
            quote!(TrustedNet::V4 { net: #net, mask: #mask })
        }
        TrustedNet::V6 { net, mask } => {
            let (net, mask) = (hex(net, 32), hex(mask, 32));
            quote!(TrustedNet::V6 { net: #net, mask: #mask })
        }
    });
    quote! {
        ClientIpOptions {
            forwarded_by_client_ip: #forwarded,
            remote_ip_headers: &[#(#headers),*],
            trusted_proxies: &[#(#nets),*],
        }
    }
}

/// An integer literal in hexadecimal with `digits` digits (an address or a
/// mask reads better so), `_` every four; `0` for zero.
fn hex(v: u128, digits: usize) -> Literal {
    if v == 0 {
        return Literal::u128_unsuffixed(0);
    }
    let text = format!("{v:0digits$x}");
    let grouped: Vec<&str> = (0..text.len())
        .step_by(4)
        .map(|i| &text[i..(i + 4).min(text.len())])
        .collect();
    format!("0x{}", grouped.join("_"))
        .parse()
        .unwrap_or_else(|_| Literal::u128_unsuffixed(v))
}

fn client(c: &ClientOptions) -> TokenStream {
    let max_idle = Literal::u32_unsuffixed(c.max_idle_connections_per_host);
    let idle = Literal::u64_unsuffixed(c.idle_connection_timeout_ms);
    let dialer = Literal::u64_unsuffixed(c.dialer_timeout_ms);
    let keep_alive = Literal::u64_unsuffixed(c.dialer_keep_alive_ms);
    let header = Literal::u64_unsuffixed(c.response_header_timeout_ms);
    let disable_compression = c.disable_compression;
    let disable_keep_alives = c.disable_keep_alives;
    let tls = option(c.tls.as_ref().map(|t| {
        let t = tls_options(t);
        quote!(&#t)
    }));
    quote! {
        ClientOptions {
            max_idle_connections_per_host: #max_idle,
            idle_connection_timeout_ms: #idle,
            dialer_timeout_ms: #dialer,
            dialer_keep_alive_ms: #keep_alive,
            response_header_timeout_ms: #header,
            disable_compression: #disable_compression,
            disable_keep_alives: #disable_keep_alives,
            tls: #tls,
        }
    }
}

fn server(s: &ServerOptions) -> TokenStream {
    let read_header = Literal::u64_unsuffixed(s.read_header_timeout_ms);
    let idle = Literal::u64_unsuffixed(s.idle_timeout_ms);
    let max_header_bytes = Literal::u32_unsuffixed(s.max_header_bytes);
    let shutdown = Literal::u64_unsuffixed(s.max_shutdown_wait_ms);
    let use_h2c = s.use_h2c;
    let max_connections = Literal::u32_unsuffixed(s.max_connections);
    let max_request_body = Literal::u64_unsuffixed(s.max_request_body);
    let send = Literal::u64_unsuffixed(s.send_timeout_ms);
    let buffered = Literal::u64_unsuffixed(s.max_buffered_responses);
    let read = Literal::u64_unsuffixed(s.read_timeout_ms);
    let write = Literal::u64_unsuffixed(s.write_timeout_ms);
    quote! {
        ServerOptions {
            read_header_timeout_ms: #read_header,
            idle_timeout_ms: #idle,
            max_header_bytes: #max_header_bytes,
            max_shutdown_wait_ms: #shutdown,
            use_h2c: #use_h2c,
            max_connections: #max_connections,
            max_request_body: #max_request_body,
            send_timeout_ms: #send,
            read_timeout_ms: #read,
            write_timeout_ms: #write,
            max_buffered_responses: #buffered,
        }
    }
}

fn segment(s: &Segment) -> TokenStream {
    match s {
        Segment::Static(text) => {
            let text = lit(text);
            quote!(Segment::Static(#text))
        }
        Segment::Param(name) => {
            let name = lit(name);
            quote!(Segment::Param(#name))
        }
        Segment::Affixed {
            prefix,
            name,
            suffix,
        } => {
            let (prefix, name, suffix) = (lit(prefix), lit(name), lit(suffix));
            quote!(Segment::Affixed { prefix: #prefix, name: #name, suffix: #suffix })
        }
    }
}

fn url_piece(p: &UrlPiece) -> TokenStream {
    match p {
        UrlPiece::Literal(text) => {
            let text = lit(text);
            quote!(UrlPiece::Literal(#text))
        }
        UrlPiece::Param(i) => {
            let i = Literal::u16_unsuffixed(*i);
            quote!(UrlPiece::Param(#i))
        }
        UrlPiece::Response { backend, path: p } => {
            let backend = Literal::u16_unsuffixed(*backend);
            let p = path(p);
            quote!(UrlPiece::Response { backend: #backend, path: #p })
        }
        UrlPiece::Jwt(claim) => {
            let claim = lit(claim);
            quote!(UrlPiece::Jwt(#claim))
        }
    }
}

fn flatmap_op(op: &FlatmapOp) -> TokenStream {
    match op {
        FlatmapOp::Move { from, to } => {
            let (from, to) = (path(from), path(to));
            quote!(FlatmapOp::Move { from: #from, to: #to })
        }
        FlatmapOp::Append { from, to } => {
            let (from, to) = (path(from), path(to));
            quote!(FlatmapOp::Append { from: #from, to: #to })
        }
        FlatmapOp::Del { path: p } => {
            let p = path(p);
            quote!(FlatmapOp::Del { path: #p })
        }
    }
}

fn forward(f: &Forward) -> TokenStream {
    match f {
        Forward::Default => quote!(Forward::Default),
        Forward::All => quote!(Forward::All),
        Forward::Only(names) => {
            let names = str_slice(names);
            quote!(Forward::Only(#names))
        }
    }
}

fn value(v: &Value) -> TokenStream {
    match v {
        Value::Null => quote!(Value::Null),
        Value::Bool(b) => quote!(Value::Bool(#b)),
        Value::Number(n) => {
            let n = lit(n);
            quote!(Value::Number(#n))
        }
        Value::String(s) => {
            let s = lit(s);
            quote!(Value::String(#s))
        }
        Value::Array(items) => {
            let items = items.iter().map(value);
            quote!(Value::Array(&[#(#items),*]))
        }
        Value::Object(members) => {
            let members = members.iter().map(|(k, v)| {
                let (k, v) = (lit(k), value(v));
                quote!((#k, #v))
            });
            quote!(Value::Object(&[#(#members),*]))
        }
    }
}

fn method(m: Method) -> TokenStream {
    match m {
        Method::Get => quote!(Method::Get),
        Method::Post => quote!(Method::Post),
        Method::Put => quote!(Method::Put),
        Method::Patch => quote!(Method::Patch),
        Method::Delete => quote!(Method::Delete),
        Method::Head => quote!(Method::Head),
        Method::Options => quote!(Method::Options),
        Method::Connect => quote!(Method::Connect),
        Method::Trace => quote!(Method::Trace),
    }
}

fn method_name(m: Method) -> &'static str {
    match m {
        Method::Get => "GET",
        Method::Post => "POST",
        Method::Put => "PUT",
        Method::Patch => "PATCH",
        Method::Delete => "DELETE",
        Method::Head => "HEAD",
        Method::Options => "OPTIONS",
        Method::Connect => "CONNECT",
        Method::Trace => "TRACE",
    }
}

fn output(o: OutputEncoding) -> TokenStream {
    match o {
        OutputEncoding::Json => quote!(OutputEncoding::Json),
        OutputEncoding::JsonCollection => quote!(OutputEncoding::JsonCollection),
        OutputEncoding::String => quote!(OutputEncoding::String),
        OutputEncoding::Xml => quote!(OutputEncoding::Xml),
        OutputEncoding::Yaml => quote!(OutputEncoding::Yaml),
        OutputEncoding::Negotiate => quote!(OutputEncoding::Negotiate),
        OutputEncoding::NoOp => quote!(OutputEncoding::NoOp),
    }
}

fn encoding(e: Encoding) -> TokenStream {
    match e {
        Encoding::Json => quote!(Encoding::Json),
        Encoding::SafeJson => quote!(Encoding::SafeJson),
        Encoding::String => quote!(Encoding::String),
        Encoding::Xml => quote!(Encoding::Xml),
        Encoding::Rss => quote!(Encoding::Rss),
        Encoding::NoOp => quote!(Encoding::NoOp),
    }
}

fn strategy(s: StaticStrategy) -> TokenStream {
    match s {
        StaticStrategy::Always => quote!(StaticStrategy::Always),
        StaticStrategy::Success => quote!(StaticStrategy::Success),
        StaticStrategy::Complete => quote!(StaticStrategy::Complete),
        StaticStrategy::Errored => quote!(StaticStrategy::Errored),
        StaticStrategy::Incomplete => quote!(StaticStrategy::Incomplete),
    }
}

/// `&["a", "b"]`.
fn path(steps: &[String]) -> TokenStream {
    str_slice(steps)
}

fn str_slice(items: &[String]) -> TokenStream {
    let items = items.iter().map(|s| lit(s));
    quote!(&[#(#items),*])
}

fn option(v: Option<impl quote::ToTokens>) -> TokenStream {
    match v {
        Some(v) => quote!(Some(#v)),
        None => quote!(None),
    }
}

/// A string literal token (the injection guard).
fn lit(s: &str) -> Literal {
    Literal::string(s)
}
