"""Lists of records in SQL (a mixin of `compile.SqlCompiler`): a list fact is a column holding
an array of structs (DuckDB LIST of STRUCT, Spark ARRAY of STRUCT); an aggregate is unrolled
over the declared maximum length, as in the Z3 encoding (checker/encode_collections.py) — slot
i counts when i < the array's length and its filter holds — and combined by
`semantics.aggregates.fold`, the evaluator's and the encoder's definition.

The filter and field of an aggregate are compiled once per slot, with the slot's fields standing
for the record's (`_Item`).
"""

from __future__ import annotations

from dataclasses import dataclass

from ruleproof.checker import ir
from ruleproof.checker.semantics.aggregates import AggregateOp, fold
from ruleproof.checker.semantics.outcomes import Cause
from ruleproof.checker.sql.terms import ZERO, Num, case, copy, ite, lit, not_null
from ruleproof.checker.types import Type
from sqlglot import exp


@dataclass(frozen=True)
class Slots:
    """A list column: its length (0 for an empty array) and each slot's field values (NULL in
    slots past the length)."""

    length: exp.Expression
    records: tuple[tuple[object, ...], ...]


class CollectionsMixin:
    """`read_list` for list facts; `_Item` and `_Aggregate` for expressions."""

    _record: tuple | None = None

    def read_list(self, column: exp.Expression, typ: Type, name: str) -> Slots:
        """A list fact's column as its length and one slot per possible record."""
        length = self.bind(exp.func("COALESCE", exp.ArraySize(this=copy(column)), lit(0)), "len")
        records = []
        for i in range(typ.size):
            element = exp.Bracket(this=copy(column), expressions=[exp.Literal.number(i)])
            fields = []
            for field in typ.element.fields:
                cell = exp.Dot(this=exp.Paren(this=element.copy()), expression=exp.to_identifier(field.name, quoted=True))
                guarded = case((exp.GT(this=copy(length), expression=lit(i)), cell), default=exp.Null())
                fields.append(self.bound(self.read_column(guarded, field.type, f"{name}[{i}].{field.name}"), field.type, "f"))
            records.append(tuple(fields))
        return Slots(length, tuple(records))

    def defaulted(self, slots: Slots, absent: exp.Expression, default: tuple, typ: Type) -> Slots:
        """A list fact with a default: where its column is NULL, the default's records."""
        length = self.bind(ite(copy(absent), lit(len(default)), slots.length), "len")
        records = list(slots.records)
        for i, record in enumerate(default):
            records[i] = tuple(
                self.bound(self.choose(f.type, [(exp.Not(this=exp.Paren(this=copy(absent))), v)], self.constant(d, f.type)), f.type, "f")
                for f, v, d in zip(typ.element.fields, slots.records[i], record))
        return Slots(length, tuple(records))

    def _Item(self, e: ir.Item):
        return self.Term(self._record[e.index])

    def _Aggregate(self, e: ir.Aggregate):
        items = self.expr(e.items)
        slots: Slots = items.value
        kept, values, whys = [], [], [items.why]
        outer_record, outer_exprs = self._record, self._exprs
        try:
            for i, record in enumerate(slots.records):
                # each slot compiles the filter and field afresh: their terms differ per record
                self._record, self._exprs = record, {}
                active = self.bind(exp.GT(this=copy(slots.length), expression=lit(i)), "in")
                keep = self.expr(e.keep) if e.keep is not None else None
                value = self.expr(e.value) if e.value is not None else None
                k = self.bind(exp.and_(copy(active), not_null(keep.value)) if keep is not None else active, "keep")
                kept.append(k)
                values.append(value.value if value is not None else exp.true())
                whys.append(self.cause_if(active, keep.why) if keep is not None else None)
                whys.append(self.cause_if(k, value.why) if value is not None else None)
        finally:
            self._record, self._exprs = outer_record, outer_exprs
        op = AggregateOp(e.op)
        if op in (AggregateOp.ANY, AggregateOp.ALL):
            values = [not_null(v) for v in values]
        result, nonempty = fold(op, kept, values, self.numbers)
        if op.may_be_empty:
            whys.append(ite(not_null(nonempty), ZERO, lit(Cause.EMPTY_LIST.code)))
        if isinstance(result, Num):
            result = result.bound("agg")
        else:
            result = self.bind(result, "agg")
        return self.Term(result, None, self.first_cause(*whys))
