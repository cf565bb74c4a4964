"""The decision log (SQLite, written by a background thread) and `ruleproof replay`."""

from __future__ import annotations

import io
import json
import shutil
import sqlite3
import subprocess
import sys
import threading
import time
from contextlib import redirect_stdout

import pytest
from ruleproof import main as cli
from ruleproof.server import logstore
from ruleproof.server.decision_log import DecisionLog, read_log
from ruleproof.server.ids import new_id
from ruleproof.server.logstore import SCHEMA_VERSION, LogError, SqliteStore
from server_support import CASE, SHOP, close, make_app

CASES = [
    CASE,                                                        # closed: not paid by 2026-01-11
    {"placed_on": "2026-01-01", "today": "2026-01-05"},          # still open
    {"placed_on": "2026-01-01", "today": "2026-01-12", "paid_on": "2026-01-02"},
    {"placed_on": "2026-01-01", "today": "2026-01-13"},          # closed under both versions below
]


def run_cli(*args: str) -> tuple[int, str]:
    out = io.StringIO()
    with redirect_stdout(out):
        code = cli.main(list(args))
    return code, out.getvalue()


@pytest.fixture()
def logged(tmp_path):
    """A decision log holding one single decision and a batch of the shop pack."""
    path = tmp_path / "log" / "decisions.sqlite"
    app = make_app(decision_log=path)
    client = app.test_client()
    single = client.post("/v1/decide", json={"pack": "shop", "facts": CASES[0]}).json
    batch = client.post("/v1/decide/batch", json={"pack": "shop", "cases": CASES[1:] + [{"today": 1}]}).json
    close(app)  # flushes the writer
    return path, single, batch


def test_every_decision_is_logged(logged):
    path, single, batch = logged
    rows = list(read_log(path))
    assert len(rows) == 4  # the refused case is not a decision
    first = rows[0]
    assert first.decision_id == single["decision_id"]
    assert (first.pack, first.version, first.facts) == ("shop", "1.0", CASES[0])
    assert first.decisions == single["decisions"] and first.undetermined == single["undetermined"]
    assert first.requested is None and first.time.endswith("Z")
    assert [r.decision_id for r in rows[1:]] == [r["decision_id"] for r in batch["results"][:3]]
    assert [r.facts for r in rows[1:]] == CASES[1:]


def test_log_is_wal_and_ids_sort_by_time(logged):
    path, _, _ = logged
    conn = sqlite3.connect(path)
    assert conn.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
    ids = [r[0] for r in conn.execute("SELECT decision_id FROM decisions")]
    assert ids == sorted(ids)
    ids = [new_id() for _ in range(1000)]
    assert len(set(ids)) == 1000 and all(i[14] == "7" for i in ids)


def journal_text(path) -> str:
    return "".join(f.read_text() for f in path.parent.glob(path.name + ".journal/*.journal"))


def test_requests_commit_together_and_each_is_in_the_journal_when_answered(tmp_path):
    """Group commit: rows handed in by many threads at once share transactions; `record`
    returns once its rows are in the process's journal file (on record: a killed process
    leaves them there), and the writer commits them shortly after; then the journal forgets them."""
    path = tmp_path / "d.sqlite"
    log = DecisionLog(path)
    commits: list[int] = []
    write = log.store.write
    log.store.write = lambda records, batches: (commits.append(len(records)), time.sleep(0.01), write(records, batches))
    in_journal: list[bool] = []

    def decide(i: int) -> None:
        decision_id = new_id()
        log.record([(decision_id, 0.0, "p", "1", {"i": i}, {}, {}, None, "r")] * 10)
        in_journal.append(decision_id in journal_text(path))

    try:
        threads = [threading.Thread(target=decide, args=(i,)) for i in range(50)]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
        assert in_journal == [True] * 50
        assert log.flush()
        assert sum(commits) == 500 and len(commits) < 50  # grouped
        assert len(list(read_log(path, "p"))) == 50
    finally:
        log.close()
    assert list((tmp_path / "d.sqlite.journal").iterdir()) == []  # all committed: nothing kept


KILLED_BEFORE_COMMIT = """
import os, sys, threading
from ruleproof.server.decision_log import DecisionLog
from ruleproof.server.ids import new_ids
log = DecisionLog(sys.argv[1])
log.store.write = lambda records, batches: threading.Event().wait()  # the commit never comes
for n in range(5):
    log.record([(i, 0.0, "p", "1", {"n": n}, {"d": n}, {}, None, "r") for i in new_ids(3)])
print("recorded", flush=True)
threading.Event().wait()
"""


def test_rows_a_killed_process_acknowledged_are_recovered_at_the_next_start(tmp_path):
    """Rows in the journal of a process killed before its writer committed them are written to
    the log by the next DecisionLog on it (and only once); a last line cut short is left out."""
    path = tmp_path / "d.sqlite"
    proc = subprocess.Popen([sys.executable, "-c", KILLED_BEFORE_COMMIT, str(path)], stdout=subprocess.PIPE, text=True)
    try:
        assert proc.stdout.readline().strip() == "recorded"
    finally:
        proc.kill()
        proc.wait()
    assert list(read_log(path)) == []
    (segment,) = (tmp_path / "d.sqlite.journal").glob("*.journal")
    with segment.open("a") as file:
        file.write('[["cut-short", "2026')  # a write the kill interrupted: never acknowledged
    DecisionLog(path).close()
    rows = list(read_log(path))
    assert [row.facts for row in rows] == [{"n": n} for n in range(5) for _ in range(3)]
    assert [row.decisions for row in rows] == [{"d": n} for n in range(5) for _ in range(3)]
    assert list((tmp_path / "d.sqlite.journal").iterdir()) == []
    DecisionLog(path).close()
    assert len(list(read_log(path))) == 15


def test_the_log_is_private_versioned_and_refuses_what_is_not_a_log(tmp_path):
    path = tmp_path / "d.sqlite"
    DecisionLog(path).close()
    assert path.stat().st_mode & 0o777 == 0o600
    with sqlite3.connect(path) as conn:
        assert conn.execute("SELECT max(version) FROM schema_migrations").fetchone()[0] == SCHEMA_VERSION
    DecisionLog(path).close()  # opened again: migrations are not applied twice
    (tmp_path / "junk").write_bytes(b"x" * 4096)
    with pytest.raises(LogError, match="is not a decision log"):
        DecisionLog(tmp_path / "junk")


def test_writers_of_one_log_take_turns_on_its_lock_file(tmp_path):
    """Two stores on one file (as two workers hold): while one holds the writers' lock, the
    other's write waits for it — in the kernel, not in SQLite's busy sleeps — and then goes
    through; the lock file is private like the log."""
    path = tmp_path / "d.sqlite"
    first, second = SqliteStore(path), SqliteStore(path)
    record = ("id-2", "2026-01-01T00:00:00.000Z", "p", "1", "{}", "{}", "{}", None, "ab12")
    written = threading.Event()

    def write():
        second.write([record])
        written.set()

    try:
        with first._writer_turn():
            writer = threading.Thread(target=write)
            writer.start()
            assert not written.wait(0.3)  # held: the second store waits
            first.conn.execute("BEGIN IMMEDIATE")  # the first writes meanwhile without SQLite's busy error
            first.conn.execute("INSERT INTO decisions VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)", ("id-1", *record[1:]))
            first.conn.execute("COMMIT")
        assert written.wait(10)
        writer.join()
        assert [row[0] for row in first.read()] == ["id-1", "id-2"]
        assert (tmp_path / "d.sqlite.lock").stat().st_mode & 0o777 == 0o600
    finally:
        first.close()
        second.close()


def test_a_lock_file_kept_by_another_process_fails_the_write_it_does_not_hang_it(tmp_path, monkeypatch):
    path = tmp_path / "d.sqlite"
    store = SqliteStore(path)
    monkeypatch.setattr(logstore, "LOCK_WAIT_S", 0.3)
    holder = subprocess.Popen([sys.executable, "-c", "import fcntl, sys, time; f = open(sys.argv[1], 'a'); "
                               "fcntl.flock(f, fcntl.LOCK_EX); print('held', flush=True); time.sleep(30)",
                               str(path) + ".lock"], stdout=subprocess.PIPE, text=True)
    try:
        assert holder.stdout.readline().strip() == "held"
        with pytest.raises(LogError, match="stayed locked by another process"):
            store.write([("id-1", "2026-01-01T00:00:00.000Z", "p", "1", "{}", "{}", "{}", None, "ab12")])
        holder.kill()
        holder.wait()
        store.write([("id-1", "2026-01-01T00:00:00.000Z", "p", "1", "{}", "{}", "{}", None, "ab12")])  # free again
        assert [row[0] for row in store.read()] == ["id-1"]
    finally:
        holder.kill()
        store.close()


def test_log_can_be_off_and_batches_unlogged(tmp_path):
    path = tmp_path / "d.sqlite"
    app = make_app(decision_log=path, log_batch_decisions=False)
    client = app.test_client()
    client.post("/v1/decide/batch", json={"pack": "shop", "cases": CASES})
    client.post("/v1/decide", json={"pack": "shop", "facts": CASE})
    close(app)
    assert len(list(read_log(path))) == 1


def new_version(tmp_path, period: str = "12 days", remove_fact: bool = False):
    target = tmp_path / "shop-v2"
    shutil.copytree(SHOP, target)
    orders = target / "orders.rules"
    text = orders.read_text().replace("payment_period = 10 days", f"payment_period = {period}")
    if remove_fact:
        text = text.replace('fact express: bool = false cite "Art. 3"\n', "")
    orders.write_text(text)
    pack = target / "pack.rules"
    pack.write_text(pack.read_text().replace('version "1.0"', 'version "2.0"'))
    return target


def test_replay_json(logged, tmp_path):
    path, single, _ = logged
    code, out = run_cli("replay", "--log", str(path), "--pack", str(new_version(tmp_path)), "--format", "json")
    assert code == 0
    report = json.loads(out)
    assert report["pack"] == {"pack": "shop", "version": "2.0"} and report["logged_versions"] == {"1.0": 4}
    assert report["cases"] == 4 and report["replayed"] == 4 and report["changed_cases"] == 4
    by_name = {d["name"]: d for d in report["decisions"]}
    assert by_name["payment_deadline"]["changed"] == 4 and by_name["payment_deadline"]["compared"] == 4
    # closed on 2026-01-12 under a 10-day period, open under 12 days; 2026-01-13 is still open too
    closed = by_name["order_closed"]
    assert closed["changed"] == 2
    example = closed["examples"][0]
    assert example["decision_id"] == single["decision_id"] and example["facts"] == CASES[0]
    assert (example["old"], example["new"]) == (True, False)
    assert by_name["refund_allowed"]["changed"] == 0
    assert by_name["confirmation_deadline"]["changed"] == 0  # undetermined both times


def test_replay_text_and_exit_codes(logged, tmp_path):
    path, _, _ = logged
    v2 = str(new_version(tmp_path))
    code, out = run_cli("replay", "--log", str(path), "--pack", v2, "--examples", "1")
    assert code == 0
    assert out.splitlines()[0] == "replayed 4 logged decisions of shop (logged versions: 1.0 (4)) with shop 2.0"
    assert "  order_closed           2 of 4 changed" in out
    assert '"2026-01-11" -> "2026-01-13"' in out
    assert out.rstrip().endswith("4 of 4 replayed cases change")
    assert "refund_allowed" not in out  # changes only; --all lists every decision
    assert "  refund_allowed         0 of 4 changed" in run_cli("replay", "--log", str(path), "--pack", v2, "--all")[1]
    example = out.split("payment_deadline", 1)[1].splitlines()[2]  # facts narrowed to what the decision reads
    assert example.lstrip().startswith("when placed_on = ") and "today" not in example
    assert run_cli("replay", "--log", str(path), "--pack", v2, "--fail-on-change")[0] == 1
    assert run_cli("replay", "--log", str(path), "--pack", str(SHOP), "--fail-on-change")[0] == 0
    assert run_cli("replay", "--log", str(tmp_path / "none.sqlite"), "--pack", v2)[0] == 2
    (tmp_path / "junk.sqlite").write_text("not a database")
    assert run_cli("replay", "--log", str(tmp_path / "junk.sqlite"), "--pack", v2)[0] == 2


def test_replay_reports_cases_the_new_version_refuses(tmp_path):
    path = tmp_path / "d.sqlite"
    app = make_app(decision_log=path)
    app.test_client().post("/v1/decide", json={"pack": "shop", "facts": {**CASE, "express": True}})
    close(app)
    code, out = run_cli("replay", "--log", str(path), "--pack", str(new_version(tmp_path, remove_fact=True)),
                        "--format", "json")
    report = json.loads(out)
    assert report["invalid_cases"] == 1 and report["replayed"] == 0
    assert report["invalid"][0]["errors"][0]["path"] == "facts.express"


def test_replay_limit_and_pack_name(logged, tmp_path):
    path, _, _ = logged
    code, out = run_cli("replay", "--log", str(path), "--pack", str(new_version(tmp_path)), "--limit", "2",
                        "--format", "json")
    assert json.loads(out)["cases"] == 2
    code, out = run_cli("replay", "--log", str(path), "--pack", str(SHOP), "--pack-name", "other", "--format", "json")
    assert json.loads(out)["cases"] == 0
