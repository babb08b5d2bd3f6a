//! What the client can do, read once from `initialize`, and what the server
//! advertises in return.

use tower_lsp_server::ls_types::{
    ClientCapabilities, CodeActionKind, CodeActionOptions, CodeActionProviderCapability,
    CompletionOptions, DiagnosticOptions, DiagnosticServerCapabilities, ExecuteCommandOptions,
    HoverProviderCapability, MarkupKind, OneOf, RenameOptions, ServerCapabilities,
    TextDocumentSyncCapability, TextDocumentSyncKind, TextDocumentSyncOptions,
    TextDocumentSyncSaveOptions, WorkDoneProgressOptions,
};

use crate::convert::Encoding;

/// The command that returns a rule's documentation (`["GW101"]`).
pub const EXPLAIN_COMMAND: &str = "gwc.explain";

/// The client features the server adapts to.
#[derive(Clone, Copy, Debug, Default)]
pub struct ClientCaps {
    /// The negotiated position encoding.
    pub encoding: Encoding,
    /// The client pulls diagnostics (`textDocument/diagnostic`).
    pub pull_diagnostics: bool,
    /// The client can be asked to pull again (`workspace/diagnostic/refresh`).
    pub diagnostic_refresh: bool,
    /// Diagnostics may carry `relatedInformation`.
    pub related_information: bool,
    /// Hover may be Markdown.
    pub hover_markdown: bool,
    /// Completion documentation may be Markdown.
    pub completion_markdown: bool,
    /// Document symbols may be a tree.
    pub hierarchical_symbols: bool,
    /// Code actions may be `CodeAction` literals.
    pub code_action_literals: bool,
    /// The client answers `workspace/configuration`.
    pub configuration: bool,
}

impl ClientCaps {
    /// Reads the capabilities the server cares about.
    pub fn from_client(caps: &ClientCapabilities) -> Self {
        let td = caps.text_document.as_ref();
        let markdown = |formats: Option<&Vec<MarkupKind>>| {
            formats.is_some_and(|f| f.contains(&MarkupKind::Markdown))
        };
        ClientCaps {
            encoding: Encoding::negotiate(
                caps.general
                    .as_ref()
                    .and_then(|g| g.position_encodings.as_deref()),
            ),
            pull_diagnostics: td.and_then(|t| t.diagnostic.as_ref()).is_some(),
            diagnostic_refresh: caps
                .workspace
                .as_ref()
                .and_then(|w| w.diagnostics.as_ref())
                .and_then(|d| d.refresh_support)
                == Some(true),
            related_information: td
                .and_then(|t| t.publish_diagnostics.as_ref())
                .and_then(|p| p.related_information)
                == Some(true)
                || td.and_then(|t| t.diagnostic.as_ref()).is_some(),
            hover_markdown: markdown(
                td.and_then(|t| t.hover.as_ref())
                    .and_then(|h| h.content_format.as_ref()),
            ),
            completion_markdown: markdown(
                td.and_then(|t| t.completion.as_ref())
                    .and_then(|c| c.completion_item.as_ref())
                    .and_then(|i| i.documentation_format.as_ref()),
            ),
            hierarchical_symbols: td
                .and_then(|t| t.document_symbol.as_ref())
                .and_then(|s| s.hierarchical_document_symbol_support)
                == Some(true),
            code_action_literals: td
                .and_then(|t| t.code_action.as_ref())
                .and_then(|c| c.code_action_literal_support.as_ref())
                .is_some(),
            configuration: caps.workspace.as_ref().and_then(|w| w.configuration) == Some(true),
        }
    }

    /// What the server offers this client.
    pub fn server_capabilities(&self) -> ServerCapabilities {
        ServerCapabilities {
            position_encoding: Some(self.encoding.kind()),
            text_document_sync: Some(TextDocumentSyncCapability::Options(
                TextDocumentSyncOptions {
                    open_close: Some(true),
                    change: Some(TextDocumentSyncKind::INCREMENTAL),
                    will_save: None,
                    will_save_wait_until: None,
                    save: Some(TextDocumentSyncSaveOptions::Supported(false)),
                },
            )),
            hover_provider: Some(HoverProviderCapability::Simple(true)),
            completion_provider: Some(CompletionOptions {
                trigger_characters: Some(vec!["\"".into(), "{".into(), ":".into()]),
                ..CompletionOptions::default()
            }),
            definition_provider: Some(OneOf::Left(true)),
            references_provider: Some(OneOf::Left(true)),
            rename_provider: Some(OneOf::Right(RenameOptions {
                prepare_provider: Some(true),
                work_done_progress_options: WorkDoneProgressOptions::default(),
            })),
            document_symbol_provider: Some(OneOf::Left(true)),
            document_formatting_provider: Some(OneOf::Left(true)),
            code_action_provider: Some(if self.code_action_literals {
                CodeActionProviderCapability::Options(CodeActionOptions {
                    code_action_kinds: Some(vec![CodeActionKind::QUICKFIX]),
                    ..CodeActionOptions::default()
                })
            } else {
                CodeActionProviderCapability::Simple(true)
            }),
            execute_command_provider: Some(ExecuteCommandOptions {
                commands: vec![EXPLAIN_COMMAND.to_string()],
                work_done_progress_options: WorkDoneProgressOptions::default(),
            }),
            diagnostic_provider: self.pull_diagnostics.then(|| {
                DiagnosticServerCapabilities::Options(DiagnosticOptions {
                    identifier: Some("gwc".to_string()),
                    inter_file_dependencies: false,
                    workspace_diagnostics: false,
                    work_done_progress_options: WorkDoneProgressOptions::default(),
                })
            }),
            ..ServerCapabilities::default()
        }
    }
}
