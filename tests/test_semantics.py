"""checker/semantics/: each definition gives the same answer on concrete values and on Z3 terms."""

from __future__ import annotations

import calendar
import datetime as dt
from fractions import Fraction

import pytest
import z3
from hypothesis import given
from hypothesis import strategies as st
from ruleproof.checker.explain import CONCRETE
from ruleproof.checker.semantics.calendar import CONCRETE_MONTHS, Calendar, MonthTable
from ruleproof.checker.semantics.kinds import DECIMALS, EXACT_KINDS, scale
from ruleproof.checker.semantics.numbers import extreme, quotient, round_half_up
from ruleproof.checker.semantics.operators import COMPARE, INFIX, ArithOp, CompareOp
from ruleproof.checker.semantics.outcomes import Cause, Undetermined
from ruleproof.checker.semantics.selection import HitPolicy, select


def test_every_comparison_has_a_function_a_negation_and_a_flip():
    for op in CompareOp:
        assert op in COMPARE
        assert op.negated.negated is op and op.flipped.flipped is op
        for a, b in ((1, 2), (2, 2), (3, 2)):
            assert COMPARE[op.negated](a, b) == (not COMPARE[op](a, b))
            assert COMPARE[op.flipped](b, a) == COMPARE[op](a, b)


def test_infix_operators_are_arithmetic_operators():
    assert set(INFIX) <= set(ArithOp)


def test_scales_come_from_one_table():
    assert set(DECIMALS) == EXACT_KINDS
    assert scale("money") == 100 and scale("rate") == scale("decimal") == 10_000


def test_causes_round_trip_through_their_codes():
    assert {Cause.from_code(c.code) for c in Cause} == set(Cause)
    assert Cause.from_code(0) is None


def test_division_by_zero_is_undetermined():
    with pytest.raises(Undetermined) as err:
        quotient(1, 0)
    assert err.value.cause is Cause.DIVISION_BY_ZERO


@given(st.fractions(min_value=-1000, max_value=1000, max_denominator=10_000), st.integers(-3, 4))
def test_rounding_agrees_on_values_and_terms(value, digits):
    concrete = round_half_up(value, digits)
    term = round_half_up(z3.RealVal(f"{value.numerator}/{value.denominator}"), digits,
                         lambda x: z3.ToReal(z3.ToInt(x)), lambda f: z3.RealVal(f"{f.numerator}/{f.denominator}"))
    simplified = z3.simplify(term)
    assert Fraction(simplified.numerator_as_long(), simplified.denominator_as_long()) == concrete
    assert abs(concrete - value) <= Fraction(10) ** -digits / 2


def test_min_and_max_keep_python_semantics():
    values = [3, 1, 2, 1]
    assert extreme(values, lambda a, b: b < a, lambda c, a, b: a if c else b) == min(values)
    assert extreme(values, lambda a, b: b > a, lambda c, a, b: a if c else b) == max(values)


def test_working_days_agree_day_by_day():
    """The concrete count and the symbolic step agree on every day of three years, with
    holidays next to weekends and in runs."""
    start = dt.date(2025, 1, 1).toordinal()
    holidays = frozenset(dt.date(2026, m, d).toordinal() for m, d in
                         ((1, 1), (1, 2), (4, 3), (5, 1), (10, 1), (10, 2), (10, 5), (12, 24), (12, 25), (12, 28)))
    calendar = Calendar(holidays)
    day = z3.Int("day")
    step = calendar.next_working_day(day, z3.If)
    for ordinal in range(start, start + 3 * 366):
        symbolic = z3.simplify(z3.substitute(step, (day, z3.IntVal(ordinal)))).as_long()
        assert symbolic == calendar.add(ordinal, 1), dt.date.fromordinal(ordinal)
        assert calendar.is_working(symbolic)


def _reference_add_months(day: dt.date, count: int) -> dt.date:
    """dateutil's rule, written with the standard library: same day, or the month's last."""
    year, month = divmod(day.year * 12 + day.month - 1 + count, 12)
    return dt.date(year, month + 1, min(day.day, calendar.monthrange(year, month + 1)[1]))


def test_months_follow_the_end_of_month_rule_day_by_day():
    """Months.add against the standard library on every day of 1999-2001 and 2099-2101 (leap
    years 2000 and not 2100), each count from -25 to 25; monthly periods tile the days."""
    days = [dt.date(1999, 1, 1) + dt.timedelta(i) for i in range(3 * 365)]
    days += [dt.date(2099, 1, 1) + dt.timedelta(i) for i in range(3 * 365)]
    for day in days:
        ordinal = day.toordinal()
        for count in range(-25, 26):
            assert dt.date.fromordinal(CONCRETE_MONTHS.add(ordinal, count)) == _reference_add_months(day, count), (day, count)
        for anchor in (1, 15, 27, 28, 29, 30, 31):
            start, end = CONCRETE_MONTHS.period(ordinal, anchor), CONCRETE_MONTHS.period(ordinal, anchor, end=True)
            assert start <= ordinal <= end and CONCRETE_MONTHS.period(end + 1, anchor) == end + 1
            first = dt.date.fromordinal(start)
            assert first.day == min(anchor, calendar.monthrange(first.year, first.month)[1]), (day, anchor)


def test_the_solver_month_table_is_the_formula():
    """MonthTable's terms, built with z3.If and simplified on concrete days, give what the
    formula gives: dates, date-times (time kept) and period bounds, at month ends and leap days."""
    table = MonthTable(dt.date(1970, 1, 1).toordinal(), dt.date(2199, 12, 31).toordinal(), z3.If)
    x = z3.Int("x")
    terms = {(count, unit): table.add(x, count, unit) for count in (1, -1, 12, 13, -1200) for unit in (1, 1440)}
    periods = {(anchor, end): table.period(x, anchor, end) for anchor in (27, 31) for end in (False, True)}
    ends = [dt.date(y, m, 1) - dt.timedelta(k) for y in (1970, 2000, 2024, 2100, 2199) for m in (1, 3, 5, 12) for k in (0, 1, 2)]
    for day in ends:
        o = day.toordinal()
        for (count, unit), term in terms.items():
            at = o * unit + (unit - 1)
            got = z3.simplify(z3.substitute(term, (x, z3.IntVal(at)))).as_long()
            want = CONCRETE_MONTHS.add(o, count) if unit == 1 else CONCRETE_MONTHS.add_to_minutes(at, count)
            assert got == want, (day, count, unit)
        for (anchor, end), term in periods.items():
            assert z3.simplify(z3.substitute(term, (x, z3.IntVal(o)))).as_long() == CONCRETE_MONTHS.period(o, anchor, end)


def test_the_month_table_bounds_hold_on_every_kind_of_day():
    """What MonthTable.bounds tells the solver about the year trees (the checks add it to
    questions about months) holds on the table's first and last days, at year ends and leap
    days, for dates and date-times: it is true of every case, so it changes no answer."""
    low, high = dt.date(1970, 1, 1).toordinal(), dt.date(2199, 12, 31).toordinal()
    table = MonthTable(low, high, z3.If)
    x = z3.Int("x")
    days = [dt.date(y, m, d).toordinal() for y in (1970, 2000, 2024, 2100, 2199) for m, d in ((1, 1), (2, 28), (2, 29), (3, 1), (12, 31))
            if (m, d) != (2, 29) or y % 4 == 0 and (y % 100 or y % 400 == 0)]
    for unit in (1, 1440):
        for count in (1, -1, 13, -25):
            table.add(x, count, unit)
        (first, last), found = table.bounds(x, unit)
        assert first <= low * unit and (high + 1) * unit - 1 <= last
        assert len(found) > 2  # the year trees of several later and earlier years
        edges = [first, last, *(o * unit for o in days), *(o * unit + unit - 1 for o in days)]
        for at in edges:
            for term, least, greatest in found:
                value = z3.simplify(z3.substitute(term, (x, z3.IntVal(at)))).as_long()
                assert least <= value <= greatest, (dt.date.fromordinal(at // unit), unit, least, value, greatest)
    table.period(x, 27)
    (first, last), found = table.bounds(x)
    for o in days:
        assert all(least <= z3.simplify(z3.substitute(t, (x, z3.IntVal(o)))).as_long() <= greatest for t, least, greatest in found)


class Rule:
    def __init__(self, name, priority=None, overrides=()):
        self.name, self.priority, self.overrides = name, priority, overrides


def _z3_selected(hit, rules, fired):
    from ruleproof.checker.encode_outcomes import Z3

    atoms = [z3.Bool(f"f{i}") for i in range(len(rules))]
    chosen = select(hit, rules, atoms, Z3).selected
    pairs = [(a, z3.BoolVal(f)) for a, f in zip(atoms, fired)]
    return [z3.is_true(z3.simplify(z3.substitute(s, *pairs))) for s in chosen]


@given(st.lists(st.booleans(), min_size=1, max_size=6), st.sampled_from(list(HitPolicy)), st.data())
def test_selection_is_the_same_on_booleans_and_terms(fired, hit, data):
    n = len(fired)
    rules = [Rule(f"r{i}", data.draw(st.sampled_from([None, 1, 2])),
                  tuple(f"r{j}" for j in range(n) if j != i and data.draw(st.booleans())) if data.draw(st.booleans()) else ())
             for i in range(n)]
    concrete = select(hit, rules, fired, CONCRETE).selected
    assert list(concrete) == _z3_selected(hit, rules, fired)
    wins = [f and not any(fired[j] for j, o in enumerate(rules) if rules[i].name in o.overrides) for i, f in enumerate(fired)]
    if hit == "first":
        assert list(concrete) == [w and not any(wins[:i]) for i, w in enumerate(wins)]
    elif hit == "priority":
        top = max((rules[i].priority or 0 for i, w in enumerate(wins) if w), default=None)
        assert list(concrete) == [w and (rules[i].priority or 0) == top for i, w in enumerate(wins)]
    else:
        assert list(concrete) == wins
