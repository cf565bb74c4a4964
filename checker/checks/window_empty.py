"""W606: a window that exists but can be empty (it closes before it opens)."""

from __future__ import annotations

from ruleproof.checker import ir
from ruleproof.checker.diagnostics import Diagnostic
from ruleproof.checker.encode_outcomes import determined


def check_window(ctx, window: ir.Window) -> list[Diagnostic]:
    """Window W can be empty iff assumptions ∧ exists(W) ∧ low(W) > high(W) is satisfiable, with
    its existence and bounds determined."""
    enc = ctx.encoder
    low, high = enc.expr(window.low), enc.expr(window.high)
    verdict = ctx.sat(enc.holds(window.exists), determined(low.why), determined(high.why), low.value > high.value,
                      what=f"whether window `{window.name}` can be empty", span=window.span,
                      scope=ctx.expr_scope(window.exists, window.low, window.high))
    if not verdict.refuted:
        return []
    return [ctx.finding(
        "W606", f"window `{window.name}` can be empty", window.span, "closes before it opens in the case below",
        verdict.model, [window.name], story=f"the {window.name} window is empty",
        help="if an empty window is a defect, state `property p: never " + window.name + " is empty` and fix the bounds",
    )]
