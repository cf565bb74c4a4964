"""`ruleproof replay --engine duckdb|spark` and `ruleproof log export --to parquet`: replaying a
decision log at warehouse scale.

The log's rows (SQLite, PostgreSQL, or a Parquet export of either) become a table whose
`facts` column is the JSON the caller sent; the pack's SQL reads each fact out of it, decides
every row in one query, and compares each logged decision with the new one as
server/replay.py does (a value with the same value, "undetermined" with "undetermined"). Only
the counts come out of the engine; the few example cases are decided again by the evaluator,
so the report has the same shape as the evaluator's replay.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq
from ruleproof.checker import ir
from ruleproof.checker.decisions import decide_json
from ruleproof.checker.evaluate import CompiledPack
from ruleproof.checker.semantics.kinds import EXACT_KINDS, Kind
from ruleproof.checker.sql.cases import duckdb_type
from ruleproof.checker.sql.compile import CAUSE_SUFFIX, compile_query
from ruleproof.checker.values import InvalidFacts, read_facts
from ruleproof.server.decision_log import LoggedDecision
from ruleproof.server.logstore import open_store
from ruleproof.server.replay import DecisionChanges, ReplayReport, _outcome

COLUMNS = ("decision_id", "time", "pack", "version", "facts", "decisions", "undetermined", "requested", "revision")
SCHEMA = pa.schema([pa.field(c, pa.string()) for c in COLUMNS])
CHUNK = 100_000


def log_batches(log: str, pack: str | None = None, limit: int | None = None) -> Iterator[pa.RecordBatch]:
    """The log's rows (oldest first), as Arrow batches of its columns (JSON as text)."""
    store = open_store(log, readonly=True)
    try:
        rows = store.read(pack, limit)
        while True:
            chunk = [row for _, row in zip(range(CHUNK), rows)]
            if not chunk:
                break
            yield pa.RecordBatch.from_arrays([pa.array([r[i] for r in chunk], pa.string()) for i in range(len(COLUMNS))],
                                             schema=SCHEMA)
    finally:
        store.close()


def export_parquet(log: str, out: str, pack: str | None = None) -> int:
    """Write the log (of `pack` if given) to a Parquet file; the number of rows."""
    count = 0
    with pq.ParquetWriter(out, SCHEMA) as writer:
        for batch in log_batches(log, pack):
            writer.write_batch(batch)
            count += batch.num_rows
    return count


def _path(name: str) -> str:
    return "$." + json.dumps(name)


def fact_columns(pack: ir.Pack, read: set[str], sent: set[str]) -> tuple[list[str], str]:
    """SELECT items reading each fact of `read` out of `_j` (the facts JSON parsed once into a
    list, one entry per fact of `sent` in pack order: `_paths`), and the condition that a row's
    facts are ones the pack refuses (an unknown name, a value of the wrong type, an enum value
    that is no member, an int out of its range) — over every fact sent, read or not. `sent`:
    the names sent in some row of the log (a fact no row sends is NULL and needs no check)."""
    items, bad = [], []
    unknown = sorted(sent - set(pack.facts))
    if unknown:
        names = ", ".join("'" + n.replace("'", "''") + "'" for n in unknown)
        bad.append(f"list_has_any(json_keys(facts), [{names}])")
    i = 0
    for fact in pack.facts.values():
        typ = fact.type.required()
        if fact.name not in sent:
            if fact.name in read:
                items.append(f"CAST(NULL AS {duckdb_type(typ)}) AS " + _quoted(fact.name))
            continue
        i += 1
        raw = f"_j[{i}]"
        text = f"(_j[{i}] ->> '$')"
        source = raw if typ.kind in EXACT_KINDS or typ.kind == Kind.SET else text
        value = f"TRY_CAST({source} AS {duckdb_type(typ)})"
        if typ.kind == Kind.BOOL:
            value = f"CASE json_type({raw}) WHEN 'BOOLEAN' THEN {text} = 'true' END"
        if fact.name in read:
            items.append(f"{value} AS " + _quoted(fact.name))
        bad.append(f"({raw} IS NOT NULL AND json_type({raw}) <> 'NULL' AND {value} IS NULL)")
        if typ.kind == Kind.ENUM:
            members = ", ".join("'" + m + "'" for m in typ.members)
            bad.append(f"({text} IS NOT NULL AND NOT list_contains([{members}], {text}))")
        if fact.low is not None:  # an absent value is in range (NULL would make the row neither valid nor refused)
            bad.append(f"COALESCE({value} NOT BETWEEN {fact.low} AND {fact.high}, FALSE)")
    return items, " OR ".join(bad) or "FALSE"


def _quoted(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'


def _paths(pack: ir.Pack, sent: set[str]) -> str:
    return "[" + ", ".join("'" + _path(f.name).replace("'", "''") + "'" for f in pack.facts.values() if f.name in sent) + "]"


def _logged_names(con) -> list[str]:
    rows = con.execute("SELECT DISTINCT unnest(list_concat(json_keys(decisions), json_keys(undetermined))) FROM log").fetchall()
    return sorted(r[0] for r in rows)


def replay_sql(source: str, pack: ir.Pack, pack_name: str | None = None, limit: int | None = None,
               examples: int = 3) -> ReplayReport:
    """Replay the log at `source` (SQLite file, postgresql:// URL, or a .parquet export) with
    `pack` on DuckDB; the report of server/replay.py."""
    import duckdb

    con = duckdb.connect()
    con.execute("SET preserve_insertion_order = false")  # the report orders what it shows
    name = pack_name or pack.name
    if source.endswith(".parquet"):
        con.execute("CREATE TEMP TABLE log_source AS SELECT ? AS path, ? AS pack", [source, name])
        quoted = "'" + source.replace("'", "''") + "'"
        con.execute(f"CREATE VIEW log AS SELECT * FROM read_parquet({quoted}) WHERE pack = (SELECT pack FROM log_source)")
    else:
        table = pa.Table.from_batches(list(log_batches(source, name, limit)), schema=SCHEMA)
        con.register("log", table)
    report = ReplayReport(source, pack.name, pack.version)
    report.logged_versions.update(dict(con.execute("SELECT version, count(*) FROM log GROUP BY version").fetchall()))
    report.cases = sum(report.logged_versions.values())
    logged = _logged_names(con)
    decided = [n for n in logged if n in pack.decisions]
    needs = ir.fact_dependencies(pack)
    read = set().union(*(needs[n] for n in decided)) if decided else set()
    sent = {r[0] for r in con.execute("SELECT DISTINCT unnest(json_keys(facts)) FROM log").fetchall()}
    items, bad = fact_columns(pack, read, sent)
    parsed = f"SELECT *, json_extract(facts, {_paths(pack, sent)}) AS _j FROM log" if sent & set(pack.facts) else "SELECT * FROM log"
    con.execute(f"CREATE TEMP TABLE cases AS SELECT decision_id AS _row, decisions AS _old, undetermined AS _old_u, "
                f"({bad}) AS _invalid{''.join(', ' + i for i in items)} FROM ({parsed})")
    query = compile_query(pack, decided, "cases", ("_row", "_old", "_old_u", "_invalid"), _never_null(con, read)).sql("duckdb")
    states = []
    for n in logged:
        was_value = f"json_extract(_old, '{_path(n)}') IS NOT NULL"
        was_logged = f"({was_value} OR json_extract(_old_u, '{_path(n)}') IS NOT NULL)"
        if n not in pack.decisions:
            states.append(f"CASE WHEN {was_logged} THEN 3 ELSE 0 END")
            continue
        typ = pack.decisions[n].type.required()
        col, cause = '"' + n.replace('"', '""') + '"', '"' + (n + CAUSE_SUFFIX).replace('"', '""') + '"'
        source_ = f"json_extract(_old, '{_path(n)}')" if typ.kind in EXACT_KINDS or typ.kind == Kind.SET \
            else f"json_extract_string(_old, '{_path(n)}')"
        old = f"TRY_CAST({source_} AS {duckdb_type(typ)})" if typ.kind != Kind.BOOL else f"({source_} = 'true')"
        new = f"list_sort({col})" if typ.kind == Kind.SET else col
        old = f"list_sort({old})" if typ.kind == Kind.SET else old
        same = f"CASE WHEN {was_value} THEN {cause} IS NULL AND {new} = {old} ELSE {cause} IS NOT NULL END"
        states.append(f"CASE WHEN NOT {was_logged} THEN 0 WHEN {same} THEN 1 ELSE 2 END")
    state_cols = ", ".join(f"{s} AS s{i}" for i, s in enumerate(states))
    con.execute(f"CREATE TEMP TABLE replayed AS SELECT _row, _invalid, {state_cols} FROM ({query}) AS q")
    sums = ", ".join(f"count(*) FILTER (NOT _invalid AND s{i} IN (1, 2)), count(*) FILTER (NOT _invalid AND s{i} = 2), "
                     f"count(*) FILTER (NOT _invalid AND s{i} = 3)" for i in range(len(logged)))
    changed_any = " OR ".join(f"s{i} = 2" for i in range(len(logged))) or "FALSE"
    totals = con.execute(f"SELECT count(*) FILTER (_invalid), count(*) FILTER (NOT _invalid AND ({changed_any}))"
                         + (f", {sums}" if sums else "") + " FROM replayed").fetchone()
    report.invalid_cases, report.changed_cases = totals[0], totals[1]
    compiled = CompiledPack(pack)
    for i, n in enumerate(logged):
        entry = DecisionChanges(n, *totals[2 + 3 * i: 5 + 3 * i])
        if not entry.compared and not entry.removed:
            continue  # logged only in cases the pack now refuses
        report.decisions[n] = entry
        if entry.changed and examples:
            ids = [r[0] for r in con.execute(f"SELECT _row FROM replayed WHERE s{i} = 2 AND NOT _invalid ORDER BY _row LIMIT {int(examples)}").fetchall()]
            for row in _rows(con, ids):
                new = decide_json(compiled, row.facts, [n])
                entry.examples.append({"decision_id": row.decision_id, "time": row.time, "version": row.version,
                                       "facts": row.facts, "old": _outcome(n, row.decisions, row.undetermined),
                                       "new": _outcome(n, new["decisions"], new["undetermined"])})
    if report.invalid_cases and examples:
        ids = [r[0] for r in con.execute(f"SELECT _row FROM replayed WHERE _invalid ORDER BY _row LIMIT {int(examples)}").fetchall()]
        for row in _rows(con, ids):
            try:
                read_facts(pack, row.facts)
                errors = [{"path": "facts", "message": "refused"}]
            except InvalidFacts as err:
                errors = [{"path": e.path, "message": e.message} for e in err.errors]
            report.invalid.append({"decision_id": row.decision_id, "facts": row.facts, "errors": errors})
    return report


def _never_null(con, facts: set[str]) -> set[str]:
    """The facts among `facts` that every case of the table `cases` sends (no NULL)."""
    names = sorted(facts)
    if not names:
        return set()
    counts = con.execute("SELECT " + ", ".join(f"count({_quoted(n)}) = count(*)" for n in names) + " FROM cases").fetchone()
    return {n for n, full in zip(names, counts) if full}


def _rows(con, ids: list[str]) -> list[LoggedDecision]:
    if not ids:
        return []
    marks = ", ".join("?" for _ in ids)
    rows = con.execute(f"SELECT {', '.join(COLUMNS)} FROM log WHERE decision_id IN ({marks}) ORDER BY decision_id", ids).fetchall()
    return [LoggedDecision(r[0], r[1], r[2], r[3], json.loads(r[4]), json.loads(r[5]), json.loads(r[6]),
                           None if r[7] is None else json.loads(r[7]), r[8]) for r in rows]


def export_path(out: str) -> Path:
    """`out`, checked to be a .parquet path."""
    if not out.endswith(".parquet"):
        raise ValueError(f"{out}: the export is a .parquet file")
    return Path(out)

