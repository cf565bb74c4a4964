"""W605: a rule subsumed by another rule of the same decision with the same conclusion."""

from __future__ import annotations

import z3
from ruleproof.checker import ir
from ruleproof.checker.diagnostics import Diagnostic, Label


def check_decision(ctx, decision: ir.Decision) -> list[Diagnostic]:
    """R is redundant given S iff assumptions ∧ wins(R) ∧ ¬(wins(S) ∧ value(S) = value(R)) is
    unsatisfiable: whenever R decides, S decides the same. Of two rules that subsume each
    other, only the later one is reported.

    Only rules R that can win are asked about, and only against rules S whose conditions may
    overlap R's and whose conclusion is not a different constant: otherwise S cannot decide
    the same in the case where R wins."""
    if decision.hit == "collect":
        return []
    findings = []
    for r in decision.rules:
        if r.origin == "obligation" or not ctx.sat(_wins(ctx, decision, r), what=f"whether `{r.name}` can win",
                                                   span=r.span, scope=ctx.decision_scope(decision), model=False).refuted:
            continue
        for s in decision.rules:
            if s is r or _different_constants(r, s) or not ctx.may_overlap(decision, r, s):
                continue
            if not _subsumed(ctx, decision, r, s):
                continue
            if r.order < s.order and _subsumed(ctx, decision, s, r):
                continue
            findings.append(ctx.finding(
                "W605", f"rule `{r.name}` is redundant: `{s.name}` decides the same whenever it applies", r.span,
                "subsumed", None, [r.name, s.name, decision.name], secondary=(Label(s.span, "covers it"),),
                help=f"remove `{r.name}`, or keep it only if it cites a different article on purpose",
            ))
            break
    return findings


def _different_constants(r: ir.Rule, s: ir.Rule) -> bool:
    a, b = r.value, s.value
    return (isinstance(a, ir.Const) and isinstance(b, ir.Const) and a.value is not None and b.value is not None
            and a.value != b.value)


def _wins(ctx, decision, rule) -> z3.BoolRef:
    return ctx.encoder.wins[(decision.name, rule.name)]


def _subsumed(ctx, decision, r, s) -> bool:
    enc = ctx.encoder
    same = _equal(enc.values[(decision.name, r.name)], enc.values[(decision.name, s.name)])
    verdict = ctx.sat(_wins(ctx, decision, r), z3.Not(z3.And(_wins(ctx, decision, s), same)),
                      what=f"whether `{s.name}` subsumes `{r.name}`", span=r.span, scope=ctx.decision_scope(decision),
                      model=False)
    return verdict.proved


def _equal(x, y) -> z3.BoolRef:
    if isinstance(x, tuple):
        return z3.And(*[p == q for p, q in zip(x, y)])
    return x == y
