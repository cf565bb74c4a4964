"""W605: a rule whose removal changes no decision."""

from __future__ import annotations

import z3
from ruleproof.checker import ir
from ruleproof.checker.diagnostics import Diagnostic


def check_decision(ctx, decision: ir.Decision) -> list[Diagnostic]:
    """R is redundant in D iff the hit policy selects R in D in some case, and assumptions ∧
    some decision R concludes decides differently without R is unsatisfiable. Removing R
    deletes every conclusion of it and strikes it from every `overrides`; other rules' `unless`
    conditions stay as written."""
    findings = []
    pack, enc = ctx.pack, ctx.encoder
    for r in decision.rules:
        if r.origin == "obligation":
            continue
        if not ctx.sat(enc.selected[(decision.name, r.name)], what=f"whether `{r.name}` can decide", span=r.span,
                       scope=ctx.decision_scope(decision), model=False).refuted:
            continue  # never selected here: the dead-rule and shadowed checks report it
        concluded = pack.concluding[r.name]
        if _removal_changes_nothing(ctx, r, concluded):
            findings.append(ctx.finding(
                "W605", f"rule `{r.name}` is redundant: removing it changes no decision", r.span,
                "changes nothing", None, [r.name, decision.name, *(d for d in concluded if d != decision.name)],
                help=f"remove `{r.name}`, or keep it only if it cites a different article on purpose",
            ))
    return findings


def _removal_changes_nothing(ctx, rule: ir.Rule, concluded: tuple[str, ...]) -> bool:
    """Whether deleting `rule` leaves every decision it concludes as it was, on every case (the
    encoder keeps each decision without the rule, so the question is built and asked once per
    rule, whichever of its conclusions asks)."""
    pack, enc = ctx.pack, ctx.encoder
    differ = z3.Or(*[enc.outcome_changes(pack.decisions[d], rule.name) for d in concluded])
    scope = frozenset().union(*(ctx.decision_scope(d) for d in concluded))
    return ctx.sat(differ, what=f"whether removing `{rule.name}` changes a decision", span=rule.span,
                   scope=scope, model=False).proved
