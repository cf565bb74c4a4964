"""`.dmn` import: decision tables and literal expressions become a formatted pack that decides
as DMN does; what is outside the subset is refused with a located diagnostic naming it; the
checks on an imported model point at the DMN elements (tests/dmn/build.py writes the models)."""

from __future__ import annotations

import subprocess
import sys

import pytest
from ruleproof.checker.dmn import import_text
from ruleproof.checker.dmn.load import check_dmn, dmn_facts, load_dmn
from ruleproof.checker.evaluate import CompiledPack
from ruleproof.checker.format import format_text
from ruleproof.checker.pipeline import load_texts
from ruleproof.checker.values import read_facts, to_wire

try:
    from tests.dmn.build import dmn_xml
except ImportError:  # pytest run without the repository root on sys.path
    from dmn.build import dmn_xml

LOANS = {
    "name": "loans",
    "inputs": {"Applicant Age": "number", "Risk Category": "string", "Applied On": "date"},
    "decisions": [
        {"name": "Eligibility", "type": "string", "hit": "UNIQUE", "inputs": ["Applicant Age", "Risk Category"],
         "input_values": {1: '"Low", "Medium", "High"'},
         "outputs": [{"type": "string"}],
         "rules": [(["[18..65)", '"Low", "Medium"'], ['"Eligible"'], "Policy 4.1: working age, acceptable risk"),
                   (["<18, >=65", "-"], ['"Ineligible"']),
                   (["-", '"High"'], ['"Ineligible"'])]},
        {"name": "Rate", "type": "number", "hit": "FIRST", "requires": ["Eligibility"],
         "inputs": ["Eligibility", "Applied On"],
         "outputs": [{"type": "number", "default": "0"}],
         "rules": [(['"Eligible"', '>= date("2026-01-01")'], ["3.5"]),
                   (['"Eligible"', "-"], ["4"])]},
        {"name": "Monthly", "type": "number", "requires": ["Rate"], "literal": "Rate * 12 / 100"},
    ],
}


def imported(model: dict, version: str = "1.5"):
    return import_text(dmn_xml(model, version), "model.dmn")


def decide(model: dict, facts: dict, version: str = "1.5") -> dict:
    imp = imported(model, version)
    assert imp.text is not None, [d.message for d in imp.diagnostics]
    pack = load_texts({imp.pack_path: imp.text}).pack
    outcome = CompiledPack(pack).decide(read_facts(pack, dmn_facts(imp, facts)))
    return {o.dmn_decision + (f".{o.component}" if o.component else ""):
            to_wire(outcome.values.get(o.pack_name), pack.decisions[o.pack_name].type) for o in imp.outputs}


@pytest.mark.parametrize("version", ["1.3", "1.4", "1.5"])
def test_a_model_decides_as_its_tables_say(version) -> None:
    facts = {"Applicant Age": 30, "Risk Category": "Low", "Applied On": "2026-02-01"}
    assert decide(LOANS, facts, version) == {"Eligibility": "Eligible", "Rate": 3.5, "Monthly": 0.42}
    facts.update({"Applied On": "2025-12-31"})
    assert decide(LOANS, facts, version)["Rate"] == 4
    facts.update({"Applicant Age": 70})
    assert decide(LOANS, facts, version) == {"Eligibility": "Ineligible", "Rate": 0, "Monthly": 0}


def test_the_pack_is_formatted_and_cites_each_rule_and_its_annotation() -> None:
    imp = imported(LOANS)
    assert format_text(imp.text, "x.rules") == imp.text
    assert "Policy 4.1: working age, acceptable risk" in imp.text
    assert "rule 2 (model.dmn:" in imp.text
    assert "assume Risk_Category_allowed" in imp.text
    assert "(Applicant_Age >= 18 and Applicant_Age < 65)" in imp.text
    # Eligibility has no default output: a FEEL test on its null matches nothing
    assert 'when Eligibility is present and Eligibility == "Eligible"' in imp.text


REFUSED = [
    ({"name": "m", "inputs": {"a": "number"},
      "decisions": [{"name": "d", "type": "number", "literal": "{x: a}.x"}]}, "a context"),
    ({"name": "m", "inputs": {"a": "number"},
      "decisions": [{"name": "d", "type": "number", "hit": "RULE ORDER", "inputs": ["a"],
                     "outputs": [{"type": "number"}], "rules": [(["-"], ["1"])]}]}, "hit policy RULE ORDER"),
    ({"name": "m", "inputs": {"a": "number"},
      "decisions": [{"name": "d", "type": "number", "hit": "UNIQUE", "inputs": ["a"],
                     "outputs": [{"type": "number"}], "rules": [(["-"], ["abs(a)"])]}]}, "a call of `abs`"),
    ({"name": "m", "inputs": {"a": "time"},
      "decisions": [{"name": "d", "type": "number", "literal": "1"}]}, "type `time`"),
]


@pytest.mark.parametrize("model, construct", REFUSED, ids=[c for _, c in REFUSED])
def test_a_construct_outside_the_subset_is_refused_at_its_element(model, construct) -> None:
    imp = imported(model)
    assert imp.text is None
    (d,) = [d for d in imp.diagnostics if construct in d.message]
    assert d.code == "E702"
    line = imp.source.line_text(d.primary.span.line)
    assert line[d.primary.span.column - 1] == "<", line


def test_xml_with_a_dtd_is_refused_before_any_entity_is_expanded() -> None:
    laughs = ('<?xml version="1.0"?>\n<!DOCTYPE d [<!ENTITY a "aaaaaaaaaa"><!ENTITY b "&a;&a;&a;&a;&a;&a;&a;&a;">]>\n'
              '<definitions name="&b;"/>\n')
    imp = import_text(laughs, "bomb.dmn")
    (d,) = imp.diagnostics
    assert (d.code, d.primary.span.line) == ("E701", 2)
    assert import_text("<definitions", "cut.dmn").diagnostics[0].code == "E701"


GAPPY = {
    "name": "gappy", "inputs": {"Score": "number"},
    "decisions": [{"name": "Band", "type": "string", "hit": "UNIQUE", "inputs": ["Score"],
                   "outputs": [{"type": "string"}],
                   "rules": [(["[0..50]"], ['"low"']), (["[50..100]"], ['"high"']), ([">100"], ['"high"'])]}],
}


def test_check_reports_overlap_and_missing_rules_located_in_the_dmn_file(tmp_path) -> None:
    path = tmp_path / "gappy.dmn"
    path.write_text(dmn_xml(GAPPY))
    report = check_dmn(path, timeout_ms=5_000)
    by_code = {d.code: d for d in report.diagnostics}
    assert {"E602", "W615"} <= set(by_code)
    overlap = by_code["E602"]
    assert overlap.counterexample.case == {"Score": 50}
    dmn_lines = {label.span.line for label in overlap.secondary if label.span.path == str(path)}
    rule_lines = [i + 1 for i, line in enumerate(path.read_text().splitlines()) if "<rule " in line]
    assert set(rule_lines[:2]) <= dmn_lines and rule_lines[2] not in dmn_lines
    assert by_code["W615"].counterexample.case["Score"] < 0
    run = subprocess.run([sys.executable, "-m", "ruleproof", "check", str(path)], capture_output=True, text=True)
    assert run.returncode == 1 and f"{path}:{rule_lines[0]}:" in run.stdout


def test_import_command_writes_a_pack_that_checks_and_decides(tmp_path) -> None:
    source = tmp_path / "loans.dmn"
    source.write_text(dmn_xml(LOANS))
    out = tmp_path / "pack"
    run = subprocess.run([sys.executable, "-m", "ruleproof", "import", "dmn", str(source), "-o", str(out)],
                         capture_output=True, text=True)
    assert run.returncode == 0, run.stderr
    loaded, _ = load_dmn(source)
    assert loaded.ok and (out / "loans.rules").read_text() == import_text(source.read_text(), str(source)).text
    facts = tmp_path / "case.json"
    facts.write_text('{"Applicant Age": 40, "Risk Category": "Medium", "Applied On": "2026-05-01"}')
    run = subprocess.run([sys.executable, "-m", "ruleproof", "decide", str(source), "--facts", str(facts),
                          "--format", "json"], capture_output=True, text=True)
    assert run.returncode == 0, run.stderr
    assert '"Rate": 3.5' in run.stdout
    bad = tmp_path / "bad.dmn"
    bad.write_text(dmn_xml(REFUSED[0][0]))
    run = subprocess.run([sys.executable, "-m", "ruleproof", "import", "dmn", str(bad)], capture_output=True, text=True)
    assert run.returncode == 1 and "E702" in run.stderr and f"{bad}:" in run.stderr


def _overlapping(hit: str) -> dict:
    return {"name": "m", "inputs": {"Score": "number"}, "decisions": [
        {"name": "Band", "type": "string", "hit": hit, "inputs": ["Score"], "outputs": [{"type": "string", "default": '"none"'}],
         "rules": [([">=50"], ['"high"']), ([">=80"], ['"high"'])]}]}


def test_unique_is_strict_and_any_lets_agreeing_rules_overlap(tmp_path) -> None:
    for hit, conflict in (("UNIQUE", True), ("ANY", False)):
        path = tmp_path / f"{hit}.dmn"
        path.write_text(dmn_xml(_overlapping(hit)))
        codes = [d.code for d in check_dmn(path, timeout_ms=5_000).diagnostics]
        assert ("E602" in codes) is conflict, (hit, codes)
        assert decide(_overlapping(hit), {"Score": 90}) == {"Band": None if conflict else "high"}
        assert decide(_overlapping(hit), {"Score": 60}) == {"Band": "high"}


def test_export_writes_tables_that_import_back_to_the_same_pack(tmp_path) -> None:
    from ruleproof.checker.dmn.export import export_pack

    first = imported(LOANS)
    pack = load_texts({first.pack_path: first.text}).pack
    xml, refused = export_pack(pack)
    assert refused == []
    again = import_text(xml, "loans.dmn")
    assert again.text is not None, [d.message for d in again.diagnostics]
    xml_again, _ = export_pack(load_texts({again.pack_path: again.text}).pack)
    assert xml_again == xml  # export ∘ import is a fixpoint
    cases = [{"Applicant Age": age, "Risk Category": risk, "Applied On": day}
             for age in (17, 18, 40, 65) for risk in ("Low", "High") for day in ("2025-12-31", "2026-01-01")]
    for case in cases:
        renamed = {k.replace(" ", "_"): v for k, v in case.items()}
        assert decide(LOANS, case) == {k: v for k, v in _decide_text(again, renamed).items()}
    source = tmp_path / "loans.dmn"
    source.write_text(dmn_xml(LOANS))
    run = subprocess.run([sys.executable, "-m", "ruleproof", "export", "dmn", str(source)], capture_output=True, text=True)
    assert run.returncode == 0 and run.stdout == xml, run.stderr


def _decide_text(imp, facts: dict) -> dict:
    pack = load_texts({imp.pack_path: imp.text}).pack
    outcome = CompiledPack(pack).decide(read_facts(pack, dmn_facts(imp, facts)))
    return {o.dmn_decision: to_wire(outcome.values.get(o.pack_name), pack.decisions[o.pack_name].type) for o in imp.outputs}


def test_export_refuses_what_dmn_cannot_say_at_the_rule() -> None:
    from ruleproof.checker.dmn.export import export_pack

    pack = load_texts({"m.rules": 'pack m version "1"\nfact a: int\nfact b: int\ndecision x: int default 0\n'
                       'rule r cite "c": when a + b > 3 then x = 1\n'}).pack
    xml, refused = export_pack(pack)
    assert xml is None and refused[0].code == "E703" and refused[0].primary.span.line == 5


def test_a_property_next_to_an_imported_model_is_refuted_with_a_case(tmp_path) -> None:
    from ruleproof.checker.report import check_pack

    source = tmp_path / "loans.dmn"
    source.write_text(dmn_xml(LOANS))
    out = tmp_path / "pack"
    assert subprocess.run([sys.executable, "-m", "ruleproof", "import", "dmn", str(source), "-o", str(out)]).returncode == 0
    (out / "properties.rules").write_text('import loans\nproperty rate_capped cite "Policy 9": always Rate <= 3.5\n')
    report = check_pack(out, timeout_ms=5_000)
    (refuted,) = [d for d in report.diagnostics if d.code == "E609"]
    case = refuted.counterexample.case
    assert 18 <= case["Applicant_Age"] < 65 and case["Risk_Category"] in ("Low", "Medium") and case["Applied_On"] < "2026-01-01"
    overlap = [d for d in report.diagnostics if d.code == "E602"]  # UNIQUE: under 18 and High risk match rules 2 and 3
    assert {"Eligibility_r2", "Eligibility_r3"} <= set(overlap[0].involved)
