"""Formal checks, one module per check, each stated as "these constraints are unsatisfiable
iff the property holds" on the shared encoder (checker/encode.py).

Every finding carries a concrete counterexample (wire facts) and a readable timeline; the
tests replay each one in the evaluator. A solver that gives up yields W613, never "ok".

How a large pack stays fast (bench/checks.py measures it):

- Each question is asked only of the assumptions about the facts it reads. Facts fall into
  independent groups — two facts are in one group when an assumption mentions both — and each
  question carries the domains and assumptions of the groups its decision, window or property
  reads (`CheckContext.sat`, `scope=`) to one shared, otherwise empty solver (push, add, check,
  pop). When the assumptions as a whole are satisfiable (the assumptions check runs first)
  this is exact, and it keeps every query as small as its decision instead of as large as the
  pack. A counterexample then gives the facts of those groups; the others do not matter.
- The checks run item by item (every check of a decision, then the next decision; each window
  and property after the decisions it reads).
- Identical questions are asked once: dead rule, shadowed and redundant all ask whether a rule
  can fire (or win); the answers are memoised on the Z3 terms. A question whose refutation is
  no finding asks for no model.
- Pairs of rules whose conditions cannot overlap (checker/checks/prune.py) are never sent to Z3.
- The encoder builds a decision's terms on first use, so a process checking part of a pack
  encodes only that part; large packs are checked by several processes (`jobs`), each taking
  contiguous runs of decisions.
"""

from __future__ import annotations

import multiprocessing
import os
import threading
import time
from collections.abc import Callable, Iterable
from concurrent.futures import ProcessPoolExecutor, as_completed
from concurrent.futures.process import BrokenProcessPool
from dataclasses import dataclass, field
from typing import ClassVar

import z3
from ruleproof.checker import ir
from ruleproof.checker.checks.prune import Bounds, bounds, disjoint
from ruleproof.checker.diagnostics import Diagnostic, Label, diagnostic
from ruleproof.checker.encode import Encoder
from ruleproof.checker.solver import DEFAULT_TIMEOUT_MS, Verdict, check, make_solver
from ruleproof.checker.source import Span
from ruleproof.checker.timeline import timeline

PARALLEL_MIN_RULES = 1_500  # below this, process start-up and result transfer cost more than they save
PROGRESS_EVERY = 1.0  # seconds between progress messages on long runs


class ScopedModel(z3.ModelRef):
    """A model of a question asked of part of the pack: `facts` are the facts it covers."""

    def __init__(self, model: z3.ModelRef, facts: frozenset[str]):
        super().__init__(model.model, model.ctx)
        self.facts = facts


@dataclass
class CheckContext:
    """What every check shares: the pack, its encoding, the solvers (one holding the whole
    pack's domains and assumptions, one holding nothing to which each question brings the
    assumptions it needs; both used with push/pop), the answers given so far, and the
    evaluator for timelines."""

    pack: ir.Pack
    timeout_ms: int = DEFAULT_TIMEOUT_MS
    encoder: Encoder = field(init=False)
    queries: int = 0  # questions sent to Z3
    cached: int = 0  # questions answered from the memo
    unknowns: list[Diagnostic] = field(default_factory=list)
    # Ask each question of the assumptions about its facts only (False: of all of them; the
    # tests compare the two).
    sliced: ClassVar[bool] = True

    def __post_init__(self) -> None:
        self.encoder = Encoder(self.pack)
        self._dependencies = ir.fact_dependencies(self.pack)
        self._group, self._members, self._group_assumptions, self._loose = _groups(self.pack, self._dependencies)
        self._full: z3.Solver | None = None
        self._shared = make_solver(self.timeout_ms)
        self._scopes: dict[frozenset, tuple[tuple[z3.BoolRef, ...], frozenset[str]]] = {}
        self._memo: dict[tuple, tuple[Verdict, tuple]] = {}
        self._bounds: dict[tuple[str, str], Bounds] = {}
        self._compiled = None
        self._window_reads: dict[str, frozenset[str]] | None = None

    # ------------------------------------------------------------ what to check
    def decisions(self) -> list[ir.Decision]:
        """Every decision, dependencies first."""
        return [self.pack.decisions[n] for n in self.pack.decision_order]

    def windows(self) -> list[ir.Window]:
        return list(self.pack.windows.values())

    def properties(self) -> list[ir.Property]:
        return list(self.pack.properties)

    # ------------------------------------------------------------ scopes and solvers
    def decision_scope(self, decision: ir.Decision | str) -> frozenset[str]:
        """The facts a decision reads, directly or through other decisions."""
        return self._dependencies[decision if isinstance(decision, str) else decision.name]

    def expr_scope(self, *exprs: ir.Expr) -> frozenset[str]:
        """The facts expressions read, directly or through decisions."""
        facts: set[str] = set()
        for e in exprs:
            direct, decisions = ir.references(e)
            facts |= direct
            for d in decisions:
                facts |= self._dependencies.get(d, frozenset())
        return frozenset(facts)

    @property
    def solver(self) -> z3.Solver:
        """The solver holding every domain and assumption of the pack."""
        if self._full is None:
            self._full = make_solver(self.timeout_ms)
            self._full.add(*self.encoder.domain, *self.encoder.assumptions)
        return self._full

    def _scope(self, key: frozenset) -> tuple[tuple[z3.BoolRef, ...], frozenset[str]]:
        """The domains and assumptions of the groups of facts in `key`, and those facts."""
        entry = self._scopes.get(key)
        if entry is None:
            enc = self.encoder
            groups = sorted(key)  # a fixed order: the same question gets the same model on every run
            facts = [f for g in groups for f in self._members[g]]
            constraints = [c for f in facts for c in enc.fact_domain[f]]
            constraints += [enc.assumptions[i] for g in groups for i in self._group_assumptions.get(g, ())]
            constraints += [enc.assumptions[i] for i in self._loose]
            entry = self._scopes[key] = (tuple(constraints), frozenset(facts))
        return entry

    def sat(self, *constraints: z3.BoolRef, what: str, span: Span, scope: Iterable[str] | None = None,
            model: bool = True) -> Verdict:
        """Check satisfiability with the assumptions about the facts in `scope` (all when
        None); an unknown answer is recorded as a W613 finding. A model covers the groups of
        facts the scope touches (ScopedModel); `model=False` when a refutation needs none."""
        key = None if scope is None or not self.sliced else frozenset(self._group[f] for f in scope)
        memo_key = (key, tuple(c.get_id() for c in constraints))
        hit = self._memo.get(memo_key)
        if hit is not None and not (model and hit[0].refuted and hit[0].model is None):
            self.cached += 1
            return hit[0]
        self.queries += 1
        if key is None:
            facts = None
            verdict = check(self.solver, *constraints, model=model)
        else:
            # One solver holding nothing: each question brings the assumptions it needs, so
            # no solver is built per scope and every query stays as small as its decision.
            given, facts = self._scope(key)
            verdict = check(self._shared, *given, *constraints, model=model)
        if verdict.model is not None and facts is not None:
            verdict = Verdict(verdict.status, ScopedModel(verdict.model, facts), verdict.reason)
        # INVARIANT: the memo holds the constraints, so their ids are not reused while it lives.
        self._memo[memo_key] = (verdict, constraints)
        if verdict.status == "unknown" and hit is None:
            self.unknowns.append(diagnostic(
                "W613", f"the solver gave up on {what}: {verdict.reason}", span, "not proved, not refuted",
                help="simplify the rules involved, or raise the time limit (--timeout)",
                extra={"check_verdict": "unknown", "reason": verdict.reason},
            ))
        return verdict

    def can_fire(self, decision: ir.Decision, rule: ir.Rule) -> Verdict:
        """Whether `rule`'s condition can hold (asked once per rule, whichever check asks)."""
        return self.sat(self.encoder.fires[(decision.name, rule.name)], what=f"whether rule `{rule.name}` can fire",
                        span=rule.span, scope=self.decision_scope(decision), model=False)

    def may_overlap(self, decision: ir.Decision, a: ir.Rule, b: ir.Rule) -> bool:
        """False only when the two rules' conditions certainly cannot both hold."""
        return not disjoint(self._rule_bounds(decision, a), self._rule_bounds(decision, b))

    def _rule_bounds(self, decision: ir.Decision, rule: ir.Rule) -> Bounds:
        key = (decision.name, rule.name)
        found = self._bounds.get(key)
        if found is None:
            found = self._bounds[key] = bounds(rule.condition)
        return found

    # ------------------------------------------------------------ findings
    @property
    def compiled(self):
        """The evaluator, for timelines (compiled on first use: most runs find nothing)."""
        if self._compiled is None:
            from ruleproof.checker.evaluate import CompiledPack

            self._compiled = CompiledPack(self.pack)
        return self._compiled

    def finding(self, code: str, message: str, span: Span, label: str, model: z3.ModelRef | None,
                involved: list[str], secondary: tuple[Label, ...] = (), help: str | None = None,
                story: str = "", marks: list[dict] | None = None) -> Diagnostic:
        """A finding with its counterexample case and timeline. The case gives the facts the
        question was about (with those the assumptions tie to them); a fact left out is
        irrelevant to the defect."""
        extra: dict = {"involved": involved, "check_verdict": "refuted" if model is not None else "proved"}
        if model is not None:
            facts = getattr(model, "facts", None)
            case = self.encoder.case(model, facts)
            extra["counterexample"] = case
            extra["timeline"] = timeline(self.pack, self.compiled, case, story, marks,
                                         None if facts is None else self._shown(facts))
        return diagnostic(code, message, span, label, secondary=secondary, help=help, extra=extra)


    def _shown(self, facts: frozenset[str]) -> set[str]:
        """The decisions and windows a case giving only `facts` decides: its timeline's content."""
        if self._window_reads is None:
            self._window_reads = {w.name: self.expr_scope(w.exists, w.low, w.high) for w in self.pack.windows.values()}
        shown = {name for name, reads in self._dependencies.items() if reads <= facts}
        shown.update(name for name, reads in self._window_reads.items() if reads <= facts)
        return shown


def _groups(pack: ir.Pack, dependencies: dict[str, frozenset[str]]):
    """Union-find over facts: two facts are in one group when an assumption reads both.
    Returns (fact -> group, group -> facts, group -> assumption indexes, indexes of
    assumptions that read no fact)."""
    parent = {f: f for f in pack.facts}

    def find(f: str) -> str:
        while parent[f] != f:
            parent[f] = parent[parent[f]]
            f = parent[f]
        return f

    reads = []
    for assumption in pack.assumptions:
        facts, decisions = ir.references(assumption.condition)
        for d in decisions:
            facts |= dependencies.get(d, frozenset())
        facts = [f for f in facts if f in parent]
        reads.append(facts)
        for other in facts[1:]:
            a, b = find(facts[0]), find(other)
            if a != b:
                parent[b] = a
    group = {f: find(f) for f in pack.facts}
    members: dict[str, list[str]] = {}
    for f, g in group.items():
        members.setdefault(g, []).append(f)
    group_assumptions: dict[str, list[int]] = {}
    loose = []
    for i, facts in enumerate(reads):
        if facts:
            group_assumptions.setdefault(group[facts[0]], []).append(i)
        else:
            loose.append(i)
    return group, members, group_assumptions, loose


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
        properties,
        redundant,
        shadowed,
        table,
        window_empty,
    )

    return [
        ("assumptions", "pack", assumptions.check_assumptions),
        ("dead_rule", "decision", dead_rule.check_decision),
        ("conflict", "decision", conflict.check_decision),
        ("gap", "decision", gap.check_decision),
        ("shadowed", "decision", shadowed.check_decision),
        ("redundant", "decision", redundant.check_decision),
        ("window_empty", "window", window_empty.check_window),
        ("properties", "property", properties.check_property),
        ("boundary", "decision", boundary.check_decision),
        ("table", "decision", table.check_decision),
    ]


@dataclass
class CheckReport:
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
        items = _items(pack)
        processes = _processes(jobs, pack)
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


def _items(pack: ir.Pack) -> list[tuple[str, str]]:
    """What the per-item checks go through: decisions (dependencies first), each window and
    property right after the last decision it reads, so that a contiguous run of items reads
    few decisions beyond its own (a worker process encodes only what its runs read)."""
    position = {name: i for i, name in enumerate(pack.decision_order)}

    def after(*exprs: ir.Expr) -> int:
        decisions = set().union(*(ir.references(e)[1] for e in exprs))
        return max((position[d] for d in decisions if d in position), default=-1)

    ranked = [(position[n], 0, i, ("decision", n)) for i, n in enumerate(pack.decision_order)]
    ranked += [(after(w.exists, w.low, w.high), 1, i, ("window", w.name)) for i, w in enumerate(pack.windows.values())]
    ranked += [(after(p.condition), 2, i, ("property", p.name)) for i, p in enumerate(pack.properties)]
    return [item for *_, item in sorted(ranked)]


def _run_items(ctx: CheckContext, selected, items: list[tuple[str, str]], timings: dict[str, float],
               progress: Callable[[str], None] | None) -> list[Diagnostic]:
    """Every selected check on each item in turn."""
    pack = ctx.pack
    properties = {p.name: p for p in pack.properties}
    lookup = {"decision": pack.decisions, "window": pack.windows, "property": properties}
    findings: list[Diagnostic] = []
    if progress:
        progress(f"{len(items)} decisions, windows and properties")
    last_report = time.perf_counter()
    for done, (kind, name) in enumerate(items, start=1):
        item = lookup[kind][name]
        for check_name, check_kind, run in selected:
            if check_kind != kind:
                continue
            t0 = time.perf_counter()
            findings.extend(run(ctx, item))
            timings[check_name] += time.perf_counter() - t0
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


def _parts(pack: ir.Pack, items: list[tuple[str, str]], count: int) -> list[list[tuple[str, str]]]:
    """Contiguous runs of items of about equal work (a decision of k rules weighs 1 + k²/4:
    its checks pair up its rules)."""
    def weight(item: tuple[str, str]) -> float:
        if item[0] != "decision":
            return 1.0
        k = len(pack.decisions[item[1]].rules)
        return 1.0 + k * k / 4

    total = sum(weight(i) for i in items)
    parts: list[list[tuple[str, str]]] = [[]]
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


# ------------------------------------------------------------------ acceptances


def apply_acceptances(pack: ir.Pack, findings: list[Diagnostic]) -> list[Diagnostic]:
    """Mark findings the pack accepts (code and every named target involved); report
    acceptances that match nothing (W405)."""
    from dataclasses import replace

    used = set()
    out = []
    for finding in findings:
        involved = set(finding.extra.get("involved", []))
        match = next((a for a in pack.acceptances if a.code == finding.code and set(a.targets) <= involved), None)
        if match is not None:
            used.add(id(match))
            finding = replace(finding, accepted=match.reason)
        out.append(finding)
    for acceptance in pack.acceptances:
        if id(acceptance) not in used:
            out.append(diagnostic(
                "W405", f"acceptance of `{acceptance.code}` on " + ", ".join(f"`{t}`" for t in acceptance.targets)
                + " matches no finding",
                acceptance.span, "matches nothing", help="the defect is gone or the names changed: remove the acceptance",
            ))
    return out
