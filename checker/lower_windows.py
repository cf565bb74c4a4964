"""Part of stage 4, lowering: windows into comparisons. A window is lowered to an `ir.Window`
with closed bounds (an open end moves one step inwards) and a presence condition; `x in w`,
`w is empty` and the relations `within`, `before`, `disjoint` and `overlaps` are lowered to
comparisons of those bounds. The type checker calls these once it has checked the operands.

An empty window (its start after its end, or a bound absent) is within, before and disjoint
from every window, and overlaps none.
"""

from __future__ import annotations

from enum import StrEnum

from ruleproof.checker import ir
from ruleproof.checker import types as T
from ruleproof.checker.ir_build import all_of, any_of, le, lt
from ruleproof.checker.source import Span


class WindowRelation(StrEnum):
    """The relations between two windows the language writes as binary operators."""

    WITHIN = "within"
    BEFORE = "before"
    DISJOINT = "disjoint"
    OVERLAPS = "overlaps"


#: the operator spellings of WindowRelation, for tests on AST operators
WINDOW_RELATIONS = frozenset(WindowRelation)


def window(name: str, low: ir.Expr, high: ir.Expr, start_closed: bool, end_closed: bool,
           presence: list[ir.Expr], cite: str | None, span: Span) -> ir.Window:
    """The window `name` with bounds `low` and `high` (of one point type), closed on both ends;
    it exists when every condition of `presence` holds (repeated ones are tested once)."""
    step = ir.Const(1, T.INT, span=span)
    if not start_closed:
        low = ir.Arith("add", (low, step), low.type, span=low.span)
    if not end_closed:
        high = ir.Arith("sub", (high, step), high.type, span=high.span)
    tests = [t for i, t in enumerate(presence) if t not in presence[:i]]
    exists = all_of(span, *tests) if tests else ir.Const(True, T.BOOL, span=span)
    return ir.Window(name, low, high, low.type, exists, cite, span=span)


def contains(w: ir.Window, point: ir.Expr, span: Span) -> ir.Expr:
    """`point in w`: the window exists and the point lies between its bounds."""
    return all_of(span, w.exists, le(w.low, point), le(point, w.high))


def nonempty(w: ir.Window, span: Span) -> ir.Expr:
    """The window exists and starts no later than it ends."""
    return all_of(span, w.exists, le(w.low, w.high))


def is_empty(w: ir.Window, span: Span) -> ir.Expr:
    """`w is empty`."""
    return ir.Not(nonempty(w, span), T.BOOL, span=span)


def relation(op: WindowRelation, a: ir.Window, b: ir.Window, span: Span) -> ir.Expr:
    """`a op b` for two windows of one point type."""
    if op is WindowRelation.WITHIN:
        return any_of(span, is_empty(a, span), all_of(span, nonempty(b, span), le(b.low, a.low), le(a.high, b.high)))
    if op is WindowRelation.BEFORE:
        return any_of(span, is_empty(a, span), is_empty(b, span), lt(a.high, b.low))
    disjoint = any_of(span, is_empty(a, span), is_empty(b, span), lt(a.high, b.low), lt(b.high, a.low))
    return disjoint if op is WindowRelation.DISJOINT else ir.Not(disjoint, T.BOOL, span=span)
