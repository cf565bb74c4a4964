"""W604: a rule that can fire but never decides the value (another rule always wins)."""

from __future__ import annotations

import z3

from checker.diagnostics import Diagnostic


def effective_win(ctx, decision, rule) -> z3.BoolRef:
    """When `rule`'s conclusion is the decision's value under its hit policy."""
    enc = ctx.encoder
    win = enc.wins[(decision.name, rule.name)]
    if decision.hit == "first":
        earlier = [enc.wins[(decision.name, r.name)] for r in decision.rules if r.order < rule.order]
        return z3.And(win, *[z3.Not(e) for e in earlier])
    if decision.hit == "priority":
        higher = [enc.wins[(decision.name, r.name)] for r in decision.rules if (r.priority or 0) > (rule.priority or 0)]
        return z3.And(win, *[z3.Not(h) for h in higher])
    return win


def check_shadowed(ctx) -> list[Diagnostic]:
    """R is shadowed iff fires(R) is satisfiable but assumptions ∧ effective_win(R) is not."""
    findings = []
    for decision in ctx.pack.decisions.values():
        if len(decision.rules) < 2 or decision.hit == "collect":
            continue
        for rule in decision.rules:
            if rule.origin == "obligation":
                continue
            fires = ctx.encoder.fires[(decision.name, rule.name)]
            if not ctx.sat(fires, what=f"whether `{rule.name}` can fire", span=rule.span).refuted:
                continue  # dead rules are reported by the dead-rule check
            verdict = ctx.sat(effective_win(ctx, decision, rule), what=f"whether `{rule.name}` can win", span=rule.span)
            if verdict.proved:
                findings.append(ctx.finding(
                    "W604", f"rule `{rule.name}` can fire but never decides `{decision.name}`", rule.span,
                    "always overridden or preceded", None, [rule.name, decision.name],
                    help="whenever it applies another rule wins; remove it or narrow the rule that shadows it",
                ))
    return findings
