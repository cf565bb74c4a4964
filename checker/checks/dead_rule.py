"""E601: a rule whose condition can never hold under the pack's assumptions."""

from __future__ import annotations

from checker.diagnostics import Diagnostic


def check_dead_rules(ctx) -> list[Diagnostic]:
    """Rule R is dead iff assumptions ∧ fires(R) is unsatisfiable."""
    findings = []
    for rule in ctx.pack.rules():
        if rule.origin == "obligation":
            continue
        fires = ctx.encoder.fires[(rule.decision, rule.name)]
        verdict = ctx.sat(fires, what=f"whether rule `{rule.name}` can fire", span=rule.span)
        if verdict.proved:
            findings.append(ctx.finding(
                "E601", f"rule `{rule.name}` can never fire", rule.span, "its condition is never true", None,
                [rule.name, rule.decision],
                help="no case satisfying the pack's assumptions meets this condition; fix the condition or remove the rule",
            ))
    return findings
