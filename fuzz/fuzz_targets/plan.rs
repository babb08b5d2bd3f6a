//! Fuzz what `gwc build` does before cargo: lint with the build rules, and
//! for a config that lints without an error, parse, model, plan (every
//! component's defaults, regexes, keys, CORS and security settings) and
//! generate the crate's source. No input may panic, and a config that
//! lints clean must plan: `gwc build` reports that as an internal error.
#![no_main]

use gwc::check::CheckOptions;
use gwc::model::Config;
use gwc::plan::{PlanOptions, plan};
use gwc::syntax::{self, Format};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else { return };
    let options = CheckOptions {
        build: true,
        allow_unsupported: Vec::new(),
    };
    let (_, diags) = gwc::lint_text_with("krakend.json", text, &options);
    if diags.iter().any(|d| d.is_error()) {
        return;
    }
    let parsed = syntax::parse(text, Format::Json);
    let Some(root) = parsed.root.as_ref() else {
        panic!("linted clean but does not parse");
    };
    let config = Config::from_tree(root);
    let plan = match plan(&config, &PlanOptions::default()) {
        Ok(plan) => plan,
        Err(e) => panic!("linted clean but cannot be planned: {e}"),
    };
    let _ = plan.runtime_features();
    let _ = gwc::codegen::generated_rs(&plan, "krakend.json");
});
