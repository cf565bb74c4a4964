"""`ruleproof check --format html`: one static, self-contained report — findings with their
source lines, counterexamples and timelines — that a CI job can publish."""

from __future__ import annotations

import json
from html import escape

from ruleproof.checker.diagnostics import Diagnostic
from ruleproof.checker.render import ordered, summary
from ruleproof.checker.timeline_svg import timeline_svg

STYLE = """
body{font-family:system-ui,sans-serif;margin:2rem;color:#1b1b1b;background:#fff;max-width:70rem}
h1{font-size:1.4rem} .finding{border:1px solid #ccc;border-left:6px solid #777;padding:.6rem 1rem;margin:1rem 0}
.error{border-left-color:#b3261e} .warning{border-left-color:#8a5a00} .accepted{opacity:.75}
code,pre{background:#f3f3f3;padding:.1rem .3rem} pre{padding:.6rem;overflow:auto} .timeline-box{overflow-x:auto}
.code,.kind{font-weight:bold} .where{color:#333} .help{color:#1f4f1f}
"""


def render_html(diags: list[Diagnostic], title: str = "ruleproof report") -> str:
    """The report as one HTML document (no scripts, no external resources)."""
    parts = [f"<!doctype html><html lang='en'><head><meta charset='utf-8'><title>{escape(title)}</title>",
             f"<style>{STYLE}</style></head><body><main><h1>{escape(title)}</h1>",
             f"<p class='summary'>{escape(summary(diags))}</p>"]
    shown = ordered(diags)
    open_ = [d for d in shown if d.accepted is None]
    parts.extend(_finding(index, d) for index, d in enumerate(open_))
    accepted = shown[len(open_):]
    if accepted:
        parts.append(f"<details><summary>{len(accepted)} accepted finding{'s' if len(accepted) != 1 else ''} "
                     "(reviewed; they do not fail the check)</summary>")
        parts.extend(_finding(len(open_) + index, d) for index, d in enumerate(accepted))
        parts.append("</details>")
    parts.append("</main></body></html>")
    return "".join(parts) + "\n"


def _finding(index: int, d: Diagnostic) -> str:
    cls = f"finding {d.severity.value}" + (" accepted" if d.accepted is not None else "")
    kind = f"accepted {d.severity.value}" if d.accepted is not None else d.severity.value
    html = [f"<section class='{cls}' id='finding-{index}' aria-labelledby='title-{index}'>",
            f"<h2 id='title-{index}' style='font-size:1rem'><span class='kind'>{kind}</span> "
            f"<span class='code'>{d.code}</span> {escape(d.message)}</h2>"]
    for label in (d.primary, *d.secondary):  # every span of the finding: both rules of a conflict
        span = label.span
        note = f" — {escape(label.message)}" if label.message else ""
        html.append(f"<p class='where'>{escape(str(span))}{note}</p>"
                    f"<pre>{escape(span.source.line_text(span.line))}</pre>")
    if d.accepted is not None:
        html.append(f"<p>accepted because: {escape(d.accepted)}</p>")
    if d.help:
        html.append(f"<p class='help'>help: {escape(d.help)}</p>")
    evidence = d.counterexample
    if evidence is not None and evidence.timeline:
        html.append(f"<p>{escape(evidence.timeline['text'])}</p>")
        html.append("<div class='timeline-box'>" + timeline_svg(evidence.timeline, list(evidence.involved),
                                                                 title=f"counterexample for {d.code}") + "</div>")
        html.append("<details><summary>counterexample facts</summary><pre>"
                    + escape(json.dumps(evidence.case, indent=2)) + "</pre></details>")
    html.append("</section>")
    return "".join(html)
