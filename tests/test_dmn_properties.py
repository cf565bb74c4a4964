"""Properties over an imported DMN model (`ruleproof check MODEL.dmn --properties FILE.rules`):
a refuted property is reported at its own `.rules` line and, in the DMN file, at the input
data, decisions and table rule rows that decided its counterexample — with their DMN ids —
in text, JSON and SARIF (goldens in tests/dmn/properties/, regenerated with UPDATE_GOLDEN=1)."""

from __future__ import annotations

import functools
import json
import os
import subprocess
import sys
from pathlib import Path

from ruleproof.checker.dmn.load import check_dmn

FIXTURE = Path(__file__).parent / "dmn" / "properties"
UPDATE = bool(os.environ.get("UPDATE_GOLDEN"))
MODEL, PROPERTIES = "loans.dmn", "loans-properties.rules"


def _golden(name: str, actual: str) -> None:
    path = FIXTURE / name
    if UPDATE:
        path.write_text(actual, encoding="utf-8")
    assert actual == path.read_text(encoding="utf-8"), f"{name} differs; run with UPDATE_GOLDEN=1 and review the diff"


@functools.cache
def _check(fmt: str) -> str:
    """`ruleproof check loans.dmn --properties loans-properties.rules --format FMT`, run from the
    fixture folder (relative paths) in a fresh process: the solver's cases are those of a
    first run, as a user gets them."""
    run = subprocess.run([sys.executable, "-m", "ruleproof", "check", MODEL, "--properties", PROPERTIES, "--format", fmt],
                         capture_output=True, text=True, cwd=FIXTURE, env={**os.environ, "NO_COLOR": "1"})
    assert run.returncode == 1, run.stderr  # the refuted properties are errors
    return run.stdout


def _dmn_line(marker: str) -> int:
    return next(i for i, line in enumerate((FIXTURE / MODEL).read_text().splitlines(), 1) if marker in line)


def test_a_refuted_property_points_at_the_dmn_rows_that_decided_its_case() -> None:
    report = json.loads(_check("json"))
    refuted = {d["involved"][0]: d for d in report["diagnostics"] if d["code"] == "E609"}
    assert set(refuted) == {"rate_capped", "monthly_capped", "every_rate_positive"}  # ineligible_pays_nothing holds
    rate = refuted["rate_capped"]
    assert (rate["location"]["file"], rate["location"]["line"]) == (PROPERTIES, 3)
    case = rate["counterexample"]
    assert case["Risk_Category"] in ("Low", "Medium") and case["Applied_On"] < "2026-01-01"
    in_dmn = {r["line"]: r["label"] for r in rate["related"] if r["file"] == MODEL}
    # the case is eligible (Eligibility's rule 1) and applied before 2026, so Rate's rule 2 (4%) decides it
    assert "rule 1 (id `r0_id3`) applies" in in_dmn[_dmn_line('<rule id="r0_id3">')]
    assert "rule 2 (id `r1_id4`) applies" in in_dmn[_dmn_line('<rule id="r1_id4">')]
    assert _dmn_line('<rule id="r0_id4">') not in in_dmn  # rule 1 (3.5% from 2026) does not apply
    assert "decision table (id `t_id4`) is 4 in this case" in in_dmn[_dmn_line('name="Rate"')]
    assert json.dumps(case["Risk_Category"]) in in_dmn[_dmn_line('name="Risk Category"')]
    # a literal expression reading Rate: its chain of decisions is labelled too
    monthly = {r["line"]: r["label"] for r in refuted["monthly_capped"]["related"]}
    assert "literal expression is 0.48 in this case" in monthly[_dmn_line('name="Monthly"')]
    assert _dmn_line('<rule id="r1_id4">') in monthly
    # no rule of Rate applies to an ineligible case: the default output decides it
    zero = {r["line"]: r["label"] for r in refuted["every_rate_positive"]["related"]}
    assert zero[_dmn_line('name="Rate"')].endswith("is 0 in this case (the table's default output)")
    assert not any(_dmn_line(f'<rule id="r{i}_id4">') in zero for i in (0, 1))
    _golden("check.expected.json", _check("json"))


def test_the_sarif_output_carries_the_dmn_locations() -> None:
    sarif = _check("sarif")
    _golden("check.expected.sarif", sarif)
    (rate,) = [r for r in json.loads(sarif)["runs"][0]["results"]
               if r["ruleId"] == "E609" and "rate_capped" in r["message"]["text"]]
    related = [loc["physicalLocation"] for loc in rate["relatedLocations"]]
    assert {"uri": MODEL} in [loc["artifactLocation"] for loc in related]
    assert any(loc["region"]["startLine"] == _dmn_line('<rule id="r1_id4">') for loc in related)


def test_the_text_output_shows_the_dmn_places_under_the_property() -> None:
    text = _check("text")
    _golden("check.expected", text)
    block = text[text.index("property `rate_capped` does not hold"):].split("\n\n")[0]
    row = _dmn_line('<rule id="r1_id4">')
    assert f"::: {MODEL}:{row}:7" in block
    refused = subprocess.run([sys.executable, "-m", "ruleproof", "check", PROPERTIES, "--properties", PROPERTIES],
                             capture_output=True, text=True, cwd=FIXTURE)
    assert refused.returncode == 2 and "--properties adds .rules files to the .dmn models" in refused.stderr


def test_a_decision_without_a_value_on_the_case_says_why(tmp_path) -> None:
    from ruleproof.checker.dmn.evidence import decided_labels

    try:
        from tests.dmn.build import dmn_xml
    except ImportError:  # pytest run without the repository root on sys.path
        from dmn.build import dmn_xml
    gappy = {"name": "gappy", "inputs": {"Score": "number"},
             "decisions": [{"name": "Band", "type": "string", "hit": "FIRST", "inputs": ["Score"],
                            "outputs": [{"type": "string"}], "rules": [([">=50"], ['"high"']), ([">=0"], ['"low"'])]}]}
    model = tmp_path / "gappy.dmn"
    model.write_text(dmn_xml(gappy))
    props = tmp_path / "props.rules"
    props.write_text('import gappy\nproperty banded cite "Policy 1": always Band is present\n')
    report = check_dmn(model, [props], timeout_ms=10_000)
    (refuted,) = [d for d in report.diagnostics if d.code == "E609"]
    assert refuted.counterexample.case["Score"] < 0
    labels = [label.message for label in refuted.secondary if label.span.path == str(model)]
    assert any(m.startswith("DMN decision `Band` (id `id1`), decision table (id `t_id1`) is undetermined in this case (")
               for m in labels), labels
    assert not any("applies in this case" in m for m in labels), labels  # no row applies
    others = [d for d in report.diagnostics if d.code != "E609"]
    assert all(decided_labels(None, report.ir, d) == () for d in others)  # only refuted properties get them


def test_watch_checks_again_when_the_dmn_model_changes(tmp_path) -> None:
    import queue
    import shutil
    import threading
    import time

    for name in (MODEL, PROPERTIES):
        shutil.copy(FIXTURE / name, tmp_path / name)
    model = tmp_path / MODEL
    argv = [sys.executable, "-m", "ruleproof", "check", str(model), "--properties", str(tmp_path / PROPERTIES),
            "--watch", "--front-end-only", "--color", "never"]
    proc = subprocess.Popen(argv, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    lines: queue.Queue = queue.Queue()
    threading.Thread(target=lambda: [lines.put(line) for line in proc.stdout], daemon=True).start()

    def wait_for(needle: str, poke=None) -> str:
        seen, deadline, poked = [], time.monotonic() + 30, 0.0
        while time.monotonic() < deadline:
            if poke is not None and time.monotonic() - poked > 1:  # the watcher may start after the first write
                poke()
                poked = time.monotonic()
            try:
                seen.append(lines.get(timeout=0.2))
            except queue.Empty:
                continue
            if needle in seen[-1]:
                return "".join(seen)
        raise AssertionError(f"no {needle!r}; saw {''.join(seen)!r}")

    try:
        wait_for("watching")
        broken = model.read_text().replace('typeRef="number"', 'typeRef="nonsense"', 1)
        seen = wait_for("E702", poke=lambda: model.write_text(broken))
        assert f"changed: {MODEL}" in seen
    finally:
        proc.terminate()
        proc.wait(timeout=10)
