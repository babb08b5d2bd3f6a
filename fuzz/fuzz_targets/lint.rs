//! Fuzz the whole lint path (parse, model, schema, every rule, every
//! renderer) in all three formats: no input may panic.
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let Some((&selector, rest)) = data.split_first() else { return };
    let name = match selector % 3 {
        0 => "krakend.json",
        1 => "krakend.yaml",
        _ => "krakend.toml",
    };
    let text = String::from_utf8_lossy(rest);
    let (files, diags) = gwc::lint_text(name, &text);
    let _ = gwc::diag::render::human::render(&files, &diags, false);
    let _ = gwc::diag::render::json::render(&files, &diags);
    let _ = gwc::diag::render::sarif::render(&files, &diags);
    let _ = gwc::diag::render::github::render(&files, &diags);
});
