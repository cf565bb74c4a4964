"""The brute-force comparison of tests/test_bruteforce.py over many more packs.

Run from the repository root: ``python bench/bruteforce.py --packs 2000`` (``make bruteforce``).
Each seed's small pack (tests/bruteforce/packs.py) is decided case by case with the evaluator,
and every check's verdict and counterexample, ``--partial``'s outcomes and witnesses and
``when``'s days are compared with brute force. Prints the count of packs, cases, findings and
questions compared, the disagreements by kind, and for each kind the smallest pack showing it
(``--examples 0`` to leave them out). Exit status 1 when anything disagrees.
"""

from __future__ import annotations

import argparse
import sys
import time
from collections import Counter
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from tests.bruteforce.run import PackResult, run_seed  # noqa: E402


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--packs", type=int, default=500, help="how many seeds (default 500)")
    parser.add_argument("--start", type=int, default=0, help="the first seed (default 0)")
    parser.add_argument("--jobs", type=int, default=1, help="processes (default 1)")
    parser.add_argument("--examples", type=int, default=1, help="examples printed per kind (default 1)")
    args = parser.parse_args(argv)
    seeds = range(args.start, args.start + args.packs)
    started = time.perf_counter()
    if args.jobs > 1:
        with ProcessPoolExecutor(args.jobs) as pool:
            results = list(pool.map(run_seed, seeds, chunksize=8))
    else:
        results = [run_seed(s) for s in seeds]
    seconds = time.perf_counter() - started
    print(summary(results, seconds))
    if args.examples:
        print(examples(results, args.examples))
    return 1 if any(r.disagreements for r in results) else 0


def summary(results: list[PackResult], seconds: float) -> str:
    kinds: Counter = Counter()
    packs_with: Counter = Counter()
    for r in results:
        kinds.update(r.kinds())
        packs_with.update(set(r.kinds()))
    lines = [
        f"packs: {len(results)} (seeds {results[0].seed}..{results[-1].seed})" if results else "packs: 0",
        f"cases: {sum(r.cases for r in results):,} satisfying the assumptions, of {sum(r.domain for r in results):,}",
        f"findings compared: {sum(r.findings for r in results):,}; partial and when questions: "
        f"{sum(r.questions for r in results):,}",
        f"packs with a disagreement: {sum(1 for r in results if r.disagreements)}",
        f"disagreements: {sum(kinds.values()):,}",
    ]
    lines += [f"  {kind:<48} {n:>6}  (in {packs_with[kind]} packs)" for kind, n in sorted(kinds.items())]
    lines.append(f"time: {seconds:.1f} s ({seconds / max(1, len(results)):.2f} s a pack)")
    return "\n".join(lines)


def examples(results: list[PackResult], per_kind: int) -> str:
    """For each kind, the disagreements from the smallest packs (shortest source)."""
    by_kind: dict[str, list] = {}
    for r in results:
        for d in r.disagreements:
            by_kind.setdefault(d.kind, []).append((len(d.source), r.seed, d))
    out = []
    for kind in sorted(by_kind):
        for _, seed, d in sorted(by_kind[kind], key=lambda t: (t[0], t[1]))[:per_kind]:
            out.append(f"\n=== {kind} (seed {seed})\n{d.render()}")
    return "\n".join(out)


if __name__ == "__main__":
    sys.exit(main())
