"""SQL terms: the primitives the semantics is built over, as sqlglot expressions.

- `Layers` (checker/sql/layers.py): binds a shared term to a column of a projection layer
  (the SQL `semantics.algebra.BooleanAlgebra.share`), so no expression is copied into its readers.
- `SqlAlgebra`: the boolean connectives of `semantics.selection`, over SQL booleans.
- `Int`: an integer term with Python's operators, for the formulas the semantics writes once
  (working days, `semantics.calendar`).
- `Num`: an exact number `n / (10^scale * den)` over integers — money, rates and decimals
  in units of their scale, quotients as fractions — with the operators `semantics.numbers`
  uses (half-up rounding, min, max, abs), so no SQL DECIMAL division ever rounds a value.

Causes are integers (`Cause.code`, 0: determined), as in the Z3 encoding.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from ruleproof.checker.sql.layers import Layers
from sqlglot import exp

ZERO = exp.Literal.number(0)


def lit(value: int) -> exp.Expression:
    """An integer literal (negative numbers as a negation, which every dialect reads)."""
    return exp.Literal.number(value) if value >= 0 else exp.Neg(this=exp.Literal.number(-value))


def big(value: int) -> exp.Expression:
    """An integer constant as BIGINT (a bare literal is a 32-bit INTEGER in DuckDB and Spark,
    and a product of two of them overflows there)."""
    return exp.cast(lit(value), "BIGINT")


def copy(e: exp.Expression) -> exp.Expression:
    """A term embedded in a new parent: sqlglot nodes have one parent each."""
    return e.copy()


def paren(e: exp.Expression) -> exp.Expression:
    return e if isinstance(e, (exp.Column, exp.Literal, exp.Boolean, exp.Paren, exp.Null)) else exp.Paren(this=copy(e))


def case(*branches: tuple[exp.Expression, exp.Expression], default: exp.Expression | None = None) -> exp.Expression:
    """CASE WHEN c1 THEN v1 ... ELSE default END."""
    node = exp.Case(ifs=[exp.If(this=copy(c), true=copy(v)) for c, v in branches])
    return node.else_(copy(default)) if default is not None else node


def ite(cond, a, b) -> exp.Expression:
    return case((cond, a), default=b)


def not_null(e: exp.Expression) -> exp.Expression:
    """`e` with NULL read as false: a verdict never sees SQL's third truth value."""
    return exp.Coalesce(this=copy(e), expressions=[exp.false()])


class SqlAlgebra:
    """`semantics.algebra.BooleanAlgebra` over SQL booleans; `share` binds a column."""

    def __init__(self, layers: Layers):
        self.layers = layers

    def and_(self, *terms):
        return exp.and_(*(copy(t) for t in terms)) if terms else exp.true()

    def or_(self, *terms):
        return exp.or_(*(copy(t) for t in terms)) if terms else exp.false()

    def not_(self, term):
        return exp.Not(this=paren(term))

    def share(self, term, hint: str):
        return self.layers.bind(term, hint)


@dataclass(frozen=True)
class Int:
    """An integer term with Python's operators (comparisons give SQL booleans)."""

    e: exp.Expression

    @staticmethod
    def of(x) -> Int:
        return x if isinstance(x, Int) else Int(lit(x))

    def __add__(self, other):
        return Int(exp.Add(this=copy(self.e), expression=copy(Int.of(other).e)))

    __radd__ = __add__

    def __sub__(self, other):
        return Int(exp.Sub(this=copy(self.e), expression=paren(Int.of(other).e)))

    def __rsub__(self, other):
        return Int.of(other) - self

    def __mul__(self, other):
        return Int(exp.Mul(this=paren(self.e), expression=paren(Int.of(other).e)))

    __rmul__ = __mul__

    def __neg__(self):
        return Int(exp.Neg(this=paren(self.e)))

    def __ge__(self, other):
        return exp.GTE(this=copy(self.e), expression=copy(Int.of(other).e))


def int_ite(cond, a, b) -> Int:
    return Int(ite(cond, Int.of(a).e, Int.of(b).e))


def floordiv(x: exp.Expression, k: exp.Expression, layers: Layers) -> exp.Expression:
    """floor(x / k) for integer terms, k > 0 (SQL's integer division truncates towards zero)."""
    x = layers.bind(x, "n")
    quotient = exp.IntDiv(this=paren(x), expression=paren(k))
    negative = exp.Neg(this=exp.Paren(this=exp.IntDiv(
        this=exp.Paren(this=exp.Sub(this=exp.Add(this=exp.Neg(this=paren(x)), expression=paren(k)), expression=lit(1))),
        expression=paren(k))))
    return ite(exp.GTE(this=copy(x), expression=ZERO), quotient, negative)


@dataclass(frozen=True)
class Num:
    """An exact number: n / (10^scale * den), `n` and `den` integer terms, `den` > 0 (None: 1)."""

    n: exp.Expression
    scale: int = 0
    den: exp.Expression | None = None
    layers: Layers | None = field(default=None, compare=False)

    def _at(self, scale: int) -> exp.Expression:
        """The numerator over 10^scale (scale >= self.scale)."""
        return self.n if scale == self.scale else exp.Mul(this=paren(self.n), expression=big(10 ** (scale - self.scale)))

    def _pair(self, other: Num):
        s = max(self.scale, other.scale)
        a, b = self._at(s), other._at(s)
        return s, a, b

    def _cross(self, other: Num):
        """Numerators over one scale and one denominator (for comparisons and sums)."""
        s, a, b = self._pair(other)
        if self.den is None and other.den is None:
            return s, a, b, None
        if other.den is not None:
            a = exp.Mul(this=paren(a), expression=paren(other.den))
        if self.den is not None:
            b = exp.Mul(this=paren(b), expression=paren(self.den))
        den = self.den if other.den is None else other.den if self.den is None else exp.Mul(this=paren(self.den), expression=paren(other.den))
        return s, a, b, den

    def __add__(self, other: Num) -> Num:
        s, a, b, den = self._cross(other)
        return Num(exp.Add(this=copy(a), expression=copy(b)), s, den, self.layers or other.layers)

    def __sub__(self, other: Num) -> Num:
        s, a, b, den = self._cross(other)
        return Num(exp.Sub(this=copy(a), expression=paren(b)), s, den, self.layers or other.layers)

    def __mul__(self, other: Num) -> Num:
        den = self.den if other.den is None else other.den if self.den is None else exp.Mul(this=paren(self.den), expression=paren(other.den))
        return Num(exp.Mul(this=paren(self.n), expression=paren(other.n)), self.scale + other.scale, den, self.layers or other.layers)

    def __neg__(self) -> Num:
        return Num(exp.Neg(this=paren(self.n)), self.scale, self.den, self.layers)

    def __truediv__(self, other: Num) -> Num:
        """self / other for a nonzero divisor; a zero divisor gives a placeholder value (the
        caller's cause term says division by zero, and no SQL division ever runs)."""
        layers = self.layers or other.layers
        power = _power_of_ten(other.n)
        if power is not None and other.den is None:  # a constant 10^k: a shift of the scale
            shift = self.scale + power - other.scale
            if shift >= 0:
                return Num(self.n, shift, self.den, layers)
            return Num(exp.Mul(this=paren(self.n), expression=big(10 ** -shift)), 0, self.den, layers)
        divisor = layers.bind(other.n, "d")
        negative = exp.LT(this=copy(divisor), expression=ZERO)
        # (a / 10^sa da) / (b / 10^sb db) = a db 10^sb / (10^sa da |b|)
        top = self.n if other.den is None else exp.Mul(this=paren(self.n), expression=paren(other.den))
        if other.scale:
            top = exp.Mul(this=paren(top), expression=big(10 ** other.scale))
        top = ite(negative, exp.Neg(this=paren(top)), top)
        magnitude = case((exp.EQ(this=copy(divisor), expression=ZERO), lit(1)), (negative, exp.Neg(this=paren(divisor))),
                         default=divisor)
        den = magnitude if self.den is None else exp.Mul(this=paren(self.den), expression=paren(magnitude))
        return Num(top, self.scale, den, layers)

    def compare(self, other: Num, op: type[exp.Expression]) -> exp.Expression:
        """`self op other` as a SQL boolean (op: exp.LT, exp.EQ, ...)."""
        _, a, b, _ = self._cross(other)
        return op(this=copy(a), expression=copy(b))

    def __ge__(self, other):
        return self.compare(Num.of(other, self.layers), exp.GTE)

    @staticmethod
    def of(x, layers: Layers | None) -> Num:
        """A Num from a Num or an exact constant (int or Fraction)."""
        if isinstance(x, Num):
            return x
        return constant(x, layers)

    def floor(self) -> Num:
        """The greatest integer not above the number."""
        if self.scale == 0 and self.den is None:
            return self
        divisor = big(10 ** self.scale) if self.den is None else (
            self.den if not self.scale else exp.Mul(this=paren(self.den), expression=big(10 ** self.scale)))
        return Num(floordiv(self.n, divisor, self.layers), 0, None, self.layers)

    def bound(self, hint: str) -> Num:
        """The same number with its parts bound to columns."""
        b = self.layers.bind
        return Num(b(self.n, hint), self.scale, None if self.den is None else b(self.den, hint + "d"), self.layers)


def constant(value, layers: Layers | None) -> Num:
    """An exact constant (an int or a Fraction) as a Num: a decimal when it has one."""
    from fractions import Fraction

    value = Fraction(value)
    scale, n = 0, value
    while n.denominator != 1 and scale < 18 and (n.denominator % 2 == 0 or n.denominator % 5 == 0):
        scale, n = scale + 1, n * 10
    if n.denominator == 1:
        return Num(big(int(n)), scale, None, layers)
    return Num(big(n.numerator), scale, big(n.denominator), layers)


def _power_of_ten(e: exp.Expression) -> int | None:
    """k when `e` is the literal 10^k."""
    if isinstance(e, exp.Cast) and isinstance(e.this, exp.Literal) and e.this.is_number:
        text = e.this.this
        if text.startswith("1") and set(text[1:]) <= {"0"}:
            return len(text) - 1
    return None


def num_ite(cond: exp.Expression, a: Num, b: Num) -> Num:
    """CASE WHEN cond THEN a ELSE b END over exact numbers (one scale, one denominator)."""
    s = max(a.scale, b.scale)
    n = ite(cond, a._at(s), b._at(s))
    if a.den is None and b.den is None:
        return Num(n, s, None, a.layers or b.layers)
    den = ite(cond, a.den if a.den is not None else lit(1), b.den if b.den is not None else lit(1))
    return Num(n, s, den, a.layers or b.layers)


def num_choose(branches: list[tuple[exp.Expression, Num]], default: Num) -> Num:
    """The first branch whose condition holds, else `default`, over exact numbers."""
    parts = [num for _, num in branches] + [default]
    s = max(p.scale for p in parts)
    n = case(*((c, v._at(s)) for c, v in branches), default=default._at(s))
    if all(p.den is None for p in parts):
        return Num(n, s, None, default.layers)
    den = case(*((c, v.den if v.den is not None else lit(1)) for c, v in branches),
               default=default.den if default.den is not None else lit(1))
    return Num(n, s, den, default.layers)


class SqlNumbers(SqlAlgebra):
    """`semantics.algebra.NumberAlgebra` over exact SQL numbers (Num): what an aggregating
    collect is built from; `share` binds a number's parts or a boolean to columns."""

    def number(self, n: int) -> Num:
        return constant(n, self.layers)

    def add(self, a: Num, b: Num) -> Num:
        return a + b

    def less(self, a: Num, b: Num) -> exp.Expression:
        return a.compare(b, exp.LT)

    def ite(self, cond: exp.Expression, a: Num, b: Num) -> Num:
        return num_ite(self.layers.bind(not_null(cond), "c"), a, b)

    def share(self, term, hint: str):
        return term.bound(hint) if isinstance(term, Num) else self.layers.bind(term, hint)
