"""`.dmn` import: DMN 1.3/1.4/1.5 decision tables and literal expressions as a pack.

`import_dmn(path)` reads the file (checker/dmn/xml.py: untrusted XML, no DTD), the model
(model.py), and writes the pack (topack.py, tables.py, feel.py), formatted. Problems are
diagnostics located in the DMN file: E701 for a file that is not a valid DMN model, E702 for a
construct outside the supported subset, named.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from ruleproof.checker.diagnostics import Diagnostic, Label, diagnostic
from ruleproof.checker.dmn.model import read_model
from ruleproof.checker.dmn.topack import Output, translate_model
from ruleproof.checker.dmn.types import FeelType
from ruleproof.checker.dmn.xml import Element, XmlError, parse_xml
from ruleproof.checker.source import SourceFile, Span

SUFFIX = ".dmn"


@dataclass
class DmnImport:
    """The pack text an import wrote (None when it refused), its diagnostics, and for each pack
    name the DMN element it stands for."""

    path: str
    source: SourceFile
    text: str | None
    diagnostics: list[Diagnostic] = field(default_factory=list)
    origins: dict[str, Element] = field(default_factory=dict)
    notes: dict[str, str] = field(default_factory=dict)
    facts: dict[str, str] = field(default_factory=dict)
    fact_types: dict[str, FeelType] = field(default_factory=dict)
    outputs: list[Output] = field(default_factory=list)
    tables: dict[str, Element] = field(default_factory=dict)

    @property
    def pack_path(self) -> str:
        """The path findings on the generated pack are reported at (next to the DMN file)."""
        return str(Path(self.path).with_suffix(".rules"))

    def span_of(self, name: str) -> Span | None:
        """Where in the DMN file the pack name `name` comes from."""
        element = self.origins.get(name)
        return element.span(self.source) if element is not None else None

    def locate(self, d: Diagnostic) -> Diagnostic:
        """`d` with a label on the DMN element of each name it involves (a table's rule, a
        decision, an input)."""
        names = d.counterexample.involved if d.counterexample is not None else ()
        labels = [Label(span, self.notes.get(n, f"the DMN element of `{n}`")) for n in names if (span := self.span_of(n)) is not None]
        if not labels:
            return d
        from dataclasses import replace

        return replace(d, secondary=(*d.secondary, *labels))


def import_text(text: str, path: str) -> DmnImport:
    """Import a DMN model given as text (`path` names it in diagnostics and citations)."""
    from ruleproof.checker.format import SyntaxErrors, format_text

    source = SourceFile(path, text)
    try:
        root = parse_xml(text)
    except XmlError as e:
        start = source.line_starts[min(e.line, len(source.line_starts)) - 1] + max(e.column - 1, 0)
        return DmnImport(path, source, None, [diagnostic("E701", f"not a readable DMN file: {e}", Span(source, start, start + 1),
                                                         "here", help="DMN files are XML without a DTD")])
    model = read_model(root)
    out = translate_model(model, Path(path).name)
    problems = [*model.problems, *out.problems]
    diags = [diagnostic("E701" if p.malformed else "E702", p.message, p.element.span(source),
                        "not a valid DMN model here" if p.malformed else "outside the supported subset",
                        help=None if p.malformed else "see specs/dmn.md for what the import supports")
             for p in problems]
    pack_text = None
    if not problems:
        raw = "\n".join(out.lines) + "\n"
        try:
            pack_text = format_text(raw, path)
        except SyntaxErrors:  # the importer wrote text the language does not parse: show it as written
            pack_text = raw
    return DmnImport(path, source, pack_text, diags, out.origins, out.notes, out.facts, out.fact_types, out.outputs,
                     out.tables)


def import_dmn(path: Path | str) -> DmnImport:
    """Import the DMN file at `path`; raises OSError or UnicodeDecodeError when it cannot be read."""
    return import_text(Path(path).read_text(encoding="utf-8"), str(path))
