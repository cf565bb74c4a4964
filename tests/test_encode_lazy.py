"""The encoder builds a decision's terms on first use (checker/encode.py): what it builds is
the same whatever order decisions are asked for in, it builds only what was asked for (and
what that reads), and a long chain of decisions does not exhaust Python's stack."""

from __future__ import annotations

import sys
from pathlib import Path

import z3
from ruleproof.checker import ir
from ruleproof.checker.encode import Encoder
from ruleproof.checker.pipeline import load_texts

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "bench"))

import checkgen  # noqa: E402


def _pack(rules: int = 100) -> ir.Pack:
    loaded = load_texts(checkgen.generate(rules).files)
    assert loaded.ok
    return loaded.pack


def _closure(pack: ir.Pack, name: str) -> set[str]:
    seen, stack = set(), [name]
    while stack:
        current = stack.pop()
        if current not in seen:
            seen.add(current)
            stack.extend(d for d in ir.decision_reads(pack.decisions[current])[1] if d in pack.decisions)
    return seen


def test_only_what_is_asked_for_is_encoded() -> None:
    pack = _pack()
    enc = Encoder(pack)
    assumed = set(enc.decisions._done)  # the assumptions may read decisions
    name = next(n for n in reversed(pack.decision_order) if ir.decision_reads(pack.decisions[n])[1])
    rule = pack.decisions[name].rules[0]
    enc.fires[(name, rule.name)]  # a rule's condition: what it reads, not its decision
    reads = set().union(*(_closure(pack, d) for d in ir.references(rule.condition)[1]))
    assert set(enc.decisions._done) - assumed == reads - assumed
    enc.wins[(name, rule.name)]
    assert set(enc.decisions._done) - assumed == _closure(pack, name) - assumed
    assert len(enc.decisions._done) < len(pack.decisions)


def test_terms_do_not_depend_on_the_order_of_questions() -> None:
    pack = _pack()
    forward, backward = Encoder(pack), Encoder(pack)
    for name in reversed(pack.decision_order):
        backward.decisions[name]
    for name in pack.decision_order:
        a, b = forward.decisions[name], backward.decisions[name]
        assert _same(a.value, b.value) and a.defined.eq(b.defined)
        assert (a.why is None and b.why is None) or a.why.eq(b.why)
    assert list(forward.fires) == list(backward.fires) == [(r.decision, r.name) for r in pack.rules()]
    for key in forward.fires:
        assert forward.fires[key].eq(backward.fires[key]) and forward.wins[key].eq(backward.wins[key])
        assert _same(forward.values[key], backward.values[key])
    assert len(forward.decisions) == len(pack.decisions) and set(forward.decisions) == set(pack.decisions)


def _same(x, y) -> bool:
    if isinstance(x, tuple):
        return all(a.eq(b) for a, b in zip(x, y))
    return x.eq(y)


def test_unknown_names_raise_key_error() -> None:
    enc = Encoder(_pack(10))
    for mapping, key in ((enc.decisions, "nope"), (enc.fires, ("nope", "r")), (enc.wins, ("deposit_d0", "nope"))):
        try:
            mapping[key]
        except KeyError:
            continue
        raise AssertionError(f"{key} found")
    assert ("deposit_d0", "deposit_d0_new") in enc.values and ("deposit_d0", "nope") not in enc.values


def test_a_long_chain_of_decisions_is_encoded_without_recursion() -> None:
    length = 300
    lines = ['pack chain version "1"', "fact start: date", "decision d0: date = start + 1 days"]
    lines += [f"decision d{i}: date = d{i - 1} + 1 days" for i in range(1, length)]
    loaded = load_texts({"chain.rules": "\n".join(lines) + "\n"})
    assert loaded.ok, [d.message for d in loaded.diagnostics][:3]
    enc = Encoder(loaded.pack)
    last = enc.decisions[f"d{length - 1}"]
    solver = z3.Solver()
    solver.add(enc.facts["start"].value == 700_000, last.value != 700_000 + length)
    assert solver.check() == z3.unsat
