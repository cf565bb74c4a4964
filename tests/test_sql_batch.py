"""`ruleproof compile --to sql` and `ruleproof batch` on DuckDB (in-process): the visible
examples decided right, every format in and out, bad rows reported by number while the others
are decided, and each dialect's query text (PostgreSQL's run on a real server elsewhere)."""

from __future__ import annotations

import csv
import json

import pyarrow.parquet as pq
import pytest
from ruleproof.main import main

try:
    from tests.sql_examples import CASES, PACK, batch_examples, wrong_answers
except ImportError:  # pytest run without the repository root on sys.path
    from sql_examples import CASES, PACK, batch_examples, wrong_answers


def test_examples_decided_right_by_batch_on_duckdb(tmp_path):
    results = batch_examples(tmp_path, "duckdb")
    assert not wrong_answers(results)


def test_duckdb_batch_equals_python_batch_line_for_line(tmp_path):
    (tmp_path / "py").mkdir()
    (tmp_path / "db").mkdir()

    def outcomes(results):
        return [(r["decisions"], {n: u["cause"] for n, u in r["undetermined"].items()}) for r in results]

    assert outcomes(batch_examples(tmp_path / "py", "python")) == outcomes(batch_examples(tmp_path / "db", "duckdb"))


def test_bad_rows_get_their_row_number_and_the_others_are_decided(tmp_path, capsys):
    cases = tmp_path / "cases.jsonl"
    good = CASES[0]["facts"]
    cases.write_text(json.dumps(good) + "\n{not json\n" + json.dumps({**good, "placed_on": "2025-02-30"}) + "\n"
                     + json.dumps({"no_such_fact": 1}) + "\n" + json.dumps(good) + "\n")
    out = tmp_path / "out.jsonl"
    assert main(["batch", str(PACK), "--cases", str(cases), "--out", str(out), "--decision", "payment_deadline"]) == 0
    lines = [json.loads(line) for line in out.read_text().splitlines()]
    assert [line.get("row") for line in lines] == [None, 2, 3, 4, None]
    assert "invalid JSON" in lines[1]["error"] and "placed_on" in lines[2]["error"] and "no_such_fact" in lines[3]["error"]
    assert lines[0]["decisions"] == lines[4]["decisions"] == {"payment_deadline": CASES[0]["expect"]["payment_deadline"]}
    assert "3 bad rows" in capsys.readouterr().err


@pytest.mark.parametrize("suffix", [".csv", ".parquet"])
def test_csv_and_parquet_out_and_back_in(tmp_path, suffix):
    cases = tmp_path / "cases.jsonl"
    cases.write_text("".join(json.dumps(c["facts"]) + "\n" for c in CASES))
    first = tmp_path / ("first" + suffix)
    assert main(["batch", str(PACK), "--cases", str(cases), "--out", str(first), "--decision", "payment_deadline",
                 "--decision", "order_closed_unpaid"]) == 0
    if suffix == ".csv":
        rows = list(csv.DictReader(first.open()))
    else:
        rows = pq.read_table(first).to_pylist()
    assert len(rows) == len(CASES)
    for case, row in zip(CASES, rows):
        if "order_closed_unpaid" in case["expect"]:
            assert str(row["order_closed_unpaid"]).lower() == str(case["expect"]["order_closed_unpaid"]).lower()


def test_parquet_to_parquet_stays_inside_duckdb(tmp_path):
    import duckdb

    con = duckdb.connect()
    cases = tmp_path / "cases.parquet"
    con.execute("COPY (SELECT DATE '2025-01-12' + CAST(i AS INTEGER) AS placed_on, DATE '2025-02-02' AS today FROM range(100) t(i)) "
                f"TO '{cases}' (FORMAT parquet)")
    out = tmp_path / "out.parquet"
    assert main(["batch", str(PACK), "--cases", str(cases), "--out", str(out), "--decision", "order_closed_unpaid"]) == 0
    rows = pq.read_table(out).to_pylist()
    assert len(rows) == 100
    assert rows[0]["order_closed_unpaid"] is True and rows[-1]["order_closed_unpaid"] is False


@pytest.mark.parametrize("dialect", ["duckdb", "spark", "postgres"])
def test_compile_prints_one_query_per_dialect(dialect, capsys):
    assert main(["compile", str(PACK), "--to", "sql", "--dialect", dialect, "--decision", "refund_request_allowed"]) == 0
    text = capsys.readouterr().out
    assert text.startswith("SELECT") and '"refund_request_allowed__cause"' in text.replace("`", '"')


def test_compile_refuses_an_unknown_decision(capsys):
    assert main(["compile", str(PACK), "--decision", "no_such_decision"]) != 0
    assert "unknown decision `no_such_decision`" in capsys.readouterr().err


def test_spark_refuses_date_times_with_their_place(tmp_path, capsys):
    (tmp_path / "p.rules").write_text('pack p version "1"\nfact at: datetime cite "x"\n'
                                      'decision late: bool cite "x" = at > 2026-03-02T10:00\n')
    assert main(["compile", str(tmp_path / "p.rules"), "--dialect", "spark"]) == 2
    err = capsys.readouterr().err
    assert "p.rules:2:" in err and "date-time" in err and "^" in err
    assert main(["compile", str(tmp_path / "p.rules"), "--dialect", "duckdb"]) == 0
    capsys.readouterr()
    (tmp_path / "cases.jsonl").write_text('{"at": "2026-03-02T11:00"}\n')
    out = tmp_path / "out.jsonl"
    assert main(["batch", str(tmp_path / "p.rules"), "--cases", str(tmp_path / "cases.jsonl"), "--out", str(out),
                 "--engine", "spark"]) == 2  # refused before a Spark session starts
    err = capsys.readouterr().err
    assert "p.rules:2:" in err and "date-time" in err and "^" in err and not out.exists()


def test_a_parquet_column_of_the_wrong_type_is_a_usage_error(tmp_path, capsys):
    import duckdb

    cases = tmp_path / "cases.parquet"
    duckdb.connect().execute(f"COPY (SELECT 'not a date' AS placed_on) TO '{cases}' (FORMAT parquet)")
    assert main(["batch", str(PACK), "--cases", str(cases), "--out", str(tmp_path / "out.parquet")]) == 2
    err = capsys.readouterr().err
    assert str(cases) in err and "internal error" not in err


def test_parquet_examples_agree_with_the_evaluator_on_every_decision(tmp_path):
    """The visible examples as a Parquet file (lists of records left out: no column, so absent;
    a column without a NULL is not tested for absence) decided Parquet to Parquet inside
    DuckDB: every decision's value and cause as `--engine python` decides the same facts."""
    from ruleproof.checker.pipeline import load_pack
    from ruleproof.checker.sql.cases import case_table, wire_value
    from ruleproof.checker.values import read_facts

    pack = load_pack(PACK).pack
    lists = [f.name for f in pack.facts.values() if f.type.kind == "list"]
    facts = [{k: v for k, v in c["facts"].items() if k not in lists} for c in CASES]
    table = case_table(pack, enumerate(read_facts(pack, f) for f in facts)).drop_columns(["_row", *lists])
    assert any(table.column(n).null_count == 0 for n in table.column_names)  # some column is never absent
    pq.write_table(table, tmp_path / "cases.parquet")
    (tmp_path / "cases.jsonl").write_text("".join(json.dumps(f) + "\n" for f in facts))
    assert main(["batch", str(PACK), "--cases", str(tmp_path / "cases.jsonl"), "--out", str(tmp_path / "py.jsonl"),
                 "--engine", "python"]) == 0
    assert main(["batch", str(PACK), "--cases", str(tmp_path / "cases.parquet"), "--out", str(tmp_path / "db.parquet")]) == 0
    expected = [json.loads(line) for line in (tmp_path / "py.jsonl").read_text().splitlines()]
    rows = pq.read_table(tmp_path / "db.parquet").to_pylist()
    assert len(rows) == len(expected) == len(CASES)
    for row, want in zip(rows, expected):
        got = {"decisions": {}, "undetermined": {}}
        for name in pack.decision_order:
            if row[name + "__cause"] is not None:
                got["undetermined"][name] = row[name + "__cause"]
            else:
                got["decisions"][name] = wire_value(row[name], pack.decisions[name].type.required())
        assert got == {"decisions": want["decisions"], "undetermined": {n: u["cause"] for n, u in want["undetermined"].items()}}
