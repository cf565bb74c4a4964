"""`ruleproof diff` and `ruleproof replay`: what changes between two versions of a pack, by
proof (diff) or over the logged cases (replay). Text shows the changes only (`--all`: every
decision), each witness narrowed to the facts its decision reads."""

from __future__ import annotations

import argparse
import sys

from ruleproof.checker import ir
from ruleproof.checker.diagnostics import Severity
from ruleproof.checker.diff import decision_reads, diff_packs, diff_text
from ruleproof.checker.gitrev import RevisionError, read_revision
from ruleproof.checker.pipeline import LoadResult, load_texts
from ruleproof.checker.render import render_text
from ruleproof.common import EXIT_FINDINGS, EXIT_OK, UsageError, load_ok, write_json
from ruleproof.output import emit


def cmd_diff(args: argparse.Namespace) -> int:
    """Compare two versions of a pack decision by decision, with a witness for each change."""
    old, new = (load_ok(p) if ":" not in p else _load_revision(p) for p in (args.old, args.new))
    report = diff_packs(old.pack, new.pack, timeout_ms=args.timeout)
    if args.format == "json":
        write_json(report.to_json())
    else:
        emit(diff_text(report, decision_reads(old.pack, new.pack), show_all=args.all), args.color)
    return EXIT_FINDINGS if report.changed and args.fail_on_change else EXIT_OK


def _load_revision(spec: str) -> LoadResult:
    """A pack as stored at a git revision: `REV:path/to/pack`."""
    try:
        texts = read_revision(spec)
    except RevisionError as err:
        raise UsageError(str(err)) from None
    result = load_texts(texts)
    if not result.ok:
        sys.stderr.write(render_text([d for d in result.diagnostics if d.severity is Severity.ERROR]))
        raise UsageError(f"{spec} has errors")
    return result


def cmd_replay(args: argparse.Namespace) -> int:
    """Re-decide the cases of a decision log with another version of a pack; report what changes."""
    from ruleproof.server.logstore import LogError
    from ruleproof.server.replay import replay, replay_text

    pack = load_ok(args.pack).pack
    try:
        if args.engine == "duckdb" or args.log.endswith(".parquet"):
            from ruleproof.replay_sql import replay_sql

            report = replay_sql(args.log, pack, pack_name=args.pack_name, limit=args.limit, examples=args.examples)
        else:
            report = replay(args.log, pack, pack_name=args.pack_name, limit=args.limit, examples=args.examples)
    except LogError as err:
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
    diff.add_argument("new", help="pack folder, or REV:path")
    diff.add_argument("--format", choices=["text", "json"], default="text",
                      help="text (changes only, witnesses narrowed) or json (every decision, whole witness cases)")
    diff.add_argument("--all", action="store_true", help="list the unchanged decisions too")
    diff.add_argument("--fail-on-change", action="store_true", help="exit 1 when any decision changed")
    diff.add_argument("--timeout", type=int, default=10_000, help="solver time limit per query, in milliseconds")
    diff.set_defaults(run=cmd_diff)
    replay = sub.add_parser("replay", parents=[common], help="re-decide logged cases with another version of a pack")
    replay.add_argument("--log", required=True, help="the decision log: SQLite file or postgresql:// URL")
    replay.add_argument("--pack", required=True, help="pack folder or .rules file: the version to replay with")
    replay.add_argument("--pack-name", help="replay the logged cases of this pack (default: the pack's own name)")
    replay.add_argument("--limit", type=int, help="only the newest N logged cases")
    replay.add_argument("--examples", type=int, default=3, help="example cases shown per changed decision (default 3)")
    replay.add_argument("--format", choices=["text", "json"], default="text")
    replay.add_argument("--all", action="store_true", help="list the decisions that do not change too")
    replay.add_argument("--engine", choices=["python", "duckdb"], default="python",
                        help="re-decide with the evaluator (default) or in one DuckDB query (a .parquet log: always DuckDB)")
    replay.add_argument("--fail-on-change", action="store_true", help="exit 1 when any decision would change")
    replay.set_defaults(run=cmd_replay)
