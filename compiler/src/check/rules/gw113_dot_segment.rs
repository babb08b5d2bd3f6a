//! a `.` or `..` segment in an endpoint path: the route is registered without it
//!
//! ## What it does
//! Reports an `endpoint` with a `/./` or `/../` segment (or one at its end,
//! `/a/.`, `/a/..`), says which path the router really serves, and offers to
//! write that path.
//!
//! ## Why is this bad?
//! lura does not touch dot segments: its `CleanPath` (`config/uri.go`) only
//! makes sure the path starts with one `/`. gin removes them when the route
//! is registered: lura adds every endpoint through the router group `/`
//! (`router/gin/router.go` `registerEndpointsAndMiddlewares`), and the group joins
//! each path to `/` with Go's `path.Join` (gin `routergroup.go`
//! `calculateAbsolutePath`, `utils.go` `joinPaths`). So `/v1/users/../orders`
//! is served as `/v1/orders`, and `/a/./b` as `/a/b`: the file says another
//! path than the one served. A `..` also drops the segment before it, with
//! any `{variable}` in it: lura takes the endpoint's parameters from the
//! path before gin cleans it (`config/config.go` `initEndpoints`), so it
//! still accepts a backend that uses the variable, but gin never sets it
//! and that backend receives `{{.Var}}` literally. gwc routes, checks and
//! builds the endpoint on the cleaned path, as gin does: two endpoints that
//! clean to the same route are GW102's error (gin panics at start,
//! `handlers are already registered`).
//!
//! Requests are not cleaned before matching (gin only does that with
//! `router.remove_extra_slash`), but most clients resolve dot segments
//! before sending, and on a miss gin's `RedirectFixedPath` (on in KrakenD)
//! cleans the path and redirects to the route it finds. That is why this is
//! a warning: the endpoint answers, on another path than written.
//!
//! ## Example
//! ```json
//! { "endpoint": "/v1/users/../orders", "backend": [{ "url_pattern": "/orders" }] }
//! ```
//!
//! ## How to fix it
//! Write the path that is served (`/v1/orders`). When a `..` drops a
//! `{variable}` that a backend uses, that backend never got its value:
//! take it from a variable of the served path, or remove it.

use crate::check::Context;
use crate::check::routes::{self, dot_segments};
use crate::diag::Diagnostic;
use crate::model::pattern;
use crate::syntax::ScalarStyle;

/// The rule's code.
pub const CODE: &str = "GW113";

/// Reports each endpoint path with dot segments once, at the first of them.
pub fn check(cx: &Context<'_>, out: &mut Vec<Diagnostic>) {
    let disable_rest = cx.config.disable_rest;
    for ep in &cx.config.endpoints {
        let Some(path) = &ep.path else { continue };
        // The query string part is GW104's.
        let head = &path.value[..path.value.find('?').unwrap_or(path.value.len())];
        let dots = dot_segments(head);
        let Some(first) = dots.first() else { continue };
        let served = routes::served_path(head);
        let label = if &head[first.clone()] == "." {
            "gin drops this `.` segment".to_string()
        } else {
            match head[..first.start].trim_end_matches('/').rsplit('/').next() {
                Some(before) if !before.is_empty() && before != "." && before != ".." => {
                    format!("gin drops this `..` and the `{before}` before it")
                }
                _ => "gin drops this `..`".to_string(),
            }
        };
        let mut d = cx
            .diag(CODE, path.sub_span(first.clone()), format!("endpoint `{}` is served as `{served}`", path.value))
            .with_label(label);
        for more in &dots[1..] {
            d = d.with_secondary(path.sub_span(more.clone()), format!("gin drops this `{}` too", &head[more.clone()]));
        }
        // Variables that `..` removes with their segment.
        let kept = pattern::endpoint_vars(&served, disable_rest);
        for var in pattern::declared_vars(head, disable_rest) {
            if kept.iter().any(|k| k.name == var.name) {
                continue;
            }
            let braced = format!("{{{}}}", var.name);
            let used = ep.backends.iter().any(|b| b.url_pattern.as_ref().is_some_and(|u| u.value.contains(&braced)));
            // lura upper-cases the first letter (`{id}` → `{{.Id}}`).
            let mut chars = var.name.chars();
            let title: String = chars.next().map(|c| c.to_ascii_uppercase()).into_iter().chain(chars).collect();
            let go_key = format!("{{{{.{title}}}}}");
            d = d.with_note(if used {
                format!("`{braced}` goes with it: gin never sets it, so the backends that use it receive `{go_key}` literally")
            } else {
                format!("`{braced}` goes with it: gin never sets it")
            });
        }
        d = d.with_help(format!("write the path that is served: `{served}`"));
        if path.style != ScalarStyle::Opaque {
            d = d.with_fix(format!("write `{served}`"), path.sub_span(0..head.len()), served.clone());
        }
        out.push(d);
    }
}
