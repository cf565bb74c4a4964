"""Value kinds, and the one scale of exact numbers.

Money is counted in cents, rates and decimals in ten-thousandths: a wire value finer than its
scale is refused (checker/values.py) and the Z3 encoding counts in these units, so every
model is a case the evaluator can replay.
"""

from __future__ import annotations

from enum import StrEnum


class Kind(StrEnum):
    """The families of types (`Type.kind`). A StrEnum, so `Kind.DATE == "date"`."""

    BOOL = "bool"
    INT = "int"
    DURATION = "duration"
    DATE = "date"
    DATETIME = "datetime"
    DECIMAL = "decimal"
    RATE = "rate"
    MONEY = "money"
    ENUM = "enum"
    STRING = "string"
    SET = "set"
    WINDOW = "window"
    RECORD = "record"  # the items of a list: named fields of scalar kinds
    LIST = "list"  # a fact holding records, at most a declared number of them
    ERROR = "error"  # the type checker's type of an expression it already reported


EXACT_KINDS = frozenset({Kind.DECIMAL, Kind.RATE, Kind.MONEY})
"""Kinds held as exact fractions (and as reals in Z3)."""

INTEGER_KINDS = frozenset({Kind.INT, Kind.DURATION, Kind.DATE, Kind.DATETIME})
"""Kinds held as integers: counts, day ordinals, minutes."""

NUMBER_KINDS = frozenset({Kind.INT, Kind.DURATION} | EXACT_KINDS)
"""Kinds that arithmetic applies to (dates take durations only)."""

ORDERED_KINDS = NUMBER_KINDS | {Kind.DATE, Kind.DATETIME}
"""Kinds that `<`, `<=`, `>`, `>=`, min and max apply to."""

DECIMALS = {Kind.MONEY: 2, Kind.RATE: 4, Kind.DECIMAL: 4}
"""The finest fraction of each exact kind, in decimal places."""


def scale(kind: str) -> int:
    """How many units make one of an exact kind: 100 for money, 10,000 for rates and decimals.

    >>> scale(Kind.MONEY), scale("rate")
    (100, 10000)
    """
    return 10 ** DECIMALS[Kind(kind)]
