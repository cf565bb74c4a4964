"""Where the decision log is kept: an embedded SQLite file (the default) or a PostgreSQL
database shared by several service instances. One schema for both, versioned: each store applies
the migrations it lacks when it is opened, under a lock, so that instances starting together
agree. Values are JSON text in both, so a log reads back the same from either.

>>> store = open_store(":memory:")
>>> store.write([("id1", "2026-01-01T00:00:00.000Z", "p", "1", "{}", "{}", "{}", None, "ab12")])
>>> [row[0] for row in store.read()]
['id1']
"""

from __future__ import annotations

import fcntl
import os
import sqlite3
import time
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path

from ruleproof.server.logschema import (
    KEYS,
    MIGRATIONS,
    MIGRATIONS_TABLE,
    ROWS_PER_STATEMENT,
    SCHEMA_VERSION,
    BatchRecord,
    LogError,
    Record,
    insert_sql,
    logged_rows,
    select_sql,
)

LOCK_WAIT_S = 10.0  # how long a write waits for its turn on the lock file
PAGE_BYTES = 16384


class SqliteStore:
    """A decision log in one SQLite file (WAL mode): a commit is on disk once `write` returns,
    so it survives the process being killed. The file is created readable by its owner only."""

    def __init__(self, path: Path | str, readonly: bool = False):
        self.path = str(path)
        self._lock: tuple[int, int] | None = None  # (process id, descriptor) of the writers' lock file
        try:
            if readonly:
                if not Path(self.path).is_file():
                    raise LogError(f"no decision log at {self.path}")
                self.conn = sqlite3.connect(f"file:{self.path}?mode=ro", uri=True, isolation_level=None,
                                            check_same_thread=False)
                self.conn.execute("SELECT count(*) FROM sqlite_master").fetchone()
                return
            if self.path != ":memory:":
                Path(self.path).parent.mkdir(parents=True, exist_ok=True)
                os.close(os.open(self.path, os.O_CREAT | os.O_WRONLY, 0o600))  # facts may be personal data
            self.conn = sqlite3.connect(self.path, timeout=30, isolation_level=None, check_same_thread=False)
            self.conn.execute("PRAGMA busy_timeout=30000")
            # a new log's pages (an existing one keeps its own): a batch's bodies, hundreds of
            # KB, are a chain of overflow pages; at 16 KB it costs 0.5 µs a case to write, 0.8 at 4
            self.conn.execute(f"PRAGMA page_size={PAGE_BYTES}")
            self.conn.execute("PRAGMA journal_mode=WAL")
            # NORMAL: a commit is in the WAL file when it returns (safe from a killed process;
            # a power cut may lose the last commits)
            self.conn.execute("PRAGMA synchronous=NORMAL")
            self.migrate()
        except sqlite3.DatabaseError as err:
            raise LogError(f"{self.path} is not a decision log: {err}") from None
        except OSError as err:
            raise LogError(f"cannot open the decision log {self.path}: {err.strerror}") from None

    def migrate(self) -> int:
        """Apply the migrations this file lacks (one transaction, under SQLite's write lock);
        returns the schema version."""
        conn = self.conn
        conn.execute("BEGIN IMMEDIATE")
        try:
            conn.execute(MIGRATIONS_TABLE)
            done = {v for (v,) in conn.execute("SELECT version FROM schema_migrations")}
            if done and max(done) > SCHEMA_VERSION:
                raise LogError(f"{self.path} was written by a newer ruleproof (schema {max(done)})")
            for migration in MIGRATIONS:
                if migration.version not in done:
                    for statement in migration.sqlite:
                        conn.execute(statement)
                    conn.execute("INSERT INTO schema_migrations VALUES (?, ?, strftime('%Y-%m-%dT%H:%M:%fZ', 'now'))",
                                 (migration.version, migration.name))
            conn.execute("COMMIT")
        except BaseException:
            conn.execute("ROLLBACK")
            raise
        return SCHEMA_VERSION

    def write(self, records: Sequence[Record], batches: Sequence[BatchRecord] = ()) -> None:
        """Insert `records` and `batches` in one transaction (ids already present are kept as
        they are)."""
        try:
            with self._writer_turn():
                if not batches and len(records) <= ROWS_PER_STATEMENT:  # one statement is a transaction of its own
                    if records:
                        self.conn.execute(insert_sql("decisions", len(records), "?", "INSERT OR IGNORE INTO", ""),
                                          [value for record in records for value in record])
                    return
                self.conn.execute("BEGIN IMMEDIATE")
                try:
                    # many rows per statement: sqlite3 releases the GIL once per statement
                    for start in range(0, len(records), ROWS_PER_STATEMENT):
                        chunk = records[start:start + ROWS_PER_STATEMENT]
                        self.conn.execute(insert_sql("decisions", len(chunk), "?", "INSERT OR IGNORE INTO", ""),
                                          [value for record in chunk for value in record])
                    for batch in batches:
                        self.conn.execute(insert_sql("decision_batches", 1, "?", "INSERT OR IGNORE INTO", ""), batch)
                    self.conn.execute("COMMIT")
                except BaseException:
                    self.conn.execute("ROLLBACK")
                    raise
        except sqlite3.Error as err:
            raise LogError(f"cannot write the decision log {self.path}: {err}") from None
        except OSError as err:
            raise LogError(f"cannot lock the decision log {self.path}: {err.strerror}") from None

    @contextmanager
    def _writer_turn(self) -> Iterator[None]:
        """Hold the log's lock file (`<log>.lock`, an exclusive `flock`) while a transaction
        writes, so that processes logging to one file (a server's workers) take turns before
        SQLite's own lock: a writer that finds that one busy sleeps 1, 2, 5, 10 ms... before it
        tries again (the tail latency of every request waiting on that commit); a writer
        waiting for its turn here tries again after 50 µs, doubling to 0.2 ms (a commit takes
        about 0.1 ms), and gives up (LogError) after LOCK_WAIT_S, as SQLite does after its
        busy timeout: a process that keeps the lock fails the writes, it does not hang them. One descriptor per process: a lock taken through a descriptor inherited across
        fork would be shared, not exclusive."""
        if self.path == ":memory:":
            yield
            return
        pid = os.getpid()
        if self._lock is None or self._lock[0] != pid:
            self._lock = (pid, os.open(self.path + ".lock", os.O_CREAT | os.O_RDWR | os.O_CLOEXEC, 0o600))
        fd = self._lock[1]
        pause, deadline = 0.00005, None
        while True:
            try:
                fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
                break
            except BlockingIOError:
                deadline = deadline or time.monotonic() + LOCK_WAIT_S
                if time.monotonic() >= deadline:
                    raise LogError(f"the decision log {self.path} stayed locked by another process "
                                   f"for {LOCK_WAIT_S:.0f} s") from None
                time.sleep(pause)
                pause = min(pause * 2, 0.0002)
        try:
            yield
        finally:
            fcntl.flock(fd, fcntl.LOCK_UN)

    def read(self, pack: str | None = None, limit: int | None = None, as_text: bool = True) -> Iterator[Record]:
        """The logged decisions (see logschema.logged_rows)."""
        try:
            yield from logged_rows(self.conn.execute, pack, limit, "?", as_text)
        except sqlite3.DatabaseError as err:
            raise LogError(f"{self.path} is not a decision log: {err}") from None

    def scan(self, table: str, pack: str | None = None) -> Iterator[tuple]:
        """The rows of `table` (`decisions` or `decision_batches`) as stored, in key order."""
        try:
            yield from self.conn.execute(*select_sql(table, KEYS[table], pack, "?"))
        except sqlite3.DatabaseError as err:
            raise LogError(f"{self.path} is not a decision log: {err}") from None

    def count(self) -> int:
        """Rows held: decisions and batches."""
        return sum(self.conn.execute(f"SELECT count(*) FROM {table}").fetchone()[0]
                   for table in ("decisions", "decision_batches"))

    def take(self, count: int) -> tuple[list[Record], list[BatchRecord]]:
        """The oldest `count` decisions and the oldest `count` batches (for draining a spool)."""
        return (list(self.conn.execute("SELECT * FROM decisions ORDER BY decision_id LIMIT ?", (count,))),
                list(self.conn.execute("SELECT * FROM decision_batches ORDER BY first_id LIMIT ?", (count,))))

    def delete(self, records: Sequence[Record], batches: Sequence[BatchRecord] = ()) -> None:
        """Remove these decisions and batches (by id), in one transaction."""
        self.conn.execute("BEGIN")
        for table, key, rows in (("decisions", "decision_id", records), ("decision_batches", "first_id", batches)):
            if rows:
                marks = ",".join("?" * len(rows))
                self.conn.execute(f"DELETE FROM {table} WHERE {key} IN ({marks})", [row[0] for row in rows])
        self.conn.execute("COMMIT")

    def close(self) -> None:
        self.conn.close()
        if self._lock is not None and self._lock[0] == os.getpid():
            os.close(self._lock[1])
        self._lock = None


def is_postgres(target: str | Path) -> bool:
    """Whether `target` names a PostgreSQL database (else it is an SQLite file)."""
    return isinstance(target, str) and target.startswith(("postgresql://", "postgres://"))


def open_store(target: str | Path, readonly: bool = False):
    """The store at `target`: a `postgresql://` URL or an SQLite file path; migrated to the
    current schema unless `readonly`. Raises LogError with a message for a person."""
    if is_postgres(target):
        from ruleproof.server.pgstore import PostgresStore

        return PostgresStore(str(target), readonly=readonly)
    return SqliteStore(target, readonly=readonly)
