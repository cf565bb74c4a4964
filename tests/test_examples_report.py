"""`ruleproof test`'s per-example report (checker/examples.py), which `--format json` prints and
POST /v1/test answers: each example's expected against actual, and coverage that agrees with
the traces `decide --explain` gives."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

from ruleproof.checker.evaluate import CompiledPack
from ruleproof.checker.examples import _example_facts, _winning_rules, examples_json, run_examples
from ruleproof.checker.pipeline import load_pack, load_texts

REPO = Path(__file__).resolve().parent.parent
MARKETPLACE = REPO / "policies" / "marketplace"


def test_the_rules_an_example_covers_are_those_its_trace_says_fired() -> None:
    pack = load_pack(MARKETPLACE).pack
    compiled = CompiledPack(pack)
    for example in pack.examples[::3]:  # every third of the 224: traces are slow to build
        facts = _example_facts(pack, example.given)
        outcome = compiled.decide(facts)
        traced = {(entry["decision"], rule["rule"]) for entry in compiled.explain(facts, outcome)
                  for rule in entry["rules"] if rule["status"] == "fired"}
        assert _winning_rules(compiled, facts, outcome) == traced, example.title


BAND = (
    'pack p version "1"\nfact n: int\ndecision band: string default "low" cite "c"\n'
    'rule high cite "c": when n >= 10 then band = "high"\n'
    'rule mid cite "c": when n >= 5 and n < 10 then band = "mid"\n'
    'example "ten is high" cite "E1":\n  given n = 10\n  expect band = "high"\n'
    'example "seven is high" cite "E2":\n  given n = 7\n  expect band = "high"\n'
)


def test_each_example_reports_expected_against_actual() -> None:
    pack = load_texts({"p.rules": BAND}).pack
    body = examples_json(pack, run_examples(CompiledPack(pack)))
    ten, seven = body["results"]
    assert (ten["passed"], ten["covers"], ten["at"]) == (True, ["high"], "p.rules:6:1")
    assert seven["passed"] is False and seven["covers"] == ["mid"]
    (wrong,) = seven["expectations"]
    assert (wrong["expected"], wrong["actual"], wrong["passed"]) == ("high", "mid", False)
    assert wrong["message"] == "expected `band` = high, got mid"
    assert (body["examples"], body["passed"], body["rules"], body["coverage"]) == (2, 1, 2, 1.0)
    assert [d["code"] for d in body["failed"]] == ["E501"]


def test_the_test_command_prints_the_same_report(tmp_path) -> None:
    (tmp_path / "p.rules").write_text(BAND)
    run = subprocess.run([sys.executable, "-m", "ruleproof", "test", "p.rules", "--format", "json"],
                         capture_output=True, text=True, cwd=tmp_path)
    assert run.returncode == 1, run.stderr  # the second example fails
    pack = load_texts({"p.rules": BAND}).pack
    assert json.loads(run.stdout) == json.loads(json.dumps(examples_json(pack, run_examples(CompiledPack(pack))), default=str))
