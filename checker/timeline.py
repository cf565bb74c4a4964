"""Counterexamples as timelines: the dated facts and decisions of a case, and its windows,
in date order, with one sentence saying what goes wrong."""

from __future__ import annotations

from collections.abc import Collection

from ruleproof.checker import ir
from ruleproof.checker.evaluate import CompiledPack, Outcome, Undetermined
from ruleproof.checker.types import DATE
from ruleproof.checker.values import to_wire


def decided_for(pack: ir.Pack, only: Collection[str] | None) -> tuple[bool, list[str] | None]:
    """What a timeline showing `only` (every decision and window when None) reads of the case's
    outcome: whether it reads any (else the case need not be decided, nor an evaluator
    compiled), and the decisions to decide, in decision order (None: all) — every one shown
    when it shows a window (a window's bounds may read any decision), else the date decisions
    shown (their values are its events)."""
    if any(only is None or w in only for w in pack.windows):
        return True, None if only is None else [n for n in pack.decision_order if n in only]
    dated = [n for n in pack.decision_order if (only is None or n in only) and pack.decisions[n].type.kind == "date"]
    return bool(dated), dated


def timeline(pack: ir.Pack, compiled: CompiledPack | None, facts: dict[str, object], outcome: Outcome, story: str = "",
             marks: list[dict] | None = None, only: Collection[str] | None = None) -> dict:
    """The events of a case already read and decided — `facts` as read_facts gives them, and
    the outcome `compiled.decide` gave on them, which is not decided again: dated facts and
    date decisions, plus `marks` a finding adds (such as the two dates conflicting rules
    decide) — and its windows, plus a readable text. `only`: the windows to show (default:
    all); the decisions shown are those in `outcome`. `compiled` may be None when no window is
    shown."""
    events = []
    for name, fact in pack.facts.items():
        if fact.type.kind == "date" and facts.get(name) is not None:
            events.append({"date": _day(facts[name]), "name": name, "kind": "fact"})
    for name, value in outcome.values.items():
        if pack.decisions[name].type.kind == "date":
            events.append({"date": _day(value), "name": name, "kind": "decision"})
    # a day past the calendar (a solver's case can compute one) has no place on the axis
    events = [e for e in events if e["date"] is not None]
    events.extend(marks or [])
    events.sort(key=lambda e: (e["date"], e["kind"] != "fact", e["name"]))
    shown = [w for w in pack.windows.values() if only is None or w.name in only]
    if shown:  # a window's bounds read decisions the outcome may have left undecided
        outcome = compiled.completed(facts, outcome)
    windows = [w for w in (_window(w, compiled, facts, outcome) for w in shown) if w is not None]
    text = "; ".join(filter(None, [
        ", ".join(f"{e['name']} {e['date']}" for e in events),
        *(f"window {w['name']} " + ("is empty" if w["empty"] else f"{w['first']} to {w['last']}") for w in windows),
    ]))
    if story:
        text = f"{text}: {story}" if text else story
    return {"events": events, "windows": windows, "text": text}


def _window(window: ir.Window, compiled: CompiledPack, facts: dict, outcome) -> dict | None:
    try:
        if not compiled.evaluate(window.exists, facts, outcome):
            return None
        low, high = compiled.evaluate(window.low, facts, outcome), compiled.evaluate(window.high, facts, outcome)
    except (KeyError, TypeError, Undetermined):
        return None
    point = window.point
    try:
        first, last = to_wire(low, point), to_wire(high, point)
    except (ValueError, OverflowError):  # an end past the calendar
        return None
    return {"name": window.name, "first": first, "last": last, "empty": low > high}


def _day(value: int) -> str | None:
    """The ISO day of a date's IR value; None past the calendar (year 1 to 9999)."""
    try:
        return to_wire(value, DATE)
    except (ValueError, OverflowError):
        return None
