"""Renderers for CI: SARIF 2.1.0, JUnit XML and GitHub Actions workflow commands."""

from __future__ import annotations

import json
from xml.etree import ElementTree as ET

from ruleproof.checker.diagnostics import CODES, Diagnostic, Label, Severity
from ruleproof.checker.render import counterexample_json

SARIF_SCHEMA = "https://json.schemastore.org/sarif-2.1.0.json"
_LEVEL = {Severity.ERROR: "error", Severity.WARNING: "warning", Severity.INFO: "note"}


def _region(label: Label) -> dict:
    span = label.span
    end_line, end_column = span.source.position(max(span.end, span.start + 1))
    return {"startLine": span.line, "startColumn": span.column, "endLine": end_line, "endColumn": end_column}


def _location(label: Label) -> dict:
    location = {"physicalLocation": {"artifactLocation": {"uri": label.span.path}, "region": _region(label)}}
    if label.message:
        location["message"] = {"text": label.message}
    return location


def render_sarif(diags: list[Diagnostic], version: str = "0.1.0") -> str:
    """A SARIF 2.1.0 log with one run; accepted findings carry an external suppression."""
    used = sorted({d.code for d in diags})
    rules = [{
        "id": code, "name": CODES[code].name,
        "shortDescription": {"text": CODES[code].name.replace("-", " ")},
        "defaultConfiguration": {"level": _LEVEL[CODES[code].severity]},
        "helpUri": f"specs/diagnostics.md#{code.lower()}",
    } for code in used]
    results = []
    for d in diags:
        result = {
            "ruleId": d.code, "ruleIndex": used.index(d.code), "level": _LEVEL[d.severity],
            "message": {"text": d.message + (f"\nhelp: {d.help}" if d.help else "")},
            "locations": [_location(d.primary)],
        }
        if d.secondary:
            result["relatedLocations"] = [{"id": i, **_location(s)} for i, s in enumerate(d.secondary)]
        if d.counterexample is not None:
            result["properties"] = counterexample_json(d.counterexample)
        if d.accepted is not None:
            result["suppressions"] = [{"kind": "inSource", "justification": d.accepted}]
        results.append(result)
    log = {
        "$schema": SARIF_SCHEMA, "version": "2.1.0",
        "runs": [{"tool": {"driver": {"name": "ruleproof", "version": version, "rules": rules}}, "results": results}],
    }
    return json.dumps(log, indent=2, default=str) + "\n"


def render_junit(diags: list[Diagnostic], suite: str = "ruleproof") -> str:
    """One test case per finding (failed unless accepted or below error severity), so a CI
    dashboard lists each finding by code and place."""
    failures = [d for d in diags if d.severity is Severity.ERROR and d.accepted is None]
    root = ET.Element("testsuites", name=suite, tests=str(max(1, len(diags))), failures=str(len(failures)))
    suite_el = ET.SubElement(root, "testsuite", name=suite, tests=str(max(1, len(diags))), failures=str(len(failures)))
    if not diags:
        ET.SubElement(suite_el, "testcase", classname=suite, name="no findings")
    for d in diags:
        case = ET.SubElement(suite_el, "testcase", classname=f"{suite}.{d.code}", name=f"{d.primary.span}: {d.message}")
        if d in failures:
            failure = ET.SubElement(case, "failure", type=d.name, message=d.message)
            failure.text = "\n".join(filter(None, [str(d.primary.span), d.help, _timeline(d)]))
        elif d.accepted is not None:
            ET.SubElement(case, "skipped", message=f"accepted: {d.accepted}")
        else:
            system_out = ET.SubElement(case, "system-out")
            system_out.text = f"{d.severity.value}: {d.message}"
    return ET.tostring(root, encoding="unicode") + "\n"


def _timeline(d: Diagnostic) -> str | None:
    timeline = d.counterexample.timeline if d.counterexample else None
    return f"case: {timeline['text']}" if timeline else None


def render_github(diags: list[Diagnostic]) -> str:
    """GitHub Actions workflow commands (`::error file=...::message`), one line per finding."""
    lines = []
    for d in diags:
        if d.accepted is not None:
            continue
        level = {"error": "error", "warning": "warning"}.get(d.severity.value, "notice")
        span = d.primary.span
        end_line, end_column = span.source.position(span.end)
        message = f"{d.message}" + (f" — {d.help}" if d.help else "") + (f" — {_timeline(d)}" if _timeline(d) else "")
        message = message.replace("%", "%25").replace("\r", "%0D").replace("\n", "%0A")
        lines.append(f"::{level} file={span.path},line={span.line},col={span.column},endLine={end_line},"
                     f"endColumn={end_column},title={d.code} {d.name}::{message}")
    return "\n".join(lines) + ("\n" if lines else "")
