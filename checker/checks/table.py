"""E611/W612: decision tables. Overlapping rows of a unique table are found by the conflict
check (reported as E611); this module finds the cases no row of a table matches."""

from __future__ import annotations

import z3
from ruleproof.checker import ir
from ruleproof.checker.diagnostics import Diagnostic
from ruleproof.checker.encode import determined


def check_decision(ctx, decision: ir.Decision) -> list[Diagnostic]:
    """A table's decision has a gap iff it has no default and assumptions ∧ the decision is
    determined and has no value (no rule selected) is satisfiable. Complete decisions are left
    to the gap check (E603); collect decisions always have a value (possibly empty)."""
    if decision.complete or decision.default is not None or decision.hit == "collect":
        return []
    tables: dict[str, list[ir.Rule]] = {}
    for rule in decision.rules:
        if rule.origin == "table":
            tables.setdefault(rule.name.split("[")[0], []).append(rule)
    findings = []
    for table, rows in tables.items():
        sym = ctx.encoder.decisions[decision.name]
        verdict = ctx.sat(determined(sym.why), z3.Not(sym.defined), what=f"a gap in table `{table}`", span=rows[0].span,
                          scope=ctx.decision_scope(decision))
        if verdict.refuted:
            findings.append(ctx.finding(
                "W612", f"no row of table `{table}` matches some cases", rows[0].span, "the case below matches no row",
                verdict.model, [table, decision.name], story=f"no row of {table} applies",
                help="add a row (or an `otherwise` row), or accept the gap if such cases are meant to stay undecided",
            ))
    return findings


def check_tables(ctx) -> list[Diagnostic]:
    return [f for d in ctx.decisions() for f in check_decision(ctx, d)]
