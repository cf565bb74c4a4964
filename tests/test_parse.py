"""Stage 1, text to AST (checker/parse.py, lexer.py, to_ast/, syntax_errors.py): shapes, precedence, spans, error recovery."""

from __future__ import annotations

import datetime as dt
import doctest

import pytest
from ruleproof.checker import ast, lexer, parse
from ruleproof.checker.parse import MAX_DEPTH, parse_module
from ruleproof.checker.source import SourceFile, synthetic_span

S = synthetic_span("test")  # AST nodes compare without their spans; tests build them with this one


def _parse(text: str) -> tuple[ast.Module, list]:
    return parse_module(SourceFile("t.rules", text), "t")


def _decls(text: str) -> tuple:
    module, diags = _parse(text)
    assert diags == [], [d.message for d in diags]
    return module.decls


def _expr(text: str) -> ast.Expr:
    """The formula of `decision x: int = TEXT`."""
    (decl,) = _decls(f"decision x: int = {text}")
    return decl.body


def node(cls, *args):
    """An AST node of class `cls` without a real span (spans do not take part in equality)."""
    return cls(*args, span=S)


def N(name: str) -> ast.Name:  # noqa: N802 - reads like the node it builds
    return node(ast.Name, name)


def B(op: str, left, right) -> ast.Binary:  # noqa: N802
    return node(ast.Binary, op, left, right)


def I(value: str, unit: str | None = None) -> ast.Literal:  # noqa: N802, E743
    return node(ast.Literal, "int", value, unit)


def L(kind: str, value, unit: str | None = None) -> ast.Literal:  # noqa: N802
    return node(ast.Literal, kind, value, unit)


def ID(name: str) -> ast.Ident:  # noqa: N802
    return node(ast.Ident, name)


def test_docstring_example():
    assert doctest.testmod(parse).failed == 0
    assert doctest.testmod(lexer).failed == 0


def test_spans_are_ignored_by_equality():
    one = _parse("fact a: int\ndecision x: int = a + 1")[0]
    two = _parse("fact   a :  int   # a comment\n\n\ndecision x:int=a+1")[0]
    assert one.decls == two.decls
    assert one.decls[0].span.start != two.decls[0].span.start or one.decls[1].span != two.decls[1].span


PRECEDENCE = [
    ("a or b and c", B("or", N("a"), B("and", N("b"), N("c")))),
    ("a and b or c", B("or", B("and", N("a"), N("b")), N("c"))),
    ("not a and b", B("and", node(ast.Unary, "not", N("a")), N("b"))),
    ("a implies b implies c", B("implies", N("a"), B("implies", N("b"), N("c")))),
    ("a or b implies c", B("implies", B("or", N("a"), N("b")), N("c"))),
    ("a + b * c", B("+", N("a"), B("*", N("b"), N("c")))),
    ("a - b - c", B("-", B("-", N("a"), N("b")), N("c"))),
    ("(a + b) * c", B("*", B("+", N("a"), N("b")), N("c"))),
    ("-a * b", B("*", node(ast.Unary, "neg", N("a")), N("b"))),
    ("a + 1 > b and c", B("and", B(">", B("+", N("a"), I("1")), N("b")), N("c"))),
    ("a in {b, c}", B("in", N("a"), node(ast.SetLit, (N("b"), N("c"))))),
    ("a not in s", B("not in", N("a"), N("s"))),
    ("a is present and a > b", B("and", node(ast.Test, "present", N("a")), B(">", N("a"), N("b")))),
    ("w within v or w is empty", B("or", B("within", N("w"), N("v")), node(ast.Test, "empty", N("w")))),
    ("if a then b else c + 1", node(ast.If, N("a"), N("b"), B("+", N("c"), I("1")))),
    ("max(a, b, c)", node(ast.Call, ID("max"), (N("a"), N("b"), N("c")))),
    ("f()", node(ast.Call, ID("f"), ())),
]


@pytest.mark.parametrize(("text", "tree"), PRECEDENCE, ids=[t for t, _ in PRECEDENCE])
def test_precedence(text, tree):
    assert _expr(text) == tree


LITERALS = [
    ("3", L("int", "3")),
    ("6.5", L("decimal", "6.5")),
    ("5%", L("percent", "5")),
    ("15 USD", L("int", "15", "USD")),
    ("12.50 RMB", L("decimal", "12.50", "RMB")),
    ("10 days", I("10", "days")),
    ("1 day", I("1", "days")),
    ("3 working days", I("3", "working_days")),
    ("1 working day", I("1", "working_days")),
    ("2 hours", I("2", "hours")),
    ("30 minutes", I("30", "minutes")),
    ("2026-03-02", L("date", dt.date(2026, 3, 2))),
    ("2026-03-02T14:30", L("datetime", dt.datetime(2026, 3, 2, 14, 30))),
    ('"say \\"hi\\""', L("string", 'say "hi"')),
    ("true", L("bool", True)),
    ("{}", node(ast.SetLit, ())),
]


@pytest.mark.parametrize(("text", "literal"), LITERALS, ids=[t for t, _ in LITERALS])
def test_literals(text, literal):
    assert _expr(text) == literal


def test_declarations():
    decls = _decls('''
        pack p version "1"
        import other
        enum kind = a | b cite "Art. 1"
        fact f: int 1..5 = 3 cite "Art. 2"
        fact g: date?
        fact h: x | y = x
        const c = 10 days cite "Art. 3"
        let l = f + 1
        assume positive cite "Art. 4": f > 0
        decision d: rate default 5% hit first complete cite "Art. 5"
        decision e: date cite "Art. 6" when g is present = g + 1 day
        rule r cite "Art. 7" priority 2: when f > 1 then d = 6%, e = g overrides s, t because "why" unless u because "u excepts it"
        window w = (g, g + c] cite "Art. 8"
        property p cite "Art. 9": possible d > 5%
        property q: d > 1%
        obligation o cite "Art. 10": seller must "ship" when g is present by g + 5 days done g
        example "ex" cite "Art. 11": given f = 2 expect d = 6%, e is undetermined
        holidays 2026-01-01, 2026-12-25 cite "calendar"
        accept "W612" on r, s because "reviewed"
    ''')
    kinds = [type(d).__name__ for d in decls]
    assert kinds == ["Import", "EnumDecl", "FactDecl", "FactDecl", "FactDecl", "ConstDecl", "LetDecl", "AssumeDecl",
                     "DecisionDecl", "DecisionDecl", "RuleDecl", "WindowDecl", "PropertyDecl", "PropertyDecl",
                     "ObligationDecl", "ExampleDecl", "HolidaysDecl", "AcceptDecl"]
    _, enum, f, g, h, *_ = decls
    assert enum == node(ast.EnumDecl, ID("kind"), (ID("a"), ID("b")), "Art. 1")
    assert f.type == node(ast.TypeExpr, node(ast.IntType, 1, 5)) and f.default == I("3") and f.cite == "Art. 2"
    assert g.type == ast.TypeExpr(node(ast.PrimType, "date"), optional=True, span=S)
    assert h.type.base == node(ast.InlineEnum, (ID("x"), ID("y"))) and h.default == N("x")
    d, e, r, w, p, q, o, ex, hol, acc = decls[8:]
    assert (d.hit, d.complete, d.default) == (ID("first"), True, L("percent", "5"))
    assert e.when == node(ast.Test, "present", N("g")) and e.body == B("+", N("g"), I("1", "days"))
    assert r.priority == 2 and r.cite == "Art. 7" and [c.target.name for c in r.conclusions] == ["d", "e"]
    assert [i.name for i in r.overrides] == ["s", "t"] and [i.name for i in r.unless] == ["u"] and r.because == "why"
    assert (w.start_closed, w.end_closed) == (False, True)
    assert (p.kind, q.kind) == ("possible", "always")
    assert (o.party.name, o.duty, o.done.name) == ("seller", "ship", "g")
    assert ex.given == (node(ast.Binding, ID("f"), I("2")),)
    assert ex.expect[1] == node(ast.Expectation, ID("e"), None)
    assert len(hol.dates) == 2 and hol.cite == "calendar"
    assert (acc.code, [t.name for t in acc.targets], acc.reason) == ("W612", ["r", "s"], "reviewed")


def test_table_cells():
    (_, table) = _decls('''
        decision d: int
        table t for d cite "Art. 1":
          given a, b
          row 1, any => 1 cite "row one"
          row >= 2, otherwise => 2
          row in {3, 4}, "x" => 3
    ''')
    kinds = [[c.kind for c in row.cells] for row in table.rows]
    assert kinds == [["equal", "any"], ["compare", "otherwise"], ["in", "equal"]]
    assert table.rows[0].cite == "row one" and table.rows[1].cells[0].op == ">="
    assert table.inputs == (N("a"), N("b")) and table.cite == "Art. 1"


def test_window_ends():
    bounds = {"[a, b]": (True, True), "[a, b)": (True, False), "(a, b]": (False, True), "(a, b)": (False, False)}
    for text, ends in bounds.items():
        (window,) = _decls(f"window w = {text}")
        assert (window.start_closed, window.end_closed) == ends


def test_keywords_are_names_where_no_keyword_fits():
    decls = _decls('''
        fact rate: rate
        fact priority: int
        decision d: days hit priority = days(priority)
        decision e: standard | priority = priority
    ''')
    assert decls[2].hit == ID("priority")
    assert decls[2].body == node(ast.Call, ID("days"), (N("priority"),))
    assert decls[3].type.base.members[1] == ID("priority")


def test_words_are_read_whole():
    # `whenever` is one name, not the keyword `when` followed by `ever`.
    module, diags = _parse('rule r cite "a" whenever x then d = 1')
    assert [d.code for d in diags] == ["E002"]
    assert "`whenever`" in diags[0].message


def test_spans():
    text = "fact amount: money USD\ndecision fee: money USD = (amount + 2 USD) * 3"
    fact, decision = _decls(text)
    assert text[fact.span.start : fact.span.end] == "fact amount: money USD"
    assert text[fact.name.span.start : fact.name.span.end] == "amount"
    body = decision.body
    # The product spans the parentheses; the sum inside spans only its own text.
    assert text[body.span.start : body.span.end] == "(amount + 2 USD) * 3"
    assert text[body.left.span.start : body.left.span.end] == "amount + 2 USD"
    assert (body.span.line, body.span.column) == (2, 27)


def test_syntax_errors_do_not_hide_the_rest_of_the_file():
    module, diags = _parse('''fact a: int
decision x: int = a +
fact b: int
rule r cite "x": when a >> 1 then x = 1
decision y: int = b''')
    assert [d.code for d in diags] == ["E002", "E002"]
    assert [getattr(d, "name", None) and d.name.name for d in module.decls] == ["a", "b", "y"]
    # The first declaration stops at the end of its line; the second at the second `>`.
    assert [(d.primary.span.line, d.message) for d in diags] == [(2, "`decision x` is incomplete"), (4, "unexpected `>`")]


@pytest.mark.parametrize(("text", "expected"), [
    ('rule r cite "x": when a > 1 x = 2', ["an operator", "`then`"]),
    ("fact a: ", ["a name", "`bool`", "`date`"]),
    ("window w = [a, b", ["`)`", "`]`"]),
])
def test_syntax_error_lists_what_was_expected(text, expected):
    _, (diag,) = _parse(text)
    assert diag.code == "E002" and diag.help.startswith("expected one of: ")
    for item in expected:
        assert item in diag.help


def test_a_keyword_read_as_a_name_is_pointed_out():
    _, (diag,) = _parse('rule r cite "x": when a > then x = 1')
    assert diag.help.startswith("`then` was read as a name here")


@pytest.mark.parametrize(("text", "code"), [
    ("fact a: int @", "E003"),
    ('fact a: string = "open', "E003"),
    ("fact é: int", "E003"),
    ("holidays 2026-02-30", "E004"),
    ("fact t: datetime = 2026-01-01T24:00", "E004"),
    ("const big = 1000000000000000", "E005"),
    ("const share = 1000000000000000%", "E005"),
    ("fact stars: int 5..1", "E009"),
])
def test_invalid_literals(text, code):
    module, diags = _parse(text)
    assert [d.code for d in diags] == [code]


@pytest.mark.parametrize("text", ["holidays 2026-02-30", "const big = 1000000000000000", "fact stars: int 5..1"])
def test_an_invalid_literal_keeps_its_declaration(text):
    module, _ = _parse(text)
    assert len(module.decls) == 1


def test_depth_limit():
    shallow = " + ".join(["a"] * (MAX_DEPTH - 10))
    deep = " + ".join(["a"] * (MAX_DEPTH + 10))
    assert _parse(f"decision x: int = {shallow}")[1] == []
    _, diags = _parse(f"fact a: int\ndecision x: int = {deep}\nfact b: int")
    assert [d.code for d in diags] == ["E010"]
    assert _parse("decision x: bool = " + "not " * 5000 + "a")[1][0].code == "E010"
    # Parentheses alone do not nest the tree.
    assert _parse("decision x: int = " + "(" * 3000 + "a" + ")" * 3000)[1] == []


@pytest.mark.parametrize("text", ["", "   \n\n", "# only a comment", "pack", "}", "\x00", "\ufeffpack p version \"1\""])
def test_odd_inputs_give_diagnostics_not_exceptions(text):
    module, diags = _parse(text)
    assert isinstance(module, ast.Module)
    assert all(d.code.startswith("E0") for d in diags)


def test_reserved_words_are_those_the_parse_table_accepts_with_a_name():
    """checker/lexer.py lists the reserved words; they must be what the LALR table says: the
    keywords accepted in a state that also accepts NAME, split by whether a type is written there.
    (Only this test reads Lark's table, which is not public API.)"""
    from ruleproof.checker.lexer import reserved_words

    lark = parse._grammar().lark
    word_of = {t.name: t.pattern.value for t in lark.terminals
               if t.pattern.type == "str" and t.pattern.value.isidentifier()}
    states = lark.parser.parser.parser.parse_table.states.values()
    clashing = {word_of[a] for acts in states if "NAME" in acts for a in acts if a in word_of}
    type_words = {word_of[sym.name] for rule in lark.rules if rule.origin.name in ("base_type", "duration_unit")
                  for sym in rule.expansion if sym.name in word_of}
    assert reserved_words("type") == clashing & type_words
    assert reserved_words("value") == clashing - type_words
