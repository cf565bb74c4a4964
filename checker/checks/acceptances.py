"""Acceptances: findings a pack declares reviewed (`accept "CODE" on name, ... because "why"`),
and acceptances that match no finding (W405)."""

from __future__ import annotations

from dataclasses import replace

from ruleproof.checker import ir
from ruleproof.checker.diagnostics import Diagnostic, diagnostic


def apply_acceptances(pack: ir.Pack, findings: list[Diagnostic]) -> list[Diagnostic]:
    """Mark findings the pack accepts (code and every named target involved); report
    acceptances that match nothing (W405)."""
    used = set()
    out = []
    for finding in findings:
        involved = set(finding.involved)
        match = next((a for a in pack.acceptances if a.code == finding.code and set(a.targets) <= involved), None)
        if match is not None:
            used.add(id(match))
            finding = replace(finding, accepted=match.reason)
        out.append(finding)
    for acceptance in pack.acceptances:
        if id(acceptance) not in used:
            out.append(diagnostic(
                "W405", f"acceptance of `{acceptance.code}` on " + ", ".join(f"`{t}`" for t in acceptance.targets)
                + " matches no finding",
                acceptance.span, "matches nothing", help="the defect is gone or the names changed: remove the acceptance",
            ))
    return out
