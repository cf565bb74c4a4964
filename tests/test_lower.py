"""Stage 4, lowering to the IR (checker/lower.py, with the pieces checker/typecheck/ elaborates)."""

from __future__ import annotations

import datetime as dt
from fractions import Fraction

from ruleproof.checker import ir
from ruleproof.checker import types as T
from ruleproof.checker.pipeline import load_texts
from ruleproof.checker.typecheck import date_value

HEADER = 'pack p version "1"\nfact today: date\n'


def _pack(text: str) -> ir.Pack:
    result = load_texts({"t.rules": HEADER + text})
    assert result.ok, [(d.code, d.message) for d in result.diagnostics]
    return result.pack


def C(value, type_) -> ir.Const:  # noqa: N802
    return ir.Const(value, type_, span=None)


def F(name: str, type_) -> ir.FactRef:  # noqa: N802
    return ir.FactRef(name, type_, span=None)


def test_header_and_facts():
    pack = _pack("fact n: int 1..5 = 3 cite \"Art. 1\"\nfact s: date?\ndecision d: int = n")
    assert (pack.name, pack.version) == ("p", "1")
    assert pack.facts["n"] == ir.Fact("n", T.INT, 3, True, 1, 5, "Art. 1", span=None)
    assert pack.facts["s"].type == T.DATE.maybe() and not pack.facts["s"].has_default


def test_int_ranges_become_assumptions():
    pack = _pack("fact n: int 1..5\nfact m: int 0..9?\ndecision d: bool = n > 2 and m is present")
    by_name = {a.name: a for a in pack.assumptions}
    n = F("n", T.INT)
    assert by_name["n_in_range"].condition == ir.BoolOp("and", (
        ir.Compare(">=", n, C(1, T.INT), T.BOOL, span=None), ir.Compare("<=", n, C(5, T.INT), T.BOOL, span=None)),
        T.BOOL, span=None)
    # An optional fact's range holds only when it is present.
    m = by_name["m_in_range"].condition
    assert m.op == "or" and m.operands[0] == ir.Not(ir.IsPresent(F("m", T.INT.maybe()), T.BOOL, span=None), T.BOOL, span=None)


def test_table_rows_become_rules_and_otherwise_lists_the_other_values():
    pack = _pack('''fact category: string
fact sub: string?
decision rate: rate default 8% hit first
table t for rate cite "Art. 67":
  given category, sub
  row "Clothing", "Shoes" => 5%
  row "Clothing", "Boots" => 6% cite "boots"
  row "Clothing", otherwise => 7%
  row otherwise, any => 9%
''')
    rules = pack.decisions["rate"].rules
    assert [r.name for r in rules] == ["t[1]", "t[2]", "t[3]", "t[4]"]
    assert [r.origin for r in rules] == ["table"] * 4
    assert [r.cite for r in rules] == ["Art. 67", "boots", "Art. 67", "Art. 67"]
    assert rules[0].value == C(Fraction(5, 100), T.RATE)
    # Row 3: category == "Clothing", and sub absent or not among the subcategories rows 1-2 list.
    clothing, other_sub = rules[2].condition.operands
    assert clothing == ir.Compare("==", F("category", T.STRING), C("Clothing", T.STRING), T.BOOL, span=None)
    sub = F("sub", T.STRING.maybe())
    assert other_sub == ir.BoolOp("or", (
        ir.Not(ir.IsPresent(sub, T.BOOL, span=None), T.BOOL, span=None),
        ir.Not(ir.InSet(ir.Unwrap(sub, T.STRING, span=None), C(frozenset({"Shoes", "Boots"}), T.set_of(T.STRING)),
                        T.BOOL, span=None), T.BOOL, span=None),
    ), T.BOOL, span=None)
    # Row 4: a category no row lists; `any` adds no test.
    assert rules[3].condition == ir.Not(ir.InSet(F("category", T.STRING), C(frozenset({"Clothing"}), T.set_of(T.STRING)),
                                                 T.BOOL, span=None), T.BOOL, span=None)


def test_window_open_ends_shift_by_one():
    pack = _pack("fact a: date\nfact b: date\nfact s: datetime\nfact e: datetime\n"
                 "window closed = [a, b]\nwindow open = (a, b)\nwindow minutes = (s, e]\n"
                 "decision d: bool = today in closed or today in open or s in minutes")
    closed, open_, minutes = (pack.windows[n] for n in ("closed", "open", "minutes"))
    a, b = F("a", T.DATE), F("b", T.DATE)
    assert (closed.low, closed.high) == (a, b)
    assert open_.low == ir.Arith("add", (a, C(1, T.INT)), T.DATE, span=None)
    assert open_.high == ir.Arith("sub", (b, C(1, T.INT)), T.DATE, span=None)
    # Date-time windows shift by one minute.
    assert minutes.low == ir.Arith("add", (F("s", T.DATETIME), C(1, T.INT)), T.DATETIME, span=None)
    assert minutes.high == F("e", T.DATETIME) and minutes.point == T.DATETIME


def test_day_in_window():
    pack = _pack("fact a: date?\nwindow w = [a, 2026-12-31]\ndecision d: bool = today in w")
    (rule,) = pack.decisions["d"].rules
    present, low, high = rule.value.operands
    assert present == ir.IsPresent(F("a", T.DATE.maybe()), T.BOOL, span=None)
    assert low == ir.Compare("<=", ir.Unwrap(F("a", T.DATE.maybe()), T.DATE, span=None), F("today", T.DATE), T.BOOL, span=None)
    assert high == ir.Compare("<=", F("today", T.DATE), C(date_value(dt.date(2026, 12, 31)), T.DATE),
                              T.BOOL, span=None)


def test_obligation_lowers_to_a_deadline_and_a_status():
    pack = _pack('''fact opened_on: date?
fact answered_on: date?
obligation answer cite "Art. 40": seller must "answer" when opened_on is present by opened_on + 5 days done answered_on
''')
    deadline, status = pack.decisions["answer_deadline"], pack.decisions["answer"]
    assert deadline.type == T.DATE and [r.decision for r in deadline.rules] == ["answer_deadline"]
    assert status.type.members == ("pending", "met", "late", "breached")
    assert [r.name for r in status.rules] == ["answer.met", "answer.late", "answer.breached", "answer.pending"]
    assert {r.origin for r in (*deadline.rules, *status.rules)} == {"obligation"}
    assert deadline.cite == status.cite == "Art. 40"


def test_formula_with_when_is_a_body_rule():
    pack = _pack("fact s: date?\ndecision d: date cite \"Art. 35\" when s is present = s + 15 days")
    (rule,) = pack.decisions["d"].rules
    assert rule.origin == "body" and rule.cite == "Art. 35"
    assert rule.condition == ir.IsPresent(F("s", T.DATE.maybe()), T.BOOL, span=None)
    assert not pack.decisions["d"].total
    assert _pack("decision d: date = today").decisions["d"].total


def test_unless_guards_the_condition_and_overrides_stay_within_a_decision():
    pack = _pack('''fact a: bool
fact b: bool
decision x: int default 0
decision y: int default 0
rule r1 cite "x": when a then x = 1, y = 1
rule r2 cite "x": when b then x = 2 overrides r1 because "r" unless r3 because "r"
rule r3 cite "x": when a and b then y = 3
''')
    r2 = next(r for r in pack.decisions["x"].rules if r.name == "r2")
    assert r2.overrides == ("r1",) and r2.unless == ("r3",)
    b, a = F("b", T.BOOL), F("a", T.BOOL)
    assert r2.condition == ir.BoolOp("and", (b, ir.Not(ir.BoolOp("and", (a, b), T.BOOL, span=None), T.BOOL, span=None)),
                                     T.BOOL, span=None)
    # r1 concludes two decisions: one IR rule each.
    assert sorted(r.decision for r in pack.rules() if r.name == "r1") == ["x", "y"]


def test_decision_order_puts_dependencies_first():
    pack = _pack('''fact n: int
decision c: int = b + 1
decision a: int = n
decision b: int = a * 2
decision e: bool default false
rule r cite "x": when c > 3 and d is present then e = true
decision d: int when n > 0 = c
''')
    order = list(pack.decision_order)
    for before, after in [("a", "b"), ("b", "c"), ("c", "d"), ("c", "e"), ("d", "e")]:
        assert order.index(before) < order.index(after)
    assert sorted(order) == sorted(pack.decisions)


def test_decision_cycle_stops_lowering():
    result = load_texts({"t.rules": HEADER + "decision x: int = y + 1\ndecision y: int = x"})
    assert result.pack is None
    assert [d.code for d in result.diagnostics if d.code != "W401"] == ["E313"]


def test_holidays_acceptances_properties_examples():
    pack = _pack('''holidays 2026-01-01, 2026-12-25
fact n: int
decision d: int = n
property p cite "Art. 1": never d < 0
accept "E609" on p because "reviewed"
example "e" cite "Art. 2": given n = 2 expect d = 2
''')
    assert pack.holidays == frozenset({date_value(dt.date(2026, 1, 1)), date_value(dt.date(2026, 12, 25))})
    assert pack.acceptances == (ir.Acceptance("E609", ("p",), "reviewed", span=None),)
    assert [(p.name, p.kind, p.cite) for p in pack.properties] == [("p", "never", "Art. 1")]
    (example,) = pack.examples
    assert (example.title, example.given, example.expect, example.cite) == ("e", {"n": 2}, {"d": 2}, "Art. 2")


def test_working_days_lower_to_calendar_arithmetic():
    pack = _pack("decision d: date = today + 3 working days")
    (rule,) = pack.decisions["d"].rules
    assert rule.value == ir.AddWorkingDays(F("today", T.DATE), 3, T.DATE, span=None)


def test_otherwise_excludes_the_values_of_in_cells_too():
    pack = _pack('''fact category: string
decision rate: rate default 8%
table t for rate:
  given category
  row in {"Phones", "Tablets"} => 5%
  row "Shoes" => 6%
  row otherwise => 7%
''')
    last = pack.decisions["rate"].rules[2]
    assert last.condition == ir.Not(ir.InSet(F("category", T.STRING), C(frozenset({"Phones", "Tablets", "Shoes"}),
                                                                        T.set_of(T.STRING)), T.BOOL, span=None),
                                     T.BOOL, span=None)


def test_hit_first_follows_source_order_across_tables_and_rules() -> None:
    from ruleproof.checker.pipeline import load_texts

    pack = load_texts({"t.rules": """pack t version "1"
fact n: int
decision band: low | high hit first
table bands for band cite "t":
  given n
  row >= 10 => high
rule small cite "t": when n >= 0 then band = low
"""}).pack
    rules = pack.decisions["band"].rules
    assert [r.name for r in rules] == ["bands[1]", "small"]
    assert [r.order for r in rules] == [0, 1]


def test_pipeline_docstring_example():
    import doctest

    from ruleproof.checker import pipeline

    assert doctest.testmod(pipeline).failed == 0
