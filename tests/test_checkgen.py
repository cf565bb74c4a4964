"""The formal checks find every defect bench/checkgen.py plants (code and names) and nothing
else, in generated packs of 10 and 100 rules — and the ways a large pack is checked fast
(questions asked of part of the assumptions, several processes) change no finding."""

from __future__ import annotations

import os
import sys
import time
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "bench"))

import checkgen  # noqa: E402
from ruleproof.checker import checks  # noqa: E402
from ruleproof.checker.checks import run_checks, runner  # noqa: E402
from ruleproof.checker.pipeline import load_texts  # noqa: E402


def _load(rules: int):
    generated = checkgen.generate(rules)
    loaded = load_texts(generated.files)
    assert loaded.ok, [d.message for d in loaded.diagnostics][:5]
    return generated, loaded.pack


def _summary(findings) -> list[tuple[str, tuple[str, ...]]]:
    return sorted((f.code, tuple(sorted(f.involved))) for f in findings)


@pytest.mark.parametrize("rules", [10, 100])
def test_every_planted_defect_is_found_and_nothing_else(rules: int) -> None:
    generated, pack = _load(rules)
    assert abs(len(pack.rules()) - rules) <= checkgen.SECTION_RULES
    assert len(pack.rules()) == generated.rules
    started = time.perf_counter()
    report = run_checks(pack, timeout_ms=5_000, jobs=1)
    assert time.perf_counter() - started < 10
    found = [(f.code, set(f.involved)) for f in report.findings]
    missed = [p for p in generated.planted if not any(c == p.code and set(p.names) <= names for c, names in found)]
    assert not missed, missed
    unplanted = [(c, sorted(n)) for c, n in found
                 if not any(c == p.code and set(p.names) <= n for p in generated.planted)]
    assert not unplanted, unplanted
    assert len(report.findings) == len(generated.planted)


def test_planted_kinds_cover_every_formal_check() -> None:
    codes = {p.code for p in checkgen.generate(10).planted}
    assert codes == {"E601", "E602", "E603", "W604", "W605", "W606", "E607", "W608", "E609", "E610", "E611", "W612", "W615"}


def test_larger_packs_plant_more_blocks_among_clean_sections() -> None:
    generated = checkgen.generate(1_000)
    assert generated.blocks == 2 and generated.sections > 40
    assert len(generated.planted) == 26
    assert len({(p.code, p.names) for p in generated.planted}) == 26  # every block has its own names


def test_questions_about_part_of_the_pack_change_no_finding(monkeypatch) -> None:
    """Asking each question of the assumptions about the facts it reads (the default) finds
    exactly what asking it of every assumption finds."""
    _, pack = _load(100)
    sliced = run_checks(pack, jobs=1)
    monkeypatch.setattr(checks.CheckContext, "sliced", False)
    whole = run_checks(pack, jobs=1)
    assert _summary(sliced.findings) == _summary(whole.findings)


@pytest.mark.parametrize("path", sorted((Path(__file__).parent / "checks").glob("*.rules"))
                         + [Path(__file__).resolve().parent.parent / "policies" / "marketplace"], ids=lambda p: p.stem)
def test_slicing_changes_no_finding_in_the_fixtures_and_the_marketplace(path: Path, monkeypatch) -> None:
    from ruleproof.checker.pipeline import load_pack

    loaded = load_pack(path)
    assert loaded.ok, [d.message for d in loaded.diagnostics]
    sliced = run_checks(loaded.pack, jobs=1)
    monkeypatch.setattr(checks.CheckContext, "sliced", False)
    whole = run_checks(loaded.pack, jobs=1)
    assert _summary(sliced.findings) == _summary(whole.findings)


def test_several_processes_change_no_finding() -> None:
    _, pack = _load(100)
    serial = run_checks(pack, jobs=1)
    parallel = run_checks(pack, jobs=2)
    assert parallel.processes > 1, "run_checks forks workers from a single-threaded process"
    assert _summary(parallel.findings) == _summary(serial.findings)
    assert parallel.queries >= serial.queries - 5  # the same questions, a few asked twice at most


def _die(index: int) -> None:
    os._exit(3)  # a worker killed mid-run


def test_a_broken_worker_pool_falls_back_to_this_process(monkeypatch) -> None:
    _, pack = _load(100)
    serial = run_checks(pack, jobs=1)
    monkeypatch.setattr(runner, "_run_part", _die)
    messages: list[str] = []
    fallen_back = run_checks(pack, jobs=2, progress=messages.append)
    assert fallen_back.processes > 1, "run_checks forks workers from a single-threaded process"
    assert any("worker processes failed" in m for m in messages)
    assert _summary(fallen_back.findings) == _summary(serial.findings)
    assert fallen_back.queries == serial.queries


def test_progress_is_reported() -> None:
    _, pack = _load(100)
    messages: list[str] = []
    run_checks(pack, jobs=1, progress=messages.append)
    assert messages[0] == "assumptions" and "decisions, windows and properties" in messages[1]
