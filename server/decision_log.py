"""The decision log: every decision the service acknowledges, on record.

In the default, durable mode `DecisionLog.record` returns only once the rows are committed, so
a 200 with a `decision_id` means the row is on disk and survives the process being killed. The
commit is a group commit by a leader: the request thread that finds the store free writes
every request's rows waiting at that moment in one transaction (a batch is never split) while
the others wait for it, and the next waiting thread leads the next group; an idle service thus
commits in the request's own thread, without handing rows to another thread and back. When the log
cannot keep up — more rows waiting than `max_pending_values` allows, or no commit within
`wait_s` — or cannot be written at all, `record` raises `LogBusy` and the caller answers 503
with Retry-After: backpressure, never a silent drop. A best-effort mode, only when configured,
queues and returns at once, drops what does not fit and counts it; a writer thread writes
those rows.

With PostgreSQL, rows that cannot be written to the database (it is down, or unreachable) are
committed to a local SQLite spool instead, and that is what acknowledges them; the writer moves
them into the database as soon as it takes writes again, and when the service starts.

`read_log` gives the rows back for `ruleproof replay`.
"""

from __future__ import annotations

import datetime as dt
import enum
import json
import logging
import os
import queue
import threading
import time
from collections import deque
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path

from pydantic_core import to_json
from ruleproof.server.logstore import LogError, Record, SqliteStore, is_postgres, open_store

log = logging.getLogger("ruleproof.server")

# (decision_id, unix time, pack, version, facts, decisions, undetermined, requested, revision)
Row = tuple[str, float, str, str, object, dict, dict, "list[str] | None", "str | None"]


class LogMode(enum.Enum):
    """What a 200 promises about the log."""

    #: the row is committed before the answer; 503 when the log cannot keep up
    DURABLE = "durable"
    #: the row is queued; dropped and counted when the queue is full
    BEST_EFFORT = "best_effort"


class LogBusy(Exception):
    """The log cannot take these rows now; answer 503 with `retry_after` seconds."""

    def __init__(self, message: str, retry_after: int = 1):
        super().__init__(message)
        self.message = message
        self.retry_after = retry_after


# ------------------------------------------------------------------ ids
_last_id = [0, 0]  # (milliseconds, sequence) of the last id made in this process
_id_lock = threading.Lock()
_ends: list[str] = []  # for each 12-bit sequence number: "-7SSS-" and the 62 random bits drawn once per process


def _draw_tail() -> None:
    global _ends
    h = f"{0x2 << 62 | int.from_bytes(os.urandom(8), 'big') >> 2:016x}"
    tail = f"{h[:4]}-{h[4:]}"
    _ends = [f"-7{n:03x}-{tail}" for n in range(0x1000)]  # an id is then two strings joined


_draw_tail()
os.register_at_fork(after_in_child=_draw_tail)


def new_id() -> str:
    """A UUID version 7: 48 bits of milliseconds, a 12-bit sequence, then 62 random bits drawn
    once per process (ids must be unique, not secret). Ids made in one process sort in the order
    they were made; across processes, by millisecond.

    >>> a, b = new_id(), new_id()
    >>> a < b and a[14] == "7" and a[-17:] == b[-17:]
    True
    """
    return new_ids(1)[0]


def new_ids(count: int) -> list[str]:
    """`count` new ids (see new_id), in order, taking the clock and the lock once.

    >>> ids = new_ids(5000)
    >>> ids == sorted(ids) and len(set(ids)) == 5000 and all(len(i) == 36 and i[14] == "7" for i in ids)
    True
    """
    ms = time.time_ns() // 1_000_000
    with _id_lock:
        last_ms, last_seq = _last_id
        seq = last_seq + 1 if ms <= last_ms else 0
        ms = max(ms, last_ms)
        ms, seq = ms + seq // 0x1000, seq % 0x1000
        end_ms, end_seq = ms + (seq + count - 1) // 0x1000, (seq + count - 1) % 0x1000
        _last_id[0], _last_id[1] = end_ms, end_seq
    ends = _ends
    if count == 1:
        h = f"{ms:012x}"
        return [f"{h[:8]}-{h[8:]}{ends[seq]}"]
    ids: list[str] = []
    n, stop = seq, seq + count
    while n < stop:  # a run of ids per millisecond: its 48 bits are written once
        h = f"{ms + n // 0x1000:012x}"
        head = f"{h[:8]}-{h[8:]}"
        run_end = min(stop, (n // 0x1000 + 1) * 0x1000)
        ids += [head + ends[k & 0xFFF] for k in range(n, run_end)]
        n = run_end
    return ids


# ------------------------------------------------------------------ the writer
class _Entry:
    """Rows handed in by one request, and what became of them."""

    __slots__ = ("rows", "weight", "done", "error")

    def __init__(self, rows: list[Row], weight: int):
        self.rows = rows
        self.weight = weight
        self.done = threading.Event()
        self.error: str | None = None


class DecisionLog:
    """Appends decisions to the store at `target` (see logstore.open_store), one transaction
    per group of requests: durable rows by the request threads in turn, best-effort rows and
    the spool's by a writer thread."""

    def __init__(self, target: Path | str, mode: LogMode = LogMode.DURABLE, max_pending_values: int = 1_000_000,
                 wait_s: float = 10.0, spool: Path | None = None, on_written: Callable[[int], None] | None = None,
                 on_dropped: Callable[[int], None] | None = None, on_refused: Callable[[int], None] | None = None):
        self.target = target
        self.mode = mode
        self.store = open_store(target)  # raises LogError now rather than on the first decision
        #: the local spool (PostgreSQL only): rows acknowledged while the database was unavailable
        self.spool = SqliteStore(spool or Path("decisions.spool.sqlite")) if is_postgres(target) else None
        self._spooled = self.spool is not None and self.spool.count() > 0
        #: values (decisions and undetermined ones, plus one per row) handed in and not yet
        #: written: about 200 bytes each, so the default bounds the rows waiting near 200 MB
        self.max_pending_values = max_pending_values
        self.wait_s = wait_s
        self.on_written = on_written
        self.on_dropped = on_dropped
        self.on_refused = on_refused
        self.dropped = 0
        self._queue: queue.SimpleQueue = queue.SimpleQueue()  # the writer's: best-effort rows, flushes, close
        self._durable: deque[_Entry] = deque()  # durable rows waiting for a leader to commit them
        self._pending = 0
        self._lock = threading.Lock()
        self._writing = threading.Lock()  # held by whoever uses the store
        self._closed = False
        self._thread = threading.Thread(target=self._run, name="ruleproof-decision-log", daemon=True)
        self._thread.start()

    def record(self, rows: list[Row]) -> None:
        """Log `rows` (all of one request). Durable: returns once they are committed, in one
        transaction; raises LogBusy — nothing acknowledged — when the rows waiting would pass
        the bound, when they are not committed within `wait_s`, or when the store fails. Best
        effort: queues them and returns; drops and counts them when they do not fit."""
        if not rows:
            return
        weight = sum(1 + len(row[5]) + len(row[6]) for row in rows)
        with self._lock:
            # an empty queue takes any batch, so that one larger than the bound is still logged
            fits = not self._closed and (self._pending == 0 or self._pending + weight <= self.max_pending_values)
            if fits:
                self._pending += weight
                entry = _Entry(rows, weight)
                if self.mode is LogMode.DURABLE:  # queued under the lock: close() then writes it if no one else does
                    self._durable.append(entry)
        if not fits:
            if self.mode is LogMode.BEST_EFFORT:
                self._drop(len(rows))
                return
            if self.on_refused:
                self.on_refused(len(rows))
            raise LogBusy("the decision log is behind; retry shortly")
        if self.mode is LogMode.BEST_EFFORT:
            self._queue.put(entry)
            return
        if not self._lead(entry, time.monotonic() + self.wait_s):
            if self.on_refused:
                self.on_refused(len(rows))
            raise LogBusy("the decision log did not commit in time; retry shortly", retry_after=5)
        if entry.error is not None:
            raise LogBusy(f"the decision log cannot be written: {entry.error}", retry_after=5)

    def _lead(self, entry: _Entry, deadline: float) -> bool:
        """Wait until `entry` is committed, committing it with every other waiting entry when
        the store is free; False if that has not happened by `deadline` (time.monotonic)."""
        while not entry.done.is_set():
            remaining = deadline - time.monotonic()
            if remaining <= 0 or not self._writing.acquire(timeout=remaining):
                return entry.done.is_set()
            try:
                if not entry.done.is_set():
                    self._write_group(self._take_durable())
            finally:
                self._writing.release()
        return True

    def _take_durable(self) -> list[_Entry | None]:
        entries: list[_Entry | None] = []
        while self._durable:
            entries.append(self._durable.popleft())
        return entries

    def _drop(self, count: int) -> None:
        self.dropped += count
        log.warning("decision log (best effort) full: %d decisions not logged", count)
        if self.on_dropped:
            self.on_dropped(count)

    def flush(self, timeout: float = 10.0) -> bool:
        """Wait until everything handed in so far is written (durable rows are written before
        `record` returns; this waits for the writer's)."""
        marker = _Entry([], 0)
        self._queue.put(marker)
        return marker.done.wait(timeout)

    def close(self) -> None:
        """Write what is waiting, then stop the writer."""
        with self._lock:
            if self._closed:
                return
            self._closed = True
        self._queue.put(None)
        self._thread.join(timeout=30)

    def _run(self) -> None:
        # INVARIANT: the log keeps no reference to a group's rows once they are committed, so
        # nothing of a big batch stays in memory after its request
        with self._writing:
            self._drain()  # what an earlier run spooled
        go_on = True
        while go_on:
            entries = self._gather()
            with self._writing:
                go_on = self._write_group(entries)
                if self._spooled:
                    self._drain()
        with self._writing:  # durable rows admitted before close() and not yet led
            self._write_group(self._take_durable())
            self.store.close()
            if self.spool is not None:
                self.spool.close()

    def _drain(self, chunk: int = 5000) -> None:
        """Move spooled rows into the database, oldest first, a chunk per transaction; stop at
        the first failure (the rows stay in the spool)."""
        while self._spooled:
            records = self.spool.take(chunk)
            if not records:
                self._spooled = False
                return
            try:
                self.store.write(records)
            except LogError:
                self._reconnect()
                return
            self.spool.delete([record[0] for record in records])
            log.info("decision log: %d spooled decisions written to the database", len(records))

    def _gather(self) -> list[_Entry | None]:
        """What the request threads handed in: at least one entry, then all that is waiting;
        nothing after a second when the spool waits to be drained."""
        try:
            entries = [self._queue.get(timeout=1.0 if self._spooled else None)]
        except queue.Empty:
            return []
        while True:
            try:
                entries.append(self._queue.get_nowait())
            except queue.Empty:
                return entries

    def _write_group(self, entries: list[_Entry | None]) -> bool:
        """Commit the rows of `entries` in one transaction and wake their requests; False once
        the log is closing (None was handed in)."""
        go_on = None not in entries
        group = [entry for entry in entries if entry is not None]
        records = [record for entry in group for record in _records(entry.rows)]
        error = self._commit(records) if records else None
        with self._lock:
            self._pending -= sum(entry.weight for entry in group)
        for entry in group:
            entry.error = error
            entry.rows = []
            entry.done.set()
        if error is not None and self.mode is LogMode.BEST_EFFORT:
            self._drop(len(records))
        return go_on

    def _commit(self, records: list[Record]) -> str | None:
        """Write `records` in one transaction; None, or why they were not written."""
        try:
            self.store.write(records)
        except LogError as err:
            if self.spool is None:
                log.error("decision log: %d decisions not written: %s", len(records), err)
                return str(err)
            try:
                self.spool.write(records)
            except LogError as spool_err:
                log.error("decision log: %d decisions not written: %s; nor spooled: %s", len(records), err, spool_err)
                return str(err)
            self._spooled = True
            self._queue.put(_Entry([], 0))  # wakes the writer, which drains the spool once the database is back
            log.warning("decision log: %d decisions spooled locally: %s", len(records), err)
            self._reconnect()
        if self.on_written:
            self.on_written(len(records))
        return None


    def _reconnect(self) -> None:
        """A new connection to the database, if it takes one now (the old one may be broken)."""
        try:
            fresh = open_store(self.target)
        except LogError:
            return
        self.store.close()
        self.store = fresh


def _records(rows: list[Row]) -> list[Record]:
    stamp: dict[float, str] = {}
    asked: dict[int, tuple[list[str], str]] = {}  # a batch's rows share one list of decisions asked for
    out = []
    for decision_id, when, pack, version, facts, decisions, undetermined, requested, revision in rows:
        text = stamp.get(when)
        if text is None:
            text = stamp[when] = _iso(when)
        if requested is None:
            names = None
        else:
            kept = asked.get(id(requested))
            if kept is None:
                kept = asked[id(requested)] = (requested, to_json(requested).decode())  # holds it: ids stay unique
            names = kept[1]
        out.append((decision_id, text, pack, version, to_json(facts).decode(), to_json(decisions).decode(),
                    to_json(undetermined).decode() if undetermined else "{}", names, revision))
    return out


def _iso(unix: float) -> str:
    return dt.datetime.fromtimestamp(unix, dt.UTC).isoformat(timespec="milliseconds").replace("+00:00", "Z")


# ------------------------------------------------------------------ reading
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
    revision: str | None  # hash of the pack's files (logs from before schema 2: None)


def read_log(target: Path | str, pack: str | None = None, limit: int | None = None) -> Iterator[LoggedDecision]:
    """Logged decisions, oldest first (the newest `limit` of them if given), of `pack` if given;
    from an SQLite file or a `postgresql://` database. Raises LogError."""
    store = open_store(target, readonly=True)
    try:
        for row in store.read(pack, limit):
            decision_id, time_, pack_, version, facts, decisions, undetermined, requested, revision = row
            try:
                yield LoggedDecision(decision_id, time_, pack_, version, json.loads(facts), json.loads(decisions),
                                     json.loads(undetermined), None if requested is None else json.loads(requested),
                                     revision)
            except (TypeError, ValueError) as err:
                raise LogError(f"row {decision_id} of the decision log is not JSON: {err}") from None
    finally:
        store.close()
