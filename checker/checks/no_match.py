"""W615: a decision decided by rules, without a default, that some case in which every
optional fact it reads is present leaves without a value (a decision that exists only once an
event has happened, its date given, is the language's idiom, not a hole). Tables have their own finding (W612), `complete` decisions theirs (E603); a formula's
`when` and an obligation's trigger state on purpose when they apply."""

from __future__ import annotations

import z3
from ruleproof.checker import ir
from ruleproof.checker.diagnostics import Diagnostic
from ruleproof.checker.encode_outcomes import determined


def applies(decision: ir.Decision) -> bool:
    """Whether W615 asks about `decision`: it is decided by `rule`s only (no table row, formula
    or obligation), has no default, is not `complete`, and not `collect` (which always has a
    value)."""
    return (bool(decision.rules) and decision.default is None and not decision.complete
            and decision.hit != "collect" and all(rule.origin == "rule" for rule in decision.rules))


def check_decision(ctx, decision: ir.Decision) -> list[Diagnostic]:
    """D has a hole iff assumptions ∧ every optional fact D reads (directly or through
    decisions) present ∧ D determined ∧ no rule of D selected is satisfiable (a case where a
    condition cannot be evaluated is the reading decision's finding, not this one)."""
    if not applies(decision):
        return []
    enc = ctx.encoder
    sym = enc.decisions[decision.name]
    present = [enc.facts[f].present for f in sorted(ctx.decision_scope(decision)) if enc.facts[f].present is not None]
    verdict = ctx.sat(*present, determined(sym.why), z3.Not(sym.defined), what=f"a case without a value for `{decision.name}`",
                      span=decision.span, scope=ctx.decision_scope(decision))
    if not verdict.refuted:
        return []
    return [ctx.finding(
        "W615", f"no rule decides `{decision.name}` in some cases with every input present, and it has no default", decision.span,
        "the case below gets no value", verdict.model, [decision.name], story=f"no rule decides {decision.name}",
        help="add a rule or a `default`, or accept the finding if such cases are meant to have no value",
    )]
