"""The cross-article properties of the marketplace pack (issue 16, policies/marketplace/cross_articles.rules).

* On the pack as it was before issue 16 (tests/fixtures/marketplace_before_16/, with the properties
  module added), `ruleproof check` reports every one of these properties as violated (E609), each
  with a case; the case replays in the evaluator, where the property's condition is violated too.
* On the fixed pack, `ruleproof check` reports nothing about them: each is proved.
"""

from __future__ import annotations

import io
import json
import shutil
import sys
from pathlib import Path

import pytest
from ruleproof import main as cli
from ruleproof.checker.checks import run_checks
from ruleproof.checker.evaluate import CompiledPack
from ruleproof.checker.pipeline import load_pack
from ruleproof.checker.values import read_facts

ROOT = Path(__file__).resolve().parents[1]
PACK = ROOT / "policies" / "marketplace"
BEFORE = ROOT / "tests" / "fixtures" / "marketplace_before_16"
MODULE = "cross_articles.rules"


def _cross_article_properties(pack) -> list:
    return [p for p in pack.properties if Path(p.span.path).name == MODULE]


@pytest.fixture(scope="module")
def old_pack(tmp_path_factory) -> Path:
    folder = tmp_path_factory.mktemp("before") / "marketplace"
    shutil.copytree(BEFORE, folder)
    assert not (folder / MODULE).exists()
    shutil.copy(PACK / MODULE, folder / MODULE)
    return folder


@pytest.fixture(scope="module")
def old_report(old_pack) -> dict:
    """`ruleproof check --format json` on the pre-fix rules, run in-process."""
    out, err = io.StringIO(), io.StringIO()
    saved = sys.stdout, sys.stderr
    sys.stdout, sys.stderr = out, err
    try:
        code = cli.main(["check", str(old_pack), "--format", "json"])
    finally:
        sys.stdout, sys.stderr = saved
    assert code == 1, err.getvalue()
    return json.loads(out.getvalue())


def test_the_fixture_is_the_pack_before_issue_16() -> None:
    """The fixture has every module the pack had then, and not the properties module."""
    before = {p.name for p in BEFORE.glob("*.rules")}
    assert MODULE not in before
    assert before == {p.name for p in PACK.glob("*.rules")} - {MODULE}


def test_every_property_fails_on_the_old_rules_with_a_case(old_pack, old_report) -> None:
    pack = load_pack(old_pack).pack
    properties = _cross_article_properties(pack)
    assert len(properties) >= 10
    compiled = CompiledPack(pack)
    violations = {d["involved"][0]: d for d in old_report["diagnostics"] if d["code"] == "E609"}
    for prop in properties:
        finding = violations.get(prop.name)
        assert finding is not None, f"`ruleproof check` does not report {prop.name} on the old rules"
        assert finding["severity"] == "error" and finding["counterexample"], prop.name
        facts = read_facts(pack, finding["counterexample"])
        outcome = compiled.decide(facts)
        holds = compiled.evaluate(prop.condition, facts, outcome)
        assert holds is (prop.kind == "never"), (prop.name, finding["counterexample"])


def test_the_old_rules_fail_only_these_new_properties(old_report) -> None:
    """Apart from the new properties, the old rules give the findings they always gave."""
    fixed = {p.name for p in _cross_article_properties(load_pack(PACK).pack)}
    open_errors = {d["involved"][0] for d in old_report["diagnostics"]
                   if d["severity"] == "error" and not d.get("accepted")}
    assert open_errors == fixed


def test_every_property_holds_on_the_fixed_pack() -> None:
    pack = load_pack(PACK).pack
    names = {p.name for p in _cross_article_properties(pack)}
    findings = run_checks(pack, only=["properties"]).findings
    assert [(f.code, f.involved) for f in findings if set(f.involved) & names] == []
