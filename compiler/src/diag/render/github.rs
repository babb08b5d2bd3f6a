//! `--format github`: GitHub Actions workflow commands, one per finding.
//!
//! Escaping follows actions/toolkit `escapeData`/`escapeProperty`; columns
//! are only given for one-line ranges, because the runner drops them
//! otherwise (real-clients/README.md §4).

use crate::diag::{Diagnostic, Files, Severity};

/// Renders one `::error …::message` line per diagnostic.
pub fn render(files: &Files, diags: &[Diagnostic]) -> String {
    let mut out = String::new();
    for d in diags {
        let f = files.get(d.primary.file);
        let start = f.index.line_col(&f.text, d.primary.span.start);
        let end = f.index.line_col(&f.text, d.primary.span.end);
        let kind = match d.severity {
            Severity::Error => "error",
            Severity::Warning => "warning",
        };
        let mut props = vec![
            ("file", f.name.replace('\\', "/")),
            ("line", start.line.to_string()),
        ];
        props.push(("endLine", end.line.to_string()));
        if start.line == end.line {
            props.push(("col", start.column.to_string()));
            props.push(("endColumn", end.column.max(start.column).to_string()));
        }
        props.push(("title", format!("gwc ({})", d.code)));
        let props: Vec<String> = props
            .into_iter()
            .map(|(k, v)| format!("{k}={}", escape_property(&v)))
            .collect();
        let mut message = format!(
            "{}:{}:{}: {} {}",
            f.name, start.line, start.column, d.code, d.message
        );
        if let Some(help) = &d.help {
            message.push_str(&format!("\nhelp: {help}"));
        }
        out.push_str(&format!(
            "::{kind} {}::{}\n",
            props.join(","),
            escape_data(&message)
        ));
    }
    out
}

fn escape_data(s: &str) -> String {
    s.replace('%', "%25")
        .replace('\r', "%0D")
        .replace('\n', "%0A")
}

fn escape_property(s: &str) -> String {
    escape_data(s).replace(':', "%3A").replace(',', "%2C")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn escaping() {
        let cases = [
            ("a%b", "a%25b", "a%25b"),
            ("x\r\ny", "x%0D%0Ay", "x%0D%0Ay"),
            ("a:b,c", "a:b,c", "a%3Ab%2Cc"),
        ];
        for (input, data, prop) in cases {
            assert_eq!(escape_data(input), data);
            assert_eq!(escape_property(input), prop);
        }
    }
}
