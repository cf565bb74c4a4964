"""Sets, and aggregates over list facts, as Z3 terms: a mixin of `checker.encode.Encoder`.

A set is one boolean per member of its element type; membership in a constant set is a
disjunction of equalities, made once per fact and set (a table repeats its cells).

A list fact is a length and one slot per possible record (`encode_facts.Slots`). An
aggregate's filter and field are encoded once over placeholder variables, one per field of
the record, and the placeholders are then replaced by each slot's fields; slot i counts when
i < length and its filter holds. The combination (and what each aggregate is of no records)
is `semantics.aggregates.fold`, the one the evaluator uses.
"""

from __future__ import annotations

import z3
from ruleproof.checker import ir
from ruleproof.checker.encode_facts import Slots, Sym
from ruleproof.checker.encode_outcomes import NONE, Z3, cause_if, first_cause
from ruleproof.checker.semantics.aggregates import AggregateOp, fold
from ruleproof.checker.semantics.kinds import EXACT_KINDS, Kind
from ruleproof.checker.semantics.outcomes import Cause
from ruleproof.checker.types import Type
from ruleproof.checker.z3_terms import disjunction, equals_code


class CollectionTerms:
    """`_InSet`, `_SetOf`, `_Item` and `_Aggregate` for the encoder (which supplies `expr`,
    `cell`, `constant` and `tag`)."""

    def _InSet(self, e: ir.InSet) -> Sym:
        if type(e.element) is ir.FactRef and type(e.set) is ir.Const:
            return self.cell(("in", e.element.name, e.element.type.kind, e.set.value), e, self._in_set)
        return self._in_set(e)

    def _in_set(self, e: ir.InSet) -> Sym:
        element = self.expr(e.element)
        if isinstance(e.set, ir.Const):
            typ = e.element.type
            if typ.kind == Kind.ENUM:  # an enum is its member's index: `==` without the API's coercions
                options = [equals_code(element.value, typ.members.index(m)) for m in e.set.value]
            else:
                options = [element.value == self.constant(m, typ) for m in e.set.value]
            return Sym(disjunction(options), None, element.why)
        members = self.expr(e.set)
        value = z3.Or(*[z3.And(element.value == i, bit) for i, bit in enumerate(members.value)])
        return Sym(value, None, first_cause(element.why, members.why))

    def _SetOf(self, e: ir.SetOf) -> Sym:
        members = e.type.element.members
        items = [self.expr(i) for i in e.items]
        bits = tuple(z3.Or(*[item.value == i for item in items]) if items else z3.BoolVal(False)
                     for i in range(len(members)))
        return Sym(bits, None, first_cause(*(item.why for item in items)))

    def _placeholder(self, index: int, typ: Type) -> z3.ExprRef:
        """The variable standing for field `index` of the record being read."""
        name = f"{self.tag}·item.{index}:{typ}"
        kind = typ.kind
        if kind == Kind.BOOL:
            return z3.Bool(name)
        if kind in EXACT_KINDS:
            return z3.Real(name)
        if kind == Kind.STRING:
            return z3.String(name)
        return z3.Int(name)  # integers, durations, dates, date-times and enum indices

    def _Item(self, e: ir.Item) -> Sym:
        return Sym(self._placeholder(e.index, e.type))

    def _Aggregate(self, e: ir.Aggregate) -> Sym:
        items = self.expr(e.items)
        slots: Slots = items.value
        record: Type = e.items.type.element
        placeholders = [self._placeholder(i, f.type) for i, f in enumerate(record.fields)]
        keep = self.expr(e.keep) if e.keep is not None else None
        value = self.expr(e.value) if e.value is not None else None
        kept, values, whys = [], [], [items.why]
        for i, fields in enumerate(slots.records):
            pairs = [(p, _as_sort(f, p)) for p, f in zip(placeholders, fields)]

            def at(term, pairs=pairs):
                return z3.substitute(term, *pairs) if term is not None and pairs else term

            active = slots.length > i
            k = z3.And(active, at(keep.value)) if keep is not None else active
            kept.append(k)
            values.append(at(value.value) if value is not None else z3.BoolVal(True))
            # record by record: its filter (if it is in the list), then its field (if kept)
            whys.append(cause_if(active, at(keep.why)) if keep is not None and keep.why is not None else None)
            whys.append(cause_if(k, at(value.why)) if value is not None and value.why is not None else None)
        result, nonempty = fold(e.op, kept, values, Z3)
        if AggregateOp(e.op).may_be_empty:
            whys.append(z3.If(nonempty, NONE, z3.IntVal(Cause.EMPTY_LIST.code)))
        return Sym(result, None, first_cause(*whys))


def _as_sort(term: z3.ExprRef, like: z3.ExprRef) -> z3.ExprRef:
    """`term` in the sort of its placeholder (a field's integer units read as a real)."""
    if like.sort() == z3.RealSort() and term.sort() == z3.IntSort():
        return z3.ToReal(term)
    return term
