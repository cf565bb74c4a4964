"""The decision log's schema, shared by its SQLite and PostgreSQL stores: the tables, their
migrations, the statements that write them, and how the rows read back.

A single decision is a row of `decisions`. A batch is one row of `decision_batches`: the
request as it was sent and the answer as it was given, which hold every decided case's facts,
decision id and outcome. Writing a batch thus costs no JSON beyond the answer's own, and one row
instead of one per case. Read back (`logged_rows`), a batch gives one row per decided case, of
the same columns as a row of `decisions`.
"""

from __future__ import annotations

import heapq
import json
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass
from operator import itemgetter

from pydantic_core import to_json

#: (decision_id, time, pack, version, facts, decisions, undetermined, requested, revision): text
#: columns, JSON for facts to requested (requested is NULL when every decision was asked for)
Record = tuple[str, str, str, str, str, str, str, "str | None", "str | None"]
#: (first_id, time, pack, version, revision, requested, cases, request, response): a batch's
#: row; `cases` counts its decided cases, `request` and `response` are its JSON bodies
BatchRecord = tuple[str, str, str, str, "str | None", "str | None", int, str, str]
CASES = 6  # BatchRecord's field of its decided cases


def decisions_in(records: Sequence[Record], batches: Sequence[BatchRecord]) -> int:
    """How many decisions `records` and `batches` hold (a batch: its decided cases)."""
    return len(records) + sum(batch[CASES] for batch in batches)


class LogError(Exception):
    """The log cannot be opened, read or written; the message says why, for a person."""


@dataclass(frozen=True)
class Migration:
    """One schema change, as SQLite and PostgreSQL write it."""

    version: int
    name: str
    sqlite: tuple[str, ...]
    postgres: tuple[str, ...]


DECISIONS = """CREATE TABLE IF NOT EXISTS decisions (
    decision_id  TEXT PRIMARY KEY,   -- time-ordered (UUID version 7)
    time         TEXT NOT NULL,      -- UTC, ISO 8601
    pack         TEXT NOT NULL,
    version      TEXT NOT NULL,
    facts        TEXT NOT NULL,      -- JSON, as the caller sent them
    decisions    TEXT NOT NULL,      -- JSON: decision -> wire value
    undetermined TEXT NOT NULL,      -- JSON: decision -> {reason, depends_on, ...}
    requested    TEXT                -- JSON list of the decisions asked for; NULL = all
)"""
# No other index: ids sort by time, so a time range is a key range, and every insert stays cheap.
REVISION = "ALTER TABLE decisions ADD COLUMN revision TEXT"  # hash of the pack's files
BATCHES = """CREATE TABLE IF NOT EXISTS decision_batches (
    first_id     TEXT PRIMARY KEY,   -- the decision id of its first decided case
    time         TEXT NOT NULL,
    pack         TEXT NOT NULL,
    version      TEXT NOT NULL,
    revision     TEXT,
    requested    TEXT,
    cases        INTEGER NOT NULL,   -- decided cases: the decisions it holds
    request      TEXT NOT NULL,      -- JSON, as sent: {"pack", "cases": [facts...], ...}
    response     TEXT NOT NULL       -- JSON, as answered: {"results": [{"index", "decision_id", "decisions", "undetermined"} or {"index", "error"}...], ...}
)"""

#: every schema change, in order; a store records the ones applied in `schema_migrations`
MIGRATIONS = (
    Migration(1, "the decisions table", (DECISIONS + " WITHOUT ROWID",), (DECISIONS,)),
    Migration(2, "the revision of the pack that decided", (REVISION,), (REVISION,)),
    Migration(3, "a batch in one row: its request and its answer", (BATCHES,), (BATCHES,)),
)
SCHEMA_VERSION = MIGRATIONS[-1].version
MIGRATIONS_TABLE = ("CREATE TABLE IF NOT EXISTS schema_migrations "
                    "(version INTEGER PRIMARY KEY, name TEXT NOT NULL, applied_at TEXT NOT NULL)")
#: each table's key, in whose order its rows are read
KEYS = {"decisions": "decision_id", "decision_batches": "first_id"}
ROWS_PER_STATEMENT = 500  # 9 values a row: well under SQLite's 32,766 parameters and PostgreSQL's 65,535


def insert_sql(table: str, rows: int, mark: str, verb: str, tail: str) -> str:
    """An insert of `rows` rows of 9 values into `table`, `mark` standing for a value."""
    one = "(" + ", ".join([mark] * 9) + ")"
    return f"{verb} {table} VALUES " + ",".join([one] * rows) + tail


def select_sql(table: str, key: str, pack: str | None, mark: str, newest_first: bool = False,
               limit: int | None = None) -> tuple[str, list]:
    """The rows of `table` (of `pack` if given) in the order of `key`, and the statement's values;
    with `limit`, the newest `limit` of them, oldest first."""
    where, params = (f"WHERE pack = {mark}", [pack]) if pack else ("", [])
    query = f"SELECT * FROM {table} {where} ORDER BY {key}"
    if limit is not None:
        query = f"SELECT * FROM ({query} DESC LIMIT {mark}) AS newest ORDER BY {key}"
        params.append(limit)
    elif newest_first:
        query += " DESC"
    return query, params


def logged_rows(run: Callable[[str, list], Iterable[tuple]], pack: str | None = None, limit: int | None = None,
                mark: str = "?", as_text: bool = True) -> Iterator[Record]:
    """The logged decisions (of `pack` if given), oldest first: the rows of `decisions` and one
    per decided case of each batch, by id (a batch's cases in a row, by its first id); with
    `limit`, the newest `limit`. `run(query, values)` gives a statement's rows. A batch's cases
    have their facts, decisions and undetermined ones as JSON text, or with `as_text` False as
    the values its JSON holds (a reader that parses them saves writing them out). Raises
    LogError for a batch that is not JSON."""
    singles = run(*select_sql("decisions", "decision_id", pack, mark, limit=limit))
    if limit is None:
        batches = run(*select_sql("decision_batches", "first_id", pack, mark))
        return heapq.merge(singles, _cases_of(batches, as_text), key=itemgetter(0))
    newest, held = [], 0  # batches, newest first, until they hold `limit` cases
    for batch in run(*select_sql("decision_batches", "first_id", pack, mark, newest_first=True)):
        newest.append(batch)
        held += batch[CASES]
        if held >= limit:
            break
    rows = list(heapq.merge(singles, _cases_of(reversed(newest), as_text), key=itemgetter(0)))
    return iter(rows[-limit:] if limit else [])


def _cases_of(batches: Iterable[BatchRecord], as_text: bool) -> Iterator[Record]:
    for batch in batches:
        yield from batch_cases(batch, as_text)


def batch_cases(batch: BatchRecord, as_text: bool = True) -> Iterator[Record]:
    """The rows of a batch's decided cases, in order, as rows of `decisions` (with `as_text`
    False, its facts, decisions and undetermined ones as values, not JSON text).

    >>> request = '{"pack": "p", "cases": [{"a": 1}, {"a": "x"}, {"a": 2}]}'
    >>> response = ('{"results": [{"index": 0, "decision_id": "i0", "decisions": {"d": 1}, "undetermined": {}}, '
    ...             '{"index": 1, "error": {}}, {"index": 2, "decision_id": "i2", "decisions": {}, "undetermined": {"d": {}}}]}')
    >>> [row[0] + " " + row[4] for row in batch_cases(("i0", "t", "p", "1", "r", None, 2, request, response))]
    ['i0 {"a":1}', 'i2 {"a":2}']
    """
    first_id, time, pack, version, revision, requested, _, request, response = batch
    try:
        cases = json.loads(request)["cases"]
        results = json.loads(response)["results"]
        for result in results:
            decision_id = result.get("decision_id")
            if decision_id is None:
                continue
            facts, decisions, undetermined = cases[result["index"]], result["decisions"], result["undetermined"]
            if as_text:
                facts, decisions, undetermined = (to_json(v).decode() for v in (facts, decisions, undetermined))
            yield decision_id, time, pack, version, facts, decisions, undetermined, requested, revision
    except (TypeError, ValueError, KeyError, IndexError) as err:
        raise LogError(f"the batch {first_id} of the decision log is not a batch's request and answer: {err!r}") from None
