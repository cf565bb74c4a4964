"""What the type checker produces for lowering (TypedPack), and the facts about types every
part of the type checker uses."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

from ruleproof.checker import ast, ir
from ruleproof.checker import types as T
from ruleproof.checker.resolve import OBLIGATION_STATUS_ENUM, OBLIGATION_STATUSES, Resolution
from ruleproof.checker.types import ERROR, Type

HIT_POLICIES = ("unique", "strict", "first", "priority", "collect", "collect_sum", "collect_min", "collect_max",
                "collect_count")
#: the status an obligation decides
OBLIGATION_STATUS = T.enum(OBLIGATION_STATUS_ENUM, OBLIGATION_STATUSES)


def date_value(day: dt.date) -> int:
    """A date as the number the IR computes with (its proleptic ordinal).

    >>> date_value(dt.date(1, 1, 2))
    2
    """
    return day.toordinal()


def datetime_value(moment: dt.datetime) -> int:
    """A date-time as the number the IR computes with: minutes since the ordinal day 0."""
    return moment.date().toordinal() * 1440 + moment.hour * 60 + moment.minute


@dataclass
class TypedPack:
    """Everything the type checker elaborated, for the lowering stage to assemble."""

    resolution: Resolution
    facts: dict[str, ir.Fact] = field(default_factory=dict)
    decision_types: dict[str, Type] = field(default_factory=dict)
    defaults: dict[str, ir.Expr] = field(default_factory=dict)
    bodies: dict[str, tuple[ir.Expr, ir.Expr]] = field(default_factory=dict)
    as_of: dict[str, ir.Expr] = field(default_factory=dict)  # decision -> the day its rules are read as of
    pin: int | None = None  # read every decision as of this day instead (`diff --as-of`)
    rules: list[tuple[ast.RuleDecl, ir.Expr, list[tuple[str, ir.Expr]]]] = field(default_factory=list)
    tables: list[tuple[ast.TableDecl, list[tuple[ast.TableRow, ir.Expr, ir.Expr]]]] = field(default_factory=list)
    obligations: list[tuple[ast.ObligationDecl, ir.Expr, ir.Expr, ir.Expr]] = field(default_factory=list)
    windows: dict[str, ir.Window] = field(default_factory=dict)
    assumptions: list[ir.Assumption] = field(default_factory=list)
    properties: list[ir.Property] = field(default_factory=list)
    examples: list[ir.Example] = field(default_factory=list)
    holidays: set[int] = field(default_factory=set)

def fits(value: Type, target: Type) -> bool:
    """Whether a value of type `value` may stand where `target` is declared (numbers widen)."""
    if value == ERROR or target == ERROR or value == target:
        return True
    if value.kind == "int" and target.kind in ("decimal", "rate"):
        return True
    if {value.kind, target.kind} == {"decimal", "rate"}:
        return True
    return value.kind == target.kind == "set" and value.element is None

