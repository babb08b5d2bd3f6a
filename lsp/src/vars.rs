//! `{variables}`: where an endpoint declares one and where its backends'
//! `url_pattern`s use it, for go to definition, find references, rename
//! and hover.
//!
//! Variables are read exactly as `gwc lint` and KrakenD read them
//! ([`gwc::model::pattern`]): an endpoint declares `{name}` after a `/`
//! (anywhere with `disable_rest`), a `url_pattern` uses `{name}` anywhere.
//! Sequential (`{resp0_id}`) and JWT (`{JWT.sub}`) variables are not
//! endpoint variables and have no declaration to go to.

use gwc::model::pattern::{self, OutputParam};
use gwc::model::{Config, Spanned};
use gwc::syntax::{ScalarStyle, Span};

/// Where a variable is written, by its name only (no braces): what a rename
/// replaces.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Site {
    /// The span of the name.
    pub span: Span,
    /// Whether this is the endpoint's declaration.
    pub declaration: bool,
}

/// One endpoint variable and every place it is written.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Variable {
    /// The name.
    pub name: String,
    /// The endpoint's index in `endpoints`.
    pub endpoint: usize,
    /// The endpoint path, as written.
    pub endpoint_path: String,
    /// The declaration in the endpoint path, if the endpoint declares it.
    pub declaration: Option<Site>,
    /// The uses in the backends' `url_pattern`s, in order.
    pub uses: Vec<Site>,
    /// The site under the offset that found it.
    pub at: Site,
    /// Whether the root sets `disable_rest` (which widens valid names).
    pub disable_rest: bool,
}

/// A `url_pattern` variable that is not an endpoint variable.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct OtherVariable {
    /// The name between the braces.
    pub name: String,
    /// What KrakenD fills it with.
    pub kind: String,
    /// The span of `{name}`.
    pub span: Span,
}

/// What is at an offset.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Found {
    /// An endpoint variable (declared or used).
    Endpoint(Variable),
    /// A sequential, JWT or Enterprise variable in a `url_pattern`.
    Other(OtherVariable),
}

/// Whether sub-spans of the string map 1:1 onto the source.
fn verbatim(s: &Spanned<String>) -> bool {
    s.style != ScalarStyle::Opaque
}

fn inside(span: Span, offset: usize) -> bool {
    span.start <= offset && offset < span.end
}

/// The variable whose `{name}` is at `offset`.
pub fn at(config: &Config<'_>, offset: usize) -> Option<Found> {
    let disable_rest = config.disable_rest;
    for ep in &config.endpoints {
        if let Some(path) = ep.path.as_ref().filter(|p| verbatim(p))
            && inside(path.span, offset)
        {
            let v = pattern::declared_vars(&path.value, disable_rest)
                .into_iter()
                .find(|v| inside(path.sub_span(v.range.clone()), offset))?;
            let name = v.name.to_string();
            return variable(config, ep.index, &name, offset);
        }
        for b in &ep.backends {
            let Some(url) = b.url_pattern.as_ref().filter(|u| verbatim(u)) else {
                continue;
            };
            if !inside(url.span, offset) {
                continue;
            }
            let v = pattern::url_pattern_vars(&url.value)
                .into_iter()
                .find(|v| inside(url.sub_span(v.range.clone()), offset))?;
            let kind = match pattern::output_param(v.name) {
                OutputParam::Plain => return variable(config, ep.index, v.name, offset),
                OutputParam::Response { backend, field } => format!(
                    "filled by the sequential proxy from field `{field}` of backend {backend}'s response"
                ),
                OutputParam::WholeResponse { backend } => format!(
                    "a response variable of backend {backend} without a field (KrakenD CE refuses it)"
                ),
                OutputParam::Jwt => "filled from a claim of the validated JWT".to_string(),
                OutputParam::Enterprise { source, key } => format!(
                    "KrakenD Enterprise dynamic routing: the `{key}` value of `{source}` (CE refuses it)"
                ),
            };
            return Some(Found::Other(OtherVariable {
                name: v.name.to_string(),
                kind,
                span: url.sub_span(v.range.clone()),
            }));
        }
    }
    None
}

/// Every place of the variable `name` of endpoint `index`.
fn variable(config: &Config<'_>, index: usize, name: &str, offset: usize) -> Option<Found> {
    let ep = config.endpoints.iter().find(|e| e.index == index)?;
    let path = ep.path.as_ref()?;
    let declaration = verbatim(path)
        .then(|| {
            pattern::declared_vars(&path.value, config.disable_rest)
                .into_iter()
                .find(|v| v.name == name)
                .map(|v| Site {
                    span: path.sub_span(v.name_range()),
                    declaration: true,
                })
        })
        .flatten();
    let uses: Vec<Site> = ep
        .backends
        .iter()
        .filter_map(|b| b.url_pattern.as_ref().filter(|u| verbatim(u)))
        .flat_map(|url| {
            pattern::url_pattern_vars(&url.value)
                .into_iter()
                .filter(|v| v.name == name)
                .map(|v| Site {
                    span: url.sub_span(v.name_range()),
                    declaration: false,
                })
                .collect::<Vec<_>>()
        })
        .collect();
    let with_braces = |s: &Site| Span::new(s.span.start.saturating_sub(1), s.span.end + 1);
    let at = declaration
        .iter()
        .chain(&uses)
        .find(|s| inside(with_braces(s), offset))?
        .clone();
    Some(Found::Endpoint(Variable {
        name: name.to_string(),
        endpoint: index,
        endpoint_path: path.value.clone(),
        declaration,
        uses,
        at,
        disable_rest: config.disable_rest,
    }))
}

/// Whether `name` is a valid endpoint variable name (REST mode: letters,
/// digits, `_`, `-`; with `disable_rest` also `.`, `:` and `/`).
pub fn valid_name(name: &str, disable_rest: bool) -> bool {
    !name.is_empty()
        && name.bytes().all(|b| {
            b.is_ascii_alphanumeric()
                || matches!(b, b'_' | b'-')
                || (disable_rest && matches!(b, b'.' | b':' | b'/'))
        })
}

#[cfg(test)]
mod tests {
    use super::*;
    use gwc::syntax::{Format, parse};

    const TEXT: &str = r#"{"version": 3, "endpoints": [
  {"endpoint": "/users/{id}/{kind}", "backend": [
    {"url_pattern": "/u/{id}?k={kind}&again={id}"},
    {"url_pattern": "/x/{resp0_name}/{JWT.sub}/{nope}"},
    {"url_pattern": "/esc\u002f{id}"}
  ]},
  {"endpoint": "/other/{id}", "backend": [{"url_pattern": "/o/{id}"}]}
]}"#;

    #[test]
    fn variables_at_offsets() {
        let parsed = parse(TEXT, Format::Json);
        let root = parsed.root.as_ref().expect("parses");
        let config = Config::from_tree(root);
        let nth = |needle: &str, n: usize| {
            TEXT.match_indices(needle)
                .nth(n)
                .map(|(i, _)| i)
                .expect("needle")
        };
        let text_of = |s: &Site| &TEXT[s.span.start..s.span.end];

        // From the declaration: all three uses in the first endpoint only.
        let Some(Found::Endpoint(v)) = at(&config, nth("{id}", 0) + 1) else {
            panic!("declaration");
        };
        assert_eq!((v.name.as_str(), v.endpoint), ("id", 0));
        assert!(v.at.declaration);
        assert_eq!(v.uses.len(), 2, "{v:?}");
        assert!(v.uses.iter().all(|s| text_of(s) == "id"));
        assert_eq!(v.declaration.as_ref().map(text_of), Some("id"));

        // From a use, on the opening brace.
        let Some(Found::Endpoint(v)) = at(&config, nth("{kind}", 1)) else {
            panic!("use");
        };
        assert_eq!(v.name, "kind");
        assert!(!v.at.declaration);
        assert_eq!(v.at.span.start, nth("{kind}", 1) + 1);

        // The second endpoint's `{id}` is another variable.
        let Some(Found::Endpoint(v)) = at(&config, nth("/o/{id}", 0) + 4) else {
            panic!("second endpoint");
        };
        assert_eq!((v.endpoint, v.uses.len()), (1, 1));

        // Not endpoint variables.
        let Some(Found::Other(o)) = at(&config, nth("{resp0_name}", 0) + 2) else {
            panic!("resp");
        };
        assert!(o.kind.contains("backend 0"), "{o:?}");
        assert!(matches!(
            at(&config, nth("{JWT.sub}", 0) + 2),
            Some(Found::Other(_))
        ));
        // An undeclared name still navigates among its uses (none declared).
        let Some(Found::Endpoint(v)) = at(&config, nth("{nope}", 0) + 2) else {
            panic!("nope");
        };
        assert_eq!(v.declaration, None);
        // Outside braces, and in a string with escapes: nothing.
        assert_eq!(at(&config, nth("/u/", 0) + 1), None);
        assert_eq!(at(&config, nth("/esc", 0) + 6), None);
        assert_eq!(at(&config, 0), None);
    }

    #[test]
    fn names() {
        let cases = [
            ("id", false, true),
            ("user-id_2", false, true),
            ("a.b", false, false),
            ("a.b", true, true),
            ("", true, false),
            ("a}", true, false),
            ("é", false, false),
        ];
        for (name, dr, want) in cases {
            assert_eq!(valid_name(name, dr), want, "{name} {dr}");
        }
    }
}
