"""The typed, desugared IR that both back ends (evaluator and Z3 encoder) consume.

Values inside the IR use one representation everywhere:
  bool -> bool; int and durations -> int (a count in the duration's unit);
  decimal, rate and money -> fractions.Fraction; date -> proleptic ordinal (int);
  datetime -> minutes since ordinal day 0 (int); enum and string -> str; set -> frozenset;
  list of records -> a tuple of records, each a tuple of its field values in declared order.
Windows, tables, obligations and decision bodies are gone: they are lowered to rules and to
plain expressions over their bounds.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from functools import cached_property
from typing import Union

from ruleproof.checker.semantics.aggregates import AggregateOp
from ruleproof.checker.semantics.operators import ArithOp, CompareOp, Connective
from ruleproof.checker.semantics.periods import Period
from ruleproof.checker.semantics.selection import HitPolicy
from ruleproof.checker.source import Span
from ruleproof.checker.types import Type


def _span() -> Span:
    return field(compare=False, repr=False, kw_only=True)


def _coerce(node, name: str, enum) -> None:
    """INVARIANT: operator and policy fields hold their enum (a misspelt one fails here, when
    the IR is built, not in a back end)."""
    value = getattr(node, name)
    if type(value) is not enum:
        object.__setattr__(node, name, enum(value))


# ---------------------------------------------------------------- expressions


@dataclass(frozen=True)
class Const:
    value: object
    type: Type
    span: Span = _span()


@dataclass(frozen=True)
class FactRef:
    """A fact's value; `type` is optional unless the fact is required or narrowed by Unwrap."""

    name: str
    type: Type
    span: Span = _span()


@dataclass(frozen=True)
class DecisionRef:
    name: str
    type: Type
    span: Span = _span()


@dataclass(frozen=True)
class Unwrap:
    """The value of an optional expression where a presence test guarantees it exists."""

    operand: Expr
    type: Type
    span: Span = _span()


@dataclass(frozen=True)
class IsPresent:
    operand: Expr
    type: Type
    span: Span = _span()


@dataclass(frozen=True)
class Not:
    operand: Expr
    type: Type
    span: Span = _span()


@dataclass(frozen=True)
class BoolOp:
    """`and` / `or` over two or more operands, evaluated left to right."""

    op: Connective
    operands: tuple[Expr, ...]
    type: Type
    span: Span = _span()

    def __post_init__(self) -> None:
        _coerce(self, "op", Connective)


@dataclass(frozen=True)
class Ite:
    cond: Expr
    then: Expr
    otherwise: Expr
    type: Type
    span: Span = _span()


@dataclass(frozen=True)
class Arith:
    """add, sub, mul, div (exact), neg, floordiv (integers), min, max, abs, round(digits)."""

    op: ArithOp
    operands: tuple[Expr, ...]
    type: Type
    digits: int = 0
    span: Span = _span()

    def __post_init__(self) -> None:
        _coerce(self, "op", ArithOp)


@dataclass(frozen=True)
class Compare:
    op: CompareOp
    left: Expr
    right: Expr
    type: Type
    span: Span = _span()

    def __post_init__(self) -> None:
        _coerce(self, "op", CompareOp)


@dataclass(frozen=True)
class InSet:
    element: Expr
    set: Expr
    type: Type
    span: Span = _span()


@dataclass(frozen=True)
class SetOf:
    items: tuple[Expr, ...]
    type: Type
    span: Span = _span()


@dataclass(frozen=True)
class AddWorkingDays:
    """`date + n working days` for a constant n >= 0, over the pack's calendar."""

    date: Expr
    days: int
    type: Type
    span: Span = _span()


@dataclass(frozen=True)
class AddMonths:
    """`point + n months` for a constant n (negative: months back), on a date or a date-time
    (whose time of day is kept), by the end-of-month rule of `semantics.calendar`."""

    point: Expr
    months: int
    type: Type
    span: Span = _span()


@dataclass(frozen=True)
class MonthlyPeriod:
    """The first day (`end`: the last day) of the monthly period containing `date` that runs
    from day `anchor` of a month to the day before day `anchor` of the next
    (`semantics.calendar.Months.period`)."""

    date: Expr
    anchor: int
    end: bool
    type: Type
    span: Span = _span()


@dataclass(frozen=True)
class Item:
    """Field `field` (position `index`) of the record an enclosing Aggregate is reading; stands
    only inside an Aggregate's `keep` and `value`."""

    field: str
    index: int
    type: Type
    span: Span = _span()


@dataclass(frozen=True)
class Aggregate:
    """`op` over the records of `items` (a list fact) that `keep` keeps (all when None), of
    `value`, an expression over their fields (None for count); see semantics.aggregates."""

    op: AggregateOp
    items: Expr
    keep: Expr | None
    value: Expr | None
    type: Type
    span: Span = _span()

    def __post_init__(self) -> None:
        _coerce(self, "op", AggregateOp)


Expr = Union[Const, FactRef, DecisionRef, Unwrap, IsPresent, Not, BoolOp, Ite, Arith, Compare, InSet, SetOf, AddWorkingDays,
             AddMonths, MonthlyPeriod, Item, Aggregate]


def children(expr: Expr) -> tuple[Expr, ...]:
    """The direct sub-expressions of `expr`."""
    get = _CHILDREN.get(type(expr))
    return () if get is None else get(expr)


def _operand(e) -> tuple[Expr, ...]:
    return (e.operand,)


def _operands(e) -> tuple[Expr, ...]:
    return e.operands


_CHILDREN = {  # by the node's class (leaves: none); one lookup instead of a chain of isinstance
    Unwrap: _operand, IsPresent: _operand, Not: _operand, BoolOp: _operands, Arith: _operands,
    Ite: lambda e: (e.cond, e.then, e.otherwise), Compare: lambda e: (e.left, e.right),
    InSet: lambda e: (e.element, e.set), SetOf: lambda e: e.items,
    AddWorkingDays: lambda e: (e.date,), MonthlyPeriod: lambda e: (e.date,), AddMonths: lambda e: (e.point,),
    Aggregate: lambda e: tuple(x for x in (e.items, e.keep, e.value) if x is not None),
}


def references(expr: Expr) -> tuple[set[str], set[str]]:
    """The fact names and decision names `expr` reads directly."""
    facts: set[str] = set()
    decisions: set[str] = set()
    stack = [expr]
    get = _CHILDREN.get
    while stack:
        node = stack.pop()
        kind = type(node)
        if kind is FactRef:
            facts.add(node.name)
        elif kind is DecisionRef:
            decisions.add(node.name)
        else:
            more = get(kind)
            if more is not None:
                stack.extend(more(node))
    return facts, decisions


# ---------------------------------------------------------------- declarations


@dataclass(frozen=True)
class Fact:
    name: str
    type: Type
    default: object = None
    has_default: bool = False
    low: int | None = None
    high: int | None = None
    cite: str | None = None
    span: Span = _span()


@dataclass(frozen=True)
class Rule:
    """One conclusion of one source rule (or table row, decision body, obligation)."""

    name: str
    decision: str
    condition: Expr
    value: Expr
    order: int
    priority: int | None = None
    overrides: tuple[str, ...] = ()
    unless: tuple[str, ...] = ()
    because: str | None = None
    cite: str | None = None
    origin: str = "rule"  # rule | body | table | obligation
    span: Span = _span()
    period: Period | None = None  # when it is in force (already part of `condition`)


@dataclass(frozen=True)
class Decision:
    name: str
    type: Type
    hit: HitPolicy
    rules: tuple[Rule, ...]
    default: Expr | None = None
    complete: bool = False
    cite: str | None = None
    origin: str = "decision"  # decision | obligation
    span: Span = _span()

    def __post_init__(self) -> None:
        _coerce(self, "hit", HitPolicy)

    def overriders(self, rule_name: str) -> list[str]:
        """The rules of this decision that override `rule_name`."""
        return [r.name for r in self.rules if rule_name in r.overrides]

    @property
    def total(self) -> bool:
        """Whether the decision always has a value when its facts are known."""
        return self.default is not None or self.complete or self.hit in ("collect", "collect_count") or any(
            r.origin == "body" and r.condition == TRUE for r in self.rules
        )


@dataclass(frozen=True)
class Window:
    """A window as a closed integer interval [low, high] (open ends already shifted by one)."""

    name: str
    low: Expr
    high: Expr
    point: Type
    exists: Expr
    cite: str | None = None
    span: Span = _span()


@dataclass(frozen=True)
class Assumption:
    name: str
    condition: Expr
    cite: str | None = None
    span: Span = _span()


@dataclass(frozen=True)
class Property:
    name: str
    kind: str  # always | never | possible
    condition: Expr
    cite: str | None = None
    windows: tuple[str, ...] = ()  # the windows of a window-relation property
    span: Span = _span()


@dataclass(frozen=True)
class Example:
    title: str
    given: dict
    expect: dict  # decision -> value, or UNDETERMINED
    cite: str | None = None
    span: Span = _span()
    expect_spans: dict = field(default_factory=dict, compare=False, repr=False)


@dataclass(frozen=True)
class Acceptance:
    code: str
    targets: tuple[str, ...]
    reason: str
    span: Span = _span()


@dataclass(frozen=True)
class Pack:
    name: str
    version: str
    facts: dict[str, Fact]
    decisions: dict[str, Decision]
    windows: dict[str, Window]
    assumptions: tuple[Assumption, ...]
    properties: tuple[Property, ...]
    examples: tuple[Example, ...]
    acceptances: tuple[Acceptance, ...]
    holidays: frozenset[int]
    decision_order: tuple[str, ...]  # dependencies first
    span: Span = _span()

    def rules(self) -> list[Rule]:
        return [r for name in self.decision_order for r in self.decisions[name].rules]

    @cached_property
    def concluding(self) -> dict[str, tuple[str, ...]]:
        """For each rule name, the decisions its conclusions decide, in decision order."""
        out: dict[str, list[str]] = {}
        for name in self.decision_order:
            for rule in self.decisions[name].rules:
                if name not in out.setdefault(rule.name, []):
                    out[rule.name].append(name)
        return {rule: tuple(names) for rule, names in out.items()}

    @cached_property
    def reads(self) -> dict[str, tuple[frozenset[str], frozenset[str]]]:
        """For each decision, the facts and decisions it reads directly (`decision_reads`,
        worked out once per pack)."""
        return {name: tuple(map(frozenset, decision_reads(d))) for name, d in self.decisions.items()}

    @cached_property
    def dependencies(self) -> dict[str, frozenset[str]]:
        """For each decision, every fact it reads, directly or through other decisions
        (worked out once per pack)."""
        deps: dict[str, frozenset[str]] = {}
        for name in self.decision_order:
            facts, decisions = self.reads[name]
            for other in decisions:
                facts |= deps.get(other, frozenset())
            deps[name] = facts
        return deps


def decision_reads(decision: Decision) -> tuple[set[str], set[str]]:
    """The facts and decisions a decision's rules and default read directly."""
    facts: set[str] = set()
    decisions: set[str] = set()
    exprs = [e for r in decision.rules for e in (r.condition, r.value)]
    if decision.default is not None:
        exprs.append(decision.default)
    for e in exprs:
        f, d = references(e)
        facts |= f
        decisions |= d
    return facts, decisions


def fact_dependencies(pack: Pack) -> dict[str, frozenset[str]]:
    """For each decision, every fact it reads, directly or through other decisions."""
    return dict(pack.dependencies)


UNDETERMINED = "undetermined"
TRUE = Const(True, Type("bool"), span=None)  # type: ignore[arg-type]
