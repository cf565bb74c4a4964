"""Effective periods and refinement checks.

The fixture pack tests/fixtures/effective holds a rule replaced by an amendment, table rows with
their own periods inside their table's, a module in force from a day on, an exception in force
for a while, and decisions read as of different days. Here: what each decision is on the day
before, of and after every changeover; a pack read as of one day (`diff --as-of`) decides as
the dated pack does on that day; the formal checks find a defect that exists in one period
only, with a case in it; and `diff --expect` proves and refutes refinements with witness cases.
(tests/test_differential.py compares the evaluator, Z3 and SQL on the same changeovers.)
"""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path

import pytest
from ruleproof.checker.checks import run_checks
from ruleproof.checker.evaluate import CompiledPack
from ruleproof.checker.pipeline import load_pack, load_pack_as_of, load_texts
from ruleproof.checker.refinement import Expectation, Verdict, check_refinements
from ruleproof.checker.values import read_facts, to_wire
from ruleproof.main import main

PACK = Path(__file__).resolve().parent / "fixtures" / "effective"
CASE = {"listed_products": 3001, "days_unsold": 200, "category": "Clothing", "amount": 500, "boutique": True}


def _day(text: str) -> int:
    return dt.date.fromisoformat(text).toordinal()


def _decide(pack, wire: dict) -> dict:
    outcome = CompiledPack(pack).decide(read_facts(pack, wire))
    return {name: to_wire(value, pack.decisions[name].type) for name, value in outcome.values.items()}


@pytest.fixture(scope="module")
def pack():
    result = load_pack(PACK)
    assert result.ok, [d.message for d in result.diagnostics]
    return result.pack


@pytest.mark.parametrize(("day", "expected"), [
    # the cap (and the constant it reads) ends, its replacement and the 2022 module begin
    ("2022-01-12", {"over_cap": True, "removed": False}),
    ("2022-01-13", {"over_cap": False, "removed": True}),
    ("2022-01-14", {"over_cap": False, "removed": True}),
])
def test_replacement_and_module_change_over_on_their_day(pack, day, expected):
    got = _decide(pack, {**CASE, "placed_on": day, "today": day})
    assert {k: got[k] for k in expected} == expected


@pytest.mark.parametrize(("day", "rate", "fee"), [
    ("2020-12-31", 0.08, 15),  # before the table: the default
    ("2021-01-01", 0.05, 15),  # the table's first day
    ("2021-02-28", 0.05, 15),
    ("2021-03-01", 0.05, None),  # the waiver begins: `unless` sees the exception in force
    ("2021-06-30", 0.05, None),
    ("2021-07-01", 0.04, None),  # row 1 ends, row 2 begins
    ("2021-08-31", 0.04, None),
    ("2021-09-01", 0.04, 15),  # the waiver ends
])
def test_rows_and_exceptions_follow_their_periods(pack, day, rate, fee):
    got = _decide(pack, {**CASE, "placed_on": day, "today": day})
    assert float(got["commission_rate"]) == rate
    assert (float(got["fee"]) if "fee" in got else None) == fee


def test_each_decision_reads_its_own_day(pack):
    """`over_cap` is read as of today, `commission_rate` as of the day the order was placed."""
    got = _decide(pack, {**CASE, "placed_on": "2021-02-01", "today": "2022-02-01"})
    assert got["over_cap"] is False and float(got["commission_rate"]) == 0.05


def test_a_pack_read_as_of_a_day_keeps_the_rules_in_force(pack):
    pinned = load_pack(PACK, as_of=_day("2021-07-01")).pack
    names = {r.name for r in pinned.rules()}
    assert {"default_cap", "commissions[2]", "commissions[3]", "commissions[4]", "boutique_waiver"} <= names
    assert not names & {"cap_cancelled", "commissions[1]", "unsold_180_days"}
    assert all(r.condition == d.condition for r in pinned.rules() for d in pack.rules()
               if d.name == r.name and d.period is None and d.origin != "rule")


@pytest.mark.parametrize("day", ["2020-12-31", "2021-03-01", "2021-07-01", "2022-01-12", "2022-01-13", "2023-05-05"])
def test_a_pack_read_as_of_a_day_decides_as_the_dated_pack_on_that_day(pack, day):
    pinned = load_pack(PACK, as_of=_day(day)).pack
    for boutique in (False, True):
        for category in ("Clothing", "Shoes"):
            wire = {**CASE, "boutique": boutique, "category": category, "placed_on": day, "today": day}
            assert _decide(pinned, wire) == _decide(pack, wire)


def test_check_finds_a_conflict_of_one_period_with_a_case_in_it():
    text = """pack p version "1"
fact placed_on: date
fact amount: int
decision rate: int as of placed_on cite "a"
rule low cite "a": when amount > 10 then rate = 1
rule high cite "b" effective from 2022-01-13 until 2022-02-01: when amount > 100 then rate = 2
"""
    result = load_texts({"p.rules": text})
    assert result.ok
    conflicts = [f for f in run_checks(result.pack, jobs=1).findings if f.code == "E602"]
    assert conflicts, "the conflict of the amendment's period is found"
    day = conflicts[0].counterexample.case["placed_on"]
    assert "2022-01-13" <= day < "2022-02-01"


# ---------------------------------------------------------------- refinement

OLD = """pack p version "1"
fact amount: int
fact verified: bool
fact country: domestic | foreign
assume amounts: amount >= 0
decision refund_allowed: bool default false cite "Art. 36"
rule small cite "Art. 36": when amount <= 100 then refund_allowed = true
"""


def _pack(text: str):
    result = load_texts({"p.rules": text})
    assert result.ok, [d.message for d in result.diagnostics]
    return result.pack


def _refine(old: str, new: str, expect: Expectation):
    (result,) = check_refinements(_pack(old), _pack(new), [(expect, "refund_allowed")])
    return result


NARROWED = OLD.replace("when amount <= 100", "when amount <= 100 and verified")
WIDENED = OLD.replace("when amount <= 100", "when amount <= 150")


def test_narrowing_is_proved_and_widening_refuted_with_a_witness():
    assert _refine(OLD, NARROWED, Expectation.NARROWER).verdict is Verdict.PROVED
    result = _refine(OLD, WIDENED, Expectation.NARROWER)
    assert result.verdict is Verdict.REFUTED
    assert 100 < result.witness["amount"] <= 150 and (result.old, result.new) == (False, True)


def test_widening_is_proved_and_narrowing_refuted_with_a_witness():
    assert _refine(OLD, WIDENED, Expectation.WIDER).verdict is Verdict.PROVED
    result = _refine(OLD, NARROWED, Expectation.WIDER)
    assert result.verdict is Verdict.REFUTED
    assert result.witness["verified"] is False and result.witness["amount"] <= 100
    assert (result.old, result.new) == (True, False)


def test_same_needs_both_directions():
    reordered = OLD.replace("when amount <= 100", "when not (amount > 100)")
    assert _refine(OLD, reordered, Expectation.SAME).verdict is Verdict.PROVED
    assert _refine(OLD, WIDENED, Expectation.SAME).verdict is Verdict.REFUTED
    assert _refine(OLD, NARROWED, Expectation.SAME).verdict is Verdict.REFUTED


def test_an_undetermined_outcome_grants_nothing():
    """A new rule that conflicts with the old one turns `true` into a conflict: not wider, and
    (the conflict granting nothing) narrower."""
    conflicting = OLD + 'rule foreign_no cite "Art. 39": when country == foreign then refund_allowed = false\n'
    wider = _refine(OLD, conflicting, Expectation.WIDER)
    assert wider.verdict is Verdict.REFUTED
    assert wider.old is True and wider.new["undetermined"].startswith("conflict")
    assert _refine(OLD, conflicting, Expectation.NARROWER).verdict is Verdict.PROVED


def test_a_decision_that_is_not_boolean_cannot_be_refined():
    result = _refine(OLD.replace("refund_allowed", "other") + "decision refund_allowed: int default 1\n", OLD,
                     Expectation.SAME)
    assert result.verdict is Verdict.INVALID and "not bool" in result.reason


# ---------------------------------------------------------------- the command line


def test_cli_diff_as_of_two_days_with_expectations(capsys):
    args = ["diff", str(PACK), "--as-of", "2022-01-12", "--as-of", "2022-01-13"]
    assert main([*args, "--expect", "narrower", "over_cap", "--expect", "wider", "removed"]) == 0
    out = capsys.readouterr().out
    assert "as of 2022-01-12 -> as of 2022-01-13" in out and "2 of 2 expectations proved" in out
    assert "changed     over_cap" in out
    assert main([*args, "--expect", "wider", "over_cap", "--format", "json"]) == 1
    body = json.loads(capsys.readouterr().out)
    assert body["as_of"] == {"old": "2022-01-12", "new": "2022-01-13"}
    (refuted,) = body["expectations"]
    assert refuted["verdict"] == "refuted" and refuted["old"] is True and refuted["new"] is False
    assert 3000 < refuted["witness"]["listed_products"] <= 1000000


def test_cli_diff_usage_errors(capsys):
    assert main(["diff", str(PACK), "--as-of", "2022-01-12"]) == 2
    assert main(["diff", str(PACK), str(PACK), "--as-of", "2022-13-01"]) == 2
    assert main(["diff", str(PACK), str(PACK), "--expect", "smaller", "over_cap"]) == 2
    err = capsys.readouterr().err
    assert "two `--as-of`" in err and "YYYY-MM-DD" in err and "narrower, wider, same" in err


def test_marketplace_2022_notices_change_over_on_their_days():
    """The marketplace pack read as of the day before and the day of the violation deductions'
    launch: the deduction only widens, and the witness is a violation after the first period."""
    market = Path(__file__).resolve().parents[1] / "policies" / "marketplace"
    before, launch = (r.pack for r in load_pack_as_of(market, [_day("2022-02-26"), _day("2022-02-27")]))
    expectations = [(Expectation.WIDER, "violation_deduction_applies"), (Expectation.NARROWER, "violation_deduction_applies"),
                    (Expectation.SAME, "unsold_product_removed")]
    wider, narrower, same = check_refinements(before, launch, expectations)
    assert wider.verdict is Verdict.PROVED and same.verdict is Verdict.PROVED
    assert narrower.verdict is Verdict.REFUTED and (narrower.old, narrower.new) == (False, True)
    assert narrower.witness["violation_period_starts_on"] > "2022-01-26"


def test_a_dated_constant_read_by_a_formula_is_an_error():
    text = """pack p version "1"
fact n: int
const cap = 5 effective until 2022-01-01 cite "Art. 27"
decision over: bool cite "Art. 27" = n > cap
"""
    codes = [d.code for d in load_texts({"p.rules": text}).diagnostics]
    assert codes == ["E323"]


def test_when_and_partial_follow_the_periods(tmp_path, capsys):
    facts = tmp_path / "facts.json"
    facts.write_text(json.dumps({**CASE, "placed_on": "2021-06-01"}))
    assert main(["when", str(PACK), "--facts", str(facts), "--decision", "removed"]) == 0
    assert "`removed` holds from 2022-01-13" in capsys.readouterr().out
    assert main(["when", str(PACK), "--facts", str(facts), "--decision", "over_cap"]) == 0
    assert "`over_cap` holds from 2021-06-01 to 2022-01-12" in capsys.readouterr().out
    assert main(["decide", str(PACK), "--facts", str(facts), "--partial", "--format", "json"]) == 0
    partial = json.loads(capsys.readouterr().out)["partial"]
    for name in ("over_cap", "removed"):  # read as of today, which the case leaves open
        assert partial[name]["depends_on"] == ["today"] and len(partial[name]["values"]) == 2
    true_on = next(v["witness"]["today"] for v in partial["over_cap"]["values"] if v["value"] is True)
    assert true_on < "2022-01-13"  # only while the cap is in force
    assert partial["commission_rate"]["forced"] == 0.05  # read as of placed_on, which the case gives
