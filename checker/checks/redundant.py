"""W605: a rule whose removal changes no decision."""

from __future__ import annotations

import z3
from ruleproof.checker import ir
from ruleproof.checker.diagnostics import Diagnostic
from ruleproof.checker.encode_outcomes import determined, distinct
from ruleproof.checker.z3_terms import negation


def check_decision(ctx, decision: ir.Decision) -> list[Diagnostic]:
    """R is redundant in D iff the hit policy selects R in D in some case, and assumptions ∧
    some decision R concludes decides differently without R is unsatisfiable. Removing R
    deletes every conclusion of it and strikes it from every `overrides`; other rules' `unless`
    conditions stay as written."""
    findings = []
    pack = ctx.pack
    for r in ctx.mine(decision.rules):
        if r.origin == "obligation":
            continue
        if _decides_alone(ctx, decision, r):
            continue  # the one question most rules need: selected, and removing it changes the value
        if not ctx.can_win(decision, r).refuted:
            continue  # never selected here: the dead-rule and shadowed checks report it
        concluded = pack.concluding[r.name]
        if _removal_changes_nothing(ctx, decision, r, concluded):
            findings.append(ctx.finding(
                "W605", f"rule `{r.name}` is redundant: removing it changes no decision", r.span,
                "changes nothing", None, [r.name, decision.name, *(d for d in concluded if d != decision.name)],
                help=f"remove `{r.name}`, or keep it only if it cites a different article on purpose",
            ))
    return findings


def _decides_alone(ctx, decision: ir.Decision, rule: ir.Rule) -> bool:
    """A cheap sign that removing `rule` changes `decision` (asked before the full question): a
    case where it wins and no other rule does, the decision is determined, and its fallback
    (the default, a gap or no value) differs from the rule's value. Then, without the rule,
    nothing wins and the fallback decides. Only for rules that override nothing (otherwise
    their removal brings the overridden rules back) and outside `collect`."""
    if rule.overrides or decision.hit.startswith("collect"):
        return False
    enc = ctx.encoder
    key = (decision.name, rule.name)
    overlapping = ctx.overlapping(decision, rule)
    sym = enc.decisions[decision.name]
    settled = sym.settled
    if sym.always_settled and _fallback_differs(decision, rule):
        if not overlapping:
            # no other rule can fire with it, nothing in it can be undetermined: wherever it
            # fires (the dead-rule check's question) it alone decides, and differently
            return ctx.can_fire(decision, rule).refuted
        if (decision.hit == "unique" and all(_different_constants(rule, o) for o in overlapping)
                and _agree_when_together(ctx, decision, overlapping)):
            # wherever it wins it decides alone, or conflicts with others that agree among
            # themselves: without it the fallback or they decide (the shadowed check's question)
            return ctx.can_win(decision, rule).refuted
    others = [negation(enc.wins[(decision.name, o.name)]) for o in overlapping]
    # selected (implied where no other rule wins: said, so that a case found answers whether the
    # rule can win and fire too; this check runs before the dead-rule and shadowed checks)
    goal = [enc.selected[key], enc.wins[key], *others, settled]
    if decision.default is not None:
        default = enc.expr(decision.default)
        goal.append(z3.Or(z3.Not(determined(default.why)), distinct(default.value, enc.values[key])))
    found = ctx.sat(*goal, what=f"whether `{rule.name}` alone decides `{decision.name}`", span=rule.span,
                    scope=ctx.decision_scope(decision), model=False).refuted
    if found:
        ctx.selectable(decision, rule)
    return found


def _fallback_differs(decision: ir.Decision, rule: ir.Rule) -> bool:
    """Whether the decision's fallback surely differs from the rule's value: no default (a gap
    or no value is no value), or two different constants."""
    if decision.default is None:
        return True
    a, b = decision.default, rule.value
    return isinstance(a, ir.Const) and isinstance(b, ir.Const) and a.value != b.value


def _agree_when_together(ctx, decision: ir.Decision, rules: list[ir.Rule]) -> bool:
    """Whether any of `rules` that can fire together conclude the same constant."""
    return all(a.value == b.value or not ctx.may_overlap(decision, a, b)
               for i, a in enumerate(rules) for b in rules[i + 1:])


def _different_constants(a: ir.Rule, b: ir.Rule) -> bool:
    return isinstance(a.value, ir.Const) and isinstance(b.value, ir.Const) and a.value.value != b.value.value


def _removal_changes_nothing(ctx, decision: ir.Decision, rule: ir.Rule, concluded: tuple[str, ...]) -> bool:
    """Whether deleting `rule` leaves every decision it concludes as it was, on every case (the
    encoder keeps each decision without the rule, so the question is built and asked once per
    rule, whichever of its conclusions asks). With plain conditions (the sweep,
    checker/table_space.py) the question about `decision` names only the rule and the rules
    whose boxes meet its box: the others cannot fire where it does."""
    pack, enc = ctx.pack, ctx.encoder
    differ = z3.Or(*[enc.outcome_changes(pack.decisions[d], rule.name, _among(ctx, decision, rule) if d == decision.name else None)
                     for d in concluded])
    scope = frozenset().union(*(ctx.decision_scope(d) for d in concluded))
    return ctx.sat(differ, what=f"whether removing `{rule.name}` changes a decision", span=rule.span,
                   scope=scope, model=False).proved


def _among(ctx, decision: ir.Decision, rule: ir.Rule) -> frozenset[str] | None:
    """The rule and those that may fire together with it, when the boxes say (else None)."""
    if ctx.space(decision) is None:
        return None
    return frozenset([rule.name, *(o.name for o in ctx.overlapping(decision, rule))])
