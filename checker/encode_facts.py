"""Facts as Z3 variables, and back: models read as cases, cases put into the encoding.

A mixin of `checker.encode.Encoder` (which supplies `pack`, `tag`, `facts`, `fact_atoms`,
`domain` and `fact_domain`): the variables' layout is this module's concern, the meaning of
decisions the encoder's.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Collection
from dataclasses import dataclass
from fractions import Fraction

import z3
from ruleproof.checker import ir
from ruleproof.checker.semantics.kinds import EXACT_KINDS, Kind, scale
from ruleproof.checker.types import Type
from z3 import z3core

# Dates in counterexamples stay in a range people recognise and the evaluator can print.
# Date variables count days from DATE_BASE, so the small numbers solvers like to pick are
# days near it rather than near year 1.
DATE_MIN = dt.date(1970, 1, 1).toordinal()
DATE_MAX = dt.date(2199, 12, 31).toordinal()
DATE_BASE = dt.date(2026, 3, 2).toordinal()
MINUTES_PER_DAY = 24 * 60
# Per time kind, the range its variables stay in and the base they count from: date-times are
# minutes (day ordinal × 1440 + minute), held in the same years as dates.
TIME_RANGES = {
    "date": (DATE_MIN, DATE_MAX, DATE_BASE),
    "datetime": (DATE_MIN * MINUTES_PER_DAY, (DATE_MAX + 1) * MINUTES_PER_DAY - 1, DATE_BASE * MINUTES_PER_DAY),
}


@dataclass(frozen=True)
class Slots:
    """A list fact: `length` (between 0 and the declared maximum) and one slot per possible
    record, each a tuple of its fields' terms; slots at `length` and beyond are unused."""

    length: z3.ArithRef
    records: tuple[tuple[z3.ExprRef, ...], ...]


@dataclass(frozen=True)
class Sym:
    """A symbolic value: `value`, `present` for optional values (None when always present), and
    `why`, its cause term (None when it is always determined).

    Enums are integer indices; sets are tuples of booleans, one per member."""

    value: object
    present: z3.BoolRef | None = None
    why: z3.ArithRef | None = None


class FactVariables:
    """Declares each fact's variables and converts between models, cases and constants."""

    def _declare_fact(self, fact: ir.Fact) -> None:
        name = self.tag + fact.name
        typ = fact.type
        atoms: list[z3.ExprRef] = []
        first_domain = len(self.domain)
        value = self._variable(name, typ, atoms)
        self.fact_domain[fact.name] = self.domain[first_domain:]
        present = None
        if typ.optional:
            present = z3.Bool(name + "?")
            atoms.append(present)
        self.facts[fact.name] = Sym(value, present)
        self.fact_atoms[fact.name] = atoms

    def _variable(self, name: str, typ: Type, atoms: list) -> object:
        kind = typ.kind
        if kind == "bool":
            var = z3.Bool(name)
        elif kind in ("int", "duration"):
            var = z3.Int(name)
        elif kind in TIME_RANGES:
            low, high, base = TIME_RANGES[kind]
            offset = z3.Int(name)
            atoms.append(offset)
            self.domain.append(z3.And(offset >= low - base, offset <= high - base))
            return offset + base
        elif kind in EXACT_KINDS:
            units = z3.Int(name + "#units")
            atoms.append(units)
            return z3.ToReal(units) / scale(kind)
        elif kind == "enum":
            var = z3.Int(name)
            self.domain.append(z3.And(var >= 0, var < len(typ.members)))
        elif kind == "string":
            var = z3.String(name)
        elif kind == "set":
            members = typ.element.members
            bits = tuple(z3.Bool(f"{name}.{m}") for m in members)
            atoms.extend(bits)
            return bits
        elif kind == "list":
            return self._slots(name, typ, atoms)
        else:
            raise ValueError(f"cannot encode facts of type {typ}")
        atoms.append(var)
        return var

    def _slots(self, name: str, typ: Type, atoms: list) -> Slots:
        """A list's variables: its length, then each slot's fields (one atom per field, in
        order), with the fields' integer ranges in the domain."""
        length = z3.Int(name + "#length")
        atoms.append(length)
        self.domain.append(z3.And(length >= 0, length <= typ.size))
        records = []
        for i in range(typ.size):
            fields = []
            for field in typ.element.fields:
                term = self._variable(f"{name}[{i}].{field.name}", field.type, atoms)
                if field.low is not None:
                    self.domain.append(z3.And(term >= field.low, term <= field.high))
                fields.append(term)
            records.append(tuple(fields))
        return Slots(length, tuple(records))

    def constant(self, value: object, typ: Type):
        kind = typ.kind
        if kind == Kind.BOOL:
            return z3.BoolVal(bool(value))
        if kind in (Kind.INT, Kind.DURATION, Kind.DATE, Kind.DATETIME):
            return z3.IntVal(int(value))
        if kind in EXACT_KINDS:
            value = Fraction(value)
            return z3.RealVal(f"{value.numerator}/{value.denominator}")
        if kind == Kind.ENUM:
            return z3.IntVal(typ.members.index(value))
        if kind == Kind.STRING:
            return z3.StringVal(value)
        if kind == Kind.SET:
            return tuple(z3.BoolVal(m in value) for m in typ.element.members)
        raise ValueError(f"cannot encode a constant of type {typ}")

    def case(self, model: z3.ModelRef, names: Collection[str] | None = None) -> dict[str, object]:
        """The facts of a model as a wire-format case (absent optional facts left out); only
        the facts in `names`, when given."""
        from ruleproof.checker.values import to_wire

        facts: dict[str, object] = {}
        for fact in self.pack.facts.values():
            if names is not None and fact.name not in names:
                continue
            sym = self.facts[fact.name]
            if sym.present is not None and not z3.is_true(model.eval(sym.present, model_completion=True)):
                continue
            facts[fact.name] = to_wire(self.model_value(model, sym.value, fact.type.required()), fact.type.required())
        return facts

    def model_value(self, model: z3.ModelRef, value, typ: Type):
        """An IR value read from a model."""
        if isinstance(value, Slots):
            length = model.eval(value.length, model_completion=True).as_long()
            return tuple(tuple(self.model_value(model, term, f.type) for term, f in zip(record, typ.element.fields))
                         for record in value.records[:length])
        if isinstance(value, tuple):
            return frozenset(m for m, bit in zip(typ.element.members, value)
                             if z3.is_true(model.eval(bit, model_completion=True)))
        return constant_value(model.eval(value, model_completion=True), typ)

    def substitution(self, facts: dict[str, object]) -> list[tuple[z3.ExprRef, z3.ExprRef]]:
        """Pairs (variable, constant) that put a concrete case into the encoding.

        `facts` holds IR values for every fact (None for an absent optional fact)."""
        pairs = []
        for name, value in facts.items():
            fact = self.pack.facts[name]
            typ = fact.type.required()
            atoms = self.fact_atoms[name]
            if fact.type.optional:
                pairs.append((atoms[-1], z3.BoolVal(value is not None)))
                atoms = atoms[:-1]
                if value is None:
                    value = zero(typ)
            if typ.kind == "set":
                pairs.extend((bit, z3.BoolVal(m in value)) for bit, m in zip(atoms, typ.element.members))
            elif typ.kind == "list":
                fields = typ.element.fields
                pairs.append((atoms[0], z3.IntVal(len(value))))
                unused = tuple(zero(f.type) for f in fields)
                slots = [*value, *[unused] * (typ.size - len(value))]
                cells = ((f.type, v) for record in slots for f, v in zip(fields, record))
                pairs.extend(self._atom_pair(atom, v, t) for atom, (t, v) in zip(atoms[1:], cells))
            else:
                pairs.append(self._atom_pair(atoms[0], value, typ))
        return pairs

    def _atom_pair(self, atom: z3.ExprRef, value: object, typ: Type) -> tuple[z3.ExprRef, z3.ExprRef]:
        """The constant that puts a plain (not set, not list) value into its variable."""
        if typ.kind in EXACT_KINDS:
            return atom, z3.IntVal(int(Fraction(value) * scale(typ.kind)))
        if typ.kind in TIME_RANGES:
            return atom, z3.IntVal(value - TIME_RANGES[typ.kind][2])
        return atom, self.constant(value, typ)

    def fix_facts(self, facts: dict[str, object]) -> list[z3.BoolRef]:
        """Constraints pinning facts to IR values (a None value pins an optional fact absent)."""
        out = []
        for name, value in facts.items():
            fact = self.pack.facts[name]
            sym = self.facts[name]
            if sym.present is not None:
                if value is None:
                    out.append(z3.Not(sym.present))
                    continue
                out.append(sym.present)
            if isinstance(sym.value, Slots):
                fields = fact.type.element.fields
                out.append(sym.value.length == len(value))
                out.extend(term == self.constant(v, f.type) for slot, record in zip(sym.value.records, value)
                           for term, f, v in zip(slot, fields, record))
                continue
            constant = self.constant(value, fact.type.required())
            if isinstance(constant, tuple):
                out.extend(a == b for a, b in zip(sym.value, constant))
            else:
                out.append(sym.value == constant)
        return out


def constant_value(term: z3.ExprRef, typ: Type) -> object:
    """The IR value of a z3 constant (a literal term) of type `typ`."""
    kind = typ.kind
    if kind == "bool":
        return z3.is_true(term)
    if kind in ("int", "duration", "date", "datetime"):
        if type(term) is z3.IntNumRef:  # `as_long` without its checks in Python (the same number)
            return int(z3core.Z3_get_numeral_string(term.ctx_ref(), term.as_ast()))
        return term.as_long()
    if kind in EXACT_KINDS:
        return Fraction(term.numerator_as_long(), term.denominator_as_long())
    if kind == "enum":
        return typ.members[term.as_long()]
    if kind == "string":
        return term.as_string()
    raise ValueError(f"cannot read a constant of type {typ}")


def zero(typ: Type) -> object:
    kind = typ.kind
    if kind == "bool":
        return False
    if kind == "enum":
        return typ.members[0]
    if kind == "string":
        return ""
    if kind == "set":
        return frozenset()
    if kind == "list":
        return ()
    if kind in TIME_RANGES:
        return TIME_RANGES[kind][0]
    return 0

