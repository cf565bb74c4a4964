"""Stage 2, names and imports (checker/resolve.py)."""

from __future__ import annotations

import pytest
from ruleproof.checker.parse import parse_module
from ruleproof.checker.resolve import resolve
from ruleproof.checker.source import SourceFile

HEADER = 'pack p version "1"\n'


def _resolve(files: dict[str, str]):
    modules = {}
    for path, text in files.items():
        name = path.removesuffix(".rules")
        module, diags = parse_module(SourceFile(path, text), name)
        assert diags == [], [d.message for d in diags]
        modules[name] = module
    return resolve(modules)


def _codes(files: dict[str, str]) -> list[str]:
    return [d.code for d in _resolve(files)[1]]


def _one(text: str):
    return _resolve({"pack.rules": HEADER + text})


def test_symbols_and_kinds():
    res, diags = _one('''
        enum kind = a | b
        fact f: int
        const c = 1
        let l = f + c
        assume positive: f > 0
        decision d: int = l
        rule r cite "x": when f > 1 then d = 2
        window w = [2026-01-01, 2026-01-02]
        property p: d > 0
        obligation o: seller must "x" by 2026-01-01
        fact inline: x | y
    ''')
    kinds = {name: symbol.kind for name, symbol in res.symbols.items()}
    assert kinds == {"kind": "enum", "f": "fact", "c": "const", "l": "let", "positive": "assumption", "d": "decision",
                     "r": "rule", "w": "window", "p": "property", "o": "obligation", "o_deadline": "decision",
                     "inline": "fact"}
    assert res.enum_members["a"] == ["kind"] and res.enum_members["x"] == ["inline"]
    assert res.enum_members["breached"] == ["obligation_status"]


@pytest.mark.parametrize(("text", "code", "message", "help"), [
    ("fact shipped_on: date\ndecision d: date = shiped_on", "E101", "unknown name `shiped_on`", "did you mean `shipped_on`?"),
    ('fact f: int\nrule r cite "x": when f > 1 then d = 1\ndecision d: int default 0\ndecision e: bool = r',
     "E101", "`r` is a rule, not a value", "a rule has no value; refer to the decision it concludes"),
    ("fact a: int\nfact a: date", "E102", "`a` is defined twice", None),
    ('fact today: date\nobligation o: seller must "x" by today\ndecision o_deadline: date = today', "E102",
     "`o_deadline` is defined twice", None),
    ("enum kind = standard | basic\nfact standard: bool", "E102", "`standard` is both a fact and a member of `kind`", None),
    ('decision d: int default 0\nrule r cite "x": when true then d = 1 overrides rr because "r"', "E106", "unknown rule `rr`",
     "did you mean `r`?"),
    ('fact f: int\ndecision d: int default 0\nrule r cite "x": when true then d = 1 unless f because "r"', "E106",
     "`f` is a fact, not a rule", None),
    ('fact f: int\nrule r cite "x": when true then f = 1', "E107", "`f` is a fact, not a decision",
     "facts are given, not concluded; declare a `decision` to conclude it"),
    ("fact f: int\ntable t for f: given f row 1 => 1", "E107", "`f` is a fact, not a decision", None),
    ("fact k: colour", "E109", "unknown type `colour`", None),
    ("enum colour = red | green\nfact k: set of color", "E109", "unknown type `color`", "did you mean `colour`?"),
    ("fact not: bool", "E110", "`not` is a reserved word", None),
    ("enum answer = yes | otherwise", "E110", "`otherwise` is a reserved word", None),
    ("enum date = a | b", "E110", "`date` is a reserved word", None),
    ('example "e": given nope = 1 expect nothing = 2', "E310", "example gives unknown fact `nope`",
     "the pack declares no facts"),
])
def test_name_errors(text, code, message, help):
    _, diags = _one(text)
    found = [d for d in diags if d.code == code]
    assert found, [(d.code, d.message) for d in diags]
    assert found[0].message == message
    if help is not None:
        assert found[0].help == help


@pytest.mark.parametrize("text", [
    "fact rate: rate",  # a type word is fine for a fact
    "fact days: int\nfact priority: int",
    "enum level = standard | priority",  # `priority` as an enum member (VOCABULARY: worry_free_level)
    "enum kind = a | b\nrule a cite \"x\": when true then d = 1\ndecision d: kind default b\ndecision e: bool = d == a",
])
def test_names_that_are_allowed(text):
    _, diags = _one(text)
    assert [d for d in diags if d.code.startswith("E")] == []


def test_import_cycle_is_reported_once_with_its_path():
    files = {
        "pack.rules": HEADER + "import a\nfact today: date\ndecision x: bool = y",
        "a.rules": "import b\ndecision y: bool = z",
        "b.rules": "import pack\ndecision z: bool = today > 2026-01-01",
    }
    cycles = [d for d in _resolve(files)[1] if d.code == "E103"]
    assert len(cycles) == 1
    assert cycles[0].message == "import cycle: `a -> b -> pack -> a`"
    assert len(cycles[0].secondary) == 2


def test_imports_are_not_transitive():
    files = {
        "pack.rules": HEADER + "fact today: date",
        "a.rules": "import pack\ndecision x: bool = today > 2026-01-01",
        "b.rules": "import a\ndecision y: bool = x and today > 2026-01-02",
    }
    diags = _resolve(files)[1]
    assert [(d.code, d.message) for d in diags] == [
        ("E104", "`today` is defined in module `pack`, which is not imported")]
    assert diags[0].help == "add `import pack` at the top of this file"


def test_enum_members_and_types_need_the_import_too():
    files = {
        "pack.rules": HEADER + "enum kind = standard | special",
        "orders.rules": "fact k: kind\ndecision s: bool = k == special",
    }
    messages = [d.message for d in _resolve(files)[1] if d.code == "E104"]
    assert messages == ["`kind` is defined in module `pack`, which is not imported",
                        "`special` is defined in module `pack`, which is not imported"]


def test_unknown_module_suggests_the_file():
    files = {"pack.rules": HEADER + "import order", "orders.rules": "fact f: int"}
    (diag,) = [d for d in _resolve(files)[1] if d.code == "E105"]
    assert diag.help == "did you mean `orders`?"


def test_unused_import():
    files = {"pack.rules": HEADER + "fact today: date", "orders.rules": "import pack\nfact f: int"}
    assert _codes(files) == ["W402"]
    files["orders.rules"] += "\ndecision d: bool = today > 2026-01-01"
    assert _codes(files) == []


def test_module_order_puts_imports_first():
    files = {
        "a.rules": "import b\nimport pack\ndecision x: int = y",
        "b.rules": "import c\ndecision y: int = z",
        "c.rules": "fact z: int",
        "pack.rules": HEADER,
    }
    res, diags = _resolve(files)
    order = res.module_order
    assert order.index("c") < order.index("b") < order.index("a")
    assert sorted(order) == ["a", "b", "c", "pack"]


def test_headers():
    assert _codes({"a.rules": "fact f: int"}) == ["E006"]
    two = _resolve({"a.rules": HEADER, "b.rules": 'pack q version "2"'})[1]
    assert [d.code for d in two] == ["E007"] and two[0].message == "second pack header `q`"
