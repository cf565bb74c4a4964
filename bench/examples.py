"""`ruleproof test` on the marketplace pack (224 examples): rule coverage from the hit policy's
selection alone (checker/examples.py now) against coverage read off full traces
(`CompiledPack.explain`, as it was before the playground ran the examples on every click), in
one run.

Run from the repository root: ``python bench/examples.py [--rounds N]``. Both take the same
decided cases; the rounds alternate and the table gives the least CPU time of each (the machine
is shared and noisy) and the ratio. Both must find the same covered rules, else it stops.
"""

from __future__ import annotations

import argparse
import time
from pathlib import Path

from ruleproof.checker.evaluate import CompiledPack
from ruleproof.checker.examples import _example_facts, _winning_rules, run_examples
from ruleproof.checker.pipeline import load_pack

ROOT = Path(__file__).resolve().parent.parent


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--rounds", type=int, default=5)
    args = parser.parse_args()
    pack = load_pack(ROOT / "policies" / "marketplace").pack
    compiled = CompiledPack(pack)
    cases = []
    for example in pack.examples:
        facts = _example_facts(pack, example.given)
        cases.append((facts, compiled.decide(facts)))

    def traced() -> set:
        return {(e["decision"], r["rule"]) for facts, outcome in cases for e in compiled.explain(facts, outcome)
                for r in e["rules"] if r["status"] == "fired"}

    def selected() -> set:
        return set().union(*(_winning_rules(compiled, facts, outcome) for facts, outcome in cases))

    if traced() != selected():
        raise SystemExit("the two ways find different covered rules")
    best = {"traces": float("inf"), "selection": float("inf")}
    for _ in range(args.rounds):
        for name, run in (("traces", traced), ("selection", selected)):
            started = time.process_time()
            run()
            best[name] = min(best[name], time.process_time() - started)
    started = time.process_time()
    run_examples(compiled)
    whole = time.process_time() - started
    print(f"| coverage of {len(cases)} examples | traces (before) | selection (now) | now / before |")
    print("| --- | --- | --- | --- |")
    print(f"| CPU, least of {args.rounds} | {best['traces']:.3f} s | {best['selection']:.3f} s | "
          f"{best['selection'] / best['traces']:.2f} |")
    print(f"\nrun_examples as a whole (decide + compare + coverage): {whole:.3f} s CPU")


if __name__ == "__main__":
    main()
