"""The Z3 terms of the calendar (mixed into Encoder): working days over the pack's holidays,
calendar months and monthly periods.

Months are lookups of a day's year and month in `semantics.calendar.MonthTable`, exact from
MONTHS_LOW to MONTHS_HIGH, a century beyond the dates a case can hold either way.
"""

from __future__ import annotations

from functools import cached_property

import z3
from ruleproof.checker import ir
from ruleproof.checker.encode_facts import DATE_MAX, DATE_MIN, Sym
from ruleproof.checker.semantics.calendar import MonthTable
from ruleproof.checker.z3_terms import at_least, conjunction, integer_choice

#: the days on which the solver's month arithmetic is exact: cases' dates (1970 to 2199) and a
#: century beyond them, for dates computed from them
MONTHS_LOW, MONTHS_HIGH = DATE_MIN - 36524, DATE_MAX + 36524


class CalendarTerms:
    """Working days and calendar months, mixed into Encoder (which provides `expr`,
    `calendar` and `month_bounds`)."""

    def _AddWorkingDays(self, e: ir.AddWorkingDays) -> Sym:
        date = self.expr(e.date)
        day = date.value
        for _ in range(e.days):
            day = self.calendar.next_working_day(day, z3.If)
        return Sym(day, None, date.why)

    @cached_property
    def months(self) -> MonthTable:
        return MonthTable(MONTHS_LOW, MONTHS_HIGH, integer_choice, z3.AstRef.get_id, at_least)

    def _AddMonths(self, e: ir.AddMonths) -> Sym:
        point = self.expr(e.point)
        unit = 1 if e.type.kind == "date" else 1440
        value = self.months.add(point.value, e.months, unit)
        self._month_bounds(e, point.value, unit)
        return Sym(value, None, point.why)

    def _MonthlyPeriod(self, e: ir.MonthlyPeriod) -> Sym:
        date = self.expr(e.date)
        value = self.months.period(date.value, e.anchor, e.end)
        self._month_bounds(e, date.value, 1)
        return Sym(value, None, date.why)

    def _month_bounds(self, e: ir.AddMonths | ir.MonthlyPeriod, x: z3.ArithRef, unit: int) -> None:
        """Record under `month_bounds[id(e)]` what holds of the month table's year trees for
        x, the day or date-time `e` reads (`MonthTable.bounds`), as one term true of every
        case: a question about `e` is answered much faster with it, and identically."""
        if z3.is_int_value(x):
            return
        (low, high), found = self.months.bounds(x, unit)
        inside = conjunction([x >= low, x <= high])
        holds = conjunction([c for term, least, greatest in found for c in (term >= least, term <= greatest)])
        self.month_bounds[id(e)] = z3.Implies(inside, holds)

