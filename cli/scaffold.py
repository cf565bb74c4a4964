"""`ruleproof init`: a new pack that checks clean — facts, two rules (one overriding the other,
with its reason), a property and examples — and a case to decide."""

from __future__ import annotations

import argparse
import json
import re
from pathlib import Path

from ruleproof.common import EXIT_OK, UsageError

PACK = """# The returns rules of a shop: a first pack made by `ruleproof init`. Check it with
# `ruleproof check .`, run its examples with `ruleproof test .`, decide a case with
# `ruleproof decide . --facts case.json`. The language: specs/language.md.
pack {name} version "0.1"

fact delivered_on: date? cite "Returns policy §1: the day the parcel was delivered, absent until then"
fact today: date
fact item_is_custom_made: bool

decision return_deadline: date cite "Returns policy §1"
rule fourteen_days_after_delivery cite "Returns policy §1: returns are accepted for 14 days after delivery":
  when delivered_on is present
  then return_deadline = delivered_on + 14 days

decision return_allowed: bool default false cite "Returns policy §1, §2"
rule within_the_deadline cite "Returns policy §1":
  when return_deadline is present and today <= return_deadline
  then return_allowed = true
rule custom_made_items_excluded cite "Returns policy §2: custom-made items cannot be returned":
  when item_is_custom_made
  then return_allowed = false
  overrides within_the_deadline
  because "§2 is an exception to the 14 days of §1"

property no_return_before_delivery cite "Returns policy §1": always return_allowed implies delivered_on is present

example "returned on the last day" cite "Returns policy §1":
  given delivered_on = 2025-03-03, today = 2025-03-17, item_is_custom_made = false
  expect return_deadline = 2025-03-17, return_allowed = true
example "custom-made items never come back" cite "Returns policy §2":
  given delivered_on = 2025-03-03, today = 2025-03-04, item_is_custom_made = true
  expect return_allowed = false
"""

CASE = {"delivered_on": "2025-03-03", "today": "2025-03-10", "item_is_custom_made": False}


def pack_name(folder: Path) -> str:
    """A pack name from a folder name: lower case, letters, digits and underscores.

    >>> pack_name(Path("My Returns-2"))
    'my_returns_2'
    """
    name = re.sub(r"[^a-z0-9_]+", "_", folder.resolve().name.lower()).strip("_")
    return name if name and not name[0].isdigit() else f"pack_{name}"


def scaffold(folder: Path, name: str | None = None) -> list[Path]:
    """Write pack.rules and case.json into `folder` (created if needed; it must hold no
    .rules file yet); returns the files written."""
    if folder.exists() and not folder.is_dir():
        raise UsageError(f"{folder} is a file; name a folder for the new pack")
    if folder.is_dir() and any(folder.glob("*.rules")):
        raise UsageError(f"{folder} already holds .rules files; init writes a new pack into an empty folder")
    name = name or pack_name(folder)
    if not re.fullmatch(r"[a-z_][a-z0-9_]*", name):
        raise UsageError(f"--name {name}: a pack name is lower-case letters, digits and underscores")
    folder.mkdir(parents=True, exist_ok=True)
    rules, case = folder / "pack.rules", folder / "case.json"
    rules.write_text(PACK.format(name=name), encoding="utf-8")
    case.write_text(json.dumps(CASE, indent=2) + "\n", encoding="utf-8")
    return [rules, case]


def cmd_init(args: argparse.Namespace) -> int:
    """Scaffold a new pack and say what to run next."""
    folder = Path(args.folder)
    written = scaffold(folder, args.name)
    for path in written:
        print(f"wrote {path}")
    print(f"next: ruleproof check {folder} && ruleproof test {folder} && "
          f"ruleproof decide {folder} --facts {folder / 'case.json'}")
    return EXIT_OK


def add_parsers(sub, common: argparse.ArgumentParser) -> None:
    """The `init` subcommand."""
    init = sub.add_parser("init", parents=[common], help="scaffold a new pack (facts, rules, a property, examples)")
    init.add_argument("folder", nargs="?", default=".", help="folder for the new pack (default: the current one)")
    init.add_argument("--name", help="the pack's name (default: from the folder's name)")
    init.set_defaults(run=cmd_init)
