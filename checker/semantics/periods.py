"""Effective periods: when a rule, a table row, a constant or a whole module is in force.

A period `effective from A until B` is the half-open stretch of days [A, B): in force on A, no
longer in force on B (B is the day an amendment takes over, so a rule `until B` and its
replacement `from B` meet without a gap or an overlap). A missing `from` is "since always", a
missing `until` "for good". Days are proleptic ordinals, as everywhere in the IR.

A decision names the day on which its rules are read (`as of placed_on`); a rule with a period
*fires* only when that day lies in its period. This is a condition of the rule's firing, ahead
of its own condition, so hit policies, overrides and `unless` see a rule out of force as one
that does not fire (checker/semantics/selection.py). Every back end takes it from
`Period.in_force_tests`: the comparisons the lowering (checker/lower.py) puts in front of the
rule's condition. A pack read as of one fixed day (`diff --as-of`) keeps only the rules
`Period.contains` that day.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from ruleproof.checker.semantics.operators import CompareOp


@dataclass(frozen=True)
class Period:
    """The days [start, end) as ordinals; None: unbounded on that side."""

    start: int | None = None
    end: int | None = None

    @property
    def empty(self) -> bool:
        """Whether no day is in force (the end is on or before the start)."""
        return self.start is not None and self.end is not None and self.end <= self.start

    def contains(self, day: int) -> bool:
        """Whether the period is in force on `day`.

        >>> Period(10, 20).contains(19), Period(10, 20).contains(20), Period(None, 5).contains(-3)
        (True, False, True)
        """
        return (self.start is None or self.start <= day) and (self.end is None or day < self.end)

    def intersect(self, other: Period | None) -> Period:
        """The days in force in both (another period, or None: always in force)."""
        if other is None:
            return self
        starts = [d for d in (self.start, other.start) if d is not None]
        ends = [d for d in (self.end, other.end) if d is not None]
        return Period(max(starts) if starts else None, min(ends) if ends else None)

    def overlap(self, other: Period) -> Period | None:
        """The days both are in force, or None when they share no day.

        >>> Period(10, 20).overlap(Period(20, None)) is None, Period(10, 20).overlap(Period(15, None))
        (True, Period(start=15, end=20))
        """
        both = self.intersect(other)
        return None if both.empty else both

    def in_force_tests(self) -> tuple[tuple[CompareOp, int], ...]:
        """The comparisons `day OP bound` that together hold exactly on the days in force."""
        tests = []
        if self.start is not None:
            tests.append((CompareOp.GE, self.start))
        if self.end is not None:
            tests.append((CompareOp.LT, self.end))
        return tuple(tests)

    def changeovers(self) -> tuple[int, ...]:
        """The days on which the period begins or stops being in force."""
        return tuple(d for d in (self.start, self.end) if d is not None)

    def text(self) -> str:
        """The period as the language writes it.

        >>> Period(dt.date(2022, 1, 13).toordinal(), None).text()
        'effective from 2022-01-13'
        """
        parts = ["effective"]
        if self.start is not None:
            parts.append("from " + dt.date.fromordinal(self.start).isoformat())
        if self.end is not None:
            parts.append("until " + dt.date.fromordinal(self.end).isoformat())
        return " ".join(parts)

