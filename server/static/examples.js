// The pack's examples, run from the page: POST /v1/test (what `ruleproof test` computes) on the
// served version, or on the edited files when there are edits. Failed examples come first, each
// with its expectations as expected against actual (pass or FAIL in words, not by colour only);
// passed ones are folded; then the rule coverage and the rules no example covers. Every example
// and uncovered rule is a button that shows it in the editor.

// "path/to/orders.rules:186:1" as a location the editor can jump to.
export function located(at) {
  const match = /^(.*):(\d+):(\d+)$/.exec(at || "");
  return match ? { file: match[1], line: Number(match[2]), column: Number(match[3]) } : null;
}

function shown(value) { return value === null || value === undefined ? "—" : JSON.stringify(value); }

function expectationRow(el, e) {
  const expected = e.expected_undetermined ? "undetermined" : shown(e.expected);
  const actual = e.undetermined !== null && e.undetermined !== undefined ? `undetermined (${e.undetermined})` : shown(e.actual);
  return el("tr", { class: e.passed ? "pass" : "fail" }, el("th", { scope: "row" }, e.decision),
    el("td", {}, expected), el("td", {}, actual), el("td", {}, e.passed ? "pass" : "FAIL"));
}

function exampleItem(el, jumpTo, result) {
  const loc = located(result.at);
  const verdict = result.passed ? "passed" : "FAILED";
  const head = el("button", { type: "button", class: "example-open", onclick: () => loc && jumpTo(loc) },
    el("span", { class: "kind" }, verdict), ` ${result.title}`, result.cite ? ` (cites ${result.cite})` : "");
  const table = el("table", { class: "expectations" },
    el("caption", {}, `expected against actual, ${result.at.split(/[\\/]/).pop()}`),
    el("tr", {}, ...["decision", "expected", "actual", "result"].map((h) => el("th", { scope: "col" }, h))),
    ...result.expectations.map((e) => expectationRow(el, e)));
  const covers = result.covers.length ? `its case makes these rules win: ${result.covers.join(", ")}` : "no rule wins on its case";
  return el("li", { class: `example ${result.passed ? "passed" : "failed"}` }, head,
    el("div", { class: "table-scroll" }, table), el("p", { class: "covers" }, covers));
}

// Run the examples and show them in #examples-result; `files` are sent only when edited. The
// report (null when the run failed) goes back to the page, which marks the uncovered rules.
export async function runExamples({ api, el, pack, files, edited, jumpTo }) {
  const out = document.getElementById("examples-result");
  out.replaceChildren(el("p", {}, "running the examples…"));
  const body = { pack };
  if (edited.length) body.files = files;
  let report;
  try {
    report = await api("POST", "/v1/test", body);
  } catch (err) {
    out.replaceChildren(el("p", { role: "alert" }, `cannot run the examples: ${err.message}`));
    return null;
  }
  const failed = report.results.filter((r) => !r.passed);
  const passed = report.results.filter((r) => r.passed);
  const covered = report.rules - report.uncovered_rules.length;
  const version = report.edited ? `YOUR EDITED version (${edited.join(", ")})` : `the served version ${report.version}`;
  const summary = el("p", { id: "examples-summary" },
    `${report.passed} of ${report.examples} example${report.examples === 1 ? "" : "s"} passed, ${failed.length} failed; ` +
    `rule coverage ${(100 * report.coverage).toFixed(1)}% (${covered}/${report.rules} rules) — ran ${version}, ` +
    `revision ${report.revision}`);
  const uncovered = report.uncovered_rules.map((r) => el("li", {}, el("button", {
    type: "button", class: "span-link", onclick: () => { const loc = located(r.at); if (loc) jumpTo(loc); },
  }, `${r.rule} (${r.decision}) at ${r.at.split(/[\\/]/).pop()}`)));
  out.replaceChildren(summary,
    el("ol", { id: "failed-examples" }, ...failed.map((r) => exampleItem(el, jumpTo, r))),
    el("details", { id: "passed-examples" }, el("summary", {}, `${passed.length} passed example${passed.length === 1 ? "" : "s"}`),
      el("ol", {}, ...passed.map((r) => exampleItem(el, jumpTo, r)))),
    el("details", { id: "uncovered-rules", ...(uncovered.length ? { open: "" } : {}) },
      el("summary", {}, `${uncovered.length} rule${uncovered.length === 1 ? "" : "s"} no example covers`),
      el("ul", {}, ...uncovered)));
  return report;
}
