"""The surface syntax tree: frozen dataclasses, each with a source span that equality ignores."""

from __future__ import annotations

from dataclasses import dataclass, field
from functools import cached_property
from typing import Union

from ruleproof.checker.source import Span


def _span() -> Span:
    return field(compare=False, repr=False, kw_only=True)


@dataclass(frozen=True)
class Ident:
    name: str
    span: Span = _span()


# ---------------------------------------------------------------- types


@dataclass(frozen=True)
class PrimType:
    """bool, decimal, rate, string, date, datetime."""

    name: str
    span: Span = _span()


@dataclass(frozen=True)
class IntType:
    low: int | None = None
    high: int | None = None
    span: Span = _span()


@dataclass(frozen=True)
class MoneyType:
    currency: str
    span: Span = _span()


@dataclass(frozen=True)
class DurationType:
    unit: str  # days | working_days | hours | minutes
    span: Span = _span()


@dataclass(frozen=True)
class SetType:
    element: Ident
    span: Span = _span()


@dataclass(frozen=True)
class NamedType:
    name: Ident
    span: Span = _span()


@dataclass(frozen=True)
class InlineEnum:
    members: tuple[Ident, ...]
    span: Span = _span()


@dataclass(frozen=True)
class ListType:
    """`list of RECORD up to N`: a list of records, at most `size` long."""

    element: Ident
    size: int
    span: Span = _span()


BaseType = Union[PrimType, IntType, MoneyType, DurationType, SetType, NamedType, InlineEnum, ListType]


@dataclass(frozen=True)
class TypeExpr:
    base: BaseType
    optional: bool = False
    span: Span = _span()


# ---------------------------------------------------------------- expressions


@dataclass(frozen=True)
class Literal:
    """A literal; `kind` is int, decimal, percent, date, datetime, string or bool.

    `value` keeps the source text for numbers (exactness) and a parsed value otherwise;
    `unit` is a duration unit or a currency for numbers written with one.
    """

    kind: str
    value: object
    unit: str | None = None
    span: Span = _span()


@dataclass(frozen=True)
class Name:
    name: str
    span: Span = _span()


@dataclass(frozen=True)
class Call:
    func: Ident
    args: tuple[Expr, ...]
    span: Span = _span()


@dataclass(frozen=True)
class Unary:
    op: str  # neg | not
    operand: Expr
    span: Span = _span()


@dataclass(frozen=True)
class Binary:
    """Arithmetic, comparison, logic, membership and window relations, by `op`."""

    op: str
    left: Expr
    right: Expr
    span: Span = _span()


@dataclass(frozen=True)
class Test:
    op: str  # present | absent | empty
    operand: Expr
    span: Span = _span()


@dataclass(frozen=True)
class If:
    cond: Expr
    then: Expr
    otherwise: Expr
    span: Span = _span()


@dataclass(frozen=True)
class SetLit:
    items: tuple[Expr, ...]
    span: Span = _span()


@dataclass(frozen=True)
class Where:
    """`items where condition`: the records of a list (or a field of them) that satisfy a
    condition over their fields; only inside an aggregate."""

    items: Expr
    condition: Expr
    span: Span = _span()


@dataclass(frozen=True)
class Field:
    """`list.field`: one field of each record of a list; only inside an aggregate."""

    base: Name
    field: Ident
    span: Span = _span()


@dataclass(frozen=True)
class ListLit:
    """`[item, ...]`: a list of records, in an example's `given`."""

    items: tuple[Expr, ...]
    span: Span = _span()


@dataclass(frozen=True)
class RecordLit:
    """`{field: value, ...}`: one record, inside a list literal."""

    fields: tuple[Binding, ...]
    span: Span = _span()


Expr = Union[Literal, Name, Call, Unary, Binary, Test, If, SetLit, Where, Field, ListLit, RecordLit]


# ---------------------------------------------------------------- declarations


@dataclass(frozen=True)
class Header:
    name: Ident
    version: str
    span: Span = _span()


@dataclass(frozen=True)
class Import:
    module: Ident
    span: Span = _span()


@dataclass(frozen=True)
class EnumDecl:
    name: Ident
    members: tuple[Ident, ...]
    cite: str | None = None
    span: Span = _span()


@dataclass(frozen=True)
class FactDecl:
    name: Ident
    type: TypeExpr
    default: Expr | None = None
    cite: str | None = None
    span: Span = _span()


@dataclass(frozen=True)
class Period:
    """`effective from START [until END]` or `effective until END`: constant dates (literals of
    kind `date`); the meaning is checker/semantics/periods.py."""

    start: Literal | None
    end: Literal | None
    span: Span = _span()


@dataclass(frozen=True)
class EffectiveDecl:
    """A module's own period: every rule, table row and constant of the file is in force only
    within it."""

    period: Period
    cite: str | None = None
    span: Span = _span()


@dataclass(frozen=True)
class ConstDecl:
    name: Ident
    value: Expr
    cite: str | None = None
    span: Span = _span()
    period: Period | None = None


@dataclass(frozen=True)
class LetDecl:
    name: Ident
    value: Expr
    cite: str | None = None
    span: Span = _span()


@dataclass(frozen=True)
class AssumeDecl:
    name: Ident
    condition: Expr
    cite: str | None = None
    span: Span = _span()


@dataclass(frozen=True)
class HolidaysDecl:
    dates: tuple[Literal, ...]
    cite: str | None = None
    span: Span = _span()


@dataclass(frozen=True)
class DecisionDecl:
    name: Ident
    type: TypeExpr
    default: Expr | None = None
    hit: Ident | None = None
    complete: bool = False
    cite: str | None = None
    body: Expr | None = None
    when: Expr | None = None
    span: Span = _span()
    as_of: Expr | None = None  # the day its rules are read as of (effective periods)


@dataclass(frozen=True)
class Conclusion:
    target: Ident
    value: Expr
    span: Span = _span()


@dataclass(frozen=True)
class RuleDecl:
    name: Ident
    cite: str | None
    priority: int | None
    condition: Expr
    conclusions: tuple[Conclusion, ...]
    overrides: tuple[Ident, ...] = ()
    unless: tuple[Ident, ...] = ()
    because: str | None = None
    span: Span = _span()
    period: Period | None = None
    replaces: tuple[Ident, ...] = ()
    replaces_cite: str | None = None  # the amending text


@dataclass(frozen=True)
class Cell:
    """A decision-table cell: kind any | otherwise | equal | compare | in."""

    kind: str
    op: str | None = None
    value: Expr | None = None
    span: Span = _span()


@dataclass(frozen=True)
class TableRow:
    cells: tuple[Cell, ...]
    output: Expr
    cite: str | None = None
    span: Span = _span()
    period: Period | None = None


@dataclass(frozen=True)
class TableDecl:
    name: Ident
    decision: Ident
    cite: str | None
    inputs: tuple[Expr, ...]
    rows: tuple[TableRow, ...]
    span: Span = _span()
    period: Period | None = None


@dataclass(frozen=True)
class WindowDecl:
    name: Ident
    start: Expr
    end: Expr
    start_closed: bool
    end_closed: bool
    cite: str | None = None
    span: Span = _span()


@dataclass(frozen=True)
class PropertyDecl:
    name: Ident
    kind: str  # always | never | possible
    condition: Expr
    cite: str | None = None
    span: Span = _span()


@dataclass(frozen=True)
class ObligationDecl:
    name: Ident
    cite: str | None
    party: Ident
    duty: str
    when: Expr | None
    by: Expr | None
    done: Ident | None
    span: Span = _span()


@dataclass(frozen=True)
class Binding:
    name: Ident
    value: Expr
    span: Span = _span()


@dataclass(frozen=True)
class Expectation:
    name: Ident
    value: Expr | None  # None: expected undetermined
    span: Span = _span()


@dataclass(frozen=True)
class ExampleDecl:
    title: str
    cite: str | None
    given: tuple[Binding, ...]
    expect: tuple[Expectation, ...]
    span: Span = _span()


@dataclass(frozen=True)
class RecordField:
    name: Ident
    type: TypeExpr
    span: Span = _span()


@dataclass(frozen=True)
class RecordDecl:
    """`record NAME: field: type, ...`: the type of the items of a list fact."""

    name: Ident
    fields: tuple[RecordField, ...]
    cite: str | None = None
    span: Span = _span()


@dataclass(frozen=True)
class AcceptDecl:
    code: str
    targets: tuple[Ident, ...]
    reason: str
    span: Span = _span()


Decl = Union[
    Import, EnumDecl, FactDecl, ConstDecl, LetDecl, AssumeDecl, HolidaysDecl, DecisionDecl,
    RuleDecl, TableDecl, WindowDecl, PropertyDecl, ObligationDecl, ExampleDecl, AcceptDecl, EffectiveDecl, RecordDecl,
]


@dataclass(frozen=True)
class Module:
    """One parsed file: its module name (the file stem), optional pack header and declarations."""

    name: str
    header: Header | None
    decls: tuple[Decl, ...]
    span: Span = _span()
    broken: frozenset[str] = frozenset()  # names of declarations whose text has a syntax error

    @cached_property
    def effective(self) -> tuple[EffectiveDecl, ...]:
        """The module's `module effective` declarations (looked up once: every declaration asks)."""
        return tuple(d for d in self.decls if isinstance(d, EffectiveDecl))


NAMED_DECLS = (
    EnumDecl, RecordDecl, FactDecl, ConstDecl, LetDecl, AssumeDecl, DecisionDecl, RuleDecl, TableDecl,
    WindowDecl, PropertyDecl, ObligationDecl,
)
