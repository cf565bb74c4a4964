"""Cheap syntactic pruning before calling Z3: pairs of conditions that cannot hold together
because they pin one fact to two different constants, or bound it to disjoint intervals."""

from __future__ import annotations

from checker import ir
from checker.evaluate import conjuncts


def _atoms(condition: ir.Expr) -> dict[str, tuple[object, object, set]]:
    """For each fact a condition's conjuncts constrain: (low, high, allowed-set) bounds."""
    bounds: dict[str, list] = {}
    for part in conjuncts(condition):
        if isinstance(part, ir.Compare) and isinstance(part.right, ir.Const):
            target, op, value = _fact_name(part.left), part.op, part.right.value
        elif isinstance(part, ir.Compare) and isinstance(part.left, ir.Const):
            target, op, value = _fact_name(part.right), _flip(part.op), part.left.value
        elif isinstance(part, ir.InSet) and isinstance(part.set, ir.Const):
            target, op, value = _fact_name(part.element), "in", part.set.value
        else:
            continue
        if target is None or value is None:
            continue
        low, high, allowed = bounds.setdefault(target, [None, None, None])
        if op == "==":
            allowed = {value} if allowed is None else allowed & {value}
        elif op == "in":
            allowed = set(value) if allowed is None else allowed & set(value)
        elif op in (">", ">=") and _is_integer(value):
            edge = value + 1 if op == ">" else value
            low = edge if low is None else max(low, edge)
        elif op in ("<", "<=") and _is_integer(value):
            edge = value - 1 if op == "<" else value
            high = edge if high is None else min(high, edge)
        bounds[target] = [low, high, allowed]
    return {k: tuple(v) for k, v in bounds.items()}


def _is_integer(value: object) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)


def _fact_name(e: ir.Expr) -> str | None:
    while isinstance(e, ir.Unwrap):
        e = e.operand
    return e.name if isinstance(e, (ir.FactRef, ir.DecisionRef)) and e.type.kind not in ("decimal", "rate", "money") else None


def _flip(op: str) -> str:
    return {"<": ">", "<=": ">=", ">": "<", ">=": "<=", "==": "==", "!=": "!="}[op]


def may_overlap(a: ir.Expr, b: ir.Expr) -> bool:
    """False only when the two conditions certainly cannot both hold."""
    atoms_a, atoms_b = _atoms(a), _atoms(b)
    for name in atoms_a.keys() & atoms_b.keys():
        low_a, high_a, set_a = atoms_a[name]
        low_b, high_b, set_b = atoms_b[name]
        if set_a is not None and set_b is not None and not set_a & set_b:
            return False
        low = max((x for x in (low_a, low_b) if x is not None), default=None)
        high = min((x for x in (high_a, high_b) if x is not None), default=None)
        if low is not None and high is not None and low > high:
            return False
    return True
