"""The check catalogue and how it runs: item by item in this process, or in parts over
several forked processes for a large pack.

The checks run item by item (every check of a decision, then the next decision; each window
and property after the decisions it reads). The encoder builds a decision's terms on first
use, so a process checking part of a pack encodes only that part; large packs are checked by
several processes (`jobs`), each taking contiguous runs of decisions (bench/checks.py measures
it); a decision of SPLIT_MIN_RULES rules or more (a large table) is itself split among them,
each process checking every n-th rule, pair of rules or missing region of it.
"""

from __future__ import annotations

import gc
import multiprocessing
import os
import threading
import time
from collections.abc import Callable, Iterator
from concurrent.futures import ProcessPoolExecutor, as_completed
from concurrent.futures.process import BrokenProcessPool
from contextlib import contextmanager
from dataclasses import dataclass

from ruleproof.checker import ir
from ruleproof.checker.checks.acceptances import apply_acceptances
from ruleproof.checker.checks.context import CheckContext
from ruleproof.checker.diagnostics import Diagnostic
from ruleproof.checker.solver import DEFAULT_TIMEOUT_MS

PARALLEL_MIN_RULES = 1_500  # below this, process start-up and result transfer cost more than they save
SPLIT_MIN_RULES = 400  # with several processes, a decision of this many rules is itself split among them
PROGRESS_EVERY = 1.0  # seconds between progress messages on long runs


# ------------------------------------------------------------------ the catalogue

Check = Callable[..., list[Diagnostic]]


def _catalogue() -> list[tuple[str, str, Check]]:
    """(name, what it checks one of: pack | decision | window | property, function)."""
    from ruleproof.checker.checks import (
        assumptions,
        boundary,
        conflict,
        dead_rule,
        gap,
        no_match,
        properties,
        redundant,
        shadowed,
        table,
        window_empty,
    )

    return [
        ("assumptions", "pack", assumptions.check_assumptions),
        # redundant first: its question per rule (can it decide alone?) answers, where a case
        # exists, the dead-rule and shadowed checks' questions about the rule as well
        ("redundant", "decision", redundant.check_decision),
        ("dead_rule", "decision", dead_rule.check_decision),
        ("conflict", "decision", conflict.check_decision),
        ("gap", "decision", gap.check_decision),
        ("shadowed", "decision", shadowed.check_decision),
        ("window_empty", "window", window_empty.check_window),
        ("properties", "property", properties.check_property),
        ("boundary", "decision", boundary.check_decision),
        ("table", "decision", table.check_decision),
        ("no_match", "decision", no_match.check_decision),
    ]


@dataclass(frozen=True)
class CheckReport:
    """What a run of the formal checks found (sorted, acceptances applied) and what it cost."""

    findings: list[Diagnostic]
    queries: int
    seconds: float
    timings: dict[str, float]
    cached: int = 0  # questions answered without asking Z3 again
    processes: int = 1


def run_checks(pack: ir.Pack, timeout_ms: int = DEFAULT_TIMEOUT_MS, only: list[str] | None = None,
               progress: Callable[[str], None] | None = None, jobs: int | None = None) -> CheckReport:
    """Run the check catalogue on a pack; findings are sorted, acceptances applied.

    `jobs`: processes to use (None: as many as CPUs when the pack has at least
    PARALLEL_MIN_RULES rules and this process may fork; 1: this process only). `progress`
    receives a short message as each stage starts, and every second or so on long runs."""
    with _heap_frozen():
        return _run_checks(pack, timeout_ms, only, progress, jobs)


@contextmanager
def _heap_frozen() -> Iterator[None]:
    """In a process of one thread whose heap nothing froze (the command line, a worker), what
    is alive when the checks start (the pack, the parser's tables) is moved out of the
    garbage collector's full collections for their duration: the checks allocate many small
    objects, and every full collection walked that heap again (about a tenth of their CPU)."""
    if threading.active_count() > 1 or gc.get_freeze_count() or not gc.isenabled():
        yield
        return
    gc.freeze()
    try:
        yield
    finally:
        gc.unfreeze()


def _run_checks(pack: ir.Pack, timeout_ms: int, only: list[str] | None, progress: Callable[[str], None] | None,
                jobs: int | None) -> CheckReport:
    started = time.perf_counter()
    selected = [row for row in _catalogue() if not only or row[0] in only]
    ctx = CheckContext(pack, timeout_ms)
    timings = {name: 0.0 for name, _, _ in selected}
    findings: list[Diagnostic] = []
    for name, kind, run in selected:
        if kind == "pack":
            if progress:
                progress(name)
            t0 = time.perf_counter()
            findings.extend(run(ctx))
            timings[name] += time.perf_counter() - t0
    processes = 1
    if not any(f.code == "E614" for f in findings):  # contradictory assumptions make every other verdict vacuous
        processes = _processes(jobs, pack)
        items = _items(pack, processes * 2 if processes > 1 else 1)
        if processes > 1:
            found, queries, cached, part_timings = _run_parallel(ctx, selected, items, processes, progress)
            findings.extend(found)
            ctx.queries += queries
            ctx.cached += cached
            for name, seconds in part_timings.items():
                timings[name] += seconds
        else:
            findings.extend(_run_items(ctx, selected, items, timings, progress))
    findings.extend(ctx.unknowns)
    findings = apply_acceptances(pack, findings)
    findings.sort(key=Diagnostic.sort_key)
    return CheckReport(findings, ctx.queries, time.perf_counter() - started, timings, ctx.cached, processes)


Item = tuple  # ("decision" | "window" | "property", name) or ("decision", name, k, n): part k of n


def _items(pack: ir.Pack, split: int = 1) -> list[Item]:
    """What the per-item checks go through: decisions (dependencies first), each window and
    property right after the last decision it reads, so that a contiguous run of items reads
    few decisions beyond its own (a worker process encodes only what its runs read). With
    `split` > 1, a decision of SPLIT_MIN_RULES rules or more (a large table) becomes `split`
    items, each checking every split-th unit of its work (`CheckContext.mine`)."""
    position = {name: i for i, name in enumerate(pack.decision_order)}

    def after(*exprs: ir.Expr) -> int:
        decisions = set().union(*(ir.references(e)[1] for e in exprs))
        return max((position[d] for d in decisions if d in position), default=-1)

    ranked = [(position[n], 0, i, ("decision", n)) for i, n in enumerate(pack.decision_order)]
    ranked += [(after(w.exists, w.low, w.high), 1, i, ("window", w.name)) for i, w in enumerate(pack.windows.values())]
    ranked += [(after(p.condition), 2, i, ("property", p.name)) for i, p in enumerate(pack.properties)]
    items: list[Item] = []
    for *_, item in sorted(ranked):
        if split > 1 and item[0] == "decision" and len(pack.decisions[item[1]].rules) >= SPLIT_MIN_RULES:
            items.extend((*item, k, split) for k in range(split))
        else:
            items.append(item)
    return items


def _run_items(ctx: CheckContext, selected, items: list[Item], timings: dict[str, float],
               progress: Callable[[str], None] | None) -> list[Diagnostic]:
    """Every selected check on each item in turn."""
    pack = ctx.pack
    properties = {p.name: p for p in pack.properties}
    lookup = {"decision": pack.decisions, "window": pack.windows, "property": properties}
    findings: list[Diagnostic] = []
    if progress:
        progress(f"{len(items)} decisions, windows and properties")
    last_report = time.perf_counter()
    for done, (kind, name, *share) in enumerate(items, start=1):
        item = lookup[kind][name]
        ctx.share = tuple(share) if share else (0, 1)
        ctx.item = item
        for check_name, check_kind, run in selected:
            if check_kind != kind:
                continue
            t0 = time.perf_counter()
            findings.extend(run(ctx, item))
            timings[check_name] += time.perf_counter() - t0
        ctx.share, ctx.item = (0, 1), None
        if progress and time.perf_counter() - last_report > PROGRESS_EVERY:
            progress(f"{done}/{len(items)} decisions, windows and properties ({ctx.queries} solver queries)")
            last_report = time.perf_counter()
    return findings


# ------------------------------------------------------------------ several processes

_FORKED: dict = {}  # what forked workers inherit: the context and the parts of the work


def _processes(jobs: int | None, pack: ir.Pack) -> int:
    if jobs is not None:
        wanted = max(1, jobs)
    elif sum(len(d.rules) for d in pack.decisions.values()) < PARALLEL_MIN_RULES:
        return 1
    else:
        wanted = os.cpu_count() or 1
    # Workers are forked, so they inherit the pack and its encoding instead of unpickling them;
    # forking is only safe from a process with no other threads (and Z3 prepares its timer
    # threads for it).
    if wanted > 1 and ("fork" not in multiprocessing.get_all_start_methods() or threading.active_count() > 1):
        return 1
    return wanted


def _parts(pack: ir.Pack, items: list[Item], count: int) -> list[list[Item]]:
    """Contiguous runs of items of about equal work (a decision of k rules weighs 1 + k²/4:
    its checks pair up its rules; a part of one of n, 1/n of that)."""
    def weight(item: Item) -> float:
        if item[0] != "decision":
            return 1.0
        k = len(pack.decisions[item[1]].rules)
        return (1.0 + k * k / 4) / (item[3] if len(item) > 2 else 1)

    total = sum(weight(i) for i in items)
    parts: list[list[Item]] = [[]]
    load = 0.0
    for item in items:
        if load >= total / count and len(parts) < count:
            parts.append([])
            load = 0.0
        parts[-1].append(item)
        load += weight(item)
    return [p for p in parts if p]


def _run_parallel(ctx: CheckContext, selected, items, processes: int, progress):
    """The items in parts over `processes` forked workers. Should the pool break (a worker
    killed, no fork possible), the parts not done are checked in this process."""
    parts = _parts(ctx.pack, items, processes * 4)
    _FORKED.update(ctx=ctx, selected=selected, parts=parts)
    findings: list[Diagnostic] = []
    queries = cached = 0
    timings = {name: 0.0 for name, _, _ in selected}
    pending = set(range(len(parts)))
    try:
        with ProcessPoolExecutor(processes, mp_context=multiprocessing.get_context("fork")) as pool:
            if progress:
                progress(f"{len(items)} decisions, windows and properties in {len(parts)} parts, {processes} processes")
            futures = {pool.submit(_run_part, i): i for i in range(len(parts))}
            for future in as_completed(futures):
                part_findings, part_queries, part_cached, part_timings = future.result()
                pending.discard(futures[future])
                findings.extend(part_findings)
                queries += part_queries
                cached += part_cached
                for name, seconds in part_timings.items():
                    timings[name] += seconds
                if progress:
                    progress(f"parts {len(parts) - len(pending)}/{len(parts)} ({queries} solver queries)")
    except (BrokenProcessPool, OSError) as err:
        if progress:
            progress(f"worker processes failed ({err.__class__.__name__}); checking {len(pending)} parts here")
        before_q, before_c = ctx.queries, ctx.cached
        for index in sorted(pending):
            findings.extend(_run_items(ctx, selected, parts[index], timings, None))
        queries += ctx.queries - before_q
        cached += ctx.cached - before_c
        ctx.queries, ctx.cached = before_q, before_c  # the caller adds them
    finally:
        _FORKED.clear()
    return findings, queries, cached, timings


def _run_part(index: int):
    """In a worker: run the checks on one part, with the context inherited from the parent
    (its caches carry over from one part to the next in the same worker)."""
    ctx: CheckContext = _FORKED["ctx"]
    queries, cached, unknowns = ctx.queries, ctx.cached, len(ctx.unknowns)
    timings = {name: 0.0 for name, _, _ in _FORKED["selected"]}
    found = _run_items(ctx, _FORKED["selected"], _FORKED["parts"][index], timings, None)
    found.extend(ctx.unknowns[unknowns:])
    return found, ctx.queries - queries, ctx.cached - cached, timings
