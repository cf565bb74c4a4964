"""The diagnostics defects of issue 15, each pinned: no knock-on diagnostics after a syntax
error or an unknown name, a reason required for `overrides`, W608 in the subject's terms and
its exit code. (The wording of each is in its golden under tests/diagnostics/.)"""

from __future__ import annotations

from pathlib import Path

import pytest
from ruleproof.checker.pipeline import load_pack, load_texts
from ruleproof.main import main

HERE = Path(__file__).parent
GOLDEN = HERE / "diagnostics"
REPO = HERE.parent


@pytest.mark.parametrize(("fixture", "codes"), [
    ("E002-no-knock-on-E106", ["E002"]),  # not E106 at the `overrides` of the broken rule, nor W401
    ("E101-no-knock-on-E205", ["E101"]),  # not E205 for the name the unknown one misspells
    ("E002-rule-without-then", ["E002"]),
    ("E002-accept-without-because", ["E002"]),
    ("E314", ["E314"]),
])
def test_only_the_cause_is_reported(fixture, codes):
    found = load_pack(GOLDEN / f"{fixture}.rules").diagnostics
    assert [d.code for d in found] == codes


def test_a_missing_then_is_located_at_its_rule_not_at_the_end_of_the_file():
    (found,) = load_pack(GOLDEN / "E002-rule-without-then.rules").diagnostics
    assert found.primary.span.line == 8 and found.message == "`rule unpaid_order_closes` has no `then`"
    assert "end of file" not in found.message + (found.help or "")


def test_every_bundled_pack_gives_its_reasons():
    for pack in (REPO / "policies").iterdir():
        assert [d.code for d in load_pack(pack).diagnostics if d.code == "E314"] == [], pack


def test_unless_needs_a_reason_too():
    text = ('pack t version "1"\nfact a: bool\nfact b: bool\ndecision d: int default 0\n'
            'rule r cite "x": when a then d = 1\nrule s cite "x": when b then d = 2 unless r\n')
    assert [d.message for d in load_texts({"t.rules": text}).diagnostics] == ["`unless r` gives no reason"]


MONEY = """pack t version "1"
fact amount: money USD
decision fee: money USD default 0 USD hit first
rule big cite "A": when amount > 100 USD then fee = 5 USD
rule small cite "A": when amount < 100 USD then fee = 1 USD
"""


def test_w608_speaks_of_an_amount_for_money_and_exits_0_unless_warnings_fail(tmp_path, capsys):
    pack = tmp_path / "fees.rules"
    pack.write_text(MONEY)
    assert main(["check", str(pack)]) == 0  # a warning, documented under W608 in specs/diagnostics.md
    out = capsys.readouterr().out
    assert "the threshold amount is covered by neither rule" in out and "day" not in out.split("\n")[0]
    assert main(["check", str(pack), "--fail-on", "warning"]) == 1
    capsys.readouterr()
    doc = (REPO / "specs" / "diagnostics.md").read_text()
    assert "**Exit code.** W608 is a warning: `ruleproof check` exits 0" in doc
