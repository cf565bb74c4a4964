"""The decision log: every decision the service acknowledges, on record.

In the default, durable mode `DecisionLog.record` appends the rows to this process's journal
(see journal.py) before it returns: a 200 with a `decision_id` means the rows are in a file
that survives the process being killed, and are committed to the store within milliseconds. A
writer thread commits what the requests handed in, in groups (one transaction per group; a
batch is never split), and the journal then forgets them; rows a killed process left in its
journal are written to the store when the service next starts. When the log cannot keep up —
more rows waiting than `max_pending_values` allows — or the journal cannot be written, `record`
raises `LogBusy` and the caller answers 503 with Retry-After: backpressure, never a silent drop.
When the store fails, the writer tries again each second; the rows wait in the journal. A
best-effort mode, only when configured, has no journal: rows are queued, and what does not fit
is dropped and counted.

With PostgreSQL, rows that cannot be written to the database (it is down, or unreachable) are
committed to a local SQLite spool instead; the writer moves them into the database as soon as it
takes writes again, and when the service starts.

`read_log` gives the rows back for `ruleproof replay`.
"""

from __future__ import annotations

import datetime as dt
import enum
import json
import logging
import queue
import threading
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path

from pydantic_core import to_json
from ruleproof.server.journal import Journal, Segment
from ruleproof.server.logschema import CASES, BatchRecord, LogError, Record, decisions_in
from ruleproof.server.logstore import SqliteStore, is_postgres, open_store
from ruleproof.server.memory import trim_memory

log = logging.getLogger("ruleproof.server")

# (decision_id, unix time, pack, version, facts, decisions, undetermined, requested, revision)
Row = tuple[str, float, str, str, object, dict, dict, "list[str] | None", "str | None"]
# (first decision_id, unix time, pack, version, revision, requested, decided cases, request, response):
# a batch as it came and went, its bodies as bytes
BatchRow = tuple[str, float, str, str, "str | None", "list[str] | None", int, bytes, bytes]


class LogMode(enum.Enum):
    """What a 200 promises about the log."""

    #: the row is in the journal before the answer, committed shortly after; 503 when the log cannot keep up
    DURABLE = "durable"
    #: the row is queued; dropped and counted when the queue is full
    BEST_EFFORT = "best_effort"


class LogBusy(Exception):
    """The log cannot take these rows now; answer 503 with `retry_after` seconds."""

    def __init__(self, message: str, retry_after: int = 1):
        super().__init__(message)
        self.message = message
        self.retry_after = retry_after


# ------------------------------------------------------------------ the writer
BIG_REQUEST = 5000  # decisions: once a request this big is committed, freed memory goes back to the system
LINGER_S = 0.002  # the writer waits this long after the first rows, so that more join the group
RETRY_S = 1.0  # after the store failed, the writer tries again this much later
DEFAULT_SPOOL = Path("decisions.spool.sqlite")


class _Entry:
    """Records or a batch handed in by one request, the values they weigh, and the journal
    segment holding them (none in best effort)."""

    __slots__ = ("records", "batch", "weight", "segment")

    def __init__(self, records: list[Record], batch: BatchRecord | None, weight: int, segment: Segment | None):
        self.records = records
        self.batch = batch
        self.weight = weight
        self.segment = segment


def journal_folder(target: Path | str, spool: Path | None = None) -> Path:
    """Where the log at `target` keeps its journal: `<log>.journal/` beside an SQLite log,
    `<spool>.journal/` beside the local spool for PostgreSQL."""
    return Path(f"{(spool or DEFAULT_SPOOL) if is_postgres(target) else target}.journal")


def check_log(target: Path | str, spool: Path | None = None) -> None:
    """Raise LogError (a message for a person) if a DecisionLog at `target` could not start:
    its store cannot be opened and migrated, or its journal's folder cannot be made."""
    open_store(target).close()
    Journal(journal_folder(target, spool))


class DecisionLog:
    """Appends decisions to the store at `target` (see logstore.open_store) through this
    process's journal (durable) or a queue (best effort); a writer thread commits them in groups."""

    def __init__(self, target: Path | str, mode: LogMode = LogMode.DURABLE, max_pending_values: int = 1_000_000,
                 spool: Path | None = None, on_written: Callable[[int], None] | None = None,
                 on_dropped: Callable[[int], None] | None = None, on_refused: Callable[[int], None] | None = None,
                 on_waiting: Callable[[int], None] | None = None):
        self.target = target
        self.mode = mode
        self.store = open_store(target)  # raises LogError now rather than on the first decision
        #: the local spool (PostgreSQL only): rows acknowledged while the database was unavailable
        self.spool = SqliteStore(spool or DEFAULT_SPOOL) if is_postgres(target) else None
        self._spooled = self.spool is not None and self.spool.count() > 0
        self.journal = Journal(journal_folder(target, spool))
        #: values (decisions and undetermined ones, plus one per row) handed in and not yet
        #: written: about 200 bytes each, so the default bounds the rows waiting near 200 MB
        self.max_pending_values = max_pending_values
        self.on_written = on_written
        self.on_dropped = on_dropped
        self.on_refused = on_refused
        #: told, after each commit the writer tries, how many decisions wait for one
        self.on_waiting = on_waiting
        self.dropped = 0
        #: why the last commit failed, while the writer tries again; None once it commits
        self.failing: str | None = None
        #: the writer's: entries, Events to set once what came before is written, None to stop
        self._queue: queue.SimpleQueue = queue.SimpleQueue()
        self._pending = 0
        self._waiting = 0  # decisions handed in and not yet committed (or dropped)
        self._lock = threading.Lock()
        self._handing = 0  # requests between taking their rows and queueing them
        self._handed = threading.Condition(self._lock)  # notified as each of them is done
        self._closed = False
        self._stopping = threading.Event()
        self._thread = threading.Thread(target=self._run, name="ruleproof-decision-log", daemon=True)
        self._thread.start()

    def record(self, rows: list[Row]) -> None:
        """Log `rows` (all of one request). Durable: returns once they are in the journal (they
        are committed, in one transaction, shortly after); raises LogBusy — nothing
        acknowledged — when the rows waiting would pass the bound or the journal cannot be
        written. Best effort: queues them and returns; drops and counts them when they do not fit."""
        if rows:
            self._hand_in(sum(1 + len(row[5]) + len(row[6]) for row in rows), len(rows), lambda: (_records(rows), None))

    def record_batch(self, batch: BatchRow) -> None:
        """Log a batch as one row: its request and its answer as they came and went (they hold
        each decided case's facts, id and outcome); as `record` does."""
        first_id, when, pack, version, revision, requested, cases, request, response = batch
        weight = (len(request) + len(response)) // 200 + 1  # a value weighs about 200 bytes

        def converted() -> tuple[list[Record], BatchRecord]:
            names = None if requested is None else to_json(requested).decode()
            return [], (first_id, _iso(when), pack, version, revision, names, cases, request.decode(), response.decode())

        self._hand_in(weight, cases, converted)

    def _hand_in(self, weight: int, count: int, converted: Callable[[], tuple[list[Record], BatchRecord | None]]) -> None:
        """Take `count` decisions weighing `weight` values (see `record`), converted to what the
        store writes only once they are taken."""
        with self._lock:
            # an empty queue takes any batch, so that one larger than the bound is still logged
            fits = not self._closed and (self._pending == 0 or self._pending + weight <= self.max_pending_values)
            if fits:
                self._pending += weight
                self._waiting += count
                self._handing += 1
        if not fits:
            if self.mode is LogMode.BEST_EFFORT:
                self._drop(count)
                return
            if self.on_refused:
                self.on_refused(count)
            raise LogBusy("the decision log is behind; retry shortly")
        try:
            records, batch = converted()
            segment = None
            if self.mode is LogMode.DURABLE:
                try:
                    segment = self.journal.append(records, batch)
                except OSError as err:
                    with self._lock:
                        self._pending -= weight
                        self._waiting -= count
                    if self.on_refused:
                        self.on_refused(count)
                    raise LogBusy(f"the decision log's journal cannot be written: {err.strerror}", retry_after=5) from None
            self._queue.put(_Entry(records, batch, weight, segment))
        finally:
            with self._handed:
                self._handing -= 1
                self._handed.notify_all()

    def _drop(self, count: int) -> None:
        self.dropped += count
        log.warning("decision log (best effort) full: %d decisions not logged", count)
        if self.on_dropped:
            self.on_dropped(count)

    def flush(self, timeout: float = 10.0) -> bool:
        """Wait until everything handed in so far is committed; False if not within `timeout`."""
        written = threading.Event()
        self._queue.put(written)
        return written.wait(timeout)

    def close(self) -> None:
        """Commit what is waiting, then stop the writer. Rows the store does not take then stay
        in the journal, for the next start."""
        with self._handed:
            if self._closed:
                return
            self._closed = True  # no more rows are taken; those being handed in reach the queue first
            self._handed.wait_for(lambda: self._handing == 0, timeout=10)
        self._stopping.set()
        self._queue.put(None)
        self._thread.join(timeout=30)

    def _run(self) -> None:
        # INVARIANT: the log keeps no reference to a group's rows once they are committed, so
        # nothing of a big batch stays in memory after its request
        self._drain()  # what an earlier run spooled
        self.journal.recover(self.store.write)  # what a killed process acknowledged
        go_on = True
        while go_on:
            items = self._gather()
            go_on = None not in items
            group = [item for item in items if isinstance(item, _Entry)]
            while not self._write_group(group) and go_on:  # the store failed: the rows wait in the journal
                self._tell_waiting()
                go_on = not self._stopping.wait(RETRY_S)
            self._tell_waiting()
            for item in items:
                if isinstance(item, threading.Event):
                    item.set()
            if self._spooled:
                self._drain()
        self.journal.close()
        self.store.close()
        if self.spool is not None:
            self.spool.close()

    def _tell_waiting(self) -> None:
        if self.on_waiting:
            self.on_waiting(self._waiting)

    def _drain(self, chunk: int = 5000) -> None:
        """Move spooled rows into the database, oldest first, a chunk per transaction; stop at
        the first failure (the rows stay in the spool)."""
        while self._spooled:
            records, batches = self.spool.take(chunk)
            if not records and not batches:
                self._spooled = False
                return
            try:
                self.store.write(records, batches)
            except LogError:
                self._reconnect()
                return
            self.spool.delete(records, batches)
            log.info("decision log: %d spooled decisions written to the database", decisions_in(records, batches))

    def _gather(self) -> list[_Entry | threading.Event | None]:
        """What the requests handed in: at least one item, then all that is waiting a moment
        later; nothing after a second when the spool waits to be drained."""
        try:
            items = [self._queue.get(timeout=1.0 if self._spooled else None)]
        except queue.Empty:
            return []
        if isinstance(items[0], _Entry):
            time.sleep(LINGER_S)
        while True:
            try:
                items.append(self._queue.get_nowait())
            except queue.Empty:
                return items

    def _write_group(self, group: list[_Entry]) -> bool:
        """Commit the records and batches of `group` in one transaction; False if the store
        failed and they are kept (durable: they are in the journal) to be tried again."""
        records = [record for entry in group for record in entry.records]
        batches = [entry.batch for entry in group if entry.batch is not None]
        if not records and not batches:
            return True
        count = decisions_in(records, batches)
        error = self.failing = self._commit(records, batches, count)
        if error is not None and self.mode is LogMode.DURABLE:
            return False
        if error is not None:
            self._drop(count)
        with self._lock:
            self._pending -= sum(entry.weight for entry in group)
            self._waiting -= count
        appends: dict[Segment, int] = {}
        for entry in group:
            entry.records, entry.batch = [], None
            if entry.segment is not None:
                appends[entry.segment] = appends.get(entry.segment, 0) + 1
        for segment, count in appends.items():
            self.journal.committed(segment, count)
        if any(batch[CASES] >= BIG_REQUEST for batch in batches) or len(records) >= BIG_REQUEST:
            del records, batches
            trim_memory()  # a walk of the heap: not after every group of a busy service
        return True

    def _commit(self, records: list[Record], batches: list[BatchRecord], count: int) -> str | None:
        """Write `records` and `batches` (`count` decisions) in one transaction; None, or why
        they were not written."""
        try:
            self.store.write(records, batches)
        except LogError as err:
            if self.spool is None:
                log.error("decision log: %d decisions not written yet: %s", count, err)
                return str(err)
            try:
                self.spool.write(records, batches)
            except LogError as spool_err:
                log.error("decision log: %d decisions not written yet: %s; nor spooled: %s", count, err, spool_err)
                return str(err)
            self._spooled = True
            log.warning("decision log: %d decisions spooled locally: %s", count, err)
            self._reconnect()
        if self.on_written:
            self.on_written(count)
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
        for row in store.read(pack, limit, as_text=False):
            decision_id, time_, pack_, version, facts, decisions, undetermined, requested, revision = row
            try:
                yield LoggedDecision(decision_id, time_, pack_, version, _parsed(facts), _parsed(decisions),
                                     _parsed(undetermined), None if requested is None else json.loads(requested),
                                     revision)
            except (TypeError, ValueError) as err:
                raise LogError(f"row {decision_id} of the decision log is not JSON: {err}") from None
    finally:
        store.close()


def _parsed(value: object) -> object:
    """A logged value: JSON text from a row of `decisions`, the value itself from a batch's."""
    return json.loads(value) if isinstance(value, str) else value
