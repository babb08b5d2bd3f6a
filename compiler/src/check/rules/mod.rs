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
    "GW102" gw102_duplicate_route Error Tree;
    "GW103" gw103_path_without_leading_slash Warning Tree;
    "GW104" gw104_reserved_path_character Error Tree;
    "GW105" gw105_wildcard_endpoint Error Tree;
    "GW106" gw106_reserved_path Error Tree;
    "GW107" gw107_health_path_conflict Error Tree;
    "GW108" gw108_partial_segment_variable Error Tree;
    "GW109" gw109_unrestful_variable Error Tree;
    "GW110" gw110_unsupported_method Error Tree;
    "GW111" gw111_variable_case_collision Warning Tree;
}
