"""Back end 3: a pack's IR as one SQL query over a table of cases.

The query reads one column per fact (NULL: absent — a required fact's absence makes its
readers undetermined, an optional fact's is its absence, a defaulted fact's takes the
default) and yields, per decision asked, its value and `<decision>__cause` (the cause's wire
name, `no_value`, or NULL when the decision has a value).

It is the Z3 encoding's construction over SQL terms (checker/encode.py): every expression is a
value, a presence flag for optional ones and a cause term (an integer, `Cause.code`, 0:
determined) combined in the order `semantics.outcomes` states; the hit policies are
`semantics.selection.select` over `terms.SqlAlgebra`; rounding, min, max and abs are
`semantics.numbers` over exact `terms.Num`; working days are `Calendar.add_by_counting`.
Dates are proleptic day ordinals inside the query (DATE at its edges), date-times minutes.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Collection, Sequence
from dataclasses import dataclass

from ruleproof.checker import ir
from ruleproof.checker.semantics.calendar import Calendar
from ruleproof.checker.semantics.kinds import EXACT_KINDS, INTEGER_KINDS, Kind, scale
from ruleproof.checker.semantics.outcomes import Cause
from ruleproof.checker.semantics.selection import HitPolicy, aggregate, select
from ruleproof.checker.sql.collections import CollectionsMixin, Slots
from ruleproof.checker.sql.expressions import ExpressionsMixin
from ruleproof.checker.sql.layers import Layers
from ruleproof.checker.sql.terms import (
    ZERO,
    Num,
    SqlAlgebra,
    SqlNumbers,
    big,
    case,
    constant,
    copy,
    floordiv,
    ite,
    lit,
    not_null,
    num_choose,
    num_ite,
    paren,
)
from ruleproof.checker.types import Type
from sqlglot import exp

EPOCH = dt.date(1970, 1, 1).toordinal()  # the ordinal of DATE '1970-01-01'
CAUSE_SUFFIX = "__cause"


@dataclass(frozen=True)
class Term:
    """A value (SQL boolean or string, `Num`, or one boolean per set member), its presence
    (optional values; None: always present) and its cause term (None: always determined)."""

    value: object
    present: exp.Expression | None = None
    why: exp.Expression | None = None


@dataclass(frozen=True)
class DecisionTerm:
    value: object
    defined: exp.Expression
    why: exp.Expression | None


def code(cause: Cause) -> exp.Expression:
    return lit(cause.code)


class SqlCompiler(ExpressionsMixin, CollectionsMixin):
    """Compiles the decisions of one pack into SQL terms over a table of cases."""

    Term = Term

    def __init__(self, pack: ir.Pack, present: Collection[str] = ()):
        """`present`: facts whose column holds no NULL in the cases decided (their absence
        is never tested: a required fact's readers are never missing it, an optional one is
        present, a default never taken)."""
        self.pack = pack
        self.present = frozenset(present)
        self.layers = Layers(never_null=self.present)
        self.alg = SqlAlgebra(self.layers)
        self.numbers = SqlNumbers(self.layers)
        self.calendar = Calendar(pack.holidays)
        self.facts: dict[str, Term] = {}
        self.decisions: dict[str, DecisionTerm] = {}
        self._exprs: dict[int, tuple[ir.Expr, object]] = {}

    def bind(self, term: exp.Expression, hint: str) -> exp.Expression:
        return self.layers.bind(term, hint)

    def first_cause(self, *whys: exp.Expression | None) -> exp.Expression | None:
        """The cause of the first undetermined part, parts in evaluation order."""
        parts = [self.bind(w, "why") for w in whys if w is not None]
        parts = [w for w in parts if w != ZERO]  # a part that is never undetermined
        if len(parts) <= 1:
            return parts[0] if parts else None
        return case(*((exp.NEQ(this=copy(w), expression=ZERO), w) for w in parts[:-1]), default=parts[-1])

    @staticmethod
    def cause_if(condition: exp.Expression, why: exp.Expression | None) -> exp.Expression | None:
        return None if why is None else ite(not_null(condition), why, ZERO)

    # ------------------------------------------------------------ facts
    def fact(self, name: str) -> Term:
        term = self.facts.get(name)
        if term is None:
            term = self.facts[name] = self._fact(self.pack.facts[name])
        return term

    def _fact(self, fact: ir.Fact) -> Term:
        column = exp.column(fact.name, quoted=True)
        typ = fact.type.required()
        absent = exp.Is(this=copy(column), expression=exp.Null())
        value = self.read_column(column, typ, fact.name)
        if fact.name in self.present:
            return Term(self.bound(value, typ, "f"))
        if fact.has_default and isinstance(value, Slots):
            return Term(self.defaulted(value, absent, fact.default, typ))
        if fact.has_default:
            value = self.choose(typ, [(exp.Not(this=paren(absent)), value)], self.constant(fact.default, typ))
            return Term(self.bound(value, typ, "f"))
        value = self.bound(value, typ, "f")
        if fact.type.optional:
            return Term(value, self.bind(exp.Not(this=paren(absent)), "p"))
        return Term(value, None, self.bind(ite(absent, code(Cause.MISSING_FACT), ZERO), "m"))

    def read_column(self, column: exp.Expression, typ: Type, name: str):
        """A fact column in the query's representation."""
        kind = typ.kind
        if kind == Kind.DATE:
            days = exp.DateDiff(this=copy(column), expression=exp.cast(exp.Literal.string("1970-01-01"), "DATE"),
                                unit=exp.var("DAY"))
            return Num(exp.Add(this=days, expression=lit(EPOCH)), 0, None, self.layers)
        if kind == Kind.DATETIME:
            seconds = exp.cast(exp.TimeToUnix(this=copy(column)), "BIGINT")
            minutes = floordiv(seconds, lit(60), self.layers)
            return Num(exp.Add(this=minutes, expression=lit(EPOCH * 1440)), 0, None, self.layers)
        if kind in EXACT_KINDS:
            digits = len(str(scale(kind))) - 1
            exact = exp.cast(copy(column), exp.DataType.build(f"DECIMAL(38, {digits})"))
            units = exp.cast(exp.Mul(this=exact, expression=lit(scale(kind))), "BIGINT")
            return Num(units, digits, None, self.layers)
        if kind in INTEGER_KINDS:
            return Num(exp.cast(copy(column), "BIGINT"), 0, None, self.layers)
        if kind == Kind.SET:
            return tuple(exp.ArrayContains(this=copy(column), expression=exp.Literal.string(m)) for m in typ.element.members)
        if kind == Kind.LIST:
            return self.read_list(column, typ, name)
        return copy(column)

    # ------------------------------------------------------------ values by representation
    def constant(self, value, typ: Type):
        kind = typ.kind
        if kind == Kind.BOOL:
            return exp.true() if value else exp.false()
        if kind in INTEGER_KINDS or kind in EXACT_KINDS:
            return constant(value, self.layers)
        if kind == Kind.SET:
            return tuple(exp.true() if m in value else exp.false() for m in typ.element.members)
        return exp.Literal.string(str(value))

    def dummy(self, typ: Type):
        kind = typ.kind
        if kind == Kind.BOOL:
            return exp.false()
        if kind in INTEGER_KINDS or kind in EXACT_KINDS:
            return Num(lit(0), 0, None, self.layers)
        if kind == Kind.SET:
            return tuple(exp.false() for _ in typ.element.members)
        return exp.Literal.string(typ.members[0] if typ.members else "")

    def choose(self, typ: Type, branches: list[tuple[exp.Expression, object]], default):
        """The value of the first branch whose condition holds, else `default`."""
        if not branches:
            return default
        conds = [not_null(c) for c, _ in branches]
        if isinstance(default, Num):
            return num_choose(list(zip(conds, (v for _, v in branches))), default)
        if isinstance(default, tuple):
            return tuple(case(*((c, v[i]) for c, (_, v) in zip(conds, branches)), default=default[i]) for i in range(len(default)))
        return case(*((c, v) for c, (_, v) in zip(conds, branches)), default=default)

    def bound(self, value, typ: Type, hint: str):
        if isinstance(value, Slots):  # bound slot by slot when read
            return value
        if isinstance(value, Num):
            return value.bound(hint)
        if isinstance(value, tuple):
            return tuple(self.bind(v, hint) for v in value)
        return self.bind(value, hint)

    def differ(self, a, b) -> exp.Expression:
        """Two values (same representation) differ."""
        if isinstance(a, Num):
            return a.compare(b, exp.NEQ)
        if isinstance(a, tuple):
            return exp.or_(*(exp.NEQ(this=copy(x), expression=copy(y)) for x, y in zip(a, b))) if a else exp.false()
        return exp.NEQ(this=copy(a), expression=copy(b))

    # ------------------------------------------------------------ decisions
    def decision(self, name: str) -> DecisionTerm:
        """The terms of decision `name` (built once, with the decisions it reads before it:
        the pack's decision order puts them first)."""
        term = self.decisions.get(name)
        if term is None:
            term = self.decisions[name] = self._decision(self.pack.decisions[name])
        return term

    def _decision(self, d: ir.Decision) -> DecisionTerm:
        """A decision in the order semantics.outcomes states: conditions, selection,
        conclusions, agreement, fallback (checker/encode.py's `_decision` over SQL)."""
        typ = d.type.required()
        conditions = [self.expr(r.condition) for r in d.rules]
        fired = [self.bind(exp.and_(exp.EQ(this=copy(c.why), expression=ZERO), not_null(c.value)) if c.why is not None
                           else not_null(c.value), "fire") for c in conditions]
        chosen = select(d.hit, d.rules, fired, self.alg)
        selected = [self.bind(s, "sel") for s in chosen.selected]
        concluded = [self.expr(r.value) for r in d.rules]
        why_conditions = self.first_cause(*(c.why for c in conditions))
        why_values = self.first_cause(*(self.cause_if(s, c.why) for s, c in zip(selected, concluded)))
        if HitPolicy(d.hit) is HitPolicy.COLLECT:
            bits = []
            for m in typ.element.members:
                hits = [exp.and_(copy(s), copy(c.value[typ.element.members.index(m)]) if r.value.type.kind == Kind.SET
                                 else self.equal(c.value, exp.Literal.string(m)))
                        for r, s, c in zip(d.rules, selected, concluded)]
                bits.append(self.bind(exp.or_(*hits) if hits else exp.false(), "bit"))
            why = self.first_cause(why_conditions, why_values)
            return DecisionTerm(tuple(bits), exp.true(), None if why is None else self.bind(why, "why"))
        policy = HitPolicy(d.hit)
        if policy is HitPolicy.COLLECT_COUNT:  # always a value; the conclusions are not read
            return DecisionTerm(aggregate(policy, selected, [], self.numbers).bound("val"), exp.true(),
                                None if why_conditions is None else self.bind(why_conditions, "why"))
        default = self.expr(d.default) if d.default is not None else None
        values = [self.bound(c.value, typ, "v") for c in concluded]
        fallback_value = default.value if default is not None else self.dummy(typ)
        some = self.bind(exp.or_(*(copy(s) for s in selected)), "some") if d.rules else exp.false()
        if policy.aggregator:
            value = num_ite(some, aggregate(policy, selected, values, self.numbers), fallback_value).bound("val")
        elif default is None and d.rules:  # no value unless a rule is selected: the last one's value stands
            value = self.bound(self.choose(typ, list(zip(selected, values))[:-1], values[-1]), typ, "val")  # for none
        else:
            value = self.bound(self.choose(typ, list(zip(selected, values)), fallback_value), typ, "val")
        defined = exp.true() if default is not None else some
        disagree = None
        if policy.exclusive and len(d.rules) > 1:  # two selected rules conflict whatever they conclude
            count = [ite(copy(s), lit(1), lit(0)) for s in selected]
            total = count[0]
            for term in count[1:]:
                total = exp.Add(this=total, expression=term)
            disagree = ite(exp.GTE(this=paren(total), expression=lit(2)), lit(Cause.CONFLICT.code), ZERO)
        elif policy.agrees and len({r.value for r in d.rules}) > 1:
            disagree = ite(self.disagree(d.rules, selected, values, value), lit(Cause.CONFLICT.code), ZERO)
        fallback = default.why if default is not None else (lit(Cause.GAP.code) if d.complete else None)
        why = self.first_cause(why_conditions, why_values, disagree,
                               self.cause_if(exp.Not(this=paren(some)), fallback) if d.rules else fallback)
        return DecisionTerm(value, defined, None if why is None else self.bind(why, "why"))

    def disagree(self, rules, selected, values, value) -> exp.Expression:
        """Two selected rules conclude different values. When every rule concludes a constant:
        selected rules in two groups of one constant each (no value compared); else some
        selected rule's value differs from the chosen one."""
        if not all(isinstance(r.value, ir.Const) and r.value.value is not None for r in rules):
            return exp.or_(*(exp.and_(copy(s), self.differ(v, value)) for s, v in zip(selected, values)))
        groups: dict[object, list[exp.Expression]] = {}
        for r, s in zip(rules, selected):
            groups.setdefault(r.value.value, []).append(s)
        fired = [self.bind(exp.or_(*(copy(s) for s in group)), "g") for group in groups.values()]
        if len(fired) <= 4:
            return exp.or_(*(exp.and_(copy(a), copy(b)) for i, a in enumerate(fired) for b in fired[i + 1:]))
        count = [ite(copy(g), lit(1), lit(0)) for g in fired]
        total = count[0]
        for term in count[1:]:
            total = exp.Add(this=total, expression=term)
        return exp.GTE(this=paren(total), expression=lit(2))

    # ------------------------------------------------------------ outputs
    def outputs(self, name: str) -> list[tuple[str, exp.Expression]]:
        """The value column and the cause column of decision `name`."""
        d = self.decision(name)
        typ = self.pack.decisions[name].type.required()
        determined = exp.true() if d.why is None else exp.EQ(this=copy(d.why), expression=ZERO)
        has_value = exp.and_(determined, copy(d.defined))
        value = case((has_value, self.write_value(d.value, typ)), default=exp.Null())
        possible = self.layers.integers(d.why) if d.why is not None else frozenset()
        causes = [(exp.EQ(this=copy(d.why), expression=lit(c.code)), exp.Literal.string(c.value))
                  for c in Cause if c is not Cause.NO_VALUE and (possible is None or c.code in possible)]
        cause = case(*causes, (exp.Not(this=paren(d.defined)), exp.Literal.string(Cause.NO_VALUE.value)), default=exp.Null())
        return [(name, value), (name + CAUSE_SUFFIX, cause)]

    def write_value(self, value, typ: Type) -> exp.Expression:
        """A value in its column type: DATE, TIMESTAMP, DECIMAL (DOUBLE for an unrounded
        quotient, as on the wire), BIGINT, BOOLEAN, VARCHAR, or an array of member names."""
        kind = typ.kind
        if kind == Kind.DATE:
            return exp.cast(exp.DateAdd(this=exp.cast(exp.Literal.string("1970-01-01"), "DATE"),
                                        expression=exp.cast(exp.Sub(this=copy(value.n), expression=lit(EPOCH)), "INT"),
                                        unit=exp.var("DAY")), "DATE")
        if kind == Kind.DATETIME:
            return exp.DateAdd(this=exp.cast(exp.Literal.string("1970-01-01 00:00:00"), "TIMESTAMP"),
                               expression=exp.Sub(this=copy(value.n), expression=lit(EPOCH * 1440)), unit=exp.var("MINUTE"))
        if kind in EXACT_KINDS:
            if value.den is not None:
                den = value.den if not value.scale else exp.Mul(this=paren(value.den), expression=big(10 ** value.scale))
                return exp.Div(this=exp.cast(copy(value.n), "DOUBLE"), expression=exp.cast(copy(den), "DOUBLE"))
            whole = exp.cast(copy(value.n), exp.DataType.build("DECIMAL(20, 0)"))
            if not value.scale:
                return whole
            unit = exp.cast(exp.Literal.string(f"{10 ** -value.scale:.{value.scale}f}"),
                            exp.DataType.build(f"DECIMAL({value.scale + 1}, {value.scale})"))
            return exp.Mul(this=whole, expression=unit)
        if kind in INTEGER_KINDS:
            return copy(value.n)
        if kind == Kind.SET:
            x = exp.to_identifier("x")
            items = exp.Array(expressions=[case((bit, exp.Literal.string(m)), default=exp.Null())
                                           for m, bit in zip(typ.element.members, value)])
            return exp.ArrayFilter(this=items, expression=exp.Lambda(
                this=exp.Not(this=exp.Is(this=exp.column("x"), expression=exp.Null())), expressions=[x]))
        return copy(value)


def compile_query(pack: ir.Pack, names: Sequence[str] | None = None, source: str | exp.Expression = "cases",
                  keep: Sequence[str] = (), present: Collection[str] = ()) -> exp.Select:
    """One query deciding `names` (every decision if None) for each row of `source` (a table
    of cases, one column per fact), passing the columns `keep` through: per decision its
    value column and its `__cause` column. `present`: facts whose column in `source` holds
    no NULL (the query does not test their absence; it is wrong for a row where one is NULL)."""
    compiler = SqlCompiler(pack, present)
    outputs = [(k, exp.column(k, quoted=True)) for k in keep]
    for name in names if names is not None else pack.decision_order:
        outputs += compiler.outputs(name)
    table = exp.to_table(source) if isinstance(source, str) else source
    return compiler.layers.query(table, outputs)
