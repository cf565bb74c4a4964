"""Golden diagnostics: one fixture per diagnostic code the front end reports.

Each fixture is `tests/diagnostics/<CODE>.rules`, or a folder `tests/diagnostics/<CODE>/` for a
pack of several files; `<CODE>.expected` next to it holds `render_text` of what `load_pack`
reports, with paths relative to tests/diagnostics. A name may carry a suffix after the code
(`E201-money.rules`) for a second case of one code. Some fixtures also keep the JSON rendering
in `<CODE>.expected.json`.

Regenerate after an intended change of wording, and review the diff:

    UPDATE_GOLDEN=1 .venv/bin/python -m pytest tests/test_diagnostics_golden.py
"""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from ruleproof.checker.diagnostics import CODES
from ruleproof.checker.pipeline import load_pack
from ruleproof.checker.render import render_json, render_text

FIXTURES = Path(__file__).parent / "diagnostics"
UPDATE = bool(os.environ.get("UPDATE_GOLDEN"))
JSON_GOLDENS = ("E101", "E203", "E309")

# Codes in the registry that no front-end fixture can show, and why.
NOT_FROM_THE_FRONT_END = {
    "W405": "reported by the formal checks (`ruleproof check`), after acceptances are matched",
    "E501": "reported by `ruleproof test` when an example fails",
    "E701": "reported by the DMN import on a .dmn file (tests/test_dmn_import.py)",
    "E702": "reported by the DMN import on a .dmn file (tests/test_dmn_import.py)",
    "E703": "reported by `ruleproof export dmn` (tests/test_dmn_import.py)",
}


def _fixture_names() -> list[str]:
    names = {p.name.removesuffix(".rules") for p in FIXTURES.glob("*.rules")}
    names |= {p.name for p in FIXTURES.iterdir() if p.is_dir()}
    return sorted(names)


def _load(name: str, monkeypatch):
    monkeypatch.chdir(FIXTURES)
    target = Path(name) if (FIXTURES / name).is_dir() else Path(name + ".rules")
    return load_pack(target)


def _check(path: Path, actual: str) -> None:
    if UPDATE:
        path.write_text(actual, encoding="utf-8")
    assert path.exists(), f"no golden {path.name}; run with UPDATE_GOLDEN=1 to create it"
    assert actual == path.read_text(encoding="utf-8"), f"{path.name} differs; run with UPDATE_GOLDEN=1 and review the diff"


@pytest.mark.parametrize("name", _fixture_names())
def test_fixture_renders_as_its_golden(name, monkeypatch):
    result = _load(name, monkeypatch)
    code = name.split("-")[0]
    assert code in CODES, f"fixture {name} is not named after a registered code"
    assert code in {d.code for d in result.diagnostics}, f"fixture {name} does not produce {code}"
    _check(FIXTURES / f"{name}.expected", render_text(result.diagnostics))


@pytest.mark.parametrize("name", JSON_GOLDENS)
def test_json_rendering_matches_its_golden(name, monkeypatch):
    result = _load(name, monkeypatch)
    _check(FIXTURES / f"{name}.expected.json", render_json(result.diagnostics))


def test_every_front_end_code_has_a_fixture():
    covered = {name.split("-")[0] for name in _fixture_names()}
    back_end = {code for code in CODES if code[1] in "56"}  # example runs and formal checks
    missing = set(CODES) - covered - back_end - set(NOT_FROM_THE_FRONT_END)
    assert not missing, f"codes without a golden fixture: {sorted(missing)}"
    assert len(covered) >= 30


def test_no_stray_goldens():
    names = set(_fixture_names())
    for path in FIXTURES.glob("*.expected*"):
        assert path.name.split(".expected")[0] in names, f"{path.name} has no fixture"
