"""Brute force: every case of a pack's finite domain, decided by the evaluator.

A case gives every fact a value of its domain (an optional fact may be absent); the cases that
satisfy the pack's assumptions are kept. An outcome is what the evaluator decides for one
decision on one case, reduced to a comparable tuple:

- ("value", V) with V the wire value (sets as sorted tuples),
- ("no value",) for a decision no rule decides (no default, not complete),
- ("undetermined", CAUSE) with the cause's class: conflict, gap, division by zero, missing (a
  fact not given). A decision that reads an undetermined decision has that decision's cause
  (checker/semantics/outcomes.py).

Rule-level facts (whether a rule fires, its value, whether the hit policy selects it) come from
evaluating the rule's IR with the evaluator (`evaluate_expr`, the one place that reads the
evaluator's expression API).
"""

from __future__ import annotations

import itertools
from collections.abc import Iterator
from dataclasses import dataclass, field, replace
from functools import cached_property

from ruleproof.checker import ir
from ruleproof.checker.evaluate import NO_VALUE, CompiledPack, Outcome, Undetermined
from ruleproof.checker.values import read_facts, to_wire

UNDETERMINED = object()  # an expression that has no value on a case


def reason_class(reason: object) -> str:
    """The class of an undetermined reason, whatever its spelling (string or enum)."""
    text = str(getattr(reason, "value", reason)).lower()
    if "is undetermined" in text or "upstream" in text:  # first: the name it quotes may say "conflict"
        return "upstream"
    if "conflict" in text:
        return "conflict"
    if text.startswith("gap") or " gap" in text:
        return "gap"
    if "division" in text or "zero" in text:
        return "division by zero"
    if "missing" in text:
        return "missing"
    return text


def hashable(wire: object) -> object:
    """A wire value as a dictionary key: lists (sets, lists of records) as tuples, records as
    sorted pairs."""
    if isinstance(wire, list):
        return tuple(hashable(w) for w in wire)
    if isinstance(wire, dict):
        return tuple(sorted((k, hashable(v)) for k, v in wire.items()))
    return wire


def outcome_of(pack: ir.Pack, outcome: Outcome, name: str) -> tuple:
    """One decision's outcome on a decided case, as a comparable tuple."""
    if name in outcome.values:
        return ("value", hashable(to_wire(outcome.values[name], pack.decisions[name].type)))
    entry = outcome.undetermined.get(name, {})
    if entry.get("reason", NO_VALUE) == NO_VALUE:
        return ("no value",)
    return ("undetermined", reason_class(entry.get("cause", entry.get("reason"))))  # reason: before causes


def show_outcome(out: tuple) -> str:
    if out[0] == "value":
        return f"value {out[1]!r}"
    return out[0] if len(out) == 1 else f"undetermined ({out[1]})"


def evaluate_expr(compiled: CompiledPack, expr: ir.Expr, facts: dict, outcome: Outcome) -> object:
    """The value of an IR expression on a decided case, or UNDETERMINED (it reads an absent
    value, an undetermined decision, or divides by zero)."""
    try:
        value = compiled.evaluate(expr, facts, outcome)
    except (KeyError, Undetermined, ZeroDivisionError, TypeError):
        return UNDETERMINED
    return UNDETERMINED if value is None else value


@dataclass
class Case:
    """One case of the domain that satisfies the assumptions, decided."""

    wire: dict  # the facts given (absent optional facts left out)
    facts: dict  # IR values, as read_facts gives them
    outcome: Outcome
    outcomes: dict[str, tuple] = field(default_factory=dict)


@dataclass(frozen=True)
class RuleView:
    """What the rules of one decision do on one case: whether each fires, its value
    (UNDETERMINED when it cannot be computed) and whether the hit policy selects it.
    `settled`: every condition and every selected rule's value could be computed, so an
    undetermined outcome is the decision's own (a conflict or gap of its rules), not one read
    from a decision upstream."""

    fires: tuple[bool, ...]
    values: tuple[object, ...]
    candidates: tuple[bool, ...]
    settled: bool = True


class Oracle:
    """Every case of `domains` (fact -> wire values, None = absent) that satisfies the
    assumptions, decided by the evaluator."""

    def __init__(self, pack: ir.Pack, domains: dict[str, list]):
        self.pack = pack
        self.domains = domains
        self.compiled = CompiledPack(pack)
        self.total = 0
        self.cases: list[Case] = []
        names = list(domains)
        for values in itertools.product(*(domains[n] for n in names)):
            self.total += 1
            wire = {n: v for n, v in zip(names, values) if v is not None}
            facts = read_facts(pack, wire)
            decided = self.compiled.decide(facts)
            if all(evaluate_expr(self.compiled, a.condition, facts, decided) is True for a in pack.assumptions):
                outs = {d: outcome_of(pack, decided, d) for d in pack.decision_order}
                self.cases.append(Case(wire, facts, decided, outs))
        self._views: dict[tuple[int, str], RuleView] = {}
        self.memo: dict = {}  # answers derived from the cases (expected.py)

    # ------------------------------------------------------------ rules
    def view(self, index: int, decision: str) -> RuleView:
        """The rules of `decision` on case `index` (cached)."""
        key = (index, decision)
        found = self._views.get(key)
        if found is None:
            found = self._views[key] = self._view(self.cases[index], self.pack.decisions[decision])
        return found

    def _view(self, case: Case, d: ir.Decision) -> RuleView:
        conditions = [evaluate_expr(self.compiled, r.condition, case.facts, case.outcome) for r in d.rules]
        fires = [c is True for c in conditions]
        values = [evaluate_expr(self.compiled, r.value, case.facts, case.outcome) if f else UNDETERMINED
                  for r, f in zip(d.rules, fires)]
        index = {r.name: i for i, r in enumerate(d.rules)}
        wins = [f and not any(fires[index[o]] for o in d.overriders(r.name) if o in index)
                for r, f in zip(d.rules, fires)]
        if d.hit == "first":
            first = next((i for i, w in enumerate(wins) if w), None)
            candidates = [i == first for i in range(len(wins))]
        elif d.hit == "priority":
            top = max(((r.priority or 0) for r, w in zip(d.rules, wins) if w), default=None)
            candidates = [w and (r.priority or 0) == top for r, w in zip(d.rules, wins)]
        else:
            candidates = wins
        settled = all(c is not UNDETERMINED for c in conditions) and all(
            v is not UNDETERMINED for v, chosen in zip(values, candidates) if chosen)
        return RuleView(tuple(fires), tuple(values), tuple(candidates), settled)

    def expr(self, index: int, expr: ir.Expr) -> object:
        case = self.cases[index]
        return evaluate_expr(self.compiled, expr, case.facts, case.outcome)

    # ------------------------------------------------------------ cases
    @cached_property
    def by_wire(self) -> dict[tuple, int]:
        return {self.key(c.wire): i for i, c in enumerate(self.cases)}

    def key(self, wire: dict) -> tuple:
        return tuple((n, hashable(wire.get(n))) for n in self.domains)

    def matching(self, given: dict, absent_left_out: bool = True) -> list[int]:
        """The cases agreeing with `given` (wire facts). With `absent_left_out`, an optional
        fact left out of `given` is absent (as read_facts reads it); a required fact left out
        may take any value."""
        out = []
        for i, case in enumerate(self.cases):
            ok = True
            for name, values in self.domains.items():
                if name in given:
                    ok = hashable(case.wire.get(name)) == hashable(given[name])
                elif absent_left_out and None in values:
                    ok = name not in case.wire
                if not ok:
                    break
            if ok:
                out.append(i)
        return out

    def in_domain(self, wire: dict) -> list[str]:
        """The facts of `wire` that are outside the domain (or unknown)."""
        return [n for n, v in wire.items() if n not in self.domains or hashable(v) not in map(hashable, self.domains[n])]

    def extending(self, known: dict) -> list[int]:
        """The cases extending `known` (fact -> IR value, None = absent)."""
        return [i for i, c in enumerate(self.cases) if all(c.facts.get(n) == v for n, v in known.items())]


def without_rule(pack: ir.Pack, name: str) -> ir.Pack:
    """The pack with every conclusion of rule `name` removed, and `name` dropped from every
    `overrides` list (the `unless` conditions of other rules stay as they are)."""
    decisions = {}
    for dname, d in pack.decisions.items():
        rules = tuple(replace(r, overrides=tuple(o for o in r.overrides if o != name)) for r in d.rules if r.name != name)
        decisions[dname] = replace(d, rules=rules)
    return replace(pack, decisions=decisions)


def outcomes_without(oracle: Oracle, name: str) -> Iterator[dict[str, tuple]]:
    """Every decision's outcome on each case of `oracle` in turn, with rule `name` removed."""
    reduced = without_rule(oracle.pack, name)
    compiled = CompiledPack(reduced)
    for case in oracle.cases:
        try:
            decided = compiled.decide(case.facts)
        except TypeError:
            # removing the formula of a decision read without a presence test leaves its readers
            # comparing "no value": the pack without the rule is not one the front end accepts,
            # and the removal certainly changes that decision
            yield {}
            continue
        yield {d: outcome_of(reduced, decided, d) for d in reduced.decision_order}
