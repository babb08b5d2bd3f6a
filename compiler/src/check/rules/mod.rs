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
}
