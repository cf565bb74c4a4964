"""Part of stage 1: text to tokens. A contextual lexer over the grammar's terminals, driven by
the parser (checker/parse.py) one token at a time: it asks which terminals the parser accepts
now (`InteractiveParser.choices()`) and reads the next token among them.

It also says which words a declaration cannot be named (E110): the keywords that share a
parser state with a name, so that a name spelled like one would be read as the keyword.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Iterator, Mapping
from enum import StrEnum

from lark import Token
from lark.lexer import TerminalDef

#: the keywords that start a declaration (a file is cut into chunks at them after an error)
DECL_KEYWORDS = (
    "pack", "import", "enum", "fact", "const", "let", "assume", "decision", "rule", "table",
    "window", "property", "obligation", "example", "holidays", "accept", "module", "record",
)


_new_str = str.__new__


class NameKind(StrEnum):
    """What a declared name stands for, as far as reserved words go."""

    TYPE = "type"  # enum names
    VALUE = "value"  # facts, constants, derived values, decisions, windows, obligations, enum members


# INVARIANT: these are exactly the keywords the LALR table accepts in some state that also
# accepts NAME (split by whether the grammar writes them as a type); tests/test_parse.py derives
# them from the table and compares, so a grammar change that moves them fails there.
_RESERVED: dict[NameKind, frozenset[str]] = {
    NameKind.TYPE: frozenset({
        "bool", "date", "datetime", "day", "days", "decimal", "hour", "hours", "int", "list", "minute",
        "minutes", "money", "month", "months", "rate", "set", "string", "working",
    }),
    NameKind.VALUE: frozenset({
        "always", "any", "expect", "false", "if", "in", "never", "not", "otherwise", "possible", "true",
    }),
}


def reserved_words(kind: NameKind | str) -> frozenset[str]:
    """Words a declaration cannot be named (E110). For `type` (enum names): `bool`, `date`,
    `rate`, `days`, ...; for `value` (facts, constants, derived values, decisions, windows,
    obligations and enum members): `true`, `false`, `not`, `if`, `any`, `otherwise`, `in`,
    `always`, `never`, `possible`, `expect`.

    They are the keywords the parser accepts where such a name may stand, so a name spelled like
    one would be read as the keyword there.

    >>> sorted(reserved_words("value"))[:3]
    ['always', 'any', 'expect']
    """
    return _RESERVED[NameKind(kind)]


class LexError(Exception):
    """No terminal matches the text at `pos` (reported as E003)."""

    def __init__(self, pos: int):
        super().__init__(pos)
        self.pos = pos


class Lexer:
    """A contextual lexer derived from the grammar's terminals.

    Like Lark's contextual lexer it only produces terminals the parser can accept in its
    current state, so `days` is a keyword after a number and a name in `days(3)`. Unlike it,
    a word is always read whole: `whenever` is the name `whenever`, never `when` + `ever`.
    A keyword is a keyword where the parser accepts it, and a name elsewhere.
    """

    def __init__(self, terminals: Iterable[TerminalDef], ignore: Iterable[str]):
        ignore = frozenset(ignore)
        terms = sorted(terminals, key=lambda t: (-t.priority, -t.pattern.max_width, -len(t.pattern.value), t.name))
        by_name = {t.name: t for t in terms}
        self.word = re.compile(by_name["NAME"].pattern.to_regexp())
        self.keywords = {t.pattern.value: t.name for t in terms
                         if t.pattern.type == "str" and self.word.fullmatch(t.pattern.value)}
        # Other regex terminals (CURRENCY) may take a whole word where NAME is not accepted.
        self.word_terminals = [(t.name, re.compile(t.pattern.to_regexp())) for t in terms
                               if t.pattern.type == "re" and t.name != "NAME" and t.name not in ignore]
        self.other = [t for t in terms if t.name != "NAME" and t.name not in self.keywords.values() and t.name not in ignore]
        self.skip = re.compile("(?:" + "|".join(by_name[n].pattern.to_regexp() for n in ignore) + ")+")
        self.all_other = self._scanner(frozenset(t.name for t in self.other))
        # Scanners per parser state, keyed by the identity of the state's action table.
        # INVARIANT: the parse table (and so each state's table) lives as long as this lexer.
        self.scanners: dict[int, re.Pattern | None] = {}

    def _scanner(self, accepted: frozenset[str]) -> re.Pattern | None:
        parts = [f"(?P<{t.name}>{t.pattern.to_regexp()})" for t in self.other if t.name in accepted]
        return re.compile("|".join(parts)) if parts else None

    def tokens(self, text: str, pos: int, end: int, choices: Callable[[], Mapping[str, object]]) -> Iterator[Token]:
        """The tokens of text[pos:end], positions those of the whole text. `choices` gives what
        the parser accepts now; it is asked again before each token, after the parser has taken
        the one before. Raises LexError where no accepted terminal matches."""
        keywords, word_re, skip = self.keywords, self.word, self.skip
        while True:
            m = skip.match(text, pos, end)
            if m is not None:
                pos = m.end()
            if pos >= end:
                return
            accepts = choices()
            m = word_re.match(text, pos, end)
            if m is not None:
                value = m.group()
                kind = keywords.get(value)
                if kind is None or kind not in accepts:
                    kind = self._word_kind(value, kind, accepts)
            else:
                key = id(accepts)
                if key not in self.scanners:
                    self.scanners[key] = self._scanner(frozenset(accepts))
                scanner = self.scanners[key]
                m = scanner.match(text, pos, end) if scanner is not None else None
                if m is None:
                    m = self.all_other.match(text, pos, end)
                    if m is None:
                        raise LexError(pos)
                value, kind = m.group(), m.lastgroup
            token = _new_str(Token, value)  # Token(kind, value, start, ..., end) without its keyword handling
            token.type, token.value, token.start_pos, token.end_pos = kind, value, m.start(), m.end()
            token.line = token.column = token.end_line = token.end_column = None
            pos = token.end_pos
            yield token

    def _word_kind(self, value: str, keyword: str | None, accepts: Mapping[str, object]) -> str:
        if "NAME" in accepts:
            return "NAME"
        for name, pattern in self.word_terminals:
            if name in accepts and pattern.fullmatch(value):
                return name
        return keyword or "NAME"
