"""Pruning (checker/overlap.py) never prunes a pair of conditions that can hold together:
whenever `may_overlap(a, b)` says no, Z3 proves a ∧ b unsatisfiable in the encoding (with the
facts' domains). Checked on random conjunctions of the atoms pruning understands (and some it
does not), over every kind of subject it reasons about."""

from __future__ import annotations

import datetime as dt
from fractions import Fraction

import z3
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from ruleproof.checker import ir
from ruleproof.checker import types as T
from ruleproof.checker.encode import Encoder
from ruleproof.checker.overlap import bounds, disjoint, may_overlap

MEMBERS = ("standard", "express", "bulk")
KIND = T.enum("kind", MEMBERS)
DAYS = T.duration("days")
USD = T.money("USD")
FACTS = {
    "score": T.INT,
    "promised": DAYS,
    "shipped_on": T.DATE.maybe(),
    "amount": USD,
    "share": T.RATE,
    "kind": KIND,
    "flagged": T.BOOL,
    "category": T.STRING,
}
DAY0 = dt.date(2026, 3, 2).toordinal()
VALUES = {
    "score": st.integers(-3, 6),
    "promised": st.integers(-2, 12),
    "shipped_on": st.integers(DAY0 - 3, DAY0 + 3),
    "amount": st.sampled_from([Fraction(0), Fraction(1, 100), Fraction(99, 100), Fraction(1), Fraction(5, 2), Fraction(100)]),
    "share": st.sampled_from([Fraction(0), Fraction(1, 20), Fraction(1, 10), Fraction(1, 4)]),
    "kind": st.sampled_from(MEMBERS),
    "category": st.sampled_from(["books", "phones", "garden"]),
}
ORDERED = ("score", "promised", "shipped_on", "amount", "share")


def _ref(name: str, unwrap: bool = True) -> ir.Expr:
    typ = FACTS[name]
    ref = ir.FactRef(name, typ, span=None)
    if typ.optional and unwrap:
        return ir.Unwrap(ref, typ.required(), span=None)
    return ref


def _const(name: str, value) -> ir.Const:
    return ir.Const(value, FACTS[name].required(), span=None)


@st.composite
def atoms(draw) -> ir.Expr:
    choice = draw(st.sampled_from(["compare", "compare", "compare", "in", "present", "flag", "string", "opaque"]))
    if choice == "compare":
        name = draw(st.sampled_from(ORDERED + ("kind",)))
        ops = ("<", "<=", "==", "!=", ">", ">=") if name != "kind" else ("==", "!=")
        op = draw(st.sampled_from(ops))
        left, right = _ref(name), _const(name, draw(VALUES[name]))
        if draw(st.booleans()):
            left, right = right, left
        atom: ir.Expr = ir.Compare(op, left, right, T.BOOL, span=None)
    elif choice == "in":
        name = draw(st.sampled_from(["kind", "score", "promised"]))
        values = frozenset(draw(st.lists(VALUES[name], max_size=3)))
        atom = ir.InSet(_ref(name), ir.Const(values, T.set_of(FACTS[name]), span=None), T.BOOL, span=None)
    elif choice == "present":
        atom = ir.IsPresent(_ref("shipped_on", unwrap=False), T.BOOL, span=None)
    elif choice == "flag":
        atom = _ref("flagged")
    elif choice == "string":
        op = draw(st.sampled_from(["==", "!="]))
        atom = ir.Compare(op, _ref("category"), _const("category", draw(VALUES["category"])), T.BOOL, span=None)
    else:  # something pruning does not understand: a comparison of two facts
        atom = ir.Compare("<", _ref("score"), _ref("promised"), T.BOOL, span=None)
    if draw(st.integers(0, 3)) == 0:
        atom = ir.Not(atom, T.BOOL, span=None)
    return atom


@st.composite
def conditions(draw) -> ir.Expr:
    parts = draw(st.lists(atoms(), min_size=1, max_size=4))
    if len(parts) == 1:
        return parts[0]
    if len(parts) > 2 and draw(st.booleans()):  # nested conjunctions count too
        return ir.BoolOp("and", (parts[0], ir.BoolOp("and", tuple(parts[1:]), T.BOOL, span=None)), T.BOOL, span=None)
    return ir.BoolOp("and", tuple(parts), T.BOOL, span=None)


def _encoder() -> Encoder:
    facts = {name: ir.Fact(name, typ, span=None) for name, typ in FACTS.items()}
    pack = ir.Pack("prune", "1", facts, {}, {}, (), (), (), (), frozenset(), (), span=None)
    return Encoder(pack)


ENCODER = _encoder()
SOLVER = z3.Solver()
SOLVER.add(*ENCODER.domain)


def _satisfiable(*conditions: ir.Expr) -> bool:
    SOLVER.push()
    try:
        SOLVER.add(*[ENCODER.condition(c) for c in conditions])
        result = SOLVER.check()
        assert result != z3.unknown
        return result == z3.sat
    finally:
        SOLVER.pop()


@settings(max_examples=400, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(conditions(), conditions())
def test_pruned_pairs_cannot_overlap(a: ir.Expr, b: ir.Expr) -> None:
    if not may_overlap(a, b):
        assert not _satisfiable(a, b), (a, b)


@settings(max_examples=200, deadline=None)
@given(conditions())
def test_a_condition_pruned_against_itself_is_unsatisfiable(a: ir.Expr) -> None:
    if disjoint(bounds(a), bounds(a)):
        assert not _satisfiable(a)


def _cmp(op: str, name: str, value) -> ir.Compare:
    return ir.Compare(op, _ref(name), _const(name, value), T.BOOL, span=None)


def test_pruning_sees_what_the_checks_need() -> None:
    """The cases the generated packs and the marketplace rely on are pruned."""
    absent = ir.Not(ir.IsPresent(_ref("shipped_on", unwrap=False), T.BOOL, span=None), T.BOOL, span=None)
    present = ir.IsPresent(_ref("shipped_on", unwrap=False), T.BOOL, span=None)
    pairs = [
        (_cmp(">=", "promised", 10), _cmp("<", "promised", 10)),  # integer thresholds
        (_cmp(">", "score", 4), _cmp("<=", "score", 4)),
        (_cmp("<", "amount", Fraction(200)), _cmp(">=", "amount", Fraction(200))),  # money
        (_cmp("==", "kind", "express"), _cmp("!=", "kind", "express")),  # enums
        (ir.InSet(_ref("kind"), ir.Const(frozenset({"standard", "bulk"}), T.set_of(KIND), span=None), T.BOOL, span=None),
         _cmp("==", "kind", "express")),
        (present, absent),  # presence
        (_ref("flagged"), ir.Not(_ref("flagged"), T.BOOL, span=None)),  # booleans
        (_cmp("==", "score", 5), _cmp(">", "score", 7)),  # a pinned value outside an interval
    ]
    for a, b in pairs:
        assert not may_overlap(a, b), (a, b)
        assert not _satisfiable(a, b)
    # and what can overlap is kept
    assert may_overlap(_cmp(">=", "promised", 10), _cmp("<=", "promised", 10))
    assert may_overlap(_cmp("<", "amount", Fraction(200)), _cmp(">", "amount", Fraction(19999, 100)))
