"""Latency and throughput of each peer deciding the refund-request rule.

Run from the repository root: ``python -m bench.peers.measure`` (``--help`` for
the knobs). Each peer is a :class:`Peer`; a plain ``callable(facts) -> bool``
is accepted too, so another evaluator is added with, for example::

    measure.main({"ruleproof": my_decide})           # table with the default peers
    measure.run({**default_peers(), "ruleproof": my_decide})   # results as data

Method, per peer:

* ``prepare``, if given, turns each generated case's facts into the peer's
  input before any timing (only ``handwritten-ordinal`` has one);
* ``warmup`` untimed calls, then ``iterations`` calls each bracketed by
  ``time.perf_counter_ns()``, cycling through the cases in order; median and
  p99 (nearest rank) of those samples, in µs. Samples include the timer's own
  cost, reported once as ``harness overhead`` (the same loop around a
  do-nothing callable). The garbage collector stays on
  (``gc.collect()`` before each peer);
* loop throughput: decisions/s over one untimed pass of ``iterations`` calls;
* batch throughput, for peers with a batch API: decisions/s of
  ``decide_batch`` over batches of ``batch_size`` cases.
"""

import argparse
import gc
import math
import statistics
import time
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from bench.peers import cedar, gorules, rego
from bench.peers.cases import generate
from bench.peers.handwritten import (
    ordinal_facts,
    refund_request_allowed,
    refund_request_allowed_ordinal,
)

Facts = Mapping[str, Any]
Decide = Callable[[Facts], bool]
DecideBatch = Callable[[Sequence[Facts]], list[bool]]


@dataclass(frozen=True)
class Peer:
    """One way of deciding the rule, as the harness times it."""

    decide: Decide
    prepare: Callable[[Facts], Facts] | None = None
    """Applied to each case's facts before timing; ``None`` passes them unchanged."""
    decide_batch: DecideBatch | None = None


@dataclass(frozen=True)
class Result:
    """What was measured for one peer."""

    median_us: float
    p99_us: float
    loop_per_s: float
    batch_per_s: float | None


def default_peers() -> dict[str, Peer]:
    """The peers shipped here, each built (policies parsed, bundle compiled) once."""
    cedar_iso, cedar_ordinal, rego_peer, zen_peer = (
        cedar.iso_peer(),
        cedar.ordinal_peer(),
        rego.RegoPeer(),
        gorules.ZenPeer(),
    )
    return {
        "handwritten": Peer(refund_request_allowed),
        "handwritten-ordinal": Peer(refund_request_allowed_ordinal, prepare=ordinal_facts),
        "cedar": Peer(cedar_iso.decide, decide_batch=cedar_iso.decide_batch),
        "cedar-ordinal": Peer(cedar_ordinal.decide, decide_batch=cedar_ordinal.decide_batch),
        "rego": Peer(rego_peer.decide),
        "zen-engine": Peer(zen_peer.decide, decide_batch=zen_peer.decide_batch),
    }


def as_peer(peer: Peer | Decide) -> Peer:
    """A :class:`Peer`, wrapping a bare decide callable."""
    return peer if isinstance(peer, Peer) else Peer(peer)


def prepared(peer: Peer, facts_list: Sequence[Facts]) -> list[Facts]:
    """The peer's inputs for the given facts."""
    if peer.prepare is None:
        return list(facts_list)
    return [peer.prepare(facts) for facts in facts_list]


def latency_us(decide: Decide, inputs: Sequence[Facts], warmup: int, iterations: int) -> tuple[float, float]:
    """Median and p99 of single-call latency in µs (see the module docstring)."""
    n = len(inputs)
    for i in range(warmup):
        decide(inputs[i % n])
    clock = time.perf_counter_ns
    samples = [0] * iterations
    for i in range(iterations):
        facts = inputs[i % n]
        start = clock()
        decide(facts)
        samples[i] = clock() - start
    samples.sort()
    p99 = samples[math.ceil(0.99 * iterations) - 1]
    return statistics.median(samples) / 1000, p99 / 1000


def loop_throughput(decide: Decide, inputs: Sequence[Facts], iterations: int) -> float:
    """Decisions per second of back-to-back single calls."""
    n = len(inputs)
    start = time.perf_counter_ns()
    for i in range(iterations):
        decide(inputs[i % n])
    return iterations / ((time.perf_counter_ns() - start) / 1e9)


def batch_throughput(decide_batch: DecideBatch, inputs: Sequence[Facts], batch_size: int, iterations: int) -> float:
    """Decisions per second of ``decide_batch`` over ``batch_size`` cases at a time."""
    batches = [inputs[i : i + batch_size] for i in range(0, len(inputs), batch_size)]
    decide_batch(batches[0])
    decided = 0
    start = time.perf_counter_ns()
    while decided < iterations:
        for batch in batches:
            decided += len(decide_batch(batch))
    return decided / ((time.perf_counter_ns() - start) / 1e9)


def harness_overhead_us(iterations: int) -> float:
    """Median latency the harness reports for a do-nothing callable, in µs."""
    return latency_us(lambda facts: True, [{}], 0, iterations)[0]


def measure(
    peer: Peer,
    facts_list: Sequence[Facts],
    warmup: int,
    iterations: int,
    batch_size: int,
) -> Result:
    """Every measurement for one peer."""
    inputs = prepared(peer, facts_list)
    gc.collect()
    median, p99 = latency_us(peer.decide, inputs, warmup, iterations)
    loop = loop_throughput(peer.decide, inputs, iterations)
    batch = None
    if peer.decide_batch is not None:
        batch = batch_throughput(peer.decide_batch, inputs, batch_size, iterations)
    return Result(median, p99, loop, batch)


def run(
    peers: Mapping[str, Peer | Decide],
    cases: int = 2000,
    warmup: int = 2000,
    iterations: int = 20000,
    batch_size: int = 100,
) -> dict[str, Result]:
    """Measure each peer on the same generated cases."""
    facts_list = [case.facts for case in generate(cases)]
    return {name: measure(as_peer(peer), facts_list, warmup, iterations, batch_size) for name, peer in peers.items()}


def main(extra_peers: Mapping[str, Peer | Decide] | None = None) -> None:
    """Measure the default peers (and ``extra_peers``) and print a table."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--cases", type=int, default=2000)
    parser.add_argument("--warmup", type=int, default=2000)
    parser.add_argument("--iterations", type=int, default=20000)
    parser.add_argument("--batch-size", type=int, default=100)
    args = parser.parse_args()
    print(f"harness overhead: {harness_overhead_us(args.iterations):.3f} µs (median)")
    print(f"{'peer':<20} {'median µs':>10} {'p99 µs':>10} {'loop /s':>12} {'batch /s':>12}")
    peers = {**default_peers(), **(extra_peers or {})}
    results = run(peers, args.cases, args.warmup, args.iterations, args.batch_size)
    for name, r in results.items():
        batch = f"{r.batch_per_s:12,.0f}" if r.batch_per_s is not None else f"{'-':>12}"
        print(f"{name:<20} {r.median_us:10.2f} {r.p99_us:10.2f} {r.loop_per_s:12,.0f} {batch}")


if __name__ == "__main__":
    main()
