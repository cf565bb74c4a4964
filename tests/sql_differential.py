"""The SQL back end against the evaluator on a batch of wire cases: one query per pack.

Used by tests/test_differential.py (DuckDB, every case the evaluator and Z3 compared) and by
tests/test_sql_spark.py (Spark, a sample). Besides each case as drawn, a copy with one
required fact left out (chosen by the case's number) checks missing facts, which the Z3
encoding does not model.
"""

from __future__ import annotations

import json
from collections import Counter
from pathlib import Path

from ruleproof.checker.evaluate import CompiledPack
from ruleproof.checker.sql.cases import case_table, outcomes
from ruleproof.checker.sql.engines import decide_duckdb
from ruleproof.checker.values import read_facts, to_wire


def with_missing_facts(pack, wires: list[dict]) -> list[dict]:
    """Each case, then each case without one of its required facts (none: left as it is)."""
    required = [f.name for f in pack.facts.values() if not f.type.optional and not f.has_default]
    out = list(wires)
    for i, wire in enumerate(wires):
        if required:
            name = required[i % len(required)]
            out.append({k: v for k, v in wire.items() if k != name})
    return out


def expected(compiled: CompiledPack, facts: dict) -> dict:
    """The evaluator's outcome of every decision: (cause or None, wire value)."""
    pack = compiled.pack
    outcome = compiled.decide(facts)
    out = {}
    for name in pack.decision_order:
        if name in outcome.values:
            out[name] = (None, to_wire(outcome.values[name], pack.decisions[name].type.required()))
        else:
            out[name] = (outcome.undetermined[name]["cause"], None)
    return out


def check_sql(subject, wires: list[dict], artifacts: Path, decide=decide_duckdb) -> Counter:
    """Decide `wires` (and their missing-fact copies) with `decide` in one query; assert that
    every decision agrees with the evaluator; what was compared."""
    pack = subject.pack
    cases = with_missing_facts(pack, wires)
    facts = [read_facts(pack, w) for w in cases]
    table = decide(pack, case_table(pack, enumerate(facts)))
    seen: Counter = Counter()
    problems = []
    for (row, got), f in zip(outcomes(pack, pack.decision_order, table), facts):
        want = expected(subject.compiled, f)
        seen["cases"] += 1
        for name, outcome in want.items():
            seen[outcome[0].value if outcome[0] is not None else "value"] += 1
            if got[name] != outcome:
                problems.append((row, name, outcome, got[name]))
    if problems:
        row, name, want, got = problems[0]
        artifacts.mkdir(exist_ok=True)
        path = artifacts / f"sql-{subject.label}.facts.json"
        path.write_text(json.dumps(cases[row], indent=2, sort_keys=True) + "\n")
        raise AssertionError(f"{subject.label}: SQL and evaluator disagree on {len(problems)} decisions; first: case {row} "
                             f"`{name}`: evaluator {want}, SQL {got} (facts in {path})")
    return seen
