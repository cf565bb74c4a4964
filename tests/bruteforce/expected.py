"""The findings a pack should have, derived by brute force from their definitions.

A finding is keyed by (code, subject): E601/W604/W605 by (decision, rule), E602/E611 by
(decision, frozenset of the two rules), E603/W612 by decision, W606 by window, E607/E609/E610
by property, E614 by nothing. For each expected finding the oracle keeps the first case that
shows it (`Expected.example`), so a missed finding can be printed with its case.

Definitions (issue 11, item 4), over the cases that satisfy the assumptions:

- fires(c, r): r's condition is true on c; candidate(c, r): the hit policy selects r on c.
- E601: r fires on no case. W604: r fires on some case, is a candidate on none.
- W605: r is a candidate on some case, and removing r (all its conclusions, and its name from
  every `overrides`) changes no decision's outcome on any case.
- E602 (E611 for two table rows): on some case the decision is undetermined by its own
  conflict (every rule condition and selected conclusion determined) and a and b are both
  candidates with different values (unique and priority decisions; any values under strict).
- E603: a complete decision without default is undetermined by its own gap on some case. A
  decision whose condition reads a conflicted or gap decision is undetermined with that cause
  first (semantics/outcomes.py): the finding belongs to the decision upstream.
- W612: a decision with table rows, no default, not complete, not collect, has no value on
  some case. W615: the same for a decision decided by `rule`s only (no table row, formula or
  obligation), on a case giving every optional fact the decision reads.
- E609: `always p` has a case where p is false (`never p`: true); undetermined refutes nothing.
  E607 is the same for a property relating windows. E610: `possible p` is true on no case.
- W606: on some case the window's bounds are determined and its start is after its end.
- E614: no case satisfies the assumptions (and then nothing else is expected).
"""

from __future__ import annotations

from dataclasses import dataclass, field

from ruleproof.checker import ir

from .oracle import UNDETERMINED, Oracle, outcomes_without

CODES = ("E601", "E602", "E603", "W604", "W605", "W606", "E607", "E609", "E610", "E611", "W612", "E614", "W615")


@dataclass
class Expected:
    """The expected findings: key -> the index of a case that shows it (None: no case needed)."""

    findings: dict[tuple, int | None] = field(default_factory=dict)

    def add(self, key: tuple, example: int | None) -> None:
        self.findings.setdefault(key, example)


def expected_findings(oracle: Oracle) -> Expected:
    pack = oracle.pack
    out = Expected()
    if not oracle.cases:
        out.add(("E614",), None)
        return out
    for name in pack.decision_order:
        _decision(oracle, pack.decisions[name], out)
    for window in pack.windows.values():
        index = next((i for i in range(len(oracle.cases)) if window_empty(oracle, i, window)), None)
        if index is not None:
            out.add(("W606", window.name), index)
    for prop in pack.properties:
        _property(oracle, prop, out)
    return out


def _decision(oracle: Oracle, d: ir.Decision, out: Expected) -> None:
    cases = range(len(oracle.cases))
    reads = ir.fact_dependencies(oracle.pack)
    fired: dict[int, int] = {}
    chosen: dict[int, int] = {}
    for i in cases:
        view = oracle.view(i, d.name)
        for k in range(len(d.rules)):
            if view.fires[k]:
                fired.setdefault(k, i)
            if view.candidates[k]:
                chosen.setdefault(k, i)
        outcome = oracle.cases[i].outcomes[d.name]
        if d.hit in ("unique", "strict", "priority") and outcome == ("undetermined", "conflict") and own(view):
            for a, b in conflicting_pairs(d, view):
                code = "E611" if d.rules[a].origin == d.rules[b].origin == "table" else "E602"
                out.add((code, d.name, frozenset((d.rules[a].name, d.rules[b].name))), i)
        if d.complete and d.default is None and outcome == ("undetermined", "gap") and own(view):
            out.add(("E603", d.name), i)
        if (any(r.origin == "table" for r in d.rules) and d.default is None and not d.complete and d.hit != "collect"
                and outcome == ("no value",)):
            out.add(("W612", d.name), i)
        if (d.rules and all(r.origin == "rule" for r in d.rules) and d.default is None and not d.complete
                and d.hit != "collect" and outcome == ("no value",)
                and all(f in oracle.cases[i].wire for f in reads[d.name] if oracle.pack.facts[f].type.optional)):
            out.add(("W615", d.name), i)
    for k, rule in enumerate(d.rules):
        if k not in fired:
            out.add(("E601", d.name, rule.name), None)
        elif k not in chosen:
            out.add(("W604", d.name, rule.name), fired[k])
        elif redundant(oracle, rule.name):
            out.add(("W605", d.name, rule.name), chosen[k])


def own(view) -> bool:
    """Whether an undetermined outcome is the decision's own: every rule condition and every
    selected conclusion determined on the case (`RuleView.settled`), so that the cause was not
    read from a decision upstream (semantics/outcomes.py orders the causes that way)."""
    return view.settled


def conflicting_pairs(d: ir.Decision, view) -> list[tuple[int, int]]:
    """The pairs of candidates with different (determined) values; under `strict`, every pair."""
    picked = [k for k, c in enumerate(view.candidates) if c and view.values[k] is not UNDETERMINED]
    return [(a, b) for n, a in enumerate(picked) for b in picked[n + 1:]
            if d.hit == "strict" or view.values[a] != view.values[b]]


def redundant(oracle: Oracle, rule: str) -> bool:
    """Whether removing `rule` changes no decision's outcome on any case."""
    key = ("redundant", rule)
    if key not in oracle.memo:
        oracle.memo[key] = redundancy_breaker(oracle, rule) is None
    return oracle.memo[key]


def redundancy_breaker(oracle: Oracle, rule: str) -> tuple[int, str, tuple, tuple] | None:
    """A case and decision whose outcome changes when `rule` is removed: (case, decision, before, after)."""
    after = outcomes_without(oracle, rule)
    for i, (before, changed) in enumerate(zip(oracle.cases, after)):
        for name, out in before.outcomes.items():
            if changed.get(name) != out:
                return i, name, out, changed.get(name)
    return None


def window_empty(oracle: Oracle, index: int, window: ir.Window) -> bool:
    """The window's bounds are determined on the case and its start is after its end."""
    if oracle.expr(index, window.exists) is not True:
        return False
    low, high = oracle.expr(index, window.low), oracle.expr(index, window.high)
    return low is not UNDETERMINED and high is not UNDETERMINED and low > high


def property_refuted(oracle: Oracle, index: int, prop: ir.Property) -> bool:
    """`always p` is refuted by a case where p is false, `never p` by one where it is true."""
    value = oracle.expr(index, prop.condition)
    return value is (prop.kind == "never") if value is not UNDETERMINED else False


def _property(oracle: Oracle, prop: ir.Property, out: Expected) -> None:
    cases = range(len(oracle.cases))
    if prop.kind == "possible":
        if not any(oracle.expr(i, prop.condition) is True for i in cases):
            out.add(("E610", prop.name), None)
        return
    index = next((i for i in cases if property_refuted(oracle, i, prop)), None)
    if index is not None:
        out.add(("E607" if prop.windows else "E609", prop.name), index)
