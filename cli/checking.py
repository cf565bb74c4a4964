"""`ruleproof check` and `ruleproof test`: findings and example runs, once or on every change
of the .rules (or .dmn) files (`--watch`)."""

from __future__ import annotations

import argparse
import sys
from collections.abc import Callable
from pathlib import Path

from ruleproof.checker.diagnostics import Severity
from ruleproof.checker.packs import PackNotFound, pack_paths
from ruleproof.checker.render import FOLD, render_text, report_json
from ruleproof.checker.report import Report, check_pack
from ruleproof.common import DMN_SUFFIX, EXIT_FINDINGS, EXIT_OK, UsageError, load_ok, write_json
from ruleproof.config import FAIL_ON, FORMATS, load_defaults
from ruleproof.output import emit


def _fails(report: Report, fail_on: str) -> bool:
    levels = {"error": {Severity.ERROR}, "warning": {Severity.ERROR, Severity.WARNING}}[fail_on]
    return any(d.severity in levels and d.accepted is None for d in report.diagnostics)


def cmd_check(args: argparse.Namespace) -> int:
    """Run the front end and the formal checks on each path; print findings in the chosen format
    (defaults from [tool.ruleproof] in pyproject.toml)."""
    defaults = load_defaults()
    given = args.paths or list(defaults.paths)
    if not given:
        raise UsageError("no pack given: name pack folders or .rules files, or set paths in [tool.ruleproof] "
                         "of pyproject.toml")
    fmt = args.format or defaults.format
    fail_on = args.fail_on or defaults.fail_on
    run = lambda: _check_once(args, given, fmt, fail_on)  # noqa: E731
    return watch([*given, *args.properties], run) if args.watch else run()


def _check_once(args: argparse.Namespace, given: list[str], fmt: str, fail_on: str) -> int:
    paths = [p for name in given for p in pack_paths(Path(name))]
    if args.properties and any(p.suffix != DMN_SUFFIX for p in paths):
        raise UsageError("--properties adds .rules files to the .dmn models checked; a pack folder holds its "
                         "properties itself")
    progress = (lambda name: print(f"checking: {name}", file=sys.stderr)) if args.progress else None
    reports = []
    for path in paths:
        try:
            if path.suffix == DMN_SUFFIX:
                from ruleproof.checker.dmn.load import check_dmn

                reports.append(check_dmn(path, args.properties, formal=not args.front_end_only, timeout_ms=args.timeout,
                                         progress=progress, jobs=args.jobs))
            else:
                reports.append(check_pack(path, formal=not args.front_end_only, timeout_ms=args.timeout,
                                          progress=progress, jobs=args.jobs))
        except PackNotFound as err:
            raise UsageError(str(err)) from None
    everything = [d for report in reports for d in report.diagnostics]
    failed = any(_fails(report, fail_on) for report in reports)
    if fmt == "json":  # one document: the report of one pack, or every report and the totals
        bodies = [report_json(report) for report in reports]
        write_json(bodies[0] if len(bodies) == 1 else {
            "reports": bodies, "errors": sum(b["errors"] for b in bodies), "warnings": sum(b["warnings"] for b in bodies)})
    elif fmt == "text":
        fold = None if args.all else FOLD
        emit("".join(render_text(r.diagnostics, docs=True, quiet=args.quiet, fold=fold) for r in reports), args.color)
    else:
        from ruleproof.checker.render_ci import render_github, render_junit, render_sarif
        from ruleproof.checker.render_html import render_html

        renderers = {"sarif": render_sarif, "junit": render_junit, "github": render_github, "html": render_html}
        sys.stdout.write(renderers[fmt](everything))
    sys.stdout.flush()
    return EXIT_FINDINGS if failed else EXIT_OK


def cmd_test(args: argparse.Namespace) -> int:
    """Run every example of the pack and report rule coverage."""
    run = lambda: _test_once(args)  # noqa: E731
    return watch([args.pack], run) if args.watch else run()


def _test_once(args: argparse.Namespace) -> int:
    from ruleproof.checker.evaluate import CompiledPack
    from ruleproof.checker.examples import examples_json, run_examples

    result = load_ok(args.pack)
    report = run_examples(CompiledPack(result.pack))
    total = len(report.runs)
    if args.format == "json":
        write_json(examples_json(result.pack, report))
    else:
        lines = [render_text(report.failures, docs=True)] if report.failures else []
        lines += [f"uncovered: rule `{rule.name}` ({rule.decision}) at {rule.span}\n" for rule in report.uncovered]
        lines.append(f"{report.passed} passed, {total - report.passed} failed\n")
        lines.append(f"rule coverage: {report.coverage:.1%} ({len(report.rules) - len(report.uncovered)}/"
                     f"{len(report.rules)} rules)\n")
        emit("".join(lines), args.color)
    sys.stdout.flush()
    return EXIT_FINDINGS if report.failures else EXIT_OK


def watch(paths: list[str], run: Callable[[], int]) -> int:
    """Run once, then again each time a .rules or .dmn file under `paths` changes, until interrupted;
    the exit code is the last run's. A run that cannot load the pack reports why and waits."""
    from watchfiles import watch as changes

    def guarded() -> int:
        try:
            return run()
        except UsageError as err:
            print(f"ruleproof: {err}", file=sys.stderr, flush=True)
            return 2

    code = guarded()
    print(f"watching {', '.join(paths)} for changes (Ctrl+C to stop)", file=sys.stderr, flush=True)
    try:
        for batch in changes(*paths, watch_filter=lambda _change, path: path.endswith((".rules", DMN_SUFFIX)), debounce=200,
                             step=50, raise_interrupt=False):
            names = ", ".join(sorted({Path(p).name for _, p in batch}))
            print(f"\n--- changed: {names}", file=sys.stderr, flush=True)
            code = guarded()
    except KeyboardInterrupt:
        pass
    return code


def add_parsers(sub, common: argparse.ArgumentParser) -> None:
    """The `check` and `test` subcommands."""
    check = sub.add_parser("check", parents=[common], help="check packs or files for errors and defects")
    check.add_argument("paths", nargs="*", help="pack folders, .rules files or .dmn files (default: paths in [tool.ruleproof])")
    check.add_argument("--format", choices=FORMATS, help="output format (default text, or format in [tool.ruleproof]); "
                       "json prints one document, for several packs {reports, errors, warnings}")
    check.add_argument("--fail-on", choices=FAIL_ON, help="exit 1 on open errors (default) or on warnings too")
    check.add_argument("-q", "--quiet", action="store_true", help="leave accepted findings out of the text (still counted)")
    check.add_argument("--watch", action="store_true", help="check again whenever a .rules or .dmn file changes")
    check.add_argument("--properties", action="append", default=[], metavar="PATH",
                       help="with .dmn models: a .rules file (or folder of them) of properties over the imported "
                       "model (`import MODEL`, the .dmn file's stem), checked with it; repeatable")
    check.add_argument("--front-end-only", action="store_true", help="skip the formal checks (syntax, names, types only)")
    check.add_argument("--timeout", type=int, default=10_000, help="solver time limit per query, in milliseconds")
    check.add_argument("--progress", action="store_true", help="report the checks' progress (on stderr)")
    check.add_argument("--all", action="store_true", help=f"text: show every finding (by default, after {FOLD} findings "
                       "of one kind about one table or decision, a line says how many more there are)")
    check.add_argument("--jobs", type=int, help="processes for the formal checks (default: one per CPU for packs of "
                       "1,500 rules or more, else one)")
    check.set_defaults(run=cmd_check)
    test = sub.add_parser("test", parents=[common], help="run the pack's examples and report rule coverage")
    test.add_argument("pack", help="pack folder or .rules file")
    test.add_argument("--format", choices=["text", "json"], default="text")
    test.add_argument("--watch", action="store_true", help="run again whenever a .rules file changes")
    test.set_defaults(run=cmd_test)


