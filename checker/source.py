"""Source files and spans: where every node and diagnostic points."""

from __future__ import annotations

from dataclasses import dataclass, field


@dataclass(frozen=True)
class SourceFile:
    """One policy file's text, with a line index for turning offsets into positions."""

    path: str
    text: str
    line_starts: tuple[int, ...] = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        starts, find = [0], self.text.find
        end = find("\n")
        while end >= 0:
            starts.append(end + 1)
            end = find("\n", end + 1)
        object.__setattr__(self, "line_starts", tuple(starts))

    def line_text(self, line: int) -> str:
        """The text of 1-based `line`, without its newline ('' past the end)."""
        if line < 1 or line > len(self.line_starts):
            return ""
        start = self.line_starts[line - 1]
        end = self.text.find("\n", start)
        return self.text[start : end if end >= 0 else len(self.text)].rstrip("\r")

    def position(self, offset: int) -> tuple[int, int]:
        """1-based (line, column) of a 0-based character offset."""
        import bisect

        offset = max(0, min(offset, len(self.text)))
        line = bisect.bisect_right(self.line_starts, offset)
        return line, offset - self.line_starts[line - 1] + 1


@dataclass(frozen=True)
class Span:
    """A half-open character range [start, end) in one source file."""

    source: SourceFile = field(repr=False)
    start: int
    end: int

    @property
    def path(self) -> str:
        return self.source.path

    @property
    def line(self) -> int:
        return self.source.position(self.start)[0]

    @property
    def column(self) -> int:
        return self.source.position(self.start)[1]

    def sort_key(self) -> tuple[str, int, int]:
        return (self.source.path, self.start, self.end)

    def to(self, other: Span) -> Span:
        """The span covering both `self` and `other` (same file)."""
        return Span(self.source, min(self.start, other.start), max(self.end, other.end))

    def __str__(self) -> str:
        return f"{self.path}:{self.line}:{self.column}"


def synthetic_span(label: str) -> Span:
    """A span for nodes that have no text of their own (built-in or generated)."""
    return Span(SourceFile(f"<{label}>", ""), 0, 0)
