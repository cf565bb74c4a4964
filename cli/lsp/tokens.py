"""Semantic tokens (textDocument/semanticTokens/full) from the front end's tokens: keywords,
types, the pack's names by what they declare, numbers, strings, dates, units, operators and
comments (read from the gaps between tokens, as the formatter does)."""

from __future__ import annotations

import re
from enum import StrEnum

from lsprotocol import types as lsp
from ruleproof.checker import ast
from ruleproof.checker.parse import token_stream
from ruleproof.lsp.actions import NUMBER_TOKENS, UNIT_TOKENS
from ruleproof.lsp.index import PackIndex
from ruleproof.lsp.positions import Positions


class TokenType(StrEnum):
    """The legend's token types, in order (`date` and `unit` are ruleproof's own)."""

    KEYWORD = "keyword"
    TYPE = "type"
    FACT = "parameter"
    DECISION = "function"
    RULE = "method"
    CONSTANT = "variable"
    ENUM = "enum"
    ENUM_MEMBER = "enumMember"
    TABLE = "struct"
    MODULE = "namespace"
    NUMBER = "number"
    STRING = "string"
    DATE = "date"
    UNIT = "unit"
    OPERATOR = "operator"
    COMMENT = "comment"


LEGEND = lsp.SemanticTokensLegend(token_types=[t.value for t in TokenType], token_modifiers=["declaration"])
_INDEX = {t: i for i, t in enumerate(TokenType)}
_TYPE_WORDS = frozenset({"bool", "int", "decimal", "money", "rate", "string", "date", "datetime", "set"})
_OPERATORS = frozenset({"COMPARE", "PLUS", "MINUS", "STAR", "SLASH", "EQUAL", "VBAR", "__ANON_3", "__ANON_4", "OPTIONAL"})
_DECLARES = {ast.FactDecl: TokenType.FACT, ast.DecisionDecl: TokenType.DECISION, ast.RuleDecl: TokenType.RULE,
             ast.ConstDecl: TokenType.CONSTANT, ast.LetDecl: TokenType.CONSTANT, ast.EnumDecl: TokenType.ENUM,
             ast.TableDecl: TokenType.TABLE}
_COMMENT = re.compile(r"#[^\n]*")


def semantic_tokens(index: PackIndex, path: str, at: Positions) -> lsp.SemanticTokens:
    """The file's tokens, encoded as LSP asks (relative lines and starts, lengths, type index,
    modifier bits; the declaring occurrence of a name has the `declaration` modifier). A file
    that does not parse has its comments only."""
    source = index.sources[path]
    tokens, _ = token_stream(source)
    found: list[tuple[int, int, TokenType, int]] = []
    previous, end = None, 0
    for token in tokens:
        found.extend((m.start(), m.end(), TokenType.COMMENT, 0) for m in _COMMENT.finditer(source.text, end, token.start_pos))
        kind = _kind(index, token, previous)
        if kind is not None:
            declared = index.declared.get(token.value) if token.type == "NAME" else None
            first = declared is not None and declared.span.path == path and declared.span.start == token.start_pos
            found.append((token.start_pos, token.end_pos, kind, 1 if first else 0))
        previous, end = token, token.end_pos
    found.extend((m.start(), m.end(), TokenType.COMMENT, 0) for m in _COMMENT.finditer(source.text, end))
    data, line, column = [], 0, 0
    for start, stop, kind, modifiers in sorted(found):
        where = at.position(source, start)
        data += [where.line - line, where.character - (column if where.line == line else 0),
                 at.units(source.text[start:stop]), _INDEX[kind], modifiers]
        line, column = where.line, where.character
    return lsp.SemanticTokens(data=data)


def _kind(index: PackIndex, token, previous) -> TokenType | None:
    """What a token is; None for punctuation."""
    if token.type == "NAME":
        declared = index.declared.get(token.value)
        if declared is None:
            return TokenType.MODULE if previous is not None and previous.type in {"IMPORT", "PACK"} else None
        if declared.name != getattr(declared.decl.name, "name", None):
            return TokenType.ENUM_MEMBER
        return _DECLARES.get(type(declared.decl), TokenType.CONSTANT)
    if token.type in NUMBER_TOKENS:
        return TokenType.NUMBER
    if token.type in {"DATE", "DATETIME"}:
        return TokenType.DATE
    if token.type == "STRING":
        return TokenType.STRING
    if token.type in UNIT_TOKENS:
        after_number = previous is not None and (previous.type in NUMBER_TOKENS or previous.type == "WORKING")
        return TokenType.UNIT if after_number or token.type in {"CURRENCY", "PERCENT"} else TokenType.TYPE
    if token.value in _TYPE_WORDS:
        return TokenType.TYPE
    if token.type in _OPERATORS:
        return TokenType.OPERATOR
    return TokenType.KEYWORD if token.value.isalpha() else None
