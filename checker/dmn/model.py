"""A DMN file read into the parts an import needs: input data, decisions (decision tables and
literal expressions) with the decision requirements graph between them, and item definitions
of a simple type. Everything else found in the decision logic is reported, located, by name."""

from __future__ import annotations

from dataclasses import dataclass, field

from ruleproof.checker.dmn.xml import Element

# decision logic the importer does not map, by the DMN element that holds it
LOGIC = {"decisionTable", "literalExpression"}
OTHER_LOGIC = {
    "context": "a boxed context", "invocation": "a business knowledge model invocation",
    "functionDefinition": "a boxed function definition", "relation": "a boxed relation",
    "list": "a boxed list", "conditional": "a boxed conditional", "filter": "a boxed filter",
    "for": "a boxed iterator", "every": "a boxed quantifier", "some": "a boxed quantifier",
}
SKIPPED = {"businessKnowledgeModel": "a business knowledge model", "decisionService": "a decision service",
           "import": "an import of another model"}


@dataclass
class Problem:
    """Something the importer refuses, at an element."""

    element: Element
    message: str
    malformed: bool = False  # the file is not a valid DMN model (else: valid, outside the subset)


@dataclass
class Named:
    """An input data or decision: its DMN name, id, declared type and element."""

    name: str
    id: str
    type_ref: str | None
    element: Element


@dataclass
class Decision(Named):
    """A decision: its logic element (decision table or literal expression) and the ids of the
    decisions and input data it requires."""

    logic: Element | None = None
    requires: list[str] = field(default_factory=list)


@dataclass
class Model:
    """The parts of a DMN definitions element the importer reads, and the problems found."""

    name: str
    inputs: list[Named] = field(default_factory=list)
    decisions: list[Decision] = field(default_factory=list)
    item_definitions: dict[str, Element] = field(default_factory=dict)
    problems: list[Problem] = field(default_factory=list)


def read_model(root: Element) -> Model:
    """The model of a `definitions` element (problems recorded, never raised)."""
    model = Model(root.attrs.get("name", "model"))
    if root.tag != "definitions":
        model.problems.append(Problem(root, f"expected a DMN `definitions` element, found `{root.tag}`", True))
        return model
    for child in root.children:
        if child.tag == "itemDefinition" and "name" in child.attrs:
            model.item_definitions[child.attrs["name"]] = child
        elif child.tag == "inputData":
            model.inputs.append(_named(child, Named, model))
        elif child.tag == "decision":
            decision = _named(child, Decision, model)
            for req in child.findall("informationRequirement"):
                for ref in req.children:
                    if ref.tag in ("requiredDecision", "requiredInput"):
                        decision.requires.append(ref.attrs.get("href", "").lstrip("#"))
            logic = [c for c in child.children if c.tag in LOGIC or c.tag in OTHER_LOGIC]
            if not logic:
                model.problems.append(Problem(child, f"decision `{decision.name}` has no decision logic", True))
            elif logic[0].tag in OTHER_LOGIC:
                model.problems.append(Problem(logic[0], f"decision `{decision.name}` is decided by "
                                              f"{OTHER_LOGIC[logic[0].tag]}, outside the supported subset"))
            else:
                decision.logic = logic[0]
            if child.findall("knowledgeRequirement"):
                model.problems.append(Problem(child.findall("knowledgeRequirement")[0],
                                              f"decision `{decision.name}` requires a business knowledge model, "
                                              "outside the supported subset"))
            model.decisions.append(decision)
        elif child.tag in SKIPPED:
            model.problems.append(Problem(child, f"{SKIPPED[child.tag]} (`{child.attrs.get('name', '')}`) is outside "
                                          "the supported subset"))
    return model


def _named(element: Element, cls, model: Model):
    variable = element.find("variable")
    name = element.attrs.get("name") or (variable.attrs.get("name") if variable is not None else None)
    if not name:
        model.problems.append(Problem(element, f"`{element.tag}` without a name", True))
        name = element.attrs.get("id", "unnamed")
    type_ref = variable.attrs.get("typeRef") if variable is not None else None
    return cls(name.strip(), element.attrs.get("id", ""), type_ref, element)
