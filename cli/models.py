"""`ruleproof import dmn` and `ruleproof export dmn`: decision models in and out of the language."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from ruleproof.checker.diagnostics import Severity
from ruleproof.checker.render import render_text
from ruleproof.common import EXIT_FINDINGS, EXIT_OK, UsageError, load_ok


def cmd_import(args: argparse.Namespace) -> int:
    """Import a DMN file as a formatted pack: written to -o DIR (as DIR/NAME.rules), else printed."""
    from ruleproof.checker.dmn.load import load_dmn

    loaded, imported = load_dmn(args.file)
    if imported.text is None:
        sys.stderr.write(render_text(imported.diagnostics))
        return EXIT_FINDINGS
    errors = [d for d in loaded.diagnostics if d.severity is Severity.ERROR]
    if errors:  # the importer wrote a pack the front end refuses: a defect of the importer, shown in full
        sys.stderr.write(render_text(errors))
        return EXIT_FINDINGS
    if args.output is None:
        sys.stdout.write(imported.text)
        return EXIT_OK
    folder = Path(args.output)
    try:
        folder.mkdir(parents=True, exist_ok=True)
        target = folder / (Path(args.file).stem + ".rules")
        target.write_text(imported.text, encoding="utf-8")
    except OSError as err:
        raise UsageError(f"cannot write to {folder}: {err.strerror}") from None
    print(f"wrote {target}", file=sys.stderr)
    return EXIT_OK


def cmd_export(args: argparse.Namespace) -> int:
    """Write a pack's decisions as DMN 1.5 decision tables and literal expressions (-o FILE, else stdout)."""
    from ruleproof.checker.dmn.export import export_pack

    result = load_ok(args.pack)
    text, refused = export_pack(result.pack)
    if text is None:
        sys.stderr.write(render_text(refused))
        return EXIT_FINDINGS
    if args.output is None:
        sys.stdout.write(text)
        return EXIT_OK
    try:
        Path(args.output).write_text(text, encoding="utf-8")
    except OSError as err:
        raise UsageError(f"cannot write {args.output}: {err.strerror}") from None
    return EXIT_OK


def add_parsers(sub, common: argparse.ArgumentParser) -> None:
    """The `import` and `export` subcommands (DMN)."""
    for verb, what, argument, output, run in (
        ("import", "a DMN 1.3-1.5 file's decision tables and literal expressions as a pack",
         ("file", "the .dmn file"), "folder to write the pack into (default: print it)", cmd_import),
        ("export", "a pack's decisions as DMN 1.5 decision tables and literal expressions",
         ("pack", "pack folder, .rules file or .dmn file"), "the .dmn file to write (default: print it)", cmd_export),
    ):
        formats = sub.add_parser(verb, parents=[common], help=f"{verb} decision models (DMN)").add_subparsers(
            dest="format", required=True)
        dmn = formats.add_parser("dmn", parents=[common], help=what)
        dmn.add_argument(argument[0], help=argument[1])
        dmn.add_argument("-o", "--output", help=output)
        dmn.set_defaults(run=run)
