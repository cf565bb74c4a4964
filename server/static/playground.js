// The playground page: edit a pack, see findings (click one to jump to its rule), decide cases.
// Uses only the public API: /v1/packs, /v1/packs/{name}/files, /v1/validate, /v1/decide,
// /v1/timeline/svg. Everything is a native control, so the page works with the keyboard alone.
"use strict";

const state = { pack: null, files: {}, current: null, facts: [], findings: [] };
const $ = (id) => document.getElementById(id);

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

async function loadPacks() {
  const { packs } = await api("GET", "/v1/packs");
  const select = $("pack-select");
  select.replaceChildren(...packs.map((p) => el("option", { value: p.name }, `${p.name} ${p.version || ""}`)));
  if (packs.length) await openPack(packs.find((p) => p.name === "marketplace")?.name || packs[0].name);
}

async function openPack(name) {
  state.pack = name;
  $("pack-select").value = name;
  const [{ files }, detail] = await Promise.all([api("GET", `/v1/packs/${name}/files`), api("GET", `/v1/packs/${name}`)]);
  state.files = files;
  state.facts = detail.facts;
  renderTabs();
  selectFile(Object.keys(files).find((f) => f.startsWith("refunds")) || Object.keys(files)[0]);
  renderFactForm();
  showFindings(detail.findings);
}

function renderTabs() {
  const tabs = Object.keys(state.files).map((file) => el("button", {
    type: "button", role: "tab", id: `tab-${file}`, "aria-selected": "false", "aria-controls": "editor",
    onclick: () => selectFile(file),
  }, file));
  $("file-tabs").replaceChildren(...tabs);
}

function selectFile(file) {
  if (state.current) state.files[state.current] = $("editor").value;
  state.current = file;
  for (const tab of $("file-tabs").children) tab.setAttribute("aria-selected", String(tab.id === `tab-${file}`));
  $("editor").value = state.files[file];
  $("editor").setAttribute("aria-label", `Rules of ${file}`);
}

async function checkPack() {
  state.files[state.current] = $("editor").value;
  status("checking…");
  try {
    const report = await api("POST", "/v1/validate", { files: state.files });
    showFindings(report.diagnostics, report);
    status(`checked in ${report.seconds.toFixed(2)} s`);
  } catch (err) {
    status(`check failed: ${err.message}`);
  }
}

function baseName(path) { return path.split(/[\\/]/).pop().replace(/^.*:/, ""); }

function showFindings(diagnostics, report) {
  state.findings = diagnostics;
  const open = diagnostics.filter((d) => !d.accepted);
  const errors = open.filter((d) => d.severity === "error").length;
  $("findings-summary").textContent = `${errors} errors, ${open.length - errors} warnings, ` +
    `${diagnostics.length - open.length} accepted${report && !report.ok ? " — this version would not be served" : ""}`;
  $("findings").replaceChildren(...diagnostics.map((d, index) => el("li", {},
    el("button", {
      type: "button", class: `finding ${d.accepted ? "accepted" : d.severity}`, "data-code": d.code,
      onclick: () => openFinding(index),
    }, el("span", { class: "code" }, d.code), ` ${d.message} `,
    el("span", { class: "where" }, `${baseName(d.location.file)}:${d.location.line}:${d.location.column}`)))));
  $("finding-detail").replaceChildren();
}

function jumpTo(file, line, column) {
  if (!(file in state.files)) return;
  selectFile(file);
  const editor = $("editor");
  const lines = editor.value.split("\n");
  let offset = 0;
  for (let i = 0; i < line - 1 && i < lines.length; i++) offset += lines[i].length + 1;
  const start = offset + Math.max(0, column - 1);
  const end = offset + (lines[line - 1] || "").length;
  editor.focus();
  editor.setSelectionRange(start, end);
  const lineHeight = parseFloat(getComputedStyle(editor).lineHeight) || 16;
  editor.scrollTop = Math.max(0, (line - 5) * lineHeight);
}

async function openFinding(index) {
  const d = state.findings[index];
  const detail = $("finding-detail");
  const parts = [el("h3", {}, `${d.code} ${d.name}`), el("p", {}, d.message)];
  if (d.help) parts.push(el("p", {}, `help: ${d.help}`));
  if (d.accepted) parts.push(el("p", {}, `accepted: ${d.accepted}`));
  if (d.timeline) {
    parts.push(el("p", {}, d.timeline.text));
    parts.push(await drawTimeline(d.timeline, d.involved || [], `counterexample for ${d.code}`));
    parts.push(el("details", {}, el("summary", {}, "counterexample facts"),
      el("pre", {}, JSON.stringify(d.counterexample, null, 2))));
  }
  detail.replaceChildren(...parts);
  jumpTo(baseName(d.location.file), d.location.line, d.location.column);
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

function renderFactForm() {
  $("fact-fields").replaceChildren(...state.facts.map(factInput));
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
  try {
    const result = await api("POST", "/v1/decide", { pack: state.pack, facts: readFacts(), explain: true, timeline: true });
    const rows = Object.entries(result.decisions).map(([name, value]) =>
      el("tr", {}, el("th", { scope: "row" }, name), el("td", {}, JSON.stringify(value))));
    const undetermined = Object.entries(result.undetermined).map(([name, info]) =>
      el("tr", { class: "undetermined" }, el("th", { scope: "row" }, name),
        el("td", {}, `undetermined: ${info.reason}${info.depends_on.length ? " (needs " + info.depends_on.join(", ") + ")" : ""}`)));
    const trace = (result.trace || []).filter((t) => t.decision in result.decisions).map((t) =>
      el("li", {}, `${t.decision}: `, t.rules.map((r) => `${r.rule} ${r.status}` +
        (r.overridden_by ? ` by ${r.overridden_by.join(", ")}` : "") +
        (r.why_not ? ` (\`${r.why_not.condition}\` is false)` : "")).join("; ")));
    out.replaceChildren(
      el("h3", {}, `Decisions (${result.decision_id})`),
      await drawTimeline(result.timeline, [], "the decided case"),
      el("table", { id: "decided-table" }, el("caption", {}, "decided"), ...rows),
      el("details", {}, el("summary", {}, `${undetermined.length} undetermined`), el("table", {}, ...undetermined)),
      el("details", {}, el("summary", {}, "why: the rules that fired, were overridden, or did not fire"), el("ul", {}, ...trace)));
  } catch (err) {
    out.replaceChildren(el("p", { role: "alert" }, `cannot decide: ${err.message}`));
  }
}

$("pack-select").addEventListener("change", (e) => openPack(e.target.value));
$("check-button").addEventListener("click", checkPack);
$("decide-form").addEventListener("submit", decide);
document.addEventListener("keydown", (e) => {
  if (e.key === "Enter" && (e.ctrlKey || e.metaKey)) { e.preventDefault(); checkPack(); }
});
loadPacks().catch((err) => status(`cannot load packs: ${err.message}`));
