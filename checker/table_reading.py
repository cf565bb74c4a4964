"""Reading a decision's conditions for checker/table_space.py: each conjunct as literals on one
fact (`read_alternatives`), or, for a numeric table, every rule at once as intervals (`integer_boxes`).

`integer_boxes` is the fast path for a decision whose every condition is a conjunction of
required integer-kind facts (int, days, dates) compared with integer constants by `<`, `<=`,
`>`, `>=` or `==` — most numeric tables. Each rule is first an interval of values per fact
(the intersection of its tests); the axis of a fact is cut where `table_space.Axis.add` cuts
it, and each interval becomes its range of cells by the same bisection as `Axis.cells`. The
intersection is taken in values and then mapped (cells are a monotone function of values, so
that commutes with min and max): the same boxes, in the same order, as the general reading,
at a fraction of its cost.
"""

from __future__ import annotations

from bisect import bisect_right
from fractions import Fraction
from typing import NamedTuple

from ruleproof.checker import ir
from ruleproof.checker import types as T
from ruleproof.checker.overlap import conjuncts
from ruleproof.checker.semantics.kinds import EXACT_KINDS, INTEGER_KINDS
from ruleproof.checker.semantics.operators import CompareOp

LT, LE, GT, GE, EQ = CompareOp.LT, CompareOp.LE, CompareOp.GT, CompareOp.GE, CompareOp.EQ


def integer_boxes(decision: ir.Decision):
    """(facts, points, lo, hi, owner): the facts tested (axis order: as first tested), each
    axis' cut points (sorted), and per rule that holds somewhere its first and last cell on
    every axis and its index; None unless every condition is of the form above."""
    facts: dict[str, int] = {}
    refs: list[ir.FactRef] = []
    points: list[set[int]] = []
    rows = []  # per rule: {axis: [low, high]} in values, None for unbounded
    for rule in decision.rules:
        bounds: dict[int, list] = {}
        for part in conjuncts(rule.condition):
            if type(part) is not ir.Compare:
                return None
            left, right = part.left, part.right
            if type(left) is ir.FactRef and type(right) is ir.Const:
                fact, op, value = left, part.op, right.value
            elif type(right) is ir.FactRef and type(left) is ir.Const:
                fact, op, value = right, part.op.flipped, left.value
            else:
                return None
            if type(value) is not int or fact.type.optional or fact.type.kind not in INTEGER_KINDS:
                return None
            axis = facts.get(fact.name)
            if axis is None:
                axis = facts[fact.name] = len(refs)
                refs.append(fact)
                points.append(set())
            if op is LT:
                points[axis].add(value)
                low, high = None, value - 1
            elif op is GE:
                points[axis].add(value)
                low, high = value, None
            elif op is LE:
                points[axis].add(value + 1)
                low, high = None, value
            elif op is GT:
                points[axis].add(value + 1)
                low, high = value + 1, None
            elif op is EQ:
                points[axis].update((value, value + 1))
                low, high = value, value
            else:
                return None
            held = bounds.get(axis)
            if held is None:
                bounds[axis] = [low, high]
            else:
                if low is not None and (held[0] is None or low > held[0]):
                    held[0] = low
                if high is not None and (held[1] is None or high < held[1]):
                    held[1] = high
        rows.append(bounds)
    cuts = [sorted(p) for p in points]
    lasts = [len(c) for c in cuts]  # an axis' last cell (no absent cell: the facts are required)
    los, his, owner = [], [], []
    for index, bounds in enumerate(rows):
        lo, hi = [0] * len(cuts), list(lasts)
        empty = False
        for axis, (low, high) in bounds.items():
            if low is not None:
                lo[axis] = bisect_right(cuts[axis], low)
            if high is not None:
                hi[axis] = bisect_right(cuts[axis], high)
            if lo[axis] > hi[axis]:
                empty = True
        if not empty:
            los.append(lo)
            his.append(hi)
            owner.append(index)
    return refs, cuts, los, his, owner


class NotPlain(Exception):
    """A condition the sweep does not read."""


class Literal(NamedTuple):
    """`fact op value` (op one of CompareOp's, `in`, or `present`), possibly negated."""

    fact: str
    op: str
    value: object = None
    negated: bool = False


# ------------------------------------------------------------------ literals

def read_alternatives(part: ir.Expr) -> list[tuple[Literal, ir.FactRef]] | None:
    """A conjunct as literals on one fact, any of which makes it hold; [] for `true`, None for
    `false`; raises NotPlain for anything else."""
    if type(part) is ir.Compare:  # a cell: one literal
        return [_literal(part)]
    if isinstance(part, ir.Const) and isinstance(part.value, bool):
        return [] if part.value else None
    operands = part.operands if isinstance(part, ir.BoolOp) and part.op == "or" else (part,)
    found = [_literal(o) for o in operands]
    if len({lit.fact for lit, _ in found}) != 1:
        raise NotPlain
    return found


def _literal(e: ir.Expr, negated: bool = False) -> tuple[Literal, ir.FactRef]:
    if type(e) is ir.Compare:  # the common cell first (no IR class is subclassed)
        right, left = e.right, e.left
        if type(right) is ir.Const:
            subject, op, value = left, e.op, right.value
        elif type(left) is ir.Const:
            subject, op, value = right, e.op.flipped, left.value
        else:
            raise NotPlain
        fact = subject if type(subject) is ir.FactRef else _fact(subject)
        ordered = is_ordered(fact.type)
        if value is None or (not ordered and op not in (CompareOp.EQ, CompareOp.NE)):
            raise NotPlain
        if ordered and not isinstance(value, (int, Fraction)):
            raise NotPlain
        return Literal(fact.name, _OP_TEXT[op], value, negated), fact
    if isinstance(e, ir.Not):
        return _literal(e.operand, not negated)
    if isinstance(e, ir.IsPresent):
        fact = _fact(e.operand)
        return Literal(fact.name, "present", negated=negated), fact
    if isinstance(e, (ir.FactRef, ir.Unwrap)) and e.type.required() == T.BOOL:
        fact = _fact(e)
        return Literal(fact.name, "==", True, negated), fact
    if isinstance(e, ir.InSet) and isinstance(e.set, ir.Const) and isinstance(e.set.value, frozenset):
        fact = _fact(e.element)
        if None in e.set.value:
            raise NotPlain
        return Literal(fact.name, "in", e.set.value, negated), fact
    raise NotPlain


_OP_TEXT = {op: op.value for op in CompareOp}  # (an enum member's value is a lookup through a descriptor)


def _fact(e: ir.Expr) -> ir.FactRef:
    while isinstance(e, ir.Unwrap):
        e = e.operand
    if not isinstance(e, ir.FactRef):
        raise NotPlain
    return e


def is_ordered(typ: T.Type) -> bool:
    """Whether a fact of this type is an ordered axis (its values cut at bounds), not a set."""
    return typ.kind in INTEGER_KINDS or typ.kind in EXACT_KINDS


def members(typ: T.Type) -> list:
    """The values a set axis of this type lists from the start (an enum's members, a bool's two)."""
    typ = typ.required()
    if typ.kind == "bool":
        return [False, True]
    return list(typ.members)


def order_key(value):
    """How an axis sorts its points: numbers by value, anything else by type, then value."""
    return (type(value).__name__, value) if not isinstance(value, (int, Fraction)) else ("", value)
