"""The decision log's journal: where a worker appends the rows it acknowledges before it answers.

A `write` to a file that has returned survives the process being killed (the data is the
kernel's), so a decision is on record once its rows are in the journal; the log's writer
thread then commits them to the store in groups, off the request's path, and the journal forgets
them. Each process appends to its own segment file, `<directory>/<pid>-<ns>.journal`, one line
of JSON per request (its records, in order) — a batch is a line of JSON (its row but for the
bodies, and their lengths) followed by its request's and its answer's bodies — and holds an exclusive `flock` on it while it
lives. A segment whose lock can be taken belongs to no live process: its rows were acknowledged
and perhaps not committed, and `recover` writes them to the store (the store ignores ids it
already has) and deletes it. A line cut short by a kill was never acknowledged (its `write` did
not return), so a last line that is not whole is left out.

>>> import tempfile; from pathlib import Path
>>> folder = Path(tempfile.mkdtemp())
>>> journal = Journal(folder)
>>> segment = journal.append([("id1", "t", "p", "1", "{}", "{}", "{}", None, "r")])
>>> journal.committed(segment, 1)
>>> Journal(folder).recover(print)  # nothing left over: the live segment is locked
0
"""

from __future__ import annotations

import fcntl
import json
import logging
import os
import threading
import time
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path

from pydantic_core import to_json
from ruleproof.server.logschema import CASES, BatchRecord, LogError, Record, decisions_in

log = logging.getLogger("ruleproof.server")

SEGMENT_BYTES = 64 << 20  # a segment past this is sealed: the next append starts another
RESET_BYTES = 1 << 20  # a segment past this, all of it committed, is emptied
RECOVER_CHUNK = 5000  # records per transaction when a left-over segment is written to the store


@dataclass(eq=False)
class Segment:
    """One journal file of this process, and how many of its appends are committed."""

    path: Path
    fd: int
    pid: int
    size: int = 0
    appended: int = 0  # requests' lines written
    committed: int = 0  # of those, committed to the store
    sealed: bool = False  # no more appends: deleted once all of it is committed


class Journal:
    """This process's segments in `directory` (created 0700: facts may be personal data)."""

    def __init__(self, directory: Path):
        self.directory = directory
        self._lock = threading.Lock()
        self._segment: Segment | None = None
        try:
            directory.mkdir(mode=0o700, parents=True, exist_ok=True)
        except OSError as err:
            raise LogError(f"cannot create the decision log's journal {directory}: {err.strerror}") from None

    def append(self, records: Sequence[Record], batch: BatchRecord | None = None) -> Segment:
        """Write `records` or `batch` (one request's) to this process's segment; once this
        returns they survive the process. Raises OSError when the file cannot take them (disk full)."""
        if batch is None:
            line = to_json(records) + b"\n"
        else:
            bodies = batch[-2].encode(), batch[-1].encode()
            line = b"".join((to_json({"batch": batch[:-2], "bytes": [len(b) for b in bodies]}), b"\n", *bodies))
        with self._lock:
            segment = self._current()
            view = memoryview(line)
            while view:  # a regular file takes it whole but for a full disk; then OSError
                view = view[os.write(segment.fd, view):]
            segment.size += len(line)
            segment.appended += 1
            return segment

    def committed(self, segment: Segment, appends: int) -> None:
        """`appends` of `segment`'s lines are committed to the store: forget what no longer
        needs keeping (a sealed segment all committed is deleted; the live one, emptied)."""
        with self._lock:
            segment.committed += appends
            if segment.committed < segment.appended:
                return
            if segment.sealed:
                self._delete(segment)
            elif segment.size >= RESET_BYTES:
                os.ftruncate(segment.fd, 0)  # appends go to the end: O_APPEND
                segment.size = segment.appended = segment.committed = 0

    def close(self) -> None:
        """Close this process's segment; deleted if all of it is committed, kept (for the next
        start to recover) if not."""
        with self._lock:
            segment, self._segment = self._segment, None
            if segment is None or segment.pid != os.getpid():
                return
            if segment.committed == segment.appended:
                self._delete(segment)
            else:
                os.close(segment.fd)

    def recover(self, write: Callable[[Sequence[Record], Sequence[BatchRecord]], None]) -> int:
        """Write the records and batches of every segment no live process holds to the store
        with `write` (which raises LogError when it cannot), then delete the segment; the
        number of decisions written.
        A segment that fails stays for the next time."""
        written = 0
        for path in sorted(self.directory.glob("*.journal")):
            try:
                fd = os.open(path, os.O_RDONLY | os.O_CLOEXEC)
            except FileNotFoundError:  # another process recovered it first
                continue
            try:
                try:
                    fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
                except BlockingIOError:  # a live process's
                    continue
                if not os.path.exists(path):  # recovered and deleted while this waited for the lock
                    continue
                count = 0
                for records, batches in _groups(_appends(path, fd), RECOVER_CHUNK):
                    write(records, batches)
                    count += decisions_in(records, batches)
                os.unlink(path)
                written += count
                if count:
                    log.info("decision log: %d decisions recovered from the journal %s", count, path.name)
            except LogError as err:
                log.error("decision log: the journal %s stays for the next start: %s", path.name, err)
                return written
            finally:
                os.close(fd)
        return written

    def _current(self) -> Segment:
        segment = self._segment
        pid = os.getpid()
        if segment is not None and segment.pid == pid and segment.size < SEGMENT_BYTES:
            return segment
        if segment is not None and segment.pid == pid:
            segment.sealed = True
            if segment.committed == segment.appended:
                self._delete(segment)
        self._segment = segment = self._open(pid)
        return segment

    def _open(self, pid: int) -> Segment:
        """A new segment, locked before it takes its name: `recover` never sees it unlocked."""
        name = f"{pid}-{time.time_ns()}"
        staging = self.directory / f".{name}.new"
        fd = os.open(staging, os.O_CREAT | os.O_EXCL | os.O_WRONLY | os.O_APPEND | os.O_CLOEXEC, 0o600)
        fcntl.flock(fd, fcntl.LOCK_EX)
        path = self.directory / f"{name}.journal"
        os.rename(staging, path)
        return Segment(path, fd, pid)

    def _delete(self, segment: Segment) -> None:
        try:
            os.unlink(segment.path)
        except FileNotFoundError:
            pass
        os.close(segment.fd)


def _appends(path: Path, fd: int) -> Iterator[tuple[list[Record], BatchRecord | None]]:
    """What each append of a segment wrote, in order: records, or a batch. What follows a line
    without its newline, or a batch shorter than its lengths (the end of a write a kill cut
    short, never acknowledged), is left out."""
    with os.fdopen(os.dup(fd), "rb") as file:
        while line := file.readline():
            try:
                if not line.endswith(b"\n"):  # JSON whole but its write was not: never acknowledged
                    raise ValueError("a line cut short")
                head = json.loads(line)
                if isinstance(head, dict):
                    bodies = [file.read(size) for size in head["bytes"]]
                    if [len(b) for b in bodies] != head["bytes"]:
                        raise ValueError("a batch cut short")
                    yield [], (*head["batch"], *(b.decode() for b in bodies))
                else:
                    yield [tuple(record) for record in head], None
            except (ValueError, KeyError, TypeError):
                log.warning("decision log: the journal %s ends in a write cut short; left out", path.name)
                return


def _groups(appends: Iterator[tuple[list[Record], BatchRecord | None]], size: int
            ) -> Iterator[tuple[list[Record], list[BatchRecord]]]:
    """The appends' records and batches, in groups of about `size` decisions."""
    records: list[Record] = []
    batches: list[BatchRecord] = []
    held = 0
    for more, batch in appends:
        records += more
        held += len(more)
        if batch is not None:
            batches.append(batch)
            held += batch[CASES]
        if held >= size:
            yield records, batches
            records, batches, held = [], [], 0
    if records or batches:
        yield records, batches
