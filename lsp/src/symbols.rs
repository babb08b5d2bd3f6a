//! Document symbols: an outline of the endpoints (`GET /users/{id}`) and,
//! under each, its backends (`url_pattern`, and the first host as detail).

use gwc::model::Config;
use tower_lsp_server::ls_types::{
    DocumentSymbol, DocumentSymbolResponse, Location, SymbolInformation, SymbolKind, Uri,
};

use crate::caps::ClientCaps;
use crate::document::Analysis;

/// The outline, as a tree when the client shows one, else flat.
pub fn document_symbols(
    a: &Analysis,
    caps: &ClientCaps,
    uri: &Uri,
) -> Option<DocumentSymbolResponse> {
    if !a.is_config {
        return None;
    }
    let root = a.parsed.root.as_ref()?;
    let config = Config::from_tree(root);
    let text = a.text(caps.encoding);
    let mut tree = Vec::new();
    for ep in &config.endpoints {
        let path = ep
            .path
            .as_ref()
            .map_or("(no endpoint)", |p| p.value.as_str());
        let selection = ep.path.as_ref().map_or(ep.raw.span, |p| p.span);
        let children = ep
            .backends
            .iter()
            .map(|b| {
                let url = b
                    .url_pattern
                    .as_ref()
                    .map_or_else(|| format!("backend {}", b.index), |u| u.value.clone());
                // The backend's first host, else the root default.
                let host = b
                    .host
                    .as_ref()
                    .or(config.host.as_ref())
                    .and_then(|h| h.value.first())
                    .map(|h| h.value.clone());
                #[allow(deprecated)] // `deprecated` has no default but must be set.
                DocumentSymbol {
                    name: if url.is_empty() {
                        "\"\"".to_string()
                    } else {
                        url
                    },
                    detail: host,
                    kind: SymbolKind::FUNCTION,
                    tags: None,
                    deprecated: None,
                    range: text.range(b.raw.span),
                    selection_range: text
                        .range(b.url_pattern.as_ref().map_or(b.raw.span, |u| u.span)),
                    children: None,
                }
            })
            .collect::<Vec<_>>();
        #[allow(deprecated)]
        tree.push(DocumentSymbol {
            name: format!("{} {path}", ep.method_upper()),
            detail: Some(match children.len() {
                1 => "1 backend".to_string(),
                n => format!("{n} backends"),
            }),
            kind: SymbolKind::METHOD,
            tags: None,
            deprecated: None,
            range: text.range(ep.raw.span),
            selection_range: text.range(selection),
            children: Some(children),
        });
    }
    if caps.hierarchical_symbols {
        return Some(DocumentSymbolResponse::Nested(tree));
    }
    let mut flat = Vec::new();
    for ep in tree {
        #[allow(deprecated)]
        flat.push(SymbolInformation {
            name: ep.name.clone(),
            kind: ep.kind,
            tags: None,
            deprecated: None,
            location: Location {
                uri: uri.clone(),
                range: ep.range,
            },
            container_name: None,
        });
        for b in ep.children.unwrap_or_default() {
            #[allow(deprecated)]
            flat.push(SymbolInformation {
                name: b.name,
                kind: b.kind,
                tags: None,
                deprecated: None,
                location: Location {
                    uri: uri.clone(),
                    range: b.range,
                },
                container_name: Some(ep.name.clone()),
            });
        }
    }
    Some(DocumentSymbolResponse::Flat(flat))
}
