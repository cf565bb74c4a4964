"""Exact arithmetic: division, half-up rounding, min, max and abs.

Concrete values are ints and `fractions.Fraction`s; the same formulas build Z3 terms when
given the target's `floor` and `ite`.
"""

from __future__ import annotations

from collections.abc import Callable
from fractions import Fraction

from ruleproof.checker.semantics.outcomes import Cause, Undetermined

HALF = Fraction(1, 2)


def divisor_is_zero(divisor):
    """The condition under which `x / divisor` is undetermined (`Cause.DIVISION_BY_ZERO`)."""
    return divisor == 0


def quotient(dividend, divisor) -> Fraction:
    """`dividend / divisor`, exact; raises Undetermined(DIVISION_BY_ZERO) for a zero divisor.

    >>> quotient(10, 4)
    Fraction(5, 2)
    """
    if divisor_is_zero(divisor):
        raise Undetermined(Cause.DIVISION_BY_ZERO, "division by zero")
    if type(dividend) is int and type(divisor) is int:
        return Fraction(dividend, divisor)
    return dividend / divisor  # a Fraction on either side keeps the quotient exact


def round_half_up(value, digits: int, floor: Callable = None, half=HALF):
    """`value` rounded to `digits` places, halves away from minus infinity:
    floor(value · 10^digits + 1/2) / 10^digits. `floor` and `half` are the target's (concrete
    values by default).

    >>> round_half_up(Fraction(5, 2), 0), round_half_up(Fraction(-5, 2), 0), round_half_up(Fraction(1234, 1000), 2)
    (Fraction(3, 1), Fraction(-2, 1), Fraction(123, 100))
    """
    scale = 10 ** digits
    if floor is None:
        return Fraction((Fraction(value) * scale + half).__floor__(), scale)
    return floor(value * scale + half) / scale


def extreme(values, pick_later: Callable, ite: Callable):
    """The min or max of `values` (left to right, the first of equals kept): `pick_later(a, b)`
    says when `b` replaces `a` (`b < a` for min, `b > a` for max)."""
    result = values[0]
    for other in values[1:]:
        result = ite(pick_later(result, other), other, result)
    return result


def absolute(value, ite: Callable):
    """|value|."""
    return ite(value >= 0, value, -value)
