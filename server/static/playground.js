// The playground page: edit a pack in CodeMirror (highlighted with the editor grammar's tokens),
// check it, see every finding in the text and in a list (open ones first), decide cases with the
// EDITED text, load a counterexample into the form, share edits by link, run the examples
// (examples.js). Public API only: /v1/packs, /v1/packs/{name}/files, /v1/validate, /v1/decide
// and /v1/test (with `files`), /v1/timeline/svg.
import {
  EditorState, EditorView, keymap, lineNumbers, highlightActiveLine, highlightActiveLineGutter, drawSelection,
  defaultKeymap, history, historyKeymap, syntaxHighlighting, classHighlighter, setDiagnostics, lintGutter,
  searchKeymap, highlightSelectionMatches,
} from "./codemirror.js";
import { textMateLanguage } from "./highlight.js";
import { pack, unpack, lineDiff } from "./edits.js";
import { located, runExamples } from "./examples.js";

const state = { pack: null, served: {}, editors: {}, current: null, facts: [], decisions: [], findings: [], language: null,
                uncovered: [] };
const $ = (id) => document.getElementById(id);
let view = null;

async function api(method, path, body) {
  const response = await fetch(path, {
    method, headers: body ? { "Content-Type": "application/json" } : {},
    body: body ? JSON.stringify(body) : undefined,
  });
  const data = await response.json().catch(() => ({}));
  if (!response.ok) {
    const details = (data.errors || []).map((e) => `${e.path}: ${e.message}`).join("; ");
    throw new Error(`${data.message || response.statusText}${details ? " — " + details : ""}`);
  }
  return data;
}

function el(tag, attrs = {}, ...children) {
  const node = document.createElement(tag);
  for (const [key, value] of Object.entries(attrs)) {
    if (key === "class") node.className = value;
    else if (key.startsWith("on")) node.addEventListener(key.slice(2), value);
    else node.setAttribute(key, value);
  }
  for (const child of children) node.append(child instanceof Node ? child : document.createTextNode(String(child)));
  return node;
}

function status(text) { $("status").textContent = text; }

function text(file) { return state.editors[file].doc.toString(); }
function currentFiles() {
  if (view && state.current) state.editors[state.current] = view.state;
  return Object.fromEntries(Object.keys(state.editors).map((f) => [f, text(f)]));
}
function editedFiles() {
  const files = currentFiles();
  return Object.keys(files).filter((f) => files[f] !== state.served[f]);
}

function newState(doc) {
  return EditorState.create({
    doc,
    extensions: [
      lineNumbers(), highlightActiveLineGutter(), highlightActiveLine(), drawSelection(), history(),
      state.language, syntaxHighlighting(classHighlighter), lintGutter(), highlightSelectionMatches(),
      keymap.of([{ key: "Mod-Enter", run: () => { checkPack(); return true; } }, ...defaultKeymap, ...historyKeymap, ...searchKeymap]),
      EditorView.lineWrapping,
      EditorView.cspNonce.of(document.querySelector("meta[name=csp-nonce]")?.content || ""),
      EditorView.contentAttributes.of({ "aria-label": "Rules of the selected file" }),
      EditorView.updateListener.of((u) => { if (u.docChanged) markEdited(); }),
    ],
  });
}

function markEdited() {
  const edited = editedFiles();
  $("edit-state").textContent = edited.length ? `edited: ${edited.join(", ")} (not saved on the server)` : "as served";
  for (const tab of $("file-tabs").children) tab.classList.toggle("edited", edited.includes(tab.dataset.file));
}

async function loadPacks() {
  const grammar = await (await fetch("/static/ruleproof.tmLanguage.json")).json();
  state.language = textMateLanguage(grammar);
  const { packs } = await api("GET", "/v1/packs");
  const select = $("pack-select");
  select.replaceChildren(...packs.map((p) => el("option", { value: p.name }, `${p.name} ${p.version || ""}`)));
  const shared = await readShared();
  const name = shared?.pack || packs.find((p) => p.name === "marketplace")?.name || packs[0]?.name;
  if (name) await openPack(name, shared?.files);
}

async function openPack(name, edits) {
  state.pack = name;
  state.uncovered = [];
  $("pack-select").value = name;
  const [{ files }, detail] = await Promise.all([api("GET", `/v1/packs/${name}/files`), api("GET", `/v1/packs/${name}`)]);
  state.served = files;
  state.editors = Object.fromEntries(Object.entries(files).map(([f, t]) => [f, newState(edits?.[f] ?? t)]));
  state.facts = detail.facts;
  state.decisions = detail.decisions;
  $("decision-select").replaceChildren(...detail.decisions.map((d) => el("option", { value: d.name }, d.name)));
  state.current = null;
  renderTabs();
  const first = Object.keys(files).find((f) => f.startsWith("refunds")) || Object.keys(files)[0];
  selectFile(first);
  renderFactForm();
  showFindings(detail.findings);
  markEdited();
  if (edits) status(`opened the shared edits of ${Object.keys(edits).length} file(s); check them with Ctrl+Enter`);
}

function renderTabs() {
  const tabs = Object.keys(state.editors).map((file) => el("button", {
    type: "button", role: "tab", id: `tab-${file}`, "aria-selected": "false", "aria-controls": "editor",
    tabindex: "-1", "data-file": file, onclick: () => selectFile(file),
  }, file));
  $("file-tabs").replaceChildren(...tabs);
}

// Arrow keys, Home and End move along the tab list (one Tab stop for the whole list).
function tabKeys(event) {
  const tabs = [...$("file-tabs").children];
  const at = tabs.indexOf(document.activeElement);
  if (at < 0) return;
  const to = { ArrowRight: at + 1, ArrowDown: at + 1, ArrowLeft: at - 1, ArrowUp: at - 1, Home: 0, End: tabs.length - 1 }[event.key];
  if (to === undefined) return;
  event.preventDefault();
  const tab = tabs[(to + tabs.length) % tabs.length];
  selectFile(tab.dataset.file);
  tab.focus();
}

function selectFile(file) {
  if (view && state.current) state.editors[state.current] = view.state;  // undo history stays with its file
  state.current = file;
  for (const tab of $("file-tabs").children) {
    const selected = tab.dataset.file === file;
    tab.setAttribute("aria-selected", String(selected));
    tab.setAttribute("tabindex", selected ? "0" : "-1");
  }
  if (!view) view = new EditorView({ state: state.editors[file], parent: $("editor") });
  else view.setState(state.editors[file]);
  view.contentDOM.setAttribute("aria-label", `Rules of ${file}`);
  markFindings();
}

async function checkPack() {
  const files = currentFiles();
  status("checking…");
  try {
    const report = await api("POST", "/v1/validate", { files });
    showFindings(report.diagnostics, report);
    status(`checked in ${report.seconds.toFixed(2)} s`);
    $("findings-section").scrollIntoView({ block: "nearest" });
  } catch (err) {
    status(`check failed: ${err.message}`);
  }
}

function baseName(path) { return path.split(/[\\/]/).pop().replace(/^.*:/, ""); }
function where(loc) { return `${baseName(loc.file)}:${loc.line}:${loc.column}`; }

function offsetOf(doc, line, column) {
  const l = doc.line(Math.min(Math.max(line, 1), doc.lines));
  return Math.min(l.from + Math.max(column - 1, 0), l.to);
}

// The findings of the current file as CodeMirror diagnostics: underlined, with the message on hover.
function markFindings() {
  if (!view) return;
  const doc = view.state.doc, marks = [];
  for (const d of state.findings) {
    for (const [loc, note] of [[d.location, d.message], ...(d.related || []).map((r) => [r, `${d.code}: ${r.label || "related"}`])]) {
      if (baseName(loc.file) !== state.current) continue;
      const from = offsetOf(doc, loc.line, loc.column);
      let to = offsetOf(doc, loc.end_line, loc.end_column);
      if (to <= from) to = Math.min(doc.lineAt(from).to, from + 1);
      marks.push({ from, to, severity: d.accepted ? "info" : d.severity, message: `${d.accepted ? "accepted " : ""}${d.code} ${note}` });
    }
  }
  for (const rule of state.uncovered) {  // the last examples run: rules no example makes win
    const loc = located(rule.at);
    if (!loc || baseName(loc.file) !== state.current) continue;
    const line = doc.line(Math.min(Math.max(loc.line, 1), doc.lines));
    marks.push({ from: line.from, to: line.to, severity: "info",
                 message: `no example covers rule ${rule.rule} (${rule.decision}): no example's case makes it win` });
  }
  view.dispatch(setDiagnostics(view.state, marks));
}

function findingItem(d, index) {
  const spans = [d.location, ...(d.related || [])].map((loc, i) => el("button", {
    type: "button", class: "span-link", onclick: () => jumpTo(loc),
  }, `${i ? "also " : ""}${where(loc)}${loc.label ? " — " + loc.label : ""}`));
  const kind = d.accepted ? `accepted ${d.severity}` : d.severity;
  return el("li", { class: `finding ${d.accepted ? "accepted" : d.severity}` },
    el("button", { type: "button", class: "finding-open", "data-code": d.code, onclick: () => openFinding(index) },
      el("span", { class: "kind" }, kind), " ", el("span", { class: "code" }, d.code), ` ${d.message}`),
    el("div", { class: "spans" }, ...spans));
}

function showFindings(diagnostics, report) {
  const rank = (d) => (d.accepted ? 3 : d.severity === "error" ? 0 : d.severity === "warning" ? 1 : 2);
  state.findings = diagnostics.map((d, i) => [d, i]).sort((a, b) => rank(a[0]) - rank(b[0]) || a[1] - b[1]).map(([d]) => d);
  const open = state.findings.filter((d) => !d.accepted);
  const accepted = state.findings.filter((d) => d.accepted);
  const errors = open.filter((d) => d.severity === "error").length;
  $("findings-summary").textContent = `${errors} error${errors === 1 ? "" : "s"}, ${open.length - errors} warning` +
    `${open.length - errors === 1 ? "" : "s"}, ${accepted.length} accepted` +
    `${report && !report.ok ? " — this version would not be served" : ""}`;
  $("findings").replaceChildren(...open.map((d) => findingItem(d, state.findings.indexOf(d))));
  $("accepted-findings").replaceChildren(...accepted.map((d) => findingItem(d, state.findings.indexOf(d))));
  $("accepted-count").textContent = `${accepted.length} accepted finding${accepted.length === 1 ? "" : "s"} (reviewed, with a reason)`;
  $("accepted-section").hidden = !accepted.length;
  $("finding-detail").replaceChildren();
  markFindings();
}

function jumpTo(loc) {
  const file = baseName(loc.file);
  if (!(file in state.editors)) return;
  selectFile(file);
  const doc = view.state.doc;
  const from = offsetOf(doc, loc.line, loc.column);
  const to = Math.max(from, offsetOf(doc, loc.end_line || loc.line, loc.end_column || loc.column));
  view.dispatch({ selection: { anchor: from, head: to }, scrollIntoView: true });
  view.focus();
}

async function openFinding(index) {
  const d = state.findings[index];
  jumpTo(d.location); // at once: the editor taking the focus later would take keys typed elsewhere meanwhile
  const parts = [el("h3", {}, `${d.code} ${d.name}`), el("p", {}, d.message)];
  if (d.help) parts.push(el("p", {}, `help: ${d.help}`));
  if (d.accepted) parts.push(el("p", {}, `accepted because: ${d.accepted}`));
  if (d.counterexample) {
    parts.push(el("button", { type: "button", id: "load-case", onclick: () => loadCase(d.counterexample) },
      "Load this case into the decide form"));
  }
  if (d.timeline) {
    parts.push(el("p", {}, d.timeline.text));
    parts.push(await drawTimeline(d.timeline, d.involved || [], `counterexample for ${d.code}`));
  }
  if (d.counterexample) {
    parts.push(el("details", {}, el("summary", {}, "the case as JSON"), el("pre", {}, JSON.stringify(d.counterexample, null, 2))));
  }
  $("finding-detail").replaceChildren(...parts);
}

async function drawTimeline(timeline, highlight, title) {
  const holder = el("div", { class: "timeline-holder" });
  try {
    const { svg } = await api("POST", "/v1/timeline/svg", { timeline, highlight, title });
    holder.innerHTML = svg;
  } catch (err) {
    holder.textContent = `no timeline: ${err.message}`;
  }
  return holder;
}

function factInput(fact) {
  const id = `fact-${fact.name}`;
  let input;
  if (fact.values && fact.type !== "set") {
    input = el("select", { id, name: fact.name }, el("option", { value: "" }, "—"),
      ...fact.values.map((v) => el("option", { value: v }, v)));
  } else if (fact.type.startsWith("bool")) {
    input = el("select", { id, name: fact.name }, el("option", { value: "" }, "—"),
      el("option", { value: "true" }, "true"), el("option", { value: "false" }, "false"));
  } else if (fact.type.startsWith("date") && !fact.type.startsWith("datetime")) {
    input = el("input", { id, name: fact.name, type: "date" });
  } else if (/^(int|decimal|rate|money|natural days|working days|hours|minutes)/.test(fact.type)) {
    input = el("input", { id, name: fact.name, type: "number", step: "any" });
  } else {
    input = el("input", { id, name: fact.name, type: "text" });
  }
  input.dataset.type = fact.type;
  return el("div", { class: "fact" }, el("label", { for: id, title: fact.cite || "" }, `${fact.name} (${fact.type})`), input);
}

function moduleOf(fact) {
  const pattern = new RegExp(`^fact\\s+${fact}\\b`, "m");
  return Object.keys(state.editors).find((f) => pattern.test(text(f)))?.replace(/\.rules$/, "") || "other";
}

function chosenDecisions() { return [...$("decision-select").selectedOptions].map((o) => o.value); }

// The facts grouped by the module that declares them; the facts the chosen decisions read come
// first, in a group of their own (open), and only they need filling in.
function renderFactForm() {
  const chosen = chosenDecisions();
  const needed = new Set(state.decisions.filter((d) => chosen.includes(d.name)).flatMap((d) => d.reads || []));
  const groups = new Map();
  for (const fact of state.facts) {
    const module = needed.has(fact.name) ? "" : moduleOf(fact.name);
    if (!groups.has(module)) groups.set(module, []);
    groups.get(module).push(fact);
  }
  const order = [...groups.keys()].sort((a, b) => (a === "" ? -1 : b === "" ? 1 : a === "pack" ? -1 : b === "pack" ? 1 : a.localeCompare(b)));
  const kept = readFacts();
  $("fact-fields").replaceChildren(...order.map((module, i) => {
    const facts = groups.get(module);
    const title = module === "" ? `needed by ${chosen.join(", ")}` : module;
    return el("details", { class: "fact-group", ...(i < (needed.size ? 1 : 2) ? { open: "" } : {}) },
      el("summary", {}, `${title} (${facts.length} fact${facts.length === 1 ? "" : "s"})`),
      el("div", { class: "fact-grid" }, ...facts.map(factInput)));
  }));
  loadCase(kept, true);
}

function loadCase(facts, quiet = false) {
  for (const input of $("fact-fields").querySelectorAll("input, select")) {
    const value = facts[input.name];
    input.value = value === undefined || value === null ? "" : Array.isArray(value) ? value.join(", ") : String(value);
    if (input.value !== "") input.closest("details").open = true;
  }
  syncJson();
  if (quiet) return;
  status("the case is in the form: press Decide");
  $("decide-section").scrollIntoView({ block: "start" });
  $("decide-button").focus();
}

function syncJson() { $("facts-json").value = JSON.stringify(readFacts(), null, 2); }

function applyJson() {
  try {
    loadCase(JSON.parse($("facts-json").value));
  } catch (err) {
    status(`the JSON facts do not parse: ${err.message}`);
  }
}

function readFacts() {
  const facts = {};
  for (const input of $("fact-fields").querySelectorAll("input, select")) {
    const raw = input.value.trim();
    if (raw === "") continue;
    const type = input.dataset.type;
    if (raw === "true" || raw === "false") facts[input.name] = raw === "true";
    else if (input.type === "number") facts[input.name] = Number(raw);
    else if (type.startsWith("set")) facts[input.name] = raw.split(",").map((s) => s.trim()).filter(Boolean);
    else facts[input.name] = raw;
  }
  return facts;
}

async function decide(event) {
  event.preventDefault();
  const out = $("decision-result");
  out.replaceChildren(el("p", {}, "deciding…"));
  const edited = editedFiles();
  const body = { pack: state.pack, facts: readFacts(), explain: true, timeline: true };
  if (chosenDecisions().length) body.decisions = chosenDecisions();
  if (edited.length) body.files = currentFiles();
  try {
    const result = await api("POST", "/v1/decide", body);
    const rows = Object.entries(result.decisions).map(([name, value]) =>
      el("tr", {}, el("th", { scope: "row" }, name), el("td", {}, JSON.stringify(value))));
    const undetermined = Object.entries(result.undetermined).map(([name, info]) =>
      el("tr", { class: "undetermined" }, el("th", { scope: "row" }, name),
        el("td", {}, `undetermined: ${info.reason}${info.depends_on.length ? " (needs " + info.depends_on.join(", ") + ")" : ""}`)));
    const trace = (result.trace || []).filter((t) => t.decision in result.decisions).map((t) =>
      el("li", {}, `${t.decision}: `, t.rules.map((r) => `${r.rule} ${r.status}` +
        (r.overridden_by ? ` by ${r.overridden_by.join(", ")}` : "") +
        (r.why_not ? ` (\`${r.why_not.condition}\` is false)` : "")).join("; ")));
    const version = result.edited
      ? `decided with YOUR EDITED version (${edited.join(", ")}; revision ${result.revision})`
      : `decided with the served version ${result.version} (revision ${result.revision})`;
    out.replaceChildren(
      el("p", { id: "decided-by", class: result.edited ? "edited" : "" }, version),
      el("h3", {}, `Decisions (${result.decision_id})`),
      await drawTimeline(result.timeline, [], "the decided case"),
      el("div", { class: "table-scroll" }, el("table", { id: "decided-table" }, el("caption", {}, "decided"), ...rows)),
      el("details", {}, el("summary", {}, `${undetermined.length} undetermined`), el("table", {}, ...undetermined)),
      el("details", {}, el("summary", {}, "why: the rules that fired, were overridden, or did not fire"), el("ul", {}, ...trace)));
  } catch (err) {
    out.replaceChildren(el("p", { role: "alert" }, `cannot decide: ${err.message}`));
  }
}

// ---- share, download, reset: edits travel in the URL fragment (deflate, base64url), never to the server
async function readShared() {
  const match = location.hash.match(/^#edits=(.+)$/);
  if (!match) return null;
  try {
    return await unpack(match[1]);
  } catch (err) {
    status(`the shared link cannot be read: ${err.message}`);
    return null;
  }
}

async function share() {
  const files = currentFiles();
  const edited = Object.fromEntries(editedFiles().map((f) => [f, files[f]]));
  const url = `${location.origin}${location.pathname}#edits=${await pack({ pack: state.pack, files: edited })}`;
  $("share-link").value = url;
  $("share-link").hidden = false;
  window.history.replaceState(null, "", url);
  try { await navigator.clipboard.writeText(url); status("share link copied"); } catch { status("share link below"); }
}

function download() {
  const blob = new Blob([text(state.current)], { type: "text/plain" });
  const link = el("a", { href: URL.createObjectURL(blob), download: state.current });
  document.body.append(link);
  link.click();
  link.remove();
}

function reset() {
  const edited = editedFiles();
  if (!edited.length) { status("nothing to reset: the files are as served"); return; }
  const files = currentFiles();
  const diff = edited.map((f) => lineDiff(state.served[f], files[f], f)).join("\n");
  $("reset-diff").textContent = diff;
  $("reset-dialog").showModal();
}

function confirmReset() {
  for (const f of Object.keys(state.editors)) state.editors[f] = newState(state.served[f]);
  view.setState(state.editors[state.current]);
  window.history.replaceState(null, "", location.pathname);
  markEdited();
  markFindings();
  status("reset to the served version");
}

$("pack-select").addEventListener("change", (e) => {
  if (editedFiles().length && !confirm("Your edits of this pack will be lost. Open another pack?")) {
    e.target.value = state.pack;
    return;
  }
  openPack(e.target.value);
});
$("check-button").addEventListener("click", checkPack);
$("examples-button").addEventListener("click", async () => {
  const report = await runExamples({ api, el, pack: state.pack, files: currentFiles(), edited: editedFiles(), jumpTo });
  state.uncovered = report ? report.uncovered_rules : [];
  markFindings();
});
$("share-button").addEventListener("click", share);
$("download-button").addEventListener("click", download);
$("reset-button").addEventListener("click", reset);
$("reset-confirm").addEventListener("click", confirmReset);
$("decide-form").addEventListener("submit", decide);
$("fact-fields").addEventListener("input", syncJson);
$("decision-select").addEventListener("change", renderFactForm);
$("apply-json").addEventListener("click", applyJson);
$("file-tabs").addEventListener("keydown", tabKeys);
window.addEventListener("beforeunload", (e) => { if (state.current && editedFiles().length) { e.preventDefault(); e.returnValue = ""; } });
document.addEventListener("keydown", (e) => {
  if (e.key === "Enter" && (e.ctrlKey || e.metaKey)) { e.preventDefault(); checkPack(); }
});
loadPacks().catch((err) => status(`cannot load packs: ${err.message}`));
