"""Aggregates over lists of records: `count`, `sum`, `min`, `max`, `any`, `all`.

An aggregate reads the records of a list fact in order. A filter (`where`) keeps some of them;
`count` counts the kept records, `sum`, `min` and `max` combine one field of each, `any` holds
when some kept record satisfies its test and `all` when every kept one does. Of an empty
selection: `count` is 0, `sum` is zero of the field's kind, `any` is false and `all` is true;
`min` and `max` have no value, and a decision that reads one is undetermined with the cause
`EMPTY_LIST`.

Each record is read in turn: its filter first, then (when the filter keeps it) its field or
test — the first of these that cannot be evaluated makes the aggregate undetermined with its
cause (see `outcomes`). `fold` builds the combination over any target's primitives (Python
values in the evaluator, Z3 terms in the encoder, where a list is a length and one slot per
possible record); count, sum, min and max are the same folds as the aggregating hit policies
(`selection.aggregate`).
"""

from __future__ import annotations

from collections.abc import Sequence
from enum import StrEnum
from typing import TypeVar

from ruleproof.checker.semantics.algebra import NumberAlgebra
from ruleproof.checker.semantics.kinds import NUMBER_KINDS, ORDERED_KINDS, Kind
from ruleproof.checker.semantics.outcomes import Cause, Undetermined
from ruleproof.checker.semantics.selection import HitPolicy, aggregate

T = TypeVar("T")


class AggregateOp(StrEnum):
    """`ir.Aggregate.op`: the function written in the source."""

    COUNT = "count"
    SUM = "sum"
    MIN = "min"
    MAX = "max"
    ANY = "any"
    ALL = "all"

    @property
    def value_kinds(self) -> frozenset[Kind]:
        """The kinds of field the aggregate combines (none for `count`, which counts records)."""
        return _VALUE_KINDS[self]

    @property
    def may_be_empty(self) -> bool:
        """Whether an empty selection leaves the aggregate without a value (`min`, `max`)."""
        return self in (AggregateOp.MIN, AggregateOp.MAX)


_VALUE_KINDS = {
    AggregateOp.COUNT: frozenset(),
    AggregateOp.SUM: frozenset(NUMBER_KINDS),
    AggregateOp.MIN: frozenset(ORDERED_KINDS),
    AggregateOp.MAX: frozenset(ORDERED_KINDS),
    AggregateOp.ANY: frozenset({Kind.BOOL}),
    AggregateOp.ALL: frozenset({Kind.BOOL}),
}
_AS_HIT_POLICY = {
    AggregateOp.COUNT: HitPolicy.COLLECT_COUNT, AggregateOp.SUM: HitPolicy.COLLECT_SUM,
    AggregateOp.MIN: HitPolicy.COLLECT_MIN, AggregateOp.MAX: HitPolicy.COLLECT_MAX,
}
EMPTY_REASON = "{op} of an empty list"


def fold(op: AggregateOp, kept: Sequence[T], values: Sequence[T], alg: NumberAlgebra[T]) -> tuple[T, T]:
    """The aggregate over records where `kept[i]` says whether record i is kept and `values[i]`
    is its field or test (read only where kept): (value, nonempty). `nonempty` is whether some
    record is kept; the value of `min` and `max` means something only then."""
    op = AggregateOp(op)
    nonempty = alg.or_(*kept)
    if op is AggregateOp.ANY:
        return alg.or_(*(alg.and_(k, v) for k, v in zip(kept, values))), nonempty
    if op is AggregateOp.ALL:
        return alg.and_(*(alg.or_(alg.not_(k), v) for k, v in zip(kept, values))), nonempty
    return aggregate(_AS_HIT_POLICY[op], kept, values, alg), nonempty


class _Values:
    """`NumberAlgebra` over Python values (every value given is one of a kept record)."""

    def and_(self, *terms):
        return all(terms)

    def or_(self, *terms):
        return any(terms)

    def not_(self, term):
        return not term

    def share(self, term, hint: str):
        return term

    def number(self, n: int):
        return n

    def add(self, a, b):
        return a + b

    def less(self, a, b):
        return a < b

    def ite(self, cond, a, b):
        return a if cond else b


VALUES = _Values()


def over(op: AggregateOp, records, keep, value):
    """The aggregate of concrete records (tuples of field values) in order: `keep(record)` is
    the filter (None: keep all), `value(record)` the field or test (None for `count`). Raises
    Undetermined(EMPTY_LIST) for `min` or `max` of no record, and lets the Undetermined or
    KeyError of a filter or field through, record by record."""
    values = []
    for record in records:
        if keep is None or keep(record):
            values.append(value(record) if value is not None else True)
    result, nonempty = fold(op, [True] * len(values), values, VALUES)
    if not nonempty and AggregateOp(op).may_be_empty:
        raise Undetermined(Cause.EMPTY_LIST, EMPTY_REASON.format(op=AggregateOp(op).value))
    return result
