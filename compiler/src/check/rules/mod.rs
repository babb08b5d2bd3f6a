//! Every rule, one file each, registered in the one table below.
//!
//! Code families (DESIGN.md §2): GW0xx syntax, GW1xx routing, GW2xx
//! variables, GW3xx encodings and data manipulation, GW4xx backends, hosts
//! and values, GW5xx load balancing/health/failover/http-client, GW8xx
//! schema, GW9xx build limits.

crate::check::registry::registry! {
    "GW001" gw001_syntax_error Error Syntax;
    "GW002" gw002_template_file Error Syntax;
    "GW003" gw003_comment Error Syntax;
    "GW004" gw004_trailing_comma Error Syntax;
    "GW005" gw005_duplicate_key Error Tree;
    "GW101" gw101_route_conflict Error Tree;
    "GW401" gw401_unsupported_version Error Tree;
    "GW402" gw402_endpoint_without_backends Error Tree;
    "GW403" gw403_backend_without_host Error Tree;
    "GW404" gw404_invalid_host Error Tree;
    "GW405" gw405_host_without_scheme Warning Tree;
    "GW406" gw406_invalid_duration Error Tree;
    "GW407" gw407_numeric_duration Warning Tree;
    "GW408" gw408_shadow_timeout_ignored Warning Tree;
    "GW409" gw409_concurrent_calls_range Warning Tree;
    "GW410" gw410_legacy_key Warning Tree;
    "GW411" gw411_content_type_not_forwarded Warning Tree;
    "GW412" gw412_forward_all_headers Warning Tree;
    "GW413" gw413_invalid_port Error Tree;
    "GW414" gw414_invalid_listen_ip Error Tree;
    "GW415" gw415_negative_idle_connections Warning Tree;
    "GW416" gw416_concurrent_calls_write Warning Tree;
}
