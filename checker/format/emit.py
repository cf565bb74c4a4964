"""Text from placed tokens: the comments go back where they were (after the token they followed
on its line, or on lines of their own before the next token), and the trailing comments of
consecutive lines are aligned."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from ruleproof.checker.format.layout import Place
from ruleproof.checker.format.tokens import Comment, Stream

_COMMENT_GAP = 2  # spaces between code and a trailing comment, at least


@dataclass
class _Line:
    code: str
    comment: str = ""


def emit(stream: Stream, places: Sequence[Place]) -> str:
    """The formatted text of a file: each token at its place, each comment kept in its place."""
    lines: list[_Line] = []
    for lexeme, place in zip(stream.lexemes, places):
        top = place.newline and place.indent == 0
        _comments(lines, lexeme.comments, place.indent, top)
        if place.newline or lexeme.comments:
            if top and lines and (place.blank or (lexeme.comments and lexeme.blank_before)):
                lines.append(_Line(""))
            lines.append(_Line(" " * place.indent + lexeme.text))
        else:
            lines[-1].code += place.sep + lexeme.text
    _comments(lines, stream.tail, 0, True)
    _align_comments(lines)
    return "".join(_render(line) + "\n" for line in lines)


def _comments(lines: list[_Line], comments: Sequence[Comment], indent: int, top: bool) -> None:
    for comment in comments:
        if not comment.own_line and lines:
            lines[-1].comment = comment.text
            continue
        if top and comment.blank_before and lines:
            lines.append(_Line(""))
        lines.append(_Line(" " * indent + comment.text))


def _align_comments(lines: list[_Line]) -> None:
    """Line up the trailing comments of each run of consecutive lines that have one."""
    run: list[_Line] = []
    for line in [*lines, _Line("")]:
        if line.comment:
            run.append(line)
            continue
        column = max((len(line.code) for line in run), default=0) + _COMMENT_GAP
        for member in run:
            member.code = member.code.ljust(column)
        run = []


def _render(line: _Line) -> str:
    return (line.code + line.comment).rstrip() if line.comment else line.code.rstrip()
