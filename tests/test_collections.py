"""Lists of records and their aggregates outside the differential tests: JSON facts with their
paths (read_facts and over HTTP), counterexamples and partial questions that show lists, traces
of rules whose conditions aggregate. (Evaluator vs Z3 vs SQL: tests/test_differential.py;
errors: tests/diagnostics/E220*, E221, E222; the language: specs/language.md.)"""

from __future__ import annotations

import datetime as dt
import functools
import json
import shutil
from fractions import Fraction
from pathlib import Path

import pytest
from ruleproof.checker.checks import run_checks
from ruleproof.checker.evaluate import CompiledPack
from ruleproof.checker.partial import partial_decisions
from ruleproof.checker.pipeline import load_pack, load_texts
from ruleproof.checker.sql.dialects import emit
from ruleproof.checker.values import InvalidFacts, read_facts, to_wire

try:
    from tests.server_support import close, make_app
except ImportError:  # pytest run without the repository root on sys.path
    from server_support import close, make_app

FIXTURE = Path(__file__).resolve().parent / "fixtures" / "collections"
REVIEW = {"stars": 5, "posted_on": "2026-02-20", "verified": True, "weight": 0.5}
CASE = {"categories": [], "reviews": [REVIEW], "today": "2026-03-02", "divisor": 1, "bar": 4}


@functools.cache
def pack():
    result = load_pack(FIXTURE)
    assert result.ok
    return result.pack


def errors_of(raw: dict) -> dict[str, str]:
    with pytest.raises(InvalidFacts) as caught:
        read_facts(pack(), raw)
    return {e.path: e.message for e in caught.value.errors}


def test_a_list_round_trips_through_json():
    facts = read_facts(pack(), CASE)
    assert facts["reviews"] == ((5, dt.date(2026, 2, 20).toordinal(), True, Fraction(1, 2)),)
    assert to_wire(facts["reviews"], pack().facts["reviews"].type) == [REVIEW]


def test_a_list_longer_than_declared_is_refused_at_its_first_extra_record():
    assert errors_of({**CASE, "reviews": [REVIEW] * 4}) == {
        "facts.reviews[3]": "is one record too many: `list of review up to 3` holds at most 3"}


def test_each_bad_field_is_named_by_its_path():
    bad = [{**REVIEW, "stars": 9}, {"stars": 4, "posted_on": "2026-02-30", "verified": True, "weight": 1, "extra": 1},
           {k: v for k, v in REVIEW.items() if k != "verified"}]
    assert errors_of({**CASE, "reviews": bad}) == {
        "facts.reviews[0].stars": "must be between 1 and 5, not 9",
        "facts.reviews[1].extra": "unknown field; fields are stars, posted_on, verified, weight",
        "facts.reviews[1].posted_on": 'must be a valid date, not "2026-02-30"',
        "facts.reviews[2].verified": "missing: every record gives `verified`",
    }
    assert errors_of({**CASE, "reviews": {"stars": 5}}) == {"facts.reviews": 'must be a list of review records, not {"stars": 5}'}


def test_min_of_no_records_is_undetermined_with_its_cause():
    outcome = CompiledPack(pack()).decide(read_facts(pack(), CASE))
    assert outcome.undetermined["highest_deposit"]["cause"] == "empty_list"
    assert outcome.undetermined["highest_deposit"]["reason"] == "max of an empty list"
    assert outcome.values["good_reviews"] == 1


def test_a_trace_names_the_aggregate_that_failed():
    compiled = CompiledPack(pack())
    facts = read_facts(pack(), {**CASE, "reviews": []})
    outcome = compiled.decide(facts)
    trace = {t["decision"]: t for t in compiled.explain(facts, outcome)}
    rules = {r["rule"]: r for r in trace["rating"]["rules"]}
    assert rules["new_rating"]["status"] == "fired"
    assert rules["premium_rating"]["status"] == "not fired"
    assert "count(reviews where stars >= 4) >= 2" in json.dumps(rules["premium_rating"]["why_not"])


def test_a_partial_question_gives_a_witness_list():
    facts = read_facts(pack(), {k: v for k, v in CASE.items() if k != "reviews"}, fill_absent=False)
    answer = partial_decisions(pack(), facts, ["rating"])["rating"]
    assert answer["depends_on"] == ["reviews"]
    # premium, regular and new sellers, and lists of only 1-star reviews, which get no rating
    assert sorted(v.get("value", "-") for v in answer["values"]) == ["-", "new_seller", "premium_seller", "regular_seller"]
    compiled = CompiledPack(pack())
    for outcome in answer["values"]:  # each witness is a list, and replays to its outcome
        assert isinstance(outcome["witness"]["reviews"], list)
        replayed = compiled.decide(read_facts(pack(), outcome["witness"]), ["rating"])
        assert replayed.values.get("rating") == outcome.get("value")


def test_a_record_and_a_fact_of_one_name_is_a_clash_not_a_crash():
    """Found by the front-end fuzzer: the record's fields were looked up on the fact."""
    for text in ('pack p version "1"\nfact category: int\nrecord category:\n  score: int\n',
                 'pack p version "1"\nrecord category:\n  score: int\nfact category: int\n'):
        result = load_texts({"a.rules": text})
        assert [d.code for d in result.diagnostics if d.code.startswith("E")] == ["E102"], result.diagnostics


def test_a_counterexample_shows_the_list():
    text = (FIXTURE / "collections.rules").read_text()
    text += '\nproperty never_premium_below_three_reviews cite "Art. 56": never rating is present and rating == premium_seller and count(reviews) < 3\n'
    result = load_texts({"collections.rules": text})
    assert result.ok
    findings = [d for d in run_checks(result.pack, only=["properties"], jobs=1).findings if "never_premium" in d.message]
    assert findings, "the property fails: two good verified reviews make a premium seller"
    case = findings[0].counterexample.case
    assert CompiledPack(result.pack).decide(read_facts(result.pack, case), ["rating"]).values["rating"] == "premium_seller"
    assert isinstance(case["reviews"], list) and 2 <= len(case["reviews"]) < 3
    assert all(set(r) == {"stars", "posted_on", "verified", "weight"} for r in case["reviews"])


def test_http_names_the_record_too_many(tmp_path):
    policies = tmp_path / "policies"
    shutil.copytree(FIXTURE, policies / "collections")
    app = make_app(policies)
    try:
        client = app.test_client()
        ok = client.post("/v1/decide", json={"pack": "collections", "facts": CASE, "decisions": ["good_reviews"]})
        assert ok.status_code == 200, ok.get_data(as_text=True)
        assert ok.json["decisions"] == {"good_reviews": 1}
        bad = client.post("/v1/decide", json={"pack": "collections", "facts": {**CASE, "reviews": [REVIEW] * 5}})
        assert bad.status_code == 422
        assert bad.json["errors"] == [{"path": "facts.reviews[3]",
                                       "message": "starts 2 records too many: `list of review up to 3` holds at most 3"}]
    finally:
        close(app)


def test_each_dialect_reads_a_record_of_a_list():
    def query(dialect: str) -> str:
        return "".join(emit(pack(), ["good_reviews"], dialect).split())

    assert '("reviews"[1])."stars"' in query("postgres") and '("reviews"[1])."stars"' in query("duckdb")
    assert "(`reviews`[0]).`stars`" in query("spark")  # sqlglot writes each dialect's first index
