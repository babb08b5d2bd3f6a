// The gwc extension: starts the gwc language server (`gwc lsp`) for JSON,
// YAML and TOML files. The server decides which of them are KrakenD configs
// (a root with `version` and `endpoints`, or a `gwc.files` glob) and leaves
// the others alone.
'use strict';

const vscode = require('vscode');
const { LanguageClient } = require('vscode-languageclient/node');

/** @type {LanguageClient | undefined} */
let client;

/** The server command from `gwc.path`: `gwc lsp`, or a `gwc-lsp` executable. */
function serverOptions() {
  const command = vscode.workspace.getConfiguration('gwc').get('path') || 'gwc';
  const direct = /(^|[\\/])gwc-lsp(\.exe)?$/.test(command);
  return { command, args: direct ? [] : ['lsp'] };
}

function clientOptions() {
  const languages = ['json', 'jsonc', 'yaml', 'toml'];
  return {
    documentSelector: languages.flatMap((language) => [
      { scheme: 'file', language },
      { scheme: 'untitled', language },
    ]),
    // Sends `{"gwc": {...}}` on start and on every change of the section.
    synchronize: { configurationSection: 'gwc' },
    initializationOptions: { gwc: { files: vscode.workspace.getConfiguration('gwc').get('files') } },
  };
}

async function start() {
  client = new LanguageClient('gwc', 'gwc', serverOptions(), clientOptions());
  await client.start();
}

async function activate(context) {
  context.subscriptions.push(
    vscode.workspace.onDidChangeConfiguration(async (event) => {
      // A new executable needs a new server; other settings are sent to
      // the running one.
      if (event.affectsConfiguration('gwc.path')) {
        if (client) {
          await client.stop();
        }
        await start();
      }
    }),
  );
  try {
    await start();
  } catch (err) {
    vscode.window.showErrorMessage(
      `gwc: cannot start the language server (${err}). Install gwc ` +
        '(cargo install --path cli) or set `gwc.path`.',
    );
  }
}

function deactivate() {
  return client ? client.stop() : undefined;
}

module.exports = { activate, deactivate };
