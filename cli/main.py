"""The `ruleproof` command line: the parser and the dispatch. Each group of subcommands lives
in its own module with an `add_parsers(sub, common)` that registers them (a new group adds one
line to GROUPS).

Exit codes: 0 clean, 1 findings (or failed examples, or changes with --fail-on-change),
2 usage or I/O error. No input makes it print a Python traceback.
"""

from __future__ import annotations

import argparse
import sys

from ruleproof import __version__, authoring, changes, checking, deciding, docs, models, scaffold, service, warehouse
from ruleproof.common import EXIT_OK, EXIT_USAGE, UsageError
from ruleproof.output import ColorMode

GROUPS = (checking, deciding, changes, authoring, models, docs, scaffold, service, warehouse)


def _common_options() -> argparse.ArgumentParser:
    """Options every subcommand takes (also accepted before the subcommand)."""
    common = argparse.ArgumentParser(add_help=False)
    common.add_argument("--color", type=ColorMode, choices=list(ColorMode), default=argparse.SUPPRESS,
                        help="colour the text output: auto (on a terminal, unless NO_COLOR is set), always, never")
    return common


def build_parser() -> argparse.ArgumentParser:
    """The whole command line: every subcommand of GROUPS."""
    parser = argparse.ArgumentParser(prog="ruleproof", description="Policy rules with formal checking.",
                                     parents=[_common_options()])
    parser.add_argument("--version", action="version", version=f"ruleproof {__version__}")
    parser.set_defaults(color=ColorMode.AUTO)
    sub = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")
    common = _common_options()
    for group in GROUPS:
        group.add_parsers(sub, common)
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
