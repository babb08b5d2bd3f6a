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
    "GW005" gw005_duplicate_key Warning Tree;
    "GW006" gw006_invalid_allow Warning Tree;
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
    "GW201" gw201_undefined_url_variable Error Tree;
    "GW202" gw202_unused_endpoint_variable Warning Tree;
    "GW203" gw203_sequential_variable_without_sequential Error Tree;
    "GW204" gw204_sequential_variable_not_earlier Error Tree;
    "GW205" gw205_response_variable_without_field Error Tree;
    "GW206" gw206_enterprise_variable Error Tree;
    "GW207" gw207_propagated_param_never_set Warning Tree;
    "GW301" gw301_unknown_output_encoding Error Tree;
    "GW302" gw302_unknown_backend_encoding Error Tree;
    "GW303" gw303_noop_with_several_backends Error Tree;
    "GW304" gw304_manipulation_on_noop Warning Tree;
    "GW305" gw305_allow_and_deny Warning Tree;
    "GW306" gw306_mapping_with_dot Warning Tree;
    "GW307" gw307_endpoint_flatmap_single_backend Warning Tree;
    "GW308" gw308_enterprise_fast_json Warning Tree;
    "GW309" gw309_unknown_flatmap_operation Error Tree;
    "GW310" gw310_unknown_static_strategy Error Tree;
    "GW311" gw311_all_backends_shadow Warning Tree;
    "GW312" gw312_flatmap_replaces_filters Warning Tree;
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
    "GW801" gw801_unknown_key Warning Tree;
    "GW802" gw802_wrong_type Error Tree;
    "GW803" gw803_unknown_value Error Tree;
    "GW804" gw804_missing_key Error Tree;
    "GW805" gw805_value_out_of_range Error Tree;
    "GW901" gw901_unsupported_namespace Error Build;
    "GW902" gw902_unsupported_option Error Build;
    "GW903" gw903_unused_allow_unsupported Warning Build;
    "GW904" gw904_unsupported_host Error Build;
}
