"""Stage 1: text to AST. One LALR parser built from grammar/ruleproof.lark, with the AST built
while parsing (no parse tree): each grammar rule's callback below receives its children and a
span, and returns an AST node.

A syntax error does not stop the file: the text is cut into chunks at lines that start a
declaration, each chunk is parsed alone (as a slice of the file, so positions stay true), and
every chunk's error is reported.
"""

from __future__ import annotations

import copy
import datetime as dt
import functools
import re
import threading
from importlib import resources

from lark import Lark, Token
from lark.exceptions import UnexpectedCharacters, UnexpectedInput, UnexpectedToken
from lark.lexer import Lexer
from lark.parsers.lalr_parser_state import ParserState
from lark.utils import TextSlice
from ruleproof.checker import ast
from ruleproof.checker.diagnostics import Diagnostic, diagnostic
from ruleproof.checker.source import SourceFile, Span

GRAMMAR = resources.files("ruleproof.grammar") / "ruleproof.lark"
MAX_INT = 10**15
#: digits a number literal may have before, and after, the decimal point (E005)
MAX_DIGITS = 15
# Deeper syntax trees are refused (E010): the later stages and the evaluator recurse over them.
MAX_DEPTH = 100

DECL_KEYWORDS = (
    "pack", "import", "enum", "fact", "const", "let", "assume", "decision", "rule", "table",
    "window", "property", "obligation", "example", "holidays", "accept",
)
_CHUNK_START = re.compile(rf"^(?:{'|'.join(DECL_KEYWORDS)})\b", re.M)

# Friendlier names for the named terminals Lark reports as expected; anonymous terminals
# (keywords and punctuation) are shown as their text.
_TERMINAL_NAMES = {
    "NAME": "a name", "STRING": "a string", "NUMBER": "a number", "DATE": "a date",
    "DATETIME": "a date-time", "SIGNED_INT": "an integer", "COMPARE": "a comparison",
    "CURRENCY": "a currency", "$END": "end of file",
}

# Per-thread parse state: the file being parsed (callbacks build spans into it) and the
# diagnostics of invalid literals found so far (they do not stop the parse).
_local = threading.local()


class _Lexer(Lexer):
    """A contextual lexer derived from the grammar's terminals.

    Like Lark's contextual lexer it only produces terminals the parser can accept in its
    current state, so `days` is a keyword after a number and a name in `days(3)`. Unlike it,
    a word is always read whole: `whenever` is the name `whenever`, never `when` + `ever`.
    A keyword is a keyword where the parser accepts it, and a name elsewhere.
    """

    __future_interface__ = 2

    def __init__(self, conf):
        terms = sorted(conf.terminals, key=lambda t: (-t.priority, -t.pattern.max_width, -len(t.pattern.value), t.name))
        by_name = {t.name: t for t in terms}
        name_re = re.compile(by_name["NAME"].pattern.to_regexp())
        self.word = name_re
        self.keywords = {t.pattern.value: t.name for t in terms if t.pattern.type == "str" and name_re.fullmatch(t.pattern.value)}
        # Other regex terminals (CURRENCY) may take a whole word where NAME is not accepted.
        self.word_terminals = [(t.name, re.compile(t.pattern.to_regexp())) for t in terms
                               if t.pattern.type == "re" and t.name != "NAME" and t.name not in conf.ignore]
        self.other = [t for t in terms if t.name != "NAME" and t.name not in self.keywords.values() and t.name not in conf.ignore]
        self.skip = re.compile("(?:" + "|".join(by_name[n].pattern.to_regexp() for n in conf.ignore) + ")+")
        self.terminal_names = {t.name for t in terms}
        self.all_other = self._scanner(frozenset(t.name for t in self.other))
        self.scanners: dict[int, re.Pattern] = {}

    def _scanner(self, accepted: frozenset[str]) -> re.Pattern | None:
        parts = [f"(?P<{t.name}>{t.pattern.to_regexp()})" for t in self.other if t.name in accepted]
        return re.compile("|".join(parts)) if parts else None

    def _state_scanner(self, state: int, accepts) -> re.Pattern | None:
        if state not in self.scanners:
            self.scanners[state] = self._scanner(frozenset(accepts))
        return self.scanners[state]

    def lex(self, lexer_state, parser_state):
        text_slice = lexer_state.text
        text, pos, end = text_slice.text, text_slice.start, text_slice.end
        states = parser_state.parse_conf.parse_table.states
        keywords, word_re, skip = self.keywords, self.word, self.skip
        previous = None
        while True:
            m = skip.match(text, pos, end)
            if m is not None:
                pos = m.end()
            if pos >= end:
                return
            state = parser_state.position
            accepts = states[state]
            m = word_re.match(text, pos, end)
            if m is not None:
                value = m.group()
                kind = keywords.get(value)
                if kind is None or kind not in accepts:
                    kind = self._word_kind(value, kind, accepts)
            else:
                scanner = self._state_scanner(state, accepts)
                m = scanner.match(text, pos, end) if scanner is not None else None
                if m is None:
                    m = self.all_other.match(text, pos, end)
                    if m is None:
                        raise UnexpectedCharacters(text, pos, None, None, allowed=set(accepts) & self.terminal_names,
                                                   state=parser_state)
                value, kind = m.group(), m.lastgroup
            token = Token(kind, value, pos, None, None, None, None, m.end())
            # INVARIANT: while the parser looks at `token`, Lark's lexer state holds the one before
            # (read back by _previous_token for a syntax error's help line).
            lexer_state.last_token = previous
            previous = token
            pos = m.end()
            yield token

    def _word_kind(self, value: str, keyword: str | None, accepts) -> str:
        if "NAME" in accepts:
            return "NAME"
        for name, pattern in self.word_terminals:
            if name in accepts and pattern.fullmatch(value):
                return name
        return keyword or "NAME"


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
    """Wrap a `_ToAst` method as a Lark rule callback: compute the span and depth from the
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
            raise ParseFailure(diagnostic(
                "E010", f"nested more than {MAX_DEPTH} levels deep", Span(_local.source, start, end),
                "too deeply nested", help="split the expression with `let` or an intermediate decision",
            ))
        return _Node(method(meta, values), start, end, start, end, depth)

    return callback


def _parenthesized(children):
    """`( expr )`: the expression, spanning its own text but standing for the parentheses too."""
    left, inner, right = children
    return _Node(inner.value, inner.start, inner.end, left.start_pos, right.end_pos, inner.depth)


class _Callbacks:
    """What Lark calls back into while parsing: `_ToAst`'s method of each rule, wrapped."""

    def __init__(self, named: frozenset[str]):
        self._named = named

    def __getattr__(self, name: str):
        method = getattr(_ToAst, name, None) if not name.startswith("_") else None
        if method is None:
            raise AttributeError(name)
        callback = _callback(method.__get__(_TO_AST), self._named)
        setattr(self, name, callback)
        return callback


class _Grammar:
    """The parser built once from the grammar file, with what error messages need to know."""

    def __init__(self):
        grammar = GRAMMAR.read_text(encoding="utf-8")
        named = frozenset(re.findall(r"^([A-Z_][A-Z0-9_]*)(?:\.\d+)?\s*:", grammar, re.M))
        callbacks = _Callbacks(named)
        callbacks.atom = _parenthesized
        self.lark = Lark(grammar, parser="lalr", lexer=_Lexer, keep_all_tokens=True, transformer=callbacks)
        self.keywords = frozenset(t.pattern.value for t in self.lark.terminals
                                  if t.pattern.type == "str" and t.pattern.value.isidentifier())
        self.labels = {t.name: _TERMINAL_NAMES.get(t.name, f"`{t.pattern.value}`") for t in self.lark.terminals
                       if t.pattern.type == "str" or t.name in _TERMINAL_NAMES}
        # Keywords the parser accepts somewhere a name is accepted too: there the keyword wins.
        # Type words (`date`, `rate`, `days`) clash with a name only where a type is written, so
        # only enum names must avoid them; the other words (`true`, `not`, `any`, `always`) clash
        # where values are written.
        word_of = {t.name: t.pattern.value for t in self.lark.terminals if t.pattern.value in self.keywords}
        states = self.lark.parser.parser.parser.parse_table.states.values()
        clashing = {word_of[a] for acts in states if "NAME" in acts for a in acts if a in word_of}
        type_words = {word_of[sym.name] for rule in self.lark.rules if rule.origin.name in ("base_type", "duration_unit")
                      for sym in rule.expansion if sym.name in word_of}
        self.reserved = {"type": frozenset(clashing & type_words), "value": frozenset(clashing - type_words)}


def reserved_words(kind: str) -> frozenset[str]:
    """Words a declaration cannot be named (E110). For `type` (enum names): `bool`, `date`,
    `rate`, `days`, ...; for `value` (facts, constants, derived values, decisions, windows,
    obligations and enum members): `true`, `false`, `not`, `if`, `any`, `otherwise`, `in`,
    `always`, `never`, `possible`, `expect`.

    They are the keywords the parser accepts where such a name may stand, so a name spelled like
    one would be read as the keyword there.
    """
    return _parser().reserved[kind]


@functools.cache
def _parser() -> _Grammar:
    return _Grammar()


class ParseFailure(Exception):
    """Raised inside a rule callback to abandon the text being parsed (a tree too deep to check)."""

    def __init__(self, diag: Diagnostic):
        self.diag = diag


def parse_module(source: SourceFile, module_name: str) -> tuple[ast.Module, list[Diagnostic]]:
    """Parse one file into a Module; never raises for bad input: errors come back as diagnostics.

    >>> module, diags = parse_module(SourceFile("a.rules", "fact paid: bool"), "a")
    >>> module.decls[0].name.name, diags
    ('paid', [])
    """
    decls, header, diags, failed = _parse_text(source, 0, len(source.text))
    if failed:
        decls, header, diags = _parse_in_chunks(source)
    span = Span(source, 0, len(source.text))
    return ast.Module(module_name, header, tuple(decls), span=span), diags


def _parse_text(source: SourceFile, lo: int, hi: int):
    """Parse source.text[lo:hi] (positions stay those of the whole file): (declarations, header,
    diagnostics, whether the text failed to parse)."""
    _local.source, _local.diags = source, []
    try:
        header, decls = _parser().lark.parse(TextSlice(source.text, lo, hi)).value
    except UnexpectedInput as err:
        return [], None, [_syntax_diagnostic(source, hi, err)], True
    except ParseFailure as err:
        return [], None, [err.diag], True
    finally:
        _local.source = None
    return list(decls), header, _local.diags, False


def _parse_in_chunks(source: SourceFile):
    starts = [m.start() for m in _CHUNK_START.finditer(source.text)]
    if not starts or starts[0] != 0:
        starts.insert(0, 0)
    bounds = list(zip(starts, starts[1:] + [len(source.text)]))
    decls, header, diags = [], None, []
    for lo, hi in bounds:
        chunk_decls, chunk_header, chunk_diags, _ = _parse_text(source, lo, hi)
        decls.extend(chunk_decls)
        header = header or chunk_header
        diags.extend(chunk_diags)
    return decls, header, diags


def _syntax_diagnostic(source: SourceFile, hi: int, err: UnexpectedInput) -> Diagnostic:
    if isinstance(err, UnexpectedCharacters):
        offset = err.pos_in_stream
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
            help_text = _expected_help(_acceptable(err))
        return diagnostic(
            "E003", f"unexpected character `{_printable(char)}`", span, "not part of the language", help=help_text,
        )
    if isinstance(err, UnexpectedToken) and err.token.type != "$END":
        token = err.token
        start = token.start_pos if token.start_pos is not None else len(source.text)
        end = token.end_pos if token.end_pos is not None else start
        help_text = _expected_help(_acceptable(err))
        previous = _previous_token(err)
        if previous is not None and previous.type == "NAME" and str(previous) in _parser().keywords:
            help_text = f"`{previous}` was read as a name here, so something is missing before it; " + (help_text or "")
        return diagnostic(
            "E002", f"unexpected `{_shortened(token.value)}`", Span(source, start, max(end, start + 1)),
            "not expected here", help=help_text,
        )
    end = len(source.text[:hi].rstrip())
    return diagnostic(
        "E002", "unexpected end of file", Span(source, end, end),
        "the file ends here", help=_expected_help(_acceptable(err)),
    )


def _acceptable(err: UnexpectedInput) -> set[str]:
    """The terminals the parser could have taken where it stopped. LALR tables merge states, so
    the table's set can list tokens that would fail one step later: try each one on a copy of
    the parser's state, without running the callbacks (as Lark's interactive parser does)."""
    expected = set(getattr(err, "expected", None) or getattr(err, "allowed", None) or ())
    state = err.state if isinstance(getattr(err, "state", None), ParserState) else None
    if state is None:
        return expected
    conf = copy.copy(state.parse_conf)
    conf.callbacks = {}
    accepted = set()
    for terminal in state.parse_conf.states[state.position]:
        if not terminal.isupper():
            continue
        trial = state.copy(deepcopy_values=False)
        trial.parse_conf = conf
        try:
            trial.feed_token(Token(terminal, ""), is_end=terminal == "$END")
        except UnexpectedToken:
            continue
        except Exception:  # noqa: BLE001 - a trial that fails otherwise is not accepted
            continue
        accepted.add(terminal)
    return accepted or expected


def _previous_token(err: UnexpectedToken) -> Token | None:
    """The token before the unexpected one (the lexer keeps it in Lark's lexer state)."""
    try:
        return err.state.lexer.state.last_token
    except AttributeError:
        return None


def _shortened(text: str, limit: int = 40) -> str:
    return text if len(text) <= limit else text[: limit - 1] + "…"


def _printable(char: str) -> str:
    return char if char.isprintable() and not char.isspace() else f"U+{ord(char):04X}"


# Groups of terminals named together in `expected one of:` when several of a group are expected.
_OPERATORS = frozenset({"and", "or", "implies", "in", "is", "not", "within", "before", "disjoint", "overlaps",
                        "+", "-", "*", "/", "%", "a comparison"})
_DECLARATIONS = frozenset(DECL_KEYWORDS)
_UNITS = frozenset({"day", "days", "working", "hour", "hours", "minute", "minutes", "a currency"})


def _expected_help(expected) -> str | None:
    """`expected one of: ...`: descriptions first, then keywords, then punctuation; many
    operators are `an operator`, many declaration keywords `a declaration`."""
    labels = _parser().labels
    names = {labels.get(t, _TERMINAL_NAMES.get(t, f"`{t.lower()}`")) for t in expected or ()}
    for group, label in ((_OPERATORS, "an operator"), (_DECLARATIONS, "a declaration"), (_UNITS, "a unit")):
        members = {n for n in names if n.strip("`") in group}
        if len(members) >= 3:
            names = (names - members) | {label}
    if not names:
        return None

    def order(label: str) -> tuple[int, str]:
        if label == "end of file":
            return (3, label)
        if not label.startswith("`"):
            return (0, label)
        return (1 if label[1:2].isalpha() else 2, label)

    ordered = sorted(names, key=order)
    if len(ordered) > 10:
        ordered = ordered[:10] + ["…"]
    return "expected one of: " + ", ".join(ordered)


def _report(diag: Diagnostic) -> None:
    """Report a literal that parses but is invalid; parsing goes on."""
    _local.diags.append(diag)


def _ident(source: SourceFile, token: Token) -> ast.Ident:
    return ast.Ident(str(token), span=Span(source, token.start_pos, token.end_pos))


def _unquote(token: Token) -> str:
    return re.sub(r"\\(.)", r"\1", str(token)[1:-1])


class _ToAst:
    """One method per grammar rule or alias: (meta, children) to an AST node. Keyword and
    punctuation tokens are already dropped from `children`; options inside declarations come
    back as tagged tuples."""

    @property
    def source(self) -> SourceFile:
        return _local.source

    def _span(self, meta) -> Span:
        if getattr(meta, "empty", True):
            return Span(self.source, 0, 0)
        return Span(self.source, meta.start_pos, meta.end_pos)

    def _id(self, token: Token) -> ast.Ident:
        return _ident(self.source, token)

    # ------------------------------------------------------------ module
    def start(self, meta, children):
        header = children[0] if children and isinstance(children[0], ast.Header) else None
        decls = tuple(c for c in children if not isinstance(c, ast.Header))
        return header, decls

    def header(self, meta, children):
        return ast.Header(self._id(children[0]), _unquote(children[1]), span=self._span(meta))

    def cite(self, meta, children):
        return _unquote(children[0])

    def cite_opt(self, meta, children):
        return ("cite", children[0])

    def import_decl(self, meta, children):
        return ast.Import(self._id(children[0]), span=self._span(meta))

    def enum_members(self, meta, children):
        return tuple(self._id(t) for t in children)

    def enum_decl(self, meta, children):
        cite = children[2] if len(children) > 2 else None
        return ast.EnumDecl(self._id(children[0]), children[1], cite, span=self._span(meta))

    def fact_default(self, meta, children):
        return ("default", children[0])

    def fact_decl(self, meta, children):
        name, type_, *rest = children
        default = next((c[1] for c in rest if isinstance(c, tuple)), None)
        cite = next((c for c in rest if isinstance(c, str)), None)
        return ast.FactDecl(self._id(name), type_, default, cite, span=self._span(meta))

    def const_decl(self, meta, children):
        cite = children[2] if len(children) > 2 else None
        return ast.ConstDecl(self._id(children[0]), children[1], cite, span=self._span(meta))

    def let_decl(self, meta, children):
        cite = children[2] if len(children) > 2 else None
        return ast.LetDecl(self._id(children[0]), children[1], cite, span=self._span(meta))

    def assume_decl(self, meta, children):
        cite = children[1] if len(children) > 2 else None
        return ast.AssumeDecl(self._id(children[0]), children[-1], cite, span=self._span(meta))

    def holidays_decl(self, meta, children):
        dates = tuple(self.date_lit(None, [t]) for t in children if isinstance(t, Token) and t.type == "DATE")
        cite = next((c for c in children if isinstance(c, str) and not isinstance(c, Token)), None)
        return ast.HolidaysDecl(dates, cite, span=self._span(meta))

    def accept_decl(self, meta, children):
        code, *targets, reason = children
        return ast.AcceptDecl(
            _unquote(code), tuple(self._id(t) for t in targets), _unquote(reason), span=self._span(meta)
        )

    # ------------------------------------------------------------ types
    def type_expr(self, meta, children):
        return ast.TypeExpr(children[0], len(children) > 1, span=self._span(meta))

    def _prim(name):
        def make(self, meta, children):
            return ast.PrimType(name, span=self._span(meta))

        return make

    bool_type = _prim("bool")
    decimal_type = _prim("decimal")
    rate_type = _prim("rate")
    string_type = _prim("string")
    date_type = _prim("date")
    datetime_type = _prim("datetime")

    def int_type(self, meta, children):
        low, high = children[0] if children and children[0] else (None, None)
        return ast.IntType(low, high, span=self._span(meta))

    def int_range(self, meta, children):
        low, high = (int(self._sized(meta, str(end))) for end in children[:2])
        if low > high:
            _report(diagnostic(
                "E009", f"empty integer range `{low}..{high}`", self._span(meta),
                "the low end is above the high end", help=f"write `{high}..{low}`",
            ))
        return low, high

    def money_type(self, meta, children):
        return ast.MoneyType(str(children[0]), span=self._span(meta))

    def duration_type(self, meta, children):
        return ast.DurationType(children[0], span=self._span(meta))

    def days_unit(self, meta, children):
        return "days"

    def working_days_unit(self, meta, children):
        return "working_days"

    def hours_unit(self, meta, children):
        return "hours"

    def minutes_unit(self, meta, children):
        return "minutes"

    def currency_unit(self, meta, children):
        return str(children[0])

    def set_type(self, meta, children):
        return ast.SetType(self._id(children[0]), span=self._span(meta))

    def named_type(self, meta, children):
        return ast.NamedType(self._id(children[0]), span=self._span(meta))

    def inline_enum_type(self, meta, children):
        return ast.InlineEnum(children[0], span=self._span(meta))

    # ------------------------------------------------------------ decisions and rules
    def default_opt(self, meta, children):
        return ("default", children[0])

    def hit_opt(self, meta, children):
        return ("hit", self._id(children[0]))

    def complete_opt(self, meta, children):
        return ("complete", True)

    def when_opt(self, meta, children):
        return ("when", children[0])

    def decision_body(self, meta, children):
        return ("body", children[0])

    def decision_decl(self, meta, children):
        name, type_, *options = children
        opts = dict(options)
        return ast.DecisionDecl(
            self._id(name), type_, opts.get("default"), opts.get("hit"), bool(opts.get("complete")),
            opts.get("cite"), opts.get("body"), opts.get("when"), span=self._span(meta),
        )

    def priority_opt(self, meta, children):
        return ("priority", int(self._sized(meta, str(children[0]))))

    def conclusion(self, meta, children):
        return ast.Conclusion(self._id(children[0]), children[1], span=self._span(meta))

    def conclusions(self, meta, children):
        return ("conclusions", tuple(children))

    def name_list(self, meta, children):
        return tuple(self._id(t) for t in children)

    def because(self, meta, children):
        return _unquote(children[0])

    def overrides_rel(self, meta, children):
        return ("overrides", children[0], children[1] if len(children) > 1 else None)

    def unless_rel(self, meta, children):
        return ("unless", children[0], children[1] if len(children) > 1 else None)

    def rule_decl(self, meta, children):
        name, *rest = children
        opts = {c[0]: c[1] for c in rest if isinstance(c, tuple) and c[0] in ("cite", "priority")}
        condition = next(c for c in rest if not isinstance(c, tuple))
        conclusions = next(c[1] for c in rest if isinstance(c, tuple) and c[0] == "conclusions")
        relations = [c for c in rest if isinstance(c, tuple) and c[0] in ("overrides", "unless")]
        overrides = tuple(i for kind, ids, _ in relations if kind == "overrides" for i in ids)
        unless = tuple(i for kind, ids, _ in relations if kind == "unless" for i in ids)
        because = next((b for _, _, b in relations if b), None)
        return ast.RuleDecl(
            self._id(name), opts.get("cite"), opts.get("priority"), condition, conclusions,
            overrides, unless, because, span=self._span(meta),
        )

    # ------------------------------------------------------------ tables
    def table_inputs(self, meta, children):
        return ("inputs", tuple(children))

    def any_cell(self, meta, children):
        return ast.Cell("any", span=self._span(meta))

    def otherwise_cell(self, meta, children):
        return ast.Cell("otherwise", span=self._span(meta))

    def compare_cell(self, meta, children):
        return ast.Cell("compare", str(children[0]), children[1], span=self._span(meta))

    def in_cell(self, meta, children):
        return ast.Cell("in", None, children[0], span=self._span(meta))

    def equal_cell(self, meta, children):
        return ast.Cell("equal", None, children[0], span=self._span(meta))

    def table_row(self, meta, children):
        cite = children[-1] if isinstance(children[-1], str) else None
        body = children[:-1] if cite is not None else children
        return ast.TableRow(tuple(body[:-1]), body[-1], cite, span=self._span(meta))

    def table_decl(self, meta, children):
        name, decision, *rest = children
        cite = next((c[1] for c in rest if isinstance(c, tuple) and c[0] == "cite"), None)
        inputs = next(c[1] for c in rest if isinstance(c, tuple) and c[0] == "inputs")
        rows = tuple(c for c in rest if isinstance(c, ast.TableRow))
        return ast.TableDecl(self._id(name), self._id(decision), cite, inputs, rows, span=self._span(meta))

    # ------------------------------------------------------------ windows, properties, obligations
    def _bounds(start_closed, end_closed):
        def make(self, meta, children):
            return (children[0], children[1], start_closed, end_closed)

        return make

    closed_closed = _bounds(True, True)
    closed_open = _bounds(True, False)
    open_closed = _bounds(False, True)
    open_open = _bounds(False, False)

    def window_decl(self, meta, children):
        name, (start, end, sc, ec), *rest = children
        return ast.WindowDecl(self._id(name), start, end, sc, ec, rest[0] if rest else None, span=self._span(meta))

    def _prop(kind):
        def make(self, meta, children):
            return (kind, children[0])

        return make

    always_prop = _prop("always")
    never_prop = _prop("never")
    possible_prop = _prop("possible")

    def property_decl(self, meta, children):
        name, *rest = children
        kind, cond = rest[-1]
        cite = rest[0] if len(rest) > 1 else None
        return ast.PropertyDecl(self._id(name), kind, cond, cite, span=self._span(meta))

    def ob_when(self, meta, children):
        return ("when", children[0])

    def ob_by(self, meta, children):
        return ("by", children[0])

    def ob_done(self, meta, children):
        return ("done", self._id(children[0]))

    def obligation_decl(self, meta, children):
        name, *rest = children
        cite = rest.pop(0) if isinstance(rest[0], str) and not isinstance(rest[0], Token) else None
        party, duty, *clauses = rest
        opts = dict(clauses)
        return ast.ObligationDecl(
            self._id(name), cite, self._id(party), _unquote(duty), opts.get("when"), opts.get("by"),
            opts.get("done"), span=self._span(meta),
        )

    # ------------------------------------------------------------ examples
    def binding(self, meta, children):
        return ast.Binding(self._id(children[0]), children[1], span=self._span(meta))

    def bindings(self, meta, children):
        return ("given", tuple(children))

    def expect_value(self, meta, children):
        return ast.Expectation(self._id(children[0]), children[1], span=self._span(meta))

    def expect_undetermined(self, meta, children):
        return ast.Expectation(self._id(children[0]), None, span=self._span(meta))

    def expectations(self, meta, children):
        return ("expect", tuple(children))

    def example_decl(self, meta, children):
        title, *rest = children
        cite = next((c for c in rest if isinstance(c, str)), None)
        opts = dict(c for c in rest if isinstance(c, tuple))
        return ast.ExampleDecl(
            _unquote(title), cite, opts.get("given", ()), opts["expect"], span=self._span(meta)
        )

    # ------------------------------------------------------------ expressions
    def if_expr(self, meta, c):
        return ast.If(c[0], c[1], c[2], span=self._span(meta))

    def _binary(op):
        def make(self, meta, c):
            return ast.Binary(op, c[0], c[-1], span=self._span(meta))

        return make

    implies = _binary("implies")
    or_ = _binary("or")
    and_ = _binary("and")
    in_ = _binary("in")
    not_in = _binary("not in")
    within = _binary("within")
    before = _binary("before")
    disjoint = _binary("disjoint")
    overlaps = _binary("overlaps")
    add = _binary("+")
    sub = _binary("-")
    mul = _binary("*")
    div = _binary("/")

    def compare(self, meta, c):
        return ast.Binary(str(c[1]), c[0], c[2], span=self._span(meta))

    def not_(self, meta, c):
        return ast.Unary("not", c[0], span=self._span(meta))

    def neg(self, meta, c):
        return ast.Unary("neg", c[0], span=self._span(meta))

    def _test(op):
        def make(self, meta, c):
            return ast.Test(op, c[0], span=self._span(meta))

        return make

    is_present = _test("present")
    is_absent = _test("absent")
    is_empty = _test("empty")

    def name_ref(self, meta, c):
        return ast.Name(str(c[0]), span=self._span(meta))

    def call(self, meta, c):
        return ast.Call(self._id(c[0]), tuple(a for a in c[1:] if a is not None), span=self._span(meta))

    def set_literal(self, meta, c):
        return ast.SetLit(tuple(a for a in c if a is not None), span=self._span(meta))

    def _sized(self, meta, text: str) -> str:
        """`text`, or after an E005 a number of allowed size standing in for it (Python refuses
        to convert numbers of more than 4,300 digits, so the huge one must not travel on)."""
        sign = "-" if text.startswith("-") else ""
        whole, dot, fraction = text.removeprefix("-").partition(".")
        if len(whole) <= MAX_DIGITS and len(fraction) <= MAX_DIGITS:
            return text
        if len(whole) > MAX_DIGITS:
            _report(diagnostic(
                "E005", f"number `{_shortened(text)}` is too large", self._span(meta),
                f"at most {MAX_INT - 1}", help="numbers in policies stay below 10^15",
            ))
        else:
            _report(diagnostic(
                "E005", f"number `{_shortened(text)}` is too precise", self._span(meta),
                f"at most {MAX_DIGITS} decimal places", help=f"numbers in policies have at most {MAX_DIGITS} decimal places",
            ))
        return sign + whole[:MAX_DIGITS] + dot + fraction[:MAX_DIGITS]

    def number(self, meta, c):
        text = self._sized(meta, str(c[0]))
        kind = "decimal" if "." in text else "int"
        unit = c[1] if len(c) > 1 else None
        return ast.Literal(kind, text, unit, span=self._span(meta))

    def percent(self, meta, c):
        return ast.Literal("percent", self._sized(meta, str(c[0])), span=self._span(meta))

    def date_lit(self, meta, c):
        token = c[0]
        span = Span(self.source, token.start_pos, token.end_pos)
        try:
            value = dt.date.fromisoformat(str(token))
        except ValueError:
            _report(diagnostic(
                "E004", f"`{token}` is not a calendar date", span, "no such day",
                help="dates are written YYYY-MM-DD and must exist",
            ))
            value = dt.date(1, 1, 1)  # stands in for the reported date; errors stop the pack before lowering
        return ast.Literal("date", value, span=span)

    def datetime_lit(self, meta, c):
        token = c[0]
        span = Span(self.source, token.start_pos, token.end_pos)
        try:
            value = dt.datetime.fromisoformat(str(token))
        except ValueError:
            _report(diagnostic(
                "E004", f"`{token}` is not a valid date-time", span, "no such moment",
                help="date-times are written YYYY-MM-DDTHH:MM and must exist",
            ))
            value = dt.datetime(1, 1, 1)  # stands in for the reported moment
        return ast.Literal("datetime", value, span=span)

    def string_lit(self, meta, c):
        return ast.Literal("string", _unquote(c[0]), span=self._span(meta))

    def true_lit(self, meta, c):
        return ast.Literal("bool", True, span=self._span(meta))

    def false_lit(self, meta, c):
        return ast.Literal("bool", False, span=self._span(meta))


_TO_AST = _ToAst()
