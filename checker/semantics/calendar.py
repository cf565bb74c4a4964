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

    def add_by_counting(self, day, count: int, floordiv: Callable, ite: Callable, share: Callable = lambda x: x):
        """`add(day, count)` as one formula instead of a walk over the days, for targets that
        compute it per row (SQL): the (I + count)-th working day, I being the number of working
        days up to `day`. Built from `floordiv(x, k)` (x >= 0, k a positive constant), `ite` and
        the operators + - * >=; `share(x)` binds a term used several times. Days are positive.

        >>> cal = Calendar(frozenset({739331}))
        >>> all(cal.add_by_counting(d, n, int.__floordiv__, lambda c, a, b: a if c else b) == cal.add(d, n)
        ...     for d in range(739300, 739360) for n in range(0, 12))
        True
        """
        if count == 0:
            return day
        # INVARIANT: weekday holidays in ascending order; `c - i` below is then nondecreasing
        weekday_holidays = sorted(h for h in self.holidays if (h - 1) % 7 < 5)
        day = share(day)
        weeks = share(floordiv(day, 7))
        rest = share(day - weeks * 7)
        working = weeks * 5 + ite(rest >= 5, 5, rest)  # Mondays to Fridays in [1, day]
        for h in weekday_holidays:
            working = working - ite(day >= h, 1, 0)
        target = share(working + count)
        # the target-th working day is the k-th weekday, k = target + the holidays among the
        # first k weekdays: holiday i (0-based, ascending) is among them iff c_i - i <= target
        k = target
        for i, h in enumerate(weekday_holidays):
            c = 5 * (h // 7) + min(h % 7, 5)  # h is the c-th weekday
            k = k + ite(target >= c - i, 1, 0)
        before = share(k - 1)
        weeks_before = share(floordiv(before, 5))
        return weeks_before * 7 + (before - weeks_before * 5) + 1
