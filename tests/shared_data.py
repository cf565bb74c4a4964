"""Where the tests find shared/marketplace (the decided cases and the vocabulary): the live
copy beside the repository (as CI lays it out), or $RULEPROOF_SHARED, or else the snapshot in
tests/fixtures/marketplace/ — so the tests always run, and run on the newest cases when the
live copy is there."""

from __future__ import annotations

import os
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
SNAPSHOT = REPO / "tests" / "fixtures" / "marketplace"


def marketplace_file(name: str) -> Path:
    """The path of `name` (examples.jsonl, VOCABULARY.md) in the first place that has it."""
    candidates = [REPO.parent / "shared" / "marketplace"]
    if os.environ.get("RULEPROOF_SHARED"):
        candidates.insert(0, Path(os.environ["RULEPROOF_SHARED"]) / "marketplace")
    candidates.append(SNAPSHOT)
    return next(c / name for c in candidates if (c / name).is_file())
