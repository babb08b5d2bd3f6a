//! `validation/cel` planned: each `check_expr` in the lists CE runs it in
//! (krakend-components §14), in order. The linter has refused every
//! expression that does not parse, reads an undeclared name, calls an
//! unknown function, has a type error, exceeds the bounds or lands in a
//! list where it cannot be evaluated (GW770–GW779), so a config that
//! plans carries only expressions the gateway can run.

use crate::model::validation::cel::{Cel as Model, Level, List, lists_run};

/// The lists, as the runtime's `gw_runtime::spec::Cel`.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Cel {
    /// Contains `req`: before the backends.
    pub pre: Vec<String>,
    /// Contains `resp`: after them.
    pub post: Vec<String>,
    /// Contains `JWT`: the rejecter (endpoint level, with
    /// `auth/validator`).
    pub jwt: Vec<String>,
}

/// Plans the namespace at `level`; `None` when no list runs anything (CE
/// then adds no layer either). Expressions with findings are left out:
/// the build refuses them first, and CE skips them.
pub fn plan(c: &Model<'_>, level: Level, has_validator: bool) -> Option<Cel> {
    if c.shape_error().is_some() {
        // CE's decoder refuses the value: no layer (GW779).
        return None;
    }
    let run = lists_run(level, has_validator);
    let mut out = Cel::default();
    for check in &c.checks {
        let (Some(text), Some(a)) = (&check.check_expr, &check.analysis) else {
            continue;
        };
        if !a.is_clean() {
            continue;
        }
        for l in a.lists.among(run) {
            let list = match l {
                List::Pre => &mut out.pre,
                List::Post => &mut out.post,
                List::Jwt => &mut out.jwt,
            };
            list.push(text.value.clone());
        }
    }
    (out != Cel::default()).then_some(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn planned(json: &str, level: Level, validator: bool) -> Option<Cel> {
        let node = crate::syntax::parse(json, crate::syntax::Format::Json)
            .root
            .expect("json");
        let model = Model::from_node(node.span, &node);
        plan(&model, level, validator)
    }

    #[test]
    fn lists_follow_ce() {
        let json = r#"[
            {"check_expr": "req_method == 'GET'"},
            {"check_expr": "resp_completed"},
            {"check_expr": "size(JWT.roles) > 1"},
            {"check_expr": "int(req_params.Id) % 2 == 0"},
            {"check_expr": "nope =="}
        ]"#;
        let s = |v: &[&str]| v.iter().map(|x| x.to_string()).collect::<Vec<_>>();
        assert_eq!(
            planned(json, Level::Endpoint, true),
            Some(Cel {
                pre: s(&["req_method == 'GET'", "int(req_params.Id) % 2 == 0"]),
                post: s(&["resp_completed"]),
                jwt: s(&["size(JWT.roles) > 1"]),
            })
        );
        assert_eq!(
            planned(json, Level::Backend, false).map(|c| c.jwt),
            Some(Vec::new())
        );
        assert_eq!(
            planned(
                r#"{"check_expr": "req_method == 'GET'"}"#,
                Level::Endpoint,
                false
            ),
            None
        );
        assert_eq!(
            planned(
                r#"[{"check_expr": "size(JWT.roles) > 1"}]"#,
                Level::Endpoint,
                false
            ),
            None
        );
    }

    #[test]
    fn the_runtime_feature_only_when_a_list_runs() {
        let features = |ep: &str, be: &str| {
            let text = format!(
                r#"{{"version": 3, "host": ["http://h"], "endpoints": [{{"endpoint": "/a/{{id}}",
                    "extra_config": {{"validation/cel": {ep}}},
                    "backend": [{{"url_pattern": "/a", "extra_config": {{"validation/cel": {be}}}}}]}}]}}"#
            );
            let parsed = crate::syntax::parse(&text, crate::syntax::Format::Json);
            let root = parsed.root.expect("parses");
            let config = crate::model::Config::from_tree(&root);
            crate::plan::plan(&config, &crate::plan::PlanOptions::default())
                .expect("plans")
                .runtime_features()
        };
        let req = r#"[{"check_expr": "req_method == 'GET'"}]"#;
        assert_eq!(features(req, "[]"), ["cel"]);
        assert_eq!(features("[]", req), ["cel"]);
        // A JWT rule without `auth/validator` runs nowhere (GW776).
        assert!(features(r#"[{"check_expr": "has(JWT.sub)"}]"#, "[]").is_empty());
    }
}
