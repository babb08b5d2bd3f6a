//! `gwc explain`.

use clap::Args;

use super::{EXIT_FAILURE, EXIT_OK};
use crate::check::registry::{self, RULES};

/// Arguments of `gwc explain`.
#[derive(Args, Debug)]
pub struct ExplainArgs {
    /// A rule code (`GW101`); without one, every rule is listed.
    pub code: Option<String>,
}

/// Runs `gwc explain`.
pub fn run(args: ExplainArgs) -> miette::Result<u8> {
    let Some(code) = args.code else {
        let mut list = String::new();
        for r in RULES {
            list.push_str(&format!(
                "{}  {:<7}  {:<32} {}\n",
                r.code,
                r.severity.as_str(),
                r.name,
                r.summary()
            ));
        }
        super::print(&list)?;
        return Ok(EXIT_OK);
    };
    match registry::find(&code) {
        Some(r) => {
            super::print(&explain_text(r))?;
            Ok(EXIT_OK)
        }
        None => {
            eprintln!("error: no rule `{code}`; `gwc explain` lists them all");
            Ok(EXIT_FAILURE)
        }
    }
}

/// The text `gwc explain CODE` prints.
pub fn explain_text(r: &registry::Rule) -> String {
    let doc = r.doc_text();
    let body = doc.split_once('\n').map_or("", |(_, rest)| rest).trim();
    format!(
        "{} ({}, {} by default): {}\n\n{}\n",
        r.code,
        r.name,
        r.severity.as_str(),
        r.summary(),
        body
    )
}
