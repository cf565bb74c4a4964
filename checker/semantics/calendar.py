"""Working days and calendar months. Days are proleptic ordinals (day 1 is Monday
0001-01-01, so `(day - 1) % 7` is 0 on Mondays).

Working days are Monday to Friday, minus the pack's holidays. `add` counts concretely;
`next_working_day` builds the same step over a target's `ite` (Z3 terms), from the same
holidays. tests/test_semantics.py checks that the two agree day by day.

Calendar months (`Months`) follow one end-of-month rule: adding n months keeps the day of the
month, clamped to the last day of the month reached (31 January + 1 month is 28 or 29
February), as Python's dateutil `relativedelta`, Java's `plusMonths`, PostgreSQL's and
DuckDB's `+ interval` and Spark's `add_months` do. A year is 12 months, so 29 February + 1 year
is 28 February. Monthly periods anchored on day N run from the Nth of one month to the day
before the Nth of the next, N clamped the same way (a period from the 31st starts on 28 or 29
February in February). Every formula is built from a target's `floordiv` and `ite` and the
operators + - * >=, so one definition serves the evaluator (Python integers), the Z3 encoder
and SQL; tests/test_semantics.py checks it against Python's `datetime` day by day.
"""

from __future__ import annotations

import operator
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


# Months are counted from March (March = 0), the year starting in March, so that February's
# leap day falls at the end of a year (H. Hinnant's `days_from_civil`, in floor division).
_MARCH_EPOCH = 305  # ordinal + 305 = days since 0000-03-01 (proleptic Gregorian)


class Months:
    """Calendar-month arithmetic over a target's primitives: `floordiv(x, k)` (floor of x / k,
    k a positive constant), `ite(cond, a, b)`, and optionally `share(x)`, which binds a term
    used several times. A *month index* counts months from March of year 0."""

    def __init__(self, floordiv: Callable, ite: Callable, share: Callable = lambda x: x):
        self.floordiv, self.ite, self.share = floordiv, ite, share

    def first_day(self, month):
        """The ordinal of the first day of the month with index `month`."""
        fd = self.floordiv
        year = self.share(fd(month, 12))
        march_based = month - year * 12
        days = year * 365 + fd(year, 4) - fd(year, 100) + fd(year, 400) + fd(march_based * 153 + 2, 5)
        return days - _MARCH_EPOCH

    def split(self, day):
        """(month index, day of the month) of the ordinal `day`."""
        fd = self.floordiv
        z = self.share(day + _MARCH_EPOCH)
        era = self.share(fd(z, 146097))
        in_era = self.share(z - era * 146097)
        year_in_era = self.share(fd(in_era - fd(in_era, 1460) + fd(in_era, 36524) - fd(in_era, 146096), 365))
        in_year = self.share(in_era - (year_in_era * 365 + fd(year_in_era, 4) - fd(year_in_era, 100)))
        march_based = self.share(fd(in_year * 5 + 2, 153))
        day_of_month = in_year - fd(march_based * 153 + 2, 5) + 1
        return (era * 400 + year_in_era) * 12 + march_based, day_of_month

    def _clamped(self, month, day_of_month):
        """The ordinal of day `day_of_month` of the month, or of its last day if it is shorter."""
        first = self.share(self.first_day(month))
        length = self.share(self.first_day(month + 1) - first)
        return first + self.ite(length - day_of_month >= 0, day_of_month, length) - 1

    def add(self, day, count):
        """The ordinal `count` calendar months after `day` (before it, for a negative count):
        the same day of the month, or the last day of a shorter month.

        >>> import datetime as dt
        >>> months = Months(int.__floordiv__, lambda c, a, b: a if c else b)
        >>> dt.date.fromordinal(months.add(dt.date(2027, 1, 31).toordinal(), 1)).isoformat()
        '2027-02-28'
        >>> dt.date.fromordinal(months.add(dt.date(2024, 2, 29).toordinal(), 12)).isoformat()
        '2025-02-28'
        """
        month, day_of_month = self.split(self.share(day))
        return self._clamped(self.share(month + count), self.share(day_of_month))

    def add_to_minutes(self, minutes, count):
        """A date-time (minutes since day 0) `count` calendar months later, at the same time."""
        minutes = self.share(minutes)
        day = self.share(self.floordiv(minutes, 1440))
        return self.add(day, count) * 1440 + (minutes - day * 1440)

    def period(self, day, anchor: int, end: bool = False):
        """The first day (or, with `end`, the last day) of the monthly period containing `day`
        that runs from day `anchor` (1 to 31) of one month to the day before day `anchor` of the
        next; in a month shorter than `anchor` days the period starts on its last day.

        >>> import datetime as dt
        >>> months = Months(int.__floordiv__, lambda c, a, b: a if c else b)
        >>> d = dt.date(2022, 1, 10).toordinal()
        >>> [dt.date.fromordinal(months.period(d, 27, e)).isoformat() for e in (False, True)]
        ['2021-12-27', '2022-01-26']
        """
        day = self.share(day)
        month = self.share(self.split(day)[0])
        here = self.share(self._clamped(month, anchor))
        after = day >= here
        if end:
            return self.ite(after, self._clamped(month + 1, anchor), here) - 1
        return self.ite(after, here, self._clamped(month - 1, anchor))


CONCRETE_MONTHS = Months(int.__floordiv__, lambda cond, a, b: a if cond else b)
"""Month arithmetic over Python integers (the evaluator's)."""




_MARCH_MONTHS = [(153 * m + 2) // 5 for m in range(13)]  # day of a March-based year each month starts on


class MonthTable:
    """Month arithmetic for a solver, which reasons badly about chains of divisions: on the
    days from `low` to `high` (ordinals) a day is split into its year (from March, so February
    ends the year) by a balanced tree of `ite(x >= first day of a year, ...)` over constants,
    and its month by a tree over the twelve month starts, which are the same every such year;
    month lengths are constants, February's the difference of two years' first days. Built
    from `CONCRETE_MONTHS`; exact on those days only: a target uses it where its days are
    bounded (the Z3 encoder's cases are)."""

    def __init__(self, low: int, high: int, ite: Callable, identity: Callable = id, at_least: Callable = operator.ge):
        self.ite = ite
        self.at_least = at_least  # at_least(x, k): x >= k, for a constant k
        self.identity = identity  # what makes two terms the same (for Z3: the AST's id)
        first, last = CONCRETE_MONTHS.split(low)[0] // 12, CONCRETE_MONTHS.split(high)[0] // 12
        self._years = range(first, last + 1)
        self._starts = [CONCRETE_MONTHS.first_day(12 * y) for y in self._years]
        self._end = CONCRETE_MONTHS.first_day(12 * (last + 1))  # the first day after the table's years
        self._later: dict[int, list[int]] = {}  # years later -> the first days of those years
        # per term x (kept alive here, so its identity stays its own): the year trees built for it, and
        # the finished answers; a pack asks about the same few days (today, placed_on) many times
        self._memos: dict[tuple[int, int], tuple[object, dict]] = {}
        self._answers: dict[tuple, tuple[object, object]] = {}

    def bounds(self, x, unit: int = 1) -> tuple[tuple[int, int], list[tuple[object, int, int]]]:
        """What holds of the year trees built so far for x on the table's days: ((first, last)
        value of x there, [(term, least, greatest), ...]): x's distance from the start of its
        year, and the distance from that start to the start of each other year a tree gives.
        Each is a fact about the trees, true of every x in that range, so a solver may be told
        it without changing an answer; without it a solver splits a tree over every year to
        see, say, that a month later is later.

        >>> table = MonthTable(738000, 739000, ite=lambda c, a, b: a if c else b)
        >>> day = 738500
        >>> _ = table.add(day, 12)
        >>> table.bounds(day)
        ((737850, 739310), [(285, 0, 365), (365, 365, 366), (731, 730, 731)])
        """
        memo = self._memo(x, unit)
        distance = x - self._year_start(x, 0, unit, memo) * unit
        found = [(distance, 0, 366 * unit - 1)]
        for later in sorted(k for k in memo if isinstance(k, int) and k != 0):
            gaps = [b - a for a, b in zip(self._starts, self._later[later])]
            found.append((memo[later] - memo[0], min(gaps), max(gaps)))
        return (self._starts[0] * unit, self._end * unit - 1), found

    def _memo(self, x, unit: int) -> dict:
        return self._kept(self._memos, x, (unit,), dict)

    def _answer(self, x, question: tuple, build: Callable):
        return self._kept(self._answers, x, question, build)

    def _kept(self, store: dict, x, question: tuple, build: Callable):
        """What `build` made for term x and `question`, made once (x is kept with it)."""
        key = (self.identity(x), *question)
        entry = store.get(key)
        if entry is None:
            entry = store[key] = (x, build())
        return entry[1]

    def _tree(self, at: Callable, leaf: Callable, lo: int, hi: int):
        """`leaf(i)` for the i in [lo, hi) with `at(i)` (x >= the i-th bound) and not `at(i + 1)`."""
        if hi - lo == 1:
            return leaf(lo)
        mid = (lo + hi) // 2
        return self.ite(at(mid), self._tree(at, leaf, mid, hi), self._tree(at, leaf, lo, mid))

    def _at(self, x, unit: int, memo: dict) -> Callable:
        """x >= the first day of the i-th year of the table (in units), each built once for x."""
        made = memo.setdefault("at", {})

        def at(i: int):
            condition = made.get(i)
            if condition is None:
                condition = made[i] = self.at_least(x, self._starts[i] * unit)
            return condition

        return at

    def _year_start(self, x, later: int, unit: int, memo: dict):
        """The first day of the year `later` years after the year of x (x counted in `unit`s
        of a day: 1 for dates, 1440 for date-times); `memo` keeps the terms built for x."""
        if later not in memo:
            if later not in self._later:
                self._later[later] = [CONCRETE_MONTHS.first_day(12 * (year + later)) for year in self._years]
            memo[later] = self._tree(self._at(x, unit, memo), self._later[later].__getitem__, 0, len(self._starts))
        return memo[later]

    def _by_month(self, x, unit: int, memo: dict, leaf: Callable):
        """`leaf(m, offset)` for x in month m (0 is March) of its year, `offset` x's distance
        from the first day of that month (in units)."""
        in_year = x - self._year_start(x, 0, unit, memo) * unit
        bounds = [day * unit for day in _MARCH_MONTHS[:12]]
        return self._tree(lambda m: self.at_least(in_year, bounds[m]), lambda m: leaf(m, in_year - bounds[m]), 0, 12)

    def _month(self, x, m: int, later: int, unit: int, memo: dict):
        """(first day, length in days) of the month `later` months after month m of x's year."""
        years, month = divmod(m + later, 12)
        start = self._year_start(x, years, unit, memo) + _MARCH_MONTHS[month]
        if month < 11:
            return start, _MARCH_MONTHS[month + 1] - _MARCH_MONTHS[month]
        return start, self._year_start(x, years + 1, unit, memo) - start  # February: to the next March

    def add(self, x, count: int, unit: int = 1):
        """`Months.add` for a constant `count`, on a day (`unit` 1) or a date-time in minutes
        (`unit` 1440: the time of day is kept)."""

        def leaf(m, offset):
            start, length = self._month(x, m, count, unit, memo)
            beyond = 0  # days past the end of the target month, 0 to 3: clamped to its last day
            for extra in (1, 2, 3):
                beyond = self.ite(offset >= (length + extra - 1) * unit, extra, beyond)
            return start * unit + offset - beyond * unit

        memo = self._memo(x, unit)
        return self._answer(x, ("add", count, unit), lambda: self._by_month(x, unit, memo, leaf))

    def period(self, x, anchor: int, end: bool = False):
        """`Months.period`: the period's first (or last) day."""

        def anchored(m, later):
            start, length = self._month(x, m, later, 1, memo)
            return start + self.ite(length - anchor >= 0, anchor, length) - 1

        def leaf(m, offset):
            here = anchored(m, 0)
            if end:
                return self.ite(x >= here, anchored(m, 1), here) - 1
            return self.ite(x >= here, here, anchored(m, -1))

        memo = self._memo(x, 1)
        return self._answer(x, ("period", anchor, end), lambda: self._by_month(x, 1, memo, leaf))
