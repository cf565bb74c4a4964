"""Working days: Monday to Friday, minus the pack's holidays. Days are proleptic ordinals
(day 1 is Monday 0001-01-01, so `(day - 1) % 7` is 0 on Mondays).

`add` counts concretely; `next_working_day` builds the same step over a target's `ite` (Z3
terms), from the same holidays. tests/test_semantics.py checks that the two agree day by day.
"""

from __future__ import annotations

from collections.abc import Callable


class Calendar:
    """The working days of a pack (holidays as ordinals)."""

    def __init__(self, holidays: frozenset[int]):
        self.holidays = holidays
        self._descending = sorted(holidays, reverse=True)

    def is_working(self, day: int) -> bool:
        """Whether `day` is a working day."""
        return (day - 1) % 7 < 5 and day not in self.holidays

    def add(self, day: int, count: int) -> int:
        """The `count`-th working day after `day` (counting starts on the next day).

        >>> import datetime as dt
        >>> friday = dt.date(2026, 3, 6).toordinal()
        >>> dt.date.fromordinal(Calendar(frozenset()).add(friday, 1)).isoformat()
        '2026-03-09'
        """
        for _ in range(count):
            day += 1
            while not self.is_working(day):
                day += 1
        return day

    def next_working_day(self, day, ite: Callable):
        """The first working day after `day`, built with the target's `ite(cond, a, b)`: skip
        the weekend, then jump from a holiday to the working day after it."""
        weekday = (day - 1) % 7
        candidate = day + ite(weekday == 4, 3, ite(weekday == 5, 2, 1))
        for holiday in self._descending:
            candidate = ite(candidate == holiday, self.add(holiday, 1), candidate)
        return candidate
