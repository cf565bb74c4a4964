"""The `ruleproof` command line: one function per subcommand.

Exit codes: 0 clean, 1 findings (or failed examples, or changes with --fail-on-change),
2 usage or I/O error. No input makes it print a Python traceback.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from checker.diagnostics import Severity
from checker.pipeline import LoadResult, PackNotFound, load_pack
from checker.render import render_json, render_text

EXIT_OK, EXIT_FINDINGS, EXIT_USAGE = 0, 1, 2


class UsageError(Exception):
    """A problem with how the command was called, or with reading its inputs."""


def _fails(result: LoadResult, fail_on: str) -> bool:
    levels = {"error": {Severity.ERROR}, "warning": {Severity.ERROR, Severity.WARNING}}[fail_on]
    return any(d.severity in levels and d.accepted is None for d in result.diagnostics)


def cmd_check(args: argparse.Namespace) -> int:
    """Run the front end on each path; print diagnostics in the chosen format."""
    failed = False
    outputs = []
    for path in args.paths:
        result = _load(path)
        failed |= _fails(result, args.fail_on)
        if args.format == "json":
            pack = result.pack
            outputs.append(render_json(result.diagnostics, path=str(path), pack=pack.name if pack else None,
                                       version=pack.version if pack else None))
        else:
            outputs.append(render_text(result.diagnostics))
    sys.stdout.write("".join(outputs))
    return EXIT_FINDINGS if failed else EXIT_OK


def _load(path: str) -> LoadResult:
    try:
        return load_pack(Path(path))
    except PackNotFound as err:
        raise UsageError(str(err)) from None


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="ruleproof", description="Policy rules with formal checking.")
    sub = parser.add_subparsers(dest="command", required=True)
    check = sub.add_parser("check", help="check packs or files for errors and defects")
    check.add_argument("paths", nargs="+", help="pack folders or .rules files")
    check.add_argument("--format", choices=["text", "json"], default="text")
    check.add_argument("--fail-on", choices=["error", "warning"], default="error")
    check.set_defaults(run=cmd_check)
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


if __name__ == "__main__":
    sys.exit(main())
