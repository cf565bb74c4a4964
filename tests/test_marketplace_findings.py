"""What `ruleproof check` finds in the marketplace pack: no unaccepted error, every accepted
finding has a reason tied to the text, and the Art. 36/39 conflict shows once its override is
removed (policies/marketplace/FINDINGS.md writes these up)."""

from __future__ import annotations

import re
import shutil
from pathlib import Path

import pytest
from ruleproof.checker.checks import run_checks
from ruleproof.checker.diagnostics import Severity
from ruleproof.checker.pipeline import load_pack

PACK = Path(__file__).resolve().parents[1] / "policies" / "marketplace"


@pytest.fixture(scope="module")
def findings():
    loaded = load_pack(PACK)
    assert loaded.ok
    return run_checks(loaded.pack).findings


def test_no_unaccepted_error_and_reasons_cite_the_text(findings) -> None:
    assert [f.message for f in findings if f.severity is Severity.ERROR and f.accepted is None] == []
    for finding in findings:
        if finding.accepted is not None:
            assert re.search(r"Art\.|po-|dis-|README", finding.accepted), finding.accepted


def test_findings_md_lists_every_finding(findings) -> None:
    text = (PACK / "FINDINGS.md").read_text()
    for finding in findings:
        assert finding.involved, f"{finding.code} names nothing: {finding.message}"  # e.g. W613, the solver gave up
        name = finding.involved[0]
        assert f"`{name}`" in text and finding.code in text, (finding.code, name)


def test_articles_36_and_39_conflict_without_the_override(tmp_path) -> None:
    copy = tmp_path / "marketplace"
    shutil.copytree(PACK, copy)
    refunds = copy / "refunds.rules"
    text, count = re.subn(r'\n  overrides refund_after_ten_days\n  because "[^"]*"', "", refunds.read_text())
    assert count == 1
    refunds.write_text(text)
    found = run_checks(load_pack(copy).pack).findings
    conflicts = [f for f in found if f.code == "E602" and f.accepted is None]
    assert any({"refund_after_ten_days", "refund_immediately_special_orders"} <= set(f.involved) for f in conflicts)
    case = next(f for f in conflicts if "refund_immediately_special_orders" in f.involved).counterexample.case
    assert case["order_kind"] in ("russian_boutique", "local_warehouse")
