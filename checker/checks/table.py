"""E611/W612: decision tables. Overlapping rows of a unique table are found by the conflict
check (reported as E611); this module finds the cases no row of a table matches: every
missing region when the decision's conditions are plain (the sweep, checker/table_space.py),
else one case."""

from __future__ import annotations

import z3
from ruleproof.checker import ir
from ruleproof.checker.diagnostics import Diagnostic
from ruleproof.checker.encode_outcomes import determined
from ruleproof.checker.table_regions import text
from ruleproof.checker.z3_terms import negation


def check_decision(ctx, decision: ir.Decision) -> list[Diagnostic]:
    """A table's decision has a gap iff it has no default and assumptions ∧ the decision is
    determined and has no value (no rule selected) is satisfiable. Complete decisions are left
    to the gap check (E603); collect decisions always have a value (possibly empty).

    With plain conditions and no `overrides` (a rule selected iff one fires), the gaps are the
    regions no rule's box covers (`Space.gaps`); each is reported when assumptions ∧ region ∧
    no rule near it fires is satisfiable, with the solver's case."""
    if decision.complete or decision.default is not None or decision.hit == "collect":
        return []
    tables: dict[str, list[ir.Rule]] = {}
    for rule in decision.rules:
        if rule.origin == "table":
            tables.setdefault(rule.name.split("[")[0], []).append(rule)
    if not tables:
        return []
    space = ctx.space(decision)
    if space is not None and not any(r.overrides for r in decision.rules):
        table, rows = next(iter(tables.items()))
        return [f for region in ctx.mine(space.gaps) if (f := _region_gap(ctx, decision, space, region, table, rows))]
    if ctx.share[0] != 0:
        return []  # one question per table: the first part asks it
    findings = []
    for table, rows in tables.items():
        sym = ctx.encoder.decisions[decision.name]
        verdict = ctx.sat(determined(sym.why), z3.Not(sym.defined), what=f"a gap in table `{table}`", span=rows[0].span,
                          scope=ctx.decision_scope(decision))
        if verdict.refuted:
            findings.append(_finding(ctx, decision, table, rows, "some cases", verdict.model))
    return findings


def _region_gap(ctx, decision: ir.Decision, space, region, table: str, rows: list[ir.Rule]) -> Diagnostic | None:
    enc = ctx.encoder
    near = [negation(enc.fires[(decision.name, decision.rules[i].name)]) for i in space.near(region)]
    condition = space.condition(region)
    where = text(condition)
    verdict = ctx.sat(enc.condition(condition), *near, what=f"a gap in table `{table}` ({where})",
                      span=rows[0].span, scope=ctx.decision_scope(decision))
    if not verdict.refuted:
        return None  # the assumptions leave no case in the region
    return _finding(ctx, decision, table, rows, f"the cases where {where}", verdict.model)


def _finding(ctx, decision: ir.Decision, table: str, rows: list[ir.Rule], where: str, model) -> Diagnostic:
    return ctx.finding(
        "W612", f"no row of table `{table}` matches {where}", rows[0].span, "the case below matches no row",
        model, [table, decision.name], story=f"no row of {table} applies",
        help="add a row (or an `otherwise` row), or accept the gap if such cases are meant to stay undecided",
    )
