"""A `.dmn` file where a pack is expected: imported, then loaded or checked like a pack, with
findings located in the DMN file as well as in the generated pack."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import replace
from pathlib import Path

from ruleproof.checker.diagnostics import Diagnostic, diagnostic
from ruleproof.checker.dmn import DmnImport, import_dmn
from ruleproof.checker.dmn.evidence import PROPERTY_CODES, decided_labels
from ruleproof.checker.evaluate import CompiledPack
from ruleproof.checker.packs import files_of
from ruleproof.checker.pipeline import LoadResult, load_texts
from ruleproof.checker.report import Report, check_pack
from ruleproof.checker.source import SourceFile, Span


def _unreadable(path: Path, err: Exception) -> Diagnostic:
    source = SourceFile(str(path), "")
    reason = "it is not UTF-8 text" if isinstance(err, UnicodeDecodeError) else (err.strerror or str(err))
    return diagnostic("E001", f"cannot read `{path}`: {reason}", Span(source, 0, 0))


def _imported(path: Path) -> DmnImport:
    try:
        return import_dmn(path)
    except (OSError, UnicodeDecodeError) as err:
        return DmnImport(str(path), SourceFile(str(path), ""), None, [_unreadable(path, err)])


def load_dmn(path: Path | str) -> tuple[LoadResult, DmnImport]:
    """The pack a DMN file imports to, loaded (no pack, with the import's diagnostics, when
    the import refused the file)."""
    imported = _imported(Path(path))
    if imported.text is None:
        return LoadResult(None, imported.diagnostics), imported
    loaded = load_texts({imported.pack_path: imported.text})
    return LoadResult(loaded.pack, [imported.locate(d) for d in loaded.diagnostics]), imported


def check_dmn(path: Path | str, properties: Sequence[Path | str] = (), **options) -> Report:
    """`report.check_pack` on the pack a DMN file imports to, with the `.rules` files of
    `properties` (files, or folders of them; they `import` the model by its file's stem) as
    further modules; each finding also points at the DMN elements (table rules, decisions,
    inputs) it involves, and a refuted property at those that decided its counterexample."""
    imported = _imported(Path(path))
    if imported.text is None:
        return Report(str(path), None, None, tuple(imported.diagnostics))
    texts = {imported.pack_path: imported.text}
    unreadable = []
    for named in properties:
        for file in files_of(Path(named)):  # PackNotFound for a path that names no .rules file
            try:
                texts[str(file)] = file.read_text(encoding="utf-8")
            except (OSError, UnicodeDecodeError) as err:
                unreadable.append(_unreadable(file, err))
    report = check_pack(texts, label=str(path), unreadable=unreadable, **options)
    refuted = report.checked and any(d.code in PROPERTY_CODES for d in report.diagnostics)
    compiled = CompiledPack(report.ir) if refuted else None
    located = []
    for d in report.diagnostics:
        d = imported.locate(d)
        extra = decided_labels(imported, report.ir, d, compiled) if compiled is not None else ()
        located.append(replace(d, secondary=(*d.secondary, *extra)) if extra else d)
    return replace(report, diagnostics=tuple(located))


def dmn_facts(imported: DmnImport, raw: object) -> object:
    """Facts keyed by DMN input data names (`"Risk Category"`) renamed to the pack's facts;
    keys that are pack names already stay."""
    if not isinstance(raw, dict):
        return raw
    return {imported.facts.get(k, k): v for k, v in raw.items()}
