"""What a list's declared maximum length costs (issue 16, collections): the formal checks, a
partial question and deciding a case of the collections fixture
(tests/fixtures/collections/), with its lists declared up to 3 (the fixture), 6, 12 and 24
records, side by side in one run, as ratios to the fixture's 3.

The Z3 encoding has a slot per possible record, so the checks grow with the maximum; the
evaluator reads only the records a case has, so deciding does not.

    .venv/bin/python bench/collections.py
"""

from __future__ import annotations

import re
import time
from pathlib import Path

from ruleproof.checker.checks import run_checks
from ruleproof.checker.evaluate import CompiledPack
from ruleproof.checker.partial import partial_decisions
from ruleproof.checker.pipeline import load_texts
from ruleproof.checker.values import read_facts

FIXTURE = Path(__file__).resolve().parent.parent / "tests" / "fixtures" / "collections" / "collections.rules"
LENGTHS = (3, 6, 12, 24)
REVIEW = {"stars": 5, "posted_on": "2026-02-20", "verified": True, "weight": 0.5}
CASE = {"categories": [{"deposit": 100, "active": True, "level": "basic"}], "reviews": [REVIEW, REVIEW],
        "today": "2026-03-02", "divisor": 1, "bar": 4}


def best(fn, repeat: int = 3) -> float:
    times = []
    for _ in range(repeat):
        started = time.perf_counter()
        fn()
        times.append(time.perf_counter() - started)
    return min(times)


def main() -> None:
    text = FIXTURE.read_text()
    rows = []
    for length in LENGTHS:
        pack = load_texts({"collections.rules": re.sub(r"up to 3\b", f"up to {length}", text)}).pack
        compiled = CompiledPack(pack)
        facts = read_facts(pack, CASE)
        known = read_facts(pack, {k: v for k, v in CASE.items() if k != "reviews"}, fill_absent=False)
        rows.append((length, best(lambda p=pack: run_checks(p, jobs=1), 1), best(lambda p=pack, k=known: partial_decisions(p, k, ["rating"]), 1),
                     best(lambda c=compiled, f=facts: [c.decide(f) for _ in range(1000)]) / 1000))
    base = rows[0]
    print(f"{'max length':>10} {'check (s)':>10} {'ratio':>6} {'partial (s)':>12} {'ratio':>6} {'decide (µs)':>12} {'ratio':>6}")
    for length, check, partial, decide in rows:
        print(f"{length:>10} {check:>10.2f} {check / base[1]:>6.2f} {partial:>12.2f} {partial / base[2]:>6.2f} "
              f"{decide * 1e6:>12.1f} {decide / base[3]:>6.2f}")


if __name__ == "__main__":
    main()
