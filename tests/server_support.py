"""Helpers shared by the service's tests (tests/test_server_*.py)."""

from __future__ import annotations

import shutil
import time
from pathlib import Path

from pydantic import BaseModel
from ruleproof.server.app import create_app

REPO = Path(__file__).resolve().parent.parent
POLICIES = REPO / "tests" / "fixtures" / "server" / "policies"
SHOP = POLICIES / "shop"

#: a case of the shop pack and what it decides
CASE = {"placed_on": "2026-01-01", "today": "2026-01-12"}
CASE_DECISIONS = {"payment_deadline": "2026-01-11", "order_closed": True, "refund_allowed": False}


def make_app(policies: Path = POLICIES, **overrides):
    """An app over `policies` with no watcher and no decision log unless asked for."""
    config = {"policies_dir": policies, "decision_log": None, "reload_interval": 0, **overrides}
    return create_app(config)


def close(app) -> None:
    app.extensions["ruleproof"].close()


def copy_policies(tmp_path: Path) -> Path:
    """A writable copy of the fixture policies (one pack: shop)."""
    target = tmp_path / "policies"
    shutil.copytree(POLICIES, target)
    return target


def shape(model: type[BaseModel], body: dict) -> dict:
    """Check `body` against the response model (the contract) and return it."""
    model.model_validate(body)
    return body


def wait_for(predicate, timeout: float = 15.0, interval: float = 0.05):
    """Poll until `predicate()` is truthy; return its value or fail."""
    deadline = time.monotonic() + timeout
    while True:
        value = predicate()
        if value:
            return value
        if time.monotonic() > deadline:
            raise AssertionError(f"condition not met within {timeout} s")
        time.sleep(interval)


def edit(path: Path, old: str, new: str) -> None:
    """Replace text in a pack file, making sure the change is visible to an mtime poller."""
    text = path.read_text()
    assert old in text, f"{old!r} not in {path}"
    before = path.stat().st_mtime_ns
    path.write_text(text.replace(old, new))
    if path.stat().st_mtime_ns == before:  # coarse clocks: move the mtime on explicitly
        import os

        os.utime(path, ns=(before + 1_000_000, before + 1_000_000))
