"""`ruleproof diff` and `ruleproof replay`: what changes between two versions of a pack, by
proof (diff) or over the logged cases (replay). Text shows the changes only (`--all`: every
decision), each witness narrowed to the facts its decision reads.

`diff --as-of D` reads the versions as of a day (the rules in force then; two `--as-of`: the old
version as of the first, the new as of the second, and one pack compares itself across the two
days); `--expect narrower|wider|same D` proves a refinement of boolean decision D
(checker/refinement.py) and fails the run when it does not hold."""

from __future__ import annotations

import argparse
import datetime as dt
import sys

from ruleproof.checker import ir
from ruleproof.checker.diagnostics import Severity
from ruleproof.checker.diff import decision_reads, diff_packs, diff_text
from ruleproof.checker.gitrev import RevisionError, read_revision
from ruleproof.checker.pipeline import LoadResult, load_texts
from ruleproof.checker.refinement import Expectation, Verdict, check_refinements, refuted
from ruleproof.checker.render import render_text
from ruleproof.common import EXIT_FINDINGS, EXIT_OK, UsageError, load_ok, write_json
from ruleproof.output import emit


def cmd_diff(args: argparse.Namespace) -> int:
    """Compare two versions of a pack decision by decision, with a witness for each change; check
    the expected refinements."""
    days = _as_of_days(args)
    old, new = (load_ok(p, day) if ":" not in p else _load_revision(p, day)
                for p, day in zip((args.old, args.new or args.old), days))
    report = diff_packs(old.pack, new.pack, timeout_ms=args.timeout)
    expected = _expectations(args.expect or ())
    results = check_refinements(old.pack, new.pack, expected, timeout_ms=args.timeout) if expected else []
    if args.format == "json":
        out = report.to_json()
        if any(day is not None for day in days):
            out["as_of"] = {"old": _iso(days[0]), "new": _iso(days[1])}
        if expected:
            out["expectations"] = [r.to_json() for r in results]
        write_json(out)
    else:
        head = f"as of {_iso(days[0])} -> as of {_iso(days[1])}\n" if any(day is not None for day in days) else ""
        text = diff_text(report, decision_reads(old.pack, new.pack), show_all=args.all)
        tail = "".join(r.text() + "\n" for r in results)
        if results:
            tail += f"{sum(r.verdict is Verdict.PROVED for r in results)} of {len(results)} expectations proved\n"
        emit(head + text + tail, args.color)
    failed = refuted(results) or (report.changed and args.fail_on_change)
    return EXIT_FINDINGS if failed else EXIT_OK


def _expectations(written) -> list[tuple[Expectation, str]]:
    """The `--expect HOW DECISION` pairs; UsageError for an unknown HOW."""
    hows = ", ".join(e.value for e in Expectation)
    for how, _ in written:
        if how not in {e.value for e in Expectation}:
            raise UsageError(f"`--expect {how}`: say one of {hows}, then the decision")
    return [(Expectation(how), name) for how, name in written]


def _as_of_days(args: argparse.Namespace) -> tuple[int | None, int | None]:
    """The days (ordinals) the old and new versions are read as of; UsageError for a bad call."""
    written = args.as_of or []
    if len(written) > 2:
        raise UsageError("give `--as-of` at most twice: the old version's day, then the new one's")
    try:
        days = [dt.date.fromisoformat(d).toordinal() for d in written]
    except ValueError:
        raise UsageError(f"`--as-of` takes a date YYYY-MM-DD, not {' '.join(written)!r}") from None
    if args.new is None and len(days) != 2:
        raise UsageError("give a second pack to compare with, or two `--as-of` days to compare the pack across")
    if len(days) == 1:
        days.append(days[0])
    return (days[0], days[1]) if days else (None, None)


def _iso(day: int | None) -> str:
    return dt.date.fromordinal(day).isoformat() if day is not None else "each decision's own day"


def _load_revision(spec: str, as_of: int | None = None) -> LoadResult:
    """A pack as stored at a git revision: `REV:path/to/pack` (read as of day `as_of`, if given)."""
    try:
        texts = read_revision(spec)
    except RevisionError as err:
        raise UsageError(str(err)) from None
    result = load_texts(texts, as_of)
    if not result.ok:
        sys.stderr.write(render_text([d for d in result.diagnostics if d.severity is Severity.ERROR]))
        raise UsageError(f"{spec} has errors")
    return result


def cmd_replay(args: argparse.Namespace) -> int:
    """Re-decide the cases of a decision log with another version of a pack; report what changes."""
    from ruleproof.checker.sql.dialects import UnsupportedConstruct
    from ruleproof.server.logstore import LogError
    from ruleproof.server.replay import replay, replay_text

    pack = load_ok(args.pack).pack
    try:
        if args.engine in ("duckdb", "spark") or args.log.endswith(".parquet"):
            from ruleproof.replay_sql import replay_sql

            report = replay_sql(args.log, pack, pack_name=args.pack_name, limit=args.limit, examples=args.examples,
                                engine="spark" if args.engine == "spark" else "duckdb", master=args.spark_master)
        else:
            report = replay(args.log, pack, pack_name=args.pack_name, limit=args.limit, examples=args.examples)
    except (LogError, UnsupportedConstruct) as err:
        raise UsageError(str(err)) from None
    if args.format == "json":
        write_json(report.to_json())
    else:
        emit(replay_text(report, ir.fact_dependencies(pack), show_all=args.all), args.color)
    return EXIT_FINDINGS if report.changed and args.fail_on_change else EXIT_OK


def add_parsers(sub, common: argparse.ArgumentParser) -> None:
    """The `diff` and `replay` subcommands."""
    diff = sub.add_parser("diff", parents=[common], help="compare two versions of a pack decision by decision")
    diff.add_argument("old", help="pack folder, or REV:path (e.g. HEAD~1:policies/marketplace)")
    diff.add_argument("new", nargs="?", help="pack folder, or REV:path (left out: the pack against itself, with two --as-of)")
    diff.add_argument("--format", choices=["text", "json"], default="text",
                      help="text (changes only, witnesses narrowed) or json (every decision, whole witness cases)")
    diff.add_argument("--all", action="store_true", help="list the unchanged decisions too")
    diff.add_argument("--fail-on-change", action="store_true", help="exit 1 when any decision changed")
    diff.add_argument("--timeout", type=int, default=10_000, help="solver time limit per query, in milliseconds")
    diff.add_argument("--as-of", action="append", metavar="DATE",
                      help="read the versions as of this day (the rules in force then); twice: old, then new")
    diff.add_argument("--expect", nargs=2, action="append", metavar=("HOW", "DECISION"),
                      help="prove that the new version makes boolean DECISION narrower, wider or the same "
                           "(exit 1 with a witness case when it does not)")
    diff.set_defaults(run=cmd_diff)
    replay = sub.add_parser("replay", parents=[common], help="re-decide logged cases with another version of a pack")
    replay.add_argument("--log", required=True, help="the decision log: SQLite file or postgresql:// URL")
    replay.add_argument("--pack", required=True, help="pack folder or .rules file: the version to replay with")
    replay.add_argument("--pack-name", help="replay the logged cases of this pack (default: the pack's own name)")
    replay.add_argument("--limit", type=int, help="only the newest N logged cases")
    replay.add_argument("--examples", type=int, default=3, help="example cases shown per changed decision (default 3)")
    replay.add_argument("--format", choices=["text", "json"], default="text")
    replay.add_argument("--all", action="store_true", help="list the decisions that do not change too")
    replay.add_argument("--engine", choices=["python", "duckdb", "spark"], default="python",
                        help="re-decide with the evaluator (default), in one DuckDB query, or in one Spark SQL query "
                             "(a .parquet log: DuckDB unless spark)")
    replay.add_argument("--spark-master", help="Spark master URL for --engine spark (default: a local session)")
    replay.add_argument("--fail-on-change", action="store_true", help="exit 1 when any decision would change")
    replay.set_defaults(run=cmd_replay)
