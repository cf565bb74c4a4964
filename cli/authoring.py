"""Commands for writing packs: `fmt` (the canonical layout), `lsp` (the language server) and
`completion` (a shell completion script)."""

from __future__ import annotations

import argparse
import difflib
import sys
from pathlib import Path

from ruleproof.checker.format import SyntaxErrors, format_text
from ruleproof.checker.packs import pack_files
from ruleproof.checker.render import render_text
from ruleproof.common import EXIT_FINDINGS, EXIT_OK, EXIT_USAGE, UsageError


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


def cmd_lsp(args: argparse.Namespace) -> int:
    """Run the language server over stdin and stdout."""
    from ruleproof.lsp.server import serve  # pygls is loaded only for this command

    serve()
    return EXIT_OK


def cmd_completion(args: argparse.Namespace) -> int:
    """Print the completion script of the whole command line for a shell (shtab)."""
    import shtab
    from ruleproof.main import build_parser

    sys.stdout.write(shtab.complete(build_parser(), shell=args.shell))
    return EXIT_OK


def add_parsers(sub, common: argparse.ArgumentParser) -> None:
    """The `fmt`, `lsp` and `completion` subcommands."""
    fmt = sub.add_parser("fmt", parents=[common], help="format .rules files in the canonical layout")
    fmt.add_argument("paths", nargs="*", help="files or folders (default: .); - reads stdin, writes stdout")
    fmt.add_argument("--check", action="store_true", help="write nothing; exit 1 if a file would change")
    fmt.add_argument("--diff", action="store_true", help="write nothing; print the changes, exit 1 if any")
    fmt.set_defaults(run=cmd_fmt)
    lsp = sub.add_parser("lsp", parents=[common], help="run the language server (LSP over stdio) for editors")
    lsp.set_defaults(run=cmd_lsp)
    completion = sub.add_parser(
        "completion", parents=[common], help="print a shell completion script",
        description="Print a completion script; e.g. `ruleproof completion bash > ~/.local/share/bash-completion/"
                    "completions/ruleproof`, or `eval \"$(ruleproof completion zsh)\"` in ~/.zshrc.")
    completion.add_argument("shell", choices=["bash", "zsh", "tcsh"])
    completion.set_defaults(run=cmd_completion)
