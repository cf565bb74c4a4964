"""`ruleproof fmt`: one canonical layout for a `.rules` file, comments kept in place.

Stages, in order: read the tokens and the comments between them (tokens.py), place each token
(layout.py, spacing.py), write the text (emit.py). Only layout changes: the tokens, and so the
meaning, are those of the input.
"""

from __future__ import annotations

from ruleproof.checker.format.emit import emit
from ruleproof.checker.format.layout import place_all
from ruleproof.checker.format.tokens import SyntaxErrors, read_stream
from ruleproof.checker.source import SourceFile

__all__ = ["SyntaxErrors", "format_text"]


def format_text(text: str, path: str = "<stdin>") -> str:
    """The text of a `.rules` file in the canonical layout; raises SyntaxErrors for a file that
    does not parse. Formatting formatted text changes nothing.

    >>> print(format_text("fact  paid :bool   # paid yet?\\nrule r : when paid then x=1"), end="")
    fact paid: bool  # paid yet?
    rule r:
      when paid
      then x = 1
    """
    stream = read_stream(SourceFile(path, text))
    if not stream.lexemes:
        return emit(stream, [])
    return emit(stream, place_all(stream.lexemes))
