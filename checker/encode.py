"""Back end 2: the Z3 encoding of a pack's IR, with exactly the evaluator's semantics
(see checker/evaluate.py's docstring; tests/test_differential.py compares the two).

Facts are variables: optional facts carry a presence flag; dates and date-times are integers
(ordinals, minutes); money, rates and decimals are exact (integer cents or ten-thousandths over
a fixed denominator, so every model is a case the evaluator can replay); enums are indices;
sets of enums are one boolean per member. Working days are day-of-week arithmetic with the
pack's holidays folded in.
"""

from __future__ import annotations

import datetime as dt
import operator
from collections.abc import Callable, Collection, Iterator, Mapping
from dataclasses import dataclass
from fractions import Fraction

import z3
from ruleproof.checker import ir
from ruleproof.checker.evaluate import Calendar
from ruleproof.checker.types import Type

# Dates in counterexamples stay in a range people recognise and the evaluator can print.
# Date variables count days from DATE_BASE, so the small numbers solvers like to pick are
# days near it rather than near year 1.
DATE_MIN = dt.date(1970, 1, 1).toordinal()
DATE_MAX = dt.date(2199, 12, 31).toordinal()
DATE_BASE = dt.date(2026, 3, 2).toordinal()
SCALE = {"money": 100, "decimal": 10_000, "rate": 10_000}
_COMPARE = {"<": operator.lt, "<=": operator.le, ">": operator.gt, ">=": operator.ge, "==": operator.eq, "!=": operator.ne}


@dataclass(frozen=True)
class Sym:
    """A symbolic value: `value`, and `present` for optional values (None when always present).

    Enums are integer indices; sets are tuples of booleans, one per member."""

    value: object
    present: z3.BoolRef | None = None


class DecisionSym:
    """A decision's value, whether it has one, and whether its winners conflict.

    `conflict` is built on first use: it has a clause per pair of rules, and the checks never
    read it (they ask about pairs of rules directly)."""

    __slots__ = ("value", "defined", "_conflict", "_build_conflict")

    def __init__(self, value: object, defined: z3.BoolRef, conflict: z3.BoolRef | Callable[[], z3.BoolRef]):
        self.value = value
        self.defined = defined
        self._conflict, self._build_conflict = (None, conflict) if callable(conflict) else (conflict, None)

    @property
    def conflict(self) -> z3.BoolRef:
        if self._conflict is None:
            self._conflict = self._build_conflict()
        return self._conflict


class _Decisions(Mapping):
    """Decision name -> DecisionSym, each decision encoded on first use (with the decisions it
    reads first), so a check of a few decisions of a large pack encodes only those."""

    def __init__(self, encoder: Encoder):
        self._encoder = encoder
        self._done: dict[str, DecisionSym] = {}

    def __getitem__(self, name: str) -> DecisionSym:
        sym = self._done.get(name)
        if sym is None:
            if name not in self._encoder.pack.decisions:
                raise KeyError(name)
            self._encoder._encode_with_dependencies(name)
            sym = self._done[name]
        return sym

    def __contains__(self, name: object) -> bool:
        return name in self._encoder.pack.decisions

    def __iter__(self) -> Iterator[str]:
        return iter(self._encoder.pack.decision_order)

    def __len__(self) -> int:
        return len(self._encoder.pack.decision_order)


class _RuleTerms(Mapping):
    """(decision, rule) -> term (fires, wins or values), encoding the decision on first use."""

    def __init__(self, encoder: Encoder):
        self._encoder = encoder
        self._terms: dict[tuple[str, str], object] = {}

    def __getitem__(self, key: tuple[str, str]):
        term = self._terms.get(key)
        if term is None:
            decision = key[0] if isinstance(key, tuple) and key else None
            if decision not in self._encoder.pack.decisions:
                raise KeyError(key)
            self._encoder.decisions[decision]
            term = self._terms[key]  # KeyError: no such rule
        return term

    def __contains__(self, key: object) -> bool:
        try:
            self[key]  # type: ignore[index]
        except KeyError:
            return False
        return True

    def __iter__(self) -> Iterator[tuple[str, str]]:
        pack = self._encoder.pack
        return ((name, rule.name) for name in pack.decision_order for rule in pack.decisions[name].rules)

    def __len__(self) -> int:
        pack = self._encoder.pack
        return sum(len(pack.decisions[name].rules) for name in pack.decision_order)


class Encoder:
    """Encodes one pack. `tag` keeps the variables of two encodings apart (for diff)."""

    def __init__(self, pack: ir.Pack, tag: str = ""):
        self.pack = pack
        self.tag = tag
        self.calendar = Calendar(pack.holidays)
        self.facts: dict[str, Sym] = {}
        self.fact_atoms: dict[str, list[z3.ExprRef]] = {}
        self.domain: list[z3.BoolRef] = []
        self.fact_domain: dict[str, list[z3.BoolRef]] = {}  # the part of `domain` each fact adds
        for fact in pack.facts.values():
            self._declare_fact(fact)
        # Decisions (and their rules' fires, wins and values) are encoded on first use.
        self.decisions: Mapping[str, DecisionSym] = _Decisions(self)
        self.fires: Mapping[tuple[str, str], z3.BoolRef] = _RuleTerms(self)
        self.wins: Mapping[tuple[str, str], z3.BoolRef] = _RuleTerms(self)
        self.values: Mapping[tuple[str, str], object] = _RuleTerms(self)
        self._order = {name: i for i, name in enumerate(pack.decision_order)}
        self.assumptions = [self.condition(a.condition) for a in pack.assumptions]

    def _encode_with_dependencies(self, name: str) -> None:
        """Encode `name` and every decision it reads that is not encoded yet, dependencies
        first (iteratively: a long chain of decisions must not exhaust Python's stack)."""
        done = self.decisions._done
        needed, stack = set(), [name]
        while stack:
            current = stack.pop()
            if current in needed or current in done:
                continue
            needed.add(current)
            stack.extend(d for d in ir.decision_reads(self.pack.decisions[current])[1] if d in self.pack.decisions)
        for current in sorted(needed, key=lambda n: self._order.get(n, -1)):
            done[current] = self._decision(self.pack.decisions[current])

    # ------------------------------------------------------------ facts
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
        elif kind in ("int", "duration", "datetime"):
            var = z3.Int(name)
        elif kind == "date":
            offset = z3.Int(name)
            atoms.append(offset)
            self.domain.append(z3.And(offset >= DATE_MIN - DATE_BASE, offset <= DATE_MAX - DATE_BASE))
            return offset + DATE_BASE
        elif kind in SCALE:
            units = z3.Int(name + "#units")
            atoms.append(units)
            return z3.ToReal(units) / SCALE[kind]
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
        else:
            raise ValueError(f"cannot encode facts of type {typ}")
        atoms.append(var)
        return var

    # ------------------------------------------------------------ decisions
    def _decision(self, d: ir.Decision) -> DecisionSym:
        fired = [self.condition(r.condition) for r in d.rules]
        index = {r.name: i for i, r in enumerate(d.rules)}
        winners = []
        for i, rule in enumerate(d.rules):
            beaten = [fired[index[o]] for o in d.overriders(rule.name)]
            winners.append(z3.And(fired[i], *[z3.Not(b) for b in beaten]) if beaten else fired[i])
            self.fires._terms[(d.name, rule.name)] = fired[i]
            self.wins._terms[(d.name, rule.name)] = winners[i]
        values = [_real_if(self.plain(r.value), d.type) for r in d.rules]
        for rule, value in zip(d.rules, values):
            self.values._terms[(d.name, rule.name)] = value
        any_winner = z3.Or(*winners) if winners else z3.BoolVal(False)
        if d.hit == "collect":
            return DecisionSym(self._collect(d, winners, values), z3.BoolVal(True), z3.BoolVal(False))
        order = list(range(len(d.rules)))
        conflict = z3.BoolVal(False)
        if d.hit == "priority":
            order.sort(key=lambda i: -(d.rules[i].priority or 0))
        if d.hit in ("unique", "priority"):
            conflict = lambda: self._conflicts(d, winners, values)  # noqa: E731 -- built on first use
        fallback = _real_if(self.plain(d.default), d.type) if d.default is not None else self._dummy(d.type)
        value = fallback
        for i in reversed(order):
            value = z3.If(winners[i], values[i], value) if not isinstance(value, tuple) else self._ite_tuple(winners[i], values[i], value)
        defined = z3.BoolVal(True) if d.default is not None else any_winner
        return DecisionSym(value, defined, conflict)

    def _conflicts(self, d: ir.Decision, winners, values) -> z3.BoolRef:
        pairs = []
        rules = d.rules
        for i in range(len(rules)):
            for j in range(i + 1, len(rules)):
                if d.hit == "priority" and (rules[i].priority or 0) != (rules[j].priority or 0):
                    continue
                if rules[i].value == rules[j].value:
                    continue
                clause = [winners[i], winners[j], _distinct(values[i], values[j])]
                if d.hit == "priority":
                    top = rules[i].priority or 0
                    clause += [z3.Not(winners[k]) for k in range(len(rules)) if (rules[k].priority or 0) > top]
                pairs.append(z3.And(*clause))
        return z3.Or(*pairs) if pairs else z3.BoolVal(False)

    def _collect(self, d: ir.Decision, winners, values) -> tuple:
        members = d.type.element.members
        bits = []
        for m_index, _ in enumerate(members):
            terms = []
            for rule, won, value in zip(d.rules, winners, values):
                hit = value[m_index] if rule.value.type.kind == "set" else value == m_index
                terms.append(z3.And(won, hit))
            bits.append(z3.Or(*terms) if terms else z3.BoolVal(False))
        return tuple(bits)

    def _ite_tuple(self, cond, a: tuple, b: tuple) -> tuple:
        return tuple(z3.If(cond, x, y) for x, y in zip(a, b))

    def _dummy(self, typ: Type) -> object:
        return self.constant(_zero(typ), typ)

    # ------------------------------------------------------------ expressions
    def condition(self, e: ir.Expr) -> z3.BoolRef:
        return self.plain(e)

    def plain(self, e: ir.Expr):
        """The value of an expression whose type is not optional (or of its Unwrap)."""
        return self.expr(e).value

    def expr(self, e: ir.Expr) -> Sym:
        method = getattr(self, "_" + type(e).__name__)
        return method(e)

    def constant(self, value: object, typ: Type):
        kind = typ.kind
        if kind == "bool":
            return z3.BoolVal(bool(value))
        if kind in ("int", "duration", "date", "datetime"):
            return z3.IntVal(int(value))
        if kind in ("decimal", "rate", "money"):
            value = Fraction(value)
            return z3.RealVal(f"{value.numerator}/{value.denominator}")
        if kind == "enum":
            return z3.IntVal(typ.members.index(value))
        if kind == "string":
            return z3.StringVal(value)
        if kind == "set":
            return tuple(z3.BoolVal(m in value) for m in typ.element.members)
        raise ValueError(f"cannot encode a constant of type {typ}")

    def _Const(self, e: ir.Const) -> Sym:
        if e.type.optional and e.value is None:
            return Sym(self._dummy(e.type.required()), z3.BoolVal(False))
        return Sym(self.constant(e.value, e.type.required()))

    def _FactRef(self, e: ir.FactRef) -> Sym:
        return self.facts[e.name]

    def _DecisionRef(self, e: ir.DecisionRef) -> Sym:
        d = self.decisions[e.name]
        return Sym(d.value, d.defined if e.type.optional else None)

    def _Unwrap(self, e: ir.Unwrap) -> Sym:
        return Sym(self.expr(e.operand).value)

    def _IsPresent(self, e: ir.IsPresent) -> Sym:
        present = self.expr(e.operand).present
        return Sym(present if present is not None else z3.BoolVal(True))

    def _Not(self, e: ir.Not) -> Sym:
        return Sym(z3.Not(self.plain(e.operand)))

    def _BoolOp(self, e: ir.BoolOp) -> Sym:
        parts = [self.plain(o) for o in e.operands]
        return Sym(z3.And(*parts) if e.op == "and" else z3.Or(*parts))

    def _Ite(self, e: ir.Ite) -> Sym:
        cond, a, b = self.plain(e.cond), self.plain(e.then), self.plain(e.otherwise)
        if isinstance(a, tuple):
            return Sym(self._ite_tuple(cond, a, b))
        return Sym(z3.If(cond, _real_if(a, e.type), _real_if(b, e.type)))

    def _Compare(self, e: ir.Compare) -> Sym:
        a, b = self.plain(e.left), self.plain(e.right)
        op = e.op
        if isinstance(a, tuple):
            same = z3.And(*[x == y for x, y in zip(a, b)])
            return Sym(same if op == "==" else z3.Not(same))
        # only the operator asked for: booleans have == and != but no order
        return Sym(_COMPARE[op](a, b))

    def _InSet(self, e: ir.InSet) -> Sym:
        element = self.plain(e.element)
        if isinstance(e.set, ir.Const):
            members = e.set.value
            options = [self.constant(m, e.element.type) for m in members]
            return Sym(z3.Or(*[element == o for o in options]) if options else z3.BoolVal(False))
        bits = self.plain(e.set)
        return Sym(z3.Or(*[z3.And(element == i, bit) for i, bit in enumerate(bits)]))

    def _SetOf(self, e: ir.SetOf) -> Sym:
        members = e.type.element.members
        items = [self.plain(i) for i in e.items]
        return Sym(tuple(z3.Or(*[item == i for item in items]) if items else z3.BoolVal(False) for i in range(len(members))))

    def _AddWorkingDays(self, e: ir.AddWorkingDays) -> Sym:
        day = self.plain(e.date)
        for _ in range(e.days):
            day = self._next_working_day(day)
        return Sym(day)

    def _next_working_day(self, day):
        weekday = (day - 1) % 7  # 0 = Monday, as the evaluator's Calendar counts
        candidate = day + z3.If(weekday == 4, 3, z3.If(weekday == 5, 2, 1))
        for holiday in sorted(self.calendar.holidays, reverse=True):
            candidate = z3.If(candidate == holiday, self.calendar.add(holiday, 1), candidate)
        return candidate

    def _Arith(self, e: ir.Arith) -> Sym:
        args = [_real_if(self.plain(o), e.type) if e.op not in ("floordiv",) else self.plain(o) for o in e.operands]
        op = e.op
        if op == "add":
            return Sym(args[0] + args[1])
        if op == "sub":
            return Sym(args[0] - args[1])
        if op == "mul":
            return Sym(args[0] * args[1])
        if op == "div":
            return Sym(z3.ToReal(args[0]) / z3.ToReal(args[1]) if not _is_real(args[0]) else args[0] / args[1])
        if op == "floordiv":
            return Sym(args[0] / args[1])
        if op == "neg":
            return Sym(-args[0])
        if op in ("min", "max"):
            value = args[0]
            for other in args[1:]:
                value = z3.If(other < value, other, value) if op == "min" else z3.If(other > value, other, value)
            return Sym(value)
        if op == "abs":
            return Sym(z3.If(args[0] >= 0, args[0], -args[0]))
        if op == "cast":
            return Sym(self.plain(e.operands[0]))
        if op == "round":
            scale = 10 ** e.digits
            return Sym(z3.ToReal(z3.ToInt(args[0] * scale + z3.RealVal("1/2"))) / scale)
        raise ValueError(f"unknown arithmetic operator {op}")

    # ------------------------------------------------------------ models back to cases
    def case(self, model: z3.ModelRef, names: Collection[str] | None = None) -> dict[str, object]:
        """The facts of a model as a wire-format case (absent optional facts left out); only
        the facts in `names`, when given."""
        from ruleproof.checker.values import to_wire

        facts = {}
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
        if isinstance(value, tuple):
            return frozenset(m for m, bit in zip(typ.element.members, value)
                             if z3.is_true(model.eval(bit, model_completion=True)))
        return _constant_value(model.eval(value, model_completion=True), typ)

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
                    value = _zero(typ)
            if typ.kind == "set":
                pairs.extend((bit, z3.BoolVal(m in value)) for bit, m in zip(atoms, typ.element.members))
            elif typ.kind in SCALE:
                pairs.append((atoms[0], z3.IntVal(int(Fraction(value) * SCALE[typ.kind]))))
            elif typ.kind == "date":
                pairs.append((atoms[0], z3.IntVal(value - DATE_BASE)))
            else:
                pairs.append((atoms[0], self.constant(value, typ)))
        return pairs

    def evaluate(self, facts: dict[str, object]) -> dict[str, tuple[bool, bool, object]]:
        """Each decision's (defined, conflict, value) under a concrete case, read off the
        encoding by substitution — the symbolic side of the differential test."""
        pairs = self.substitution(facts)
        out = {}
        for name, sym in self.decisions.items():
            typ = self.pack.decisions[name].type
            defined = z3.is_true(z3.simplify(z3.substitute(sym.defined, *pairs)))
            conflict = z3.is_true(z3.simplify(z3.substitute(sym.conflict, *pairs)))
            if isinstance(sym.value, tuple):
                value = frozenset(m for m, bit in zip(typ.element.members, sym.value)
                                  if z3.is_true(z3.simplify(z3.substitute(bit, *pairs))))
            else:
                term = z3.simplify(z3.substitute(sym.value, *pairs))
                # a division by zero leaves a term that is no constant: the value is unknown
                value = _constant_value(term, typ) if _is_literal(term) else None
            out[name] = (defined, conflict, value)
        return out

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
            constant = self.constant(value, fact.type.required())
            if isinstance(constant, tuple):
                out.extend(a == b for a, b in zip(sym.value, constant))
            else:
                out.append(sym.value == constant)
        return out


def _constant_value(term: z3.ExprRef, typ: Type) -> object:
    """The IR value of a z3 constant (a literal term) of type `typ`."""
    kind = typ.kind
    if kind == "bool":
        return z3.is_true(term)
    if kind in ("int", "duration", "date", "datetime"):
        return term.as_long()
    if kind in ("decimal", "rate", "money"):
        return Fraction(term.numerator_as_long(), term.denominator_as_long())
    if kind == "enum":
        return typ.members[term.as_long()]
    if kind == "string":
        return term.as_string()
    raise ValueError(f"cannot read a constant of type {typ}")


def _is_literal(term: z3.ExprRef) -> bool:
    return (z3.is_true(term) or z3.is_false(term) or z3.is_int_value(term) or z3.is_rational_value(term)
            or z3.is_string_value(term))


def _distinct(a, b) -> z3.BoolRef:
    if isinstance(a, tuple):
        return z3.Or(*[x != y for x, y in zip(a, b)])
    return a != b


def _is_real(x) -> bool:
    return isinstance(x, z3.ArithRef) and x.is_real()


def _real_if(x, typ: Type):
    """Integers used where an exact number is expected become reals (z3 would coerce anyway)."""
    if typ.kind in ("decimal", "rate", "money") and isinstance(x, z3.ArithRef) and x.is_int():
        return z3.ToReal(x)
    return x


def _zero(typ: Type) -> object:
    kind = typ.kind
    if kind == "bool":
        return False
    if kind == "enum":
        return typ.members[0]
    if kind == "string":
        return ""
    if kind == "set":
        return frozenset()
    if kind == "date":
        return DATE_MIN
    return 0
