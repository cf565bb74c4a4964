"""`check_pack` is the one way a pack is checked (CLI, server registry, check worker): the
front end's diagnostics and the formal checks' findings in one sorted Report, which crosses a
process boundary in its wire form and comes back equal."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from ruleproof.checker.diagnostics import CheckVerdict, diagnostic
from ruleproof.checker.render import render_report_json, render_text, report_json
from ruleproof.checker.report import Report, TooManyRules, check_pack
from ruleproof.checker.source import SourceFile, Span

CHECKS = Path(__file__).parent / "checks"
CONFLICT = CHECKS / "conflict.trigger.rules"


def _texts(path: Path) -> dict[str, str]:
    return {path.name: path.read_text(encoding="utf-8")}


def test_a_pack_is_checked_and_its_findings_sorted() -> None:
    report = check_pack(CONFLICT)
    assert report.checked and report.ir is not None and report.path == str(CONFLICT)
    assert report.pack == report.ir.name and report.version == report.ir.version
    assert [d.sort_key() for d in report.diagnostics] == sorted(d.sort_key() for d in report.diagnostics)
    conflict = next(d for d in report.diagnostics if d.code == "E602")
    assert conflict.counterexample.verdict is CheckVerdict.REFUTED and conflict.counterexample.case
    assert not report.ok and report.errors >= 1 and report.queries > 0


def test_files_and_texts_give_the_same_report() -> None:
    from_files = check_pack(CONFLICT, label="x")
    from_texts = check_pack({str(CONFLICT): CONFLICT.read_text(encoding="utf-8")}, label="x")
    assert report_json(from_files) == report_json(from_texts)


def test_front_end_errors_stop_the_formal_checks() -> None:
    broken = check_pack({"a.rules": 'pack a version "1"\nfact paid: bool\ndecision x: bool = nope'})
    assert not broken.checked and not broken.ok and broken.ir is None and broken.pack is None
    assert "E101" in {d.code for d in broken.diagnostics}
    unreadable = diagnostic("E001", "cannot read `b.rules`", Span(SourceFile("b.rules", ""), 0, 0))
    skipped = check_pack(_texts(CONFLICT), unreadable=[unreadable])
    assert not skipped.checked and skipped.ir is not None and skipped.diagnostics[0].code == "E001"
    assert not check_pack(_texts(CONFLICT), formal=False).checked


def test_a_rule_limit_refuses_larger_packs() -> None:
    with pytest.raises(TooManyRules, match="rules; at most 1 are checked here"):
        check_pack(CONFLICT, max_rules=1)


@pytest.mark.parametrize("path", [CONFLICT, CHECKS / "window_empty.trigger.rules", CHECKS / "faults" / "nonlinear.rules"],
                         ids=lambda p: p.stem)
def test_the_wire_form_rebuilds_an_equal_report(path: Path) -> None:
    report = check_pack(path, timeout_ms=50)
    back = Report.from_wire(json.loads(json.dumps(report.to_wire())))
    assert back == report and back.ir is None
    assert render_text(list(back.diagnostics)) == render_text(list(report.diagnostics))
    assert render_report_json(back) == render_report_json(report)
    assert [d.counterexample for d in back.diagnostics] == [d.counterexample for d in report.diagnostics]


def test_another_wire_version_is_refused() -> None:
    wire = check_pack(CONFLICT, formal=False).to_wire()
    with pytest.raises(ValueError, match="wire version"):
        Report.from_wire({**wire, "wire": 99})
