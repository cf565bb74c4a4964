"""W604: a rule that can fire but never decides the value (another rule always wins)."""

from __future__ import annotations

from ruleproof.checker import ir
from ruleproof.checker.diagnostics import Diagnostic


def check_decision(ctx, decision: ir.Decision) -> list[Diagnostic]:
    """R is shadowed iff fires(R) is satisfiable but assumptions ∧ selected(R) is not: whenever
    it fires, an overriding, earlier (`first`) or higher-priority rule is selected instead."""
    if len(decision.rules) < 2:
        return []
    findings = []
    for rule in ctx.mine(decision.rules):
        if rule.origin == "obligation":
            continue
        if not ctx.can_fire(decision, rule).refuted:
            continue  # dead rules are reported by the dead-rule check
        if ctx.can_win(decision, rule).proved:
            findings.append(ctx.finding(
                "W604", f"rule `{rule.name}` can fire but never decides `{decision.name}`", rule.span,
                "always overridden or preceded", None, [rule.name, decision.name],
                help=_advice(ctx.pack, rule, decision),
            ))
    return findings


def _advice(pack: ir.Pack, rule: ir.Rule, decision: ir.Decision) -> str:
    """What to do: remove the rule, unless it concludes other decisions too (removing it
    would change those), then drop only this conclusion."""
    others = [d for d in pack.concluding[rule.name] if d != decision.name]
    if others:
        named = ", ".join(f"`{d}`" for d in others)
        return (f"whenever it applies another rule decides `{decision.name}`; the rule still decides {named}: "
                f"drop its conclusion `{decision.name} = ...`, or narrow the rule that shadows it")
    return "whenever it applies another rule wins; remove it or narrow the rule that shadows it"
