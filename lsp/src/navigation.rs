//! Go to definition, find references and rename of endpoint variables: a
//! `{var}` of a backend's `url_pattern` goes to the endpoint's `{var}`, and
//! renaming the endpoint's variable renames it in every `url_pattern` of
//! that endpoint.

use std::collections::HashMap;

use gwc::model::Config;
use tower_lsp_server::jsonrpc;
use tower_lsp_server::ls_types::{Location, PrepareRenameResponse, TextEdit, Uri, WorkspaceEdit};

use crate::caps::ClientCaps;
use crate::document::Analysis;
use crate::vars::{self, Found, Variable};

fn variable_at(a: &Analysis, offset: usize) -> Option<Variable> {
    if !a.is_config {
        return None;
    }
    let config = Config::from_tree(a.parsed.root.as_ref()?);
    match vars::at(&config, offset)? {
        Found::Endpoint(v) => Some(v),
        Found::Other(_) => None,
    }
}

/// The endpoint's declaration of the variable at `offset`.
pub fn definition(a: &Analysis, caps: &ClientCaps, uri: &Uri, offset: usize) -> Option<Location> {
    let v = variable_at(a, offset)?;
    let decl = v.declaration?;
    Some(Location {
        uri: uri.clone(),
        range: a.text(caps.encoding).range(decl.span),
    })
}

/// Every place of the variable at `offset`: the declaration (when asked
/// for) and its uses.
pub fn references(
    a: &Analysis,
    caps: &ClientCaps,
    uri: &Uri,
    offset: usize,
    include_declaration: bool,
) -> Option<Vec<Location>> {
    let v = variable_at(a, offset)?;
    let text = a.text(caps.encoding);
    let sites = v
        .declaration
        .iter()
        .filter(|_| include_declaration)
        .chain(&v.uses);
    Some(
        sites
            .map(|s| Location {
                uri: uri.clone(),
                range: text.range(s.span),
            })
            .collect(),
    )
}

/// The name under the cursor, when it is an endpoint variable that can be
/// renamed (it must be declared by its endpoint).
pub fn prepare_rename(
    a: &Analysis,
    caps: &ClientCaps,
    offset: usize,
) -> Option<PrepareRenameResponse> {
    let v = variable_at(a, offset)?;
    v.declaration.as_ref()?;
    Some(PrepareRenameResponse::RangeWithPlaceholder {
        range: a.text(caps.encoding).range(v.at.span),
        placeholder: v.name,
    })
}

/// Renames the endpoint variable at `offset` in the endpoint path and in
/// every `url_pattern` of its backends.
pub fn rename(
    a: &Analysis,
    caps: &ClientCaps,
    uri: &Uri,
    offset: usize,
    new_name: &str,
) -> jsonrpc::Result<Option<WorkspaceEdit>> {
    let Some(v) = variable_at(a, offset) else {
        return Ok(None);
    };
    let new_name = new_name.trim_start_matches('{').trim_end_matches('}');
    if !vars::valid_name(new_name, v.disable_rest) {
        return Err(jsonrpc::Error::invalid_params(format!(
            "`{new_name}` is not a valid endpoint variable name: use letters, digits, `_` and `-`"
        )));
    }
    let Some(decl) = &v.declaration else {
        return Err(jsonrpc::Error::invalid_params(format!(
            "`{{{}}}` is not declared by endpoint `{}`: nothing to rename",
            v.name, v.endpoint_path
        )));
    };
    let text = a.text(caps.encoding);
    let edits: Vec<TextEdit> = std::iter::once(decl)
        .chain(&v.uses)
        .map(|s| TextEdit {
            range: text.range(s.span),
            new_text: new_name.to_string(),
        })
        .collect();
    Ok(Some(WorkspaceEdit {
        changes: Some(HashMap::from([(uri.clone(), edits)])),
        ..WorkspaceEdit::default()
    }))
}
