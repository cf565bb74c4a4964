"""`ruleproof replay --engine duckdb` and `ruleproof log export --to parquet`: the log replayed in
one DuckDB query reports exactly what the evaluator's replay reports (counts by decision,
examples, refused cases), from the SQLite log and from its Parquet export."""

from __future__ import annotations

import json

import pytest
from server_support import CASE, close, make_app
from test_server_log import logged, new_version, run_cli  # noqa: F401 - `logged` is a fixture

_ = logged


def both_engines(log: str, pack: str, *extra: str) -> tuple[dict, dict]:
    code_py, out_py = run_cli("replay", "--log", log, "--pack", pack, "--format", "json", *extra)
    code_db, out_db = run_cli("replay", "--log", log, "--pack", pack, "--format", "json", "--engine", "duckdb", *extra)
    assert code_py == code_db == 0
    return json.loads(out_py), json.loads(out_db)


def test_duckdb_replay_reports_what_the_evaluator_reports(logged, tmp_path):  # noqa: F811
    path, _, _ = logged
    python, duckdb = both_engines(str(path), str(new_version(tmp_path)))
    assert python["changed_cases"] == 4
    assert duckdb == python


def test_replay_from_a_parquet_export(logged, tmp_path):  # noqa: F811
    path, _, _ = logged
    out = tmp_path / "log.parquet"
    assert run_cli("log", "export", "--log", str(path), "--to", "parquet", "--out", str(out))[0] == 0
    v2 = str(new_version(tmp_path))
    python, _ = both_engines(str(path), v2)
    code, text = run_cli("replay", "--log", str(out), "--pack", v2, "--format", "json")
    assert code == 0
    from_parquet = json.loads(text)
    assert {**from_parquet, "log": None} == {**python, "log": None}
    assert run_cli("log", "export", "--log", str(path), "--out", str(tmp_path / "log.csv"))[0] == 2


def test_duckdb_replay_reports_refused_cases(tmp_path):
    path = tmp_path / "d.sqlite"
    app = make_app(decision_log=path)
    app.test_client().post("/v1/decide", json={"pack": "shop", "facts": {**CASE, "express": True}})
    close(app)
    python, duckdb = both_engines(str(path), str(new_version(tmp_path, remove_fact=True)))
    assert duckdb["invalid_cases"] == 1 and duckdb == python


def test_duckdb_replay_compares_cases_that_leave_out_a_fact_with_a_range(logged, tmp_path):  # noqa: F811
    """A fact with a range (`int 1..5`) no logged case sends is in range: each case is compared,
    not dropped from both counts (its range test must not be NULL)."""
    path, _, _ = logged
    target = new_version(tmp_path)
    orders = target / "orders.rules"
    orders.write_text(orders.read_text() + '\nfact rating: int 1..5 = 3 cite "Art. 4"\n')
    python, duckdb = both_engines(str(path), str(target))
    assert python["replayed"] > 0 and python["decisions"]
    assert duckdb == python


def test_spark_replay_refuses_date_times_before_reading_a_case(tmp_path, capsys):
    """What Spark's SQL cannot express exactly (date-times) is refused with its place in the
    pack, as `batch --engine spark` refuses it, before any session starts."""
    pack = tmp_path / "policies" / "moments"
    pack.mkdir(parents=True)
    (pack / "pack.rules").write_text('pack moments version "1"\nfact at: datetime\nfact gap: minutes\n'
                                     'decision earlier: datetime cite "c" = at - gap\n')
    path = tmp_path / "d.sqlite"
    app = make_app(tmp_path / "policies", decision_log=path)
    assert app.test_client().post("/v1/decide", json={"pack": "moments", "facts": {"at": "2026-01-01T10:00", "gap": 5}}).status_code == 200
    close(app)
    code, _ = run_cli("replay", "--log", str(path), "--pack", str(pack), "--engine", "spark")
    err = capsys.readouterr().err
    assert code == 2 and "pack.rules:4:" in err and "spark" in err.lower(), err


@pytest.mark.parametrize("group_bytes", [1, 64 << 20])
def test_duckdb_reads_a_log_of_batches_as_the_python_reader_does(tmp_path, monkeypatch, group_bytes):
    """The table DuckDB makes of a log (a batch's row unnested into its decided cases) holds the
    rows read_log gives: the same ids, facts, decisions and undetermined ones, whatever the
    numbers' spelling in the request as sent."""
    import duckdb
    from ruleproof import replay_sql
    from ruleproof.replay_sql import load_log
    from ruleproof.server.decision_log import DecisionLog, read_log
    from ruleproof.server.ids import new_ids

    path = tmp_path / "d.sqlite"
    log = DecisionLog(path)
    ids = new_ids(4)
    request = '{"pack": "p", "cases": [{"a": 1.10, "b": 1e2, "c": [1, 2.50], "d": "é\\n\\"x"}, {"a": "bad"}, {"a": -0.0}]}'
    response = ('{"results": [{"index": 0, "decision_id": "' + ids[1] + '", "decisions": {"x": 1.5}, "undetermined": {}}, '
                '{"index": 1, "error": {"code": "invalid_facts"}}, '
                '{"index": 2, "decision_id": "' + ids[2] + '", "decisions": {}, "undetermined": {"x": {"reason": "r"}}}]}')
    log.record([(ids[0], 0.0, "p", "1", {"a": 3}, {"x": 2}, {}, None, "r")])
    log.record_batch((ids[1], 0.0, "p", "1", "r", ["x"], 2, request.encode(), response.encode()))
    log.record([(ids[3], 0.0, "q", "1", {"a": 4}, {}, {}, None, "r")])
    log.record_batch((ids[3] + "b", 0.0, "p", "1", "r", None, 1, b'{"cases": [{"z": 1}]}',
                      ('{"results": [{"index": 0, "decision_id": "' + ids[3] + 'b", "decisions": {}, "undetermined": {}}]}').encode()))
    log.close()
    monkeypatch.setattr(replay_sql, "BATCH_BYTES", group_bytes)  # 1: each batch row unnested alone
    con = duckdb.connect()
    load_log(con, str(path), "p")
    table = [(r[0], json.loads(r[4]), json.loads(r[5]), json.loads(r[6]), r[7] and json.loads(r[7]))
             for r in con.execute("SELECT * FROM log ORDER BY decision_id").fetchall()]
    python = [(r.decision_id, r.facts, r.decisions, r.undetermined, r.requested) for r in read_log(path, "p")]
    assert table == python and len(table) == 4
    assert table[1][1] == {"a": 1.1, "b": 100.0, "c": [1, 2.5], "d": 'é\n"x'} and table[1][4] == ["x"]


def test_a_batch_row_that_is_not_json_is_a_message_on_either_engine(tmp_path):
    import sqlite3

    from ruleproof.server.decision_log import DecisionLog

    path = tmp_path / "d.sqlite"
    DecisionLog(path).close()
    with sqlite3.connect(path) as conn:
        conn.execute("INSERT INTO decision_batches VALUES ('b1', 't', 'shop', '1.0', 'r', NULL, 1, '{\"cases\": [', '{}')")
    pack = str(new_version(tmp_path))
    for engine in ("python", "duckdb"):
        code, _ = run_cli("replay", "--log", str(path), "--pack", pack, "--engine", engine)
        assert code == 2, engine
