"""The decision log in PostgreSQL (psycopg 3), for several service instances sharing one log.

Same table and columns as the SQLite log (server/logstore.py), same migrations: they are
applied under a transaction-scoped advisory lock, so instances that start together migrate
once. Rows are inserted with `ON CONFLICT DO NOTHING` (a spool drained twice writes once).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator, Sequence

from ruleproof.server import logschema as schema
from ruleproof.server.logschema import BatchRecord, LogError, Record

MIGRATION_LOCK = 0x72756C6570726F6F  # pg_advisory_xact_lock key: "ruleproo"


class PostgresStore:
    """A decision log in the PostgreSQL database at `url` (postgresql://user@host:port/db)."""

    def __init__(self, url: str, readonly: bool = False):
        import psycopg

        self.url = url
        self.label = _without_password(url)
        self._errors = psycopg.Error
        try:
            self.conn = psycopg.connect(url, autocommit=True, connect_timeout=3)
            if not readonly:
                self.migrate()
        except psycopg.Error as err:
            raise LogError(f"cannot open the decision log {self.label}: {_first_line(err)}") from None

    def migrate(self) -> int:
        """Apply the migrations the database lacks, in one transaction, under an advisory lock."""
        with self.conn.transaction():
            self.conn.execute("SELECT pg_advisory_xact_lock(%s)", (MIGRATION_LOCK,))
            self.conn.execute(schema.MIGRATIONS_TABLE)
            done = {v for (v,) in self.conn.execute("SELECT version FROM schema_migrations")}
            if done and max(done) > schema.SCHEMA_VERSION:
                raise LogError(f"{self.label} was written by a newer ruleproof (schema {max(done)})")
            for migration in schema.MIGRATIONS:
                if migration.version not in done:
                    for statement in migration.postgres:
                        self.conn.execute(statement)
                    self.conn.execute("INSERT INTO schema_migrations VALUES (%s, %s, to_char(now() AT TIME ZONE 'UTC', "
                                      "'YYYY-MM-DD\"T\"HH24:MI:SS.MS\"Z\"'))", (migration.version, migration.name))
        return schema.SCHEMA_VERSION

    def write(self, records: Sequence[Record], batches: Sequence[BatchRecord] = ()) -> None:
        """Insert `records` and `batches` in one transaction (ids already present are kept as
        they are)."""
        try:
            with self.conn.transaction():
                for start in range(0, len(records), schema.ROWS_PER_STATEMENT):
                    chunk = records[start:start + schema.ROWS_PER_STATEMENT]
                    self.conn.execute(schema.insert_sql("decisions", len(chunk), "%s", "INSERT INTO", " ON CONFLICT DO NOTHING"),
                                      [value for record in chunk for value in record])
                for batch in batches:
                    self.conn.execute(schema.insert_sql("decision_batches", 1, "%s", "INSERT INTO", " ON CONFLICT DO NOTHING"),
                                      batch)
        except self._errors as err:
            raise LogError(f"cannot write the decision log {self.label}: {_first_line(err)}") from None

    def read(self, pack: str | None = None, limit: int | None = None, as_text: bool = True) -> Iterator[Record]:
        """The logged decisions (see logschema.logged_rows), streamed by server-side cursors."""
        yield from self._streamed(lambda run: schema.logged_rows(run, pack, limit, "%s", as_text))

    def scan(self, table: str, pack: str | None = None) -> Iterator[tuple]:
        """The rows of `table` (`decisions` or `decision_batches`) as stored, in key order."""
        yield from self._streamed(lambda run: run(*schema.select_sql(table, schema.KEYS[table], pack, "%s")))

    def _streamed(self, rows: Callable[[Callable[[str, list], Iterator[tuple]]], Iterable[tuple]]) -> Iterator[tuple]:
        """What `rows(run)` gives, `run(query, values)` running a statement on a server-side
        cursor (rows stream in), all in one transaction."""
        cursors = []

        def run(query: str, params: list):
            cursor = self.conn.cursor(name=f"replay{len(cursors)}")
            cursors.append(cursor)
            cursor.execute(query, params)
            return cursor

        try:
            with self.conn.transaction():
                yield from rows(run)
        except self._errors as err:
            raise LogError(f"cannot read the decision log {self.label}: {_first_line(err)}") from None
        finally:
            for cursor in cursors:
                cursor.close()

    def close(self) -> None:
        self.conn.close()


def _first_line(err: Exception) -> str:
    return str(err).strip().splitlines()[0] if str(err).strip() else err.__class__.__name__


def _without_password(url: str) -> str:
    """The URL to show in messages: any password replaced."""
    from urllib.parse import urlsplit, urlunsplit

    parts = urlsplit(url)
    if parts.password is None:
        return url
    netloc = parts.netloc.replace(f":{parts.password}@", ":***@")
    return urlunsplit(parts._replace(netloc=netloc))
