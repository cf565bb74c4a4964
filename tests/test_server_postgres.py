"""The decision log in a real PostgreSQL server (Debian's `postgresql`, started here in a
temporary folder): the same schema as SQLite, migrated once by instances starting together, two
service instances logging to one database at once, `ruleproof replay` reading it, and the local
spool that holds acknowledged rows while the database is down and is drained after."""

from __future__ import annotations

import io
import json
import sqlite3
import threading
from contextlib import redirect_stdout

import psycopg
import pytest
from ruleproof import main as cli
from ruleproof.server.decision_log import DecisionLog, read_log
from ruleproof.server.logstore import SCHEMA_VERSION, LogError
from server_support import CASE, SHOP, Postgres, Served, copy_policies, http


@pytest.fixture(scope="module")
def postgres(tmp_path_factory):
    server = Postgres(tmp_path_factory.mktemp("postgres"))
    try:
        yield server
    finally:
        server.stop("immediate")


def row(decision_id: str, pack: str) -> tuple:
    return (decision_id, 0.0, pack, "1", {"x": 1}, {"d": 1}, {}, None, "rev")


def test_same_schema_as_sqlite_and_migrated_once(postgres, tmp_path):
    logs = [DecisionLog(postgres.url, spool=tmp_path / f"spool{n}.sqlite") for n in range(3)]  # as instances starting
    for log in logs:
        log.close()
    with psycopg.connect(postgres.url) as conn:
        versions = [v for (v,) in conn.execute("SELECT version FROM schema_migrations ORDER BY version")]
        pg_columns = [c for (c,) in conn.execute("SELECT column_name FROM information_schema.columns "
                                                 "WHERE table_name = 'decisions' ORDER BY ordinal_position")]
    assert versions == list(range(1, SCHEMA_VERSION + 1))
    DecisionLog(tmp_path / "d.sqlite").close()
    with sqlite3.connect(tmp_path / "d.sqlite") as conn:
        sqlite_columns = [r[1] for r in conn.execute("PRAGMA table_info(decisions)")]
    assert pg_columns == sqlite_columns
    with pytest.raises(LogError, match="cannot open the decision log"):
        DecisionLog("postgresql://postgres@127.0.0.1:1/none")


def test_two_instances_log_to_one_database(postgres, tmp_path):
    instances = [Served(copy_policies(tmp_path / f"i{n}"), "--workers", "2", "--decision-log", postgres.url,
                        env={"RULEPROOF_DECISION_SPOOL": str(tmp_path / f"spool{n}.sqlite")}) for n in range(2)]
    acknowledged: list[str] = []
    try:
        for served in instances:
            served.wait_ready()

        def load(served: Served) -> None:
            for n in range(40):
                if n % 4:
                    status, body, _ = http(served.base, "/v1/decide", {"pack": "shop", "facts": CASE})
                    assert status == 200
                    acknowledged.append(body["decision_id"])
                else:
                    status, body, _ = http(served.base, "/v1/decide/batch", {"pack": "shop", "cases": [CASE] * 50})
                    assert status == 200
                    acknowledged.extend(r["decision_id"] for r in body["results"])

        clients = [threading.Thread(target=load, args=(served,)) for served in instances for _ in range(2)]
        for t in clients:
            t.start()
        for t in clients:
            t.join()
    finally:
        for served in instances:
            served.stop()
    logged = {r.decision_id: r for r in read_log(postgres.url, "shop")}
    assert len(acknowledged) == 4 * (30 + 10 * 50) and set(acknowledged) <= set(logged)
    assert {r.revision for r in logged.values()} and all(r.facts == CASE for r in logged.values())
    reports = []
    for engine in ("python", "duckdb"):  # duckdb: the batch rows unnested by DuckDB, read from the database
        out = io.StringIO()
        with redirect_stdout(out):
            assert cli.main(["replay", "--log", postgres.url, "--pack", str(SHOP), "--format", "json", "--engine", engine]) == 0
        reports.append(json.loads(out.getvalue()))
    assert reports[0]["cases"] == len(logged) and reports[0]["changed_cases"] == 0 and reports[1] == reports[0]


def test_the_spool_holds_what_the_database_cannot_take_and_is_drained(postgres, tmp_path):
    spool = tmp_path / "spool.sqlite"
    log = DecisionLog(postgres.url, spool=spool)
    try:
        log.record([row("spool-1", "spooled")])
        assert log.flush()  # committed to the database
        postgres.stop()
        log.record([row("spool-2", "spooled"), row("spool-3", "spooled")])  # acknowledged: in the journal
        log.record_batch(("spool-3a", 0.0, "spooled", "1", "rev", None, 1, b'{"cases": [{"x": 2}]}',
                          b'{"results": [{"index": 0, "decision_id": "spool-3a", "decisions": {"d": 2}, "undetermined": {}}]}'))
        assert log.flush()  # the database refused them: committed to the spool
        with sqlite3.connect(spool) as conn:
            assert conn.execute("SELECT count(*) FROM decisions").fetchone()[0] == 2
            assert conn.execute("SELECT count(*) FROM decision_batches").fetchone()[0] == 1
        log.record([row("spool-4", "spooled")])
    finally:
        log.close()  # as if the instance stopped (or was killed) while the database was down
        postgres.start()
    DecisionLog(postgres.url, spool=spool).close()  # the next start drains the spool
    logged = list(read_log(postgres.url, "spooled"))
    assert [r.decision_id for r in logged] == ["spool-1", "spool-2", "spool-3", "spool-3a", "spool-4"]
    assert logged[3].facts == {"x": 2} and logged[3].decisions == {"d": 2}
    with sqlite3.connect(spool) as conn:
        assert conn.execute("SELECT count(*) FROM decisions").fetchone()[0] == 0
        assert conn.execute("SELECT count(*) FROM decision_batches").fetchone()[0] == 0
