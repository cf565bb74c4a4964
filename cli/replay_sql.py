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
import sqlglot
from ruleproof.checker import ir
from ruleproof.checker.decisions import decide_json
from ruleproof.checker.evaluate import CompiledPack
from ruleproof.checker.semantics.kinds import Kind
from ruleproof.checker.sql.compile import CAUSE_SUFFIX, compile_query
from ruleproof.checker.sql.dialects import refusals
from ruleproof.checker.sql.wire import Reading, json_path, literal, quoted, reading, token_value, typed_rows
from ruleproof.checker.values import InvalidFacts, read_facts
from ruleproof.server.decision_log import LoggedDecision
from ruleproof.server.logschema import LogError
from ruleproof.server.logstore import open_store
from ruleproof.server.replay import DecisionChanges, ReplayReport, _outcome

COLUMNS = ("decision_id", "time", "pack", "version", "facts", "decisions", "undetermined", "requested", "revision")
SCHEMA = pa.schema([pa.field(c, pa.string()) for c in COLUMNS])
CHUNK = 100_000
SAMPLE = 10_000  # the first rows of the log, whose names the reading looks for first
BATCH_BYTES = 64 << 20  # the batch rows' bodies unnested by DuckDB at a time


#: a batch's row as stored (see server/logschema.py): its bodies, and how many cases it decided
BATCH_SCHEMA = pa.schema([pa.field(c, pa.int64() if c == "cases" else pa.string())
                          for c in ("first_id", "time", "pack", "version", "revision", "requested", "cases", "request", "response")])
# A batch's decided cases as rows of the log's columns: its request's cases and its answer's
# results, one per case in the same order, unnested side by side; each body parsed once
# (json_transform), the JSON written back as Python's reader and writer would (1.10 as 1.1, 1e2
# as 100.0).
BATCH_CASES = """SELECT result.decision_id AS decision_id, time, pack, version, CAST(facts AS VARCHAR) AS facts,
  CAST(result.decisions AS VARCHAR) AS decisions, CAST(result.undetermined AS VARCHAR) AS undetermined,
  requested, revision
FROM (SELECT time, pack, version, requested, revision,
        unnest(json_transform(request, '{{"cases": ["JSON"]}}').cases) AS facts,
        unnest(json_transform(response, '{{"results": [{{"decision_id": "VARCHAR", "decisions": "JSON",
                                                          "undetermined": "JSON"}}]}}').results) AS result
      FROM {raw})
WHERE result.decision_id IS NOT NULL"""


def log_batches(log: str, pack: str | None = None, limit: int | None = None) -> Iterator[pa.RecordBatch]:
    """The log's rows (oldest first), as Arrow batches of its columns (JSON as text)."""
    store = open_store(log, readonly=True)
    try:
        yield from _arrow(store.read(pack, limit), SCHEMA)
    finally:
        store.close()


def _arrow(rows: Iterator[tuple], schema: pa.Schema) -> Iterator[pa.RecordBatch]:
    while True:
        chunk = [row for _, row in zip(range(CHUNK), rows)]
        if not chunk:
            return
        yield pa.RecordBatch.from_arrays([pa.array([r[i] for r in chunk], f.type) for i, f in enumerate(schema)],
                                         schema=schema)


def load_log(con, log: str, pack: str | None = None, limit: int | None = None) -> None:
    """The table `log` on DuckDB connection `con`: the decisions logged at `log` (SQLite file or
    postgresql:// URL; of `pack` if given; the newest `limit` if given), one row per decision,
    of COLUMNS. A batch's row is unnested into its decided cases by DuckDB (BATCH_CASES), not
    case by case in Python. Raises LogError."""
    import duckdb

    if limit is not None:  # the newest few: counted across single rows and batches by the store
        _into_log(con, log_batches(log, pack, limit), SCHEMA, "CREATE TEMP TABLE log AS SELECT * FROM {raw}")
        return
    store = open_store(log, readonly=True)
    try:
        _into_log(con, _arrow(store.scan("decisions", pack), SCHEMA), SCHEMA, "CREATE TEMP TABLE log AS SELECT * FROM {raw}")
        for rows in _by_size(store.scan("decision_batches", pack), BATCH_BYTES):  # parsed JSON takes ~10x its text
            try:
                _into_log(con, _arrow(iter(rows), BATCH_SCHEMA), BATCH_SCHEMA, "INSERT INTO log " + BATCH_CASES)
            except duckdb.InvalidInputException as err:
                raise LogError(f"a batch of the decision log {log} is not a batch's request and answer: "
                               f"{str(err).splitlines()[0]}") from None
            except duckdb.Error as err:
                raise LogError(f"cannot read the decision log {log}: {str(err).splitlines()[0]}") from None
    finally:
        store.close()


def _into_log(con, batches: Iterator[pa.RecordBatch], schema: pa.Schema, statement: str) -> None:
    """Run `statement` (its `{raw}`: the rows of `batches`, handed to DuckDB as Arrow)."""
    con.register("log_raw", pa.Table.from_batches(list(batches), schema=schema))
    try:
        con.execute(statement.format(raw="log_raw"))
    finally:
        con.unregister("log_raw")


def _by_size(rows: Iterator[tuple], size: int) -> Iterator[list[tuple]]:
    """Batch rows in groups of about `size` bytes of bodies (at least one row a group)."""
    group: list[tuple] = []
    held = 0
    for row in rows:
        group.append(row)
        held += len(row[-2]) + len(row[-1])
        if held >= size:
            yield group
            group, held = [], 0
    if group:
        yield group


def export_parquet(log: str, out: str, pack: str | None = None) -> int:
    """Write the log (of `pack` if given) to a Parquet file, in id order; the number of rows."""
    import duckdb

    con = duckdb.connect()
    load_log(con, log, pack)
    con.execute(f"COPY (SELECT * FROM log ORDER BY decision_id) TO {literal(out)} (FORMAT parquet)")
    return con.execute("SELECT count(*) FROM log").fetchone()[0]


def _logged_names(con) -> list[str]:
    rows = con.execute("SELECT DISTINCT unnest(list_concat(json_keys(decisions), json_keys(undetermined))) FROM log").fetchall()
    return sorted(r[0] for r in rows)


def _old_columns(pack: ir.Pack, logged: list[str]) -> tuple[str, list[str]]:
    """The select items parsing each row's logged decisions once (`_d`, `_u`: the logged
    values and undetermined entries of `logged`, as JSON tokens), and per logged decision i
    `_was{i}` (0 not logged, 1 a value, 2 undetermined) and, for a decision of `pack`,
    `_old{i}` (the logged value, typed as the decision's column)."""
    paths = "[" + ", ".join(literal(json_path(n)) for n in logged) + "]"
    parsed = f", json_extract(decisions, {paths}) AS _d, json_extract(undetermined, {paths}) AS _u" if logged else ""
    items = []
    for i, n in enumerate(logged, start=1):
        items.append(f"CASE WHEN _d[{i}] IS NOT NULL THEN 1 WHEN _u[{i}] IS NOT NULL THEN 2 ELSE 0 END AS _was{i}")
        if n in pack.decisions:
            items.append(f"{token_value(f'_d[{i}]', pack.decisions[n].type.required())} AS _old{i}")
    return parsed, items


def _states(pack: ir.Pack, logged: list[str]) -> list[str]:
    """Per logged decision, its state in a row of the replay (DuckDB SQL over the decided
    cases): 0 not logged, 1 the same outcome, 2 changed, 3 logged but no decision of the pack."""
    states = []
    for i, n in enumerate(logged, start=1):
        if n not in pack.decisions:
            states.append(f"CASE WHEN _was{i} = 0 THEN 0 ELSE 3 END AS s{i}")
            continue
        new, cause = quoted(n), quoted(n + CAUSE_SUFFIX)
        old = f"_old{i}"
        if pack.decisions[n].type.required().kind == Kind.SET:
            new, old = f"list_sort({new})", f"list_sort({old})"
        same = f"CASE WHEN _was{i} = 1 THEN {cause} IS NULL AND {new} = {old} ELSE {cause} IS NOT NULL END"
        states.append(f"CASE WHEN _was{i} = 0 THEN 0 WHEN {same} THEN 1 ELSE 2 END AS s{i}")
    return states


def replay_sql(source: str, pack: ir.Pack, pack_name: str | None = None, limit: int | None = None,
               examples: int = 3, engine: str = "duckdb", master: str | None = None) -> ReplayReport:
    """Replay the log at `source` (SQLite file, postgresql:// URL, or a .parquet export) with
    `pack`, deciding on `engine` (duckdb, or spark: a local session or the one at `master`);
    the report of server/replay.py. The log is read (and its facts checked as the evaluator's
    reader checks them) by DuckDB in this process either way."""
    import duckdb

    con = duckdb.connect()
    con.execute("SET preserve_insertion_order = false")  # the report orders what it shows
    name = pack_name or pack.name
    if source.endswith(".parquet"):
        con.execute("CREATE TEMP TABLE log_source AS SELECT ? AS path, ? AS pack", [source, name])
        con.execute(f"CREATE VIEW log AS SELECT * FROM read_parquet({literal(source)}) WHERE pack = (SELECT pack FROM log_source)")
    else:
        load_log(con, source, name, limit)
    report = ReplayReport(source, pack.name, pack.version)
    report.logged_versions.update(dict(con.execute("SELECT version, count(*) FROM log GROUP BY version").fetchall()))
    report.cases = sum(report.logged_versions.values())
    logged = _logged_names(con)
    decided = [n for n in logged if n in pack.decisions]
    refused = refusals(pack, decided, engine)
    if refused:  # what the engine's SQL cannot express exactly is refused before any case is read
        raise refused[0]
    needs = ir.fact_dependencies(pack)
    read = set().union(*(needs[n] for n in decided)) if decided else set()
    parsed_old, old = _old_columns(pack, logged)
    sample = {r[0] for r in con.execute(f"SELECT DISTINCT unnest(json_keys(facts)) FROM (SELECT facts FROM log LIMIT {SAMPLE})").fetchall()}
    _read_cases(con, reading(pack, "facts", sample & set(pack.facts), read), parsed_old, old)
    if con.execute("SELECT count(*) FILTER (_other) FROM cases").fetchall()[0][0]:
        # a row sends a name the first rows do not: every name sent, and the cases read again
        # if some are facts of the pack (the others are unknown names, which `_other` refuses)
        sent = {r[0] for r in con.execute("SELECT DISTINCT unnest(json_keys(facts)) FROM log").fetchall()} & set(pack.facts)
        if sent - sample:
            con.execute("DROP TABLE cases")
            _read_cases(con, reading(pack, "facts", sent, read), parsed_old, old)
    keep = ["_row", "_invalid"] + [f"_was{i}" for i in range(1, len(logged) + 1)]
    keep += [f"_old{i}" for i, n in enumerate(logged, start=1) if n in pack.decisions]
    query = compile_query(pack, decided, "cases", keep, _never_null(con, read))
    replayed = sqlglot.select("_row", "_invalid", *(sqlglot.parse_one(s, read="duckdb") for s in _states(pack, logged))).from_(query.subquery("q"))
    run = _Spark(con, master) if engine == "spark" else _DuckDB(con)
    run.table("replayed", replayed)
    sums = ", ".join(f"count(*) FILTER (WHERE NOT _invalid AND s{i} IN (1, 2)), count(*) FILTER (WHERE NOT _invalid AND s{i} = 2), "
                     f"count(*) FILTER (WHERE NOT _invalid AND s{i} = 3)" for i in range(1, len(logged) + 1))
    changed_any = " OR ".join(f"s{i} = 2" for i in range(1, len(logged) + 1)) or "FALSE"
    totals = run.rows(f"SELECT count(*) FILTER (WHERE _invalid), count(*) FILTER (WHERE NOT _invalid AND ({changed_any}))"
                      + (f", {sums}" if sums else "") + " FROM replayed")[0]
    report.invalid_cases, report.changed_cases = totals[0], totals[1]
    shown = _example_ids(run, totals, len(logged), examples)
    compiled = CompiledPack(pack)
    for i, n in enumerate(logged):
        entry = DecisionChanges(n, *totals[2 + 3 * i: 5 + 3 * i])
        if not entry.compared and not entry.removed:
            continue  # logged only in cases the pack now refuses
        report.decisions[n] = entry
        if entry.changed and examples:
            for row in _rows(con, shown.get(i + 1, [])):
                new = decide_json(compiled, row.facts, [n])
                entry.examples.append({"decision_id": row.decision_id, "time": row.time, "version": row.version,
                                       "facts": row.facts, "old": _outcome(n, row.decisions, row.undetermined),
                                       "new": _outcome(n, new["decisions"], new["undetermined"])})
    if report.invalid_cases and examples:
        for row in _rows(con, shown.get(0, [])):
            try:
                read_facts(pack, row.facts)
                errors = [{"path": "facts", "message": "refused"}]
            except InvalidFacts as err:
                errors = [{"path": e.path, "message": e.message} for e in err.errors]
            report.invalid.append({"decision_id": row.decision_id, "facts": row.facts, "errors": errors})
    run.close()
    return report


def _example_ids(run, totals: tuple, count: int, examples: int) -> dict[int, list[str]]:
    """The ids of the first `examples` rows (in id order) that change each logged decision i
    (from 1) with changes, and under 0 of the refused rows: one query."""
    wanted = [(0, "_invalid")] if totals[0] else []
    wanted += [(i, f"s{i} = 2 AND NOT _invalid") for i in range(1, count + 1) if totals[3 + 3 * (i - 1)]]
    if not wanted or not examples:
        return {}
    parts = [f"SELECT * FROM (SELECT {i} AS k, _row FROM replayed WHERE {where} ORDER BY _row LIMIT {int(examples)})"
             for i, where in wanted]
    shown: dict[int, list[str]] = {}
    for k, row in sorted(run.rows(" UNION ALL ".join(parts))):
        shown.setdefault(k, []).append(row)
    return shown


def _read_cases(con, facts: Reading, parsed_old: str, old: list[str]) -> None:
    """The table `cases`: per logged row its id (`_row`), whether the reader refuses its facts
    (`_invalid`), whether it sends a name `facts` does not look for (`_other`), the values of
    the facts read, and the logged decisions (`_old_columns`)."""
    con.execute("CREATE TEMP TABLE cases AS " + typed_rows(facts, "log", "decision_id AS _row", parsed_old, old))


class _DuckDB:
    """The replay's queries on the DuckDB connection that read the log."""

    def __init__(self, con):
        self.con = con

    def table(self, name: str, query) -> None:
        self.con.execute(f"CREATE TEMP TABLE {name} AS {query.sql('duckdb', copy=False)}")

    def rows(self, text: str) -> list[tuple]:
        return self.con.execute(text).fetchall()

    def close(self) -> None:
        self.con.close()


class _Spark:
    """The replay's queries on Spark: the checked cases go over as Arrow, the decided and
    compared table stays in Spark (cached), only counts and example ids come back."""

    def __init__(self, con, master: str | None):
        from ruleproof.checker.sql.engines import spark_session

        self.session = spark_session(master or "local[1]")
        self.session.createDataFrame(con.sql("SELECT * FROM cases").to_arrow_table()).createOrReplaceTempView("cases")
        self.frames = []

    def table(self, name: str, query) -> None:
        frame = self.session.sql(query.sql("spark", copy=False)).cache()
        frame.createOrReplaceTempView(name)
        self.frames.append(frame)

    def rows(self, text: str) -> list[tuple]:
        return [tuple(r) for r in self.session.sql(sqlglot.transpile(text, read="duckdb", write="spark")[0]).collect()]

    def close(self) -> None:
        for frame in self.frames:
            frame.unpersist()
        for view in ("cases", "replayed"):
            self.session.catalog.dropTempView(view)


def _never_null(con, facts: set[str]) -> set[str]:
    """The facts among `facts` that every case of the table `cases` sends (no NULL)."""
    names = sorted(facts)
    if not names:
        return set()
    counts = con.execute("SELECT " + ", ".join(f"count({quoted(n)}) = count(*)" for n in names) + " FROM cases").fetchall()[0]
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

