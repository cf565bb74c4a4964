"""The `ruleproof` command line: one function per subcommand.

Exit codes: 0 clean, 1 findings (or failed examples, or changes with --fail-on-change),
2 usage or I/O error. No input makes it print a Python traceback.
"""

from __future__ import annotations

import argparse
import difflib
import json
import sys
from pathlib import Path

from ruleproof.checker.decisions import decide_json, decision_text, require_decisions
from ruleproof.checker.diagnostics import Severity
from ruleproof.checker.diff import diff_packs, diff_text
from ruleproof.checker.evaluate import CompiledPack
from ruleproof.checker.examples import run_examples
from ruleproof.checker.format import SyntaxErrors, format_text
from ruleproof.checker.gitrev import RevisionError, read_revision
from ruleproof.checker.packs import PackNotFound, pack_files, pack_paths
from ruleproof.checker.partial import holding_days, partial_decisions
from ruleproof.checker.pipeline import LoadResult, load_pack, load_texts
from ruleproof.checker.render import diagnostic_json, render_report_json, render_text
from ruleproof.checker.render_ci import render_github, render_junit, render_sarif
from ruleproof.checker.render_html import render_html
from ruleproof.checker.report import Report, check_pack
from ruleproof.checker.values import FactError, InvalidFacts, read_facts

EXIT_OK, EXIT_FINDINGS, EXIT_USAGE = 0, 1, 2


class UsageError(Exception):
    """A problem with how the command was called, or with reading its inputs."""


def _fails(report: Report, fail_on: str) -> bool:
    levels = {"error": {Severity.ERROR}, "warning": {Severity.ERROR, Severity.WARNING}}[fail_on]
    return any(d.severity in levels and d.accepted is None for d in report.diagnostics)


def cmd_check(args: argparse.Namespace) -> int:
    """Run the front end and the formal checks on each path; print findings in the chosen format."""
    failed = False
    everything = []
    outputs = []
    paths = [p for given in args.paths for p in pack_paths(Path(given))]
    progress = (lambda name: print(f"checking: {name}", file=sys.stderr)) if args.progress else None
    for path in paths:
        try:
            report = check_pack(path, formal=not args.front_end_only, timeout_ms=args.timeout, progress=progress,
                                jobs=args.jobs)
        except PackNotFound as err:
            raise UsageError(str(err)) from None
        failed |= _fails(report, args.fail_on)
        everything.extend(report.diagnostics)
        if args.format == "json":
            outputs.append(render_report_json(report))
        elif args.format == "text":
            outputs.append(render_text(report.diagnostics))
    renderers = {"sarif": render_sarif, "junit": render_junit, "github": render_github, "html": render_html}
    if args.format in renderers:
        outputs.append(renderers[args.format](everything))
    sys.stdout.write("".join(outputs))
    return EXIT_FINDINGS if failed else EXIT_OK


def cmd_diff(args: argparse.Namespace) -> int:
    """Compare two versions of a pack decision by decision, with a witness for each change."""
    old, new = (_load_ok(p) if ":" not in p else _load_revision(p) for p in (args.old, args.new))
    report = diff_packs(old.pack, new.pack, timeout_ms=args.timeout)
    if args.format == "json":
        sys.stdout.write(json.dumps(report.to_json(), indent=2) + "\n")
    else:
        sys.stdout.write(diff_text(report))
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


def _load_ok(path: str) -> LoadResult:
    """Load a pack that must be free of errors (for decide, test and diff)."""
    result = _load(path)
    if not result.ok:
        sys.stderr.write(render_text([d for d in result.diagnostics if d.severity is Severity.ERROR]))
        raise UsageError(f"{path} has errors; fix them first (ruleproof check {path})")
    return result


MAX_FACTS_BYTES = 16 * 1024 * 1024  # a facts file larger than this is no case (/dev/zero never ends)


def _read_json(source: str):
    """The JSON in file `source` (or standard input for `-`), read strictly: bounded in size,
    numbers of at most 4,300 digits, each key once per object; UsageError says what is wrong."""
    from ruleproof.server.strictjson import duplicate_keys

    try:
        if source == "-":
            stdin = getattr(sys.stdin, "buffer", None)  # a replaced sys.stdin may be text only
            data = stdin.read(MAX_FACTS_BYTES + 1) if stdin is not None else sys.stdin.read(MAX_FACTS_BYTES + 1).encode()
        else:
            with open(source, "rb") as stream:
                data = stream.read(MAX_FACTS_BYTES + 1)
    except OSError as err:
        raise UsageError(f"cannot read {source}: {err.strerror}") from None
    if len(data) > MAX_FACTS_BYTES:
        raise UsageError(f"{source}: more than {MAX_FACTS_BYTES // (1024 * 1024)} MiB; facts are one case")
    try:
        text = data.decode("utf-8")
        value = json.loads(text)
    except UnicodeDecodeError as err:
        raise UsageError(f"{source}: not UTF-8 text (byte {err.start})") from None
    except json.JSONDecodeError as err:
        raise UsageError(f"{source}:{err.lineno}:{err.colno}: invalid JSON: {err.msg}") from None
    except ValueError as err:  # an integer of more than 4,300 digits
        raise UsageError(f"{source}: invalid JSON: {str(err).split(';')[0].lower()}") from None
    except RecursionError:
        raise UsageError(f"{source}: JSON nested too deeply") from None
    duplicates = duplicate_keys(data)
    if duplicates:
        raise UsageError(f"{source}: `{duplicates[0]['path']}` is sent twice; send each key once")
    return value


def cmd_decide(args: argparse.Namespace) -> int:
    """Decide one case (facts as JSON) and print decisions, undetermined ones and the trace."""
    result = _load_ok(args.pack)
    compiled = CompiledPack(result.pack)
    names = args.decision or None
    try:
        raw = _read_json(args.facts)
        from ruleproof.server.strictjson import huge_numbers

        huge = huge_numbers(raw)
        if huge:
            raise InvalidFacts([FactError(e["path"], e["message"]) for e in huge])
        if args.partial:
            known = read_facts(result.pack, raw, fill_absent=False)
            require_decisions(result.pack, names)
            body = {"pack": result.pack.name, "version": result.pack.version,
                    "partial": partial_decisions(result.pack, known, names)}
            sys.stdout.write(json.dumps(body, indent=2) + "\n")
            return EXIT_OK
        decided = decide_json(compiled, raw, names, explain=True)
    except InvalidFacts as err:
        return _report_invalid(err)
    if args.format == "json":
        sys.stdout.write(json.dumps(decided, indent=2) + "\n")
    else:
        sys.stdout.write(decision_text(decided, result.pack))
    return EXIT_OK


def cmd_when(args: argparse.Namespace) -> int:
    """The days on which a boolean decision holds, given the other facts."""
    pack = _load_ok(args.pack).pack
    decision = pack.decisions.get(args.decision)
    if decision is None or decision.type.kind != "bool":
        raise UsageError(f"`{args.decision}` is not a boolean decision of {pack.name}")
    day = pack.facts.get(args.day)
    if day is None or day.type.required().kind != "date":
        raise UsageError(f"`{args.day}` is not a date fact of {pack.name}")
    try:
        known = read_facts(pack, _read_json(args.facts), fill_absent=False)
    except InvalidFacts as err:
        return _report_invalid(err)
    answer = holding_days(pack, args.decision, known, args.day)
    if args.format == "json":
        sys.stdout.write(json.dumps(answer, indent=2) + "\n")
    elif "unknown" in answer:
        print(f"unknown: the solver gave up ({answer['unknown']})")
    elif answer["first"] is None:
        print(f"`{args.decision}` holds on no day")
    else:
        spans = answer["intervals"] or [{"first": answer["first"], "last": answer["last"]}]
        for span in spans:
            print(f"`{args.decision}` holds from {span['first']} to {span['last']}")
    return EXIT_OK


def _report_invalid(err: InvalidFacts) -> int:
    for e in err.errors:
        print(f"ruleproof: {e.path}: {e.message}", file=sys.stderr)
    return EXIT_USAGE


def cmd_test(args: argparse.Namespace) -> int:
    """Run every example of the pack and report rule coverage."""
    result = _load_ok(args.pack)
    report = run_examples(CompiledPack(result.pack))
    total = report.passed + len({d.message.split('"')[1] for d in report.failures})
    if args.format == "json":
        body = {
            "pack": result.pack.name, "version": result.pack.version, "examples": total, "passed": report.passed,
            "failed": [diagnostic_json(d) for d in report.failures],
            "coverage": round(report.coverage, 4),
            "uncovered_rules": [{"rule": r.name, "decision": r.decision, "at": str(r.span)} for r in report.uncovered],
        }
        sys.stdout.write(json.dumps(body, indent=2) + "\n")
    else:
        if report.failures:
            sys.stdout.write(render_text(report.failures))
        for rule in report.uncovered:
            print(f"uncovered: rule `{rule.name}` ({rule.decision}) at {rule.span}")
        print(f"{report.passed} passed, {total - report.passed} failed")
        print(f"rule coverage: {report.coverage:.1%} ({len(report.rules) - len(report.uncovered)}/{len(report.rules)} rules)")
    return EXIT_FINDINGS if report.failures else EXIT_OK


def _load(path: str) -> LoadResult:
    try:
        return load_pack(Path(path))
    except PackNotFound as err:
        raise UsageError(str(err)) from None


def cmd_serve(args: argparse.Namespace) -> int:
    """Serve every pack under --policies over HTTP (gunicorn; see server/)."""
    from ruleproof.server.config import ServerConfig

    if not Path(args.policies).is_dir():
        raise UsageError(f"no such folder: {args.policies}")
    if not 0 < args.port < 65536:
        raise UsageError(f"--port {args.port}: a port is a number from 1 to 65535")
    if args.workers < 1:
        raise UsageError(f"--workers {args.workers}: at least one worker process is needed to serve")
    if args.threads < 2:
        raise UsageError(f"--threads {args.threads}: at least two, one is always kept for decisions")
    overrides = {"policies_dir": Path(args.policies)}
    if args.decision_log is not None:
        from ruleproof.server.config import log_target

        overrides["decision_log"] = None if args.decision_log in ("", "off") else log_target(args.decision_log)
    if args.reload_interval is not None:
        overrides["reload_interval"] = args.reload_interval
    config = ServerConfig.from_env(**overrides)
    if config.decision_log is not None:
        from ruleproof.server.logstore import LogError, open_store

        try:  # a clear message now, not a traceback in every worker
            open_store(config.decision_log).close()
        except LogError as err:
            raise UsageError(str(err)) from None
    from ruleproof.server.serve import Backend, serve

    serve(config, host=args.host, port=args.port, workers=args.workers, threads=args.threads, access_log=args.access_log,
          backend=Backend(args.server))
    return EXIT_OK


def cmd_replay(args: argparse.Namespace) -> int:
    """Re-decide the cases of a decision log with another version of a pack; report what changes."""
    from ruleproof.server.logstore import LogError
    from ruleproof.server.replay import replay, replay_text

    pack = _load_ok(args.pack).pack
    try:
        if args.engine == "duckdb" or args.log.endswith(".parquet"):
            from ruleproof.replay_sql import replay_sql

            report = replay_sql(args.log, pack, pack_name=args.pack_name, limit=args.limit, examples=args.examples)
        else:
            report = replay(args.log, pack, pack_name=args.pack_name, limit=args.limit, examples=args.examples)
    except LogError as err:
        raise UsageError(str(err)) from None
    if args.format == "json":
        sys.stdout.write(json.dumps(report.to_json(), indent=2) + "\n")
    else:
        sys.stdout.write(replay_text(report))
    return EXIT_FINDINGS if report.changed and args.fail_on_change else EXIT_OK


def cmd_fmt(args: argparse.Namespace) -> int:
    """Format .rules files in place (folders: every .rules file under them; `-`: stdin to
    stdout). With --check or --diff nothing is written: exit 1 if a file is not formatted."""
    paths = args.paths or ["."]
    unformatted = broken = False
    for name in paths:
        files = [None] if name == "-" else pack_files(Path(name)) if Path(name).is_dir() else [Path(name)]
        for path in files:
            label = "<stdin>" if path is None else str(path)
            try:
                text = sys.stdin.read() if path is None else path.read_text(encoding="utf-8")
            except OSError as err:
                raise UsageError(f"cannot read {label}: {err.strerror}") from err
            try:
                formatted = format_text(text, label)
            except SyntaxErrors as err:
                print(render_text(err.diagnostics), file=sys.stderr)
                broken = True
                continue
            if args.diff and formatted != text:
                sys.stdout.writelines(difflib.unified_diff(
                    text.splitlines(keepends=True), formatted.splitlines(keepends=True), label, label))
            if args.check or args.diff:
                if formatted != text:
                    unformatted = True
                    if args.check:
                        print(f"would reformat {label}", file=sys.stderr)
            elif path is None:
                sys.stdout.write(formatted)
            elif formatted != text:
                path.write_text(formatted, encoding="utf-8")
    return EXIT_USAGE if broken else EXIT_FINDINGS if unformatted else EXIT_OK


def cmd_compile(args: argparse.Namespace) -> int:
    """Print the pack's decisions as one SQL query over a table `cases` (one column per fact)."""
    from ruleproof.checker.decisions import UnknownDecisions
    from ruleproof.checker.sql.dialects import UnsupportedConstruct
    from ruleproof.warehouse import compile_text

    pack = _load_ok(args.pack).pack
    try:
        sys.stdout.write(compile_text(pack, args.dialect, args.decision) + "\n")
    except UnknownDecisions as err:
        return _report_invalid(err)
    except UnsupportedConstruct as err:
        raise UsageError(str(err)) from None
    return EXIT_OK


def cmd_batch(args: argparse.Namespace) -> int:
    """Decide a file of cases into a file of decisions (DuckDB, Spark or the evaluator)."""
    from ruleproof.checker.decisions import UnknownDecisions
    from ruleproof.warehouse import batch, show_progress

    pack = _load_ok(args.pack).pack
    try:
        counts = batch(pack, args.cases, args.out, args.engine, args.decision, args.spark_master,
                       progress=show_progress if sys.stderr.isatty() else None)
    except UnknownDecisions as err:
        return _report_invalid(err)
    except (ValueError, OSError) as err:
        raise UsageError(str(err)) from None
    print(f"ruleproof batch: {counts['decided']} cases decided, {counts['bad']} bad rows -> {args.out}", file=sys.stderr)
    return EXIT_OK


def cmd_log_export(args: argparse.Namespace) -> int:
    """Write the decision log to a Parquet file (for replays at scale and for warehouses)."""
    from ruleproof.replay_sql import export_parquet, export_path
    from ruleproof.server.logstore import LogError

    try:
        count = export_parquet(args.log, str(export_path(args.out)), args.pack_name)
    except (LogError, ValueError, OSError) as err:
        raise UsageError(str(err)) from None
    print(f"ruleproof log export: {count} logged decisions -> {args.out}", file=sys.stderr)
    return EXIT_OK


def _add_warehouse_commands(sub) -> None:
    log = sub.add_parser("log", help="the decision log: export it")
    log_sub = log.add_subparsers(dest="log_command", required=True)
    export = log_sub.add_parser("export", help="write the decision log to a Parquet file")
    export.add_argument("--log", required=True, help="the decision log: SQLite file or postgresql:// URL")
    export.add_argument("--to", choices=["parquet"], default="parquet")
    export.add_argument("--out", required=True, help="the .parquet file to write")
    export.add_argument("--pack-name", help="only the logged decisions of this pack")
    export.set_defaults(run=cmd_log_export)
    compile_ = sub.add_parser("compile", help="compile a pack's decisions to one SQL query")
    compile_.add_argument("pack", help="pack folder or .rules file")
    compile_.add_argument("--to", choices=["sql"], default="sql")
    compile_.add_argument("--dialect", choices=["duckdb", "spark", "postgres"], default="duckdb")
    compile_.add_argument("--decision", action="append", help="compile only this decision (repeatable)")
    compile_.set_defaults(run=cmd_compile)
    batch = sub.add_parser("batch", help="decide a file of cases (.jsonl, .csv, .parquet) into a file")
    batch.add_argument("pack", help="pack folder or .rules file")
    batch.add_argument("--cases", required=True, help="the cases: .jsonl (facts per line), .csv or .parquet")
    batch.add_argument("--out", required=True, help="where the decisions go: .jsonl, .csv or .parquet")
    batch.add_argument("--engine", choices=["duckdb", "spark", "python"], default="duckdb")
    batch.add_argument("--decision", action="append", help="decide only this decision (repeatable)")
    batch.add_argument("--spark-master", help="Spark master URL (default: a local session)")
    batch.set_defaults(run=cmd_batch)


def cmd_lsp(args: argparse.Namespace) -> int:
    """Run the language server over stdin and stdout."""
    from ruleproof.lsp.server import serve  # pygls is loaded only for this command

    serve()
    return EXIT_OK


def _add_service_commands(sub) -> None:
    serve = sub.add_parser("serve", help="serve the packs over HTTP (decide, validate, diff, metrics)")
    serve.add_argument("--host", default="127.0.0.1", help="address to listen on (default 127.0.0.1)")
    serve.add_argument("--port", type=int, default=8080, help="port to listen on (default 8080)")
    serve.add_argument("--workers", type=int, default=2, help="worker processes (default 2)")
    serve.add_argument("--threads", type=int, default=4, help="threads per worker (default 4)")
    serve.add_argument("--policies", default="policies", help="folder of packs, one per subfolder (default policies)")
    serve.add_argument("--decision-log", help="the decision log: an SQLite file (default decisions.sqlite), a "
                       "postgresql://user@host/db URL, or off")
    serve.add_argument("--reload-interval", type=float, help="seconds between checks of the policies for changes (0: off)")
    serve.add_argument("--access-log", action="store_true", help="log every request on standard error")
    serve.add_argument("--server", choices=["granian", "gunicorn"], default="granian",
                       help="the HTTP server (default granian; see bench/README.md)")
    serve.set_defaults(run=cmd_serve)
    replay = sub.add_parser("replay", help="re-decide logged cases with another version of a pack")
    replay.add_argument("--log", required=True, help="the decision log: SQLite file or postgresql:// URL")
    replay.add_argument("--pack", required=True, help="pack folder or .rules file: the version to replay with")
    replay.add_argument("--pack-name", help="replay the logged cases of this pack (default: the pack's own name)")
    replay.add_argument("--limit", type=int, help="only the newest N logged cases")
    replay.add_argument("--examples", type=int, default=3, help="example cases shown per changed decision (default 3)")
    replay.add_argument("--format", choices=["text", "json"], default="text")
    replay.add_argument("--fail-on-change", action="store_true", help="exit 1 when any decision would change")
    replay.add_argument("--engine", choices=["python", "duckdb"], default="python",
                        help="re-decide with the evaluator (default) or in one DuckDB query (a .parquet log: always DuckDB)")
    replay.set_defaults(run=cmd_replay)


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="ruleproof", description="Policy rules with formal checking.")
    sub = parser.add_subparsers(dest="command", required=True)
    check = sub.add_parser("check", help="check packs or files for errors and defects")
    check.add_argument("paths", nargs="+", help="pack folders or .rules files")
    check.add_argument("--format", choices=["text", "json", "sarif", "junit", "github", "html"], default="text")
    check.add_argument("--fail-on", choices=["error", "warning"], default="error")
    check.add_argument("--front-end-only", action="store_true", help="skip the formal checks (syntax, names, types only)")
    check.add_argument("--timeout", type=int, default=10_000, help="solver time limit per query, in milliseconds")
    check.add_argument("--progress", action="store_true", help="report the checks' progress (on stderr)")
    check.add_argument("--jobs", type=int, help="processes for the formal checks (default: one per CPU for packs of "
                       "1,500 rules or more, else one)")
    check.set_defaults(run=cmd_check)
    diff = sub.add_parser("diff", help="compare two versions of a pack decision by decision")
    diff.add_argument("old", help="pack folder, or REV:path (e.g. HEAD~1:policies/marketplace)")
    diff.add_argument("new", help="pack folder, or REV:path")
    diff.add_argument("--format", choices=["text", "json"], default="text")
    diff.add_argument("--fail-on-change", action="store_true", help="exit 1 when any decision changed")
    diff.add_argument("--timeout", type=int, default=10_000, help="solver time limit per query, in milliseconds")
    diff.set_defaults(run=cmd_diff)
    decide = sub.add_parser("decide", help="decide one case")
    decide.add_argument("pack", help="pack folder or .rules file")
    decide.add_argument("--facts", required=True, help="JSON file of facts, or - for standard input")
    decide.add_argument("--decision", action="append", help="decide only this decision (repeatable)")
    decide.add_argument("--format", choices=["text", "json"], default="text")
    decide.add_argument("--partial", action="store_true",
                        help="facts may be missing: give each decision's forced value or possible values, with witnesses")
    decide.set_defaults(run=cmd_decide)
    when = sub.add_parser("when", help="the days on which a boolean decision holds, given the other facts")
    when.add_argument("pack", help="pack folder or .rules file")
    when.add_argument("--facts", required=True, help="JSON file of facts, or - for standard input")
    when.add_argument("--decision", required=True, help="a boolean decision, e.g. refund_request_allowed")
    when.add_argument("--day", default="today", help="the date fact that varies (default: today)")
    when.add_argument("--format", choices=["text", "json"], default="text")
    when.set_defaults(run=cmd_when)
    test = sub.add_parser("test", help="run the pack's examples and report rule coverage")
    test.add_argument("pack", help="pack folder or .rules file")
    test.add_argument("--format", choices=["text", "json"], default="text")
    test.set_defaults(run=cmd_test)
    fmt = sub.add_parser("fmt", help="format .rules files in the canonical layout")
    fmt.add_argument("paths", nargs="*", help="files or folders (default: .); - reads stdin, writes stdout")
    fmt.add_argument("--check", action="store_true", help="write nothing; exit 1 if a file would change")
    fmt.add_argument("--diff", action="store_true", help="write nothing; print the changes, exit 1 if any")
    fmt.set_defaults(run=cmd_fmt)
    lsp = sub.add_parser("lsp", help="run the language server (LSP over stdio) for editors")
    lsp.set_defaults(run=cmd_lsp)
    _add_service_commands(sub)
    _add_warehouse_commands(sub)
    return parser


def main(argv: list[str] | None = None) -> int:
    """Entry point of the `ruleproof` console script."""
    parser = build_parser()
    try:
        args = parser.parse_args(argv)
    except SystemExit as exit_:
        return EXIT_USAGE if exit_.code not in (0, None) else EXIT_OK
    try:
        return args.run(args)
    except UsageError as err:
        print(f"ruleproof: {err}", file=sys.stderr)
        return EXIT_USAGE
    except BrokenPipeError:
        return EXIT_OK
    except Exception as err:  # the promise: no traceback for any input; tests call the stages directly
        print(f"ruleproof: internal error: {err.__class__.__name__}: {err}", file=sys.stderr)
        return EXIT_USAGE


if __name__ == "__main__":
    sys.exit(main())
