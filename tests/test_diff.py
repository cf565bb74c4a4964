"""`ruleproof diff`: two versions of the marketplace pack that differ in one deadline differ in
exactly the decisions that depend on it, each with a witness both versions replay."""

from __future__ import annotations

import json
import shutil
import subprocess
from pathlib import Path

import pytest
from ruleproof.checker import ir
from ruleproof.checker.diff import diff_packs
from ruleproof.checker.evaluate import CompiledPack
from ruleproof.checker.pipeline import load_pack
from ruleproof.checker.values import read_facts, to_wire
from ruleproof.main import main

PACK = Path(__file__).resolve().parents[1] / "policies" / "marketplace"


@pytest.fixture(scope="module")
def versions(tmp_path_factory) -> tuple[Path, Path]:
    new = tmp_path_factory.mktemp("new") / "marketplace"
    shutil.copytree(PACK, new)
    orders = new / "orders.rules"
    text = orders.read_text()
    assert "const payment_period = 20 days" in text
    orders.write_text(text.replace("const payment_period = 20 days", "const payment_period = 25 days"))
    return PACK, new


def _dependents(pack: ir.Pack, decision: str) -> set[str]:
    found = {decision}
    for name in pack.decision_order:
        if ir.decision_reads(pack.decisions[name])[1] & found:
            found.add(name)
    return found


def test_one_deadline_changes_exactly_its_dependents(versions) -> None:
    old, new = (load_pack(p).pack for p in versions)
    report = diff_packs(old, new)
    changed = {d.name for d in report.decisions if d.status == "changed"}
    assert changed == _dependents(old, "payment_deadline")
    assert all(d.status == "equivalent" for d in report.decisions if d.name not in changed)
    for d in report.decisions:
        if d.status != "changed":
            continue
        for pack, expected in ((old, d.old), (new, d.new)):
            compiled = CompiledPack(pack)
            outcome = compiled.decide(read_facts(pack, d.witness), [d.name])
            got = to_wire(outcome.values[d.name], pack.decisions[d.name].type) if d.name in outcome.values else None
            assert got == (expected if not isinstance(expected, dict) else None)
        assert d.old != d.new


def test_identical_packs_are_equivalent() -> None:
    pack = load_pack(PACK).pack
    report = diff_packs(pack, pack)
    assert not report.changed


def test_cli_diff_exit_codes(versions, capsys) -> None:
    old, new = versions
    assert main(["diff", str(old), str(new), "--format", "json"]) == 0
    body = json.loads(capsys.readouterr().out)
    assert body["changed"] is True
    assert main(["diff", str(old), str(new), "--fail-on-change"]) == 1
    assert "payment_deadline" in capsys.readouterr().out
    assert main(["diff", str(old), str(old), "--fail-on-change"]) == 0


def test_cli_diff_reads_git_revisions(tmp_path, capsys) -> None:
    repo = tmp_path / "repo"
    shutil.copytree(PACK, repo / "pack")
    run = lambda *args: subprocess.run(["git", *args], cwd=repo, check=True, capture_output=True)  # noqa: E731
    run("init", "-q")
    run("-c", "user.email=t@t", "-c", "user.name=t", "add", ".")
    run("-c", "user.email=t@t", "-c", "user.name=t", "commit", "-qm", "v1")
    orders = repo / "pack" / "orders.rules"
    orders.write_text(orders.read_text().replace("const payment_period = 20 days", "const payment_period = 21 days"))
    run("-c", "user.email=t@t", "-c", "user.name=t", "commit", "-qam", "v2")
    import os

    cwd = os.getcwd()
    os.chdir(repo)
    try:
        assert main(["diff", "HEAD~1:pack", "HEAD:pack", "--fail-on-change"]) == 1
        assert "payment_deadline" in capsys.readouterr().out
        assert main(["diff", "HEAD~1:nowhere", "HEAD:pack"]) == 2
    finally:
        os.chdir(cwd)
