"""Decision latency in-process: ruleproof's compiled evaluator against the peers, in one run.

Run from the repository root: ``python bench/decide.py`` (``--help`` for the knobs; the peers
need ``pip install -r bench/peers/requirements.txt``). In one process:

1. **agreement** — ruleproof answers the refund question (``refund_request_allowed`` of the
   marketplace pack) right on the peers' 17 hand-computed examples and 2,000 generated cases,
   as every peer does (``bench.peers.check``); the run stops on a wrong answer;
2. **the refund question** — median and p99 latency, loop and batch throughput of every peer
   and of ruleproof through ``bench.peers.measure`` (same cases, same harness): ``ruleproof``
   takes the peers' wire facts (ISO dates, absent facts missing) and runs
   ``CompiledPack.decide_wire(facts, ["refund_request_allowed"])`` (the facts converted inside
   the plan's function, as ``decide_json`` does) inside the timed call; ``ruleproof-read``
   does the same in two steps, ``read_facts`` + ``CompiledPack.decide``; ``ruleproof-ir`` gets
   the facts already read into IR values (``read_facts`` before timing), like
   ``handwritten-ordinal``; ``ruleproof-same-rule`` runs ``decide_wire`` on
   ``bench/peers/ruleproof/refund.rules``, the question exactly as the peers state it (the pack's
   refund rule also requires that the order is not closed, which the peers leave out).
   Ratios to each peer's median are printed;
3. **every decision** — all decisions of the pack on one case, median and p99 µs: from IR
   facts (``CompiledPack.decide(facts)``), from wire facts (``decide_wire``; and
   ``read_facts`` + ``decide``), and ``decide_json`` with its wire output (the refund question
   alone too). The cases are the peers' generated cases completed with a fixed value for
   every other required fact of the pack;
4. **batch** — decisions per second over ``--batch-cases`` cases in a loop: the refund
   question from wire and from IR facts, and every decision (decisions/s = cases/s × decisions).

``--readme bench/README.md`` writes the results between the markers of the "Decisions
in-process" section (the rest of the file is left alone).
"""

from __future__ import annotations

import argparse
import datetime as dt
import gc
import os
import platform
import re
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from ruleproof.checker.decisions import decide_json  # noqa: E402
from ruleproof.checker.evaluate import CompiledPack  # noqa: E402
from ruleproof.checker.pipeline import load_pack  # noqa: E402
from ruleproof.checker.render import render_text  # noqa: E402
from ruleproof.checker.values import read_facts  # noqa: E402

from bench.peers import check, measure  # noqa: E402
from bench.peers.cases import completed, generate  # noqa: E402

QUESTION = "refund_request_allowed"
GOALS = {"refund question, median µs": 2.0, "refund question from IR facts, median µs": 1.0,
         "every decision, median µs": 30.0, "every decision with wire output, median µs": 45.0,
         "batch decisions/s": 200_000}
START, END = "<!-- decide.py results: start -->", "<!-- decide.py results: end -->"


def load_marketplace(path: Path = ROOT / "policies" / "marketplace"):
    result = load_pack(path)
    if not result.ok:
        sys.exit(render_text(result.diagnostics))
    return result.pack, CompiledPack(result.pack)


def same_rule_peer() -> measure.Peer:
    """ruleproof on bench/peers/ruleproof/refund.rules: the refund question exactly as the peers
    state it (the marketplace pack's rule before "and not order_is_closed" was added)."""
    _, compiled = load_marketplace(ROOT / "bench" / "peers" / "ruleproof" / "refund.rules")
    names = [QUESTION]
    return measure.Peer(lambda facts: compiled.decide_wire(facts, names).values[QUESTION])


def ruleproof_peers(pack, compiled) -> dict[str, measure.Peer]:
    names = [QUESTION]

    def wire(facts):
        return compiled.decide_wire(facts, names).values[QUESTION]

    def read_first(facts):
        return compiled.decide(read_facts(pack, facts), names).values[QUESTION]

    def ir_facts(facts):
        return compiled.decide(facts, names).values[QUESTION]

    def wire_batch(batch):
        return [compiled.decide_wire(facts, names).values[QUESTION] for facts in batch]

    def ir_batch(batch):
        return [compiled.decide(facts, names).values[QUESTION] for facts in batch]

    return {
        "ruleproof": measure.Peer(wire, decide_batch=wire_batch),
        "ruleproof-same-rule": same_rule_peer(),
        "ruleproof-read": measure.Peer(read_first),
        "ruleproof-ir": measure.Peer(ir_facts, prepare=lambda facts: read_facts(pack, facts), decide_batch=ir_batch),
    }


def timed(fn, inputs: list, warmup: int, iterations: int) -> tuple[float, float]:
    """Median and p99 µs of `fn(input)`, cycling through `inputs` (bench.peers.measure's method)."""
    return measure.latency_us(fn, inputs, warmup, iterations)


def per_second(fn, inputs: list, count: int) -> float:
    n = len(inputs)
    gc.collect()
    start = time.perf_counter()
    for i in range(count):
        fn(inputs[i % n])
    return count / (time.perf_counter() - start)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--cases", type=int, default=2000, help="generated refund cases (default 2000)")
    parser.add_argument("--warmup", type=int, default=2000)
    parser.add_argument("--iterations", type=int, default=20000)
    parser.add_argument("--batch-size", type=int, default=100)
    parser.add_argument("--batch-cases", type=int, default=100_000, help="cases per batch-throughput run")
    parser.add_argument("--readme", type=Path, help="write the results into this README's section")
    args = parser.parse_args()

    pack, compiled = load_marketplace()
    ours = ruleproof_peers(pack, compiled)
    load_before = os.getloadavg()[0]

    # 1. agreement with the floor (and every peer) before any timing
    check.main(args.cases, ours)

    # 2. the refund question, every peer in one run
    overhead = measure.harness_overhead_us(args.iterations)
    peers = {**measure.default_peers(), **ours}
    results = measure.run(peers, args.cases, args.warmup, args.iterations, args.batch_size)

    # 3. every decision on one case
    cases = [completed(pack, c.facts) for c in generate(args.cases)]
    ir_cases = [read_facts(pack, c) for c in cases]
    gc.collect()
    all_ir = timed(compiled.decide, ir_cases, args.warmup // 4, args.iterations // 4)
    all_wire = timed(compiled.decide_wire, cases, args.warmup // 4, args.iterations // 4)
    all_read = timed(lambda facts: compiled.decide(read_facts(pack, facts)), cases, args.warmup // 4, args.iterations // 4)
    all_json = timed(lambda facts: decide_json(compiled, facts), cases, args.warmup // 4, args.iterations // 4)
    refund_json = timed(lambda facts: decide_json(compiled, facts, [QUESTION]), cases, args.warmup // 4, args.iterations // 4)
    sample = compiled.decide(ir_cases[0])
    decided, undetermined = len(sample.values), len(sample.undetermined)

    # 4. batch throughput in-process
    refund_cases = [c.facts for c in generate(args.cases)]
    refund_ir = [read_facts(pack, c) for c in refund_cases]
    batch = {
        "refund question, wire facts": per_second(ours["ruleproof"].decide, refund_cases, args.batch_cases),
        "refund question, IR facts": per_second(ours["ruleproof-ir"].decide, refund_ir, args.batch_cases),
    }
    every_cases_per_s = per_second(compiled.decide, ir_cases, max(args.batch_cases // 20, 1000))
    batch["every decision, IR facts"] = every_cases_per_s * len(pack.decisions)
    load_after = os.getloadavg()[0]

    lines = report(pack, results, overhead, {"ir": all_ir, "wire": all_wire, "read": all_read, "json": all_json,
                                             "refund json": refund_json},
                   decided, undetermined, batch, every_cases_per_s, (load_before, load_after), args)
    print("\n".join(lines))
    if args.readme:
        write_readme(args.readme, lines)


def report(pack, results, overhead, one_case, decided, undetermined, batch, every_cases_per_s, load, args) -> list[str]:
    ours, ir_ours, hand = results["ruleproof"], results["ruleproof-ir"], results["handwritten"]
    out = [
        f"Run of {dt.date.today().isoformat()}: CPython {platform.python_version()}, {os.cpu_count()} CPUs "
        f"({platform.processor() or platform.machine()}), load average {load[0]:.1f} before and {load[1]:.1f} after; "
        f"marketplace pack {pack.version}: {len(pack.facts)} facts, {len(pack.decisions)} decisions; "
        f"{args.cases} cases, {args.iterations} timed calls per peer; harness overhead {overhead:.3f} µs (median).",
        "",
        "**The refund question** (`refund_request_allowed`), every peer in the same run:",
        "",
        "| peer | median µs | p99 µs | loop /s | batch /s | ruleproof ÷ peer (medians) | ruleproof-ir ÷ peer |",
        "| --- | ---: | ---: | ---: | ---: | ---: | ---: |",
    ]
    for name, r in results.items():
        batch_text = f"{r.batch_per_s:,.0f}" if r.batch_per_s is not None else "–"
        out.append(f"| {name} | {r.median_us:.2f} | {r.p99_us:.2f} | {r.loop_per_s:,.0f} | {batch_text} | "
                   f"{_ratio(ours.median_us, r.median_us)} | {_ratio(ir_ours.median_us, r.median_us)} |")
    out += [
        "",
        f"**Every decision on one case** ({len(pack.decisions)} decisions; on the first case {decided} decided, "
        f"{undetermined} with no rule applying):",
        "",
        "| path | median µs | p99 µs | ÷ IR facts |",
        "| --- | ---: | ---: | ---: |",
    ]
    for key, label in [("ir", "IR facts (`decide(facts)`)"), ("wire", "wire facts (`decide_wire(facts)`)"),
                       ("read", "wire facts, read first (`read_facts` + `decide`)"),
                       ("json", "wire facts and wire output (`decide_json(compiled, facts)`)"),
                       ("refund json", "the refund question alone, `decide_json(compiled, facts, [question])`")]:
        median, p99 = one_case[key]
        out.append(f"| {label} | {median:.1f} | {p99:.1f} | {median / one_case['ir'][0]:.2f} |")
    out += [
        "",
        f"**Batch throughput** in-process ({args.batch_cases:,} cases in a loop):",
        "",
        "| what | decisions/s |",
        "| --- | ---: |",
    ]
    for name, value in batch.items():
        extra = f" ({every_cases_per_s:,.0f} cases/s)" if name.startswith("every") else ""
        out.append(f"| {name} | {value:,.0f}{extra} |")
    goals = [
        ("refund question, median µs (wire facts)", ours.median_us, GOALS["refund question, median µs"], "≤"),
        ("same, ÷ hand-written (medians)", ours.median_us / hand.median_us, 4, "≤"),
        ("the peers' rule (`ruleproof-same-rule`), ÷ hand-written (medians)",
         results["ruleproof-same-rule"].median_us / hand.median_us, 4, "≤"),
        ("refund question, median µs (IR facts)", ir_ours.median_us, GOALS["refund question from IR facts, median µs"], "≤"),
        ("every decision on one case, median µs (wire facts)", one_case["wire"][0], GOALS["every decision, median µs"], "≤"),
        ("same with wire output (`decide_json`), median µs", one_case["json"][0],
         GOALS["every decision with wire output, median µs"], "≤"),
        ("batch, refund question from wire facts, decisions/s", batch["refund question, wire facts"], GOALS["batch decisions/s"], "≥"),
        ("batch, refund question from IR facts, decisions/s", batch["refund question, IR facts"], GOALS["batch decisions/s"], "≥"),
    ]
    out += ["", "**Goals:**", "", "| goal | measured | target | met |", "| --- | ---: | ---: | --- |"]
    for name, value, target, sense in goals:
        met = value <= target if sense == "≤" else value >= target
        shown = f"{value:,.0f}" if value > 1000 else f"{value:.2f}"
        out.append(f"| {name} | {shown} | {sense} {target:,} | {'yes' if met else 'no'} |")
    return out


def _ratio(ours: float, theirs: float) -> str:
    """ours ÷ theirs: `3.1` (ruleproof takes 3.1 times as long), `1/19` (a nineteenth as long)."""
    ratio = ours / theirs
    return f"{ratio:.2f}" if ratio >= 0.5 else f"1/{1 / ratio:.0f}"


def write_readme(path: Path, lines: list[str]) -> None:
    text = path.read_text()
    block = START + "\n" + "\n".join(lines) + "\n" + END
    if START in text and END in text:
        text = re.sub(re.escape(START) + ".*?" + re.escape(END), lambda _: block, text, flags=re.S)
    else:
        text = text.rstrip("\n") + "\n\n" + block + "\n"
    path.write_text(text)


if __name__ == "__main__":
    main()
