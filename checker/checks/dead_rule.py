"""E601: a rule whose condition can never hold under the pack's assumptions."""

from __future__ import annotations

from ruleproof.checker import ir
from ruleproof.checker.diagnostics import Diagnostic


def check_decision(ctx, decision: ir.Decision) -> list[Diagnostic]:
    """Rule R is dead iff assumptions ∧ fires(R) is unsatisfiable."""
    findings = []
    for rule in ctx.mine(decision.rules):
        if rule.origin == "obligation":
            continue
        if ctx.can_fire(decision, rule).proved:
            findings.append(ctx.finding(
                "E601", f"rule `{rule.name}` can never fire", rule.span, "its condition is never true", None,
                [rule.name, rule.decision],
                help="no case satisfying the pack's assumptions meets this condition; fix the condition or remove the rule",
            ))
    return findings
