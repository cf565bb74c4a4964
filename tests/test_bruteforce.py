"""The formal checks, `when` and `decide --partial` agree with brute force (issue 11, item 4).

For each seed, a small pack over a finite domain (tests/bruteforce/packs.py) is decided case by
case with the evaluator; every check's verdict and counterexample, `--partial`'s outcomes and
witnesses, and `when`'s days are compared with what the cases say (tests/bruteforce/).
A failure prints each disagreement with the pack's source, the case and both answers.

RULEPROOF_BRUTEFORCE_PACKS=N runs N seeds instead of the default (bench/bruteforce.py runs
many more and counts disagreements by kind).
"""

from __future__ import annotations

import os
from collections import Counter

import pytest
from ruleproof.checker.pipeline import load_texts

try:
    from tests.bruteforce import packs
    from tests.bruteforce.expected import expected_findings
    from tests.bruteforce.oracle import Oracle
    from tests.bruteforce.run import run_seed
except ImportError:  # pytest run without the repository root on sys.path
    from bruteforce import packs
    from bruteforce.expected import expected_findings
    from bruteforce.oracle import Oracle
    from bruteforce.run import run_seed

PACKS = int(os.environ.get("RULEPROOF_BRUTEFORCE_PACKS", "48"))  # ~0.4 s of CPU a pack: `make test` stays within a minute on a busy machine
SHOWN = 4  # disagreements printed in full per failing pack


@pytest.mark.parametrize("seed", range(PACKS))
def test_checks_partial_and_when_agree_with_brute_force(seed):
    result = run_seed(seed)
    if result.disagreements:
        kinds = ", ".join(f"{kind}: {n}" for kind, n in sorted(result.kinds().items()))
        shown = "\n\n".join(f"[{d.kind}] {d.detail}" for d in result.disagreements[:SHOWN])
        pytest.fail(f"seed {seed} ({result.cases} cases): {len(result.disagreements)} disagreements ({kinds})\n\n"
                    f"{shown}\n\n--- pack source (tests/bruteforce/packs.py, seed {seed}) ---\n"
                    f"{result.disagreements[0].source}", pytrace=False)


def test_the_seeds_cover_the_language():
    """The fixed seeds use every construct the comparison is about."""
    features = Counter()
    for seed in range(PACKS):
        features.update(packs.generate(seed).features)
    wanted = {"hit unique", "hit first", "hit priority", "hit collect", "overrides", "unless", "default", "complete",
              "table", "formula", "formula with when", "fact date?", "fact bool?", "fact int?", "fact kind", "fact int",
              "fact days", "presence test", "division", "working days", "window", "window test", "window relation",
              "property always", "property never", "property possible", "two conclusions", "assumption excludes a day",
              "if-then-else", "table reads a decision", "window relation test", "effective period", "fact list", "aggregate"}
    assert wanted <= set(features), f"not covered by {PACKS} seeds: {sorted(wanted - set(features))}"


def test_every_pack_is_small_and_loads():
    for seed in range(PACKS):
        small = packs.generate(seed)
        assert small.size <= packs.LIMIT
        loaded = load_texts({"main.rules": small.text})
        assert loaded.ok, small.text


# ---------------------------------------------------------------- the oracle itself
# Hand-written packs whose findings are known, so a wrong oracle fails here, not in the rewrite.

HEAD = 'pack t version "1"\nfact p: bool\nfact q: bool\nfact n: int 0..2\n'
DOMAIN = {"p": [False, True], "q": [False, True], "n": [0, 1, 2]}


def _expected(body: str) -> set[tuple]:
    loaded = load_texts({"main.rules": HEAD + body})
    assert loaded.ok, body
    return set(expected_findings(Oracle(loaded.pack, DOMAIN)).findings)


@pytest.mark.parametrize("body, wanted", [
    # two unique rules disagreeing on p
    ('decision x: int\nrule a cite "c": when p then x = 1\nrule b cite "c": when p then x = 2\n',
     {("E602", "x", frozenset({"a", "b"})), ("W615", "x")}),
    # issue 11 (1): the higher priority decides, no conflict; a and b never decide
    ('decision x: int hit priority\nrule a cite "c" priority 1: when p then x = 1\n'
     'rule b cite "c" priority 1: when p then x = 2\nrule c cite "c" priority 2: when p then x = 3\n',
     {("W604", "x", "a"), ("W604", "x", "b"), ("W615", "x")}),
    # a dead rule, and a rule the first one shadows under `hit first`
    ('decision x: int hit first\nrule a cite "c": when p or not p then x = 1\nrule b cite "c": when p then x = 2\n'
     'rule d cite "c": when n > 2 then x = 3\n',
     {("W604", "x", "b"), ("E601", "x", "d")}),
    # issue 11 (4): under `hit first`, removing r changes p = q = true from 1 to 2
    ('decision x: int hit first\nrule r cite "c": when p then x = 1\nrule m cite "c": when q then x = 2\n'
     'rule s cite "c": when p or q then x = 1\n', {("W604", "x", "s"), ("W615", "x")}),
    # a rule another subsumes: removing it changes nothing
    ('decision x: bool default false\nrule broad cite "c": when p then x = true\n'
     'rule narrow cite "c": when p and q then x = true\n', {("W605", "x", "narrow")}),
    # issue 11 (7): 10 / n is undetermined for n = 0, which refutes nothing
    ('decision big: bool = 10 / n > 100\nproperty nb cite "c": never big\nproperty pb cite "c": possible big\n',
     {("E610", "pb")}),
    # a complete decision with a gap, and a table without default that leaves a case
    ('decision x: int complete\nrule a cite "c": when p then x = 1\n'
     'decision y: int\ntable t for y cite "c": given q\n  row true => 1\n',
     {("E603", "x"), ("W612", "y")}),
    # a table with a default leaves no case without value (issue 11 (5))
    ('decision y: int default 0\ntable t for y cite "c": given q\n  row true => 1\n', set()),
    # a conflicted decision upstream makes its reader undetermined: the reader's rule never fires
    ('decision x: bool\nrule a cite "c": when p then x = true\nrule b cite "c": when p then x = false\n'
     'decision y: bool default false\nrule c cite "c": when x is present and x then y = true\n',
     {("E602", "x", frozenset({"a", "b"})), ("E601", "y", "c"), ("W615", "x")}),
    # c only ever joins a conflict that a and b make anyway: removing it changes no outcome
    ('decision x: int\nrule a cite "c": when p then x = 1\nrule b cite "c": when p then x = 2\n'
     'rule c cite "c": when p and n == 0 then x = 3\n',
     {("E602", "x", frozenset({"a", "b"})), ("E602", "x", frozenset({"a", "c"})), ("E602", "x", frozenset({"b", "c"})),
      ("W605", "x", "c"), ("W615", "x")}),
    # y's rules c and d disagree only when x (read by e) is in conflict: y's conflict is x's
    # (its condition e is undetermined first), so no E602 on y
    ('decision x: bool\nrule a cite "c": when p then x = true\nrule b cite "c": when p then x = false\n'
     'decision y: int default 0\nrule c cite "c": when q then y = 1\nrule d cite "c": when q and p then y = 2\n'
     'rule e cite "c": when x is absent then y = 1\n',
     {("E602", "x", frozenset({"a", "b"})), ("W605", "y", "c"), ("W605", "y", "d"), ("W615", "x")}),
    ('assume never_: n > 2\ndecision x: bool = p\n', {("E614",)}),
    # issue 18: rules that leave a case without a value (W615), and none once they cover it
    ('decision x: int\nrule a cite "c": when n < 1 then x = 1\nrule b cite "c": when n > 1 then x = 2\n',
     {("W615", "x")}),
    ('decision x: int\nrule a cite "c": when n < 1 then x = 1\nrule b cite "c": when n >= 1 then x = 2\n', set()),
])
def test_oracle_on_known_packs(body, wanted):
    assert _expected(body) == wanted
