"""E603: a `complete` decision that some case leaves without a value."""

from __future__ import annotations

from ruleproof.checker import ir
from ruleproof.checker.diagnostics import Diagnostic
from ruleproof.checker.semantics.outcomes import Cause


def check_decision(ctx, decision: ir.Decision) -> list[Diagnostic]:
    """A complete decision D has a gap iff assumptions ∧ D is undetermined by a gap (every
    condition determined, no rule selected) is satisfiable."""
    if not decision.complete or decision.default is not None or decision.hit == "collect":
        return []
    verdict = ctx.sat(ctx.encoder.decisions[decision.name].is_(Cause.GAP),
                      what=f"a gap in `{decision.name}`", span=decision.span, scope=ctx.decision_scope(decision))
    if not verdict.refuted:
        return []
    return [ctx.finding(
        "E603", f"complete decision `{decision.name}` has no value for some cases", decision.span,
        "no rule applies to the case below", verdict.model, [decision.name],
        help="add a rule for these cases or a default, or drop `complete` if leaving them undecided is intended",
        story=f"no rule decides {decision.name}",
    )]


def check_gaps(ctx) -> list[Diagnostic]:
    return [f for d in ctx.decisions() for f in check_decision(ctx, d)]
