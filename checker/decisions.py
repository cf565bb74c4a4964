"""Deciding cases on the wire: JSON facts in, the JSON every client sees out.

The same function serves `ruleproof decide --format json` and `POST /v1/decide`, so the two
can never drift apart.
"""

from __future__ import annotations

from collections.abc import Sequence

from ruleproof.checker import ir
from ruleproof.checker.evaluate import CompiledPack, Outcome
from ruleproof.checker.timeline import timeline as draw_timeline
from ruleproof.checker.values import FactError, InvalidFacts, read_facts

#: the cause of a decision whose value the wire format cannot write (see `unwritable`)
OUT_OF_RANGE = "out_of_range"


class UnknownDecisions(InvalidFacts):
    """Decision names asked for that the pack does not have."""


def require_decisions(pack: ir.Pack, names: Sequence[str] | None) -> None:
    r"""Raise UnknownDecisions naming each of `names` the pack has no decision of, by its place
    in the request (`decisions[i]`: "unknown decision `name`"); None asks for every decision.

    The one check of requested decision names: `ruleproof decide` (with or without
    `--partial`) and the server's decide endpoints all report unknown names through it.

    >>> from ruleproof.checker.pipeline import load_texts
    >>> pack = load_texts({"a.rules": 'pack a version "1"\nfact paid: bool cite "x"\n'
    ...                               'decision ok: bool cite "x" = paid'}).pack
    >>> require_decisions(pack, ["ok", "okay"])
    Traceback (most recent call last):
    ...
    ruleproof.checker.decisions.UnknownDecisions: decisions[1]: unknown decision `okay`
    """
    unknown = [FactError(f"decisions[{i}]", f"unknown decision `{n}`") for i, n in enumerate(names or ())
               if n not in pack.decisions]
    if unknown:
        raise UnknownDecisions(unknown)


def unwritable(err: Exception) -> dict:
    """The undetermined entry of a decision whose value the wire format cannot write (a date
    past 9999-12-31): cause `out_of_range`, which only the wire gives, never the semantics.

    >>> unwritable(OverflowError("date value out of range"))["cause"]
    'out_of_range'
    """
    return {"reason": f"cannot compute: {err}", "cause": OUT_OF_RANGE, "depends_on": []}


def wire_result(compiled: CompiledPack, outcome: Outcome, in_place: bool = False) -> dict:
    """`{pack, version, decisions, undetermined}` of `outcome` on the wire (see wire_values)."""
    pack = compiled.pack
    decisions, undetermined = wire_values(compiled, outcome, in_place)
    return {"pack": pack.name, "version": pack.version, "decisions": decisions, "undetermined": undetermined}


def values_need_writing(compiled: CompiledPack, names: list[str] | None) -> bool:
    """Whether an outcome of `names` (every decision if None) may hold a value that is not its
    own wire form; if not, wire_values(in_place=True) is the outcome's own dicts."""
    return names is None or not compiled.wire_writers.keys().isdisjoint(names)


def wire_values(compiled: CompiledPack, outcome: Outcome, in_place: bool = False) -> tuple[dict, dict]:
    """`outcome`'s decisions and undetermined ones on the wire: each value written in its wire
    form (a value the wire cannot write, such as a date past 9999-12-31, moves to
    `undetermined` as `unwritable` says). `in_place`: the outcome's own dicts are written into
    (for an outcome nothing reads afterwards: no copy)."""
    values = outcome.values
    decisions = values if in_place else dict(values)
    writers = compiled.wire_writers
    unwritten = None
    for n in writers.keys() & values.keys():  # the values that are not their own wire form
        try:
            decisions[n] = writers[n](values[n])
        except (ValueError, OverflowError) as err:
            unwritten = unwritten or {}
            unwritten[n] = unwritable(err)
    if unwritten:  # in decision order, after the others
        for n in [n for n in decisions if n in unwritten]:
            del decisions[n]
            outcome.undetermined[n] = unwritten[n]
    return decisions, outcome.undetermined


def decide_json(compiled: CompiledPack, raw_facts: object, names: list[str] | None = None,
                explain: bool = False, timeline: bool = False, names_checked: bool = False) -> dict:
    """Decide one case; with `explain` add its trace, with `timeline` its timeline (drawn
    from this outcome, not decided again). Raises InvalidFacts (with JSON paths) for bad
    facts or unknown decisions (`names_checked`: the caller has checked `names` with
    require_decisions already, once for many cases)."""
    pack = compiled.pack
    if not names_checked:
        require_decisions(pack, names)
    if explain or timeline:  # both read the facts again: read them once, here
        facts = read_facts(pack, raw_facts)
        outcome = compiled.decide(facts, names, complete=True)
    else:  # the facts converted inside the plan's function, only those it reads
        outcome = compiled.decide_wire(raw_facts, names)
    # written in place unless the trace or the timeline reads the outcome's values afterwards
    result = wire_result(compiled, outcome, in_place=not (explain or timeline))
    if explain:
        result["trace"] = compiled.explain(facts, outcome)
    if timeline:
        result["timeline"] = draw_timeline(pack, compiled, facts, outcome)
    return result


def decision_text(result: dict, pack: ir.Pack) -> str:
    """The readable form of a decide result."""
    lines = [f"{result['pack']} {result['version']}"]
    width = max((len(n) for n in pack.decisions), default=0)
    for name in pack.decision_order:
        if name in result["decisions"]:
            lines.append(f"  {name.ljust(width)}  {_show(result['decisions'][name])}")
        elif name in result["undetermined"]:
            info = result["undetermined"][name]
            needs = f" (needs {', '.join(info['depends_on'])})" if info.get("depends_on") else ""
            lines.append(f"  {name.ljust(width)}  undetermined: {info['reason']}{needs}")
    for entry in result.get("trace", []):
        lines.append(f"\n{entry['decision']}:")
        for rule in entry["rules"]:
            text = f"  {rule['status']:<11} {rule['rule']}"
            if rule.get("cite"):
                text += f"  [{rule['cite']}]"
            if rule.get("overridden_by"):
                text += f"  overridden by {', '.join(rule['overridden_by'])}"
            if rule.get("value_needs"):
                text += f"  but its value needs `{rule['value_needs']}`"
            why = rule.get("why_not")
            if why:
                text += f"\n              because `{why['condition']}` is " + (
                    f"unknown (needs `{why['needs']}`)" if "needs" in why else "false") + f" at {why['at']}"
            lines.append(text)
    return "\n".join(lines) + "\n"


def _show(value: object) -> str:
    if isinstance(value, bool):
        return str(value).lower()
    return str(value)
