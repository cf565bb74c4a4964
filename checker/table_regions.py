"""The uncovered regions of a decision's boxes (checker/table_space.py) as conditions: IR for
the solver, and the language's text for the finding (what a row covering the region tests)."""

from __future__ import annotations

import json
from typing import TYPE_CHECKING

from ruleproof.checker import ir
from ruleproof.checker import types as T
from ruleproof.checker.semantics.kinds import INTEGER_KINDS
from ruleproof.checker.values import show

if TYPE_CHECKING:
    from ruleproof.checker.table_cells import Ranges
    from ruleproof.checker.table_space import Axis, Gap


def region_condition(axes: list[Axis], region: Gap) -> ir.Expr:
    """The conjunction holding exactly on a region (per axis, its ranges of cells)."""
    parts = [p for axis, ranges in zip(axes, region) for p in _cells_condition(axis, list(ranges))]
    if not parts:
        return ir.TRUE
    return parts[0] if len(parts) == 1 else ir.BoolOp("and", tuple(parts), T.BOOL, span=None)


def text(e: ir.Expr) -> str:
    """A condition region_condition built, as the language writes it."""
    if isinstance(e, ir.Const):
        return "every case"
    if isinstance(e, ir.BoolOp):
        joined = f" {e.op} ".join(text(o) for o in e.operands)
        return f"({joined})" if e.op == "or" else joined
    if isinstance(e, ir.Not):
        if isinstance(e.operand, ir.IsPresent):
            return f"{e.operand.operand.name} is absent"
        inner = e.operand
        return f"{_name(inner.element)} not in {_values(inner.set)}"
    if isinstance(e, ir.IsPresent):
        return f"{e.operand.name} is present"
    if isinstance(e, ir.InSet):
        if len(e.set.value) == 1:
            return f"{_name(e.element)} == {_values(e.set)[1:-1]}"
        return f"{_name(e.element)} in {_values(e.set)}"
    return f"{_name(e.left)} {e.op} {_literal(e.right.value, e.right.type)}"


def _name(e: ir.Expr) -> str:
    return e.operand.name if isinstance(e, ir.Unwrap) else e.name


def _values(e: ir.Const) -> str:
    typ = e.type.element
    return "{" + ", ".join(sorted(_literal(v, typ) for v in e.value)) + "}"


def _literal(value, typ: T.Type) -> str:
    return json.dumps(value) if typ.kind == "string" else show(value, typ)


def _cells_condition(axis: Axis, ranges: Ranges) -> list[ir.Expr]:
    """Conjuncts holding exactly on the cells `ranges` of the axis."""
    fact = axis.fact
    if ranges == [(0, axis.last)]:
        return []
    present = ir.IsPresent(fact, T.BOOL, span=None)
    tests = _present_condition(axis, ranges)
    if fact.type.optional and ranges[0][0] == 0:
        absent = ir.Not(present, T.BOOL, span=None)
        if tests is None:
            return [absent]
        if not tests:
            return []
        inner = tests[0] if len(tests) == 1 else ir.BoolOp("and", tuple(tests), T.BOOL, span=None)
        return [ir.BoolOp("or", (absent, inner), T.BOOL, span=None)]
    return [present, *(tests or [])] if fact.type.optional else (tests or [])


def _present_condition(axis: Axis, ranges: Ranges) -> list[ir.Expr] | None:
    """Conjuncts holding on the present cells of `ranges` ([] every present value, None none)."""
    typ, base = axis.type, axis.base
    subject = ir.Unwrap(axis.fact, typ, span=None) if axis.fact.type.optional else axis.fact

    def compare(op: str, value) -> ir.Expr:
        return ir.Compare(op, subject, ir.Const(value, typ, span=None), T.BOOL, span=None)

    def inset(values) -> ir.Expr:
        return ir.InSet(subject, ir.Const(frozenset(values), T.set_of(typ), span=None), T.BOOL, span=None)

    if not axis.ordered:
        listed, other = axis.values(ranges)
        if other:
            excluded = [v for v in axis.points if v not in listed]
            return [ir.Not(inset(excluded), T.BOOL, span=None)] if excluded else []
        return [inset(listed)] if listed else None
    lo, hi = max(ranges[0][0], base), ranges[-1][1]
    if hi < base:
        return None
    out = []
    if typ.kind in INTEGER_KINDS:
        if lo > base:
            out.append(compare(">=", axis.points[lo - base - 1]))
        if hi < axis.last:
            out.append(compare("<", axis.points[hi - base]))
        return out
    if lo > base:
        i = lo - base
        out.append(compare(">=", axis.points[i // 2]) if i % 2 else compare(">", axis.points[i // 2 - 1]))
    if hi < axis.last:
        i = hi - base
        out.append(compare("<=", axis.points[i // 2]) if i % 2 else compare("<", axis.points[i // 2]))
    return out
