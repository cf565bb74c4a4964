// Tokenizes .rules files with VS Code's TextMate engine (vscode-textmate + vscode-oniguruma).
// Usage: node tokenize.mjs GRAMMAR FILE...; prints JSON: {file: [[line, start, end, [scopes]], ...]}.
import { readFileSync } from "node:fs";
import { createRequire } from "node:module";

const require = createRequire(import.meta.url);
const oniguruma = require("vscode-oniguruma");
const textmate = require("vscode-textmate");

const wasm = readFileSync(require.resolve("vscode-oniguruma/release/onig.wasm")).buffer;
await oniguruma.loadWASM(wasm);
const registry = new textmate.Registry({
  onigLib: Promise.resolve({
    createOnigScanner: (patterns) => new oniguruma.OnigScanner(patterns),
    createOnigString: (text) => new oniguruma.OnigString(text),
  }),
  loadGrammar: async () => textmate.parseRawGrammar(readFileSync(process.argv[2], "utf8"), process.argv[2]),
});
const grammar = await registry.loadGrammar("source.ruleproof");
const out = {};
for (const file of process.argv.slice(3)) {
  let stack = textmate.INITIAL;
  const tokens = [];
  readFileSync(file, "utf8").split("\n").forEach((line, number) => {
    const result = grammar.tokenizeLine(line, stack);
    for (const token of result.tokens) {
      tokens.push([number, token.startIndex, Math.min(token.endIndex, line.length), token.scopes]);
    }
    stack = result.ruleStack;
  });
  out[file] = tokens;
}
process.stdout.write(JSON.stringify(out));
