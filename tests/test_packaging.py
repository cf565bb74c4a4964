"""An installed ruleproof is one top-level package, `ruleproof`, with its grammar and static files."""

from __future__ import annotations

import subprocess
import sys
import zipfile
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent


def test_the_wheel_has_one_top_level_name(tmp_path):
    subprocess.run([sys.executable, "-m", "pip", "wheel", "--no-deps", "--no-build-isolation", "-q", "-w", str(tmp_path),
                    str(REPO)], check=True, capture_output=True, text=True)
    (wheel,) = tmp_path.glob("ruleproof-*.whl")
    names = zipfile.ZipFile(wheel).namelist()
    tops = {n.split("/")[0] for n in names}
    assert {t for t in tops if not t.endswith(".dist-info")} == {"ruleproof"}, sorted(tops)
    for needed in ("ruleproof/__main__.py", "ruleproof/main.py", "ruleproof/checker/semantics/outcomes.py",
                   "ruleproof/grammar/ruleproof.lark", "ruleproof/server/static/playground.js"):
        assert needed in names, needed
    folders = {"cli": "ruleproof", "checker": "ruleproof/checker", "server": "ruleproof/server", "grammar": "ruleproof/grammar"}
    for folder, installed in folders.items():
        for module in (REPO / folder).rglob("*.py"):
            assert f"{installed}/{module.relative_to(REPO / folder).as_posix()}" in names, f"{module} is not in the wheel"
    top_level = next(n for n in names if n.endswith(".dist-info/top_level.txt"))
    assert zipfile.ZipFile(wheel).read(top_level).decode().split() == ["ruleproof"]


def test_the_checker_never_imports_the_server():
    offenders = [str(p.relative_to(REPO)) for p in (REPO / "checker").rglob("*.py")
                 if any(line.lstrip().startswith(("from ruleproof.server", "import ruleproof.server"))
                        for line in p.read_text().splitlines())]
    assert offenders == []


def test_python_dash_m_ruleproof_runs_the_cli():
    done = subprocess.run([sys.executable, "-m", "ruleproof", "--help"], capture_output=True, text=True, cwd="/")
    assert done.returncode == 0 and "check" in done.stdout
