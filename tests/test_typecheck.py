"""Stage 3, types, units and presence tests (checker/typecheck/, checker/builtins.py)."""

from __future__ import annotations

import pytest
from ruleproof.checker import ir
from ruleproof.checker import types as T
from ruleproof.checker.pipeline import load_texts
from ruleproof.checker.typecheck import fits

FACTS = '''pack p version "1"
fact today: date
fact at: datetime
fact n: int
fact r: rate
fact x: decimal
fact usd: money USD
fact rmb: money RMB
fact d: days
fact wd: working days
fact h: hours
fact m: minutes
fact s: string
fact b: bool
fact kind: standard | express
fact shipped_on: date?
fact paid_on: date?
fact note: string?
decision maybe: date when b = today
'''


def _check(text: str):
    return load_texts({"t.rules": FACTS + text})


def _errors(text: str) -> list[str]:
    return [d.code for d in _check(text).diagnostics if d.severity.value == "error"]


# ---------------------------------------------------------------- presence tests and narrowing

NARROWED = [
    "decision v: date when shipped_on is present = shipped_on + 1 day",
    "decision v: bool = shipped_on is present and shipped_on > today",
    "decision v: bool = shipped_on is absent or shipped_on > today",
    "decision v: bool = shipped_on is present implies shipped_on > today",
    "decision v: date = if shipped_on is present then shipped_on else today",
    "decision v: date = if shipped_on is absent then today else shipped_on",
    "decision v: bool = not (shipped_on is absent) and shipped_on > today",
    "decision v: bool = not (shipped_on is absent or paid_on is absent) and shipped_on > paid_on",
    "decision v: bool = (shipped_on is present and paid_on is present) and shipped_on > paid_on",
    "decision v: bool = shipped_on is present and (paid_on is absent or paid_on < shipped_on)",
    'decision v: bool default false\nrule q cite "x": when shipped_on is present then v = shipped_on > today',
    "decision v: bool = maybe is present and maybe > today",
    'fact done_on: date?\nobligation o: seller must "x" when shipped_on is present by shipped_on + 5 days done done_on',
    "assume a: shipped_on is present implies shipped_on >= today",
    "property q: always shipped_on is absent or shipped_on >= today",
    "decision v: bool = note is present and note == \"x\"",
]

NOT_NARROWED = [
    "decision v: date = shipped_on + 1 day",
    "decision v: bool = shipped_on is present or shipped_on > today",
    "decision v: bool = shipped_on is absent and shipped_on > today",
    "decision v: bool = (shipped_on is present or paid_on is present) and shipped_on > today",
    "decision v: date = if shipped_on is absent then shipped_on else today",
    "decision v: bool = not (shipped_on is present) and shipped_on > today",
    "decision v: bool = shipped_on > today and shipped_on is present",
    "decision v: bool = maybe > today",
    "let later = shipped_on + 1 day\ndecision v: bool = shipped_on is present and later > today",
    'decision v: bool default false\nrule q cite "x": when b then v = shipped_on > today',
]


@pytest.mark.parametrize("text", NARROWED)
def test_narrowing_type_checks(text):
    assert _errors(text) == []


@pytest.mark.parametrize("text", NOT_NARROWED)
def test_use_without_presence_test_is_an_error(text):
    assert "E205" in _errors(text)


def test_presence_test_on_a_required_fact_is_a_warning():
    codes = [d.code for d in _check("decision v: bool = today is present").diagnostics if d.code != "W401"]
    assert codes == ["W403"]


# ---------------------------------------------------------------- units, currencies, kinds

OK_EXPRESSIONS = [
    ("date", "today + d"), ("date", "today - 3 days"), ("date", "today + 3 working days"),
    ("days", "today - today"), ("minutes", "at - at"), ("datetime", "at + h"), ("datetime", "at + 2 days"),
    ("datetime", "at - m"), ("days", "d + 1 day"), ("days", "d * 2"), ("days", "2 * d"),
    ("hours", "to_hours(d) + h"), ("minutes", "to_minutes(h) + m"), ("int", "count(d) + count(wd)"),
    ("working days", "working_days(count(d))"), ("date", "date_of(at)"), ("datetime", "start_of(today)"),
    ("money USD", "usd + 15 USD"), ("money USD", "usd * r"), ("money USD", "r * usd"), ("money USD", "usd / 2"),
    ("decimal", "usd / 1 USD"), ("money USD", "rmb / 1 RMB * x * 1 USD"), ("money USD", "round(usd * 5.5%, 2)"),
    ("decimal", "n / 3"), ("decimal", "n + x"), ("rate", "r + 1%"), ("decimal", "n"), ("rate", "n"),
    ("int", "max(n, 3, -n)"), ("days", "min(d, 10 days)"), ("money USD", "abs(usd)"),
    ("bool", "kind == express"), ("bool", "kind in {standard, express}"), ("bool", "s != \"x\""),
]

BAD_EXPRESSIONS = [
    ("days", "d + wd", "E202"), ("hours", "h + m", "E202"), ("bool", "d < wd", "E202"),
    ("datetime", "at + wd", "E202"),
    ("money USD", "usd + rmb", "E203"), ("bool", "usd > rmb", "E203"),
    ("bool", "d > usd", "E204"), ("bool", "today > n", "E204"), ("bool", "s == n", "E204"),
    ("days", "d + 1", "E201"), ("bool", "usd > 15", "E201"), ("money USD", "usd * usd", "E201"),
    ("date", "today + h", "E201"), ("date", "today + today", "E201"), ("bool", "d", "E201"),
    ("days", "to_hours(wd)", "E201"), ("int", "max(n, d)", "E201"), ("bool", "b < b", "E201"),
    ("date", "today - 3 working days", "E201"), ("days", "1.5 days", "E201"),
    ("date", "today + working_days(n)", "E210"), ("date", "today + -1 working days", "E210"),
    ("int", "n / 0", "E212"), ("int", "nope(n)", "E208"), ("int", "max(n)", "E209"), ("int", "round(x)", "E209"),
    ("bool", "kind == bulk", "E101"), ("bool", "kind == other", "E101"),
]


@pytest.mark.parametrize(("type_", "expr"), OK_EXPRESSIONS, ids=[e for _, e in OK_EXPRESSIONS])
def test_well_typed(type_, expr):
    assert _errors(f"decision v: {type_} = {expr}") == []


@pytest.mark.parametrize(("type_", "expr", "code"), BAD_EXPRESSIONS, ids=[e for _, e, _ in BAD_EXPRESSIONS])
def test_ill_typed(type_, expr, code):
    assert code in _errors(f"decision v: {type_} = {expr}")


def test_enum_members_of_another_enum():
    assert _errors("enum plan = basic | premium\ndecision v: bool = kind == basic") == ["E207"]


def test_unit_mismatch_help_says_how_to_convert():
    diag = next(d for d in _check("decision v: days = d + 1").diagnostics if d.code == "E201")
    assert diag.help == "give the number a unit, e.g. `10 days`"


@pytest.mark.parametrize(("value", "target", "ok"), [
    (T.INT, T.DECIMAL, True), (T.INT, T.RATE, True), (T.DECIMAL, T.RATE, True), (T.RATE, T.DECIMAL, True),
    (T.DECIMAL, T.INT, False), (T.money("USD"), T.money("RMB"), False), (T.duration("days"), T.duration("working_days"), False),
    (T.set_of(None), T.set_of(T.INT), True), (T.DATE, T.DATETIME, False),
])
def test_fits(value, target, ok):
    assert fits(value, target) is ok


# ---------------------------------------------------------------- declarations

def test_constants_must_not_read_facts_even_when_unused():
    assert _errors("const c = n + 1") == ["E213"]
    assert _errors("let l = n + 1") == []
    assert _errors("let l = shipped_on + 1 day") == ["E205"]


def test_fact_default_and_example_values_are_constants_of_the_type():
    assert _errors("fact e: days = 0 days") == []
    assert _errors("fact e: days = 0") == ["E201"]
    assert _errors("fact e: days = d") == ["E213"]
    assert _errors('example "x": given d = 3 expect maybe = today') == ["E201", "E213"]


def test_window_bounds_may_read_optional_facts():
    result = _check("window w = [shipped_on, shipped_on + 10 days)\ndecision v: bool = today in w")
    assert result.ok
    window = result.pack.windows["w"]
    assert window.exists == ir.IsPresent(ir.FactRef("shipped_on", T.DATE.maybe(), span=None), T.BOOL, span=None)


def test_window_bounds_must_be_points_of_one_kind():
    assert _errors("window w = [today, at]") == ["E201"]
    assert _errors("window w = [n, n]") == ["E201"]


def test_constant_window_that_is_empty():
    assert _errors("window w = [2026-01-02, 2026-01-01]") == ["E306"]
    assert _errors("window w = (2026-01-01, 2026-01-02)") == ["E306"]  # open ends leave no day
    assert _errors("window w = [2026-01-01, 2026-01-01]") == []


@pytest.mark.parametrize(("text", "codes"), [
    ("decision v: int hit collect = 1", ["E305"]),
    ("decision v: int hit sometimes = 1", ["E008"]),
    ('decision v: int hit priority default 0\nrule q cite "x": when b then v = 1', ["E304"]),
    ('decision v: int = 1\nrule q cite "x": when b then v = 2', ["E302"]),
    ('decision v: int default 0\ndecision u: int default 0\nrule q cite "x": when b then v = 1\n'
     'rule t cite "x": when b then u = 1 overrides q', ["E303"]),
    ('decision v: int default 0\nrule q cite "x": when b then v = 1 overrides q', ["E108"]),
    ('decision v: int default 0\nrule q cite "x": when b then v = 1 unless t\nrule t cite "x": when b then v = 2 unless q',
     ["E108"]),
    ('decision v: int default 0\nrule q cite "x": when b then v = 1 overrides t\nrule t cite "x": when b then v = 2 unless q',
     []),
    ("decision v: int", ["E301"]),
    ('decision v: int default 0\nrule q cite "x": when n then v = 1', ["E206"]),
    ("decision v: bool = w\nwindow w = [today, today]", ["E211"]),
    ('obligation o: seller must "x" by n', ["E201"]),
    ('obligation o: seller must "x" done b', ["E201"]),
])
def test_declaration_checks(text, codes):
    assert _errors(text) == codes


def test_a_cycle_of_three_overrides_is_reported_once():
    text = "decision v: int default 0\n" + "".join(
        f'rule {a} cite "x": when b then v = {i} overrides {b_}\n'
        for i, (a, b_) in enumerate([("q1", "q2"), ("q2", "q3"), ("q3", "q1")])
    )
    diags = [d for d in _check(text).diagnostics if d.code == "E108"]
    assert [d.message for d in diags] == ["rules override each other in a cycle: `q1 -> q2 -> q3 -> q1`"]


def test_tables():
    table = '''decision v: rate default 1% hit {hit}
table t for v:
  given kind, note
  row standard, "a" => 2%
  row standard, "a" => 3%
'''
    assert _errors(table.format(hit="unique")) == ["E309"]
    assert _errors(table.format(hit="first")) == []
    assert _errors("decision v: int default 0\ntable t for v: given n, s row 1 => 1") == ["E308"]
    assert _errors('decision v: int default 0\ntable t for v: given n row "x" => 1') == ["E204"]


def test_obligation_statuses_are_members():
    text = '''fact done_on: date?
obligation o: seller must "ship" by today + 2 days done done_on
decision overdue: bool = o is present and o in {late, breached}
'''
    assert _errors(text) == []


def test_obligation_needs_today():
    result = load_texts({"t.rules": 'pack p version "1"\nfact f: date?\nobligation o: seller must "x" by 2026-01-01 done f'})
    assert [d.code for d in result.diagnostics] == ["E307"]


def test_a_let_condition_narrows_like_its_formula() -> None:
    from ruleproof.checker.pipeline import load_texts

    text = """pack t version "1"
fact shipped_on: date?
fact today: date
let shipped_recently = shipped_on is present and today <= shipped_on + 10 days
let not_shipped = shipped_on is absent
decision recent: date
rule r cite "t": when shipped_recently then recent = shipped_on
decision days_since: days
rule s cite "t": when not not_shipped then days_since = today - shipped_on
"""
    result = load_texts({"t.rules": text})
    assert [d.code for d in result.diagnostics if d.severity.value == "error"] == []
    unnarrowed = load_texts({"t.rules": text.replace("when not not_shipped", "when not_shipped")})
    assert "E205" in [d.code for d in unnarrowed.diagnostics]


def test_docstring_examples():
    import doctest

    from ruleproof.checker import diagnostics
    from ruleproof.checker.typecheck import narrowing, pack

    for module in (narrowing, pack, diagnostics):
        assert doctest.testmod(module).failed == 0, module.__name__

