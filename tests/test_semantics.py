"""checker/semantics/: each definition gives the same answer on concrete values and on Z3 terms."""

from __future__ import annotations

import datetime as dt
from fractions import Fraction

import pytest
import z3
from hypothesis import given
from hypothesis import strategies as st
from ruleproof.checker.explain import CONCRETE
from ruleproof.checker.semantics.calendar import Calendar
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
