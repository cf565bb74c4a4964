"""One pack through everything: load, enumerate, compare the checks, `--partial` and `when`.

>>> result = run_seed(3)
>>> result.cases > 0
True
"""

from __future__ import annotations

import random
from collections import Counter
from dataclasses import dataclass, field

from ruleproof.checker.pipeline import load_texts
from ruleproof.checker.render import render_text

from .compare_checks import compare_checks
from .compare_questions import compare_partial, compare_when
from .oracle import Oracle
from .packs import SmallPack, generate
from .report import Disagreement

PARTIAL_QUESTIONS = 2  # known-fact sets asked of `--partial` per pack
WHEN_QUESTIONS = 3  # (decision, day fact, known facts) asked of `when` per pack


@dataclass
class PackResult:
    seed: int
    cases: int  # cases that satisfy the assumptions
    domain: int  # cases before the assumptions
    findings: int  # findings of the checks compared
    questions: int  # partial and when questions asked
    disagreements: list[Disagreement] = field(default_factory=list)

    def kinds(self) -> Counter:
        return Counter(d.kind for d in self.disagreements)


class BrokenPack(Exception):
    """The generator wrote a pack the front end rejects: a bug in the generator."""


def run_seed(seed: int) -> PackResult:
    return run_pack(generate(seed))


def run_pack(small: SmallPack) -> PackResult:
    loaded = load_texts({"main.rules": small.text})
    if not loaded.ok:
        raise BrokenPack(f"seed {small.seed}:\n{render_text(loaded.diagnostics)}\n{small.text}")
    pack = loaded.pack
    oracle = Oracle(pack, small.domains)
    source = small.text
    disagreements, findings = compare_checks(oracle, source)
    rng = random.Random(small.seed)
    questions = 0
    for _ in range(PARTIAL_QUESTIONS):
        disagreements += compare_partial(oracle, known_facts(rng, small, set()), source)
        questions += 1
    bools = [n for n in pack.decision_order if pack.decisions[n].type.kind == "bool"]
    for _ in range(WHEN_QUESTIONS if bools and small.day_facts else 0):
        decision, day_fact = rng.choice(bools), rng.choice(small.day_facts)
        disagreements += compare_when(oracle, decision, day_fact, known_facts(rng, small, {day_fact}), source)
        questions += 1
    return PackResult(small.seed, len(oracle.cases), oracle.total, findings, questions, disagreements)


def known_facts(rng: random.Random, small: SmallPack, leave_out: set[str]) -> dict:
    """Wire facts for a question: none, some, or all of the facts (an absent optional fact is
    sent as null), each a value of its domain."""
    names = [n for n in small.domains if n not in leave_out]
    share = rng.choice([0.0, 0.4, 0.7, 1.0])
    return {n: rng.choice(small.domains[n]) for n in names if rng.random() < share}
