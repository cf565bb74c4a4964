"""E602: two rules can win on one case with different conclusions and nothing orders them."""

from __future__ import annotations

from collections.abc import Iterator

from ruleproof.checker import ir
from ruleproof.checker.diagnostics import Diagnostic, Label
from ruleproof.checker.encode_outcomes import distinct


def check_decision(ctx, decision: ir.Decision) -> list[Diagnostic]:
    """For rules A, B of a unique (or same-priority) decision: they conflict iff assumptions ∧
    the decision is undetermined by a conflict ∧ the policy selects A and B ∧ value(A) ≠
    value(B) is satisfiable (under `strict`, without value(A) ≠ value(B)). Pairs whose
    conditions cannot overlap (checker/overlap.py, or the sweep of checker/table_space.py for
    plain conditions) are not asked."""
    if decision.hit not in ("unique", "strict", "priority"):
        return []
    findings = []
    for a, b in ctx.mine(_pairs(ctx, decision)):
        if not _may_conflict(ctx, decision, a, b):
            continue
        finding = conflict_between(ctx, decision, a, b)
        if finding is not None:
            findings.append(finding)
    return findings


def _pairs(ctx, decision: ir.Decision) -> Iterator[tuple[ir.Rule, ir.Rule]]:
    """The pairs of rules to look at: those whose boxes meet when the decision's conditions
    are plain (the sweep, checker/table_space.py), else every pair, in rule order."""
    rules = decision.rules
    space = ctx.space(decision)
    if space is not None:
        return ((rules[i], rules[j]) for i, j in sorted(space.overlaps))
    return ((a, b) for i, a in enumerate(rules) for b in rules[i + 1:])


def _may_conflict(ctx, decision: ir.Decision, a: ir.Rule, b: ir.Rule) -> bool:
    if a.value == b.value and decision.hit != "strict":
        return False
    if decision.hit == "priority" and (a.priority or 0) != (b.priority or 0):
        return False
    if a.name in b.overrides or b.name in a.overrides:
        return False
    return ctx.may_overlap(decision, a, b)


def _terms(ctx, decision: ir.Decision, a: ir.Rule, b: ir.Rule):
    """The decision's `settled` term and the rules' selected and values terms, by rule name.
    With plain conditions under `unique` or `strict` and no `overrides`, from the part of the
    decision the two rules and those whose boxes meet both make (the others cannot fire where
    both do; the terms are the whole decision's, at the cost of a few rows): else the whole."""
    enc = ctx.encoder
    if ctx.independent(decision):
        index, near = ctx.rule_index(decision), ctx.space(decision).neighbours
        both = near.get(index[a.name], set()) & near.get(index[b.name], set())
        sym, terms = enc.part(decision, frozenset([a.name, b.name, *(decision.rules[i].name for i in both)]))
        return sym.settled, terms["selected"], terms["values"]
    keys = [(decision.name, r.name) for r in (a, b)]
    return (enc.decisions[decision.name].settled, {r.name: enc.selected[k] for r, k in zip((a, b), keys)},
            {r.name: enc.values[k] for r, k in zip((a, b), keys)})


def conflict_between(ctx, decision: ir.Decision, a: ir.Rule, b: ir.Rule) -> Diagnostic | None:
    enc = ctx.encoder
    settled, selected, values = _terms(ctx, decision, a, b)
    differ = () if decision.hit == "strict" else (distinct(values[a.name], values[b.name]),)
    # settled, both selected, different values (any under strict): exactly a conflict between them
    verdict = ctx.sat(settled, selected[a.name], selected[b.name], *differ,
                      what=f"a conflict between `{a.name}` and `{b.name}`", span=b.span,
                      scope=ctx.decision_scope(decision))
    if not verdict.refuted:
        return None
    model = verdict.model
    typ = decision.type
    va = enc.model_value(model, values[a.name], typ)
    vb = enc.model_value(model, values[b.name], typ)
    from ruleproof.checker.values import show

    code = "E611" if a.origin == b.origin == "table" else "E602"
    what = "rows" if code == "E611" else "rules"
    story = f"`{a.name}` decides {decision.name} = {show(va, typ)}, `{b.name}` decides {show(vb, typ)}"
    marks = None
    if typ.kind == "date":
        from ruleproof.checker.values import to_wire

        marks = []
        for r, v in ((a, va), (b, vb)):
            try:
                marks.append({"date": to_wire(v, typ), "name": f"by {r.name}", "kind": "conflict"})
            except (ValueError, OverflowError):  # a day past the calendar has no place on the axis
                continue
    how = "under `hit strict`" if decision.hit == "strict" else "differently"
    return ctx.finding(
        code, f"{what} `{a.name}` and `{b.name}` both apply and decide `{decision.name}` {how}", b.span,
        f"decides {show(vb, typ)}", model, [a.name, b.name, decision.name],
        secondary=(Label(a.span, f"decides {show(va, typ)}"),),
        help=("make the rows exclusive (an `otherwise` cell lists what the other rows leave), or use `hit first`"
              if code == "E611" else
              f"make the conditions exclusive, or say which wins: `overrides {a.name}` on `{b.name}` (or the reverse)"),
        story=story, marks=marks,
    )

