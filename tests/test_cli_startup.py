"""Start-up of the command line: only the group of the command asked for is imported, so that
`--version`, `fmt` and `test` stay light and `check` imports Z3 only when the formal checks run."""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
from pathlib import Path

import pytest
from ruleproof import main

REPO = Path(__file__).resolve().parent.parent
HEAVY = ("lark", "z3", "numpy", "flask", "ruleproof.server", "ruleproof.checker.checks")

PROBE = """
import contextlib, io, json, sys
from ruleproof.main import main
with contextlib.redirect_stdout(io.StringIO()), contextlib.redirect_stderr(io.StringIO()):
    try:
        code = main(sys.argv[2:])
    except SystemExit as exit_:
        code = exit_.code
print(json.dumps([code, [m for m in json.loads(sys.argv[1]) if m in sys.modules]]))
"""


def _imports(*argv: str) -> tuple[int, list[str]]:
    """Run the command line in a fresh process: its exit code and which of HEAVY it imported."""
    done = subprocess.run([sys.executable, "-c", PROBE, json.dumps(HEAVY), *argv], cwd=REPO, capture_output=True,
                          text=True, timeout=120, check=True)
    code, loaded = json.loads(done.stdout)
    return code, loaded


def test_commands_name_what_each_module_registers():
    registered = {}
    for group in main.COMMANDS:
        parser = argparse.ArgumentParser()
        sub = parser.add_subparsers()
        __import__(f"ruleproof.{group}", fromlist=["add_parsers"]).add_parsers(sub, argparse.ArgumentParser(add_help=False))
        registered[group] = tuple(sub.choices)
    assert registered == main.COMMANDS


@pytest.mark.parametrize(("argv", "groups"), [
    (["check", "p"], ("checking",)),
    (["--color", "never", "fmt", "--check", "p"], ("authoring",)),
    (["--color=never", "decide", "check"], ("deciding",)),
    (["--version"], ()),
    ([], ()),
    (["--help"], tuple(main.COMMANDS)),
    (["chekc"], tuple(main.COMMANDS)),
])
def test_the_command_named_picks_its_group(argv, groups):
    assert main.groups_of(argv) == groups


def test_version_imports_nothing_heavy():
    assert _imports("--version") == (0, [])


def test_fmt_and_a_broken_check_import_no_solver():
    assert _imports("fmt", "--check", "policies/marketplace") == (0, ["lark"])
    assert _imports("check", "tests/diagnostics/E002.rules") == (1, ["lark"])


def test_check_imports_the_solver_but_not_the_server():
    code, loaded = _imports("check", "--format", "json", "policies/marketplace")
    assert code == 0 and set(loaded) == {"lark", "z3", "numpy", "ruleproof.checker.checks"}
