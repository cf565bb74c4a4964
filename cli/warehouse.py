"""`ruleproof compile --to sql` and `ruleproof batch`: a pack's decisions as one SQL query, and
many cases decided at once on DuckDB (default), Spark or the Python evaluator.

Cases come as .jsonl (one facts object per line), .csv (one column per fact; an empty cell is
an absent fact; sets as JSON lists) or .parquet (typed columns, NULL absent), and go out in the
same formats. JSON lines and CSV rows are read and checked one by one, so a bad row gets its
own error (with its row number) and the others are still decided; Parquet goes from file to
file inside the engine.
"""

from __future__ import annotations

import argparse
import csv
import glob
import json
import sys
import time
from pathlib import Path

from ruleproof.checker import ir
from ruleproof.checker.decisions import require_decisions, wire_result
from ruleproof.checker.evaluate import CompiledPack
from ruleproof.checker.semantics.outcomes import NO_RULE_APPLIES, Cause
from ruleproof.checker.values import InvalidFacts, read_facts

FORMATS = (".jsonl", ".csv", ".parquet")
DIALECTS = {"duckdb": "duckdb", "spark": "spark", "postgres": "postgres"}
REASONS = {Cause.NO_VALUE: NO_RULE_APPLIES, Cause.MISSING_FACT: "missing facts", Cause.CONFLICT: "conflict",
           Cause.GAP: "gap: no rule applies to this complete decision", Cause.DIVISION_BY_ZERO: "division by zero"}


def compile_text(pack: ir.Pack, dialect: str, names: list[str] | None) -> str:
    """The query deciding `names` over a table `cases`, in `dialect` (refusals raise
    UnsupportedConstruct with the construct's place)."""
    from ruleproof.checker.sql.dialects import emit

    require_decisions(pack, names)
    return emit(pack, names, DIALECTS[dialect])


def _format(path: str, what: str) -> str:
    suffix = Path(path).suffix.lower()
    if suffix not in FORMATS:
        raise ValueError(f"{path}: {what} must be .jsonl, .csv or .parquet")
    return suffix


def read_rows(path: str) -> list[object]:
    """The raw cases of a .jsonl or .csv file: each a facts object, or a ValueError saying
    what is wrong with that row."""
    rows: list[object] = []
    if path.endswith(".jsonl"):
        with open(path, encoding="utf-8") as stream:
            for number, line in enumerate(stream, start=1):
                if not line.strip():
                    continue
                try:
                    value = json.loads(line)
                except json.JSONDecodeError as err:
                    rows.append(ValueError(f"line {number}: invalid JSON: {err.msg}"))
                    continue
                rows.append(value.get("facts", value) if isinstance(value, dict) and "facts" in value else value)
        return rows
    with open(path, encoding="utf-8", newline="") as stream:
        for record in csv.DictReader(stream):
            rows.append({k: _cell(v) for k, v in record.items() if v not in ("", None)})
    return rows


def _cell(text: str):
    """A CSV cell as its JSON value: numbers, true/false and lists as JSON, anything else a string."""
    try:
        return json.loads(text)
    except json.JSONDecodeError:
        return text


def decided_json(compiled: CompiledPack, facts: dict, names: list[str] | None) -> dict:
    """`decide --format json` of facts already read (no trace): pack, version, decisions, undetermined."""
    return wire_result(compiled, compiled.decide(facts, names), in_place=True)


def _undetermined(cause: Cause) -> dict:
    return {"reason": REASONS[cause], "cause": cause.value}


def batch(pack: ir.Pack, cases: str, out: str, engine: str, names: list[str] | None, master: str | None,
          progress=None) -> dict:
    """Decide every case of file `cases` into file `out`; counts of decided and bad rows."""
    require_decisions(pack, names)
    source, target = _format(cases, "--cases"), _format(out, "--out")
    wanted = list(names) if names else list(pack.decision_order)
    if engine in DIALECTS:  # what the engine's SQL cannot express exactly is refused before any row is read
        from ruleproof.checker.sql.dialects import refusals

        refused = refusals(pack, wanted, DIALECTS[engine])
        if refused:
            raise refused[0]
    if source == ".parquet" and target == ".parquet" and engine == "duckdb":
        import duckdb

        try:
            return _parquet_to_parquet(pack, cases, out, names, progress is not None)
        except duckdb.Error as err:  # a column of another type than its fact's, an unreadable file
            raise ValueError(f"{cases}: {str(err).splitlines()[0]}") from None
    from ruleproof.checker.sql.cases import ROW, case_table, outcomes

    raw = _read_any(cases, source)
    results: list[dict] = [{} for _ in raw]
    good: list[tuple[int, dict]] = []
    for i, row in enumerate(raw):
        if isinstance(row, Exception):
            results[i] = {"row": i + 1, "error": str(row)}
            continue
        try:
            good.append((i, read_facts(pack, row)))
        except InvalidFacts as err:
            results[i] = {"row": i + 1, "error": str(err)}
    started = time.monotonic()
    if engine == "python":
        compiled = CompiledPack(pack)
        for n, (i, facts) in enumerate(good):
            results[i] = decided_json(compiled, facts, names)
            if progress and n % 100_000 == 0:
                progress(n, len(good), started)
    else:
        table = case_table(pack, good)
        if engine == "spark":
            from ruleproof.checker.sql.engines import decide_spark, spark_session

            decided_table = decide_spark(pack, table, wanted, spark_session(master or "local[1]"))
        else:
            from ruleproof.checker.sql.engines import decide_duckdb, duckdb_connection

            decided_table = decide_duckdb(pack, table, wanted, duckdb_connection(progress is not None))
        for row, got in outcomes(pack, wanted, decided_table):
            results[row] = {"pack": pack.name, "version": pack.version,
                            "decisions": {n: v for n, (c, v) in got.items() if c is None},
                            "undetermined": {n: _undetermined(c) for n, (c, _) in got.items() if c is not None}}
    _write(out, target, results, wanted, ROW)
    bad = sum(1 for r in results if "error" in r)
    return {"cases": len(results), "decided": len(results) - bad, "bad": bad}


def _read_any(path: str, suffix: str) -> list[object]:
    if suffix != ".parquet":
        return read_rows(path)
    import pyarrow.parquet as pq
    from ruleproof.checker.sql.cases import parquet_wire

    return [parquet_wire(row) for row in pq.read_table(path).to_pylist()]


def _write(out: str, suffix: str, results: list[dict], names: list[str], row_column: str) -> None:
    if suffix == ".jsonl":
        with open(out, "w", encoding="utf-8") as stream:
            for result in results:
                stream.write(json.dumps(result) + "\n")
        return
    header = [row_column, "error"] + [c for n in names for c in (n, n + "__cause")]
    records = []
    for i, result in enumerate(results):
        record = {row_column: i + 1, "error": result.get("error")}
        for n in names:
            record[n] = result.get("decisions", {}).get(n)
            record[n + "__cause"] = result.get("undetermined", {}).get(n, {}).get("cause")
        records.append(record)
    if suffix == ".csv":
        with open(out, "w", encoding="utf-8", newline="") as stream:
            writer = csv.DictWriter(stream, header)
            writer.writeheader()
            for record in records:
                writer.writerow({k: json.dumps(v) if isinstance(v, (list, bool)) else v for k, v in record.items()})
        return
    import pyarrow as pa
    import pyarrow.parquet as pq

    pq.write_table(pa.Table.from_pylist(records), out)


def _parquet_to_parquet(pack: ir.Pack, cases: str, out: str, names: list[str] | None, progress: bool) -> dict:
    """Parquet in, Parquet out, inside DuckDB: no row passes through Python."""
    from ruleproof.checker.sql.cases import ROW, duckdb_type
    from ruleproof.checker.sql.compile import compile_query
    from ruleproof.checker.sql.engines import duckdb_connection
    from sqlglot import exp

    con = duckdb_connection(progress)
    present = {r[0] for r in con.execute("DESCRIBE SELECT * FROM read_parquet(?)", [cases]).fetchall()}
    columns = [exp.column(f.name, quoted=True) if f.name in present else exp.alias_(exp.cast(exp.Null(), exp.DataType.build(duckdb_type(f.type.required()), dialect="duckdb")), f.name, quoted=True)
               for f in pack.facts.values()]
    if glob.has_magic(cases):  # several files: number the rows across them
        row = exp.alias_(exp.Window(this=exp.RowNumber()), ROW, quoted=True)
        reader = exp.func("read_parquet", exp.Literal.string(cases))
    else:  # the row's place in its file, read with it (no pass over the whole input first)
        row = exp.alias_(exp.Add(this=exp.column("file_row_number"), expression=exp.Literal.number(1)), ROW, quoted=True)
        reader = exp.func("read_parquet", exp.Literal.string(cases),
                          exp.EQ(this=exp.column("file_row_number"), expression=exp.true()))
    source = exp.select(row, *columns).from_(reader).subquery("cases")
    full = parquet_never_null(con, cases) & set(pack.facts)
    query = compile_query(pack, names, source, (ROW,), full).sql("duckdb", copy=False)  # written once: no copy of the tree first
    con.execute(f"COPY ({query}) TO '{out.replace(chr(39), chr(39) * 2)}' (FORMAT parquet)")
    count = con.execute("SELECT count(*) FROM read_parquet(?)", [out]).fetchone()[0]
    return {"cases": count, "decided": count, "bad": 0}


def parquet_never_null(con, path: str) -> set[str]:
    """The top-level columns of the Parquet file(s) at `path` that hold no NULL: declared
    REQUIRED, or counted (every row group's statistics) with no NULL."""
    counts = con.execute("SELECT path_in_schema, bool_and(stats_null_count IS NOT NULL AND stats_null_count = 0) "
                         "FROM parquet_metadata(?) GROUP BY path_in_schema", [path]).fetchall()
    required = {name for name, all_required in con.execute(
        "SELECT name, bool_and(repetition_type = 'REQUIRED') FROM parquet_schema(?) "
        "WHERE num_children IS NULL OR num_children = 0 GROUP BY name", [path]).fetchall() if all_required}
    return {name for name, none in counts if none or name in required}


def show_progress(done: int, total: int, started: float) -> None:
    """A progress line on standard error."""
    rate = done / max(time.monotonic() - started, 1e-9)
    print(f"\rruleproof batch: {done:,}/{total:,} cases ({rate:,.0f}/s)", end="", file=sys.stderr, flush=True)


def cmd_compile(args: argparse.Namespace) -> int:
    """Print the pack's decisions as one SQL query over a table `cases` (one column per fact)."""
    from ruleproof.checker.decisions import UnknownDecisions
    from ruleproof.checker.sql.dialects import UnsupportedConstruct
    from ruleproof.common import EXIT_OK, UsageError, load_ok
    from ruleproof.deciding import report_invalid

    pack = load_ok(args.pack).pack
    try:
        sys.stdout.write(compile_text(pack, args.dialect, args.decision) + "\n")
    except UnknownDecisions as err:
        return report_invalid(err)
    except UnsupportedConstruct as err:
        raise UsageError(str(err)) from None
    return EXIT_OK


def cmd_batch(args: argparse.Namespace) -> int:
    """Decide a file of cases into a file of decisions (DuckDB, Spark or the evaluator)."""
    from ruleproof.checker.decisions import UnknownDecisions
    from ruleproof.checker.sql.dialects import UnsupportedConstruct
    from ruleproof.common import EXIT_OK, UsageError, load_ok

    pack = load_ok(args.pack).pack
    try:
        counts = batch(pack, args.cases, args.out, args.engine, args.decision, args.spark_master,
                       progress=show_progress if sys.stderr.isatty() else None)
    except UnknownDecisions as err:
        from ruleproof.deciding import report_invalid  # imported when needed: it loads the partial evaluator

        return report_invalid(err)
    except (ValueError, OSError, UnsupportedConstruct) as err:
        raise UsageError(str(err)) from None
    print(f"ruleproof batch: {counts['decided']} cases decided, {counts['bad']} bad rows -> {args.out}", file=sys.stderr)
    return EXIT_OK


def cmd_log_export(args: argparse.Namespace) -> int:
    """Write the decision log to a Parquet file (for replays at scale and for warehouses)."""
    from ruleproof.common import EXIT_OK, UsageError
    from ruleproof.replay_sql import export_parquet, export_path
    from ruleproof.server.logstore import LogError

    try:
        count = export_parquet(args.log, str(export_path(args.out)), args.pack_name)
    except (LogError, ValueError, OSError) as err:
        raise UsageError(str(err)) from None
    print(f"ruleproof log export: {count} logged decisions -> {args.out}", file=sys.stderr)
    return EXIT_OK


def add_parsers(sub, common: argparse.ArgumentParser) -> None:
    """The `compile`, `batch` and `log export` subcommands."""
    compile_ = sub.add_parser("compile", parents=[common], help="compile a pack's decisions to one SQL query")
    compile_.add_argument("pack", help="pack folder or .rules file")
    compile_.add_argument("--to", choices=["sql"], default="sql")
    compile_.add_argument("--dialect", choices=["duckdb", "spark", "postgres"], default="duckdb")
    compile_.add_argument("--decision", action="append", help="compile only this decision (repeatable)")
    compile_.set_defaults(run=cmd_compile)
    batch_ = sub.add_parser("batch", parents=[common], help="decide a file of cases (.jsonl, .csv, .parquet) into a file")
    batch_.add_argument("pack", help="pack folder or .rules file")
    batch_.add_argument("--cases", required=True, help="the cases: .jsonl (facts per line), .csv or .parquet")
    batch_.add_argument("--out", required=True, help="where the decisions go: .jsonl, .csv or .parquet")
    batch_.add_argument("--engine", choices=["duckdb", "spark", "python"], default="duckdb")
    batch_.add_argument("--decision", action="append", help="decide only this decision (repeatable)")
    batch_.add_argument("--spark-master", help="Spark master URL (default: a local session)")
    batch_.set_defaults(run=cmd_batch)
    log = sub.add_parser("log", parents=[common], help="the decision log: export it")
    log_sub = log.add_subparsers(dest="log_command", required=True)
    export = log_sub.add_parser("export", parents=[common], help="write the decision log to a Parquet file")
    export.add_argument("--log", required=True, help="the decision log: SQLite file or postgresql:// URL")
    export.add_argument("--to", choices=["parquet"], default="parquet")
    export.add_argument("--out", required=True, help="the .parquet file to write")
    export.add_argument("--pack-name", help="only the logged decisions of this pack")
    export.set_defaults(run=cmd_log_export)
