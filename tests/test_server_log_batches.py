"""A batch in the decision log is one row — its request as sent and its answer as given — and
reads back as one row per decided case, the same as if each case had a row of its own: through
the service, the journal of a killed process, the newest-N reading, and an older log's migration."""

from __future__ import annotations

import json
import sqlite3
import subprocess
import sys
import threading
import time

import pytest
from ruleproof.server.decision_log import DecisionLog, LogBusy, read_log
from ruleproof.server.ids import new_ids
from ruleproof.server.logschema import MIGRATIONS, MIGRATIONS_TABLE, SCHEMA_VERSION
from server_support import CASE, close, make_app


def test_a_batch_is_one_row_and_reads_back_case_by_case(tmp_path):
    path = tmp_path / "decisions.sqlite"
    app = make_app(decision_log=path)
    client = app.test_client()
    cases = [CASE, {"today": 1}, {**CASE, "today": "2026-01-03"}, {"placed_on": "2026-01-01", "today": "2026-01-20"}]
    before = client.post("/v1/decide", json={"pack": "shop", "facts": CASE}).json
    batch = client.post("/v1/decide/batch", json={"pack": "shop", "cases": cases}).json
    asked = client.post("/v1/decide/batch", json={"pack": "shop", "cases": [CASE], "decisions": ["order_closed"]}).json
    after = client.post("/v1/decide", json={"pack": "shop", "facts": CASE}).json
    close(app)
    with sqlite3.connect(path) as conn:
        assert conn.execute("SELECT count(*) FROM decision_batches").fetchone()[0] == 2
        assert conn.execute("SELECT count(*) FROM decisions").fetchone()[0] == 2
        request, response, count = conn.execute("SELECT request, response, cases FROM decision_batches ORDER BY first_id").fetchone()
    assert json.loads(request)["cases"] == cases and json.loads(response) == batch and count == 3
    rows = list(read_log(path))
    decided = [r for r in batch["results"] if "decision_id" in r]
    assert [r.decision_id for r in rows] == [before["decision_id"]] + [r["decision_id"] for r in decided] + [
        asked["results"][0]["decision_id"], after["decision_id"]]
    assert [r.facts for r in rows[1:4]] == [cases[0], cases[2], cases[3]]  # the refused case is no decision
    assert [(r.decisions, r.undetermined) for r in rows[1:4]] == [(r["decisions"], r["undetermined"]) for r in decided]
    assert rows[4].requested == ["order_closed"] and rows[1].requested is None
    assert {r.revision for r in rows} == {before["revision"]} and all(r.version == "1.0" for r in rows)
    assert rows[1].time.endswith("Z") and rows[1].time == rows[3].time
    # the newest N decisions, whether a batch holds them or not
    assert [r.decision_id for r in read_log(path, limit=3)] == [r.decision_id for r in rows[-3:]]
    assert [r.decision_id for r in read_log(path, limit=5)] == [r.decision_id for r in rows[-5:]]
    assert [r.decision_id for r in read_log(path, "shop", limit=100)] == [r.decision_id for r in rows]
    assert list(read_log(path, "other")) == []


KILLED_WITH_A_BATCH = """
import sys, threading
from ruleproof.server.decision_log import DecisionLog
from ruleproof.server.ids import new_ids
log = DecisionLog(sys.argv[1])
log.store.write = lambda records, batches: threading.Event().wait()  # the commit never comes
ids = new_ids(2)
request = b'{"pack": "p",\\n "cases": [{"a": "line\\\\nbreak"}, {"a": 2}]}'  # bodies may hold newlines
response = ('{"results": [{"index": 0, "decision_id": "%s", "decisions": {"d": 1}, "undetermined": {}}, '
            '{"index": 1, "decision_id": "%s", "decisions": {}, "undetermined": {"d": {"reason": "missing"}}}]}' % tuple(ids)).encode()
log.record_batch((ids[0], 0.0, "p", "1", "r", ["d"], 2, request, response))
log.record([("single", 0.0, "p", "1", {"n": 1}, {"d": 3}, {}, None, "r")])
print("recorded", *ids, flush=True)
threading.Event().wait()
"""


def test_a_batch_a_killed_process_acknowledged_is_recovered_whole(tmp_path):
    path = tmp_path / "d.sqlite"
    proc = subprocess.Popen([sys.executable, "-c", KILLED_WITH_A_BATCH, str(path)], stdout=subprocess.PIPE, text=True)
    try:
        word, *ids = proc.stdout.readline().split()
        assert word == "recorded"
    finally:
        proc.kill()
        proc.wait()
    DecisionLog(path).close()
    rows = {r.decision_id: r for r in read_log(path)}
    assert set(rows) == {*ids, "single"}
    assert rows[ids[0]].facts == {"a": "line\nbreak"} and rows[ids[1]].undetermined == {"d": {"reason": "missing"}}
    assert rows[ids[0]].requested == ["d"] and rows["single"].decisions == {"d": 3}
    assert list((tmp_path / "d.sqlite.journal").iterdir()) == []


def test_a_log_of_schema_2_is_migrated_and_keeps_its_rows(tmp_path):
    path = tmp_path / "old.sqlite"
    with sqlite3.connect(path) as conn:  # as ruleproof wrote it before batches had rows of their own
        conn.execute(MIGRATIONS_TABLE)
        for migration in MIGRATIONS[:2]:
            for statement in migration.sqlite:
                conn.execute(statement)
            conn.execute("INSERT INTO schema_migrations VALUES (?, ?, 'then')", (migration.version, migration.name))
        conn.execute("INSERT INTO decisions VALUES (?, 't', 'p', '1', '{\"a\": 1}', '{}', '{}', NULL, 'r')", (new_ids(1)[0],))
    log = DecisionLog(path)
    later = new_ids(2)
    log.record_batch((later[0], 0.0, "p", "1", "r", None, 1, b'{"cases": [{"a": 2}]}',
                      b'{"results": [{"index": 0, "decision_id": "' + later[0].encode() + b'", "decisions": {}, "undetermined": {}}]}'))
    log.close()
    with sqlite3.connect(path) as conn:
        assert conn.execute("SELECT max(version) FROM schema_migrations").fetchone()[0] == SCHEMA_VERSION == 3
    assert [r.facts for r in read_log(path)] == [{"a": 1}, {"a": 2}]


def test_what_is_acknowledged_while_the_log_closes_is_on_record(tmp_path):
    """Requests racing with close(): each record that returned (no LogBusy) is in the log once
    the service has stopped, every single decision and every batch's cases."""
    path = tmp_path / "d.sqlite"
    log = DecisionLog(path)
    acknowledged: list[str] = []
    started = threading.Barrier(9)

    def client(n: int) -> None:
        started.wait()
        while True:
            ids = new_ids(3)
            try:
                if n % 2:
                    response = ('{"results": [' + ", ".join(
                        f'{{"index": {i}, "decision_id": "{d}", "decisions": {{}}, "undetermined": {{}}}}'
                        for i, d in enumerate(ids)) + "]}").encode()
                    log.record_batch((ids[0], 0.0, "p", "1", "r", None, 3, b'{"cases": [{}, {}, {}]}', response))
                else:
                    log.record([(d, 0.0, "p", "1", {}, {}, {}, None, "r") for d in ids])
            except LogBusy:
                return
            acknowledged.extend(ids)

    clients = [threading.Thread(target=client, args=(n,)) for n in range(8)]
    for t in clients:
        t.start()
    started.wait()
    deadline = time.monotonic() + 30
    while len(acknowledged) < 3000 and time.monotonic() < deadline:
        time.sleep(0.001)
    log.close()
    for t in clients:
        t.join()
    DecisionLog(path).close()  # a start: what the journal kept is committed
    assert set(acknowledged) == {row.decision_id for row in read_log(path)}


def test_ready_says_when_the_log_cannot_be_written_and_decisions_wait_in_the_journal(tmp_path, monkeypatch):
    """A store that refuses commits: decisions are still answered (their rows in the journal),
    /ready answers 503 with the reason; once the store takes writes again the writer commits
    what waited, and /ready is 200 again."""
    from ruleproof.server import decision_log
    from ruleproof.server.logschema import LogError

    monkeypatch.setattr(decision_log, "RETRY_S", 0.05)
    path = tmp_path / "d.sqlite"
    app = make_app(decision_log=path)
    client = app.test_client()
    log = app.extensions["ruleproof"].log
    write = log.store.write
    broken = threading.Event()
    broken.set()

    def failing_write(records, batches):
        if broken.is_set():
            raise LogError("disk full")
        write(records, batches)

    log.store.write = failing_write
    try:
        ids = [client.post("/v1/decide", json={"pack": "shop", "facts": CASE}).json["decision_id"] for _ in range(3)]
        ids += [r["decision_id"] for r in client.post("/v1/decide/batch", json={"pack": "shop", "cases": [CASE] * 2}).json["results"]]
        deadline = time.monotonic() + 10
        while log.failing is None and time.monotonic() < deadline:
            time.sleep(0.01)
        ready = client.get("/ready")
        assert ready.status_code == 503 and ready.json["decision_log_error"] == "disk full"
        assert "cannot be written: disk full" in ready.json["message"]
        while "ruleproof_decision_log_waiting 5.0" not in client.get("/metrics").text and time.monotonic() < deadline:
            time.sleep(0.01)  # the writer tells the gauge after each attempt
        assert "ruleproof_decision_log_waiting 5.0" in client.get("/metrics").text
        broken.clear()
        assert log.flush()
        ready = client.get("/ready")
        assert ready.status_code == 200 and "decision_log_error" not in ready.json
        assert "ruleproof_decision_log_waiting 0.0" in client.get("/metrics").text
    finally:
        close(app)
    assert {r.decision_id for r in read_log(path)} == set(ids)


def test_a_journal_that_cannot_be_written_refuses_the_rows(tmp_path, monkeypatch):
    """A full disk under the journal: the request gets LogBusy (the service answers 503), is
    counted as refused, and nothing of it stays pending; the next write, once there is room,
    goes through."""
    import errno

    from ruleproof.server import journal

    refused: list[int] = []
    log = DecisionLog(tmp_path / "d.sqlite", on_refused=refused.append)
    real_write = journal.os.write

    def full(fd, data):
        raise OSError(errno.ENOSPC, "No space left on device")

    try:
        monkeypatch.setattr(journal.os, "write", full)
        with pytest.raises(LogBusy) as refusal:
            log.record([("a", 0.0, "p", "1", {}, {}, {}, None, "r")])
        assert "No space left on device" in refusal.value.message and refusal.value.retry_after == 5
        assert refused == [1] and log._pending == 0
        monkeypatch.setattr(journal.os, "write", real_write)
        log.record([("b", 0.0, "p", "1", {}, {}, {}, None, "r")])
    finally:
        log.close()
    assert [r.decision_id for r in read_log(tmp_path / "d.sqlite")] == ["b"]
