"""A check the solver cannot settle within the time limit is reported as W613 "unknown" with
Z3's reason — never as a pass and never as a finding it did not prove."""

from __future__ import annotations

from pathlib import Path

from ruleproof.checker.checks import run_checks
from ruleproof.checker.diagnostics import CheckVerdict
from ruleproof.checker.pipeline import load_pack
from ruleproof.main import main

NONLINEAR = Path(__file__).parent / "checks" / "faults" / "nonlinear.rules"


def _unknowns(findings, name: str):
    return [f for f in findings if f.code == "W613" and f"`{name}`" in f.message]


def test_time_limit_gives_unknown_with_the_reason() -> None:
    loaded = load_pack(NONLINEAR)
    assert loaded.ok, [d.message for d in loaded.diagnostics]
    report = run_checks(loaded.pack, timeout_ms=1)
    [unknown] = _unknowns(report.findings, "fee_is_no_single_cube")
    assert unknown.counterexample.verdict is CheckVerdict.UNKNOWN
    assert unknown.counterexample.reason in ("canceled", "timeout")
    assert unknown.message.endswith(unknown.counterexample.reason)
    # neither proved (no finding) nor refuted (no E609 without a case)
    assert not [f for f in report.findings if f.code == "E609"]


def test_unknown_is_reported_once_per_question() -> None:
    report = run_checks(load_pack(NONLINEAR).pack, timeout_ms=1)
    messages = [f.message for f in report.findings if f.code == "W613"]
    assert len(messages) == len(set(messages))


def test_cli_timeout_reports_unknown(capsys) -> None:
    code = main(["check", str(NONLINEAR), "--timeout", "1"])
    out = capsys.readouterr().out
    assert "W613" in out and "fee_is_no_single_cube" in out
    assert code == 0  # a warning: the pack is not failed, but the property is not proved either
    code = main(["check", str(NONLINEAR), "--timeout", "1", "--fail-on", "warning"])
    assert code == 1
    capsys.readouterr()


def test_cli_json_carries_the_verdict_and_reason(capsys) -> None:
    import json

    main(["check", str(NONLINEAR), "--timeout", "1", "--format", "json"])
    body = json.loads(capsys.readouterr().out)
    unknown = next(d for d in body["diagnostics"] if d["code"] == "W613" and "fee_is_no_single_cube" in d["message"])
    assert unknown["check_verdict"] == "unknown" and unknown["reason"] in ("canceled", "timeout")
