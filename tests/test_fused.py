"""Deciding straight from wire facts (`CompiledPack.decide_wire`, checker/fused.py) gives exactly
what reading them first gives (`decide(read_facts(...))`): the same values and undetermined
reasons for good facts, each decision it computed computed alike (it computes one not asked for
only where a rule reads it); the same errors for bad ones."""

from __future__ import annotations

import functools
from pathlib import Path

import pytest
from hypothesis import assume, given, settings
from hypothesis import strategies as st
from ruleproof.checker import evaluate
from ruleproof.checker.evaluate import CompiledPack
from ruleproof.checker.fused import plan_function
from ruleproof.checker.pipeline import load_pack, load_texts
from ruleproof.checker.values import InvalidFacts, Unusual, read_facts

try:
    from tests import packgen
    from tests.test_read_facts import VALUES, good
except ImportError:  # pytest run without the repository root on sys.path
    import packgen
    from test_read_facts import VALUES, good

ROOT = Path(__file__).resolve().parent.parent


@functools.cache
def compiled() -> list[CompiledPack]:
    packs = [load_pack(ROOT / "policies" / "marketplace").pack, load_pack(ROOT / "tests" / "fixtures" / "collections").pack]
    packs += [load_texts(packgen.generate(seed).files).pack for seed in range(4)]
    assert all(packs)
    return [CompiledPack(pack) for pack in packs]


def questions(pack) -> list[list[str] | None]:
    """The lists of decisions asked: all, each one alone, and a few pairs."""
    order = list(pack.decision_order)
    return [None, *([n] for n in order), *([a, b] for a, b in zip(order[::7], order[3::7]))]


def same(ours, theirs) -> None:
    assert (ours.values, ours.undetermined) == (theirs.values, theirs.undetermined)
    assert {k: type(v) for k, v in ours.values.items()} == {k: type(v) for k, v in theirs.values.items()}
    assert set(theirs.values) <= set(ours.computed)
    assert {k: (v, type(v)) for k, v in ours.computed.items()} == {k: (theirs.computed[k], type(theirs.computed[k]))
                                                                   for k in ours.computed}


@settings(max_examples=300, deadline=None, derandomize=True, database=None)
@given(data=st.data())
def test_deciding_from_wire_facts_equals_reading_them_first(data):
    pack_compiled = data.draw(st.sampled_from(compiled()))
    pack = pack_compiled.pack
    names = data.draw(st.sampled_from(questions(pack)))
    chosen = data.draw(st.lists(st.sampled_from(sorted(pack.facts) * 6 + ["not_a_fact"]), max_size=12, unique=True))
    bad = data.draw(st.integers(0, 3)) == 0  # one case in four may hold wrong values
    raw = {name: data.draw(st.one_of(good(pack.facts[name]), VALUES) if bad else good(pack.facts[name]))
           if name in pack.facts else data.draw(VALUES) for name in chosen}
    agrees_with_read_facts(pack_compiled, raw, names)


def agrees_with_read_facts(pack_compiled, raw, names) -> None:
    """decide_wire on `raw` gives what read_facts + decide give: the same outcome, or the same errors
    (compared with the plan deciding every dependency: whatever the wire function computed, it
    computed the same)."""
    try:
        expected = pack_compiled.decide(read_facts(pack_compiled.pack, raw), names, complete=True)
    except InvalidFacts as err:
        with pytest.raises(InvalidFacts) as got:
            pack_compiled.decide_wire(raw, names)
        assert got.value.errors == err.errors
        return
    same(pack_compiled.decide_wire(raw, names), expected)


@settings(max_examples=300, deadline=None, derandomize=True, database=None)
@given(data=st.data())
def test_lazy_plans_decide_as_complete_ones_and_traces_do_not_change(data):
    """From IR facts, a plan deciding an upstream decision only where a rule reads it gives the
    values and reasons of the plan deciding every dependency in order, computes a subset of
    it (the same values), and says it is not complete exactly when it left one out; a trace
    of the lazy outcome is the trace of the complete one."""
    pack_compiled = data.draw(st.sampled_from(compiled()))
    pack = pack_compiled.pack
    names = data.draw(st.sampled_from(questions(pack)))
    chosen = data.draw(st.lists(st.sampled_from(sorted(pack.facts)), max_size=12, unique=True))
    try:
        facts = read_facts(pack, {name: data.draw(good(pack.facts[name])) for name in chosen})
    except InvalidFacts:  # `good` values of the type may still miss a fact's range
        assume(False)
    lazy = pack_compiled.decide(facts, names)
    full = pack_compiled.decide(facts, names, complete=True)
    same(lazy, full)
    assert full.complete
    needed = set(pack_compiled.needed(names))
    if lazy.complete:
        assert lazy.computed == full.computed
    assert set(full.computed) <= needed
    assert pack_compiled.explain(facts, lazy) == pack_compiled.explain(facts, full)


@settings(max_examples=300, deadline=None, derandomize=True, database=None)
@given(data=st.data())
def test_functions_specialised_to_the_keys_sent_decide_alike(data):
    """The function made for wire facts objects with given keys (checker/specialize.py: what
    the facts not sent settle, folded) decides every such object, good values or bad, as
    reading it first does; keys naming no fact get no such function."""
    pack_compiled = data.draw(st.sampled_from(compiled()))
    pack = pack_compiled.pack
    names = data.draw(st.sampled_from(questions(pack)))
    sent = tuple(data.draw(st.lists(st.sampled_from(sorted(pack.facts) * 6 + ["not_a_fact"]), max_size=12, unique=True)))
    order, _, wanted = pack_compiled._plan(names)
    run = plan_function(pack_compiled, order, wanted, wire=True, sent=sent)
    if "not_a_fact" in sent or plan_function(pack_compiled, order, wanted, wire=True) is None:
        assert run is None
        return
    for _ in range(3):
        bad = data.draw(st.integers(0, 3)) == 0
        raw = {name: data.draw(st.one_of(good(pack.facts[name]), VALUES) if bad else good(pack.facts[name]))
               for name in sent}
        try:
            expected = pack_compiled.decide(read_facts(pack, raw), names)
        except InvalidFacts:
            with pytest.raises(Unusual):
                run(raw)
            continue
        try:
            ours = run(raw)
        except Unusual:  # taken the checked way by decide_wire: read_facts, as above
            continue
        same(ours, expected)


def test_good_wire_facts_are_decided_without_reading_them_first(monkeypatch):
    """The fused function takes well-formed facts itself: read_facts is never called."""
    from bench.peers.cases import completed, generate

    marketplace = compiled()[0]
    cases = [case.facts for case in generate(200)]
    cases += [completed(marketplace.pack, facts) for facts in cases[:20]]
    expected = {(i, names and names[0]): marketplace.decide(read_facts(marketplace.pack, facts), names)
                for i, facts in enumerate(cases) for names in (["refund_request_allowed"], None)}

    def refuse(*args, **kwargs):
        raise AssertionError("read_facts was called")

    monkeypatch.setattr(evaluate, "read_facts", refuse)
    for (i, name), outcome in expected.items():
        same(marketplace.decide_wire(cases[i], [name] if name else None), outcome)


@pytest.mark.parametrize("raw", [[], "x", {"today": "2026-02-30"}, {"today": 739000}, {"today": True},
                                 {"promised_delivery_days": 3.0}, {"order_kind": "nope"}, {"not_a_fact": 1},
                                 {"buyer_confirmed_on": None, "shipped_on": None}, {"today": "2026-03-02", "placed_on": 5}])
def test_unusual_values_go_the_checked_way(raw):
    """Not an object, a bad date, a number for a date, a whole float, an unknown member or
    name, explicit nulls, a bad value of a fact the question does not read: the same
    outcome or the same errors as read_facts."""
    agrees_with_read_facts(compiled()[0], raw, ["refund_request_allowed"])


def test_the_refund_question_from_ir_facts_decides_only_what_its_rules_read():
    """On an order placed and not yet paid: the answer reads when refunds open, not the order's
    closure and the decisions behind it, which the complete plan decides (11 in all)."""
    pack_compiled = compiled()[0]
    facts = read_facts(pack_compiled.pack, {"placed_on": "2025-01-12", "today": "2025-02-02"})
    lazy = pack_compiled.decide(facts, ["refund_request_allowed"])
    full = pack_compiled.decide(facts, ["refund_request_allowed"], complete=True)
    assert not lazy.complete and full.complete
    assert "order_is_closed" in full.computed and "order_is_closed" not in lazy.computed
    assert lazy.values == full.values and lazy.undetermined == full.undetermined


def test_a_large_decision_asked_alone_reads_the_decisions_it_depends_on():
    """A decision of more than evaluate.LARGE rules runs its own function, which reads the
    decisions it depends on from D: a plan asking for it alone decides them first (none is
    left to be decided where read), from IR facts and from wire facts."""
    rows = "\n".join(f"rule r{i}: when x == {i} and base then big = {i}" for i in range(evaluate.LARGE + 44))
    text = (f'pack t version "1"\nfact x: int\nfact y: int\ndecision base: bool default false\n'
            f"rule b1: when y > 3 then base = true\ndecision big: int\n{rows}\n")
    pack_compiled = CompiledPack(load_texts({"t.rules": text}).pack)
    facts = {"x": 5, "y": 9}
    assert pack_compiled.decide(read_facts(pack_compiled.pack, facts), ["big"]).values == {"big": 5}
    assert pack_compiled.decide_wire(facts, ["big"]).values == {"big": 5}
    assert pack_compiled.decide(read_facts(pack_compiled.pack, {"x": 5, "y": 1}), ["big"]).values == {}
