"""Cheap syntactic pruning before calling Z3: two conditions cannot hold together when their
conjuncts pin one fact (or decision) to different constants, bound it to disjoint intervals,
leave no member of its enum, or ask one for presence and the other for absence.

INVARIANT: `disjoint(bounds(a), bounds(b))` is True only if a ∧ b is unsatisfiable in the
encoding (checker/encode.py) with the facts' domains alone — pruning never hides a finding.
tests/test_prune.py checks this against Z3 on random conditions.

>>> from ruleproof.checker import ir
>>> from ruleproof.checker.types import Type
>>> days, boolean = Type("duration", "days"), Type("bool")
>>> promised = ir.FactRef("promised", days, span=None)
>>> def at_least(n): return ir.Compare(">=", promised, ir.Const(n, days, span=None), boolean, span=None)
>>> def below(n): return ir.Compare("<", promised, ir.Const(n, days, span=None), boolean, span=None)
>>> may_overlap(at_least(10), below(10)), may_overlap(at_least(10), below(11))
(False, True)
"""

from __future__ import annotations

from dataclasses import dataclass, field
from fractions import Fraction

from ruleproof.checker import ir
from ruleproof.checker.semantics.kinds import EXACT_KINDS, INTEGER_KINDS
from ruleproof.checker.semantics.operators import CompareOp


@dataclass
class Bound:
    """What a condition's conjuncts say about one subject (a fact's or decision's value, or its presence)."""

    kind: str  # the subject's type kind, or "present"
    members: tuple = ()  # the values an enum or bool subject can take
    low: object = None
    low_strict: bool = False
    high: object = None
    high_strict: bool = False
    allowed: frozenset | None = None  # None: any value
    excluded: set = field(default_factory=set)

    def admit(self, op: str, value: object) -> None:
        """Narrow by `subject op value`."""
        if op == "==":
            self.allowed = frozenset({value}) if self.allowed is None else self.allowed & {value}
        elif op == "!=":
            self.excluded.add(value)
        elif op == "in":
            self.allowed = frozenset(value) if self.allowed is None else self.allowed & frozenset(value)
        elif op == "not in":
            self.excluded |= set(value)
        elif self.kind in INTEGER_KINDS or self.kind in EXACT_KINDS:
            strict = op in ("<", ">")
            if self.kind in INTEGER_KINDS and strict:  # x > c is x >= c + 1 on integers
                value, strict = (value + 1, False) if op == ">" else (value - 1, False)
            if op in (">", ">="):
                self.raise_low(value, strict)
            else:
                self.lower_high(value, strict)

    def raise_low(self, value, strict: bool) -> None:
        if self.low is None or value > self.low or (value == self.low and strict):
            self.low, self.low_strict = value, strict

    def lower_high(self, value, strict: bool) -> None:
        if self.high is None or value < self.high or (value == self.high and strict):
            self.high, self.high_strict = value, strict

    def meet(self, other: Bound) -> Bound:
        both = Bound(self.kind, self.members or other.members, self.low, self.low_strict, self.high, self.high_strict,
                     self.allowed, set(self.excluded) | other.excluded)
        if other.low is not None:
            both.raise_low(other.low, other.low_strict)
        if other.high is not None:
            both.lower_high(other.high, other.high_strict)
        if other.allowed is not None:
            both.allowed = other.allowed if both.allowed is None else both.allowed & other.allowed
        return both

    def empty(self) -> bool:
        """Whether no value meets every constraint (True only when that is certain)."""
        if self.low is not None and self.high is not None:
            if self.low > self.high or (self.low == self.high and (self.low_strict or self.high_strict)):
                return True
        candidates = self.allowed if self.allowed is not None else (frozenset(self.members) if self.members else None)
        if candidates is None:
            return False
        return not any(v not in self.excluded and self.inside(v) for v in candidates)

    def inside(self, value) -> bool:
        if self.kind not in INTEGER_KINDS and self.kind not in EXACT_KINDS:
            return True
        if not isinstance(value, (int, Fraction)) or isinstance(value, bool):
            return True
        if self.low is not None and (value < self.low or (value == self.low and self.low_strict)):
            return False
        if self.high is not None and (value > self.high or (value == self.high and self.high_strict)):
            return False
        return True


Bounds = dict[tuple[str, str, str], Bound]


def bounds(condition: ir.Expr) -> Bounds:
    """For each subject a condition's top-level conjuncts constrain, the bound they put on it."""
    out: Bounds = {}
    for part in conjuncts(condition):
        _narrow(part, out)
    return out


def disjoint(a: Bounds, b: Bounds) -> bool:
    """Whether two conditions with these bounds certainly cannot both hold."""
    if len(b) < len(a):
        a, b = b, a
    for key, bound in a.items():
        other = b.get(key)
        if (bound.meet(other) if other is not None else bound).empty():
            return True
    return any(bound.empty() for key, bound in b.items() if key not in a)


def may_overlap(a: ir.Expr, b: ir.Expr) -> bool:
    """False only when the two conditions certainly cannot both hold."""
    return not disjoint(bounds(a), bounds(b))


class PairScreen:
    """`may_overlap` for the rules of a pack, each rule's bounds and each pair's answer worked
    out once: the encoder's conflict terms and the conflict, shadowed and redundancy checks
    ask the same pairs."""

    def __init__(self) -> None:
        self._bounds: dict[tuple[str, str], Bounds] = {}
        self._pairs: dict[tuple[str, str, str], bool] = {}

    def may_overlap(self, decision: str, a: ir.Rule, b: ir.Rule) -> bool:
        """False only when the two rules of `decision` certainly cannot both fire."""
        key = (decision, a.name, b.name) if a.name <= b.name else (decision, b.name, a.name)
        found = self._pairs.get(key)
        if found is None:
            found = self._pairs[key] = not disjoint(self._rule_bounds(decision, a), self._rule_bounds(decision, b))
        return found

    def _rule_bounds(self, decision: str, rule: ir.Rule) -> Bounds:
        key = (decision, rule.name)
        found = self._bounds.get(key)
        if found is None:
            found = self._bounds[key] = bounds(rule.condition)
        return found


def conjuncts(e: ir.Expr) -> list[ir.Expr]:
    """The top-level conjuncts of a condition, in order."""
    if isinstance(e, ir.BoolOp) and e.op == "and":
        return [part for o in e.operands for part in conjuncts(o)]
    return [e]


def _narrow(part: ir.Expr, out: Bounds) -> None:
    negated = False
    while isinstance(part, ir.Not):
        negated, part = not negated, part.operand
    if isinstance(part, ir.IsPresent):
        key = _subject(part.operand, presence=True)
        if key is not None:
            _bound(out, key, "present", (False, True)).admit("==", not negated)
        return
    if isinstance(part, (ir.FactRef, ir.DecisionRef)) and part.type.kind == "bool" and not part.type.optional:
        _bound(out, _subject(part), "bool", (False, True)).admit("==", not negated)
        return
    if isinstance(part, ir.InSet) and isinstance(part.set, ir.Const) and part.set.value is not None:
        key = _subject(part.element)
        if key is not None:
            kind, members = _kind(part.element)
            _bound(out, key, kind, members).admit("not in" if negated else "in", part.set.value)
        return
    if not isinstance(part, ir.Compare):
        return
    if isinstance(part.right, ir.Const):
        subject, op, value = part.left, part.op, part.right.value
    elif isinstance(part.left, ir.Const):
        subject, op, value = part.right, CompareOp(part.op).flipped, part.left.value
    else:
        return
    key = _subject(subject)
    if key is None or value is None:
        return
    kind, members = _kind(subject)
    if op not in ("==", "!=") and kind not in INTEGER_KINDS and kind not in EXACT_KINDS:
        return  # strings and the like: only equality is understood
    _bound(out, key, kind, members).admit(CompareOp(op).negated if negated else op, value)


def _bound(out: Bounds, key, kind: str, members: tuple) -> Bound:
    bound = out.get(key)
    if bound is None:
        bound = out[key] = Bound(kind, members)
    return bound


def _subject(e: ir.Expr, presence: bool = False) -> tuple[str, str, str] | None:
    """The key of a fact's or decision's value (Unwrap reads the same value), or of its presence."""
    if presence:
        # Only an optional operand has a presence flag; for a required one `is present` is true.
        if isinstance(e, (ir.FactRef, ir.DecisionRef)) and e.type.optional:
            return ("present", type(e).__name__, e.name)
        return None
    while isinstance(e, ir.Unwrap):
        e = e.operand
    if isinstance(e, (ir.FactRef, ir.DecisionRef)):
        return ("value", type(e).__name__, e.name)
    return None


def _kind(e: ir.Expr) -> tuple[str, tuple]:
    typ = e.type.required()
    if typ.kind == "enum":
        return "enum", tuple(typ.members)
    if typ.kind == "bool":
        return "bool", (False, True)
    return typ.kind, ()
