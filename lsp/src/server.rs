//! The language server: LSP messages in, the feature modules' answers out.
//!
//! State lives behind `std::sync::Mutex`es that are never held across an
//! `await`. Every document version is analysed at most once
//! ([`Document::analysis`]); requests and diagnostics share that analysis.
//!
//! Diagnostics, push mode (the client does not pull): each change schedules
//! one run for its document. The first change after a quiet period runs at
//! once; changes that arrive within `debounce` of the last run wait for the
//! end of that window and are coalesced into one run, which analyses the
//! newest text. A run publishes only when its version is still the newest,
//! so the final diagnostics always arrive and stale ones never do. Pull mode
//! (the client advertises `textDocument.diagnostic`): the server declares
//! `diagnosticProvider` and answers each pull from the current version's
//! analysis, and never pushes except the empty list on close.

use std::collections::HashMap;
use std::panic::AssertUnwindSafe;
use std::path::PathBuf;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::{Arc, Mutex, MutexGuard, PoisonError};
use std::time::{Duration, Instant};

use serde_json::Value;
use tower_lsp_server::jsonrpc::{self, Result};
use tower_lsp_server::ls_types::*;
use tower_lsp_server::{Client, LanguageServer};

use crate::caps::{ClientCaps, EXPLAIN_COMMAND};
use crate::convert::{self, DiagnosticSupport};
use crate::document::{self, Analysis, Document};
use crate::settings::Settings;
use crate::{actions, completion, hover, navigation, symbols};

/// The server.
#[derive(Clone)]
pub struct Server {
    inner: Arc<Inner>,
}

struct Inner {
    client: Client,
    docs: Mutex<HashMap<Uri, Document>>,
    caps: Mutex<ClientCaps>,
    settings: Mutex<SettingsState>,
    shutdown: Arc<AtomicBool>,
    /// Bumped on every settings change (part of pull result ids).
    generation: AtomicU64,
}

#[derive(Clone, Default)]
struct SettingsState {
    settings: Arc<Settings>,
    roots: Arc<Vec<PathBuf>>,
}

fn lock<T>(m: &Mutex<T>) -> MutexGuard<'_, T> {
    // A panic elsewhere must not make the server unusable.
    m.lock().unwrap_or_else(PoisonError::into_inner)
}

impl std::fmt::Debug for Server {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Server").finish_non_exhaustive()
    }
}

impl Server {
    /// A server talking to `client`.
    pub fn new(client: Client) -> Self {
        Server {
            inner: Arc::new(Inner {
                client,
                docs: Mutex::new(HashMap::new()),
                caps: Mutex::new(ClientCaps::default()),
                settings: Mutex::new(SettingsState::default()),
                shutdown: Arc::new(AtomicBool::new(false)),
                generation: AtomicU64::new(0),
            }),
        }
    }

    /// Set once a `shutdown` request was answered: the process should then
    /// exit with code 0 on `exit` (1 otherwise, per the protocol).
    pub fn shutdown_flag(&self) -> Arc<AtomicBool> {
        self.inner.shutdown.clone()
    }
}

impl Inner {
    fn caps(&self) -> ClientCaps {
        *lock(&self.caps)
    }

    fn settings(&self) -> SettingsState {
        lock(&self.settings).clone()
    }

    /// The analysis of the current version of `uri` (computed on first
    /// use), with the latest analysis whose text parsed.
    fn analysis(&self, uri: &Uri) -> Option<(Arc<Analysis>, Option<Arc<Analysis>>)> {
        let (version, text, format, path, was_config, last_good) = {
            let docs = lock(&self.docs);
            let doc = docs.get(uri)?;
            if let Some(a) = &doc.analysis {
                return Some((a.clone(), doc.last_good.clone()));
            }
            (
                doc.version,
                doc.text.clone(),
                doc.format,
                doc.path.clone(),
                doc.was_config,
                doc.last_good.clone(),
            )
        };
        let generation = self.generation.load(Ordering::SeqCst);
        let s = self.settings();
        let computed = std::panic::catch_unwind(AssertUnwindSafe(|| {
            Analysis::new(
                version,
                text.clone(),
                format,
                path.as_deref(),
                was_config,
                &s.settings,
                &s.roots,
            )
        }));
        // The compiler never panics on input by contract; if it ever did,
        // this document gets no findings instead of the server dying.
        let a = Arc::new(computed.unwrap_or_else(|_| {
            Analysis::new(
                version,
                Arc::new(String::new()),
                format,
                None,
                false,
                &s.settings,
                &[],
            )
        }));
        let mut docs = lock(&self.docs);
        let mut last = last_good;
        // Cached only while it is current: same text, same settings.
        if let Some(doc) = docs.get_mut(uri)
            && doc.version == version
            && self.generation.load(Ordering::SeqCst) == generation
        {
            doc.analysis = Some(a.clone());
            if a.parsed.root.is_some() {
                doc.last_good = Some(a.clone());
                last = Some(a.clone());
            }
        }
        Some((a, last))
    }

    /// Schedules a diagnostics run for `uri` (push mode; see the module
    /// doc for the timing).
    fn schedule(self: &Arc<Self>, uri: Uri) {
        let debounce = self.settings().settings.debounce;
        let delay = {
            let mut docs = lock(&self.docs);
            let Some(doc) = docs.get_mut(&uri) else {
                return;
            };
            if doc.pending {
                return;
            }
            doc.pending = true;
            doc.last_run
                .map_or(Duration::ZERO, |t| debounce.saturating_sub(t.elapsed()))
        };
        let this = self.clone();
        tokio::spawn(async move {
            if !delay.is_zero() {
                tokio::time::sleep(delay).await;
            }
            this.publish(uri).await;
        });
    }

    /// One diagnostics run: analyse the newest text, publish if still newest.
    async fn publish(self: Arc<Self>, uri: Uri) {
        {
            let mut docs = lock(&self.docs);
            let Some(doc) = docs.get_mut(&uri) else {
                return;
            };
            doc.pending = false;
            doc.last_run = Some(Instant::now());
        }
        let this = self.clone();
        let u = uri.clone();
        let Ok(Some((a, _))) = tokio::task::spawn_blocking(move || this.analysis(&u)).await else {
            return;
        };
        {
            let mut docs = lock(&self.docs);
            let Some(doc) = docs.get_mut(&uri) else {
                return;
            };
            if doc.version != a.version || doc.published == Some(a.version) {
                return;
            }
            doc.published = Some(a.version);
        }
        let caps = self.caps();
        let items = lsp_diagnostics(&a, &caps, &uri);
        self.client
            .publish_diagnostics(uri, items, Some(a.version))
            .await;
    }

    /// After a settings change: every document is analysed again; pushed
    /// diagnostics are re-published, pulling clients are asked to pull.
    async fn refresh_all(self: &Arc<Self>) {
        self.generation.fetch_add(1, Ordering::SeqCst);
        let uris: Vec<Uri> = {
            let mut docs = lock(&self.docs);
            for doc in docs.values_mut() {
                doc.analysis = None;
                doc.published = None;
            }
            docs.keys().cloned().collect()
        };
        let caps = self.caps();
        if caps.pull_diagnostics {
            if caps.diagnostic_refresh {
                let this = self.clone();
                tokio::spawn(async move {
                    let _ = this.client.workspace_diagnostic_refresh().await;
                });
            }
        } else {
            for uri in uris {
                self.schedule(uri);
            }
        }
    }

    /// Asks the client for the `gwc` section (clients that answer
    /// `workspace/configuration`), and applies it.
    async fn pull_settings(self: &Arc<Self>) -> bool {
        if !self.caps().configuration {
            return false;
        }
        let items = vec![ConfigurationItem {
            scope_uri: None,
            section: Some("gwc".to_string()),
        }];
        let Ok(values) = self.client.configuration(items).await else {
            return false;
        };
        let mut changed = false;
        for v in values.iter().filter(|v| v.is_object()) {
            // The answer is the section itself; wrap it so `merge` reads it
            // whether or not the client nested it again.
            changed |= self.apply_settings(&serde_json::json!({ "gwc": v }));
        }
        changed
    }

    /// Merges a settings object; whether the effective settings changed.
    fn apply_settings(&self, value: &Value) -> bool {
        let mut state = lock(&self.settings);
        let mut s = (*state.settings).clone();
        s.merge(value);
        let changed = s != *state.settings;
        state.settings = Arc::new(s);
        changed
    }

    /// The analysis and byte offset of a position.
    fn at(
        &self,
        uri: &Uri,
        position: Position,
    ) -> Option<(Arc<Analysis>, Option<Arc<Analysis>>, usize)> {
        let (a, last) = self.analysis(uri)?;
        let offset = a.text(self.caps().encoding).offset(position);
        Some((a, last, offset))
    }
}

/// The LSP diagnostics of an analysis.
fn lsp_diagnostics(a: &Analysis, caps: &ClientCaps, uri: &Uri) -> Vec<Diagnostic> {
    let text = a.text(caps.encoding);
    let support = DiagnosticSupport {
        related_information: caps.related_information,
    };
    a.diagnostics
        .iter()
        .map(|d| convert::diagnostic(d, &text, uri, support))
        .collect()
}

/// The workspace folders of `initialize`, as paths.
fn roots(params: &InitializeParams) -> Vec<PathBuf> {
    let mut roots: Vec<PathBuf> = params
        .workspace_folders
        .iter()
        .flatten()
        .filter_map(|f| document::path_of(&f.uri))
        .collect();
    #[allow(deprecated)] // Older clients send only `rootUri`.
    if roots.is_empty()
        && let Some(p) = params.root_uri.as_ref().and_then(document::path_of)
    {
        roots.push(p);
    }
    roots
}

impl LanguageServer for Server {
    async fn initialize(&self, params: InitializeParams) -> Result<InitializeResult> {
        let caps = ClientCaps::from_client(&params.capabilities);
        *lock(&self.inner.caps) = caps;
        {
            let mut state = lock(&self.inner.settings);
            let mut settings = Settings::default();
            if let Some(options) = &params.initialization_options {
                settings.merge(options);
            }
            state.settings = Arc::new(settings);
            state.roots = Arc::new(roots(&params));
        }
        Ok(InitializeResult {
            capabilities: caps.server_capabilities(),
            server_info: Some(ServerInfo {
                name: "gwc".to_string(),
                version: Some(env!("CARGO_PKG_VERSION").to_string()),
            }),
            offset_encoding: None,
        })
    }

    async fn initialized(&self, _: InitializedParams) {
        // Detached: a handler awaiting a client that never answers would
        // keep the server from exiting.
        let inner = self.inner.clone();
        tokio::spawn(async move {
            if inner.pull_settings().await {
                inner.refresh_all().await;
            }
        });
    }

    async fn shutdown(&self) -> Result<()> {
        self.inner.shutdown.store(true, Ordering::SeqCst);
        Ok(())
    }

    async fn did_open(&self, params: DidOpenTextDocumentParams) {
        let td = params.text_document;
        let doc = Document::new(&td.uri, &td.language_id, td.version, td.text);
        lock(&self.inner.docs).insert(td.uri.clone(), doc);
        if !self.inner.caps().pull_diagnostics {
            self.inner.schedule(td.uri);
        }
    }

    async fn did_change(&self, params: DidChangeTextDocumentParams) {
        // Applied before the first `await`, so changes apply in the order
        // they arrive.
        let encoding = self.inner.caps().encoding;
        let uri = params.text_document.uri;
        {
            let mut docs = lock(&self.inner.docs);
            let Some(doc) = docs.get_mut(&uri) else {
                return;
            };
            doc.apply(
                params.text_document.version,
                params.content_changes,
                encoding,
            );
        }
        if !self.inner.caps().pull_diagnostics {
            self.inner.schedule(uri);
        }
    }

    async fn did_close(&self, params: DidCloseTextDocumentParams) {
        let uri = params.text_document.uri;
        lock(&self.inner.docs).remove(&uri);
        self.inner
            .client
            .publish_diagnostics(uri, Vec::new(), None)
            .await;
    }

    async fn did_change_configuration(&self, params: DidChangeConfigurationParams) {
        let empty = params.settings.as_object().is_none_or(|o| o.is_empty());
        let mut changed = self.inner.apply_settings(&params.settings);
        // Clients that send an empty notification (eglot, VS Code's
        // `configurationSection` pull model) expect the server to ask.
        // Detached, as in `initialized`.
        let inner = self.inner.clone();
        tokio::spawn(async move {
            if empty {
                changed |= inner.pull_settings().await;
            }
            if changed {
                inner.refresh_all().await;
            }
        });
    }

    async fn diagnostic(
        &self,
        params: DocumentDiagnosticParams,
    ) -> Result<DocumentDiagnosticReportResult> {
        let uri = params.text_document.uri;
        let generation = self.inner.generation.load(Ordering::SeqCst);
        let Some((a, _)) = self.inner.analysis(&uri) else {
            return Ok(full_report(None, Vec::new()));
        };
        let result_id = format!("{generation}:{}", a.version);
        if params.previous_result_id.as_deref() == Some(result_id.as_str()) {
            return Ok(DocumentDiagnosticReportResult::Report(
                DocumentDiagnosticReport::Unchanged(RelatedUnchangedDocumentDiagnosticReport {
                    related_documents: None,
                    unchanged_document_diagnostic_report: UnchangedDocumentDiagnosticReport {
                        result_id,
                    },
                }),
            ));
        }
        let items = lsp_diagnostics(&a, &self.inner.caps(), &uri);
        Ok(full_report(Some(result_id), items))
    }

    async fn hover(&self, params: HoverParams) -> Result<Option<Hover>> {
        let p = params.text_document_position_params;
        let Some((a, _, offset)) = self.inner.at(&p.text_document.uri, p.position) else {
            return Ok(None);
        };
        Ok(hover::hover(&a, &self.inner.caps(), offset))
    }

    async fn completion(&self, params: CompletionParams) -> Result<Option<CompletionResponse>> {
        let p = params.text_document_position;
        let Some((a, last, offset)) = self.inner.at(&p.text_document.uri, p.position) else {
            return Ok(None);
        };
        Ok(completion::completion(
            &a,
            last.as_deref(),
            &self.inner.caps(),
            offset,
        ))
    }

    async fn goto_definition(
        &self,
        params: GotoDefinitionParams,
    ) -> Result<Option<GotoDefinitionResponse>> {
        let p = params.text_document_position_params;
        let uri = p.text_document.uri;
        let Some((a, _, offset)) = self.inner.at(&uri, p.position) else {
            return Ok(None);
        };
        Ok(navigation::definition(&a, &self.inner.caps(), &uri, offset)
            .map(GotoDefinitionResponse::Scalar))
    }

    async fn references(&self, params: ReferenceParams) -> Result<Option<Vec<Location>>> {
        let p = params.text_document_position;
        let uri = p.text_document.uri;
        let Some((a, _, offset)) = self.inner.at(&uri, p.position) else {
            return Ok(None);
        };
        Ok(navigation::references(
            &a,
            &self.inner.caps(),
            &uri,
            offset,
            params.context.include_declaration,
        ))
    }

    async fn prepare_rename(
        &self,
        params: TextDocumentPositionParams,
    ) -> Result<Option<PrepareRenameResponse>> {
        let Some((a, _, offset)) = self.inner.at(&params.text_document.uri, params.position) else {
            return Ok(None);
        };
        Ok(navigation::prepare_rename(&a, &self.inner.caps(), offset))
    }

    async fn rename(&self, params: RenameParams) -> Result<Option<WorkspaceEdit>> {
        let p = params.text_document_position;
        let uri = p.text_document.uri;
        let Some((a, _, offset)) = self.inner.at(&uri, p.position) else {
            return Ok(None);
        };
        navigation::rename(&a, &self.inner.caps(), &uri, offset, &params.new_name)
    }

    async fn document_symbol(
        &self,
        params: DocumentSymbolParams,
    ) -> Result<Option<DocumentSymbolResponse>> {
        let uri = params.text_document.uri;
        let Some((a, _)) = self.inner.analysis(&uri) else {
            return Ok(None);
        };
        Ok(symbols::document_symbols(&a, &self.inner.caps(), &uri))
    }

    async fn formatting(&self, params: DocumentFormattingParams) -> Result<Option<Vec<TextEdit>>> {
        let Some((a, _)) = self.inner.analysis(&params.text_document.uri) else {
            return Ok(None);
        };
        if !a.is_config {
            return Ok(None);
        }
        let caps = self.inner.caps();
        let options = params.options;
        let edits =
            std::panic::catch_unwind(AssertUnwindSafe(|| actions::format(&a, &caps, &options)))
                .unwrap_or_default();
        Ok(Some(edits))
    }

    async fn code_action(&self, params: CodeActionParams) -> Result<Option<CodeActionResponse>> {
        let uri = params.text_document.uri;
        let Some((a, _)) = self.inner.analysis(&uri) else {
            return Ok(None);
        };
        Ok(Some(actions::code_actions(
            &a,
            &self.inner.caps(),
            &uri,
            params.range,
            params.context.only.as_deref(),
        )))
    }

    async fn execute_command(&self, params: ExecuteCommandParams) -> Result<Option<LSPAny>> {
        if params.command != EXPLAIN_COMMAND {
            return Err(jsonrpc::Error::invalid_params(format!(
                "unknown command `{}`",
                params.command
            )));
        }
        let code = params
            .arguments
            .first()
            .and_then(Value::as_str)
            .unwrap_or_default();
        match gwc::check::registry::find(code) {
            Some(rule) => Ok(Some(Value::String(gwc::cli::explain_text(rule)))),
            None => Err(jsonrpc::Error::invalid_params(format!(
                "no rule `{code}`; the codes are listed by `gwc explain`"
            ))),
        }
    }
}

fn full_report(
    result_id: Option<String>,
    items: Vec<Diagnostic>,
) -> DocumentDiagnosticReportResult {
    DocumentDiagnosticReportResult::Report(DocumentDiagnosticReport::Full(
        RelatedFullDocumentDiagnosticReport {
            related_documents: None,
            full_document_diagnostic_report: FullDocumentDiagnosticReport { result_id, items },
        },
    ))
}
