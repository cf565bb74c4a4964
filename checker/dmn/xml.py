"""DMN files are untrusted input: parsed with expat, with every document type declaration
refused (so no entity can be declared, let alone expanded: no billion laughs, no external
entities), into a small tree whose elements remember where they start in the file."""

from __future__ import annotations

import xml.parsers.expat
from dataclasses import dataclass, field

from ruleproof.checker.source import SourceFile, Span


class XmlError(ValueError):
    """Malformed or refused XML, at 1-based (line, column)."""

    def __init__(self, message: str, line: int, column: int):
        super().__init__(message)
        self.line, self.column = line, column


@dataclass
class Element:
    """An element: local name (namespace dropped), attributes, children, text and its start."""

    tag: str
    attrs: dict[str, str]
    line: int
    column: int
    children: list[Element] = field(default_factory=list)
    text: str = ""

    def find(self, tag: str) -> Element | None:
        """The first child named `tag`."""
        return next((c for c in self.children if c.tag == tag), None)

    def findall(self, tag: str) -> list[Element]:
        """The children named `tag`, in order."""
        return [c for c in self.children if c.tag == tag]

    def span(self, source: SourceFile) -> Span:
        """The element's start tag name as a span of `source` (the file it was read from)."""
        start = source.line_starts[self.line - 1] + self.column - 1 if self.line <= len(source.line_starts) else 0
        return Span(source, start, start + len(self.tag) + 1)


def _local(name: str) -> str:
    return name.rsplit(" ", 1)[-1].rsplit(":", 1)[-1]


def parse_xml(text: str) -> Element:
    """The document element of `text`; raises XmlError for malformed XML or any DTD."""
    parser = xml.parsers.expat.ParserCreate(namespace_separator=" ")
    parser.SetParamEntityParsing(xml.parsers.expat.XML_PARAM_ENTITY_PARSING_NEVER)
    stack: list[Element] = []
    root: list[Element] = []

    def refuse_dtd(*_args) -> None:
        raise XmlError("a document type declaration (DTD) is not allowed in a DMN file",
                       parser.CurrentLineNumber, parser.CurrentColumnNumber + 1)

    def start(name: str, attrs: dict[str, str]) -> None:
        element = Element(_local(name), {_local(k): v for k, v in attrs.items()},
                          parser.CurrentLineNumber, parser.CurrentColumnNumber + 1)
        (stack[-1].children if stack else root).append(element)
        stack.append(element)

    def end(_name: str) -> None:
        stack.pop()

    def data(chunk: str) -> None:
        if stack:
            stack[-1].text += chunk

    parser.StartDoctypeDeclHandler = refuse_dtd
    parser.EntityDeclHandler = refuse_dtd
    parser.StartElementHandler = start
    parser.EndElementHandler = end
    parser.CharacterDataHandler = data
    try:
        parser.Parse(text, True)
    except xml.parsers.expat.ExpatError as e:
        raise XmlError(xml.parsers.expat.ErrorString(e.code), e.lineno, e.offset + 1) from None
    if not root:
        raise XmlError("the file holds no XML element", 1, 1)
    return root[0]
