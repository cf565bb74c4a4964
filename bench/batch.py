"""Decisions at warehouse scale (issue 13), side by side in one run: `ruleproof batch` on DuckDB
against `--engine python`, all marketplace decisions, a replay of a large decision log, Spark.

Run from the repository root: ``python bench/batch.py`` (``--help`` for the sizes). In one process:

1. **cases** — a Parquet file of ``--cases`` marketplace cases made inside DuckDB (dates around
   the pack's deadlines, every enum member, optional facts absent a third of the time);
2. **the refund question** — ``ruleproof batch --engine duckdb --decision refund_request_allowed``
   Parquet to Parquet over all of them, against ``--engine python`` over ``--python-cases`` of
   them (JSON lines in and out, as a user without a warehouse would): decisions/s and the ratio;
3. **every decision** — ``ruleproof batch --engine duckdb`` (all decisions) Parquet to Parquet:
   cases/s and decisions/s;
4. **replay** — a decision log of ``--log-rows`` rows (Parquet export shape: facts and the logged
   refund answer as JSON) replayed with ``ruleproof replay --engine duckdb`` under an edited pack
   (the refund window changed), wall time;
5. **Spark** — ``batch --engine spark`` over ``--spark-cases`` JSON-lines cases, and ``replay
   --engine spark`` of the first ``--spark-log-rows`` rows of the log (a local session, its start
   included).

``--readme bench/README.md`` writes the results between the markers of the "Warehouse scale
(issue 13)" section.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
PACK = ROOT / "policies" / "marketplace"
QUESTION = "refund_request_allowed"
MARKERS = ("<!-- batch:start -->", "<!-- batch:end -->")


def cli(*args: str) -> float:
    """Run `ruleproof ARGS` in a fresh process (as a user would); its wall time in seconds."""
    started = time.perf_counter()
    subprocess.run([sys.executable, "-m", "ruleproof", *args], check=True, cwd=ROOT,
                   stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    return time.perf_counter() - started


def make_cases(con, pack, path: Path, count: int, only: set[str] | None = None) -> None:
    """`count` random cases of `pack` as Parquet, made by DuckDB (of the facts `only`, if given)."""
    from ruleproof.checker.semantics.kinds import DECIMALS, EXACT_KINDS

    items = []
    for i, fact in enumerate(pack.facts.values()):
        if only is not None and fact.name not in only:
            continue
        typ = fact.type.required()
        r = f"CAST(hash(i * 7919 + {i}) % 1000000007 AS BIGINT)"
        kind = typ.kind
        if kind == "date":
            value = f"CAST(DATE '2025-01-01' + CAST({r} % 120 AS INTEGER) AS DATE)"
        elif kind == "bool":
            value = f"{r} % 2 = 0"
        elif kind in ("int", "duration"):
            low, high = (fact.low, fact.high) if fact.low is not None else (0, 30)
            value = f"CAST({low} + {r} % {high - low + 1} AS BIGINT)"
        elif kind in EXACT_KINDS:
            value = f"CAST(({r} % 100000) / 100 AS DECIMAL(38, {DECIMALS[kind]}))"
        elif kind == "enum":
            members = ", ".join("'" + m + "'" for m in typ.members)
            value = f"[{members}][1 + {r} % {len(typ.members)}]"
        elif kind == "set":
            members = ", ".join("'" + m + "'" for m in typ.element.members)
            value = f"list_filter([{members}], lambda m: hash(m || CAST(i AS VARCHAR)) % 3 = 0)"
        else:  # lists of records: left out (`batch` reads a missing column as absent)
            continue
        if fact.type.optional:
            value = f"CASE WHEN {r} % 3 = 0 THEN NULL ELSE {value} END"
        items.append(f'{value} AS "{fact.name}"')
    con.execute(f"COPY (SELECT {', '.join(items)} FROM range({count}) t(i)) TO '{path}' (FORMAT parquet)")


# The reference: the refund question as one flat hand-written expression (its values for
# cases where every fact it needs is sent and no decision conflicts; no causes), Parquet to Parquet.
HAND_WRITTEN = """SELECT file_row_number + 1 AS _row,
 COALESCE(buyer_confirmed_on IS NULL AND refund_requested_on IS NULL AND shipped_on IS NOT NULL
  AND today >= shipped_on + CASE WHEN promised_delivery_days >= 10 AND order_kind = 'standard' THEN 10 ELSE 0 END
  AND today <= shipped_on + CAST(greatest(promised_delivery_days, platform_default_delivery_days)
                                 + coalesce(delivery_extension_days, 0) AS INT)
  AND NOT (today > placed_on + 20 AND ((paid_on IS NULL AND shipped_on IS NULL) OR paid_on > placed_on + 20))
  AND NOT (paid_on IS NOT NULL AND today > paid_on + CAST(stocking_days + coalesce(stocking_extension_days, 0) AS INT)
           AND (shipped_on IS NULL OR shipped_on > paid_on + CAST(stocking_days + coalesce(stocking_extension_days, 0) AS INT)))
  AND NOT (stolen_card_complaint_on IS NOT NULL AND shipped_on IS NULL AND NOT coalesce(shipped_without_notice, false))
  AND NOT (cancel_requested_on IS NOT NULL AND paid_on IS NOT NULL AND cancel_requested_on >= paid_on
           AND (shipped_on IS NULL OR cancel_requested_on < shipped_on) AND seller_cancel_answer = 'agreed'), FALSE)
   AS refund_request_allowed,
 CAST(NULL AS VARCHAR) AS refund_request_allowed__cause
FROM read_parquet('{cases}', file_row_number = true)"""


def hand_written(cases: Path, out: Path) -> float:
    """The hand-written query over `cases` in this process (DuckDB, Parquet to Parquet): seconds."""
    import duckdb

    started = time.perf_counter()
    duckdb.connect().execute(f"COPY ({HAND_WRITTEN.format(cases=cases)}) TO '{out}' (FORMAT parquet)")
    return time.perf_counter() - started


def io_floor(cases: Path, out: Path, decisions: int) -> float:
    """Seconds for the shape of every decision's output and nothing else: as many columns of one
    comparison each, and as many NULL cause columns, over `cases`, Parquet to Parquet (what
    reading the cases and writing a decisions table costs on this machine at the least)."""
    import duckdb

    columns = ", ".join(f"(today > placed_on) AS d{i}, CAST(NULL AS VARCHAR) AS d{i}__cause" for i in range(decisions))
    started = time.perf_counter()
    duckdb.connect().execute(f"COPY (SELECT file_row_number + 1 AS _row, {columns} FROM read_parquet('{cases}', "
                             f"file_row_number = true)) TO '{out}' (FORMAT parquet)")
    return time.perf_counter() - started


def edited_pack(tmp: Path) -> Path:
    """The marketplace pack with its refund wait changed (10 days -> 12)."""
    target = tmp / "edited"
    shutil.copytree(PACK, target)
    text = (target / "refunds.rules").read_text()
    edited = text.replace("const refund_wait = 10 days", "const refund_wait = 12 days")
    assert edited != text, "the refund wait is not where the bench expects it"
    (target / "refunds.rules").write_text(edited)
    return target


def make_log(con, pack, cases: Path, log: Path, rows: int) -> None:
    """A decision log export (Parquet) of `rows` refund decisions: the facts the question reads
    and the logged answer as JSON."""
    from ruleproof.checker import ir

    columns = ", ".join(f'"{f}"' for f in sorted(ir.fact_dependencies(pack)[QUESTION]))
    con.execute(f"""COPY (
        SELECT printf('%020d', row_number() OVER ()) AS decision_id, '2026-01-01T00:00:00Z' AS time,
               'marketplace' AS pack, '2026.11' AS version, CAST(to_json(c) AS VARCHAR) AS facts,
               '{{"{QUESTION}": ' || CASE WHEN hash(row_number() OVER ()) % 2 = 0 THEN 'true' ELSE 'false' END || '}}' AS decisions,
               '{{}}' AS undetermined, '["{QUESTION}"]' AS requested, NULL::VARCHAR AS revision
        FROM (SELECT {columns} FROM read_parquet('{cases}') LIMIT {rows}) c) TO '{log}' (FORMAT parquet)""")


def rate(per_second: float) -> str:
    """A rate as people read it: 1.2M, 35k, 410."""
    if per_second >= 1e6:
        return f"{per_second / 1e6:.1f}M"
    if per_second >= 1e3:
        return f"{per_second / 1e3:.0f}k"
    return f"{per_second:.0f}"


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--cases", type=int, default=10_000_000)
    parser.add_argument("--python-cases", type=int, default=100_000)
    parser.add_argument("--all-cases", type=int, default=1_000_000, help="cases for every decision")
    parser.add_argument("--log-rows", type=int, default=10_000_000)
    parser.add_argument("--spark-cases", type=int, default=100_000)
    parser.add_argument("--spark-log-rows", type=int, default=100_000, help="logged decisions replayed on Spark")
    parser.add_argument("--readme", help="write the results into this README's section")
    args = parser.parse_args()

    import duckdb
    from ruleproof.checker import ir
    from ruleproof.checker.pipeline import load_pack

    pack = load_pack(PACK).pack
    start_load = os.getloadavg()[0]
    tmp = Path(tempfile.mkdtemp(prefix="ruleproof-batch-"))
    con = duckdb.connect()
    cases = tmp / "cases.parquet"  # every fact, for every decision
    make_cases(con, pack, cases, args.all_cases)
    question = tmp / "question.parquet"  # the refund question's facts alone
    make_cases(con, pack, question, args.cases, set(ir.fact_dependencies(pack)[QUESTION]))
    small = tmp / "cases.jsonl"  # the refund question's facts, as JSON lines
    con.execute(f"COPY (SELECT * FROM read_parquet('{question}') LIMIT {max(args.python_cases, args.spark_cases)}) "
                f"TO '{small}' (FORMAT json)")
    lines = small.read_text().splitlines()
    for name, count in (("python", args.python_cases), ("spark", args.spark_cases)):
        (tmp / f"{name}.jsonl").write_text("\n".join(
            json.dumps({k: v for k, v in json.loads(line).items() if v is not None}) for line in lines[:count]) + "\n")

    results = []
    n = len(pack.decisions)
    few = tmp / "few.parquet"
    con.execute(f"COPY (SELECT * FROM read_parquet('{question}') LIMIT 1000) TO '{few}' (FORMAT parquet)")
    fixed = cli("batch", str(PACK), "--cases", str(few), "--out", str(tmp / "few-out.parquet"), "--decision", QUESTION)
    seconds = cli("batch", str(PACK), "--cases", str(question), "--out", str(tmp / "q.parquet"), "--decision", QUESTION)
    seconds_hand = hand_written(question, tmp / "hand.parquet")
    seconds_py = cli("batch", str(PACK), "--cases", str(tmp / "python.jsonl"), "--out", str(tmp / "py.jsonl"),
                     "--engine", "python", "--decision", QUESTION)
    py_rate = args.python_cases / seconds_py
    duck_rate = args.cases / seconds
    marginal = args.cases / max(seconds - fixed, 1e-9)
    results.append(("refund question, `batch --engine duckdb`, Parquet → Parquet", f"{args.cases:,}", f"{seconds:.1f} s",
                    f"{rate(duck_rate)} decisions/s ({rate(marginal)}/s past the {fixed:.1f} s of a 1,000-case run)",
                    f"{duck_rate / py_rate:.0f}× ({marginal / py_rate:.0f}×)"))
    results.append(("reference: the refund question as one hand-written flat query (no causes), in-process DuckDB",
                    f"{args.cases:,}", f"{seconds_hand:.1f} s", f"{rate(args.cases / seconds_hand)} decisions/s",
                    f"{args.cases / seconds_hand / py_rate:.0f}×"))
    results.append(("refund question, `batch --engine python`, JSON lines", f"{args.python_cases:,}", f"{seconds_py:.1f} s",
                    f"{rate(py_rate)} decisions/s", "1×"))
    seconds = cli("batch", str(PACK), "--cases", str(cases), "--out", str(tmp / "all.parquet"))
    results.append((f"every decision ({n}), `batch --engine duckdb`, Parquet → Parquet", f"{args.all_cases:,}", f"{seconds:.1f} s",
                    f"{rate(args.all_cases / seconds)} cases/s ({rate(args.all_cases * n / seconds)} decisions/s)", ""))
    seconds = io_floor(cases, tmp / "floor.parquet", n)
    results.append((f"floor: {n} one-comparison decisions and their NULL causes, Parquet → Parquet, in-process DuckDB",
                    f"{args.all_cases:,}", f"{seconds:.1f} s", f"{rate(args.all_cases / seconds)} cases/s", ""))
    log = tmp / "log.parquet"
    make_log(con, pack, question, log, args.log_rows)
    edited = edited_pack(tmp)
    seconds = cli("replay", "--log", str(log), "--pack", str(edited), "--engine", "duckdb", "--format", "json")
    results.append(("replay of a logged refund question under an edited pack, `--engine duckdb`", f"{args.log_rows:,}",
                    f"{seconds:.1f} s", f"{rate(args.log_rows / seconds)} decisions/s", ""))
    spark_log = tmp / "spark-log.parquet"
    con.execute(f"COPY (SELECT * FROM read_parquet('{log}') LIMIT {args.spark_log_rows}) TO '{spark_log}' (FORMAT parquet)")
    seconds = cli("replay", "--log", str(spark_log), "--pack", str(edited), "--engine", "spark", "--format", "json")
    results.append(("replay of the same log, `--engine spark` (local[1], JVM start included)", f"{args.spark_log_rows:,}",
                    f"{seconds:.1f} s", f"{rate(args.spark_log_rows / seconds)} decisions/s", ""))
    seconds = cli("batch", str(PACK), "--cases", str(tmp / "spark.jsonl"), "--out", str(tmp / "spark-out.jsonl"),
                  "--engine", "spark", "--decision", QUESTION)
    results.append(("refund question, `batch --engine spark` (local[1], JVM start included), JSON lines",
                    f"{args.spark_cases:,}", f"{seconds:.1f} s", f"{rate(args.spark_cases / seconds)} decisions/s", ""))
    shutil.rmtree(tmp, ignore_errors=True)

    load = os.getloadavg()
    table = [f"Load average (1 min): {start_load:.1f} at the start of the run, {load[0]:.1f} at its end "
             f"(15 min: {load[2]:.1f}).\n",
             "| run | cases | wall time | rate | vs `--engine python` |", "| --- | ---: | ---: | ---: | ---: |"]
    table += [f"| {' | '.join(r)} |" for r in results]
    text = "\n".join(table) + "\n"
    print(text)
    if args.readme:
        readme = Path(args.readme)
        body = readme.read_text()
        start, end = body.index(MARKERS[0]) + len(MARKERS[0]), body.index(MARKERS[1])
        machine = f"{os.cpu_count()} cores; one run of `python bench/batch.py`; each row a fresh `ruleproof` process.\n\n"
        readme.write_text(body[:start] + "\n" + machine + text + body[end:])
    return 0


if __name__ == "__main__":
    sys.exit(main())
