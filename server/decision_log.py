"""The decision log: every decision the service makes, appended to an embedded SQLite file.

Handlers hand rows to `DecisionLog.append`, which only puts them on a queue; one writer thread
turns them into JSON and inserts them in batches (one transaction per batch, WAL mode), so a
decision never waits for the disk. If the queue is full for a second (the disk or the writer
cannot keep up), the rows are dropped and counted rather than slowing every decision down. The
queue is bounded by the values its rows hold (a row of 85 decisions weighs 40 times one of a
single decision), so a flood of large batches cannot make it take all the memory.

`read_log` gives the rows back for `ruleproof replay`.
"""

from __future__ import annotations

import datetime as dt
import json
import logging
import os
import queue
import random
import sqlite3
import threading
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path

from pydantic_core import to_json

log = logging.getLogger("ruleproof.server")

SCHEMA = """
CREATE TABLE IF NOT EXISTS decisions (
    decision_id  TEXT PRIMARY KEY,   -- time-ordered (UUID version 7)
    time         TEXT NOT NULL,      -- UTC, ISO 8601
    pack         TEXT NOT NULL,
    version      TEXT NOT NULL,
    facts        TEXT NOT NULL,      -- JSON, as the caller sent them
    decisions    TEXT NOT NULL,      -- JSON: decision -> wire value
    undetermined TEXT NOT NULL,      -- JSON: decision -> {reason, depends_on, ...}
    requested    TEXT                -- JSON list of the decisions asked for; NULL = all
) WITHOUT ROWID;
"""
# No other index: ids sort by time, so a time range is a key range, and every insert stays cheap.

# (decision_id, unix time, pack, version, facts, decisions, undetermined, requested)
Row = tuple[str, float, str, str, object, dict, dict, "list[str] | None"]


_last_id = [0, 0]  # (milliseconds, sequence) of the last id made in this process
_id_lock = threading.Lock()
# ids must be unique, not secret: the Mersenne Twister (reseeded in each forked worker) is
# ten times cheaper than os.urandom
_random = random.Random()
os.register_at_fork(after_in_child=_random.seed)


def new_id() -> str:
    """A UUID version 7: 48 bits of milliseconds, a 12-bit sequence, 62 random bits. Ids made
    in one process sort in the order they were made; across processes, by millisecond."""
    return new_ids(1)[0]


def new_ids(count: int) -> list[str]:
    """`count` new ids (see new_id), in order, taking the clock and the lock once."""
    ms = time.time_ns() // 1_000_000
    with _id_lock:
        last_ms, last_seq = _last_id
        seq = last_seq + 1 if ms <= last_ms else 0
        ms = max(ms, last_ms)
        ms, seq = ms + seq // 0x1000, seq % 0x1000
        end_ms, end_seq = ms + (seq + count - 1) // 0x1000, (seq + count - 1) % 0x1000
        _last_id[0], _last_id[1] = end_ms, end_seq
    ids = []
    bits = _random.getrandbits
    for n in range(seq, seq + count):
        value = (ms + n // 0x1000) << 80 | 0x7 << 76 | (n % 0x1000) << 64 | 0x2 << 62 | bits(62)
        h = f"{value:032x}"
        ids.append(f"{h[:8]}-{h[8:12]}-{h[12:16]}-{h[16:20]}-{h[20:]}")
    return ids


def connect(path: Path) -> sqlite3.Connection:
    conn = sqlite3.connect(str(path), timeout=30, check_same_thread=False)
    conn.execute("PRAGMA journal_mode=WAL")
    conn.execute("PRAGMA synchronous=NORMAL")
    conn.execute("PRAGMA busy_timeout=30000")
    return conn


class DecisionLog:
    """Appends decisions to `path` from a writer thread, in batches of up to `batch_rows` rows
    gathered for at most `linger` seconds (a flush or close writes at once)."""

    def __init__(self, path: Path | str, batch_rows: int = 5000, max_pending: int = 10_000, linger: float = 0.1,
                 on_written: Callable[[int], None] | None = None, on_dropped: Callable[[int], None] | None = None,
                 max_pending_values: int = 1_000_000):
        self.path = Path(path)
        self.path.parent.mkdir(parents=True, exist_ok=True)
        conn = connect(self.path)
        with conn:
            conn.executescript(SCHEMA)
        conn.close()
        self.batch_rows = batch_rows
        self.linger = linger
        self._wake = threading.Event()
        self.on_written = on_written
        self.on_dropped = on_dropped
        self._queue: queue.Queue = queue.Queue(maxsize=max_pending)
        #: values (decisions and undetermined ones, plus one per row) queued and not yet written:
        #: about 200 bytes each, so the default bounds the queue near 200 MB
        self.max_pending_values = max_pending_values
        self._pending = 0
        self._room = threading.Condition()
        self._thread = threading.Thread(target=self._run, name="ruleproof-decision-log", daemon=True)
        self._closed = False
        self._thread.start()

    def append(self, rows: list[Row]) -> None:
        """Queue rows for writing; never blocks for more than a second."""
        if self._closed or not rows:
            return
        weight = _weight(rows)
        with self._room:
            # an empty queue takes any batch, so that one larger than the bound is still logged
            room = self._room.wait_for(lambda: self._pending == 0 or self._pending + weight <= self.max_pending_values,
                                       timeout=1.0)
            if room:
                self._pending += weight
        try:
            if not room:
                raise queue.Full
            self._queue.put(rows, timeout=1.0)
        except queue.Full:
            if room:
                self._release(weight)
            log.warning("decision log queue full: %d decisions not logged", len(rows))
            if self.on_dropped:
                self.on_dropped(len(rows))

    def _release(self, weight: int) -> None:
        with self._room:
            self._pending -= weight
            self._room.notify_all()

    def flush(self, timeout: float = 10.0) -> bool:
        """Wait until everything queued so far is written."""
        done = threading.Event()
        self._queue.put(done)
        self._wake.set()
        return done.wait(timeout)

    def close(self) -> None:
        if self._closed:
            return
        self._closed = True
        self._queue.put(None)
        self._wake.set()
        self._thread.join(timeout=10)

    def _run(self) -> None:
        conn = connect(self.path)
        stop = False
        while not stop:
            items = [self._queue.get()]
            # then let decisions gather for `linger` seconds (a flush or close cuts it short), and
            # take them all: one wake-up and one transaction per batch, not per decision
            if self._wake.wait(self.linger):
                self._wake.clear()
            while True:
                try:
                    items.append(self._queue.get_nowait())
                except queue.Empty:
                    break
            rows: list[Row] = []
            waiters: list[threading.Event] = []
            for item in items:
                if item is None:
                    stop = True
                elif isinstance(item, threading.Event):
                    waiters.append(item)
                else:
                    rows.extend(item)
            for start in range(0, len(rows), self.batch_rows):
                chunk = rows[start:start + self.batch_rows]
                self._write(conn, chunk)
                self._release(_weight(chunk))
            for waiter in waiters:
                waiter.set()
        conn.close()

    def _write(self, conn: sqlite3.Connection, rows: list[Row]) -> None:
        def dumps(value: object) -> str:
            return to_json(value).decode()

        stamp: dict[float, str] = {}
        records = []
        for decision_id, when, pack, version, facts, decisions, undetermined, requested in rows:
            text = stamp.get(when)
            if text is None:
                text = stamp[when] = _iso(when)
            records.append((decision_id, text, pack, version, dumps(facts), dumps(decisions), dumps(undetermined),
                            None if requested is None else dumps(requested)))
        try:
            with conn:
                # many rows per statement: sqlite3 releases the GIL once per statement (per row
                # with executemany), so a busy server never starves this thread
                for start in range(0, len(records), ROWS_PER_STATEMENT):
                    chunk = records[start:start + ROWS_PER_STATEMENT]
                    conn.execute(_insert(len(chunk)), [value for record in chunk for value in record])
        except sqlite3.Error:
            log.exception("decision log: %d decisions not written", len(records))
            if self.on_dropped:
                self.on_dropped(len(records))
            return
        if self.on_written:
            self.on_written(len(records))


ROWS_PER_STATEMENT = 500  # 8 values a row: well under SQLite's 32,766 parameters


def _weight(rows: list[Row]) -> int:
    """What rows cost in memory while queued, in values: their decisions and undetermined ones."""
    return sum(1 + len(row[5]) + len(row[6]) for row in rows)


def _insert(rows: int) -> str:
    return "INSERT OR IGNORE INTO decisions VALUES " + ",".join(["(?, ?, ?, ?, ?, ?, ?, ?)"] * rows)


def _iso(unix: float) -> str:
    return dt.datetime.fromtimestamp(unix, dt.UTC).isoformat(timespec="milliseconds").replace("+00:00", "Z")


@dataclass(frozen=True)
class LoggedDecision:
    decision_id: str
    time: str
    pack: str
    version: str
    facts: object
    decisions: dict
    undetermined: dict
    requested: list[str] | None


def read_log(path: Path | str, pack: str | None = None, limit: int | None = None) -> Iterator[LoggedDecision]:
    """Logged decisions, oldest first (the newest `limit` of them if given), of `pack` if given."""
    path = Path(path)
    if not path.is_file():
        raise FileNotFoundError(f"no decision log at {path}")
    conn = sqlite3.connect(f"file:{path}?mode=ro", uri=True)
    try:
        where, params = ("WHERE pack = ?", [pack]) if pack else ("", [])
        query = f"SELECT * FROM decisions {where} ORDER BY decision_id"
        if limit is not None:
            query = f"SELECT * FROM ({query} DESC LIMIT ?) ORDER BY decision_id"
            params.append(limit)
        for row in conn.execute(query, params):
            decision_id, time_, pack_, version, facts, decisions, undetermined, requested = row
            yield LoggedDecision(decision_id, time_, pack_, version, json.loads(facts), json.loads(decisions),
                                 json.loads(undetermined), None if requested is None else json.loads(requested))
    finally:
        conn.close()
