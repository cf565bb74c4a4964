"""The formatter's input: a file's tokens as the parser read them, each with the comments and
blank lines in the gap before it. The parser skips comments; every gap between two tokens holds
only layout and comments, so they are read back from the gaps here.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from ruleproof.checker.diagnostics import Diagnostic, Severity
from ruleproof.checker.parse import token_stream
from ruleproof.checker.source import SourceFile

_COMMENT = re.compile(r"#[^\n]*")


@dataclass(frozen=True)
class Comment:
    """A `#` comment, its trailing blanks dropped."""

    text: str
    own_line: bool  # on a line of its own; else after a token on the same line
    blank_before: bool  # a blank line separates it from what comes before


@dataclass(frozen=True)
class Lexeme:
    """A token with the comments that come between the previous token and it."""

    kind: str
    text: str
    comments: tuple[Comment, ...]
    blank_before: bool  # a blank line right before the token (after its comments)


@dataclass(frozen=True)
class Stream:
    """A whole file: its tokens, and the comments after the last one."""

    lexemes: tuple[Lexeme, ...]
    tail: tuple[Comment, ...]


class SyntaxErrors(Exception):
    """The file does not parse; a formatter never guesses at a broken file."""

    def __init__(self, diagnostics: list[Diagnostic]):
        super().__init__(diagnostics)
        self.diagnostics = diagnostics


def read_stream(source: SourceFile) -> Stream:
    """The lexemes of a file that parses; raises SyntaxErrors (with its errors) if it does not."""
    tokens, diags = token_stream(source)
    errors = [d for d in diags if d.severity is Severity.ERROR]
    if not tokens and errors:
        raise SyntaxErrors(errors)
    text, lexemes, end = source.text, [], 0
    for token in tokens:
        comments, blank = _gap(text[end:token.start_pos], first=not lexemes)
        lexemes.append(Lexeme(token.type, token.value, comments, blank))
        end = token.end_pos
    tail, _ = _gap(text[end:], first=not lexemes)
    return Stream(tuple(lexemes), tail)


def _gap(gap: str, first: bool) -> tuple[tuple[Comment, ...], bool]:
    """The comments of the text between two tokens, and whether a blank line ends it."""
    comments, pos = [], 0
    for m in _COMMENT.finditer(gap):
        newlines = gap.count("\n", pos, m.start())
        comments.append(Comment(m.group().rstrip(), first or newlines > 0, newlines > 1))
        pos = m.end()
    return tuple(comments), gap.count("\n", pos) > 1
