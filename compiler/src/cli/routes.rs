//! `gwc routes`: the route table per method, as the gateway will serve it.

use std::path::PathBuf;

use clap::Args;

use super::{ColorChoice, EXIT_FINDINGS, EXIT_OK};
use crate::check::routes::{self, METHODS};
use crate::diag::render;
use crate::model::Config;
use crate::syntax::{self, Format};

/// Arguments of `gwc routes`.
#[derive(Args, Debug)]
pub struct RoutesArgs {
    /// The config file.
    #[arg(value_name = "CONFIG")]
    pub file: PathBuf,
    /// Colour diagnostics.
    #[arg(long, value_enum, default_value_t)]
    pub color: ColorChoice,
}

/// Runs `gwc routes`.
pub fn run(args: RoutesArgs) -> miette::Result<u8> {
    let files = super::read_files(std::slice::from_ref(&args.file))?;
    let source = files.get(0);
    let parsed = syntax::parse(&source.text, Format::from_path(&source.name));
    let diags = crate::lint(&files);
    let errors: Vec<_> = diags.iter().filter(|d| d.is_error()).cloned().collect();
    let Some(root) = &parsed.root else {
        eprint!(
            "{}",
            render::human::render(&files, &errors, args.color.enabled())
        );
        return Ok(EXIT_FINDINGS);
    };
    super::print(&table(&Config::from_tree(root)))?;
    if !errors.is_empty() {
        eprint!(
            "{}",
            render::human::render(&files, &errors, args.color.enabled())
        );
        return Ok(EXIT_FINDINGS);
    }
    Ok(EXIT_OK)
}

/// The table text: one block per method, paths in registration order.
///
/// Each path is the route gin registers ([`routes::served_path`]: `//`
/// collapsed, `.` and `..` resolved), variables written `{var}`; an
/// endpoint written otherwise says so after its target.
pub fn table(config: &Config<'_>) -> String {
    let router = config.extra.router.clone().unwrap_or_default();
    let mut out = String::new();
    let mut methods: Vec<&str> = METHODS.to_vec();
    if router.auto_options {
        methods.push("OPTIONS");
    }
    for method in methods {
        let mut rows: Vec<(String, String)> = Vec::new();
        if method == "GET"
            && let Some(health) = routes::health_route(config)
        {
            rows.push((health, "gateway health check".to_string()));
        }
        // lura registers these (gin's `Any`) after the health check.
        for (on, route, what) in [
            (
                config.debug_endpoint,
                "/__debug/*param",
                "gateway debug answer (`debug_endpoint`)",
            ),
            (
                config.echo_endpoint,
                "/__echo/*param",
                "gateway echo of the request (`echo_endpoint`)",
            ),
        ] {
            if on {
                rows.push((route.to_string(), what.to_string()));
            }
        }
        // OPTIONS: lura's catalog keys, one route each.
        let mut catalog: Vec<String> = Vec::new();
        for ep in &config.endpoints {
            let m = ep.method_upper();
            // KrakenD drops endpoints with other methods: no route, and no
            // OPTIONS route either.
            if !METHODS.contains(&m.as_str()) || (m != method && method != "OPTIONS") {
                continue;
            }
            let Some(path) = &ep.path else { continue };
            let key = routes::gin_route(&path.value, config.disable_rest);
            let target = if method == "OPTIONS" {
                if catalog.contains(&key) {
                    continue;
                }
                // lura answers with the methods registered under the same
                // catalog key (the path before gin cleans it).
                let mut allowed: Vec<String> = config
                    .endpoints
                    .iter()
                    .filter(|e| {
                        e.path.as_ref().is_some_and(|p| {
                            routes::gin_route(&p.value, config.disable_rest) == key
                        })
                    })
                    .map(|e| e.method_upper())
                    .filter(|m| METHODS.contains(&m.as_str()))
                    .collect();
                allowed.sort();
                allowed.dedup();
                catalog.push(key);
                format!("Allow: {}", allowed.join(", "))
            } else {
                ep.backends
                    .iter()
                    .map(|b| {
                        let bm = b
                            .method
                            .as_ref()
                            .map_or(m.clone(), |x| x.value.to_ascii_uppercase());
                        let host = b
                            .host
                            .as_ref()
                            .and_then(|h| h.value.first())
                            .or_else(|| config.host.as_ref().and_then(|h| h.value.first()))
                            .map_or("(no host)", |h| h.value.as_str());
                        let url = b.url_pattern.as_ref().map_or("", |u| u.value.as_str());
                        format!("{bm} {host}{url}")
                    })
                    .collect::<Vec<_>>()
                    .join(" + ")
            };
            let served = routes::served_path(&path.value);
            let target = if served == path.value {
                target
            } else {
                format!("{target}  (written `{}`)", path.value)
            };
            rows.push((served, target));
        }
        if rows.is_empty() {
            continue;
        }
        out.push_str(method);
        out.push('\n');
        let width = rows
            .iter()
            .map(|(p, _)| p.chars().count())
            .max()
            .unwrap_or(0);
        for (path, target) in rows {
            out.push_str(&format!("  {path:<width$}  -> {target}\n"));
        }
    }
    let skipped: Vec<String> = config
        .endpoints
        .iter()
        .filter(|e| !METHODS.contains(&e.method_upper().as_str()))
        .filter_map(|e| {
            e.path
                .as_ref()
                .map(|p| format!("{} {}", e.method_upper(), p.value))
        })
        .collect();
    if !skipped.is_empty() {
        out.push_str(&format!(
            "not served (unsupported method): {}\n",
            skipped.join(", ")
        ));
    }
    out
}
