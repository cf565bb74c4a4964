"""A pack's decisions written back as DMN 1.5: rules as decision tables, formulas as literal
expressions (`ruleproof export dmn PACK`).

A rule's condition must be a conjunction of tests on one input each — a comparison of a fact or
decision with a constant or another input, several of them on one input joined by `or`, a
range (`x >= a and x < b`), `not` of such, presence tests (a DMN test never matches null) — and
its value an expression FEEL states; anything else (overrides, unless, several conclusions, sets,
money) is refused with a located diagnostic (E703), never approximated.
"""

from __future__ import annotations

import datetime as dt
import re
from fractions import Fraction
from xml.sax.saxutils import escape, quoteattr

from ruleproof.checker import ir
from ruleproof.checker.diagnostics import Diagnostic, diagnostic
from ruleproof.checker.overlap import conjuncts

HIT = {"strict": 'hitPolicy="UNIQUE"', "unique": 'hitPolicy="ANY"', "first": 'hitPolicy="FIRST"',
       "collect_sum": 'hitPolicy="COLLECT" aggregation="SUM"', "collect_min": 'hitPolicy="COLLECT" aggregation="MIN"',
       "collect_max": 'hitPolicy="COLLECT" aggregation="MAX"', "collect_count": 'hitPolicy="COLLECT" aggregation="COUNT"'}
TYPES = {"int": "number", "decimal": "number", "string": "string", "bool": "boolean", "date": "date",
         "datetime": "dateTime", "enum": "string"}
INFIX_FEEL = {"add": "+", "sub": "-", "mul": "*", "div": "/"}
FLIP = {"<": ">", "<=": ">=", ">": "<", ">=": "<=", "==": "==", "!=": "!="}
FEEL_OP = {"==": "", "!=": "!= ", "<": "< ", "<=": "<= ", ">": "> ", ">=": ">= "}


class Refused(Exception):
    """What cannot be written as DMN, at an IR node's span."""

    def __init__(self, message: str, node):
        super().__init__(message)
        self.node = node


def _type(t) -> str:
    if t.kind == "duration" and t.param == "minutes":
        return "days and time duration"
    if t.kind not in TYPES:
        raise Refused(f"values of type {t} have no DMN type the import reads back", None)
    return TYPES[t.kind]


def feel(e: ir.Expr) -> str:
    """A FEEL expression for an IR expression."""
    kind = type(e).__name__
    if kind == "Const":
        return _literal(e.value, e.type)
    if kind in ("FactRef", "DecisionRef"):
        return e.name
    parts = {"Unwrap": lambda: feel(e.operand), "Not": lambda: f"not({feel(e.operand)})",
             "BoolOp": lambda: "(" + f" {e.op} ".join(map(feel, e.operands)) + ")",
             "Compare": lambda: f"{feel(e.left)} {'=' if e.op == '==' else e.op} {feel(e.right)}",
             "Ite": lambda: f"if {feel(e.cond)} then {feel(e.then)} else {feel(e.otherwise)}"}
    if kind in parts:
        return parts[kind]()
    if kind == "Arith":
        return _arith(e)
    raise Refused("this expression has no FEEL form the import reads back", e)


def _arith(e: ir.Arith) -> str:
    args = [feel(o) for o in e.operands]
    if e.op in INFIX_FEEL:
        return f"({args[0]} {INFIX_FEEL[e.op]} {args[1]})"
    if e.op in ("min", "max"):
        return f"{e.op}({', '.join(args)})"
    if e.op in ("cast", "neg"):
        return args[0] if e.op == "cast" else f"-({args[0]})"
    raise Refused(f"`{e.op}` has no FEEL form the import reads back", e)


def _literal(value, t) -> str:
    kind = t.kind
    if kind == "bool":
        return "true" if value else "false"
    if kind in ("string", "enum"):
        return '"' + str(value).replace("\\", "\\\\").replace('"', '\\"') + '"'
    if kind == "date":
        return f'date("{dt.date.fromordinal(value).isoformat()}")'
    if kind == "datetime":
        day, minute = divmod(value, 1440)
        return f'date and time("{dt.date.fromordinal(day).isoformat()}T{minute // 60:02}:{minute % 60:02}:00")'
    if kind == "duration" and t.param == "minutes":
        return f'duration("{"-" if value < 0 else ""}PT{abs(value)}M")'
    if kind in ("int", "decimal"):
        number = Fraction(value)
        if number.denominator == 1:
            return str(number.numerator)
        text = f"{float(number):.12f}".rstrip("0")
        if Fraction(text) != number:
            raise Refused(f"the number {number} has no finite decimal form", None)
        return text
    raise Refused(f"values of type {t} have no FEEL literal the import reads back", None)


def _subject(e: ir.Expr) -> str | None:
    while isinstance(e, ir.Unwrap):
        e = e.operand
    return e.name if isinstance(e, (ir.FactRef, ir.DecisionRef)) else None


def _test(e: ir.Expr) -> tuple[str, str]:
    """(subject, unary test) of one condition part."""
    if isinstance(e, ir.Not):
        subject, test = _test(e.operand)
        return subject, f"not({test})"
    if isinstance(e, ir.BoolOp) and e.op == "or":
        parts = [_test(o) for o in e.operands]
        if len({s for s, _ in parts}) == 1 and not any(t.startswith("not(") for _, t in parts):
            return parts[0][0], ", ".join(t for _, t in parts)
    if isinstance(e, ir.Compare):
        left, right, op = e.left, e.right, e.op
        if _subject(left) is None and _subject(right) is not None:
            left, right, op = right, left, FLIP[op]
        if _subject(left) is not None:
            return _subject(left), FEEL_OP[op] + feel(right)
    if isinstance(e, ir.InSet) and _subject(e.element) is not None and isinstance(e.set, ir.SetOf):
        return _subject(e.element), ", ".join(feel(i) for i in e.set.items)
    raise Refused("this condition is not a test on one input", e)


def _row(rule: ir.Rule) -> dict[str, str]:
    """The rule's tests by input; a range of two comparisons on one input becomes `[a..b)`."""
    tests: dict[str, list[str]] = {}
    for part in conjuncts(rule.condition):
        if isinstance(part, ir.IsPresent) or (isinstance(part, ir.Const) and part.value is True):
            continue  # a FEEL test never matches null
        subject, test = _test(part)
        tests.setdefault(subject, []).append(test)
    out = {}
    for subject, found in tests.items():
        if len(found) == 1:
            out[subject] = found[0]
            continue
        lows = [t for t in found if t.startswith((">= ", "> "))]
        highs = [t for t in found if t.startswith(("<= ", "< "))]
        if len(found) != 2 or len(lows) != 1 or len(highs) != 1:
            raise Refused(f"several tests on `{subject}` that are not one range", rule.condition)
        low, high = lows[0].split(" ", 1), highs[0].split(" ", 1)
        out[subject] = f"{'[' if low[0] == '>=' else '('}{low[1]}..{high[1]}{']' if high[0] == '<=' else ')'}"
    return out


def _annotation(cite: str | None) -> str | None:
    """The rule's citation as a DMN annotation: what an import wrote before it (`DMN decision
    table 'T' rule i (file:line:col): ...`) is dropped, so that export and import repeat."""
    match = re.fullmatch(r"DMN decision table .*? rule \d+ \([^)]*\)(?:: (.*))?", cite or "", re.S)
    return (match.group(1) if match else cite) or None


def _text(tag: str, text: str, indent: str) -> str:
    return f"{indent}<{tag}><text>{escape(text)}</text></{tag}>\n"


def _decision(pack: ir.Pack, d: ir.Decision) -> str:
    head = f'  <decision id="{d.name}" name={quoteattr(d.name)}>\n    <variable name={quoteattr(d.name)} typeRef="{_type(d.type)}"/>\n'
    facts, decisions = ir.decision_reads(d)
    reqs = "".join(f'    <informationRequirement><{"requiredDecision" if n in pack.decisions else "requiredInput"} '
                   f'href="#{n}"/></informationRequirement>\n' for n in sorted(set(facts) | set(decisions)))
    if len(d.rules) == 1 and d.rules[0].origin == "body" and isinstance(d.rules[0].condition, ir.Const) and d.default is None:
        return head + reqs + _text("literalExpression", feel(d.rules[0].value), "    ") + "  </decision>\n"
    if d.hit not in HIT:
        raise Refused(f"hit policy `{d.hit}` has no DMN form the import reads back", d)
    for rule in d.rules:
        if rule.overrides or rule.unless or len(pack.concluding.get(rule.name, ())) > 1 or rule.origin in ("body", "obligation"):
            raise Refused(f"rule `{rule.name}` has overrides, unless, several conclusions or a formula: no DMN table row", rule)
    rows = [_row(rule) for rule in d.rules]
    inputs = list(dict.fromkeys(s for row in rows for s in row))
    out = [head, reqs, f'    <decisionTable id="{d.name}_table" {HIT[d.hit]}>\n']
    out += [f'      <input id="{d.name}_in{i}"><inputExpression><text>{escape(n)}</text></inputExpression></input>\n'
            for i, n in enumerate(inputs)]
    out.append(f'      <output id="{d.name}_out" typeRef="{_type(d.type)}">\n')
    if d.default is not None:
        out.append(_text("defaultOutputEntry", feel(d.default), "        "))
    out.append("      </output>\n")
    for k, (rule, row) in enumerate(zip(d.rules, rows), 1):
        out.append(f'      <rule id="{d.name}_r{k}">\n')
        out += [_text("inputEntry", row.get(n, "-"), "        ") for n in inputs]
        out.append(_text("outputEntry", "1" if d.hit == "collect_count" else feel(rule.value), "        "))
        note = _annotation(rule.cite)
        if note:
            out.append(_text("annotationEntry", note, "        "))
        out.append("      </rule>\n")
    out.append("    </decisionTable>\n  </decision>\n")
    return "".join(out)


def export_pack(pack: ir.Pack) -> tuple[str | None, list[Diagnostic]]:
    """DMN 1.5 XML for `pack` (None when something cannot be written, with E703 diagnostics)."""
    parts, diags = [], []
    for fact in pack.facts.values():
        try:
            parts.append(f'  <inputData id="{fact.name}" name={quoteattr(fact.name)}><variable name={quoteattr(fact.name)} '
                         f'typeRef="{_type(fact.type.required())}"/></inputData>\n')
        except Refused as e:
            diags.append(diagnostic("E703", f"fact `{fact.name}`: {e}", fact.span, "no DMN form"))
    for name in pack.decision_order:
        d = pack.decisions[name]
        try:
            parts.append(_decision(pack, d))
        except Refused as e:
            span = getattr(e.node, "span", None) or d.span
            diags.append(diagnostic("E703", f"decision `{name}`: {e}", span, "no DMN form"))
    if diags:
        return None, diags
    head = ('<?xml version="1.0" encoding="UTF-8"?>\n<definitions xmlns="https://www.omg.org/spec/DMN/20230324/MODEL/" '
            f'id="{pack.name}" name={quoteattr(pack.name)} namespace="urn:ruleproof:{pack.name}">\n')
    return head + "".join(parts) + "</definitions>\n", []
