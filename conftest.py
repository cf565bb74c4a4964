"""pytest runs the `>>>` examples in the docstrings of checker/, server/ and cli/
(`--doctest-modules`, pyproject.toml). Those folders are installed as `ruleproof.checker`,
`ruleproof.server` and `ruleproof`; without this hook pytest would import each file a second
time under its folder's name (`checker.parse`), and the examples would run on a copy of the
modules the tests use.
"""

from __future__ import annotations

import importlib
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent
INSTALLED_AS = {"checker": "ruleproof.checker", "server": "ruleproof.server", "cli": "ruleproof"}


def pytest_collect_file(file_path: Path, parent) -> None:
    """Before pytest imports a module of the package for its doctests, register the installed
    module (and its parent packages) under the name pytest derives from the folders."""
    try:
        parts = file_path.resolve().relative_to(ROOT).with_suffix("").parts
    except ValueError:
        return
    if file_path.suffix != ".py" or not parts or parts[0] not in INSTALLED_AS or parts[-1] == "__main__":
        return
    if parts[-1] == "__init__":
        parts = parts[:-1]
    for depth in range(1, len(parts) + 1):
        local = ".".join(parts[:depth])
        installed = ".".join((INSTALLED_AS[parts[0]], *parts[1:depth]))
        sys.modules.setdefault(local, importlib.import_module(installed))
