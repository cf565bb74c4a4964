"""Decision tables at the sizes of Calvanese et al.'s evaluation (issue 19), side by side in one
run with the previous ruleproof version and, as ratios, with the published times of the
reference sweep (the issue's table).

Run from the repository root: ``python bench/tables.py [--sizes 3x500 5x1000 ...] [--no-base]``.
Each table comes from bench/tablegen.py (10% noisy rows: widened → overlaps, shrunk → missing
regions) and is written once; each version checks the same text in a fresh process (the
previous one from a temporary `git worktree`, as bench/versions.py does), one process, one
core (`jobs=1`: the machine is shared). Measured per version: the overlap check alone (E611,
`run_checks(only=["conflict"])`) and the gap check alone (W612, `only=["table"]`), as the
issue did, and for this version every check together. Times are the checks' CPU seconds
(`time.process_time`, what one core spent: the shared machine's load does not inflate them),
front end excluded.

Correctness, for this version: the E611 pairs are exactly the generator's overlapping pairs;
every W612 case matches no row (the generator's own boxes say so); the W612 regions are the
sweep's (`Space.gaps`), and Z3 proves that rows and regions together cover every case; no
other finding. Then the growth exponent from 500 to 5,000 rows per column count.
"""

from __future__ import annotations

import argparse
import json
import math
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "bench"))

import tablegen  # noqa: E402
from versions import importable  # noqa: E402

BASE = "10f347a"  # before issue 19
SIZES = ["3x500", "3x1000", "3x5000", "5x500", "5x1000", "5x5000", "7x500", "7x1000", "7x5000", "3x10000"]
BASE_SIZES = {"3x500", "3x1000", "3x2500", "3x5000", "5x1000", "7x1000"}  # where the issue measured it
# The published reference times (s): overlaps, gaps; None: "> 120 s".
REFERENCE = {"3x500": (0.32, 0.28), "3x1000": (0.29, 0.56), "3x2500": (5.55, 5.30), "3x5000": (65.3, 13.6),
             "5x1000": (105.0, 21.9), "7x1000": (None, None)}

MEASURE = r'''
import json, sys, time
sys.setrecursionlimit(1000)
from ruleproof.checker.pipeline import load_texts
from ruleproof.checker.checks import run_checks
text = open(sys.argv[1]).read()
only = {"overlaps": ["conflict"], "gaps": ["table"], "all": None}[sys.argv[2]]
loaded = load_texts({"t.rules": text})
out = {}
try:
    t, c = time.perf_counter(), time.process_time()
    report = run_checks(loaded.pack, only=only, jobs=1)
    out["cpu"], out["wall"] = time.process_time() - c, time.perf_counter() - t
    out["findings"] = [{"code": f.code, "involved": list(f.counterexample.involved) if f.counterexample else [],
                        "case": f.counterexample.case if f.counterexample else None} for f in report.findings]
except RecursionError as err:
    out["crash"] = f"RecursionError: {err}"
print(json.dumps(out, default=str))
'''


def measure(path: Path, cwd: Path, table: Path, what: str, limit: float) -> dict:
    try:
        done = subprocess.run([sys.executable, "-c", MEASURE, str(table), what], cwd=cwd, capture_output=True,
                              text=True, timeout=limit, env={"PYTHONPATH": str(path), "PATH": "/usr/bin:/bin"})
    except subprocess.TimeoutExpired:
        return {"crash": f"> {limit:.0f} s"}
    if done.returncode != 0:
        return {"crash": done.stderr.strip().splitlines()[-1][:120] if done.stderr.strip() else f"exit {done.returncode}"}
    return json.loads(done.stdout.strip().splitlines()[-1])


def verify(table: tablegen.Table, text: str, found: list[dict]) -> list[str]:
    """What is wrong with this version's findings on a generated table (empty: nothing)."""
    import z3
    from ruleproof.checker.encode import Encoder
    from ruleproof.checker.pipeline import load_texts
    from ruleproof.checker.table_space import space_of

    problems = []
    pairs = {tuple(sorted(int(n.split("[")[1][:-1]) for n in f["involved"][:2])) for f in found if f["code"] == "E611"}
    if pairs != table.overlaps:
        problems.append(f"E611: {len(table.overlaps - pairs)} planted overlaps missed, {len(pairs - table.overlaps)} extra")
    gaps = [f for f in found if f["code"] == "W612"]
    for f in gaps:
        point = tuple(int(f["case"][f"c{c}"][1:]) if k == "enum" else int(f["case"][f"c{c}"])
                      for c, k in enumerate(table.kinds))
        if tablegen.covers(table, point):
            problems.append(f"W612 case {f['case']} matches a row")
    other = sorted({f["code"] for f in found} - {"E611", "W612"})
    if other:
        problems.append(f"unplanted findings: {other}")
    pack = load_texts({"t.rules": text}).pack
    decision = pack.decisions["grade"]
    space = space_of(decision)
    if len(gaps) != len(space.gaps):
        problems.append(f"W612: {len(gaps)} findings for {len(space.gaps)} regions")
    enc = Encoder(pack)
    solver = z3.Solver()
    solver.add(*enc.domain)
    rows = [enc.fires[("grade", r.name)] for r in decision.rules]
    regions = [enc.condition(space.condition(g)) for g in space.gaps]
    solver.add(z3.Not(z3.Or(*rows, *regions)))
    if solver.check() != z3.unsat:
        problems.append("rows and W612 regions leave a case uncovered")
    if table.shrunk and not gaps:
        problems.append("no W612 for the shrunk rows")
    return problems


def _cell(result: dict | None, key: str = "cpu") -> str:
    if result is None:
        return "–"
    if "crash" in result:
        return f"**{result['crash']}**"
    return f"{result[key]:.2f} s"


def _ratio(a: dict | None, b: float | dict | None) -> str:
    if a is None or "crash" in a or b is None:
        return "–"
    if isinstance(b, dict):
        if "crash" in b:
            return "(base failed)"
        b = b["cpu"]
    return f"{b / a['cpu']:.1f}×"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", nargs="*", default=SIZES, help="COLUMNSxROWS, e.g. 3x500")
    parser.add_argument("--kind", choices=["numeric", "categorical"], default="numeric")
    parser.add_argument("--base", default=BASE)
    parser.add_argument("--no-base", action="store_true", help="this version only")
    parser.add_argument("--limit", type=float, default=600.0, help="seconds per measure before giving up")
    parser.add_argument("--no-all", action="store_true",
                        help="skip the all-checks measure (then E611 and W612 are verified from their own runs)")
    args = parser.parse_args()
    rows_out = []
    with tempfile.TemporaryDirectory() as tmp:
        base_tree = Path(tmp) / "base"
        trees = {"this": (importable(ROOT, Path(tmp) / "this-path"), ROOT)}
        if not args.no_base:
            subprocess.run(["git", "worktree", "add", "--detach", str(base_tree), args.base], cwd=ROOT, check=True,
                           capture_output=True)
            trees["base"] = (importable(base_tree, Path(tmp) / "base-path"), base_tree)
        try:
            for size in args.sizes:
                columns, rows = (int(x) for x in size.split("x"))
                table = tablegen.generate(columns, rows, args.kind, seed=columns * 100 + rows)
                path = Path(tmp) / f"{size}.rules"
                path.write_text(table.text)
                result: dict = {"size": size, "overlaps": len(table.overlaps), "shrunk": len(table.shrunk)}
                for version, (importpath, cwd) in trees.items():
                    if version == "base" and size not in BASE_SIZES:
                        continue
                    for what in ("overlaps", "gaps") + (("all",) if version == "this" and not args.no_all else ()):
                        result[(version, what)] = measure(importpath, cwd, path, what, args.limit)
                        print(size, version, what, _cell(result[(version, what)]), file=sys.stderr, flush=True)
                if args.no_all:
                    runs = [result[("this", "overlaps")], result[("this", "gaps")]]
                    failed = [r["crash"] for r in runs if "crash" in r]
                    this_all = {"crash": "; ".join(failed)} if failed else \
                        {"findings": [f for r in runs for f in r["findings"]], "cpu": float("nan")}
                else:
                    this_all = result[("this", "all")]
                result["problems"] = verify(table, table.text, this_all["findings"]) if "crash" not in this_all \
                    else [this_all["crash"]]
                result["w612"] = sum(1 for f in this_all.get("findings", []) if f["code"] == "W612")
                print(size, "problems:", result["problems"] or "none", file=sys.stderr, flush=True)
                rows_out.append(result)
        finally:
            if not args.no_base:
                subprocess.run(["git", "worktree", "remove", "--force", str(base_tree)], cwd=ROOT, capture_output=True)
    report(rows_out, args)


def report(rows: list[dict], args) -> None:
    print(f"Tables: {args.kind}; CPU seconds of the checks (one process); base = {args.base}; "
          "reference = the issue's published times of the 2016 sweep.\n")
    print("| columns × rows | planted overlaps / shrunk rows | overlaps: this | base | ref | ref / this "
          "| gaps: this | base | ref | ref / this | W612 regions | all checks: this | correct |")
    print("| --- | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- |")
    for r in rows:
        ref = REFERENCE.get(r["size"])
        ref_o = "> 120 s" if ref and ref[0] is None else (f"{ref[0]} s" if ref else "–")
        ref_g = "> 120 s" if ref and ref[1] is None else (f"{ref[1]} s" if ref else "–")
        ratio_o = _ratio(r[("this", "overlaps")], 120.0 if ref and ref[0] is None else (ref[0] if ref else None))
        ratio_g = _ratio(r[("this", "gaps")], 120.0 if ref and ref[1] is None else (ref[1] if ref else None))
        if ref and ref[0] is None:
            ratio_o, ratio_g = "> " + ratio_o, "> " + ratio_g
        print(f"| {r['size'].replace('x', ' × ')} | {r['overlaps']} / {r['shrunk']} | {_cell(r[('this', 'overlaps')])} "
              f"| {_cell(r.get(('base', 'overlaps')))} | {ref_o} | {ratio_o} | {_cell(r[('this', 'gaps')])} "
              f"| {_cell(r.get(('base', 'gaps')))} | {ref_g} | {ratio_g} | {r['w612']} | {_cell(r.get(('this', 'all')))} "
              f"| {'yes' if not r['problems'] else '; '.join(r['problems'])} |")
    print()
    by_columns: dict[int, dict[int, dict]] = {}
    for r in rows:
        columns, count = (int(x) for x in r["size"].split("x"))
        by_columns.setdefault(columns, {})[count] = r
    for columns, sizes in sorted(by_columns.items()):
        if 500 in sizes and 5000 in sizes:
            growth = []
            for what in ("overlaps", "gaps", "all"):
                a, b = sizes[500].get(("this", what)), sizes[5000].get(("this", what))
                if a is None or b is None:
                    continue
                if "crash" not in a and "crash" not in b and a["cpu"] > 0:
                    growth.append(f"{what} n^{math.log(b['cpu'] / a['cpu']) / math.log(10):.2f}")
            print(f"- {columns} columns, 500 → 5,000 rows: " + ", ".join(growth))


if __name__ == "__main__":
    main()
