"""A DMN model (checker/dmn/model.py) written as a pack in the language.

Input data become required facts (a FEEL null input is outside the subset), decisions become
decisions: a decision table's rules become rules (one decision per output column, a rule
concluding each), a literal expression a formula. Allowed values become assumptions. Each rule
cites the table's id and the rule's index (and its annotation), so that a finding on the pack
names the DMN element. What the language cannot express exactly is a `Problem`.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from ruleproof.checker.dmn.feel import Scope, Translated, Unsupported, translate_tests
from ruleproof.checker.dmn.model import Decision, Model, Named, Problem
from ruleproof.checker.dmn.tables import quote as _quote
from ruleproof.checker.dmn.tables import write_literal, write_table
from ruleproof.checker.dmn.types import FeelType, feel_type
from ruleproof.checker.dmn.xml import Element

KEYWORDS = frozenset(
    "absent accept always and any assume because before bool by cite complete const date datetime day days decimal "
    "decision default disjoint done else empty enum example expect fact false for given hit holidays hour hours if "
    "implies import in int is let minute minutes money must never not obligation of on or otherwise overlaps overrides "
    "pack possible present priority property rate row rule set string table then true undetermined unless version "
    "when window within working".split())



@dataclass
class Output:
    """One decision of the pack standing for a DMN decision (or one output column of it)."""

    dmn_decision: str
    component: str | None  # the output column's name for a table of several outputs
    pack_name: str
    type: FeelType


@dataclass
class Translation:
    """The pack text, what refused to translate, where each pack name comes from, and the
    pack's facts and decisions by DMN name."""

    lines: list[str] = field(default_factory=list)
    problems: list[Problem] = field(default_factory=list)
    origins: dict[str, Element] = field(default_factory=dict)
    notes: dict[str, str] = field(default_factory=dict)  # pack name -> the DMN element, in words
    tables: dict[str, Element] = field(default_factory=dict)  # pack decision name -> its DMN decision table
    facts: dict[str, str] = field(default_factory=dict)  # DMN input data name -> fact
    fact_types: dict[str, FeelType] = field(default_factory=dict)
    outputs: list[Output] = field(default_factory=list)


def identifier(name: str, taken: set[str]) -> str:
    """A pack name for a DMN name: letters, digits and `_`, not a keyword, not yet taken."""
    base = re.sub(r"[^A-Za-z0-9_]+", "_", name).strip("_") or "unnamed"
    if base[0].isdigit():
        base = "n_" + base
    if base in KEYWORDS:
        base += "_"
    candidate, n = base, 2
    while candidate in taken:
        candidate, n = f"{base}_{n}", n + 1
    taken.add(candidate)
    return candidate


class _Writer:
    def __init__(self, model: Model, file_label: str):
        self.model = model
        self.label = file_label
        self.out = Translation()
        self.taken: set[str] = set()
        self.by_id: dict[str, Named] = {n.id: n for n in [*model.inputs, *model.decisions]}
        self.scope_names: dict[str, tuple[str, FeelType]] = {}
        self.total: dict[str, bool] = {}  # pack decision name -> always has a value
        self.assumed: set[tuple[str, str]] = set()  # (fact, allowed values) written as assumptions

    def where(self, element: Element) -> str:
        """`file.dmn:line:col` of an element, for citations."""
        return f"{self.label}:{element.line}:{element.column}"

    def refuse(self, element: Element, message: str) -> None:
        """Record that `element` cannot be imported, and why (E702)."""
        self.out.problems.append(Problem(element, message))

    # ---- types
    def type_of(self, type_ref: str | None, element: Element, what: str) -> tuple[FeelType | None, Element | None]:
        """The FEEL type `type_ref` names (through an item definition), and that definition's
        allowed values element, if any."""
        if type_ref is None:
            return None, None
        base = feel_type(type_ref)
        if base is not None:
            return base, None
        item = self.model.item_definitions.get(type_ref)
        if item is None:
            self.refuse(element, f"{what} has type `{type_ref}`, which is outside the supported types "
                        "(number, string, boolean, date, date and time, days and time duration)")
            return None, None
        if item.findall("itemComponent") or item.attrs.get("isCollection") == "true":
            self.refuse(item, f"item definition `{type_ref}` is a structure or a collection, outside the supported subset")
            return None, None
        inner = item.find("typeRef")
        resolved, _ = self.type_of(inner.text.strip() if inner is not None else None, item, f"item definition `{type_ref}`")
        return resolved, item.find("allowedValues")

    # ---- the whole model
    def write(self) -> Translation:
        """The whole model: header, facts (with assumptions), then decisions in requirement order."""
        self.out.lines.append(f'pack {identifier(self.model.name, set())} version "1"')
        for data in self.model.inputs:
            self.input_data(data)
        ordered = self._requirement_order()
        for decision in ordered:  # names first: a table may read a decision declared after it
            self.declare_names(decision)
        for decision in ordered:
            if decision.logic is not None:
                self.decision(decision)
        return self.out

    def _requirement_order(self) -> list[Decision]:
        """Decisions after the decisions they require (the decision requirements graph)."""
        done: list[Decision] = []
        seen: set[str] = set()

        def visit(d: Decision, path: tuple[str, ...]) -> None:
            if d.id in seen or d.id in path:
                return
            for ref in d.requires:
                required = self.by_id.get(ref)
                if isinstance(required, Decision):
                    visit(required, (*path, d.id))
            seen.add(d.id)
            done.append(d)

        for d in self.model.decisions:
            visit(d, ())
        return done

    def input_data(self, data: Named) -> None:
        """An input data as a required fact, its allowed values as an assumption."""
        typ, allowed = self.type_of(data.type_ref, data.element, f"input data `{data.name}`")
        if data.type_ref is None:
            self.refuse(data.element, f"input data `{data.name}` has no type (`typeRef`); the import needs one")
        if typ is None:
            return
        fact = identifier(data.name, self.taken)
        self.out.facts[data.name] = fact
        self.out.fact_types[data.name] = typ
        self.out.origins[fact] = data.element
        self.out.notes[fact] = f"DMN input data `{data.name}`"
        self.scope_names[data.name] = (fact, typ)
        self.out.lines.append(f"fact {fact}: {typ.language} cite {_quote(f'DMN input data {data.name!r} ({self.where(data.element)})')}")
        if allowed is not None:
            self.assume(fact, typ, allowed)

    def assume(self, fact: str, typ: FeelType, allowed: Element) -> None:
        """An `assume` that `fact` passes the unary tests of `allowed` (once per fact and tests)."""
        text = (allowed.find("text").text if allowed.find("text") is not None else allowed.text).strip()
        if (fact, text) in self.assumed:
            return
        self.assumed.add((fact, text))
        try:
            test = translate_tests(text, Translated(fact, typ, frozenset({fact})), Scope(self.scope_names))
        except Unsupported as e:
            self.refuse(allowed, f"allowed values `{text}`: {e}")
            return
        if test is not None:
            name = identifier(f"{fact}_allowed", self.taken)
            self.out.lines.append(f"assume {name} cite {_quote(f'DMN allowed values ({self.where(allowed)})')}: {test.text}")

    def declare_names(self, decision: Decision) -> None:
        """Register the pack name(s) of `decision` so that other decisions' cells can read it."""
        logic = decision.logic
        if logic is None:
            return
        outputs = logic.findall("output") if logic.tag == "decisionTable" else []
        if len(outputs) > 1:  # the decision's type is a structure: each column has its own type
            base = identifier(decision.name, self.taken)
            components = self._components(decision.type_ref)
            for out in outputs:
                component = out.attrs.get("name") or out.attrs.get("label") or out.attrs.get("id", "output")
                type_ref = out.attrs.get("typeRef") or components.get(component)
                typ, _ = self.type_of(type_ref, out, f"output `{component}`")
                self._add_output(decision, component, identifier(f"{base}_{component}", self.taken), typ, out)
            self.scope_names.pop(decision.name, None)
            return
        declared = None
        if outputs and outputs[0].attrs.get("typeRef"):
            declared, _ = self.type_of(outputs[0].attrs["typeRef"], outputs[0], "the output column")
        if declared is None:
            declared, _ = self.type_of(decision.type_ref, decision.element, f"decision `{decision.name}`")
        self._add_output(decision, None, identifier(decision.name, self.taken), declared, decision.element)

    def _components(self, type_ref: str | None) -> dict[str, str]:
        """The type names of the components of a structured item definition, by component name."""
        item = self.model.item_definitions.get(type_ref or "")
        if item is None:
            return {}
        out = {}
        for component in item.findall("itemComponent"):
            inner = component.find("typeRef")
            if inner is not None and "name" in component.attrs:
                out[component.attrs["name"]] = inner.text.strip()
        return out

    def _add_output(self, decision: Decision, component: str | None, name: str, typ: FeelType | None, at: Element) -> None:
        if typ is None:
            self.refuse(at, f"decision `{decision.name}`{f' output `{component}`' if component else ''} has no supported "
                        "type (`typeRef`); the import needs one")
            return
        self.out.outputs.append(Output(decision.name, component, name, typ))
        self.out.origins[name] = at
        self.out.notes[name] = f"DMN decision `{decision.name}`" + (f", output `{component}`" if component else "")
        if component is None:
            self.scope_names[decision.name] = (name, typ)

    def decision(self, decision: Decision) -> None:
        """A decision's logic as the pack's decision(s) and rules."""
        outputs = [o for o in self.out.outputs if o.dmn_decision == decision.name]
        if not outputs:
            return
        if decision.logic.tag == "literalExpression":
            write_literal(self, decision, outputs[0])
        else:
            write_table(self, decision, outputs)


def translate_model(model: Model, file_label: str) -> Translation:
    """The pack text of `model` (lines), the problems, and the map from pack names to DMN elements."""
    return _Writer(model, file_label).write()
