"""What every AST builder shares: the file being parsed, spans, identifiers, unquoting, and the
size check on number literals (E005)."""

from __future__ import annotations

import re
import threading
from collections.abc import Iterator
from contextlib import contextmanager

from lark import Token
from ruleproof.checker import ast
from ruleproof.checker.diagnostics import Diagnostic, diagnostic, shortened
from ruleproof.checker.source import SourceFile, Span

MAX_INT = 10**15
#: digits a number literal may have before, and after, the decimal point (E005)
MAX_DIGITS = 15

# Per-thread state of the parse under way: the file (spans point into it) and the diagnostics
# of invalid literals found so far.
_local = threading.local()


@contextmanager
def building(source: SourceFile) -> Iterator[list[Diagnostic]]:
    """While parsing `source`: the AST's spans point into it, and the list yielded collects
    the diagnostics of invalid literals."""
    _local.source, _local.diags = source, []
    try:
        yield _local.diags
    finally:
        _local.source = _local.diags = None


def report(diag: Diagnostic) -> None:
    """Report a literal that parses but is invalid; parsing goes on."""
    _local.diags.append(diag)


def unquote(token: Token) -> str:
    """The text of a string literal, without its quotes and escapes."""
    return re.sub(r"\\(.)", r"\1", str(token)[1:-1])


def node_of(cls, *fixed, children=lambda c: ()):
    """A rule method building `cls(*fixed, *children(c), span=...)` from the rule's children `c`."""

    def make(self, meta, c):
        return cls(*fixed, *children(c), span=self._span(meta))

    return make


class Builder:
    """The helpers of the builder's methods: spans and identifiers in the file being parsed."""

    @property
    def source(self) -> SourceFile:
        return _local.source

    def _span(self, meta) -> Span:
        if getattr(meta, "empty", True):
            return Span(self.source, 0, 0)
        return Span(self.source, meta.start_pos, meta.end_pos)

    def _id(self, token: Token) -> ast.Ident:
        return ast.Ident(str(token), span=Span(self.source, token.start_pos, token.end_pos))

    def _sized(self, meta, text: str) -> str:
        """`text`, or after an E005 a number of allowed size standing in for it (Python refuses
        to convert numbers of more than 4,300 digits, so the huge one must not travel on)."""
        sign = "-" if text.startswith("-") else ""
        whole, dot, fraction = text.removeprefix("-").partition(".")
        if len(whole) <= MAX_DIGITS and len(fraction) <= MAX_DIGITS:
            return text
        if len(whole) > MAX_DIGITS:
            report(diagnostic(
                "E005", f"number `{shortened(text)}` is too large", self._span(meta),
                f"at most {MAX_INT - 1}", help="numbers in policies stay below 10^15",
            ))
        else:
            report(diagnostic(
                "E005", f"number `{shortened(text)}` is too precise", self._span(meta),
                f"at most {MAX_DIGITS} decimal places", help=f"numbers in policies have at most {MAX_DIGITS} decimal places",
            ))
        return sign + whole[:MAX_DIGITS] + dot + fraction[:MAX_DIGITS]
