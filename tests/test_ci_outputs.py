"""`ruleproof check` outputs for CI: SARIF 2.1.0 valid against its schema, JUnit XML, GitHub
workflow commands, a static HTML report with timelines, and the exit codes."""

from __future__ import annotations

import json
from pathlib import Path
from xml.etree import ElementTree as ET

import jsonschema
from ruleproof.main import main

HERE = Path(__file__).parent
CONFLICT = HERE / "checks" / "conflict.trigger.rules"
CLEAN = HERE / "checks" / "conflict.clean.rules"
WARN_ONLY = HERE / "checks" / "window_empty.trigger.rules"


def _run(capsys, *args: str) -> tuple[int, str]:
    code = main(["check", *args])
    return code, capsys.readouterr().out


def test_sarif_is_valid_against_the_schema(capsys) -> None:
    code, out = _run(capsys, str(CONFLICT), str(WARN_ONLY), "--format", "sarif")
    assert code == 1
    log = json.loads(out)
    schema = json.loads((HERE / "schemas" / "sarif-2.1.0.json").read_text())
    jsonschema.validate(log, schema)
    results = log["runs"][0]["results"]
    assert {r["ruleId"] for r in results} >= {"E602", "W606"}
    conflict = next(r for r in results if r["ruleId"] == "E602")
    assert conflict["properties"]["counterexample"]["promised"] == 10
    assert conflict["relatedLocations"]


def test_junit_lists_each_finding(capsys) -> None:
    code, out = _run(capsys, str(CONFLICT), "--format", "junit")
    root = ET.fromstring(out)
    cases = root.findall(".//testcase")
    assert code == 1 and any(c.find("failure") is not None for c in cases)
    assert root.get("failures") == "1"


def test_github_annotations(capsys) -> None:
    code, out = _run(capsys, str(CONFLICT), "--format", "github")
    assert code == 1
    assert out.startswith("::error file=") and "title=E602 conflict::" in out


def test_html_report_has_timelines(capsys) -> None:
    code, out = _run(capsys, str(WARN_ONLY), "--format", "html")
    assert code == 0
    assert out.startswith("<!doctype html>") and "<svg" in out and 'data-name="refund"' in out
    assert "empty (opens" in out


def test_exit_codes_and_fail_on(capsys) -> None:
    assert _run(capsys, str(CLEAN))[0] == 0
    assert _run(capsys, str(WARN_ONLY))[0] == 0
    assert _run(capsys, str(WARN_ONLY), "--fail-on", "warning")[0] == 1
    assert _run(capsys, str(HERE / "no-such-pack"))[0] == 2


def test_json_findings_carry_counterexample_and_timeline(capsys) -> None:
    _, out = _run(capsys, str(CONFLICT), "--format", "json")
    finding = next(d for d in json.loads(out)["diagnostics"] if d["code"] == "E602")
    assert finding["counterexample"] and finding["timeline"]["events"]
    assert "decides" in finding["timeline"]["text"]
