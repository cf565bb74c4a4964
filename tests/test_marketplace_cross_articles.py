"""The cross-article properties of the marketplace pack (issue 16, policies/marketplace/cross_articles.rules).

* On the pack as it was before issue 16 (tests/fixtures/marketplace_before_16/, with the properties
  module added), `ruleproof check` reports every one of these properties as violated (E609), each
  with a case; the case replays in the evaluator, where the property's condition is violated too.
* On the fixed pack, `ruleproof check` reports nothing about them: each is proved.
* The readable case FINDINGS.md gives for each property violates it on the old rules and not on
  the fixed pack.
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

# The case policies/marketplace/FINDINGS.md shows for each property ("Cross-article defects").
FINDINGS_CASES = {
    "closed_orders_do_not_complete": {
        "placed_on": "2026-04-09", "paid_on": "2026-04-10", "stocking_days": 15, "shipped_on": "2026-04-26",
        "promised_delivery_days": 5, "platform_default_delivery_days": 20, "today": "2026-06-01"},
    "closed_orders_are_not_paid_out": {
        "placed_on": "2026-03-01", "paid_on": "2026-03-25", "stocking_days": 5, "shipped_on": "2026-03-26",
        "promised_delivery_days": 5, "platform_default_delivery_days": 20, "today": "2026-05-01"},
    "closed_orders_take_no_refund_request": {
        "placed_on": "2026-04-09", "paid_on": "2026-04-10", "stocking_days": 15, "shipped_on": "2026-04-26",
        "promised_delivery_days": 5, "platform_default_delivery_days": 20, "today": "2026-04-30"},
    "stolen_card_closed_orders_take_no_cancellation": {
        "placed_on": "2026-03-01", "paid_on": "2026-03-02", "stocking_days": 10,
        "stolen_card_complaint_on": "2026-03-03", "today": "2026-03-04"},
    "refunded_orders_are_not_paid_out": {
        "shipped_on": "2026-05-15", "promised_delivery_days": 20, "platform_default_delivery_days": 20,
        "refund_requested_on": "2026-05-30", "account_closed": True, "today": "2026-06-20"},
    "returned_refunds_are_not_paid_out": {
        "shipped_on": "2026-05-15", "promised_delivery_days": 20, "platform_default_delivery_days": 20,
        "refund_requested_on": "2026-05-30", "seller_dispute_answer": "accepted", "seller_answered_on": "2026-05-31",
        "return_agreed_on": "2026-05-31", "return_notice_on": "2026-06-03", "account_closed": True,
        "today": "2026-07-10"},
    "platform_first_disputes_are_not_refunded_by_default": {
        "refund_requested_on": "2025-04-07", "logistics_channel": "worry_free", "dispute_reason": "not_received",
        "today": "2025-04-20"},
    "platform_first_disputes_are_not_arbitrated_after_negotiation": {
        "refund_requested_on": "2025-04-07", "after_sales_category": True, "dispute_reason": "not_as_described",
        "seller_dispute_answer": "rejected", "seller_answered_on": "2025-04-08", "today": "2025-04-20"},
    "late_judgment_does_not_undo_the_default": {
        "refund_requested_on": "2025-04-07", "platform_judged_on": "2025-04-15", "today": "2025-04-20"},
    "agreed_returns_are_not_refunded_by_default": {
        "refund_requested_on": "2025-04-07", "return_agreed_on": "2025-04-10", "today": "2025-04-14"},
    "agreed_returns_are_not_arbitrated": {
        "refund_requested_on": "2025-04-07", "seller_dispute_answer": "rejected", "seller_answered_on": "2025-04-08",
        "return_agreed_on": "2025-04-14", "today": "2025-04-20"},
    "deposit_measures_only_for_deposit_payers": {
        "collection_account_set_up": True, "security_deposit_paid": False, "performance_guarantee_paid": True,
        "mybank_approved": True, "required_deposit_usd": 5000, "deposit_balance_usd": 0},
    "guarantee_measures_only_for_guarantee_payers": {
        "performance_guarantee_paid": False, "required_guarantee_usd": 2000, "guarantee_balance_usd": 0},
}


def _cross_article_properties(pack) -> list:
    return [p for p in pack.properties if Path(p.span.path).name == MODULE]


def _violated(pack, compiled: CompiledPack, prop, raw: dict) -> bool:
    """Whether the case (wire facts) refutes the property in the evaluator."""
    facts = read_facts(pack, raw)
    holds = compiled.evaluate(prop.condition, facts, compiled.decide(facts))
    return holds is (prop.kind == "never")


@pytest.fixture(scope="module")
def old_pack(tmp_path_factory) -> Path:
    folder = tmp_path_factory.mktemp("before") / "marketplace"
    shutil.copytree(BEFORE, folder)
    assert not (folder / MODULE).exists()
    # before the fix the stolen-card outcome (Art. 70) was decided in `chargebacks`; it has since
    # moved to `orders`, which decides what a closed order may still do
    text = (PACK / MODULE).read_text(encoding="utf-8")
    assert "\nimport orders\n" in text
    (folder / MODULE).write_text(text.replace("\nimport orders\n", "\nimport orders\nimport chargebacks\n", 1),
                                 encoding="utf-8")
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
    """The fixture has every module the pack had then, and not the properties module (nor the
    modules issue 16's new constructs added: dated amendments, lists of records)."""
    before = {p.name for p in BEFORE.glob("*.rules")}
    assert MODULE not in before
    assert before == {p.name for p in PACK.glob("*.rules")} - {MODULE, "amendments_2022.rules", "store_lists.rules"}


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
        assert _violated(pack, compiled, prop, finding["counterexample"]), (prop.name, finding["counterexample"])


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


def test_the_findings_cases_show_each_defect_before_and_not_after(old_pack) -> None:
    findings_md = (PACK / "FINDINGS.md").read_text(encoding="utf-8")
    old, new = load_pack(old_pack).pack, load_pack(PACK).pack
    old_compiled, new_compiled = CompiledPack(old), CompiledPack(new)
    names = [p.name for p in _cross_article_properties(new)]
    assert sorted(names) == sorted(FINDINGS_CASES)
    old_properties = {p.name: p for p in old.properties}
    for prop in _cross_article_properties(new):
        case = FINDINGS_CASES[prop.name]
        assert f"`{prop.name}`" in findings_md, prop.name
        assert _violated(old, old_compiled, old_properties[prop.name], case), prop.name
        assert not _violated(new, new_compiled, prop, case), prop.name
