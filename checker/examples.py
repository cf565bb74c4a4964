"""`ruleproof test`: run a pack's examples and report rule coverage."""

from __future__ import annotations

from dataclasses import dataclass, field

from ruleproof.checker import ir
from ruleproof.checker.diagnostics import Diagnostic, diagnostic
from ruleproof.checker.evaluate import CompiledPack
from ruleproof.checker.explain import CONCRETE
from ruleproof.checker.render import diagnostic_json
from ruleproof.checker.semantics.outcomes import Undetermined
from ruleproof.checker.semantics.selection import select
from ruleproof.checker.values import show, to_wire


@dataclass(frozen=True)
class Expectation:
    """One `expect` line of an example on its case: what it expected (an IR value, or
    ir.UNDETERMINED), what the pack decided (an IR value, None when undetermined, with the
    reason) and, when they differ, the message `ruleproof test` prints."""

    decision: str
    expected: object
    actual: object
    reason: str | None
    mismatch: str | None

    @property
    def ok(self) -> bool:
        return self.mismatch is None


@dataclass(frozen=True)
class ExampleRun:
    """One example decided: its expectations, and the rules that won on its case."""

    example: ir.Example
    expectations: tuple[Expectation, ...]
    covers: frozenset[tuple[str, str]]  # (decision, rule)

    @property
    def ok(self) -> bool:
        return all(e.ok for e in self.expectations)


@dataclass
class ExampleReport:
    passed: int = 0
    failures: list[Diagnostic] = field(default_factory=list)
    covered: set[tuple[str, str]] = field(default_factory=set)
    rules: list[ir.Rule] = field(default_factory=list)
    runs: list[ExampleRun] = field(default_factory=list)

    @property
    def uncovered(self) -> list[ir.Rule]:
        return [r for r in self.rules if (r.decision, r.name) not in self.covered]

    @property
    def coverage(self) -> float:
        return 1.0 if not self.rules else 1 - len(self.uncovered) / len(self.rules)


def run_examples(compiled: CompiledPack) -> ExampleReport:
    """Decide every example; a rule is covered when some example's case makes it win. Each
    example's run (expected against actual, the rules it covers) is kept in `runs`."""
    pack = compiled.pack
    report = ExampleReport(rules=[r for r in pack.rules()])
    for example in pack.examples:
        facts = _example_facts(pack, example.given)
        outcome = compiled.decide(facts)
        covers = frozenset(_winning_rules(compiled, facts, outcome))
        report.covered |= covers
        expectations = tuple(_expectation(pack, name, expected, outcome) for name, expected in example.expect.items())
        report.runs.append(ExampleRun(example, expectations, covers))
        if all(e.ok for e in expectations):
            report.passed += 1
            continue
        for e in expectations:
            if e.mismatch is not None:
                report.failures.append(diagnostic(
                    "E501", f"example \"{example.title}\" failed: {e.mismatch}",
                    example.expect_spans.get(e.decision, example.span), "expectation not met",
                    help=example.cite and f"the example cites {example.cite}",
                ))
    return report


def examples_json(pack: ir.Pack, report: ExampleReport) -> dict:
    """What `ruleproof test --format json` prints (and POST /v1/test answers): the totals,
    rule coverage, the rules no example covers, and each example's expected and actual values
    (wire form) with the rules its case makes win."""
    def wire(name: str, value: object) -> object:
        return None if value is None or value == ir.UNDETERMINED else to_wire(value, pack.decisions[name].type)

    results = [{
        "title": run.example.title, "cite": run.example.cite, "at": str(run.example.span), "passed": run.ok,
        "expectations": [{
            "decision": e.decision, "expected": wire(e.decision, e.expected),
            "expected_undetermined": e.expected == ir.UNDETERMINED, "actual": wire(e.decision, e.actual),
            "undetermined": e.reason, "passed": e.ok, "message": e.mismatch,
        } for e in run.expectations],
        "covers": sorted(rule for _, rule in run.covers),
    } for run in report.runs]
    return {
        "pack": pack.name, "version": pack.version, "examples": len(report.runs), "passed": report.passed,
        "failed": [diagnostic_json(d) for d in report.failures], "results": results,
        "coverage": round(report.coverage, 4), "rules": len(report.rules),
        "uncovered_rules": [{"rule": r.name, "decision": r.decision, "at": str(r.span)} for r in report.uncovered],
    }


def _example_facts(pack: ir.Pack, given: dict) -> dict:
    facts = dict(given)
    for fact in pack.facts.values():
        if fact.name not in facts:
            if fact.has_default:
                facts[fact.name] = fact.default
            elif fact.type.optional:
                facts[fact.name] = None
    return facts


def _expectation(pack: ir.Pack, name: str, expected, outcome) -> Expectation:
    typ = pack.decisions[name].type
    actual = outcome.values.get(name)
    reason = None if name in outcome.values else outcome.undetermined.get(name, {}).get("reason", "no value")
    if expected == ir.UNDETERMINED:
        mismatch = None if reason is not None else f"expected `{name}` undetermined, got {show(actual, typ)}"
    elif reason is not None:
        mismatch = f"expected `{name}` = {show(expected, typ)}, got undetermined ({reason})"
    else:
        mismatch = None if actual == expected else f"expected `{name}` = {show(expected, typ)}, got {show(actual, typ)}"
    return Expectation(name, expected, actual, reason, mismatch)


def _winning_rules(compiled: CompiledPack, facts: dict, outcome) -> set[tuple[str, str]]:
    """The rules the hit policy selects on the case (`fired` in a trace, checker/explain.py,
    without the trace's texts): a rule's condition must hold, an error reading it does not."""
    pack = compiled.pack
    won = set()
    for name in pack.decision_order:
        if name not in outcome.values and name not in outcome.undetermined:
            continue
        rules = pack.decisions[name].rules
        fired = [_holds(compiled, r.condition, facts, outcome) for r in rules]
        if not any(fired):
            continue
        chosen = select(pack.decisions[name].hit, rules, fired, CONCRETE)
        won.update((name, r.name) for r, f, w, s in zip(rules, fired, chosen.wins, chosen.selected) if f and w and s)
    return won


def _holds(compiled: CompiledPack, condition: ir.Expr, facts: dict, outcome) -> bool:
    try:
        return compiled.evaluate(condition, facts, outcome) is True
    except (KeyError, Undetermined):
        return False
