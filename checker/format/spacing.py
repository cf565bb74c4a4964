"""The space between two tokens on one line: one space around operators and keywords, none
inside brackets, before `,` `:` `%` `?` or after a unary minus, none before a call's `(`."""

from __future__ import annotations

from collections.abc import Sequence

from ruleproof.checker.format.tokens import Lexeme

_NO_SPACE_BEFORE = frozenset({")", "]", "}", ",", ":", "%", "?", "..", "."})
_NO_SPACE_AFTER = frozenset({"(", "[", "{", "..", "."})
# Tokens that end a value: a `-` after one of them subtracts, anywhere else it negates.
_ENDS_VALUE = frozenset({
    "NAME", "NUMBER", "SIGNED_INT", "STRING", "DATE", "DATETIME", "CURRENCY", "TRUE", "FALSE",
    "DAY", "DAYS", "HOUR", "HOURS", "MINUTE", "MINUTES", "RPAR", "RSQB", "RBRACE", "PERCENT",
})


def is_unary_minus(previous: Lexeme | None, token: Lexeme) -> bool:
    """Whether `token` is a `-` that negates (it follows no value)."""
    return token.kind == "MINUS" and (previous is None or previous.kind not in _ENDS_VALUE)


def separator(before: Lexeme | None, previous: Lexeme, token: Lexeme) -> str:
    """What goes between `previous` and `token` on one line ("" or " "); `before` is the token
    before `previous` (to tell a unary minus)."""
    if token.text in _NO_SPACE_BEFORE or previous.text in _NO_SPACE_AFTER:
        return ""
    if token.kind == "LPAR" and previous.kind == "NAME":
        return ""
    if is_unary_minus(before, previous):
        return ""
    return " "


def join(lexemes: Sequence[Lexeme], before: Lexeme | None = None) -> str:
    """The tokens on one line, spaced; `before` is the token before the first (or None)."""
    parts: list[str] = []
    prior, previous = None, before
    for lexeme in lexemes:
        if parts:
            parts.append(separator(prior, previous, lexeme))
        parts.append(lexeme.text)
        prior, previous = previous, lexeme
    return "".join(parts)
