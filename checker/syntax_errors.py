"""Part of stage 1: the wording of syntax errors. Where the parser stopped, what it found and
what it could have taken become one diagnostic: E003 for a character that starts no token,
E002 for a token (or the end of the file) the grammar does not allow there.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass

from lark import Token
from lark.lexer import TerminalDef
from ruleproof.checker.diagnostics import Diagnostic, Label, diagnostic, shortened
from ruleproof.checker.lexer import DECL_KEYWORDS
from ruleproof.checker.source import SourceFile, Span

# Friendlier names for the named terminals Lark reports as expected; anonymous terminals
# (keywords and punctuation) are shown as their text.
_TERMINAL_NAMES = {
    "NAME": "a name", "STRING": "a string", "NUMBER": "a number", "DATE": "a date",
    "DATETIME": "a date-time", "SIGNED_INT": "an integer", "COMPARE": "a comparison",
    "CURRENCY": "a currency", "$END": "end of file",
}

# Groups of terminals named together in `expected one of:` when several of a group are expected.
_OPERATORS = frozenset({"and", "or", "implies", "in", "is", "not", "within", "before", "disjoint", "overlaps",
                        "+", "-", "*", "/", "%", "a comparison"})
_DECLARATIONS = frozenset(DECL_KEYWORDS)
_UNITS = frozenset({"day", "days", "working", "hour", "hours", "minute", "minutes", "month", "months", "year", "years",
                    "a currency"})


@dataclass(frozen=True)
class Wording:
    """What syntax errors say about the grammar's terminals: the keywords, and each terminal's
    label in `expected one of:`."""

    keywords: frozenset[str]
    labels: dict[str, str]

    @classmethod
    def of(cls, terminals: Iterable[TerminalDef]) -> Wording:
        """The wording for a grammar with these terminals."""
        terminals = list(terminals)
        keywords = frozenset(t.pattern.value for t in terminals if t.pattern.type == "str" and t.pattern.value.isidentifier())
        labels = {t.name: _TERMINAL_NAMES.get(t.name, f"`{t.pattern.value}`") for t in terminals
                  if t.pattern.type == "str" or t.name in _TERMINAL_NAMES}
        return cls(keywords, labels)

    def unexpected_character(self, source: SourceFile, offset: int, expected: set[str]) -> Diagnostic:
        """E003 at `offset`, where no token starts; `expected` are the terminals the parser could take."""
        char = source.text[offset : offset + 1]
        span = Span(source, offset, offset + 1)
        if char == '"':
            return diagnostic(
                "E003", "unterminated string", span, "this string is never closed",
                help="close the string with `\"` on the same line",
            )
        if char.isalpha() or char.isdigit():
            help_text = "names are written with ASCII letters, digits and `_`, starting with a letter or `_`"
        else:
            help_text = self.expected_help(expected)
        return diagnostic(
            "E003", f"unexpected character `{_printable(char)}`", span, "not part of the language", help=help_text,
        )

    def unexpected_token(self, source: SourceFile, hi: int, token: Token, expected: set[str],
                         previous: Token | None, lo: int = 0) -> Diagnostic:
        """E002 at `token`; `previous` is the token the parser took before it, `expected` the
        terminals it could have taken instead. For `$END` (the text source.text[lo:hi] ends
        too early) see `ends_early`."""
        if token.type == "$END":
            return self.ends_early(source, lo, hi, expected)
        start = token.start_pos if token.start_pos is not None else len(source.text)
        end = token.end_pos if token.end_pos is not None else start
        help_text = self.expected_help(expected)
        if previous is not None and previous.type == "NAME" and str(previous) in self.keywords:
            help_text = f"`{previous}` was read as a name here, so something is missing before it; " + (help_text or "")
        return diagnostic(
            "E002", f"unexpected `{shortened(token.value)}`", Span(source, start, max(end, start + 1)),
            "not expected here", help=help_text,
        )

    def ends_early(self, source: SourceFile, lo: int, hi: int, expected: set[str]) -> Diagnostic:
        """E002 for a text that ends before its declaration is complete. When the parse began at
        a declaration (the file was cut into declarations after a first error), the error is
        located at that declaration and says what it lacks (`then`, `because`), not "end of
        file" in the middle of a file; a secondary label marks where its text ends."""
        end = len(source.text[:hi].rstrip())
        head = re.match(r"[ \t]*([a-z]+)[ \t]+(\"[^\"\n]*\"|\w+)?[^\n]*", source.text[lo:hi])
        keyword = head.group(1) if head else None
        if keyword not in self.keywords or (lo == 0 and hi >= len(source.text.rstrip()) and keyword == "pack"):
            return diagnostic("E002", "unexpected end of file", Span(source, end, end), "the file ends here",
                              help=self.expected_help(expected))
        labels = {self.labels.get(t, t) for t in expected}
        what = f"`{keyword} {head.group(2)}`" if head.group(2) else f"this `{keyword}`"
        if "`then`" in labels:
            message, note = f"{what} has no `then`", "no `then` in this rule"
            help_text = "say what the rule concludes on its own line: `then DECISION = VALUE`"
        elif "`because`" in labels:
            message, note = f"{what} gives no reason", "no `because` in this declaration"
            help_text = 'end it with the reason: `because "…"` (the reviewer\'s reason, in the open)'
        else:
            message, note = f"{what} is incomplete", "this declaration ends too early"
            help_text = self.expected_help(expected)
        head_span = Span(source, lo + head.start(1), lo + head.end())
        ends = Span(source, end, end)
        secondary = (Label(ends, "its text ends here"),) if ends.line != head_span.line else ()
        return diagnostic("E002", message, head_span, note, help=help_text, secondary=secondary)

    def expected_help(self, expected: Iterable[str]) -> str | None:
        """`expected one of: ...`: descriptions first, then keywords, then punctuation; many
        operators are `an operator`, many declaration keywords `a declaration`."""
        names = {self.labels.get(t, _TERMINAL_NAMES.get(t, f"`{t.lower()}`")) for t in expected}
        for group, label in ((_OPERATORS, "an operator"), (_DECLARATIONS, "a declaration"), (_UNITS, "a unit")):
            members = {n for n in names if n.strip("`") in group}
            if len(members) >= 3:
                names = (names - members) | {label}
        if not names:
            return None
        ordered = sorted(names, key=_order)
        if len(ordered) > 10:
            ordered = ordered[:10] + ["…"]
        return "expected one of: " + ", ".join(ordered)


def _order(label: str) -> tuple[int, str]:
    if label == "end of file":
        return (3, label)
    if not label.startswith("`"):
        return (0, label)
    return (1 if label[1:2].isalpha() else 2, label)


def _printable(char: str) -> str:
    return char if char.isprintable() and not char.isspace() else f"U+{ord(char):04X}"
