"""Reading a pack as stored at a git revision (`REV:path`), for `ruleproof diff`."""

from __future__ import annotations

import subprocess

from ruleproof.checker.packs import SUFFIX


class RevisionError(Exception):
    """The revision or path does not exist, or git is not available."""


def _git(*args: str) -> str:
    try:
        done = subprocess.run(["git", *args], capture_output=True, text=True, timeout=30, check=False)
    except (OSError, subprocess.TimeoutExpired) as err:
        raise RevisionError(f"cannot run git: {err}") from None
    if done.returncode != 0:
        raise RevisionError(done.stderr.strip() or f"git {' '.join(args)} failed")
    return done.stdout


def read_revision(spec: str) -> dict[str, str]:
    """The `.rules` files under `path` at `rev` (spec `rev:path`), as path -> text."""
    rev, _, path = spec.partition(":")
    path = path.rstrip("/")
    listing = _git("ls-tree", "-r", "--name-only", rev, "--", path)
    files = [f for f in listing.splitlines() if f.endswith(SUFFIX)]
    if not files:
        raise RevisionError(f"no {SUFFIX} files at {spec}")
    return {f"{rev}:{f}": _git("show", f"{rev}:{f}") for f in files}
