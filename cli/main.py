"""The `ruleproof` command line: the parser and the dispatch. Each group of subcommands lives
in its own module with an `add_parsers(sub, common)` that registers them (a new group adds its
commands to COMMANDS). Only the group of the command asked for is imported (with what it
imports: the front end, Z3, the server), so that `ruleproof --version` and `ruleproof fmt`
start fast; a command line naming no known command (`--help`, a typo) gets them all.

Exit codes: 0 clean, 1 findings (or failed examples, or changes with --fail-on-change),
2 usage or I/O error. No input makes it print a Python traceback.
"""

from __future__ import annotations

import argparse
import importlib
import sys
from collections.abc import Sequence

import ruleproof
from ruleproof.common import EXIT_OK, EXIT_USAGE, UsageError
from ruleproof.output import ColorMode

#: each subcommand, by the module of the command line that registers and runs it, in help order
COMMANDS: dict[str, tuple[str, ...]] = {
    "checking": ("check", "test"),
    "deciding": ("decide", "when"),
    "changes": ("diff", "replay"),
    "authoring": ("fmt", "lsp", "completion"),
    "models": ("import", "export"),
    "docs": ("explain",),
    "scaffold": ("init",),
    "service": ("serve",),
    "warehouse": ("compile", "batch", "log"),
}


class _Version(argparse.Action):
    """`--version`, as argparse's own action prints it, with the version read only when asked."""

    def __init__(self, option_strings: Sequence[str], dest: str, **_: object):
        super().__init__(option_strings, dest=argparse.SUPPRESS, default=argparse.SUPPRESS, nargs=0,
                         help="show program's version number and exit")

    def __call__(self, parser, namespace, values, option_string=None) -> None:
        sys.stdout.write(f"ruleproof {ruleproof.__version__}\n")
        parser.exit()


def _common_options() -> argparse.ArgumentParser:
    """Options every subcommand takes (also accepted before the subcommand)."""
    common = argparse.ArgumentParser(add_help=False)
    common.add_argument("--color", type=ColorMode, choices=list(ColorMode), default=argparse.SUPPRESS,
                        help="colour the text output: auto (on a terminal, unless NO_COLOR is set), always, never")
    return common


def groups_of(argv: Sequence[str]) -> tuple[str, ...]:
    """The modules of COMMANDS that `argv` needs: the one of the command it names (the first
    word that is neither an option nor the value of `--color`); none when it names no command
    (`--version`, or a missing command: argparse says so); all for `--help` or an unknown command."""
    words = iter(argv)
    for word in words:
        if word == "--color":
            next(words, None)
        elif not word.startswith("-"):
            return next(((group,) for group, commands in COMMANDS.items() if word in commands), tuple(COMMANDS))
        elif word in ("-h", "--help"):
            break
    else:
        return ()
    return tuple(COMMANDS)


def build_parser(groups: Sequence[str] = tuple(COMMANDS)) -> argparse.ArgumentParser:
    """The command line with the subcommands of these modules of COMMANDS (default: all)."""
    parser = argparse.ArgumentParser(prog="ruleproof", description="Policy rules with formal checking.",
                                     parents=[_common_options()])
    parser.add_argument("--version", action=_Version)
    parser.set_defaults(color=ColorMode.AUTO)
    sub = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")
    common = _common_options()
    for name in groups:
        importlib.import_module(f"ruleproof.{name}").add_parsers(sub, common)
    return parser


def main(argv: list[str] | None = None) -> int:
    """Entry point of the `ruleproof` console script."""
    parser = build_parser(groups_of(sys.argv[1:] if argv is None else argv))
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
