"""Decision tables at size (issue 19): a 5,000-row table compiles and decides as its rows say;
the chunked evaluator of large decisions agrees with the straight-line one under every hit
policy; the sweep (checker/table_space.py, checker/sweep.py) agrees with Z3 on overlaps and
missing regions; no finding is capped; W608 is judged against every rule."""

from __future__ import annotations

import json
import random
import sys
from pathlib import Path
from unittest import mock

import pytest
import z3
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "bench"))

import tablegen  # noqa: E402
from ruleproof.checker import (
    evaluate,  # noqa: E402
    table_space,  # noqa: E402
)
from ruleproof.checker.checks import run_checks  # noqa: E402
from ruleproof.checker.encode import Encoder  # noqa: E402
from ruleproof.checker.evaluate import CompiledPack  # noqa: E402
from ruleproof.checker.pipeline import load_texts  # noqa: E402
from ruleproof.checker.render import render_text  # noqa: E402
from ruleproof.checker.table_space import space_of  # noqa: E402
from ruleproof.checker.values import read_facts  # noqa: E402


def _load(text: str):
    loaded = load_texts({"t.rules": text})
    assert loaded.ok, [d.message for d in loaded.diagnostics][:5]
    return loaded.pack


def _point_facts(table: tablegen.Table, point: tuple) -> dict:
    return {f"c{c}": (tablegen.member(v) if k == "enum" else v) for c, (k, v) in enumerate(zip(table.kinds, point))}


def _sample(table: tablegen.Table, rng: random.Random) -> tuple:
    """A point near a random row's corner (where rows meet, overlap or leave gaps)."""
    box = rng.choice(table.boxes)
    point = []
    for k, part in zip(table.kinds, box):
        if k == "enum":
            point.append(rng.choice(sorted(part)))
        else:
            lo = part[0] if part[0] is not None else -5
            hi = part[1] if part[1] is not None else tablegen.HIGH + 5
            point.append(rng.choice([lo - 1, lo, hi - 1, hi, rng.randrange(lo, hi) if hi > lo else lo]))
    return tuple(point)


def test_a_5000_row_table_compiles_and_decides_as_its_rows_say():
    table = tablegen.generate(3, 5000, "categorical", seed=5)
    pack = _load(table.text)
    compiled = CompiledPack(pack)
    rng = random.Random(1)
    seen = {"one": 0, "none": 0, "several": 0}
    for _ in range(400):
        point = _sample(table, rng)
        rows = tablegen.covers(table, point)
        outcome = compiled.decide(read_facts(pack, _point_facts(table, point)), ["grade"])
        if len(rows) == 1:
            seen["one"] += 1
            assert outcome.values == {"grade": rows[0]}
        elif not rows:
            seen["none"] += 1
            assert outcome.undetermined["grade"]["cause"].value == "no_value"
        else:
            seen["several"] += 1
            assert outcome.undetermined["grade"]["cause"].value == "conflict"
            assert sorted(outcome.undetermined["grade"]["rules"]) == sorted(f"grade_table[{r}]" for r in rows)
    assert min(seen.values()) > 0, seen


POLICIES = {
    "unique": "",
    "first": " hit first",
    "priority": " hit priority",
    "collect": " hit collect",
}


@pytest.mark.parametrize("policy", sorted(POLICIES))
def test_chunked_decisions_agree_with_straight_line_ones(policy, monkeypatch):
    rng = random.Random(policy)
    lines = ['pack p version "1"', "fact x: int", "fact y: int?", "enum tag = a | b | c | d"]
    typ = "set of tag" if policy == "collect" else "int"
    lines.append(f"decision out: {typ}{POLICIES[policy]}")
    for i in range(300):
        low, high = rng.randrange(0, 90), rng.randrange(0, 100)
        value = rng.choice("abcd") if policy == "collect" else str(i % 7)
        cond = f"x >= {low} and x < {low + rng.randrange(1, 20)}" + (f" and y is present and y > {high}" if i % 3 else "")
        prio = f" priority {i % 4}" if policy == "priority" else ""
        over = f"\n  overrides r{i - 5} because \"an exception\"" if i % 11 == 0 and i >= 5 and policy != "collect" else ""
        lines.append(f'rule r{i}{prio} cite "x": when {cond} then out = {value}{over}')
    pack = _load("\n".join(lines) + "\n")
    large = CompiledPack(pack)
    monkeypatch.setattr(evaluate, "LARGE", 10_000)
    straight = CompiledPack(pack)
    for _ in range(300):
        facts = {"x": rng.randrange(-5, 110), "y": rng.choice([None, rng.randrange(0, 110)])}
        a, b = large.decide(read_facts(pack, facts)), straight.decide(read_facts(pack, facts))
        assert (a.values, a.undetermined) == (b.values, b.undetermined), facts


# ------------------------------------------------------------------ the sweep against Z3

CELLS_INT = st.one_of(st.just("any"), st.tuples(st.sampled_from(["<", "<=", ">", ">=", "=="]), st.integers(0, 6)),
                     st.frozensets(st.integers(0, 6), min_size=1, max_size=3).map(lambda s: ("in", s)))
CELLS_ENUM = st.one_of(st.just("any"), st.just("otherwise"), st.sampled_from(["red", "green", "blue"]),
                       st.sets(st.sampled_from(["red", "green", "blue"]), min_size=1, max_size=2))


def _cell(cell) -> str:
    if cell in ("any", "otherwise"):
        return cell
    if isinstance(cell, tuple) and cell[0] == "in":
        return "in {" + ", ".join(str(v) for v in sorted(cell[1])) + "}"
    if isinstance(cell, tuple):
        return f"{cell[0]} {cell[1]}"
    if isinstance(cell, (set, frozenset)):
        return "in {" + ", ".join(sorted(cell)) + "}"
    return cell


ROWS = st.lists(st.tuples(CELLS_INT, CELLS_INT, CELLS_ENUM, CELLS_INT), min_size=1, max_size=7)
HITS = st.sampled_from(["", " hit first", " hit strict"])
VALUES = st.lists(st.integers(0, 2), min_size=7, max_size=7)


def _table_text(rows, hit: str = "", values=None) -> str:
    lines = ['pack p version "1"', "fact n: int", "fact m: decimal?", "fact colour: red | green | blue",
             f"decision out: int{hit}", "table t for out:", "  given n, n, colour, m"]
    lines += [f"  row {', '.join(_cell(c) for c in row)} => {values[i] if values else i}" for i, row in enumerate(rows)]
    return "\n".join(lines) + "\n"


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(ROWS, HITS, VALUES)
def test_the_sweep_agrees_with_z3_on_overlaps_and_missing_regions(rows, hit, values):
    loaded = load_texts({"t.rules": _table_text(rows, hit, values)})
    if not loaded.ok:  # e.g. two identical rows (E309)
        return
    pack = loaded.pack
    decision = pack.decisions["out"]
    space = space_of(decision)
    assert space is not None
    enc = Encoder(pack)
    solver = z3.Solver()
    solver.add(*enc.domain)
    fires = [enc.fires[("out", r.name)] for r in decision.rules]

    def sat(*terms) -> bool:
        solver.push()
        solver.add(*terms)
        found = solver.check()
        solver.pop()
        assert found != z3.unknown
        return found == z3.sat

    for i in range(len(fires)):
        for j in range(i + 1, len(fires)):
            assert sat(fires[i], fires[j]) == ((i, j) in space.overlaps), (i, j)
        assert sat(fires[i]) == (i in space.owners), i
    regions = [enc.condition(space.condition(g)) for g in space.gaps]
    assert not sat(z3.Not(z3.Or(*fires, *regions)))  # rows and regions cover every case
    for k, region in enumerate(regions):
        assert not sat(region, z3.Or(*fires))  # no row holds in a region
        for other in regions[k + 1:]:
            assert not sat(region, other)  # the regions are disjoint
    for k, a in enumerate(space.gaps):  # and no two of them make one region
        for b in space.gaps[k + 1:]:
            differ = [axis for axis in range(len(a)) if a[axis] != b[axis]]
            if len(differ) == 1 and space.axes[differ[0]].ordered:
                (x,), (y,) = a[differ[0]], b[differ[0]]
                assert x[1] + 1 != y[0] and y[1] + 1 != x[0], (a, b)
            assert len(differ) != 1 or space.axes[differ[0]].ordered, (a, b)
    # W605's question asked of a rule and the rules whose boxes meet it: the whole decision's answer
    for i, rule in enumerate(decision.rules):
        among = frozenset([rule.name, *(decision.rules[j].name for j in space.neighbours.get(i, ()))])
        whole = Encoder(pack).outcome_changes(decision, rule.name)
        assert sat(whole) == sat(enc.outcome_changes(decision, rule.name, among)), rule.name


CELLS_NUMBER = st.one_of(st.just("any"), st.tuples(st.sampled_from(["<", "<=", ">", ">=", "=="]), st.integers(0, 6)))


@settings(max_examples=60, deadline=None)
@given(st.lists(st.tuples(CELLS_NUMBER, CELLS_NUMBER, CELLS_NUMBER), min_size=1, max_size=8))
def test_integer_tables_read_in_one_pass_give_the_general_readings_boxes(rows):
    lines = ['pack p version "1"', "fact n: int", "fact k: int", "decision out: int", "table t for out:",
             "  given n, n, k"]
    lines += [f"  row {', '.join(_cell(c) for c in row)} => {i}" for i, row in enumerate(rows)]
    loaded = load_texts({"t.rules": "\n".join(lines) + "\n"})
    if not loaded.ok:
        return
    decision = loaded.pack.decisions["out"]
    if table_space.integer_boxes(decision) is None:  # only a row of `any` cells (`true`) is read the general way
        assert any(all(c == "any" for c in row) for row in rows)
        return
    fast = space_of(decision)
    with mock.patch.object(table_space, "integer_boxes", lambda d: None):
        general = space_of(decision)
    assert [(a.fact, a.ordered, a.points) for a in fast.axes] == [(a.fact, a.ordered, a.points) for a in general.axes]
    assert fast.lo.tolist() == general.lo.tolist() and fast.hi.tolist() == general.hi.tolist()
    assert fast.owner.tolist() == general.owner.tolist() and fast.masks is general.masks is None
    assert fast.gaps == general.gaps and fast.overlaps == general.overlaps


def test_every_missing_region_is_a_finding_with_its_case():
    pack = _load(_table_text([(("<", 3), "any", "any", "any"), ((">", 5), "any", "red", "any"),
                              ((">=", 3), ("<=", 4), "green", "any")]))
    gaps = [f for f in run_checks(pack, only=["table"]).findings if f.code == "W612"]
    # uncovered: n in 3..4 with blue or red, n = 5, n >= 6 with blue or green: three regions
    assert len(gaps) == 3, [f.message for f in gaps]
    compiled = CompiledPack(pack)
    for f in gaps:
        assert f.message.startswith("no row of table `t` matches the cases where n >= ")
        case = f.counterexample.case
        outcome = compiled.decide(read_facts(pack, case), ["out"])
        assert outcome.undetermined["out"]["cause"].value == "no_value", case


# ------------------------------------------------------------------ W608 against every rule

def test_boundary_is_judged_against_every_rule_of_the_decision():
    """Issue 18: rows `== a`, `> a`, `< a` on input `b` cover b = a with the first row."""
    text = ('pack p version "1"\nfact a: int\nfact b: int\ndecision side: string\ntable sides for side:\n'
            '  given b\n  row == a => "on"\n  row > a => "above"\n  row < a => "below"\n')
    assert not [f for f in run_checks(_load(text)).findings if f.code == "W608"]
    gap = text.replace('  row == a => "on"\n', "")
    assert [f.code for f in run_checks(_load(gap), only=["boundary"]).findings] == ["W608"]


# ------------------------------------------------------------------ no silent cap

def _overlapping(rows: int) -> str:
    return _table_text([((">=", i % 7), "any", "any", "any") if i < 7 else ((">=", i % 7), ("<=", 6), "any", "any")
                        for i in range(rows)])


def test_text_folds_long_lists_and_says_how_many_it_left_out():
    findings = [f for f in run_checks(_load(_overlapping(9)), only=["conflict"]).findings if f.code == "E611"]
    assert len(findings) == 36
    text = render_text(findings, fold=5)
    assert text.count("error[E611]") == 5
    assert "… and 31 more overlaps of `t`" in text
    assert text.rstrip().endswith("36 errors, 0 warnings")
    assert render_text(findings, fold=None).count("error[E611]") == 36


def test_json_and_sarif_carry_every_finding(tmp_path, capsys):
    from ruleproof.main import main

    rows = "".join(f"  row == {i % 2} => {i}\n" for i in range(520))  # 518 rows repeat an earlier one
    (tmp_path / "t.rules").write_text('pack p version "1"\nfact n: int\ndecision out: int\ntable t for out:\n'
                                      "  given n\n" + rows)
    main(["check", str(tmp_path), "--format", "json"])
    body = json.loads(capsys.readouterr().out)
    assert sum(1 for d in body["diagnostics"] if d["code"] == "E309") == 518
    main(["check", str(tmp_path), "--format", "sarif"])
    sarif = json.loads(capsys.readouterr().out)
    assert sum(1 for r in sarif["runs"][0]["results"] if r["ruleId"] == "E309") == 518


def test_one_table_split_over_two_processes_finds_the_same(monkeypatch):
    from ruleproof.checker.checks import runner

    table = tablegen.generate(3, 60, "categorical", seed=3)
    pack = _load(table.text)
    monkeypatch.setattr(runner, "SPLIT_MIN_RULES", 10)
    one, two = run_checks(pack, jobs=1), run_checks(pack, jobs=2)
    assert two.processes == 2
    assert sorted((f.code, f.message) for f in one.findings) == sorted((f.code, f.message) for f in two.findings)
    overlaps = {tuple(sorted(int(n.split("[")[1][:-1]) for n in f.involved[:2])) for f in two.findings if f.code == "E611"}
    assert overlaps == table.overlaps
