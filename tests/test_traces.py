"""Explanations never contradict the value they explain.

Over the marketplace's decided cases (shared/marketplace/examples.jsonl) and the facts of the
pack's own examples: every decision asked alone gives the same answer and the same trace as
when all are asked; and in every trace, `fired` rules are exactly the ones whose conclusion is
the value, `used_default` is true exactly when no rule was selected and the default gave the
value, and each "why not" names a part of the condition that is not true on the case.
"""

from __future__ import annotations

import functools
import json

import pytest
from ruleproof.checker.evaluate import CompiledPack
from ruleproof.checker.examples import _example_facts
from ruleproof.checker.explain import conjuncts
from ruleproof.checker.pipeline import load_pack
from ruleproof.checker.semantics.outcomes import Cause, Undetermined
from ruleproof.checker.values import read_facts
from shared_data import REPO, marketplace_file


@functools.cache
def compiled() -> CompiledPack:
    result = load_pack(str(REPO / "policies" / "marketplace"))
    assert result.ok
    return CompiledPack(result.pack)


def cases() -> list[tuple[str, dict]]:
    pack = compiled().pack
    out = []
    for line in marketplace_file("examples.jsonl").read_text().splitlines():
        if line.strip():
            case = json.loads(line)
            out.append((case["id"], read_facts(pack, case["facts"])))
    out += [(f"example {e.title}", _example_facts(pack, e.given)) for e in pack.examples]
    return out


CASES = cases()


@pytest.mark.parametrize("label,facts", CASES, ids=[label for label, _ in CASES])
def test_asked_alone_equals_the_full_answer(label, facts):
    c = compiled()
    full = c.decide(facts)
    full_trace = {entry["decision"]: entry for entry in c.explain(facts, full)}
    for name in c.pack.decision_order:
        alone = c.decide(facts, [name])
        assert alone.values.get(name) == full.values.get(name), name
        assert alone.undetermined.get(name) == full.undetermined.get(name), name
        (entry,) = c.explain(facts, alone)
        assert entry == full_trace[name], name


@pytest.mark.parametrize("label,facts", CASES, ids=[label for label, _ in CASES])
def test_every_trace_is_consistent_with_its_value(label, facts):
    c = compiled()
    outcome = c.decide(facts)
    for entry in c.explain(facts, outcome):
        name = entry["decision"]
        d = c.pack.decisions[name]
        rules = {r.name: r for r in d.rules}
        fired = [rules[e["rule"]] for e in entry["rules"] if e["status"] == "fired"]
        has_value = name in outcome.values
        assert entry["used_default"] == (has_value and not fired and d.default is not None), (name, entry)
        if has_value and d.hit != "collect":
            if fired:
                assert all(c.evaluate(r.value, facts, outcome) == outcome.values[name] for r in fired), (name, entry)
            else:
                assert d.default is not None and c.evaluate(d.default, facts, outcome) == outcome.values[name], (name, entry)
        if not has_value and outcome.undetermined[name]["cause"] == Cause.NO_VALUE:
            assert not fired and d.default is None, (name, entry)
        for e in entry["rules"]:
            if e["status"] != "not fired":
                continue
            rule = rules[e["rule"]]
            parts = [p for p in conjuncts(rule.condition) if p.span is not None and str(p.span) == e["why_not"]["at"]]
            assert parts, (name, e)
            try:
                truth = c.evaluate(parts[0], facts, outcome)
            except (KeyError, Undetermined):
                truth = None
            assert truth is not True, (name, e)


def test_the_reported_contradiction_is_gone():
    """The case of the issue: `refund_request_allowed` asked alone is true and its trace says
    which rule decided it."""
    c = compiled()
    facts = read_facts(c.pack, {"shipped_on": "2025-06-13", "promised_delivery_days": 12,
                                "platform_default_delivery_days": 15, "today": "2025-06-25"})
    outcome = c.decide(facts, ["refund_request_allowed"])
    (entry,) = c.explain(facts, outcome)
    assert outcome.values["refund_request_allowed"] is True
    assert not entry["used_default"] and [e["status"] for e in entry["rules"]].count("fired") >= 1
