"""Renderers of the one diagnostic model: full text with source snippets, and JSON."""

from __future__ import annotations

import json
from collections.abc import Sequence
from typing import TYPE_CHECKING

from ruleproof.checker.diagnostics import CODES, Counterexample, Diagnostic, Label, Severity

if TYPE_CHECKING:
    from ruleproof.checker.report import Report


def ordered(diags: Sequence[Diagnostic]) -> list[Diagnostic]:
    """Open errors first, then open warnings and notes, then accepted findings; each group in
    the order given (by location)."""
    rank = {Severity.ERROR: 0, Severity.WARNING: 1, Severity.INFO: 2}
    return sorted(diags, key=lambda d: (d.accepted is not None, rank[d.severity] if d.accepted is None else 0))


def summary(diags: Sequence[Diagnostic]) -> str:
    """`N errors, M warnings` of the open findings, and `, K accepted` when some are."""
    errors = sum(1 for d in diags if d.severity is Severity.ERROR and d.accepted is None)
    warnings = sum(1 for d in diags if d.severity is Severity.WARNING and d.accepted is None)
    accepted = sum(1 for d in diags if d.accepted is not None)
    text = f"{errors} error{'s' if errors != 1 else ''}, {warnings} warning{'s' if warnings != 1 else ''}"
    return text + (f", {accepted} accepted" if accepted else "")


def docs_pointer(code: str) -> str:
    """Where a code is documented: the `explain` command and the section of specs/diagnostics.md."""
    return f"ruleproof explain {code} (specs/diagnostics.md#{code.lower()}-{CODES[code].name})"


def render_text(diags: Sequence[Diagnostic], *, docs: bool = False, quiet: bool = False) -> str:
    """Every diagnostic as code, message, `--> file:line:col`, a gutter with the line, carets
    and help; a formal check's finding with its case (the facts that break it) and timeline.
    Open errors come first, accepted findings last, labelled `accepted` in words. `docs`: end
    each with where its code is documented; `quiet`: leave accepted findings out (the summary
    still counts them)."""
    shown = [d for d in ordered(diags) if not (quiet and d.accepted is not None)]
    blocks = [_text_one(d, docs) for d in shown]
    return "\n".join(blocks + [summary(diags)]) + "\n"


def _text_one(d: Diagnostic, docs: bool = False) -> str:
    if d.accepted is not None:
        head = f"accepted {d.severity.value} {d.code}: {d.message}"
    else:
        head = f"{d.severity.value}[{d.code}]: {d.message}"
    lines = [head]
    labels = [d.primary, *d.secondary]
    width = max(len(str(label.span.line)) for label in labels)
    for index, label in enumerate(labels):
        lines.extend(_snippet(label, width, primary=index == 0))
    pad = " " * width
    if d.accepted is not None:
        lines.append(f"{pad} = accepted because: {d.accepted}")
    if d.help:
        lines.append(f"{pad} = help: {d.help}")
    lines.extend(_evidence(d.counterexample, pad))
    if docs:
        lines.append(f"{pad} = docs: {docs_pointer(d.code)}")
    return "\n".join(lines) + "\n"


def _evidence(c: Counterexample | None, pad: str) -> list[str]:
    """The case under a finding, one fact a line, and its timeline's story; the solver's
    reason when it gave up."""
    if c is None:
        return []
    lines = []
    if c.case:
        lines.append(f"{pad} = case:")
        lines.extend(f"{pad}     {name} = {json.dumps(value)}" for name, value in c.case.items())
    if c.timeline and c.timeline.get("text"):
        lines.append(f"{pad} = timeline: {c.timeline['text']}")
    if c.reason:
        lines.append(f"{pad} = solver: {c.reason}")
    return lines


def _snippet(label: Label, width: int, primary: bool) -> list[str]:
    span = label.span
    line, column = span.line, span.column
    text = span.source.line_text(line)
    end_line, end_column = span.source.position(max(span.end, span.start + 1) - 1)
    length = (end_column - column + 1) if end_line == line else max(1, len(text) - column + 1)
    mark = "^" if primary else "-"
    pad = " " * width
    arrow = "-->" if primary else ":::"
    return [
        f"{pad}{arrow} {span.path}:{line}:{column}",
        f"{pad} |",
        f"{str(line).rjust(width)} | {text}",
        f"{pad} | {' ' * (column - 1)}{mark * max(1, length)}{' ' + label.message if label.message else ''}",
    ]


def diagnostic_json(d: Diagnostic) -> dict:
    """One diagnostic as a JSON-ready dict (the shape `ruleproof check --format json` prints)."""

    def where(label: Label) -> dict:
        span = label.span
        end_line, end_col = span.source.position(span.end)
        return {"file": span.path, "line": span.line, "column": span.column, "end_line": end_line,
                "end_column": end_col, "label": label.message}

    out = {
        "code": d.code, "name": d.name, "severity": d.severity.value, "message": d.message,
        "location": where(d.primary), "related": [where(s) for s in d.secondary], "help": d.help,
    }
    if d.accepted is not None:
        out["accepted"] = d.accepted
    if d.counterexample is not None:
        out.update(counterexample_json(d.counterexample))
    return out


def counterexample_json(c: Counterexample) -> dict:
    """A finding's counterexample as the fields its JSON carries: `involved`, `check_verdict`,
    and `counterexample` (the case), `timeline` or `reason` when there is one."""
    out: dict = {"involved": list(c.involved)} if c.involved else {}
    out["check_verdict"] = c.verdict.value
    if c.case is not None:
        out["counterexample"] = c.case
    if c.timeline is not None:
        out["timeline"] = c.timeline
    if c.reason is not None:
        out["reason"] = c.reason
    return out


def render_json(diags: Sequence[Diagnostic], **fields) -> str:
    """Diagnostics as a JSON document: `fields`, then the diagnostics and the counts of
    unaccepted errors and warnings."""
    return _dump(_body(diags, **fields))


def report_json(report: Report) -> dict:
    """A checked pack as `ruleproof check --format json` prints it (the server's ReportV1)."""
    return _body(report.diagnostics, path=report.path, pack=report.pack, version=report.version)


def render_report_json(report: Report) -> str:
    """`report_json` as the text the CLI prints."""
    return _dump(report_json(report))


def _body(diags: Sequence[Diagnostic], **fields) -> dict:
    errors = sum(1 for d in diags if d.severity is Severity.ERROR and d.accepted is None)
    return {**fields, "diagnostics": [diagnostic_json(d) for d in diags], "errors": errors,
            "warnings": sum(1 for d in diags if d.severity is Severity.WARNING and d.accepted is None)}


def _dump(body: dict) -> str:
    return json.dumps(body, indent=2, default=str) + "\n"
