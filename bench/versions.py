"""This version of ruleproof against an earlier one, in one run: decisions, checks, front end, start-up.

Run from the repository root: ``python bench/versions.py [--base REV]``. The earlier version
(default: the last commit before checker/semantics/ existed) is checked out into a temporary
git worktree and imported from there under the same name, `ruleproof`; each measure runs in a
fresh process per version, the versions alternating, ``--rounds`` times; the table gives the
least of each (the run the machine disturbed least: it is shared and noisy) and the ratio
(this / base: below 1 is faster). Times are the process's CPU time (Z3 runs in the same
thread), which other processes on the machine disturb less than the wall clock.

Measures: the refund question from wire facts (read + decide, µs; and through `decide_json`,
JSON in and out, as the CLI and the service answer it); every marketplace decision
on one case from wire facts (µs); `run_checks` on the marketplace pack, warm (s); `run_checks`
on a generated 1,000-rule (and 3,000-rule) pack in one process (s); parsing and the whole front end
(`load_texts`) on bench/frontend.py's generated pack, warm, CPU ms per 1,000 lines (least of
15 runs); `ruleproof check policies/marketplace` and `ruleproof --version` as fresh processes,
wall clock and CPU (least of 5, after one untimed run that warms the OS's file cache and, in
a version that has one, the grammar cache), in s.
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
BASE = "b103265"  # one import name, before checker/semantics/

MEASURE = r'''
import json, sys, time
sys.path[:0] = [sys.argv[2], sys.argv[2] + "/bench"]

what = sys.argv[1]


def per_call_us(fn, inputs, rounds=5):
    best = []
    for _ in range(rounds):
        t = time.process_time()
        for x in inputs:
            fn(x)
        best.append((time.process_time() - t) / len(inputs) * 1e6)
    return min(best)


def least_cpu_ms(fn, rounds=15):
    fn()
    times = []
    for _ in range(rounds):
        t = time.process_time(); fn(); times.append((time.process_time() - t) * 1000)
    return min(times)


if what.startswith("cold-"):
    import resource, subprocess
    argv = {"cold-check": ["check", "policies/marketplace"], "cold-version": ["--version"]}[what]
    command = [sys.executable, "-c", "import sys; from ruleproof.main import main; sys.exit(main(sys.argv[1:]))", *argv]
    subprocess.run(command, capture_output=True)
    walls, cpus = [], []
    for _ in range(5):
        before, t = resource.getrusage(resource.RUSAGE_CHILDREN), time.perf_counter()
        subprocess.run(command, capture_output=True, check=True)
        walls.append(time.perf_counter() - t)
        after = resource.getrusage(resource.RUSAGE_CHILDREN)
        cpus.append(after.ru_utime + after.ru_stime - before.ru_utime - before.ru_stime)
    out = {what + "-wall": min(walls), what + "-cpu": min(cpus)}
elif what == "frontend":
    from ruleproof.checker.parse import parse_module
    from ruleproof.checker.pipeline import load_texts
    from ruleproof.checker.source import SourceFile
    import frontend
    texts = frontend.generate(1000)
    per = 1000 / sum(t.count("\n") for t in texts.values())
    sources = [SourceFile(path, text) for path, text in texts.items()]
    out = {"parse": least_cpu_ms(lambda: [parse_module(s, "m") for s in sources]) * per,
           "frontend": least_cpu_ms(lambda: load_texts(texts)) * per}
else:
    from ruleproof.checker.pipeline import load_pack, load_texts
    from ruleproof.checker.evaluate import CompiledPack
    from ruleproof.checker.values import read_facts
    from ruleproof.checker.checks import run_checks
    from bench.peers.cases import completed, generate
    import checkgen
    pack = load_pack("policies/marketplace").pack
    compiled = CompiledPack(pack)
    cases = [c.facts for c in generate(2000)]
    if what == "refund":
        names = ["refund_request_allowed"]
        out = per_call_us(lambda f: compiled.decide(read_facts(pack, f), names), cases)
    elif what == "refund-json":  # what `ruleproof decide` and the service run: JSON facts in, JSON out
        from ruleproof.checker.decisions import decide_json
        names = ["refund_request_allowed"]
        out = per_call_us(lambda f: decide_json(compiled, f, names), cases)
    elif what == "all":
        complete = [completed(pack, f) for f in cases[:500]]
        out = per_call_us(lambda f: compiled.decide(read_facts(pack, f)), complete)
    elif what == "check-marketplace":
        run_checks(pack)
        times = []
        for _ in range(3):
            t = time.process_time(); run_checks(pack, jobs=1); times.append(time.process_time() - t)
        out = min(times)
    else:
        generated = checkgen.generate(int(what.removeprefix("check-")))
        big = load_texts(generated.files).pack
        t = time.process_time(); run_checks(big, jobs=1); out = time.process_time() - t
    out = {what: out}
print(json.dumps(out))
'''

MEASURES = {"refund": {"refund": "refund question from JSON (`read_facts` + `decide`), µs"},
            "refund-json": {"refund-json": "refund question, `decide_json` (JSON in and out), µs"},
            "all": {"all": "every decision on one case from JSON, µs"},
            "check-marketplace": {"check-marketplace": "check the marketplace pack (warm), s"},
            "check-1000": {"check-1000": "check 1,000 generated rules, s"},
            "check-3000": {"check-3000": "check 3,000 generated rules, s"},
            "frontend": {"parse": "parse, CPU ms per 1,000 lines", "frontend": "front end, CPU ms per 1,000 lines"},
            "cold-check": {"cold-check-wall": "`ruleproof check policies/marketplace`, fresh process, wall s",
                           "cold-check-cpu": "same, CPU s"},
            "cold-version": {"cold-version-wall": "`ruleproof --version`, fresh process, wall s",
                             "cold-version-cpu": "same, CPU s"}}


def importable(tree: Path, into: Path) -> Path:
    """A folder holding `ruleproof` laid out as installed, from a source tree's folders."""
    package = into / "ruleproof"
    package.mkdir(parents=True)
    for item in (tree / "cli").iterdir():
        (package / item.name).symlink_to(item)
    for folder in ("checker", "server", "grammar"):
        (package / folder).symlink_to(tree / folder)
    return into


def run(path: Path, cwd: Path, what: str) -> dict[str, float]:
    done = subprocess.run([sys.executable, "-c", MEASURE, what, str(ROOT)], cwd=cwd, capture_output=True, text=True,
                          env={"PYTHONPATH": str(path), "PATH": "/usr/bin:/bin"})
    if done.returncode != 0:
        raise SystemExit(f"{what} failed in {cwd}:\n{done.stderr[-2000:]}")
    return json.loads(done.stdout.strip().splitlines()[-1])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--base", default=BASE)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--only", nargs="*", choices=list(MEASURES), help="these measures only")
    parser.add_argument("--base-pack", action="store_true",
                        help="both versions decide and check the base's marketplace pack (same rules: the code alone compared)")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        base_tree = Path(tmp) / "base"
        subprocess.run(["git", "worktree", "add", "--detach", str(base_tree), args.base], cwd=ROOT, check=True,
                       capture_output=True)
        try:
            trees = {"base": (importable(base_tree, Path(tmp) / "base-path"), base_tree),
                     "this": (importable(ROOT, Path(tmp) / "this-path"), base_tree if args.base_pack else ROOT)}
            results: dict[tuple[str, str], list[float]] = {}
            for _ in range(args.rounds):
                for what in args.only or MEASURES:
                    for version, (path, cwd) in trees.items():
                        for name, value in run(path, cwd, what).items():
                            results.setdefault((name, version), []).append(value)
        finally:
            subprocess.run(["git", "worktree", "remove", "--force", str(base_tree)], cwd=ROOT, capture_output=True)
    print(f"| measure | base {args.base} | this | this / base |")
    print("| --- | --- | --- | --- |")
    for labels in MEASURES.values():
        for name, label in labels.items():
            if (name, "base") not in results:
                continue
            base, this = min(results[(name, "base")]), min(results[(name, "this")])
            print(f"| {label} | {base:.3g} | {this:.3g} | {this / base:.2f} |")


if __name__ == "__main__":
    main()
