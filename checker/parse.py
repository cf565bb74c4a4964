"""Stage 1: text to AST. One LALR table built by Lark from grammar/ruleproof.lark (cached on
disk between processes, see `cache_path`) and run by checker/lalr.py: the lexer
(checker/lexer.py) reads one token among those the parser accepts now, the parser takes it,
and each grammar rule's callback (checker/to_ast/) builds an AST node as soon as the rule is
recognised (no parse tree). A syntax error is worded by checker/syntax_errors.py.

A syntax error does not stop the file: the text is cut into chunks at lines that start a
declaration, each chunk is parsed alone (as a slice of the file, so positions stay true), and
every chunk's error is reported.
"""

from __future__ import annotations

import functools
import hashlib
import os
import re
import sys
from importlib import resources
from pathlib import Path

import lark
from lark import Lark, Token
from ruleproof.checker import ast, to_ast
from ruleproof.checker.diagnostics import Diagnostic, diagnostic
from ruleproof.checker.lalr import Parser, Table, UnexpectedToken
from ruleproof.checker.lexer import DECL_KEYWORDS, Lexer, LexError
from ruleproof.checker.source import SourceFile, Span
from ruleproof.checker.syntax_errors import Wording
from ruleproof.checker.to_ast import TO_AST

GRAMMAR = resources.files("ruleproof.grammar") / "ruleproof.lark"
# Deeper syntax trees are refused (E010): the later stages and the evaluator recurse over them.
MAX_DEPTH = 100

_CHUNK_START = re.compile(rf"^(?:{'|'.join(DECL_KEYWORDS)})\b", re.M)
# The name a declaration gives (a chunk that fails to parse still declares it: uses of the name
# elsewhere are no unknown names).
_DECLARED = re.compile(r"(?:fact|const|let|decision|rule|table|window|property|obligation|enum|assume|record)\s+([A-Za-z_]\w*)")


class _TooDeep(Exception):
    """Raised inside a rule callback to abandon a text nested deeper than MAX_DEPTH."""

    def __init__(self, start: int, end: int):
        super().__init__(start, end)
        self.start, self.end = start, end


class _Meta:
    """Where a grammar rule's text is; `empty` for a rule that matched no text."""

    __slots__ = ("start_pos", "end_pos", "empty")

    def __init__(self, start: int | None, end: int | None):
        self.start_pos, self.end_pos, self.empty = start, end, start is None


class _Node:
    """A callback's result on the parser's stack: the value, its span, the span of the text it
    stands for (with parentheses around it, if any) and its depth in the syntax tree."""

    __slots__ = ("value", "start", "end", "outer_start", "outer_end", "depth")

    def __init__(self, value, start, end, outer_start, outer_end, depth):
        self.value, self.start, self.end = value, start, end
        self.outer_start, self.outer_end, self.depth = outer_start, outer_end, depth


def _callback(method, named: frozenset[str]):
    """Wrap a `TO_AST` method as a Lark rule callback: compute the span and depth from the
    children, drop keyword and punctuation tokens, and refuse trees deeper than MAX_DEPTH."""

    def callback(children):
        values = []
        start = end = None
        depth = 0
        for child in children:
            if child is None:
                values.append(None)
            elif child.__class__ is _Node:
                if start is None:
                    start = child.outer_start
                end = child.outer_end
                if child.depth > depth:
                    depth = child.depth
                values.append(child.value)
            else:
                if start is None:
                    start = child.start_pos
                end = child.end_pos
                if child.type in named:
                    values.append(child)
        depth += 1
        meta = _Meta(start, end)
        if depth > MAX_DEPTH:
            raise _TooDeep(start, end)
        return _Node(method(meta, values), start, end, start, end, depth)

    return callback


def _parenthesized(children):
    """`( expr )`: the expression, spanning its own text but standing for the parentheses too."""
    left, inner, right = children
    return _Node(inner.value, inner.start, inner.end, left.start_pos, right.end_pos, inner.depth)


class _Callbacks:
    """What Lark calls back into while parsing: `TO_AST`'s method of each rule, wrapped."""

    def __init__(self, named: frozenset[str]):
        self._named = named

    def __getattr__(self, name: str):
        method = getattr(TO_AST, name, None) if not name.startswith("_") else None
        if method is None:
            raise AttributeError(name)
        callback = _callback(method, self._named)
        setattr(self, name, callback)
        return callback


def cache_path(grammar: str) -> Path | None:
    """Where Lark's analysis of `grammar` is kept between processes: a file named by a hash of
    the grammar and of the Lark and Python versions, in the user's own cache folder
    (`$XDG_CACHE_HOME/ruleproof`, else `~/.cache/ruleproof`), created private. Lark checks the
    hash again on loading and rebuilds a stale or damaged file; None (no caching) where the
    folder cannot be made."""
    key = hashlib.sha256(f"{grammar}\0{lark.__version__}\0{sys.version}".encode()).hexdigest()[:24]
    try:
        folder = Path(os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache") / "ruleproof"
        if not folder.is_absolute():  # no home folder to be found ("~" stays as it is)
            return None
        folder.mkdir(mode=0o700, parents=True, exist_ok=True)
    except (OSError, RuntimeError):
        return None
    return folder / f"grammar-{key}.lark-cache"


class _Grammar:
    """The parser built once from the grammar file, with its lexer and its error wording."""

    def __init__(self):
        grammar = GRAMMAR.read_text(encoding="utf-8")
        named = frozenset(re.findall(r"^([A-Z_][A-Z0-9_]*)(?:\.\d+)?\s*:", grammar, re.M))
        callbacks = _Callbacks(named)
        callbacks.atom = _parenthesized
        cache = cache_path(grammar)
        # Lark's own lexer and parser loop are never run: tokens come from `Lexer`, fed one by
        # one to checker/lalr.py's loop over Lark's table.
        self.lark = Lark(grammar, parser="lalr", lexer="basic", keep_all_tokens=True, transformer=callbacks,
                         cache=str(cache) if cache is not None else False)
        self.table = Table(self.lark)
        self.lexer = Lexer(self.lark.terminals, self.lark.lexer_conf.ignore)
        self.wording = Wording.of(self.lark.terminals)


@functools.cache
def _grammar() -> _Grammar:
    return _Grammar()


def parse_module(source: SourceFile, module_name: str) -> tuple[ast.Module, list[Diagnostic]]:
    """Parse one file into a Module; never raises for bad input: errors come back as diagnostics.

    >>> module, diags = parse_module(SourceFile("a.rules", "fact paid: bool"), "a")
    >>> module.decls[0].name.name, diags
    ('paid', [])
    """
    decls, header, diags, failed = _parse_text(source, 0, len(source.text))
    broken: frozenset[str] = frozenset()
    if failed:
        decls, header, diags, broken = _parse_in_chunks(source)
    span = Span(source, 0, len(source.text))
    return ast.Module(module_name, header, tuple(decls), span=span, broken=broken), diags


def token_stream(source: SourceFile) -> tuple[list[Token], list[Diagnostic]]:
    """The tokens of a whole file as the parser read them (keywords typed as keywords, names as
    `NAME`), without comments or layout; and the file's diagnostics. The tokens are empty when
    the file has a syntax error (the diagnostics say where). Used by the formatter.

    >>> [t.type for t in token_stream(SourceFile("a.rules", "fact paid: bool"))[0]]
    ['FACT', 'NAME', 'COLON', 'BOOL']
    """
    tokens: list[Token] = []
    _, _, diags, failed = _parse_text(source, 0, len(source.text), tokens)
    return ([] if failed else tokens), diags


def _parse_text(source: SourceFile, lo: int, hi: int, collect: list[Token] | None = None):
    """Parse source.text[lo:hi] (positions stay those of the whole file): (declarations, header,
    diagnostics, whether the text failed to parse). Each token read is appended to `collect`."""
    grammar = _grammar()
    parser = Parser(grammar.table)
    previous: Token | None = None
    with to_ast.building(source) as literal_diags:
        try:
            for token in grammar.lexer.tokens(source.text, lo, hi, parser.choices):
                parser.feed(token)
                previous = token
                if collect is not None:
                    collect.append(token)
            header, decls = parser.finish(previous).value
        except LexError as err:
            error = grammar.wording.unexpected_character(source, err.pos, _expected(parser))
            return [], None, [error], True
        except UnexpectedToken as err:
            error = grammar.wording.unexpected_token(source, hi, err.token, _expected(parser), previous, lo)
            return [], None, [error], True
        except _TooDeep as err:
            return [], None, [diagnostic(
                "E010", f"nested more than {MAX_DEPTH} levels deep", Span(source, err.start, err.end),
                "too deeply nested", help="split the expression with `let` or an intermediate decision",
            )], True
        return list(decls), header, literal_diags, False


def _expected(parser: Parser) -> set[str]:
    """The terminals the parser could take where it stopped. LALR tables merge states, so the
    state's own list can hold tokens that would fail one step later: `accepts()` tries each."""
    return parser.accepts() or {t for t in parser.choices() if t.isupper()}


def _parse_in_chunks(source: SourceFile):
    starts = [m.start() for m in _CHUNK_START.finditer(source.text)]
    if not starts or starts[0] != 0:
        starts.insert(0, 0)
    bounds = list(zip(starts, starts[1:] + [len(source.text)]))
    decls, header, diags, broken = [], None, [], set()
    for lo, hi in bounds:
        chunk_decls, chunk_header, chunk_diags, failed = _parse_text(source, lo, hi)
        decls.extend(chunk_decls)
        header = header or chunk_header
        diags.extend(chunk_diags)
        named = _DECLARED.match(source.text, lo, hi) if failed else None
        if named is not None:
            broken.add(named.group(1))
    return decls, header, diags, frozenset(broken)
