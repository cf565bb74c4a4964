"""E603: a `complete` decision that some case leaves without a value."""

from __future__ import annotations

import z3
from ruleproof.checker import ir
from ruleproof.checker.diagnostics import Diagnostic


def check_decision(ctx, decision: ir.Decision) -> list[Diagnostic]:
    """A complete decision D has a gap iff assumptions ∧ every condition of D determined ∧ no
    rule selected is satisfiable: D's own rules leave the case undecided (a gap inherited
    through a condition that reads an undetermined decision comes first, and is that
    decision's finding)."""
    if not decision.complete or decision.default is not None or decision.hit == "collect" or ctx.share[0] != 0:
        return []  # one question per decision: the first of its parts asks it
    sym = ctx.encoder.decisions[decision.name]
    verdict = ctx.sat(sym.settled, z3.Not(sym.defined),
                      what=f"a gap in `{decision.name}`", span=decision.span, scope=ctx.decision_scope(decision))
    if not verdict.refuted:
        return []
    return [ctx.finding(
        "E603", f"complete decision `{decision.name}` has no value for some cases", decision.span,
        "no rule applies to the case below", verdict.model, [decision.name],
        help="add a rule for these cases or a default, or drop `complete` if leaving them undecided is intended",
        story=f"no rule decides {decision.name}",
    )]
