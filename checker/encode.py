"""Back end 2: the Z3 encoding of a pack's IR, built from the same definitions as the
evaluator (checker/semantics/; tests/test_differential.py compares the two on every decision,
cause included).

Facts are variables: optional facts carry a presence flag; dates and date-times are integers
(ordinals, minutes); money, rates and decimals are exact (integer units of their kind's scale
over a fixed denominator, so every model is a case the evaluator can replay); enums are
indices; sets of enums are one boolean per member. Working days are day-of-week arithmetic
with the pack's holidays folded in. Calendar months are lookups of a day's year and month
(`semantics.calendar.MonthTable`, checker/encode_calendar.py).

Undetermined outcomes are encoded as a *cause* term beside each value: an integer that is 0
when the value is determined and `Cause.code` otherwise, combined in the evaluation order
`semantics.outcomes` states. An expression that can never be undetermined has no cause term
(None), so packs without division or decision reads pay nothing for it.
"""

from __future__ import annotations

from collections.abc import Collection, Mapping
from dataclasses import replace
from fractions import Fraction

import z3
from ruleproof.checker import ir
from ruleproof.checker.encode_calendar import CalendarTerms
from ruleproof.checker.encode_collections import CollectionTerms
from ruleproof.checker.encode_facts import FactVariables, Sym, constant_value, zero
from ruleproof.checker.encode_lazy import LazyDecisions, LazyFires, LazyRuleTerms
from ruleproof.checker.encode_outcomes import (
    NONE,
    Z3,
    DecisionSym,
    cause_if,
    determined,
    distinct,
    first_cause,
    outcomes_differ,
)
from ruleproof.checker.overlap import PairScreen
from ruleproof.checker.semantics.calendar import Calendar
from ruleproof.checker.semantics.kinds import EXACT_KINDS, INTEGER_KINDS, Kind
from ruleproof.checker.semantics.numbers import absolute, divisor_is_zero, extreme, round_half_up
from ruleproof.checker.semantics.operators import COMPARE, INFIX, ArithOp, CompareOp, Connective
from ruleproof.checker.semantics.outcomes import Cause
from ruleproof.checker.semantics.selection import HitPolicy, aggregate, select
from ruleproof.checker.types import Type
from ruleproof.checker.z3_terms import (
    choice,
    conjunction,
    disjunction,
    equals_code,
    negation,
    ordering,
)

_ABSENT = object()  # no entry (Encoder.part)
PAIRWISE_RULES = 200  # up to this many rules, a conflict term names the pairs that can overlap


class Encoder(FactVariables, CollectionTerms, CalendarTerms):
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
        self.decisions: Mapping[str, DecisionSym] = LazyDecisions(self)
        self.fires: Mapping[tuple[str, str], z3.BoolRef] = LazyFires(self)
        self.wins: Mapping[tuple[str, str], z3.BoolRef] = LazyRuleTerms(self)
        self.values: Mapping[tuple[str, str], object] = LazyRuleTerms(self)
        self.selected: Mapping[tuple[str, str], z3.BoolRef] = LazyRuleTerms(self)
        self._exprs: dict[int, tuple[ir.Expr, Sym]] = {}
        self.overlaps = PairScreen()
        self._constants: dict[tuple, Sym] = {}
        self._cells: dict[tuple, Sym] = {}  # a fact compared with a constant (see _Compare)
        self._changes: dict[tuple[str, str], z3.BoolRef] = {}
        self._order = {name: i for i, name in enumerate(pack.decision_order)}
        # id of a month expression of the pack -> what holds of the month trees built for it
        self.month_bounds: dict[int, z3.BoolRef] = {}
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
            stack.extend(d for d in self.pack.reads[current][1] if d in self.pack.decisions)
        for current in sorted(needed, key=lambda n: self._order.get(n, -1)):
            done[current] = self._decision(self.pack.decisions[current])

    # ------------------------------------------------------------ decisions
    def _decision(self, d: ir.Decision) -> DecisionSym:
        """A decision in the order semantics.outcomes states: conditions, selection,
        conclusions, agreement, fallback."""
        conditions = [self.expr(r.condition) for r in d.rules]
        fired = [self.holds(r.condition) for r in d.rules]  # what `fires` gives without encoding the decision
        chosen = select(d.hit, d.rules, fired, Z3)
        concluded = [self.expr(r.value) for r in d.rules]
        values = [_real_if(c.value, d.type) for c in concluded]
        for i, rule in enumerate(d.rules):
            key = (d.name, rule.name)
            self.fires._terms[key] = fired[i]
            self.wins._terms[key] = chosen.wins[i]
            self.selected._terms[key] = chosen.selected[i]
            self.values._terms[key] = values[i]
        why_conditions = first_cause(*(c.why for c in conditions))
        why_values = first_cause(*(cause_if(s, c.why) for s, c in zip(chosen.selected, concluded)))
        settled = conjunction([determined(why_conditions), determined(why_values)])
        policy = HitPolicy(d.hit)
        if policy is HitPolicy.COLLECT:
            bits = self._collect(d, chosen.selected, values)
            return DecisionSym(bits, z3.BoolVal(True), chosen.selected, settled,
                               lambda: first_cause(why_conditions, why_values))
        default = self.expr(d.default) if d.default is not None else None
        value = _real_if(default.value, d.type) if default is not None else self._dummy(d.type)
        some = disjunction(chosen.selected)
        if policy is HitPolicy.COLLECT_COUNT:  # always a value; the conclusions are not read
            return DecisionSym(aggregate(policy, chosen.selected, values, Z3), z3.BoolVal(True), chosen.selected,
                               determined(why_conditions), lambda: why_conditions)
        if policy.aggregator:
            value = choice(some, _real_if(aggregate(policy, chosen.selected, values, Z3), d.type), value)
        for i in reversed(range(len(d.rules)) if not policy.aggregator else ()):
            value = self._ite(chosen.selected[i], values[i], value)
        defined = z3.BoolVal(True) if default is not None else some

        def why() -> z3.ArithRef | None:
            fallback = default.why if default is not None else (z3.IntVal(Cause.GAP.code) if d.complete else None)
            disagree = self._disagreement(d, chosen.selected, values, value) if policy.agrees else None
            return first_cause(why_conditions, why_values, disagree, cause_if(z3.Not(some), fallback))

        return DecisionSym(value, defined, chosen.selected, settled, why)

    def without(self, d: ir.Decision, removed: str) -> DecisionSym:
        """`d` as if rule `removed` were deleted (and struck from every `overrides`), over the
        same facts and upstream decisions: what W605 compares `d` against."""
        rules = tuple(replace(r, overrides=tuple(o for o in r.overrides if o != removed))
                      for r in d.rules if r.name != removed)
        return self._detached(replace(d, rules=rules))

    def _detached(self, d: ir.Decision) -> DecisionSym:
        """`d` encoded without recording its rules' terms (a variant of a pack's decision)."""
        return self.part(d, frozenset(r.name for r in d.rules))[0]

    def part(self, d: ir.Decision, names: frozenset[str]) -> tuple[DecisionSym, dict[str, dict[str, object]]]:
        """`d` with only the rules `names` (in their order), and those rules' terms by kind
        (fires, wins, selected, values), without recording them: where the other rules
        cannot fire, the same terms as the whole decision's, at the cost of these rules."""
        part = replace(d, rules=tuple(r for r in d.rules if r.name in names))
        maps = self._rule_maps()
        keys = [(d.name, r.name) for r in part.rules]  # the entries _decision writes: put back as they were
        saved = {kind: [terms._terms.get(k, _ABSENT) for k in keys] for kind, terms in maps.items()}
        try:
            sym = self._decision(part)
            return sym, {kind: {r.name: terms._terms[k] for r, k in zip(part.rules, keys)} for kind, terms in maps.items()}
        finally:
            for kind, terms in maps.items():
                for k, old in zip(keys, saved[kind]):
                    if old is _ABSENT:
                        terms._terms.pop(k, None)
                    else:
                        terms._terms[k] = old

    def outcome_changes(self, d: ir.Decision, removed: str, among: frozenset[str] | None = None) -> z3.BoolRef:
        """The condition that deleting rule `removed` changes `d`'s outcome (built once).
        `among`: the rules (with `removed`) that may fire together with it; the others'
        conditions are false wherever `removed` fires, so the question is asked of these
        rules alone, where `removed` fires — the same answer, on a term as small as them."""
        key = (d.name, removed)
        if key not in self._changes:
            if among is None:
                self._changes[key] = outcomes_differ(self.decisions[d.name], self.without(d, removed))
            else:
                part = replace(d, rules=tuple(r for r in d.rules if r.name in among))
                self._changes[key] = conjunction([self.fires[(d.name, removed)],
                                                  outcomes_differ(self._detached(part), self.without(part, removed))])
        return self._changes[key]

    def _rule_maps(self) -> dict[str, LazyRuleTerms]:
        return {"fires": self.fires, "wins": self.wins, "selected": self.selected, "values": self.values}

    def _disagreement(self, d: ir.Decision, selected, values, value) -> z3.ArithRef | None:
        """CONFLICT where two selected rules conclude different values (under an exclusive
        policy, where two are selected at all). Only pairs of rules that may fire together (and
        conclude different expressions) can (checker/overlap.py): a decision without such a
        pair has no conflict term at all, and neither do its readers."""
        rules = d.rules
        exclusive = HitPolicy(d.hit).exclusive
        if len(rules) > PAIRWISE_RULES and exclusive:  # linear: two selected rules
            differs = [z3.Sum([z3.If(s, 1, 0) for s in selected]) >= 2]
        elif len(rules) > PAIRWISE_RULES:  # linear: a selected rule that differs from the first
            differs = [conjunction([s, distinct(v, value)]) for s, v in zip(selected, values)]
        else:
            differs = [conjunction([selected[i], selected[j], *(() if exclusive else (distinct(values[i], values[j]),))])
                       for i in range(len(rules)) for j in range(i + 1, len(rules))
                       if (exclusive or rules[i].value != rules[j].value)
                       and self.overlaps.may_overlap(d.name, rules[i], rules[j])]
        if not differs:
            return None
        return choice(disjunction(differs), z3.IntVal(Cause.CONFLICT.code), NONE)

    def _collect(self, d: ir.Decision, selected, values) -> tuple:
        members = d.type.element.members
        bits = []
        for m_index, _ in enumerate(members):
            terms = []
            for rule, chosen, value in zip(d.rules, selected, values):
                hit = value[m_index] if rule.value.type.kind == Kind.SET else value == m_index
                terms.append(z3.And(chosen, hit))
            bits.append(z3.Or(*terms) if terms else z3.BoolVal(False))
        return tuple(bits)

    def _ite(self, cond, a, b):
        if isinstance(a, tuple):
            return tuple(choice(cond, x, y) for x, y in zip(a, b))
        return choice(cond, a, b)

    def _dummy(self, typ: Type) -> object:
        return self.constant(zero(typ), typ)

    # ------------------------------------------------------------ expressions
    def condition(self, e: ir.Expr) -> z3.BoolRef:
        """The value of a boolean expression (meaningful where its cause term is 0)."""
        return self.plain(e)

    def holds(self, e: ir.Expr) -> z3.BoolRef:
        """The condition that a boolean expression is determined and true."""
        sym = self.expr(e)
        return sym.value if sym.why is None else conjunction([equals_code(sym.why, 0), sym.value])

    def fails(self, e: ir.Expr) -> z3.BoolRef:
        """The condition that a boolean expression is determined and false."""
        sym = self.expr(e)
        return negation(sym.value) if sym.why is None else conjunction([equals_code(sym.why, 0), negation(sym.value)])

    def plain(self, e: ir.Expr):
        """The value of an expression whose type is not optional (or of its Unwrap)."""
        return self.expr(e).value

    def expr(self, e: ir.Expr) -> Sym:
        """The symbolic value of an IR expression (memoised on the node)."""
        key = id(e)
        hit = self._exprs.get(key)
        if hit is not None and hit[0] is e:
            return hit[1]
        sym = getattr(self, "_" + type(e).__name__)(e)
        self._exprs[key] = (e, sym)
        return sym

    def _Const(self, e: ir.Const) -> Sym:
        if e.type.optional and e.value is None:
            return Sym(self._dummy(e.type.required()), z3.BoolVal(False))
        key = (e.type.required(), type(e.value), e.value)  # a table repeats its bounds: one term each
        sym = self._constants.get(key)
        if sym is None:
            sym = self._constants[key] = Sym(self.constant(e.value, e.type.required()))
        return sym

    def _FactRef(self, e: ir.FactRef) -> Sym:
        return self.facts[e.name]

    def _DecisionRef(self, e: ir.DecisionRef) -> Sym:
        d = self.decisions[e.name]
        return Sym(d.value, d.defined if e.type.optional else None, d.why)

    def _Unwrap(self, e: ir.Unwrap) -> Sym:
        inner = self.expr(e.operand)
        return Sym(inner.value, None, inner.why)

    def _IsPresent(self, e: ir.IsPresent) -> Sym:
        inner = self.expr(e.operand)
        return Sym(inner.present if inner.present is not None else z3.BoolVal(True), None, inner.why)

    def _Not(self, e: ir.Not) -> Sym:
        inner = self.expr(e.operand)
        return Sym(negation(inner.value), None, inner.why)

    def _BoolOp(self, e: ir.BoolOp) -> Sym:
        parts = [self.expr(o) for o in e.operands]
        both = Connective(e.op) is Connective.AND
        value = (conjunction if both else disjunction)([p.value for p in parts])
        if all(p.why is None for p in parts):
            return Sym(value)
        # an operand counts only when every operand before it left the result open
        whys, open_so_far = [], []
        for p in parts:
            whys.append(cause_if(conjunction(open_so_far), p.why) if open_so_far else p.why)
            open_so_far.append(p.value if both else negation(p.value))
        return Sym(value, None, first_cause(*whys))

    def _Ite(self, e: ir.Ite) -> Sym:
        cond, a, b = self.expr(e.cond), self.expr(e.then), self.expr(e.otherwise)
        value = self._ite(cond.value, _real_if(a.value, e.type), _real_if(b.value, e.type))
        branch = None if a.why is None and b.why is None else choice(cond.value, _why0(a.why), _why0(b.why))
        return Sym(value, None, first_cause(cond.why, branch))

    def _Compare(self, e: ir.Compare) -> Sym:
        if type(e.left) is ir.FactRef and type(e.right) is ir.Const and e.right.value is not None:
            return self.cell((e.left.name, e.op, e.left.type.kind, e.right.type.kind, e.right.value), e, self._compare)
        return self._compare(e)

    def cell(self, key: tuple, e: ir.Expr, make) -> Sym:
        """`make(e)` for a table's cell (a fact tested against constants), made once per `key`
        however many rows repeat the cell: the key says all the term depends on (the fact's
        name, the test and its constants, their kinds)."""
        sym = self._cells.get(key)
        if sym is None:
            sym = self._cells[key] = make(e)
        return sym

    def _compare(self, e: ir.Compare) -> Sym:
        left, right = self.expr(e.left), self.expr(e.right)
        a, b = left.value, right.value
        op = e.op if type(e.op) is CompareOp else CompareOp(e.op)
        if isinstance(a, tuple):
            same = z3.And(*[x == y for x, y in zip(a, b)])
            value = same if op is CompareOp.EQ else z3.Not(same)
        else:
            k, m = e.left.type.kind, e.right.type.kind
            same_sort = (k in INTEGER_KINDS and m in INTEGER_KINDS) or (k in EXACT_KINDS and m in EXACT_KINDS)
            value = ordering(op, a, b) if same_sort else COMPARE[op](a, b)
        return Sym(value, None, first_cause(left.why, right.why))

    def _Arith(self, e: ir.Arith) -> Sym:
        op = ArithOp(e.op)
        operands = [self.expr(o) for o in e.operands]
        why = first_cause(*(o.why for o in operands))
        args = [o.value if op is ArithOp.FLOORDIV else _real_if(o.value, e.type) for o in operands]
        if op in INFIX:
            return Sym(INFIX[op][1](args[0], args[1]), None, why)
        if op is ArithOp.DIV:
            a, b = args
            by_zero = divisor_is_zero(b)
            cause = z3.If(by_zero, z3.IntVal(Cause.DIVISION_BY_ZERO.code), NONE)
            return Sym(_to_real(a) / _to_real(b), None, first_cause(why, cause))
        if op is ArithOp.FLOORDIV:  # INVARIANT: the divisor is a positive constant, where Z3's div floors
            return Sym(args[0] / args[1], None, why)
        if op is ArithOp.NEG:
            return Sym(-args[0], None, why)
        if op is ArithOp.MIN:
            return Sym(extreme(args, lambda a, b: b < a, z3.If), None, why)
        if op is ArithOp.MAX:
            return Sym(extreme(args, lambda a, b: b > a, z3.If), None, why)
        if op is ArithOp.ABS:
            return Sym(absolute(args[0], z3.If), None, why)
        if op is ArithOp.CAST:
            return Sym(operands[0].value, None, why)
        return Sym(round_half_up(args[0], e.digits, lambda x: z3.ToReal(z3.ToInt(x)), _real), None, why)

    def evaluate(self, facts: dict[str, object], names: Collection[str] | None = None) -> dict[str, tuple[Cause | None, object]]:
        """Each decision's outcome under a concrete case, read off the encoding by substitution
        (the symbolic side of the differential test): (None, value), (NO_VALUE, None) or
        (cause, None). `facts` holds IR values for every fact (None for an absent optional one)."""
        pairs = self.substitution(facts)

        def concrete(term):
            return z3.simplify(z3.substitute(term, *pairs))

        out = {}
        for name in names if names is not None else self.pack.decision_order:
            sym = self.decisions[name]
            typ = self.pack.decisions[name].type
            if sym.why is not None:
                cause = Cause.from_code(concrete(sym.why).as_long())
                if cause is not None:
                    out[name] = (cause, None)
                    continue
            if not z3.is_true(concrete(sym.defined)):
                out[name] = (Cause.NO_VALUE, None)
            elif isinstance(sym.value, tuple):
                out[name] = (None, frozenset(m for m, bit in zip(typ.element.members, sym.value) if z3.is_true(concrete(bit))))
            else:
                out[name] = (None, constant_value(concrete(sym.value), typ))
        return out

def _real(number: Fraction) -> z3.ArithRef:
    return z3.RealVal(f"{number.numerator}/{number.denominator}")


def _to_real(x):
    return x if isinstance(x, z3.ArithRef) and x.is_real() else z3.ToReal(x)


def _why0(why: z3.ArithRef | None) -> z3.ArithRef:
    return NONE if why is None else why


def _real_if(x, typ: Type):
    """Integers used where an exact number is expected become reals (z3 would coerce anyway)."""
    if typ.kind in EXACT_KINDS and isinstance(x, z3.ArithRef) and x.is_int():
        return z3.ToReal(x)
    return x


