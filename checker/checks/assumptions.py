"""E614: the pack's assumptions contradict each other, so every other verdict would be vacuous."""

from __future__ import annotations

from ruleproof.checker.diagnostics import CheckVerdict, Counterexample, Diagnostic, Label, diagnostic


def check_assumptions(ctx) -> list[Diagnostic]:
    """Unsatisfiable iff the assumptions (with the facts' domains) admit no case at all.

    INVARIANT: the other checks run only when this one finds nothing: they ask each question
    of the assumptions about the facts it reads (see CheckContext.sat), which is exact only
    when the assumptions as a whole are satisfiable."""
    pack = ctx.pack
    if not pack.assumptions:
        return []
    verdict = ctx.sat(what="the assumptions", span=pack.assumptions[0].span)
    if not verdict.proved:
        return []
    first, *rest = pack.assumptions
    return [diagnostic(
        "E614", "the pack's assumptions contradict each other: no case satisfies them all", first.span,
        "one of the assumptions", secondary=tuple(Label(a.span, "") for a in rest[:5]),
        help="every property would hold vacuously; find the assumption that excludes every case",
        counterexample=Counterexample(CheckVerdict.PROVED, tuple(a.name for a in pack.assumptions)),
    )]
