"""Decisions specialised to the facts a case sends: what the absent facts make constant, folded.

Cases of one kind send the same facts (a client sends the same keys request after request), so
many conditions are settled before any value is read: an optional fact not sent is absent, a
defaulted one holds its default. `specialize(compiled, order, sent)` folds every decision of
`order` with that knowledge: `x is present` of an absent fact is false, an `and` that starts
false is false, a rule whose condition folds to false is dropped (a rule that cannot fire
neither wins nor beats another: see semantics.selection), a node whose operands are all
constant is computed, and a decision left with constant rules only is decided at once (by the
evaluator's own compiled code) and read as a constant downstream.

Folding keeps the evaluator's meaning exactly: a node is computed by compiling it with
`ExprCompiler` and running that code, the way the plan's function would; nothing that could
raise (a missing fact, a division by zero, a conflict, a gap) is folded, and operands that are
evaluated before a constant that settles an `and`/`or` stay, so their errors surface in the
same order. Only values whose Python type the generated code would give as well are made
constants (bool, int, str, None): a whole Fraction would be written as an int.
"""

from __future__ import annotations

from dataclasses import replace

from ruleproof.checker import ir
from ruleproof.checker.evaluate import constant_value
from ruleproof.checker.semantics.operators import Connective

CONSTANT_TYPES = (bool, int, str, type(None))  # values folding writes as literals of the same type


def fact_constants(pack: ir.Pack, facts: list[str], sent: frozenset[str]) -> dict[str, object]:
    """The facts of `facts` that `sent` makes constant: absent optional ones (None) and
    defaulted ones not sent (their default), where the default is of a constant type."""
    known: dict[str, object] = {}
    for name in facts:
        fact = pack.facts[name]
        if name in sent:
            continue
        if fact.has_default:
            if type(fact.default) in CONSTANT_TYPES:
                known[name] = fact.default
        elif fact.type.optional:
            known[name] = None
    return known


class Folder:
    """Folds expressions of one pack given constant facts and decisions (see the module)."""

    def __init__(self, compiled, facts: dict[str, object], sent: frozenset[str]):
        self.namespace = compiled._namespace
        self.pack = compiled.pack
        self.facts = facts
        self.sent = sent
        self.decisions: dict[str, object] = {}

    def decision(self, d: ir.Decision) -> ir.Decision:
        """`d` folded; its value is added to `self.decisions` when it folds to a constant."""
        rules = []
        for rule in d.rules:
            condition = self.fold(rule.condition)
            if isinstance(condition, ir.Const) and condition.value is False:
                continue
            rules.append(replace(rule, condition=condition, value=self.fold(rule.value)))
        default = None if d.default is None else self.fold(d.default)
        folded = replace(d, rules=tuple(rules), default=default)
        parts = [default, *(p for rule in rules for p in (rule.condition, rule.value))]
        if all(p is None or isinstance(p, ir.Const) for p in parts):
            found, value = self._run(folded)
            if found:
                self.decisions[d.name] = value
        return folded

    def _run(self, d: ir.Decision) -> tuple[bool, object]:
        """Decide `d`, whose parts are all constant, with the evaluator's code for it."""
        try:
            value = constant_value(d, self.namespace)
        except Exception:  # noqa: BLE001 - undetermined (a conflict, a gap, ...): decided per case instead
            return False, None
        return type(value) in CONSTANT_TYPES, value

    def fold(self, e: ir.Expr) -> ir.Expr:
        """`e` with what the constants settle folded (see the module)."""
        if isinstance(e, ir.FactRef):
            return ir.Const(self.facts[e.name], e.type, span=e.span) if e.name in self.facts else e
        if isinstance(e, ir.DecisionRef):
            return ir.Const(self.decisions[e.name], e.type, span=e.span) if e.name in self.decisions else e
        if isinstance(e, (ir.Const, ir.Item, ir.Aggregate)):
            return e  # an aggregate's parts read the record at hand: left as they are
        if isinstance(e, ir.BoolOp):
            return self._connective(e)
        if isinstance(e, ir.Ite):
            cond = self.fold(e.cond)
            if isinstance(cond, ir.Const) and type(cond.value) is bool:
                return self.fold(e.then if cond.value else e.otherwise)
            return replace(e, cond=cond, then=self.fold(e.then), otherwise=self.fold(e.otherwise))
        if isinstance(e, ir.IsPresent):
            operand = self.fold(e.operand)
            if isinstance(operand, ir.Const):
                return ir.Const(operand.value is not None, e.type, span=e.span)
            if isinstance(operand, ir.FactRef) and operand.name in self.sent and not self.pack.facts[operand.name].type.optional:
                return ir.Const(True, e.type, span=e.span)  # a required fact sent is never null (the reader refuses it)
            return replace(e, operand=operand)
        folded = _with_children(e, [self.fold(c) for c in ir.children(e)])
        if all(isinstance(c, ir.Const) and c.value is not None for c in ir.children(folded)):
            return self._computed(folded)
        return folded

    def _connective(self, e: ir.BoolOp) -> ir.Expr:
        """An `and`/`or` folded: constants that do not settle it dropped; one that settles it
        ends it (and is all of it when nothing before it is evaluated)."""
        settles = Connective(e.op) is Connective.OR  # the operand value that settles it
        kept: list[ir.Expr] = []
        for operand in e.operands:
            folded = self.fold(operand)
            if isinstance(folded, ir.Const) and type(folded.value) is bool:
                if folded.value is not settles:
                    continue
                if all(self._cannot_raise(k) for k in kept):
                    return ir.Const(settles, e.type, span=e.span)
                kept.append(folded)
                break
            kept.append(folded)
        if not kept:
            return ir.Const(not settles, e.type, span=e.span)
        return kept[0] if len(kept) == 1 else replace(e, operands=tuple(kept))

    def _cannot_raise(self, e: ir.Expr) -> bool:
        """Whether evaluating `e` surely raises nothing (so it may be left out): constants and
        presence tests of facts bound on every path, and `not`/`and`/`or` of those."""
        if isinstance(e, ir.Const):
            return True
        if isinstance(e, ir.IsPresent) and isinstance(e.operand, ir.FactRef):
            fact = self.pack.facts[e.operand.name]
            return fact.type.optional or fact.has_default or fact.name in self.sent
        if isinstance(e, ir.Not):
            return self._cannot_raise(e.operand)
        return isinstance(e, ir.BoolOp) and all(self._cannot_raise(o) for o in e.operands)

    def _computed(self, e: ir.Expr) -> ir.Expr:
        """`e` (constant operands) computed by the evaluator's code for it, or `e` itself when
        that raises or gives a value of another type than a literal would."""
        try:
            value = constant_value(e, self.namespace)
        except Exception:  # noqa: BLE001 - e.g. a division by zero: left to be raised per case
            return e
        return ir.Const(value, e.type, span=e.span) if type(value) in CONSTANT_TYPES else e


def _with_children(e: ir.Expr, kids: list[ir.Expr]) -> ir.Expr:
    """`e` with its direct sub-expressions (in `ir.children`'s order) replaced by `kids`."""
    if isinstance(e, (ir.Unwrap, ir.Not)):
        return replace(e, operand=kids[0])
    if isinstance(e, ir.Arith):
        return replace(e, operands=tuple(kids))
    if isinstance(e, ir.Compare):
        return replace(e, left=kids[0], right=kids[1])
    if isinstance(e, ir.InSet):
        return replace(e, element=kids[0], set=kids[1])
    if isinstance(e, ir.SetOf):
        return replace(e, items=tuple(kids))
    if isinstance(e, (ir.AddWorkingDays, ir.MonthlyPeriod)):
        return replace(e, date=kids[0])
    if isinstance(e, ir.AddMonths):
        return replace(e, point=kids[0])
    raise TypeError(f"no children to replace in {type(e).__name__}")


def specialize(compiled, order: list[str], facts: list[str], sent: frozenset[str]) -> tuple[dict, dict]:
    """The decisions of `order` folded for cases sending exactly the facts `sent` (of the plan's
    `facts`), and the values of those that folded to a constant."""
    folder = Folder(compiled, fact_constants(compiled.pack, facts, sent), sent)
    decisions = {name: folder.decision(compiled.pack.decisions[name]) for name in order}
    return decisions, folder.decisions
