"""W606: a window that exists but can be empty (it closes before it opens)."""

from __future__ import annotations

import z3

from checker.diagnostics import Diagnostic


def check_windows(ctx) -> list[Diagnostic]:
    """Window W can be empty iff assumptions ∧ exists(W) ∧ low(W) > high(W) is satisfiable."""
    findings = []
    enc = ctx.encoder
    for window in ctx.pack.windows.values():
        exists = enc.condition(window.exists)
        verdict = ctx.sat(exists, enc.plain(window.low) > enc.plain(window.high),
                          what=f"whether window `{window.name}` can be empty", span=window.span)
        if verdict.refuted:
            findings.append(ctx.finding(
                "W606", f"window `{window.name}` can be empty", window.span, "closes before it opens in the case below",
                verdict.model, [window.name], story=f"the {window.name} window is empty",
                help="if an empty window is a defect, state `property p: never " + window.name + " is empty` and fix the bounds",
            ))
    return findings
