"""Small builders of IR conditions shared by the stages that produce IR (type checking and
lowering): conjunctions that drop `true`, disjunctions, and the comparisons of bounds."""

from __future__ import annotations

from ruleproof.checker import ir
from ruleproof.checker import types as T
from ruleproof.checker.source import Span


def all_of(span: Span, *parts: ir.Expr) -> ir.Expr:
    """`parts` joined by `and`, constant `true` parts left out (`true` when none is left)."""
    parts = tuple(p for p in parts if not (isinstance(p, ir.Const) and p.value is True))
    if not parts:
        return ir.Const(True, T.BOOL, span=span)
    return parts[0] if len(parts) == 1 else ir.BoolOp("and", parts, T.BOOL, span=span)


def any_of(span: Span, *parts: ir.Expr) -> ir.Expr:
    """`parts` (at least one) joined by `or`."""
    return parts[0] if len(parts) == 1 else ir.BoolOp("or", parts, T.BOOL, span=span)


def le(a: ir.Expr, b: ir.Expr) -> ir.Expr:
    """`a <= b`, located at `a`."""
    return ir.Compare("<=", a, b, T.BOOL, span=a.span)


def lt(a: ir.Expr, b: ir.Expr) -> ir.Expr:
    """`a < b`, located at `a`."""
    return ir.Compare("<", a, b, T.BOOL, span=a.span)
