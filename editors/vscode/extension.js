// The yibao extension: *.yb files get the TextMate grammar (syntaxes/) and the language server,
// `yibao lsp`, started through vscode-languageclient over standard input and output.
"use strict";

const vscode = require("vscode");
const { LanguageClient, TransportKind } = require("vscode-languageclient/node");

let client;

function activate(context) {
  const command = vscode.workspace.getConfiguration("yibao").get("server.command", "yibao");
  // TransportKind.stdio adds `--stdio`, which `yibao lsp` accepts.
  const serverOptions = { command, args: ["lsp"], transport: TransportKind.stdio };
  const clientOptions = {
    documentSelector: [{ scheme: "file", language: "yibao" }],
    synchronize: { fileEvents: vscode.workspace.createFileSystemWatcher("**/*.yb") },
  };
  client = new LanguageClient("yibao", "yibao language server", serverOptions, clientOptions);
  context.subscriptions.push(client);
  return client.start();
}

function deactivate() {
  return client ? client.stop() : undefined;
}

module.exports = { activate, deactivate };
