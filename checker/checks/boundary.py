"""W608: rules meeting at a threshold with ≥ on one side and ≤ on the other (the threshold is
covered twice) or > and < (covered by neither)."""

from __future__ import annotations

import itertools

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
    (with ≥/≤; an override settles the shared point); covered by neither iff assumptions ∧ rest(A) ∧ rest(B) ∧ subject = threshold is
    (with >/<), where rest is the condition without the threshold comparison."""
    findings = []
    enc = ctx.encoder
    thresholds = {r.name: _thresholds(r) for r in decision.rules}
    for a, b in itertools.combinations(decision.rules, 2):
        if a.value == b.value or not thresholds[a.name] or not thresholds[b.name]:
            continue
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
                goal = [*rest_a, *rest_b, at]
                story = f"the threshold {point} is covered by neither rule"
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
