"""A `.dmn` file where a pack is expected: imported, then loaded or checked like a pack, with
findings located in the DMN file as well as in the generated pack."""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

from ruleproof.checker.dmn import DmnImport, import_dmn
from ruleproof.checker.pipeline import LoadResult, load_texts
from ruleproof.checker.report import Report, check_pack
from ruleproof.checker.source import SourceFile, Span


def _imported(path: Path) -> DmnImport:
    try:
        return import_dmn(path)
    except (OSError, UnicodeDecodeError) as err:
        from ruleproof.checker.diagnostics import diagnostic

        source = SourceFile(str(path), "")
        reason = "it is not UTF-8 text" if isinstance(err, UnicodeDecodeError) else (err.strerror or str(err))
        return DmnImport(str(path), source, None, [diagnostic("E001", f"cannot read `{path}`: {reason}", Span(source, 0, 0))])


def load_dmn(path: Path | str) -> tuple[LoadResult, DmnImport]:
    """The pack a DMN file imports to, loaded (no pack, with the import's diagnostics, when
    the import refused the file)."""
    imported = _imported(Path(path))
    if imported.text is None:
        return LoadResult(None, imported.diagnostics), imported
    loaded = load_texts({imported.pack_path: imported.text})
    return LoadResult(loaded.pack, [imported.locate(d) for d in loaded.diagnostics]), imported


def check_dmn(path: Path | str, **options) -> Report:
    """`report.check_pack` on the pack a DMN file imports to; each finding also points at the
    DMN elements (table rules, decisions, inputs) it involves."""
    imported = _imported(Path(path))
    if imported.text is None:
        return Report(str(path), None, None, tuple(imported.diagnostics))
    report = check_pack({imported.pack_path: imported.text}, label=str(path), **options)
    return replace(report, diagnostics=tuple(imported.locate(d) for d in report.diagnostics))


def dmn_facts(imported: DmnImport, raw: object) -> object:
    """Facts keyed by DMN input data names (`"Risk Category"`) renamed to the pack's facts;
    keys that are pack names already stay."""
    if not isinstance(raw, dict):
        return raw
    return {imported.facts.get(k, k): v for k, v in raw.items()}
