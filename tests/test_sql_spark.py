"""The SQL back end on Apache Spark (pyspark, a local session on Debian's Java; one session for
this module): the visible examples through `ruleproof batch --engine spark`, a sample of
the differential cases (marketplace, generated and collections packs, each with missing-fact copies) decided
in one Spark query per pack, agreeing with the evaluator on every decision and cause, and a
decision log replayed with `ruleproof replay --engine spark` reporting what the evaluator's
replay reports."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from ruleproof.checker.pipeline import load_texts
from ruleproof.checker.sql.engines import decide_spark, spark_session
from server_support import close, make_app
from test_server_log import CASES, new_version, run_cli

try:
    from tests.sql_differential import check_sql
    from tests.sql_examples import batch_examples, wrong_answers
    from tests.test_differential import (
        COLLECTION_LENGTH,
        COMMON,
        MONTH_ENDS,
        MONTHS_PACK,
        Subject,
        collections,
        draw_case,
        generated,
        marketplace,
    )
except ImportError:  # pytest run without the repository root on sys.path
    from sql_differential import check_sql
    from sql_examples import batch_examples, wrong_answers
    from test_differential import (
        COLLECTION_LENGTH,
        COMMON,
        MONTH_ENDS,
        MONTHS_PACK,
        Subject,
        collections,
        draw_case,
        generated,
        marketplace,
    )

ARTIFACTS = Path(__file__).resolve().parent / "artifacts"
MARKETPLACE_CASES = 150
SEEDS = (0, 3, 7)
CASES_PER_PACK = 40
COLLECTION_CASES = 15  # per list length, from empty to the fixture's maximum
SAMPLE: dict[str, list[dict]] = {}


@pytest.fixture(scope="module")
def spark():
    session = spark_session()
    yield session
    session.stop()


def test_examples_decided_right_by_batch_on_spark(spark, tmp_path):
    assert not wrong_answers(batch_examples(tmp_path, "spark"))


@settings(max_examples=MARKETPLACE_CASES, **COMMON)
@given(data=st.data())
def test_draw_the_marketplace_sample(data):
    SAMPLE.setdefault("marketplace", []).append(draw_case(data, marketplace()))


@pytest.mark.parametrize("seed", SEEDS)
@settings(max_examples=CASES_PER_PACK, **COMMON)
@given(data=st.data())
def test_draw_the_generated_sample(seed, data):
    SAMPLE.setdefault(f"gen{seed}", []).append(draw_case(data, generated(seed)))


@pytest.mark.parametrize("length", range(COLLECTION_LENGTH + 1))
@settings(max_examples=COLLECTION_CASES, **COMMON)
@given(data=st.data())
def test_draw_the_collections_sample(length, data):
    SAMPLE.setdefault(f"collections{length}", []).append(draw_case(data, collections(length)))


def test_spark_agrees_with_the_evaluator_on_the_sample(spark):
    subjects = {"marketplace": marketplace(), **{f"gen{s}": generated(s) for s in SEEDS},
                **{f"collections{n}": collections(n) for n in range(COLLECTION_LENGTH + 1)}}
    assert set(SAMPLE) == set(subjects), "run with the sampling tests above"
    total = 0
    for label, wires in SAMPLE.items():
        seen = check_sql(subjects[label], wires, ARTIFACTS, lambda pack, table: decide_spark(pack, table, None, spark))
        total += seen["cases"]
    assert total >= 2 * (MARKETPLACE_CASES + len(SEEDS) * CASES_PER_PACK + (COLLECTION_LENGTH + 1) * COLLECTION_CASES) * 0.8


def test_spark_months_agree_with_the_evaluator(spark):
    """Calendar months (issue 16) on Spark: the months pack at month ends and leap days agrees
    with the evaluator; and Spark's own `add_months` clamps to the month's last day as
    semantics.calendar does (Spark 3 no longer moves a month's last day to the last day of the
    result month)."""
    import datetime as dt

    from ruleproof.checker.semantics.calendar import CONCRETE_MONTHS

    # without the date-time decisions: Spark's SQL text cannot return a date-time decision yet
    # (the dialect's `date_add` takes no BIGINT minute count), months or not
    text = "".join(line for line in MONTHS_PACK.splitlines(keepends=True) if "opened" not in line)
    subject = Subject("months-spark", load_texts({"pack.rules": text}).pack, {"pack.rules": text})
    wires = [{"today": day, "placed_on": MONTH_ENDS[(i + 7) % len(MONTH_ENDS)], "paid_on": day} for i, day in enumerate(MONTH_ENDS)]
    seen = check_sql(subject, wires, ARTIFACTS, lambda pack, table: decide_spark(pack, table, None, spark))
    assert seen["cases"] == 2 * len(wires)
    rows = spark.sql("SELECT d, n, add_months(d, n) AS r FROM (SELECT explode(sequence(DATE '2023-01-01', DATE '2024-12-31')) AS d) "
                     "CROSS JOIN (SELECT explode(sequence(-13, 13)) AS n)").collect()
    assert len(rows) == 731 * 27
    assert all(r.r == dt.date.fromordinal(CONCRETE_MONTHS.add(r.d.toordinal(), r.n)) for r in rows)


def test_replay_on_spark_reports_what_the_evaluator_reports(spark, tmp_path):
    """Changed decisions by count, by decision and with examples, and a refused case (it sends
    a fact the new version removed)."""
    path = tmp_path / "decisions.sqlite"
    app = make_app(decision_log=path)
    client = app.test_client()
    client.post("/v1/decide", json={"pack": "shop", "facts": CASES[0]})
    client.post("/v1/decide/batch", json={"pack": "shop", "cases": CASES[1:] + [{**CASES[0], "express": True}]})
    close(app)
    v2 = str(new_version(tmp_path, remove_fact=True))
    reports = {}
    for engine in ("python", "spark"):
        code, text = run_cli("replay", "--log", str(path), "--pack", v2, "--format", "json", "--engine", engine)
        assert code == 0
        reports[engine] = json.loads(text)
    assert reports["python"]["changed_cases"] == 4 and reports["python"]["invalid_cases"] == 1
    assert reports["spark"] == reports["python"]
