"""The formal checks against brute force: every verdict, every counterexample.

Counterexamples are read as the code documents them (checker/checks/__init__.py,
`CheckContext.finding`: "a fact left out is irrelevant to the defect"; Encoder.case: "absent
optional facts left out"): an optional fact left out is absent, as `ruleproof decide` reads it,
and a required fact left out may take any value. So a counterexample is right when at least one
case of the domain matches it and EVERY matching case shows the defect.
"""

from __future__ import annotations

import datetime as dt

from ruleproof.checker import ir

from .expected import CODES, conflicting_pairs, expected_findings, own, property_refuted, redundancy_breaker, window_empty
from .oracle import UNDETERMINED, Oracle, show_outcome
from .report import Disagreement, show_case


def run_pack_checks(pack: ir.Pack) -> list:
    """The findings of the check catalogue (`run_checks` today, `check_pack` after the rewrite)."""
    from ruleproof.checker import checks

    run = getattr(checks, "check_pack", None) or checks.run_checks
    report = run(pack)
    return list(getattr(report, "findings", None) or getattr(report, "diagnostics", None) or [])


def involved(finding) -> list[str]:
    return list(finding.involved)


def counterexample(finding) -> dict | None:
    """The finding's case (wire facts), if it has one."""
    return finding.counterexample.case if finding.counterexample is not None else None


def finding_key(finding) -> tuple | None:
    """The finding's key as expected.py builds them (by the order of `involved`)."""
    code, names = finding.code, involved(finding)
    if code in ("E601", "W604", "W605"):
        return (code, names[1], names[0])  # the rule, then the decisions it concludes (the first judges it)
    if code in ("E602", "E611"):
        return (code, names[2], frozenset(names[:2]))
    if code == "W612":
        return (code, names[1])
    if code == "E614":
        return (code,)
    if code in CODES:
        return (code, names[0])
    return None


def describe(key: tuple) -> str:
    code, *subject = key
    parts = [", ".join(sorted(s)) if isinstance(s, frozenset) else str(s) for s in subject]
    return f"{code} on {' / '.join(parts) or 'the pack'}"


def compare_checks(oracle: Oracle, source: str) -> tuple[list[Disagreement], int]:
    """Disagreements between the checks and brute force; also the number of findings compared."""
    expected = expected_findings(oracle)
    findings = run_pack_checks(oracle.pack)
    out: list[Disagreement] = []
    found: dict[tuple, object] = {}
    for finding in findings:
        if finding.code == "W613":
            out.append(Disagreement("solver unknown", f"{finding.code}: {finding.message}", source))
            continue
        key = finding_key(finding)
        if key is not None:
            found[key] = finding
    for key, example in expected.findings.items():
        if key not in found:
            out.append(Disagreement(f"missed {key[0]}", _missed(oracle, key, example), source))
    for key, finding in found.items():
        if key not in expected.findings:
            out.append(Disagreement(f"spurious {key[0]}", _spurious(oracle, key, finding), source))
        case = counterexample(finding)
        if case is not None:
            problem = check_counterexample(oracle, key, case)
            if problem:
                out.append(Disagreement(f"counterexample {key[0]}", f"{describe(key)} ({finding.message}): "
                                        f"counterexample {show_case(case)}: {problem}", source))
    return out, len(found)


def _missed(oracle: Oracle, key: tuple, example: int | None) -> str:
    text = f"brute force finds {describe(key)}; the checker reports nothing"
    if example is not None:
        case = oracle.cases[example]
        text += f"; case {show_case(case.wire)}: " + _state(oracle, key, example)
    elif key[0] in ("E601", "E610"):
        what = "the rule fires" if key[0] == "E601" else "the property holds"
        text += f"; {what} on none of the {len(oracle.cases)} cases that satisfy the assumptions"
    elif key[0] == "E614":
        text += f"; none of the {oracle.total} cases of the domain satisfies the assumptions"
    if key[0] == "W605":
        text += "; removing the rule changes no outcome on any case"
    return text


def _spurious(oracle: Oracle, key: tuple, finding) -> str:
    text = f"the checker reports {describe(key)} ({finding.message}); brute force does not"
    if key[0] == "W605":
        broken = redundancy_breaker(oracle, key[2])
        if broken is not None:
            index, name, before, after = broken
            text += (f"; removing `{key[2]}` changes `{name}` on case {show_case(oracle.cases[index].wire)}: "
                     f"{show_outcome(before)} with it, {show_outcome(after)} without")
    elif key[0] in ("E601", "W604"):
        d = oracle.pack.decisions[key[1]]
        k = next(i for i, r in enumerate(d.rules) if r.name == key[2])
        for i in range(len(oracle.cases)):
            view = oracle.view(i, d.name)
            if view.candidates[k] or (key[0] == "E601" and view.fires[k]):
                what = "is selected" if view.candidates[k] else "fires"
                text += f"; rule `{key[2]}` {what} on case {show_case(oracle.cases[i].wire)} ({_state(oracle, key, i)})"
                break
    elif key[0] == "E610":
        prop = next(p for p in oracle.pack.properties if p.name == key[1])
        index = next((i for i in range(len(oracle.cases)) if oracle.expr(i, prop.condition) is True), None)
        if index is not None:
            text += f"; `{prop.name}` holds on case {show_case(oracle.cases[index].wire)}"
    elif key[0] == "E614" and oracle.cases:
        text += f"; case {show_case(oracle.cases[0].wire)} satisfies every assumption"
    case = counterexample(finding)
    if case is not None:
        matching = oracle.matching(case)
        text += f"; its counterexample {show_case(case)}"
        if matching:
            text += f" reads as {show_case(oracle.cases[matching[0]].wire)}: {_state(oracle, key, matching[0])}"
    elif key[0] in ("E602", "E611", "E603", "W606", "E607", "E609", "W612", "W615"):
        text += f"; none of the {len(oracle.cases)} cases that satisfy the assumptions shows it"
    return text


def _state(oracle: Oracle, key: tuple, index: int) -> str:
    """What the evaluator says on the case about the finding's subject."""
    case = oracle.cases[index]
    code = key[0]
    if code in ("E601", "W604", "W605", "E602", "E611", "E603", "W612", "W615"):
        d = oracle.pack.decisions[key[1]]
        view = oracle.view(index, d.name)
        rules = ", ".join(f"{r.name}{'*' if view.candidates[k] else '+' if view.fires[k] else ''}"
                          for k, r in enumerate(d.rules))
        unsettled = "" if view.settled else "; a condition or selected conclusion is undetermined"
        return f"`{d.name}` is {show_outcome(case.outcomes[d.name])} (rules, + fires, * selected: {rules}{unsettled})"
    if code == "W606":
        w = oracle.pack.windows[key[1]]
        exists = oracle.expr(index, w.exists)
        bounds = f"from {_day(oracle.expr(index, w.low))} to {_day(oracle.expr(index, w.high))} (ends included)"
        return f"window `{w.name}` " + (bounds if exists is True else f"does not exist ({_day(exists)})")
    if code in ("E607", "E609", "E610"):
        prop = next(p for p in oracle.pack.properties if p.name == key[1])
        value = oracle.expr(index, prop.condition)
        return f"`{prop.name}` ({prop.kind}) is {_day(value)}"
    return ""


def _day(value: object) -> str:
    if value is UNDETERMINED:
        return "undetermined"
    return dt.date.fromordinal(value).isoformat() if isinstance(value, int) and not isinstance(value, bool) else str(value)


def shows(oracle: Oracle, key: tuple, index: int) -> bool:
    """Whether case `index` exhibits the finding `key`."""
    code = key[0]
    case = oracle.cases[index]
    if code in ("E602", "E611"):
        d = oracle.pack.decisions[key[1]]
        view = oracle.view(index, d.name)
        if case.outcomes[d.name] != ("undetermined", "conflict") or not own(view):
            return False
        pairs = conflicting_pairs(d, view)
        return key[2] in {frozenset((d.rules[a].name, d.rules[b].name)) for a, b in pairs}
    if code == "E603":
        return case.outcomes[key[1]] == ("undetermined", "gap") and own(oracle.view(index, key[1]))
    if code == "W612":
        return case.outcomes[key[1]] == ("no value",)
    if code == "W606":
        return window_empty(oracle, index, oracle.pack.windows[key[1]])
    if code in ("E607", "E609"):
        return property_refuted(oracle, index, next(p for p in oracle.pack.properties if p.name == key[1]))
    return True


def check_counterexample(oracle: Oracle, key: tuple, wire: dict) -> str | None:
    """None when the counterexample is right; else what is wrong with it."""
    outside = oracle.in_domain(wire)
    if outside:
        return f"facts outside the domain: {', '.join(outside)}"
    matching = oracle.matching(wire)
    if not matching:
        return "no case of the domain satisfying the assumptions matches it (optional facts left out read as absent)"
    for index in matching:
        if not shows(oracle, key, index):
            return f"the defect does not show on {show_case(oracle.cases[index].wire)}: {_state(oracle, key, index)}"
    return None
