// The ruleproof extension: starts `ruleproof lsp` (stdio) for .rules files.
const vscode = require("vscode");
const { LanguageClient, TransportKind } = require("vscode-languageclient/node");

let client;

function activate(context) {
  const command = vscode.workspace.getConfiguration("ruleproof").get("path", "ruleproof");
  const server = { command, args: ["lsp"], transport: TransportKind.stdio };
  client = new LanguageClient("ruleproof", "ruleproof", { run: server, debug: server }, {
    documentSelector: [{ scheme: "file", language: "ruleproof" }],
  });
  context.subscriptions.push(client);
  return client.start();
}

function deactivate() {
  return client ? client.stop() : undefined;
}

module.exports = { activate, deactivate };
