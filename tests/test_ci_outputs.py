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


def test_html_report_orders_open_first_folds_accepted_and_shows_every_span(capsys) -> None:
    code, out = _run(capsys, str(HERE / "checks" / "accepted.trigger.rules"), str(CONFLICT), "--format", "html")
    assert "<p class='summary'>1 error, 2 warnings, 1 accepted</p>" in out
    open_part, accepted_part = out.split("<details><summary>1 accepted finding", 1)
    assert "W405" in open_part and "E602" in open_part and "W612" not in open_part
    assert "<span class='kind'>accepted warning</span> <span class='code'>W612</span>" in accepted_part
    assert "accepted because: categories not in the table" in accepted_part
    conflict = open_part.split("<span class='code'>E602</span>", 1)[1].split("</section>", 1)[0]
    assert "conflict.trigger.rules:7:1" in conflict and "conflict.trigger.rules:6:1" in conflict  # both rules
    assert open_part.index("<span class='kind'>error</span>") < open_part.index("<span class='kind'>warning</span>")


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
