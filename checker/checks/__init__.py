"""Formal checks, one module per check, each stated as "these constraints are unsatisfiable
iff the property holds" on the shared encoder (checker/encode.py).

Every finding carries a concrete counterexample (wire facts) and a readable timeline; the
tests replay each one in the evaluator. A solver that gives up yields W613, never "ok".
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass, field

import z3

from checker import ir
from checker.diagnostics import Diagnostic, Label, diagnostic
from checker.encode import Encoder
from checker.evaluate import CompiledPack
from checker.solver import DEFAULT_TIMEOUT_MS, Verdict, check, make_solver
from checker.source import Span
from checker.timeline import timeline


@dataclass
class CheckContext:
    """What every check shares: the pack, its encoding, one solver holding the domain and the
    assumptions (checks push and pop on it), and the evaluator for timelines."""

    pack: ir.Pack
    timeout_ms: int = DEFAULT_TIMEOUT_MS
    encoder: Encoder = field(init=False)
    solver: z3.Solver = field(init=False)
    compiled: CompiledPack = field(init=False)
    queries: int = 0
    unknowns: list[Diagnostic] = field(default_factory=list)

    def __post_init__(self) -> None:
        self.encoder = Encoder(self.pack)
        self.solver = make_solver(self.timeout_ms)
        self.solver.add(*self.encoder.domain, *self.encoder.assumptions)
        self.compiled = CompiledPack(self.pack)

    def sat(self, *constraints: z3.BoolRef, what: str, span: Span) -> Verdict:
        """Check satisfiability; an unknown answer is recorded as a W613 finding."""
        self.queries += 1
        verdict = check(self.solver, *constraints)
        if verdict.status == "unknown":
            self.unknowns.append(diagnostic(
                "W613", f"the solver gave up on {what}: {verdict.reason}", span, "not proved, not refuted",
                help="simplify the rules involved, or raise the time limit (--timeout)",
                extra={"check_verdict": "unknown", "reason": verdict.reason},
            ))
        return verdict

    def finding(self, code: str, message: str, span: Span, label: str, model: z3.ModelRef | None,
                involved: list[str], secondary: tuple[Label, ...] = (), help: str | None = None,
                story: str = "", marks: list[dict] | None = None) -> Diagnostic:
        """A finding with its counterexample case and timeline."""
        extra: dict = {"involved": involved, "check_verdict": "refuted" if model is not None else "proved"}
        if model is not None:
            case = self.encoder.case(model)
            extra["counterexample"] = case
            extra["timeline"] = timeline(self.pack, self.compiled, case, story, marks)
        return diagnostic(code, message, span, label, secondary=secondary, help=help, extra=extra)


Check = Callable[[CheckContext], list[Diagnostic]]


def _catalogue() -> list[tuple[str, Check]]:
    from checker.checks import (
        assumptions, boundary, conflict, dead_rule, gap, properties, redundant, shadowed, table, window_empty,
    )

    return [
        ("assumptions", assumptions.check_assumptions),
        ("dead_rule", dead_rule.check_dead_rules),
        ("conflict", conflict.check_conflicts),
        ("gap", gap.check_gaps),
        ("shadowed", shadowed.check_shadowed),
        ("redundant", redundant.check_redundant),
        ("window_empty", window_empty.check_windows),
        ("properties", properties.check_properties),
        ("boundary", boundary.check_boundaries),
        ("table", table.check_tables),
    ]


@dataclass
class CheckReport:
    findings: list[Diagnostic]
    queries: int
    seconds: float
    timings: dict[str, float]


def run_checks(pack: ir.Pack, timeout_ms: int = DEFAULT_TIMEOUT_MS, only: list[str] | None = None,
               progress: Callable[[str], None] | None = None) -> CheckReport:
    """Run the check catalogue on a pack; findings are sorted, acceptances applied."""
    started = time.perf_counter()
    ctx = CheckContext(pack, timeout_ms)
    findings: list[Diagnostic] = []
    timings = {}
    for name, run in _catalogue():
        if only and name not in only:
            continue
        if progress:
            progress(name)
        t0 = time.perf_counter()
        findings.extend(run(ctx))
        timings[name] = time.perf_counter() - t0
        if name == "assumptions" and findings:
            break  # contradictory assumptions make every other verdict vacuous
    findings.extend(ctx.unknowns)
    findings = apply_acceptances(pack, findings)
    findings.sort(key=Diagnostic.sort_key)
    return CheckReport(findings, ctx.queries, time.perf_counter() - started, timings)


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
                "W405", f"acceptance of {acceptance.code} on {', '.join(acceptance.targets)} matches no finding",
                acceptance.span, "matches nothing", help="the defect is gone or the names changed: remove the acceptance",
            ))
    return out


def rule_label(rule: ir.Rule) -> str:
    return f"rule `{rule.name}`" if rule.origin != "table" else f"row `{rule.name}`"


def rule_span(rule: ir.Rule) -> Span:
    return rule.span
