"""Formal-check speed: packs of 10, 100, 1,000 and 5,000 rules with planted defects, and the
marketplace pack warm.

Run from the repository root: ``python bench/checks.py`` (``--help`` for the knobs). Method:
import everything and check a 10-rule pack once (untimed: Python and Z3 warm up); then for
each size generate a pack with bench/checkgen.py, run the front end on its text (timed
separately), and check it ``--repeat`` times with ``run_checks`` — one process (``jobs=1``),
and for packs of ``PARALLEL_MIN_RULES`` rules or more also as ``run_checks`` does by default
(one process per CPU). Each run is timed by the wall clock and by CPU time (this process's
plus its workers'); the table gives medians, the number of questions sent to Z3 and answered
from the memo, and whether exactly the planted defects were found. The growth exponent is
fitted between the 100- and 1,000-rule packs (one process): t ∝ n^k, k = ln(t₂/t₁)/ln(n₂/n₁).
The marketplace pack (``--marketplace``) is checked once cold (after imports), then
``--repeat`` more times warm; the warm median is reported.

``--readme bench/README.md`` writes the results between the markers of the "Formal checks"
section (the rest of the file is left alone).
"""

from __future__ import annotations

import argparse
import math
import os
import platform
import re
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))

import checkgen  # noqa: E402
import z3  # noqa: E402
from ruleproof.checker.checks import PARALLEL_MIN_RULES, run_checks  # noqa: E402
from ruleproof.checker.pipeline import load_pack, load_texts  # noqa: E402
from ruleproof.checker.solver import check, make_solver  # noqa: E402

START, END = "<!-- checks-results:start -->", "<!-- checks-results:end -->"


def _cpu() -> float:
    t = os.times()
    return t.user + t.system + t.children_user + t.children_system


def _timed(pack, repeat: int, jobs: int | None, timeout_ms: int) -> dict:
    walls, cpus, report = [], [], None
    for _ in range(repeat):
        c0, w0 = _cpu(), time.perf_counter()
        report = run_checks(pack, timeout_ms=timeout_ms, jobs=jobs)
        walls.append(time.perf_counter() - w0)
        cpus.append(_cpu() - c0)
    return {"wall": statistics.median(walls), "cpu": statistics.median(cpus), "report": report}


def _precision(generated, findings) -> tuple[int, int]:
    """(planted defects found, findings that were not planted)."""
    found = [(f.code, set(f.involved)) for f in findings]
    hits = sum(any(c == p.code and set(p.names) <= n for c, n in found) for p in generated.planted)
    extra = sum(not any(c == p.code and set(p.names) <= n for p in generated.planted) for c, n in found)
    return hits, extra


def measure(sizes: list[int], repeat: int, timeout_ms: int, marketplace: Path) -> dict:
    run_checks(load_texts(checkgen.generate(10).files).pack)  # warm-up: imports, Z3 initialisation
    rows = []
    for size in sizes:
        generated = checkgen.generate(size)
        t0 = time.perf_counter()
        loaded = load_texts(generated.files)
        front = time.perf_counter() - t0
        if not loaded.ok:
            raise SystemExit(f"the generated {size}-rule pack does not load: {loaded.diagnostics[0].message}")
        pack = loaded.pack
        rules = len(pack.rules())
        modes = [1] + ([None] if rules >= PARALLEL_MIN_RULES and (os.cpu_count() or 1) > 1 else [])
        for jobs in modes:
            result = _timed(pack, max(1, repeat if rules < 2_000 else min(repeat, 2)), jobs, timeout_ms)
            report = result["report"]
            hits, extra = _precision(generated, report.findings)
            rows.append({
                "size": size, "rules": rules, "facts": len(pack.facts), "front": front, "processes": report.processes,
                "wall": result["wall"], "cpu": result["cpu"], "queries": report.queries, "cached": report.cached,
                "planted": len(generated.planted), "found": hits, "extra": extra,
            })
            print(_row(rows[-1]), file=sys.stderr)
    loaded = load_pack(marketplace)
    market = None
    if loaded.ok:
        c0, w0 = _cpu(), time.perf_counter()
        first = run_checks(loaded.pack, timeout_ms=timeout_ms)
        cold = (time.perf_counter() - w0, _cpu() - c0)
        warm = _timed(loaded.pack, max(3, repeat), None, timeout_ms)
        market = {"rules": len(loaded.pack.rules()), "facts": len(loaded.pack.facts), "cold": cold,
                  "wall": warm["wall"], "cpu": warm["cpu"], "queries": first.queries, "cached": first.cached,
                  "findings": len(first.findings)}
    return {"rows": rows, "marketplace": market, "push_pop": push_pop_us()}


def push_pop_us(rounds: int = 2_000) -> float:
    """CPU µs of a trivial question on a solver made as the checks make theirs (push, two linear
    constraints, check, pop): the floor under what one query of the checks can cost."""
    solver, (x, y) = make_solver(), z3.Ints("x y")
    t0 = time.process_time()
    for i in range(rounds):
        check(solver, x > i, y < x, model=False)
    return (time.process_time() - t0) / rounds * 1e6


def _row(r: dict) -> str:
    return (f"| {r['rules']:,} | {r['facts']:,} | {r['processes']} | {r['wall']:.2f} | {r['cpu']:.2f} | "
            f"{r['queries']:,} | {r['cached']:,} | {r['found']}/{r['planted']}, {r['extra']} other | {r['front']:.2f} |")


def _exponent(rows: list[dict], key: str) -> float | None:
    serial = {r["size"]: r for r in rows if r["processes"] == 1}
    if 100 not in serial or 1000 not in serial:
        return None
    a, b = serial[100], serial[1000]
    return math.log(b[key] / a[key]) / math.log(b["rules"] / a["rules"])


def report(results: dict) -> str:
    rows, market = results["rows"], results["marketplace"]
    lines = [
        f"Machine: {os.cpu_count()} CPUs, {platform.system()}, CPython {platform.python_version()}, "
        f"Z3 {z3.get_version_string()}; load average {os.getloadavg()[0]:.1f} at the end of the run.",
        "",
        "| rules | facts | processes | wall s | CPU s | Z3 queries | memo hits | planted found, other findings | front end s |",
        "| ---: | ---: | ---: | ---: | ---: | ---: | ---: | --- | ---: |",
    ]
    lines += [_row(r) for r in rows]
    lines.append("")
    for key, label in (("wall", "wall clock"), ("cpu", "CPU time")):
        k = _exponent(rows, key)
        if k is not None:
            lines.append(f"- growth from 100 to 1,000 rules ({label}, one process): n^{k:.2f} (goal: no worse than n^1.3)")
    big = [r for r in rows if r["size"] == 1000 and r["processes"] == 1]
    if big:
        lines.append(f"- 1,000 rules: {big[0]['wall']:.2f} s wall, {big[0]['cpu']:.2f} s CPU (goal: 10 s)")
    floor = results.get("push_pop")
    if floor:
        per = [(f"{r['rules']:,} generated rules", r["cpu"] / r["queries"]) for r in rows
               if r["processes"] == 1 and r["rules"] >= 1_000]
        per += [("the marketplace pack", market["cpu"] / market["queries"])] if market else []
        for what, seconds in per:
            lines.append(f"- CPU per Z3 query, {what} (all the checks' CPU / queries): {seconds * 1e3:.2f} ms = "
                         f"{seconds * 1e6 / floor:.1f}× a push/pop query on the same kind of solver ({floor:.0f} µs; goal: ≤ 3×)")
    if market:
        lines.append(
            f"- marketplace pack ({market['rules']} rules, {market['facts']} facts): {market['wall']:.2f} s wall, "
            f"{market['cpu']:.2f} s CPU warm (median; goal: 1 s); first run after imports {market['cold'][0]:.2f} s; "
            f"{market['queries']} Z3 queries, {market['cached']} memo hits, {market['findings']} findings")
    return "\n".join(lines) + "\n"


def write_readme(path: Path, text: str) -> None:
    """Put `text` between the result markers of the Formal checks section (creating what is missing)."""
    current = path.read_text(encoding="utf-8") if path.exists() else "# Benchmarks\n"
    block = f"{START}\n{text}{END}"
    if START in current and END in current:
        updated = re.sub(re.escape(START) + ".*?" + re.escape(END), lambda _: block, current, flags=re.S)
    elif "## Formal checks" in current:
        head, _, tail = current.partition("## Formal checks")
        body, sep, rest = tail.partition("\n## ")
        updated = head + "## Formal checks" + body.rstrip("\n") + "\n\n" + block + "\n" + (sep + rest if sep else "")
    else:
        updated = current.rstrip("\n") + "\n\n## Formal checks\n\n" + block + "\n"
    path.write_text(updated, encoding="utf-8")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--sizes", default="10,100,1000,5000", help="rule counts, comma-separated")
    parser.add_argument("--repeat", type=int, default=3, help="timed runs per size (at most 2 from 2,000 rules)")
    parser.add_argument("--timeout", type=int, default=10_000, help="solver time limit per query, ms")
    parser.add_argument("--marketplace", type=Path, default=ROOT / "policies" / "marketplace")
    parser.add_argument("--readme", type=Path, help="write the results into this README's Formal checks section")
    args = parser.parse_args()
    results = measure([int(s) for s in args.sizes.split(",")], args.repeat, args.timeout, args.marketplace)
    text = report(results)
    sys.stdout.write(text)
    if args.readme:
        write_readme(args.readme, text)


if __name__ == "__main__":
    main()
