"""E603: a `complete` decision that some case leaves without a value."""

from __future__ import annotations

import z3
from ruleproof.checker import ir
from ruleproof.checker.diagnostics import Diagnostic


def check_decision(ctx, decision: ir.Decision) -> list[Diagnostic]:
    """A complete decision D has a gap iff assumptions ∧ no rule of D wins is satisfiable."""
    if not decision.complete or decision.default is not None or decision.hit == "collect":
        return []
    wins = [ctx.encoder.wins[(decision.name, r.name)] for r in decision.rules]
    verdict = ctx.sat(z3.Not(z3.Or(*wins)) if wins else z3.BoolVal(True),
                      what=f"a gap in `{decision.name}`", span=decision.span, scope=ctx.decision_scope(decision))
    if not verdict.refuted:
        return []
    return [ctx.finding(
        "E603", f"complete decision `{decision.name}` has no value for some cases", decision.span,
        "no rule applies to the case below", verdict.model, [decision.name],
        help="add a rule for these cases or a default, or drop `complete` if leaving them undecided is intended",
        story=f"no rule decides {decision.name}",
    )]
