"""W605: a rule whose removal changes no decision."""

from __future__ import annotations

import z3
from ruleproof.checker import ir
from ruleproof.checker.diagnostics import Diagnostic
from ruleproof.checker.encode import outcomes_differ


def check_decision(ctx, decision: ir.Decision) -> list[Diagnostic]:
    """R is redundant iff the hit policy selects R in some case, and assumptions ∧ some
    decision R concludes decides differently without R is unsatisfiable. Removing R deletes
    every conclusion of it and strikes it from every `overrides`; other rules' `unless`
    conditions stay as written. A rule concluding several decisions is judged once, at the
    first of them."""
    findings = []
    pack, enc = ctx.pack, ctx.encoder
    for r in decision.rules:
        if r.origin == "obligation" or pack.concluding[r.name][0] != decision.name:
            continue
        if not ctx.sat(enc.selected[(decision.name, r.name)], what=f"whether `{r.name}` can decide", span=r.span,
                       scope=ctx.decision_scope(decision), model=False).refuted:
            continue  # never selected: the dead-rule and shadowed checks report it
        concluded = pack.concluding[r.name]
        differ = z3.Or(*[outcomes_differ(enc.decisions[d], enc.without(pack.decisions[d], r.name)) for d in concluded])
        scope = frozenset().union(*(ctx.decision_scope(d) for d in concluded))
        verdict = ctx.sat(differ, what=f"whether removing `{r.name}` changes a decision", span=r.span, scope=scope,
                          model=False)
        if verdict.proved:
            findings.append(ctx.finding(
                "W605", f"rule `{r.name}` is redundant: removing it changes no decision", r.span,
                "changes nothing", None, [r.name, *concluded],
                help=f"remove `{r.name}`, or keep it only if it cites a different article on purpose",
            ))
    return findings

