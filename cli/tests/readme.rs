//! The README's rule table is generated from the registry; this test keeps
//! them in step (`GWC_BLESS=1` rewrites the table instead of failing).

use std::path::Path;

use gwc::check::registry::RULES;

const START: &str = "<!-- rules:start -->";
const END: &str = "<!-- rules:end -->";

fn table() -> String {
    let mut out = String::from("| code | name | severity | what it reports |\n|---|---|---|---|\n");
    for r in RULES {
        out.push_str(&format!(
            "| {} | `{}` | {} | {} |\n",
            r.code,
            r.name,
            r.severity.as_str(),
            r.summary().replace('|', "\\|")
        ));
    }
    out
}

#[test]
fn readme_rule_table_is_current() {
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("../README.md");
    let readme = std::fs::read_to_string(&path).expect("README.md");
    let (Some(start), Some(end)) = (readme.find(START), readme.find(END)) else {
        panic!("README.md lacks the {START} … {END} markers");
    };
    let current = &readme[start + START.len()..end];
    let wanted = format!("\n{}", table());
    if current == wanted {
        return;
    }
    if std::env::var_os("GWC_BLESS").is_some() {
        let updated = format!("{}{}{}{}", &readme[..start], START, wanted, &readme[end..]);
        std::fs::write(&path, updated).expect("write README.md");
        return;
    }
    panic!(
        "the README rule table is out of date: run `GWC_BLESS=1 cargo test -p gwc --test readme`"
    );
}
