"""DMN files written from compact descriptions, for the import's tests and the conformance
run (tests/dmn/conformance.py): our own models, in DMN 1.5 XML."""

from __future__ import annotations

from xml.sax.saxutils import escape, quoteattr

NAMESPACES = {
    "1.3": "https://www.omg.org/spec/DMN/20191111/MODEL/",
    "1.4": "https://www.omg.org/spec/DMN/20211108/MODEL/",
    "1.5": "https://www.omg.org/spec/DMN/20230324/MODEL/",
}


def _text(tag: str, text: str, indent: str, attrs: str = "") -> str:
    return f"{indent}<{tag}{attrs}><text>{escape(text)}</text></{tag}>\n"


def _table(d: dict, ids: dict[str, str]) -> str:
    hit = f' hitPolicy="{d.get("hit", "UNIQUE")}"'
    if d.get("aggregation"):
        hit += f' aggregation="{d["aggregation"]}"'
    out = [f'    <decisionTable id="t_{ids[d["name"]]}"{hit}>\n']
    for i, expression in enumerate(d["inputs"]):
        out.append(f'      <input id="i{i}_{ids[d["name"]]}"><inputExpression><text>{escape(expression)}</text></inputExpression>\n')
        if i in d.get("input_values", {}):
            out.append(_text("inputValues", d["input_values"][i], "        "))
        out.append("      </input>\n")
    for o in d["outputs"]:
        attrs = (f" name={quoteattr(o['name'])}" if o.get("name") else "") + (f' typeRef="{o["type"]}"' if o.get("type") else "")
        out.append(f"      <output{attrs}>\n")
        if o.get("values"):
            out.append(_text("outputValues", o["values"], "        "))
        if o.get("default"):
            out.append(_text("defaultOutputEntry", o["default"], "        "))
        out.append("      </output>\n")
    for k, rule in enumerate(d["rules"]):
        entries, outputs, *note = rule
        out.append(f'      <rule id="r{k}_{ids[d["name"]]}">\n')
        out += [_text("inputEntry", e, "        ") for e in entries]
        out += [_text("outputEntry", e, "        ") for e in outputs]
        if note:
            out.append(_text("annotationEntry", note[0], "        "))
        out.append("      </rule>\n")
    out.append("    </decisionTable>\n")
    return "".join(out)


def dmn_xml(model: dict, version: str = "1.5") -> str:
    """The DMN XML of `model`: {"name", "inputs": {name: typeRef}, "decisions": [...]}, a
    decision {"name", "type", "requires": [names], and "literal": FEEL text or a table:
    "hit", "aggregation", "inputs": [FEEL], "input_values": {i: text}, "outputs": [{"name",
    "type", "values", "default"}], "rules": [(entries, outputs[, annotation])]}."""
    ids = {name: f"id{i}" for i, name in enumerate([*model.get("inputs", {}), *(d["name"] for d in model["decisions"])])}
    out = ['<?xml version="1.0" encoding="UTF-8"?>\n',
           f'<definitions xmlns="{NAMESPACES[version]}" id="defs" name={quoteattr(model["name"])} namespace="urn:ruleproof:test">\n']
    for name, type_ref in model.get("inputs", {}).items():
        out.append(f'  <inputData id="{ids[name]}" name={quoteattr(name)}><variable name={quoteattr(name)} typeRef="{type_ref}"/></inputData>\n')
    for d in model["decisions"]:
        type_ref = f' typeRef="{d["type"]}"' if d.get("type") else ""
        out.append(f'  <decision id="{ids[d["name"]]}" name={quoteattr(d["name"])}>\n    <variable name={quoteattr(d["name"])}{type_ref}/>\n')
        for required in d.get("requires", []):
            kind = "requiredDecision" if any(x["name"] == required for x in model["decisions"]) else "requiredInput"
            out.append(f'    <informationRequirement><{kind} href="#{ids[required]}"/></informationRequirement>\n')
        if "literal" in d:
            out.append(_text("literalExpression", d["literal"], "    "))
        else:
            out.append(_table(d, ids))
        out.append("  </decision>\n")
    out.append("</definitions>\n")
    return "".join(out)
