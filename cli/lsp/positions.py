"""Positions as the client counts them: LSP columns are UTF-16 code units unless the client
and the server agreed on UTF-8 or UTF-32 (`positionEncoding`); the front end counts characters."""

from __future__ import annotations

from lsprotocol import types as lsp
from ruleproof.checker.source import SourceFile, Span


class Positions:
    """Converts between character offsets of a file and LSP positions in the agreed encoding."""

    def __init__(self, encoding: lsp.PositionEncodingKind | str | None = lsp.PositionEncodingKind.Utf16):
        self.encoding = encoding or lsp.PositionEncodingKind.Utf16

    def units(self, text: str) -> int:
        """How many code units of the encoding `text` takes."""
        if self.encoding == lsp.PositionEncodingKind.Utf32:
            return len(text)
        if self.encoding == lsp.PositionEncodingKind.Utf8:
            return len(text.encode("utf-8", "surrogatepass"))
        return len(text) + sum(1 for ch in text if ord(ch) > 0xFFFF)

    def position(self, source: SourceFile, offset: int) -> lsp.Position:
        """The LSP position of a character offset."""
        line, column = source.position(offset)
        start = source.line_starts[line - 1]
        return lsp.Position(line=line - 1, character=self.units(source.text[start:start + column - 1]))

    def offset(self, source: SourceFile, where: lsp.Position) -> int:
        """The character offset of an LSP position (clamped to its line and to the text)."""
        starts = source.line_starts
        line = min(where.line, len(starts) - 1)
        at, counted = starts[line], 0
        while at < len(source.text) and source.text[at] != "\n" and counted < where.character:
            counted += self.units(source.text[at])
            at += 1
        return at

    def range(self, source: SourceFile, start: int, end: int) -> lsp.Range:
        """The LSP range of [start, end) in a file."""
        return lsp.Range(start=self.position(source, start), end=self.position(source, end))

    def span_range(self, span: Span) -> lsp.Range:
        """The LSP range of a span."""
        return self.range(span.source, span.start, span.end)
