"""W608: rules meeting at a threshold with ≥ on one side and ≤ on the other (the threshold is
covered twice) or > and < (covered by neither)."""

from __future__ import annotations

import itertools
from collections.abc import Iterator

import z3
from ruleproof.checker import ir
from ruleproof.checker.diagnostics import Diagnostic, Label
from ruleproof.checker.overlap import conjuncts
from ruleproof.checker.semantics.kinds import Kind
from ruleproof.checker.types import Type

OVERLAP = {frozenset({">=", "<="}), frozenset({"==", ">="}), frozenset({"==", "<="})}
MISS = {frozenset({">", "<"})}


def _thresholds(rule: ir.Rule) -> list[tuple[ir.Expr, str, ir.Expr, ir.Expr]]:
    """(subject, op, threshold, the comparison) for each ordering conjunct, subject on the left."""
    out = []
    for part in conjuncts(rule.condition):
        if isinstance(part, ir.Compare) and part.op in ("<", "<=", ">", ">=", "=="):
            out.append((part.left, part.op, part.right, part))
    return out


def threshold_noun(subject: Type) -> str:
    """What the point on a threshold is, in the subject's terms: a day for dates, an amount for
    money, a duration for days or hours, a moment for date-times, else a value.

    >>> threshold_noun(Type("money", "USD")), threshold_noun(Type("date")), threshold_noun(Type("int"))
    ('amount', 'day', 'value')
    """
    nouns = {Kind.DATE: "day", Kind.DATETIME: "moment", Kind.MONEY: "amount", Kind.DURATION: "duration"}
    return nouns.get(subject.required().kind, "value")


def check_decision(ctx, decision: ir.Decision) -> list[Diagnostic]:
    """For two rules of one decision comparing the same subject with the same threshold:
    covered twice iff assumptions ∧ wins(A) ∧ wins(B) ∧ subject = threshold is satisfiable
    (with ≥/≤; an override settles the shared point); covered by neither iff assumptions ∧
    rest(A) ∧ rest(B) ∧ subject = threshold ∧ no other rule of the decision fires is (with
    >/<), where rest is the condition without the threshold comparison. With plain
    conditions only the pairs whose boxes meet or touch are looked at (the sweep,
    checker/table_space.py); a pair that does not cannot share a threshold."""
    findings = []
    thresholds = {r.name: _thresholds(r) for r in decision.rules}
    for a, b in ctx.mine(_pairs(ctx, decision)):
        if a.value == b.value or not thresholds[a.name] or not thresholds[b.name]:
            continue
        findings.extend(_pair(ctx, decision, a, b, thresholds))
    return findings


def _pairs(ctx, decision: ir.Decision) -> Iterator[tuple[ir.Rule, ir.Rule]]:
    space = ctx.space(decision)
    if space is None:
        return itertools.combinations(decision.rules, 2)
    return ((decision.rules[i], decision.rules[j]) for i, j in sorted(space.touching))


def _others(ctx, decision: ir.Decision, a: ir.Rule, b: ir.Rule) -> list[ir.Rule]:
    """The rules that may cover a point both `a` and `b` come near: all the others, or with
    plain conditions those whose boxes touch both."""
    space = ctx.space(decision)
    if space is None:
        return [r for r in decision.rules if r.name not in (a.name, b.name)]
    index = ctx.rule_index(decision)
    near = space.near_rules
    return [decision.rules[i] for i in sorted(near.get(index[a.name], set()) & near.get(index[b.name], set()))]


def _pair(ctx, decision: ir.Decision, a: ir.Rule, b: ir.Rule, thresholds) -> list[Diagnostic]:
    findings = []
    enc = ctx.encoder
    for (sa, opa, ta, ca), (sb, opb, tb, cb) in itertools.product(thresholds[a.name], thresholds[b.name]):
        ops = frozenset({opa, opb})
        if (ops not in OVERLAP and ops not in MISS) or sa != sb or ta != tb:
            continue
        at = enc.plain(sa) == enc.plain(ta)
        point = threshold_noun(sa.type)
        if ops in OVERLAP:
            goal = [enc.wins[(decision.name, a.name)], enc.wins[(decision.name, b.name)], at]
            story = f"the threshold {point} is covered by both rules"
        else:
            rest_a = [enc.condition(c) for c in conjuncts(a.condition) if c is not ca]
            rest_b = [enc.condition(c) for c in conjuncts(b.condition) if c is not cb]
            others = [z3.Not(enc.fires[(decision.name, r.name)]) for r in _others(ctx, decision, a, b)]
            goal = [*rest_a, *rest_b, at, *others]
            story = f"the threshold {point} is covered by neither rule, nor by any other"
        verdict = ctx.sat(*goal, what=f"the boundary between `{a.name}` and `{b.name}`", span=b.span,
                          scope=ctx.decision_scope(decision))
        if verdict.refuted:
            findings.append(ctx.finding(
                "W608", f"rules `{a.name}` and `{b.name}` meet at a threshold with `{opa}` and `{opb}`: {story}",
                cb.span, f"`{opb}` here", verdict.model, [a.name, b.name, decision.name],
                secondary=(Label(ca.span, f"`{opa}` here"),), story=story,
                help="use `>=` on one side and `<` on the other so each value falls on exactly one side",
            ))
    return findings
