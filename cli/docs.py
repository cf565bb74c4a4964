"""`ruleproof explain CODE`: the section of specs/diagnostics.md that documents a code (the
document ships in the package as `ruleproof.specs`)."""

from __future__ import annotations

import argparse
import re
from importlib import resources
from pathlib import Path

from ruleproof.checker.diagnostics import CODES, did_you_mean
from ruleproof.common import EXIT_OK, UsageError
from ruleproof.output import emit


def diagnostics_doc() -> str:
    """The text of specs/diagnostics.md: from the installed package, else the source tree."""
    try:
        return resources.files("ruleproof.specs").joinpath("diagnostics.md").read_text(encoding="utf-8")
    except (ModuleNotFoundError, FileNotFoundError):
        return (Path(__file__).resolve().parent.parent / "specs" / "diagnostics.md").read_text(encoding="utf-8")


def explain(code: str) -> str:
    """The documentation of `code` (any case, e.g. `e602`): its `### CODE name` section up to
    the next heading. UsageError for a code the registry does not have."""
    code = code.upper()
    if code not in CODES:
        hint = did_you_mean(code, list(CODES))
        raise UsageError(f"no diagnostic code {code}" + (f"; {hint}" if hint else "; `ruleproof explain --list` lists them"))
    match = re.search(rf"^### {code} .*?(?=^##)", diagnostics_doc() + "\n## ", re.S | re.M)
    if match is None:
        raise UsageError(f"{code} is not documented in specs/diagnostics.md")
    return match.group(0).rstrip() + f"\n\n(specs/diagnostics.md#{code.lower()}-{CODES[code].name})\n"


def cmd_explain(args: argparse.Namespace) -> int:
    """Print the documentation of a diagnostic code, or list every code."""
    if args.list or args.code is None:
        emit("".join(f"{c.code}  {c.severity.value:<7}  {c.name}\n" for c in CODES.values()), args.color)
        return EXIT_OK
    emit(explain(args.code), args.color)
    return EXIT_OK


def add_parsers(sub, common: argparse.ArgumentParser) -> None:
    """The `explain` subcommand."""
    cmd = sub.add_parser("explain", parents=[common], help="explain a diagnostic code (e.g. ruleproof explain E602)")
    cmd.add_argument("code", nargs="?", help="a code such as E602 or W608")
    cmd.add_argument("--list", action="store_true", help="list every code with its severity and name")
    cmd.set_defaults(run=cmd_explain)
