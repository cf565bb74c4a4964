"""`ruleproof replay --engine duckdb` and `ruleproof log export --to parquet`: the log replayed in
one DuckDB query reports exactly what the evaluator's replay reports (counts by decision,
examples, refused cases), from the SQLite log and from its Parquet export."""

from __future__ import annotations

import json

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
