"""The visible marketplace examples through `ruleproof batch`: shared by the DuckDB and Spark tests."""

from __future__ import annotations

import json
from pathlib import Path

from ruleproof.main import main

try:
    from tests.shared_data import marketplace_file
    from tests.test_marketplace_examples import same
except ImportError:  # pytest run without the repository root on sys.path
    from shared_data import marketplace_file
    from test_marketplace_examples import same

PACK = Path(__file__).resolve().parent.parent / "policies" / "marketplace"
CASES = [json.loads(line) for line in marketplace_file("examples.jsonl").read_text().splitlines() if line.strip()]


def batch_examples(tmp: Path, engine: str) -> list[dict]:
    """Every example's facts, one per line, decided by `ruleproof batch --engine engine`; the
    output lines."""
    cases = tmp / "cases.jsonl"
    cases.write_text("".join(json.dumps(c["facts"]) + "\n" for c in CASES))
    out = tmp / "decided.jsonl"
    assert main(["batch", str(PACK), "--cases", str(cases), "--out", str(out), "--engine", engine]) == 0
    return [json.loads(line) for line in out.read_text().splitlines()]


def wrong_answers(results: list[dict]) -> dict:
    """What the examples expect and the batch did not give."""
    assert len(results) == len(CASES)
    wrong = {}
    for case, result in zip(CASES, results):
        for name, expected in case["expect"].items():
            if expected == "undetermined":
                ok = name in result["undetermined"]
            else:
                ok = name in result["decisions"] and same(expected, result["decisions"][name])
            if not ok:
                wrong[(case["id"], name)] = (expected, result["decisions"].get(name), result["undetermined"].get(name))
    return wrong
