"""`ruleproof test`: run a pack's examples and report rule coverage."""

from __future__ import annotations

from dataclasses import dataclass, field

from ruleproof.checker import ir
from ruleproof.checker.diagnostics import Diagnostic, diagnostic
from ruleproof.checker.evaluate import CompiledPack
from ruleproof.checker.values import show


@dataclass
class ExampleReport:
    passed: int = 0
    failures: list[Diagnostic] = field(default_factory=list)
    covered: set[tuple[str, str]] = field(default_factory=set)
    rules: list[ir.Rule] = field(default_factory=list)

    @property
    def uncovered(self) -> list[ir.Rule]:
        return [r for r in self.rules if (r.decision, r.name) not in self.covered]

    @property
    def coverage(self) -> float:
        return 1.0 if not self.rules else 1 - len(self.uncovered) / len(self.rules)


def run_examples(compiled: CompiledPack) -> ExampleReport:
    """Decide every example; a rule is covered when some example's case makes it win."""
    pack = compiled.pack
    report = ExampleReport(rules=[r for r in pack.rules()])
    for example in pack.examples:
        facts = _example_facts(pack, example.given)
        outcome = compiled.decide(facts)
        report.covered |= _winning_rules(compiled, facts, outcome)
        problems = [_mismatch(pack, name, expected, outcome) for name, expected in example.expect.items()]
        problems = [p for p in problems if p]
        if not problems:
            report.passed += 1
            continue
        for name, message in problems:
            report.failures.append(diagnostic(
                "E501", f"example \"{example.title}\" failed: {message}", example.expect_spans.get(name, example.span),
                "expectation not met", help=example.cite and f"the example cites {example.cite}",
            ))
    return report


def _example_facts(pack: ir.Pack, given: dict) -> dict:
    facts = dict(given)
    for fact in pack.facts.values():
        if fact.name not in facts:
            if fact.has_default:
                facts[fact.name] = fact.default
            elif fact.type.optional:
                facts[fact.name] = None
    return facts


def _mismatch(pack: ir.Pack, name: str, expected, outcome) -> tuple[str, str] | None:
    typ = pack.decisions[name].type
    if expected == ir.UNDETERMINED:
        if name in outcome.values:
            return name, f"expected `{name}` undetermined, got {show(outcome.values[name], typ)}"
        return None
    if name in outcome.values:
        if outcome.values[name] == expected:
            return None
        return name, f"expected `{name}` = {show(expected, typ)}, got {show(outcome.values[name], typ)}"
    reason = outcome.undetermined.get(name, {}).get("reason", "no value")
    return name, f"expected `{name}` = {show(expected, typ)}, got undetermined ({reason})"


def _winning_rules(compiled: CompiledPack, facts: dict, outcome) -> set[tuple[str, str]]:
    won = set()
    for entry in compiled.explain(facts, outcome):
        for rule in entry["rules"]:
            if rule["status"] == "fired":
                won.add((entry["decision"], rule["rule"]))
    return won
