"""Every operator of the IR, as an enum, with the one function that computes it.

Python's operators are overloaded by Z3's terms, so `COMPARE[op](a, b)` is the comparison
of two concrete values and of two Z3 terms alike; a source-generating target writes the
operator's `symbol`. Exact division, rounding, min, max and abs are in `numbers`.
"""

from __future__ import annotations

import operator
from collections.abc import Callable
from enum import StrEnum


class CompareOp(StrEnum):
    """Comparisons (`ir.Compare.op`). Booleans, enums, strings and sets have only == and !=."""

    LT = "<"
    LE = "<="
    GT = ">"
    GE = ">="
    EQ = "=="
    NE = "!="

    @property
    def symbol(self) -> str:
        """How Python source (and most SQL dialects) spell it."""
        return self.value

    @property
    def negated(self) -> CompareOp:
        """The comparison that holds exactly when this one does not."""
        return _NEGATED[self]

    @property
    def flipped(self) -> CompareOp:
        """The comparison with its operands swapped: `a < b` is `b > a`."""
        return _FLIPPED[self]


COMPARE: dict[CompareOp, Callable] = {
    CompareOp.LT: operator.lt, CompareOp.LE: operator.le, CompareOp.GT: operator.gt,
    CompareOp.GE: operator.ge, CompareOp.EQ: operator.eq, CompareOp.NE: operator.ne,
}
_NEGATED = {CompareOp.LT: CompareOp.GE, CompareOp.LE: CompareOp.GT, CompareOp.GT: CompareOp.LE,
            CompareOp.GE: CompareOp.LT, CompareOp.EQ: CompareOp.NE, CompareOp.NE: CompareOp.EQ}
_FLIPPED = {CompareOp.LT: CompareOp.GT, CompareOp.LE: CompareOp.GE, CompareOp.GT: CompareOp.LT,
            CompareOp.GE: CompareOp.LE, CompareOp.EQ: CompareOp.EQ, CompareOp.NE: CompareOp.NE}


class Connective(StrEnum):
    """`ir.BoolOp.op`: evaluated left to right, stopping at the first operand that settles it
    (`false` for and, `true` for or) — an undetermined operand after it does not count."""

    AND = "and"
    OR = "or"


class ArithOp(StrEnum):
    """`ir.Arith.op`."""

    ADD = "add"
    SUB = "sub"
    MUL = "mul"
    DIV = "div"  # exact; undetermined (division by zero) when the divisor is 0
    FLOORDIV = "floordiv"  # integers by a positive constant (unit conversions)
    NEG = "neg"
    MIN = "min"
    MAX = "max"
    ABS = "abs"
    CAST = "cast"  # a change of type that keeps the value (e.g. hours as minutes of a day count)
    ROUND = "round"  # half up, to `digits` places


INFIX: dict[ArithOp, tuple[str, Callable]] = {
    ArithOp.ADD: ("+", operator.add),
    ArithOp.SUB: ("-", operator.sub),
    ArithOp.MUL: ("*", operator.mul),
}
"""The operators computed by Python's (and Z3's) own infix operator: symbol and function."""
