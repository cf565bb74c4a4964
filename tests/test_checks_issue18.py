"""The checker defects of issue 18, each as a regression test.

1. Date-time counterexamples stay in the representable range (`check` crashed with "ordinal
   must be >= 1" when Z3 chose a moment before year 1).
2. W605 and W604 judge a rule by every decision it concludes, under every hit policy:
   removing a rule the checker calls redundant changes no decision on any case, and a shadowed
   rule that still decides another decision is not advised to be removed.
3. W615: a decision decided by rules, without a default, that some case leaves without a value.
"""

from __future__ import annotations

import datetime as dt
import itertools
import re
import subprocess
import sys

import pytest
from ruleproof.checker.checks import run_checks
from ruleproof.checker.evaluate import CompiledPack
from ruleproof.checker.pipeline import load_texts
from ruleproof.checker.render import render_text
from ruleproof.checker.values import read_facts


def load(body: str):
    loaded = load_texts({"main.rules": 'pack regression version "1"\n' + body})
    assert loaded.ok, render_text(loaded.diagnostics)
    return loaded.pack


DATETIMES = """
fact a: datetime
fact b: datetime
decision d: string
rule later cite "c": when b > a then d = "later"
rule earlier cite "c": when b < a then d = "earlier"
"""


def test_datetime_counterexamples_are_moments_a_reader_can_read(tmp_path) -> None:
    findings = run_checks(load(DATETIMES), timeout_ms=5_000).findings
    cases = [f.counterexample.case for f in findings if f.counterexample is not None and f.counterexample.case]
    assert cases, [f.message for f in findings]
    for case in cases:
        for value in case.values():
            assert 1970 <= dt.datetime.fromisoformat(value).year <= 2199
    source = tmp_path / "times.rules"
    source.write_text('pack times version "1"\n' + DATETIMES)
    run = subprocess.run([sys.executable, "-m", "ruleproof", "check", str(source)], capture_output=True, text=True)
    assert run.returncode in (0, 1), run.stderr
    assert "internal error" not in run.stderr


def test_datetime_arithmetic_far_before_year_one_is_reported_not_crashed() -> None:
    pack = load('fact a: datetime\nfact gap: minutes\ndecision x: datetime cite "c" = a - gap\n'
                'property early cite "c": never x < a - 1065000000 minutes\n')
    (finding,) = [f for f in run_checks(pack, timeout_ms=5_000).findings if f.code == "E609"]
    assert 1970 <= dt.datetime.fromisoformat(finding.counterexample.case["a"]).year <= 2199


MULTI = """
fact p: bool
fact q: bool
enum flag = big | small
decision x: int {hit}
decision y: int default 0
decision flags: set of flag hit collect
rule both cite "c"{pa}: when p then x = 1, y = 2
rule only_x cite "c"{pb}: when p then x = 1
rule wide cite "c"{pc}: when p or q then x = 1, flags = big
rule small_flag cite "c": when q then flags = small
"""


def _variants():
    for hit, prios in (("", ("", "", "")), ("hit first", ("", "", "")), ("default 1", ("", "", "")),
                       ("hit strict", ("", "", "")), ("hit collect_sum", ("", "", "")), ("hit collect_max", ("", "", "")),
                       ("hit collect_count", ("", "", "")),
                       ("hit priority", (" priority 1", " priority 2", " priority 1")),
                       ("hit priority", (" priority 2", " priority 1", " priority 1"))):
        yield MULTI.format(hit=hit, pa=prios[0], pb=prios[1], pc=prios[2])


def _outcomes(pack) -> list[dict]:
    compiled = CompiledPack(pack)
    out = []
    for p, q in itertools.product((False, True), repeat=2):
        outcome = compiled.decide(read_facts(pack, {"p": p, "q": q}))
        out.append({n: (outcome.values.get(n), outcome.undetermined.get(n, {}).get("cause")) for n in pack.decision_order})
    return out


def _without(body: str, rule: str) -> str:
    return "\n".join(line for line in body.splitlines() if not line.startswith(f"rule {rule} "))


@pytest.mark.parametrize("body", list(_variants()))
def test_a_rule_called_redundant_can_be_removed_and_one_deciding_more_is_not_called_so(body) -> None:
    pack = load(body)
    findings = run_checks(pack, timeout_ms=5_000).findings
    redundant = {f.involved[0] for f in findings if f.code == "W605"}
    never_decides = {f.involved[0] for f in findings if f.code in ("W604", "E601")}
    before = _outcomes(pack)
    for rule in ("both", "only_x", "wide"):
        changes = _outcomes(load(_without(body, rule))) != before
        assert not (changes and rule in redundant), (rule, redundant)
        assert changes or rule in redundant | never_decides, (rule, redundant, never_decides)
    for finding in findings:
        if finding.code == "W604" and len(pack.concluding[finding.involved[0]]) > 1:
            assert "still decides" in finding.help and "remove it" not in finding.help


def test_no_rule_applies_is_reported_for_rules_and_not_for_the_presence_idiom() -> None:
    hole = load('fact age: int 0..120\ndecision band: child | adult\n'
                'rule young cite "c": when age < 18 then band = child\n'
                'rule grown cite "c": when age > 18 then band = adult\n')
    (finding,) = [f for f in run_checks(hole, timeout_ms=5_000).findings if f.code == "W615"]
    assert finding.counterexample.case == {"age": 18}
    idiom = load('fact shipped_on: date?\ndecision opens: date\n'
                 'rule ship cite "c": when shipped_on is present then opens = shipped_on + 3 days\n')
    assert not [f for f in run_checks(idiom, timeout_ms=5_000).findings if f.code == "W615"]
    assert re.search(r"W615", render_text(run_checks(hole, timeout_ms=5_000).findings))
