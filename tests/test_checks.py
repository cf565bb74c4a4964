"""Every check has a fixture that triggers it and a near-identical one that does not
(tests/checks/*.trigger.rules / *.clean.rules, expectations in their first line), and every
counterexample a finding carries is replayed in the evaluator and shows the defect."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from ruleproof.checker import ir
from ruleproof.checker.checks import run_checks
from ruleproof.checker.evaluate import CompiledPack
from ruleproof.checker.pipeline import load_pack
from ruleproof.checker.semantics.outcomes import Cause
from ruleproof.checker.values import read_facts

FIXTURES = sorted((Path(__file__).parent / "checks").glob("*.rules"))


def _expectations(path: Path) -> tuple[set[tuple[str, frozenset]], set[tuple[str, frozenset]]]:
    """(open, accepted) findings the fixture's first line promises: `CODE on a, b; accepted CODE on c`."""
    header = path.read_text().splitlines()[0]
    body = re.match(r"# expect: (.*)", header).group(1).strip()
    open_, accepted = set(), set()
    if body == "none":
        return open_, accepted
    for item in body.split(";"):
        words = item.strip()
        target = accepted if words.startswith("accepted ") else open_
        words = words.removeprefix("accepted ")
        code, _, names = words.partition(" on ")
        target.add((code.strip(), frozenset(n.strip() for n in names.split(",") if n.strip())))
    return open_, accepted


def _findings(path: Path):
    loaded = load_pack(path)
    assert loaded.ok, [d.message for d in loaded.diagnostics]
    return loaded.pack, run_checks(loaded.pack, timeout_ms=5_000).findings


@pytest.mark.parametrize("path", FIXTURES, ids=lambda p: p.stem)
def test_fixture_findings(path: Path) -> None:
    expected_open, expected_accepted = _expectations(path)
    _, findings = _findings(path)
    for accepted, expected in ((False, expected_open), (True, expected_accepted)):
        got = [f for f in findings if (f.accepted is not None) == accepted]
        assert sorted(f.code for f in got) == sorted(code for code, _ in expected), [f.message for f in got]
        for code, names in expected:
            assert any(f.code == code and names <= set(f.involved) for f in got), (code, names)


def test_every_check_code_has_a_triggering_fixture() -> None:
    triggered = {code for p in FIXTURES if p.name.endswith(".trigger.rules") for code, _ in _expectations(p)[0]}
    check_codes = {"E601", "E602", "E603", "W604", "W605", "W606", "E607", "W608", "E609", "E610", "E611", "W612", "E614"}
    assert check_codes <= triggered


@pytest.mark.parametrize("path", [p for p in FIXTURES if "trigger" in p.name], ids=lambda p: p.stem)
def test_counterexamples_replay_in_the_evaluator(path: Path) -> None:
    pack, findings = _findings(path)
    compiled = CompiledPack(pack)
    for finding in findings:
        case = finding.counterexample.case if finding.counterexample else None
        if case is None:
            continue
        facts = read_facts(pack, case)
        outcome = compiled.decide(facts)
        assert shows_defect(pack, compiled, finding, facts, outcome), (finding.code, finding.message, case)


def shows_defect(pack: ir.Pack, compiled: CompiledPack, finding, facts, outcome) -> bool:
    """Whether the evaluator, on the finding's case, exhibits the defect the finding names."""
    involved = finding.involved
    code = finding.code
    if code in ("E602", "E611"):
        decision = involved[-1]
        info = outcome.undetermined.get(decision, {})
        return info.get("reason", "").startswith("conflict") and set(involved[:2]) <= set(info.get("rules", []))
    if code == "E603":
        return outcome.undetermined.get(involved[0], {}).get("reason", "").startswith("gap")
    if code == "W606":
        window = pack.windows[involved[0]]
        return compiled.evaluate(window.exists, facts, outcome) and (
            compiled.evaluate(window.low, facts, outcome) > compiled.evaluate(window.high, facts, outcome))
    if code in ("E607", "E609"):
        prop = next(p for p in pack.properties if p.name == involved[0])
        value = compiled.evaluate(prop.condition, facts, outcome)
        return value is False if prop.kind == "always" else value is True
    if code == "W608":
        a, b, decision = involved
        statuses = _statuses(compiled, facts, outcome, decision)
        both = statuses[a] == statuses[b] == "fired"
        neither = statuses[a] == statuses[b] == "not fired"
        return both if "both" in finding.message else neither
    if code == "W612":
        table, decision = involved
        statuses = _statuses(compiled, facts, outcome, decision)
        return all(s == "not fired" for name, s in statuses.items() if name.startswith(table + "["))
    if code == "W615":
        (decision,) = involved
        statuses = _statuses(compiled, facts, outcome, decision)
        return (outcome.undetermined.get(decision, {}).get("cause") == Cause.NO_VALUE
                and all(s == "not fired" for s in statuses.values()))
    raise AssertionError(f"no replay rule for {code}")


def _statuses(compiled: CompiledPack, facts, outcome, decision: str) -> dict[str, str]:
    for entry in compiled.explain(facts, outcome):
        if entry["decision"] == decision:
            return {r["rule"]: r["status"] for r in entry["rules"]}
    raise AssertionError(f"{decision} not in the trace")
