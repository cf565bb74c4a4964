"""The seven minimal packs of issue 11, each asserting what the issue says is right.

1. `hit priority`: rules of a lower priority never conflict (no E602, and no E611 for rows).
2. `when --day` over an optional date: one interval ending on the last day it holds; none
   for a decision that holds only when the date is absent.
3. `when` skips a day the assumptions rule out.
4. W605 only where removing the rule changes no decision: not under `hit first`, `overrides`
   or priority levels when it does.
5. No W612 on a decision that has a default.
6. A conflicted or gap decision upstream makes its readers undetermined in the checks,
   `--partial` and `when` as in the evaluator.
7. Division by zero is undetermined in the checks as in the evaluator: `never big` holds.
"""

from __future__ import annotations

from ruleproof.checker.evaluate import CompiledPack
from ruleproof.checker.partial import holding_days, partial_decisions
from ruleproof.checker.pipeline import load_texts
from ruleproof.checker.render import render_text
from ruleproof.checker.values import read_facts

try:
    from tests.bruteforce.compare_checks import counterexample, involved, run_pack_checks
    from tests.bruteforce.compare_questions import reported_outcomes
    from tests.bruteforce.oracle import outcome_of
except ImportError:  # pytest run without the repository root on sys.path
    from bruteforce.compare_checks import counterexample, involved, run_pack_checks
    from bruteforce.compare_questions import reported_outcomes
    from bruteforce.oracle import outcome_of


def load(body: str):
    loaded = load_texts({"main.rules": 'pack regression version "1"\n' + body})
    assert loaded.ok, render_text(loaded.diagnostics)
    return loaded.pack


def findings(pack) -> list[tuple[str, list[str], object]]:
    """(code, involved names, counterexample) of every finding."""
    return [(f.code, involved(f), counterexample(f)) for f in run_pack_checks(pack)]


def codes_on(pack, code: str) -> list[list[str]]:
    return [names for c, names, _ in findings(pack) if c == code]


def decide(pack, wire: dict) -> dict[str, tuple]:
    outcome = CompiledPack(pack).decide(read_facts(pack, wire))
    return {name: outcome_of(pack, outcome, name) for name in pack.decision_order}


# ---------------------------------------------------------------- 1. hit priority

PRIORITY = """
fact p: bool
decision x: int hit priority
rule a cite "c" priority 1: when p then x = 1
rule b cite "c" priority 1: when p then x = 2
rule c cite "c" priority 2: when p then x = 3
"""


def test_lower_priorities_do_not_conflict():
    pack = load(PRIORITY)
    assert decide(pack, {"p": True})["x"] == ("value", 3)
    assert codes_on(pack, "E602") == []
    # a and b fire but never decide: shadowed, which is right
    assert sorted(map(sorted, codes_on(pack, "W604"))) == [["a", "x"], ["b", "x"]]


def test_lower_priority_rows_do_not_overlap():
    pack = load("""
fact p: bool
decision x: int hit priority
table t for x cite "c": given p
  row true => 1
  row any => 2
rule c cite "c" priority 2: when p then x = 3
""")
    assert decide(pack, {"p": True})["x"] == ("value", 3)
    assert decide(pack, {"p": False})["x"] == ("value", 2)
    assert codes_on(pack, "E611") == []


# ---------------------------------------------------------------- 2. when over an optional date

SHIPPED = """
fact shipped_on: date?
decision shipped_early: bool = shipped_on is present and shipped_on <= 2026-03-05
decision not_shipped: bool = shipped_on is absent
"""


def test_when_over_an_optional_day_is_one_interval():
    pack = load(SHIPPED)
    answer = holding_days(pack, "shipped_early", {}, "shipped_on")
    assert "unknown" not in answer
    assert answer["last"] == "2026-03-05"
    assert answer["intervals"] is not None and len(answer["intervals"]) == 1
    assert answer["intervals"][0]["last"] == "2026-03-05"
    assert answer["intervals"][0]["first"] == answer["first"] <= "2026-03-05"


def test_when_never_holds_on_a_day_the_date_is_absent():
    pack = load(SHIPPED)
    answer = holding_days(pack, "not_shipped", {}, "shipped_on")
    assert (answer["first"], answer["last"], answer.get("intervals") or []) == (None, None, [])


# ---------------------------------------------------------------- 3. when and the assumptions

def test_when_skips_a_day_the_assumptions_exclude():
    pack = load("""
fact today: date
fact closed_on: date
assume open_day: today != closed_on
decision open: bool = today <= closed_on + 3 days
""")
    known = read_facts(pack, {"closed_on": "2026-03-05"}, fill_absent=False)
    answer = holding_days(pack, "open", known, "today")
    assert answer["last"] == "2026-03-08"
    intervals = answer["intervals"]
    assert [i["last"] for i in intervals] == ["2026-03-04", "2026-03-08"]
    assert intervals[1]["first"] == "2026-03-06"


# ---------------------------------------------------------------- 4. W605 means "removing it changes nothing"

def redundant_rules(pack) -> list[str]:
    return [names[0] for names in codes_on(pack, "W605")]


def test_no_w605_when_removal_changes_a_first_hit():
    pack = load("""
fact p: bool
fact q: bool
decision x: int hit first
rule r cite "c": when p then x = 1
rule m cite "c": when q then x = 2
rule s cite "c": when p or q then x = 1
""")
    assert decide(pack, {"p": True, "q": True})["x"] == ("value", 1)  # without r: m gives 2
    assert "r" not in redundant_rules(pack)


def test_no_w605_for_a_rule_whose_override_settles_a_conflict():
    pack = load("""
fact p: bool
decision x: int
rule s cite "c": when p then x = 1
rule t cite "c": when p then x = 2
rule r cite "c": when p then x = 1 overrides t because "r settles it"
""")
    assert decide(pack, {"p": True})["x"] == ("value", 1)  # without r: s and t conflict
    assert "r" not in redundant_rules(pack)


def test_no_w605_for_a_rule_of_a_higher_priority():
    pack = load("""
fact p: bool
decision x: int hit priority
rule s cite "c" priority 1: when p then x = 1
rule t cite "c" priority 2: when p then x = 2
rule r cite "c" priority 3: when p then x = 1
""")
    assert decide(pack, {"p": True})["x"] == ("value", 1)  # without r: t gives 2
    assert "r" not in redundant_rules(pack)


def test_w605_still_reports_a_rule_removal_leaves_unchanged():
    pack = load("""
fact stars: int 1..5
decision positive: bool default false
rule broad cite "Art. 55": when stars >= 4 then positive = true
rule narrow cite "Art. 55": when stars == 5 then positive = true
""")
    assert "narrow" in redundant_rules(pack)


# ---------------------------------------------------------------- 5. W612 and defaults

def test_no_w612_on_a_decision_with_a_default():
    pack = load("""
fact plan: standard | basic | special
decision cap: int default 0
table caps for cap cite "Art. 27":
  given plan
  row standard => 3000
  row basic => 300
""")
    assert decide(pack, {"plan": "special"})["cap"] == ("value", 0)
    assert codes_on(pack, "W612") == []


# ---------------------------------------------------------------- 6. undetermined upstream

UPSTREAM = """
fact p: bool
fact today: date
assume days: today >= 2026-03-02 and today <= 2026-03-08
decision x: bool
rule a cite "c": when p then x = true
rule b cite "c": when p then x = false
decision y: bool default false
rule d cite "c": when x is present and x then y = true
decision g: bool complete
rule c cite "c": when not p then g = true
decision reads_gap: bool = not g
decision open: bool = not g and today <= 2026-03-05
property x_can_hold cite "c": possible x is present and x
"""


def test_checks_read_a_conflict_upstream_as_undetermined():
    pack = load(UPSTREAM)
    assert decide(pack, {"p": True, "today": "2026-03-02"})["x"] == ("undetermined", "conflict")
    # x is never true: d never fires, and the possible-property never holds
    assert {"d", "y"} in [set(names) for names in codes_on(pack, "E601")]
    assert {"x_can_hold"} in [set(names) for names in codes_on(pack, "E610")]


def test_partial_reads_a_gap_upstream_as_undetermined():
    pack = load(UPSTREAM)
    assert decide(pack, {"p": True, "today": "2026-03-02"})["g"] == ("undetermined", "gap")
    known = read_facts(pack, {"p": True}, fill_absent=False)
    entry = partial_decisions(pack, known)["reads_gap"]
    outcomes = reported_outcomes(entry)
    assert outcomes, f"partial reports no outcome for `reads_gap`: {entry}"
    assert all(o[0] == "undetermined" for o, _ in outcomes), f"reads_gap is undetermined on every case: {entry}"
    for outcome, witness in outcomes:
        assert decide(pack, witness)["reads_gap"] == outcome


def test_when_reads_a_gap_upstream_as_undetermined():
    pack = load(UPSTREAM)
    known = read_facts(pack, {"p": True}, fill_absent=False)
    answer = holding_days(pack, "open", known, "today")
    assert (answer["first"], answer["last"]) == (None, None)


# ---------------------------------------------------------------- 7. division by zero

def test_division_by_zero_refutes_nothing():
    pack = load("""
fact n: int 0..2
decision big: bool = 10 / n > 100
property never_big cite "c": never big
""")
    assert decide(pack, {"n": 0})["big"] == ("undetermined", "division by zero")
    assert codes_on(pack, "E609") == []
