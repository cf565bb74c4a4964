"""The PostgreSQL text of the SQL back end, run on a real server (Debian's `postgresql`, started
here in a temporary folder): every visible marketplace example, and each with a required fact
left out, decided by one query agree with the evaluator on every decision and cause; so do
cases of the collections fixture (lists of records from empty to their maximum length, read
from arrays of composite types)."""

from __future__ import annotations

import json

import psycopg
import pyarrow as pa
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from ruleproof.checker.evaluate import CompiledPack
from ruleproof.checker.pipeline import load_pack
from ruleproof.checker.sql.cases import ROW, case_table, outcomes
from ruleproof.checker.sql.compile import compile_query
from ruleproof.checker.sql.dialects import text
from ruleproof.checker.values import read_facts
from test_server_postgres import postgres  # noqa: F401 - a fixture

try:
    from tests.sql_differential import expected, with_missing_facts
    from tests.sql_examples import CASES, PACK
    from tests.test_differential import COLLECTION_LENGTH, COMMON, collections, draw_case
except ImportError:  # pytest run without the repository root on sys.path
    from sql_differential import expected, with_missing_facts
    from sql_examples import CASES, PACK
    from test_differential import COLLECTION_LENGTH, COMMON, collections, draw_case

TYPES = {pa.bool_(): "BOOLEAN", pa.int64(): "BIGINT", pa.date32(): "DATE", pa.string(): "TEXT",
         pa.timestamp("us"): "TIMESTAMP", pa.list_(pa.string()): "TEXT[]"}


_ = postgres  # the module's server (a fixture of tests/test_server_postgres.py)


COLLECTION_CASES = 15  # per list length, from empty to the fixture's maximum
SAMPLE: dict[int, list[dict]] = {}


def column_type(t: pa.DataType) -> str:
    return f"NUMERIC(38, {t.scale})" if pa.types.is_decimal(t) else TYPES[t]


def decide_on_postgres(postgres, pack, wires: list[dict]) -> None:
    """Decide `wires` (and their missing-fact copies) in one query on PostgreSQL; assert every
    decision agrees with the evaluator. A list fact is a column of an array of a composite type
    named after its record (specs/sql.md), filled from JSON by jsonb_populate_record."""
    wires = with_missing_facts(pack, wires)
    facts = [read_facts(pack, w) for w in wires]
    table = case_table(pack, enumerate(facts))
    lists = {f.name: f.type.element.param for f in pack.facts.values() if f.type.kind == "list"}
    columns = ", ".join(f'"{f.name}" {lists[f.name] + "[]" if f.name in lists else column_type(f.type)}' for f in table.schema)
    marks = ", ".join(f"(SELECT CASE WHEN j IS NULL THEN NULL ELSE ARRAY(SELECT jsonb_populate_record(NULL::{lists[f.name]}, e) "
                      "FROM jsonb_array_elements(j) e) END FROM (SELECT %s::jsonb AS j) AS given)"
                      if f.name in lists else "%s" for f in table.schema)
    rows = [tuple(json.dumps(v, default=str) if k in lists and v is not None else v for k, v in r.items())
            for r in table.to_pylist()]
    with psycopg.connect(postgres.url, autocommit=True) as con:
        con.execute("DROP TABLE IF EXISTS cases")
        for column, record in lists.items():  # the record's fields, typed as their columns would be
            fields = table.schema.field(column).type.value_type
            con.execute(f"DROP TYPE IF EXISTS {record}")
            con.execute(f"CREATE TYPE {record} AS (" + ", ".join(
                f'"{field.name}" {column_type(field.type)}' for field in fields) + ")")
        con.execute(f"CREATE TABLE cases ({columns})")
        with con.cursor() as cur:
            cur.executemany(f"INSERT INTO cases VALUES ({marks})", rows)
        query = text(compile_query(pack, None, "cases", (ROW,)), "postgres") + f' ORDER BY "{ROW}"'
        with con.cursor() as cur:
            cur.execute(query)
            names = [d.name for d in cur.description]
            rows = [dict(zip(names, r)) for r in cur.fetchall()]
    decided = pa.Table.from_pylist(rows)
    compiled = CompiledPack(pack)
    wrong = []
    for (row, got), f in zip(outcomes(pack, pack.decision_order, decided), facts):
        want = expected(compiled, f)
        wrong += [(row, n, want[n], got[n]) for n in pack.decision_order if got[n] != want[n]]
    assert len(rows) == len(wires) and not wrong, json.dumps(wrong[:5], default=str)


def test_postgres_decides_the_examples_as_the_evaluator_does(postgres):  # noqa: F811
    decide_on_postgres(postgres, load_pack(PACK).pack, [c["facts"] for c in CASES])


@pytest.mark.parametrize("length", range(COLLECTION_LENGTH + 1))
@settings(max_examples=COLLECTION_CASES, **COMMON)
@given(data=st.data())
def test_draw_the_collections_sample(length, data):
    SAMPLE.setdefault(length, []).append(draw_case(data, collections(length)))


def test_postgres_decides_lists_of_records_as_the_evaluator_does(postgres):  # noqa: F811
    assert set(SAMPLE) == set(range(COLLECTION_LENGTH + 1)), "run with the sampling test above"
    decide_on_postgres(postgres, collections(0).pack, [w for wires in SAMPLE.values() for w in wires])


def test_postgres_months_agree_with_the_evaluator(postgres):  # noqa: F811
    """Calendar months (issue 16) in PostgreSQL: the months pack of tests/test_differential.py
    decided by its query at month ends and leap days agrees with the evaluator; and
    PostgreSQL's own `date + interval` clamps to the month's last day as semantics.calendar does."""
    import datetime as dt

    from ruleproof.checker.pipeline import load_texts
    from ruleproof.checker.semantics.calendar import CONCRETE_MONTHS
    from test_differential import MONTH_ENDS, MONTHS_PACK

    pack = load_texts({"pack.rules": MONTHS_PACK}).pack
    wires = [{"today": day, "placed_on": MONTH_ENDS[(i + 5) % len(MONTH_ENDS)], "opened_at": day + "T00:01", "paid_on": day}
             for i, day in enumerate(MONTH_ENDS)]
    facts = [read_facts(pack, w) for w in wires]
    table = case_table(pack, enumerate(facts))
    columns = ", ".join(f'"{f.name}" {column_type(f.type)}' for f in table.schema)
    marks = ", ".join("%s" for _ in table.schema)
    with psycopg.connect(postgres.url, autocommit=True) as con:
        con.execute(f"CREATE TABLE month_cases ({columns})")
        with con.cursor() as cur:
            cur.executemany(f"INSERT INTO month_cases VALUES ({marks})", [tuple(r.values()) for r in table.to_pylist()])
            cur.execute(text(compile_query(pack, None, "month_cases", (ROW,)), "postgres") + f' ORDER BY "{ROW}"')
            names = [d.name for d in cur.description]
            rows = [dict(zip(names, r)) for r in cur.fetchall()]
            cur.execute("SELECT d::date, n, (d + make_interval(months => n))::date FROM "
                        "generate_series(DATE '2023-01-01', DATE '2024-12-31', INTERVAL '1 day') d, generate_series(-13, 13) n")
            native = cur.fetchall()
    compiled = CompiledPack(pack)
    wrong = []
    for (row, got), f in zip(outcomes(pack, pack.decision_order, pa.Table.from_pylist(rows)), facts):
        want = expected(compiled, f)
        wrong += [(row, n, want[n], got[n]) for n in pack.decision_order if got[n] != want[n]]
    assert len(rows) == len(wires) and not wrong, json.dumps(wrong[:5], default=str)
    assert len(native) == 731 * 27
    assert all(result == dt.date.fromordinal(CONCRETE_MONTHS.add(day.toordinal(), n)) for day, n, result in native)
