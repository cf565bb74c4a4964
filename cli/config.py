"""Defaults from `[tool.ruleproof]` in the nearest pyproject.toml (the current folder or one
above it): `paths` (what `check` checks when given no path), `fail-on` and `format`. A flag on
the command line always wins.

    [tool.ruleproof]
    paths = ["policies"]
    fail-on = "warning"
    format = "text"
"""

from __future__ import annotations

import os
import tomllib
from dataclasses import dataclass
from pathlib import Path

from ruleproof.common import UsageError

FORMATS = ("text", "json", "sarif", "junit", "github", "html")
FAIL_ON = ("error", "warning")


@dataclass(frozen=True)
class Defaults:
    """The settings of `[tool.ruleproof]`; `source` is the file they came from (None: none found)."""

    paths: tuple[str, ...] = ()
    fail_on: str = "error"
    format: str = "text"
    source: Path | None = None


def find_pyproject(start: Path) -> Path | None:
    """The nearest pyproject.toml at `start` or above it."""
    for folder in (start, *start.parents):
        candidate = folder / "pyproject.toml"
        if candidate.is_file():
            return candidate
    return None


def load_defaults(start: Path | None = None) -> Defaults:
    """The `[tool.ruleproof]` table of the nearest pyproject.toml, checked; paths in it are
    relative to that file. UsageError names the file and key when a value is wrong."""
    path = find_pyproject((start or Path.cwd()).resolve())
    if path is None:
        return Defaults()
    try:
        table = tomllib.loads(path.read_text(encoding="utf-8")).get("tool", {}).get("ruleproof")
    except (OSError, UnicodeDecodeError, tomllib.TOMLDecodeError) as err:
        raise UsageError(f"{path}: cannot read [tool.ruleproof]: {err}") from None
    if table is None:
        return Defaults()
    unknown = sorted(set(table) - {"paths", "fail-on", "format"})
    if unknown:
        raise UsageError(f"{path}: [tool.ruleproof] has no setting `{unknown[0]}` (known: paths, fail-on, format)")
    paths = table.get("paths", [])
    if not (isinstance(paths, list) and all(isinstance(p, str) for p in paths)):
        raise UsageError(f"{path}: [tool.ruleproof] paths must be a list of strings, e.g. paths = [\"policies\"]")
    for key, allowed in (("fail-on", FAIL_ON), ("format", FORMATS)):
        if key in table and table[key] not in allowed:
            raise UsageError(f"{path}: [tool.ruleproof] {key} = {table[key]!r}; expected one of {', '.join(allowed)}")
    base = path.parent
    relative = tuple(os.path.relpath(base / p) for p in paths)
    return Defaults(relative, table.get("fail-on", "error"), table.get("format", "text"), path)
