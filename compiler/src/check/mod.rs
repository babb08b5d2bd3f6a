//! Checks: every rule runs over one file and pushes [`Diagnostic`]s.
//!
//! Syntax rules see the parse result (they run on every file); tree rules
//! see the typed model (they run when the file parsed). Rules never print
//! and never stop each other: a file reports everything at once.

pub mod durations;
pub mod edits;
pub mod enterprise;
pub mod gwc;
pub mod registry;
pub mod routes;
pub mod rules;
pub mod schema;
pub mod suggest;
pub mod unsupported;

use crate::diag::{Diagnostic, FileId, Files};
use crate::model::Config;
use crate::syntax::{self, Format, Node, Parsed};

/// What a syntax rule sees.
pub struct SyntaxContext<'a> {
    /// The file id (for labels).
    pub file: FileId,
    /// The source text.
    pub text: &'a str,
    /// The format it was read as.
    pub format: Format,
    /// The parse result.
    pub parsed: &'a Parsed,
}

/// How a check runs.
#[derive(Clone, Debug, Default)]
pub struct CheckOptions {
    /// Also run the build rules (GW9xx): what `gwc build` and `gwc lint
    /// --build` check.
    pub build: bool,
    /// Settings the user accepts the gateway ignoring, from the command
    /// line (`--allow-unsupported`), besides the config's own list.
    pub allow_unsupported: Vec<String>,
}

/// What a tree rule sees.
pub struct Context<'a> {
    /// The file id (for labels).
    pub file: FileId,
    /// The source text.
    pub text: &'a str,
    /// The format it was read as.
    pub format: Format,
    /// The parse result (comments, trailing commas).
    pub parsed: &'a Parsed,
    /// The root node.
    pub root: &'a Node,
    /// The typed model.
    pub config: &'a Config<'a>,
    /// How the check runs.
    pub options: &'a CheckOptions,
    /// The schema check's findings, computed by the first GW8xx rule that
    /// asks ([`schema::violations`]) and shared by the others.
    pub(crate) schema: std::cell::OnceCell<Vec<schema::Violation>>,
}

impl Context<'_> {
    /// A diagnostic in this file.
    pub fn diag(
        &self,
        code: &'static str,
        span: syntax::Span,
        message: impl Into<String>,
    ) -> Diagnostic {
        Diagnostic::new(code, self.file, span, message)
    }

    /// Whether the root `router.auto_options` is on.
    pub fn auto_options(&self) -> bool {
        self.config
            .extra
            .router
            .as_ref()
            .is_some_and(|r| r.auto_options)
    }
}

/// Parses and checks one file of `files`, returning its diagnostics sorted.
pub fn check_file(files: &Files, file: FileId) -> Vec<Diagnostic> {
    check_file_with(files, file, &CheckOptions::default())
}

/// [`check_file`] with options (e.g. the build rules).
pub fn check_file_with(files: &Files, file: FileId, options: &CheckOptions) -> Vec<Diagnostic> {
    let source = files.get(file);
    let format = Format::from_path(&source.name);
    let parsed = syntax::parse(&source.text, format);
    check_parsed_with(file, &source.text, format, &parsed, options)
}

/// Checks an already parsed file.
pub fn check_parsed(file: FileId, text: &str, format: Format, parsed: &Parsed) -> Vec<Diagnostic> {
    check_parsed_with(file, text, format, parsed, &CheckOptions::default())
}

/// [`check_parsed`] with options.
pub fn check_parsed_with(
    file: FileId,
    text: &str,
    format: Format,
    parsed: &Parsed,
    options: &CheckOptions,
) -> Vec<Diagnostic> {
    let mut out = Vec::new();
    let scx = SyntaxContext {
        file,
        text,
        format,
        parsed,
    };
    for rule in registry::RULES {
        if let registry::Check::Syntax(check) = rule.check {
            check(&scx, &mut out);
        }
    }
    if let Some(root) = &parsed.root {
        let config = Config::from_tree(root);
        let cx = Context {
            file,
            text,
            format,
            parsed,
            root,
            config: &config,
            options,
            schema: std::cell::OnceCell::new(),
        };
        // A v1/v2 file is refused before anything else: KrakenD reads it with
        // other semantics, so every finding but the version one is noise.
        let legacy = config.legacy_version().is_some();
        for rule in registry::RULES {
            let check = match rule.check {
                registry::Check::Tree(check) => check,
                registry::Check::Build(check) if options.build => check,
                _ => continue,
            };
            if !legacy || rule.code == rules::gw401_unsupported_version::CODE {
                check(&cx, &mut out);
            }
        }
    }
    for d in &mut out {
        d.severity = registry::default_severity(d.code);
    }
    if let Some(root) = &parsed.root {
        out = rules::gw006_invalid_allow::apply(file, root, out);
    }
    crate::diag::sort(&mut out);
    out
}
