"""`decide --partial` (partial_decisions) and `when` (holding_days) against brute force.

Partial: for each decision, the outcomes it can take over the cases extending the known facts
(undetermined ones included, by reason class); forced iff exactly one. Every witness, replayed
in the evaluator, must be a case extending the known facts with the outcome it is reported with.
Until partial reports undetermined outcomes, a difference made only of them is its own kind,
"partial: undetermined outcomes not reported".

When: the days D such that some case extending the known facts, with the day fact given and
equal to D, makes the decision true; `first`, `last`, and the intervals when they are given.
"""

from __future__ import annotations

import datetime as dt

from ruleproof.checker.partial import holding_days, partial_decisions
from ruleproof.checker.values import read_facts

from .oracle import Oracle, hashable, reason_class, show_outcome
from .report import Disagreement, show_case


def reported_outcomes(entry: dict) -> list[tuple[tuple, dict | None]]:
    """(outcome, witness) pairs of one decision's partial answer."""
    def one(item: dict, value_key: str) -> tuple:
        if "undetermined" in item:
            return ("undetermined", reason_class(item["undetermined"]))
        if item.get("no_value") or (value_key == "forced" and item.get("forced") is None):
            return ("no value",)
        return ("value", hashable(item[value_key]))

    if "values" in entry:
        return [(one(item, "value"), item.get("witness")) for item in entry["values"]]
    if "forced" in entry or "undetermined" in entry:
        return [(one(entry, "forced"), entry.get("witness"))]
    return []


def compare_partial(oracle: Oracle, known_wire: dict, source: str) -> list[Disagreement]:
    pack = oracle.pack
    known = read_facts(pack, known_wire, fill_absent=False)
    answer = partial_decisions(pack, known)
    extending = oracle.extending(known)
    asked = f"partial with known {show_case(known_wire)}"
    if not extending:
        if "error" in answer:
            return []
        return [Disagreement("partial: answer for no case", f"{asked}: no case extends the known facts, "
                             f"partial answers {answer}", source)]
    if "error" in answer:
        return [Disagreement("partial: no case claimed", f"{asked}: partial says {answer['error']}, brute force has "
                             f"{len(extending)} cases, e.g. {show_case(oracle.cases[extending[0]].wire)}", source)]
    out = []
    for name in pack.decision_order:
        entry = answer.get(name, {})
        if "unknown" in entry:
            out.append(Disagreement("solver unknown", f"{asked}: `{name}`: {entry['unknown']}", source))
            continue
        expected: dict[tuple, int] = {}
        for i in extending:
            expected.setdefault(oracle.cases[i].outcomes[name], i)
        reported = reported_outcomes(entry)
        got = {o for o, _ in reported}
        ok = got < set(expected) if entry.get("more") else got == set(expected)
        if not ok:
            missing = set(expected) - got
            kind = "partial: wrong outcomes"
            if (not entry.get("more") and got <= set(expected) and all(o[0] == "undetermined" for o in missing)
                    and not any(o[0] == "undetermined" for o in got)):
                kind = "partial: undetermined outcomes not reported"
            out.append(Disagreement(kind, f"{asked}: `{name}` can be "
                                    + "; ".join(f"{show_outcome(o)} (e.g. {show_case(oracle.cases[i].wire)})"
                                                for o, i in expected.items())
                                    + f" by brute force; partial says {_shown(entry)}", source))
        for outcome, witness in reported:
            problem = _witness_problem(oracle, known, name, outcome, witness)
            if problem:
                out.append(Disagreement("partial witness", f"{asked}: `{name}` reported {show_outcome(outcome)} "
                                        f"with witness {show_case(witness)}: {problem}", source))
    return out


def _shown(entry: dict) -> str:
    parts = [show_outcome(o) for o, _ in reported_outcomes(entry)]
    return ("forced " if "values" not in entry else "") + "; ".join(parts) + (" (and more)" if entry.get("more") else "")


def _witness_problem(oracle: Oracle, known: dict, name: str, outcome: tuple, witness: dict | None) -> str | None:
    if witness is None:
        return "no witness"
    outside = oracle.in_domain(witness)
    if outside:
        return f"facts outside the domain: {', '.join(outside)}"
    index = oracle.by_wire.get(oracle.key(witness))
    if index is None:
        return "not a case of the domain that satisfies the assumptions (optional facts left out read as absent)"
    case = oracle.cases[index]
    if any(case.facts.get(n) != v for n, v in known.items()):
        return "it does not extend the known facts"
    if case.outcomes[name] != outcome:
        return f"the evaluator decides {show_outcome(case.outcomes[name])}"
    return None


def holding(oracle: Oracle, decision: str, known: dict, day_fact: str) -> list[str]:
    """The days (wire) on which some case extending `known` with `day_fact` given makes `decision` true."""
    days = {oracle.cases[i].wire[day_fact] for i in oracle.extending(known)
            if day_fact in oracle.cases[i].wire and oracle.cases[i].outcomes[decision] == ("value", True)}
    return sorted(days)


def intervals(days: list[str]) -> list[dict]:
    out: list[dict] = []
    for text in days:
        if out and dt.date.fromisoformat(text) - dt.date.fromisoformat(out[-1]["last"]) == dt.timedelta(days=1):
            out[-1]["last"] = text
        else:
            out.append({"first": text, "last": text})
    return out


def compare_when(oracle: Oracle, decision: str, day_fact: str, known_wire: dict, source: str) -> list[Disagreement]:
    pack = oracle.pack
    known = read_facts(pack, known_wire, fill_absent=False)
    answer = holding_days(pack, decision, known, day_fact)
    asked = f"when `{decision}` --day {day_fact} with known {show_case(known_wire)}"
    if "unknown" in answer:
        return [Disagreement("solver unknown", f"{asked}: {answer['unknown']}", source)]
    days = holding(oracle, decision, known, day_fact)
    first, last = (days[0], days[-1]) if days else (None, None)
    out = []
    if (answer.get("first"), answer.get("last")) != (first, last):
        out.append(Disagreement("when: first/last", f"{asked}: brute force: holds on {days or 'no day'} "
                                f"(first {first}, last {last}); when says first {answer.get('first')}, "
                                f"last {answer.get('last')}, intervals {answer.get('intervals')}", source))
    elif answer.get("intervals") is not None and answer["intervals"] != intervals(days):
        out.append(Disagreement("when: intervals", f"{asked}: brute force: holds on {intervals(days)}; "
                                f"when says {answer['intervals']}", source))
    return out
