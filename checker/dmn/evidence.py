"""Where in the DMN file a refuted property's counterexample was decided.

A property (E609, or E607 for a window relation) is written in a `.rules` file over the names
of the pack a DMN model imports to; its counterexample is decided by DMN decisions. This
module decides the case again (checker/evaluate.py, traced by checker/explain.py, so it
cannot disagree with the value the check saw) and labels, in the DMN file, every decision the
property reads (directly or through other decisions, the decision requirements graph), the
table rule rows selected on the case, and the input data the case gives — each with its DMN
id and what it did on the case.
"""

from __future__ import annotations

import json

from ruleproof.checker import ir
from ruleproof.checker.diagnostics import CheckVerdict, Diagnostic, Label
from ruleproof.checker.dmn import DmnImport
from ruleproof.checker.evaluate import CompiledPack
from ruleproof.checker.values import InvalidFacts, read_facts, to_wire

PROPERTY_CODES = frozenset({"E609", "E607"})


def _ident(element) -> str:
    return f" (id `{element.attrs['id']}`)" if element.attrs.get("id") else ""


def _shown(value: object) -> str:
    return json.dumps(value, default=str)


def _read_by(pack: ir.Pack, prop: ir.Property) -> tuple[list[str], list[str]]:
    """The facts and decisions `prop` reads, directly or through decisions, each in pack order."""
    facts, decisions = ir.references(prop.condition)
    for window in prop.windows:
        w = pack.windows[window]
        for expr in (w.exists, w.low, w.high):
            f, d = ir.references(expr)
            facts |= f
            decisions |= d
    todo = list(decisions)
    while todo:
        f, d = ir.decision_reads(pack.decisions[todo.pop()])
        facts |= f
        todo.extend(d - decisions)
        decisions |= d
    return [n for n in pack.facts if n in facts], [n for n in pack.decision_order if n in decisions]


def decided_labels(imported: DmnImport, pack: ir.Pack, d: Diagnostic, compiled: CompiledPack | None = None) -> tuple[Label, ...]:
    """Labels at the DMN elements that decided a refuted property's counterexample: each
    decision it reads with its value on the case (and whether the default output gave it),
    the rule rows selected, the input data with the case's values. () for any other finding."""
    evidence = d.counterexample
    if d.code not in PROPERTY_CODES or evidence is None or evidence.verdict is not CheckVerdict.REFUTED or not evidence.case:
        return ()
    prop = next((p for p in pack.properties if p.name == evidence.involved[0]), None)
    if prop is None:
        return ()
    facts, decisions = _read_by(pack, prop)
    compiled = compiled or CompiledPack(pack)
    try:
        read = read_facts(pack, evidence.case)
    except InvalidFacts:  # not a case `decide` reads (the check's own timeline would say so): no labels
        return ()
    labels: list[Label] = []
    for name in facts:
        element = imported.origins.get(name)
        if element is not None and name in evidence.case:
            labels.append(Label(element.span(imported.source), f"{imported.notes[name]}{_ident(element)}: "
                                f"{_shown(evidence.case[name])} in this case"))
    if not decisions:
        return tuple(labels)
    outcome = compiled.decide(read, decisions, complete=True)
    for entry in compiled.explain(read, outcome):
        name = entry["decision"]
        element = imported.origins.get(name)
        if element is None:
            continue
        if name in outcome.values:
            value = _shown(to_wire(outcome.values[name], pack.decisions[name].type))
            how = " (the table's default output)" if entry["used_default"] else ""
            said = f"is {value} in this case{how}"
        else:
            said = f"is undetermined in this case ({outcome.undetermined[name]['reason']})"
        table = imported.tables.get(name)
        literal = element.find("literalExpression")
        where = (f", decision table{_ident(table)}" if table is not None
                 else f", literal expression{_ident(literal)}" if literal is not None else "")
        labels.append(Label(element.span(imported.source), f"{imported.notes[name]}{_ident(element)}{where} {said}"))
        for rule in entry["rules"]:
            row = imported.origins.get(rule["rule"])
            if rule["status"] == "fired" and row is not None and row is not element:  # a literal's formula is the decision
                labels.append(Label(row.span(imported.source), f"{imported.notes[rule['rule']]}{_ident(row)} "
                                    f"applies in this case and decides `{name}`"))
    return tuple(labels)
