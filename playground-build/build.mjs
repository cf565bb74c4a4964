// Rebuild the playground's vendored files (run from this folder: npm ci && npm run build):
// - ../server/static/codemirror.js: CodeMirror 6 from the locked npm packages, one ES module;
// - ../server/static/ruleproof.tmLanguage.json: the editor grammar (editors/), whose token
//   definitions the playground highlights with (a test keeps the copy equal to its source).
import { build } from "esbuild";
import { copyFileSync } from "node:fs";

await build({
  entryPoints: ["entry.js"], bundle: true, format: "esm", minify: true, legalComments: "eof",
  outfile: "../server/static/codemirror.js", target: "es2020",
});
copyFileSync("../editors/ruleproof.tmLanguage.json", "../server/static/ruleproof.tmLanguage.json");
