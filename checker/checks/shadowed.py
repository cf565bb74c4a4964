"""W604: a rule that can fire but never decides the value (another rule always wins)."""

from __future__ import annotations

import z3
from ruleproof.checker import ir
from ruleproof.checker.diagnostics import Diagnostic


def effective_win(ctx, decision: ir.Decision, rule: ir.Rule) -> z3.BoolRef:
    """When `rule`'s conclusion is the decision's value under its hit policy. Earlier (or
    higher-priority) rules whose conditions cannot overlap this one's are left out: when
    this rule fires they cannot, so leaving them out changes nothing."""
    enc = ctx.encoder
    win = enc.wins[(decision.name, rule.name)]
    if decision.hit == "first":
        before = [r for r in decision.rules if r.order < rule.order]
    elif decision.hit == "priority":
        before = [r for r in decision.rules if (r.priority or 0) > (rule.priority or 0)]
    else:
        return win
    beaten_by = [enc.wins[(decision.name, r.name)] for r in before if ctx.may_overlap(decision, r, rule)]
    return z3.And(win, *[z3.Not(e) for e in beaten_by]) if beaten_by else win


def check_decision(ctx, decision: ir.Decision) -> list[Diagnostic]:
    """R is shadowed iff fires(R) is satisfiable but assumptions ∧ effective_win(R) is not."""
    if len(decision.rules) < 2 or decision.hit == "collect":
        return []
    findings = []
    for rule in decision.rules:
        if rule.origin == "obligation":
            continue
        if not ctx.can_fire(decision, rule).refuted:
            continue  # dead rules are reported by the dead-rule check
        verdict = ctx.sat(effective_win(ctx, decision, rule), what=f"whether `{rule.name}` can win", span=rule.span,
                          scope=ctx.decision_scope(decision), model=False)
        if verdict.proved:
            findings.append(ctx.finding(
                "W604", f"rule `{rule.name}` can fire but never decides `{decision.name}`", rule.span,
                "always overridden or preceded", None, [rule.name, decision.name],
                help="whenever it applies another rule wins; remove it or narrow the rule that shadows it",
            ))
    return findings
