"""The README's shell blocks run as written: each ```sh block, in order, with bash (-e, -u,
pipefail) in a copy of the repository's policies and pyproject.toml that is a git repository of
two commits (for `diff HEAD~1:…`), with `.venv` linking to this one. Two liberties, no more: the
block of `make run` / `make test` is skipped (this test is part of `make test`), and the port
8080 becomes a free one (a service may already listen on 8080)."""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

from server_support import free_port

REPO = Path(__file__).resolve().parent.parent
README = REPO / "README.md"


def shell_blocks(text: str) -> list[str]:
    """The ```sh blocks of a Markdown text (fenced at the line's start or indented in a list)."""
    return [m.group(2) for m in re.finditer(r"^( *)```sh\n(.*?)^\1```", text, re.S | re.M)]


def test_the_readme_has_the_commands_it_promises():
    blocks = shell_blocks(README.read_text(encoding="utf-8"))
    text = "\n".join(blocks)
    for command in ("check --format html > report.html", "curl -s http://127.0.0.1:8080/v1/decide",
                    "/v1/validate", "replay --log decisions.sqlite", "ruleproof explain E602"):
        assert command in text, command


def test_every_shell_block_runs_as_written(tmp_path):
    work = tmp_path / "repo"
    work.mkdir()
    shutil.copytree(REPO / "policies", work / "policies")
    shutil.copy(REPO / "pyproject.toml", work / "pyproject.toml")
    (work / ".venv").symlink_to(Path(sys.executable).resolve().parent.parent if not (REPO / ".venv").exists()
                                else REPO / ".venv")
    git = ["git", "-c", "user.name=t", "-c", "user.email=t@example.org", "-C", str(work)]
    subprocess.run([*git, "init", "-q"], check=True)
    subprocess.run([*git, "add", "policies", "pyproject.toml"], check=True)
    subprocess.run([*git, "commit", "-qm", "one"], check=True)
    subprocess.run([*git, "commit", "-q", "--allow-empty", "-m", "two"], check=True)
    env = {**os.environ, "PATH": f"{work / '.venv' / 'bin'}:{os.environ['PATH']}", "NO_COLOR": "1"}
    env.pop("PROMETHEUS_MULTIPROC_DIR", None)
    port = str(free_port())
    ran = 0
    for block in shell_blocks(README.read_text(encoding="utf-8")):
        if block.lstrip().startswith("make run"):
            continue
        script = block.replace("8080", port)
        done = subprocess.run(["bash", "-euo", "pipefail", "-c", script], cwd=work, env=env, capture_output=True,
                              text=True, timeout=240)
        assert done.returncode == 0, f"README block failed ({done.returncode}):\n{block}\n{done.stdout[-3000:]}\n{done.stderr[-3000:]}"
        assert "Traceback" not in done.stdout + done.stderr
        ran += 1
    assert ran >= 8
    report = (work / "report.html").read_text()
    assert report.startswith("<!doctype html>") and "accepted" in report
    assert (work / "decisions.sqlite").exists()
