//! two endpoints register the same route for the same method
//!
//! ## What it does
//! Reports an endpoint whose method and path were already declared, after
//! the router's own path cleaning: gin joins every endpoint to the router
//! group `/` with Go's `path.Join` (gin `utils.go` `joinPaths`), which
//! collapses `//`, drops `.` segments and lets `..` drop the segment before
//! it. So `/foo//bar`, `/foo/./bar` and `/foo/x/../bar` are all the route
//! `/foo/bar`. With `router.auto_options` on, it also reports two paths that
//! are written differently but clean to the same route, even under
//! different methods, since both then register the same OPTIONS route.
//!
//! ## Why is this bad?
//! gin panics while registering the second one, so KrakenD does not start:
//! `handlers are already registered for path '/users'`. `krakend check`
//! only catches it with `-t`.
//!
//! ## Example
//! ```json
//! { "endpoint": "/users", "backend": [{ "url_pattern": "/v1/users" }] },
//! { "endpoint": "/v2/../users", "backend": [{ "url_pattern": "/v2/users" }] }
//! ```
//!
//! ## How to fix it
//! Keep one of the two endpoints (merge their backends if both are needed),
//! or give them different paths or methods. The same path under different
//! methods is fine.

use crate::check::Context;
use crate::check::routes::{self, OPTIONS};
use crate::diag::Diagnostic;
use crate::model::pattern;

/// The rule's code.
pub const CODE: &str = "GW102";

/// Reports each route registered twice in one of gin's trees.
pub fn check(cx: &Context<'_>, out: &mut Vec<Diagnostic>) {
    let table = routes::build(cx.config, cx.auto_options());
    for dup in &table.duplicates {
        let (Some(first), Some(second)) = (cx.config.endpoints.get(dup.first), cx.config.endpoints.get(dup.second)) else {
            continue;
        };
        let (Some(first_path), Some(second_path)) = (&first.path, &second.path) else { continue };
        let (first_method, second_method) = (first.method_upper(), second.method_upper());
        let (first_shown, second_shown) = (shown(&first_path.value), shown(&second_path.value));
        let route = &dup.route;
        let panic = format!("KrakenD panics at start: `handlers are already registered for path '{route}'`");
        let d = if dup.method == OPTIONS {
            cx.diag(
                CODE,
                second_path.span,
                format!("endpoint `{}` registers the OPTIONS route `{route}` a second time", second_shown),
            )
            .with_label(format!("`{second_method} {}` is the route `{route}`", second_shown))
            .with_secondary(first_path.span, format!("`{first_method} {}` already registered `OPTIONS {route}`", first_shown))
            .with_help(format!(
                "write both paths as `{route}`: `router.auto_options` then registers one OPTIONS route for both methods"
            ))
            .with_note(format!(
                "`router.auto_options` adds an OPTIONS route per distinct path as written, and gin cleans paths (`//`, `.`, `..`); {panic}"
            ))
        } else {
            let message = if first_path.value == second_path.value {
                format!("duplicate endpoint `{second_method} {}`", second_shown)
            } else {
                format!("endpoint `{second_method} {second_shown}` is the same route as `{first_shown}`")
            };
            let mut d = cx
                .diag(CODE, second_path.span, message)
                .with_label("registered again here")
                .with_secondary(first_path.span, format!("`{first_method} {}` is first declared here", first_shown))
                .with_help(format!(
                    "remove one of the two endpoints, or change its path or method ({panic})"
                ));
            if first_path.value != second_path.value {
                let (a, b) = (routes::clean_path(&first_path.value), routes::clean_path(&second_path.value));
                let how = if a == b {
                    "KrakenD adds a missing leading `/`"
                } else if pattern::collapse_slashes(&a) == pattern::collapse_slashes(&b) {
                    "gin collapses `//` in paths"
                } else {
                    "gin cleans paths with Go's `path.Join`: it drops `.` segments, and a `..` with the segment before it"
                };
                d = d.with_note(format!("{how}, so both register `{route}`"));
            }
            d
        };
        out.push(d);
    }
}

/// A path as the messages show it (`""` for an empty one).
fn shown(path: &str) -> &str {
    if path.is_empty() { "\"\"" } else { path }
}
