"""Decision tables and literal expressions written as the language's decisions and rules.

A table's rule i becomes `rule NAME_ri` citing the table's id and i; its input entries are
translated to one condition (a `-` entry to nothing), its output entries to conclusions, one per
output column. Hit policies map where the language has the same meaning: UNIQUE to `strict`
(any overlap is a conflict), ANY to `unique` (rules that apply together must agree), COLLECT
with SUM, MIN, MAX or COUNT to `collect_sum`, `collect_min`, `collect_max`, `collect_count`
(a count decision is an int, its rules conclude 1), FIRST to `first`, PRIORITY to `priority` with each rule ranked by the order of its
outputs in the output values (the first value ranks highest). Others are refused.
"""

from __future__ import annotations

from ruleproof.checker.dmn.feel import Scope, Translated, Unsupported, translate_expression, translate_tests, translate_values
from ruleproof.checker.dmn.types import FeelType
from ruleproof.checker.semantics.selection import HitPolicy

# DMN hit policy -> the language's, for those it expresses exactly
HIT = {"UNIQUE": HitPolicy.STRICT, "ANY": HitPolicy.UNIQUE, "FIRST": HitPolicy.FIRST, "PRIORITY": HitPolicy.PRIORITY,
       "COLLECT SUM": HitPolicy.COLLECT_SUM, "COLLECT MIN": HitPolicy.COLLECT_MIN, "COLLECT MAX": HitPolicy.COLLECT_MAX,
       "COLLECT COUNT": HitPolicy.COLLECT_COUNT}


def quote(text: str) -> str:
    """A string literal of the language holding `text` (white space runs made one space)."""
    return '"' + " ".join(text.split()).replace("\\", "\\\\").replace('"', '\\"') + '"'


def _text(element) -> str:
    inner = element.find("text")
    return (inner.text if inner is not None else element.text).strip()


def _scope(w) -> Scope:
    return Scope(w.scope_names)


def _guard(w, test: Translated) -> str:
    """The test, preceded by presence tests of the decisions it reads that may have no value
    (a FEEL test on null does not match)."""
    optional = sorted(n for n in test.reads if w.total.get(n) is False)
    return " and ".join([*(f"{n} is present" for n in optional), test.text]) if optional else test.text


def _value(w, element, expected, what: str) -> Translated | None:
    try:
        value = translate_expression(_text(element), _scope(w))
    except Unsupported as e:
        w.refuse(element, f"{what} `{_text(element)}`: {e}")
        return None
    if value.type is not expected:
        w.refuse(element, f"{what} `{_text(element)}` is a {value.type.value}, the output a {expected.value}")
        return None
    optional = sorted(n for n in value.reads if w.total.get(n) is False)
    if optional:
        w.refuse(element, f"{what} `{_text(element)}` reads `{optional[0]}`, which has no value when none of its rules "
                 "match; give that decision a default output")
        return None
    return value


def write_literal(w, decision, output) -> None:
    """A literal expression decision: a formula."""
    value = _value(w, decision.logic, output.type, "literal expression")
    if value is None:
        return
    w.total[output.pack_name] = True
    cite = quote(f"DMN decision {decision.name!r} ({w.where(decision.element)})")
    w.out.lines.append(f"decision {output.pack_name}: {output.type.language} cite {cite} = {value.text}")


def write_table(w, decision, outputs) -> None:
    """A decision table: a decision per output column, a rule per table rule."""
    table = decision.logic
    policy = table.attrs.get("hitPolicy", "UNIQUE").upper()
    if table.attrs.get("aggregation"):
        policy += " " + table.attrs["aggregation"].upper()
    if policy not in HIT:
        w.refuse(table, f"hit policy {policy} is outside the supported subset (UNIQUE, ANY, FIRST, PRIORITY, "
                 "COLLECT with SUM, MIN, MAX or COUNT)")
        return
    hit = HIT[policy]
    if hit.aggregator and len(outputs) > 1:
        w.refuse(table, f"hit policy {policy} on a table of several outputs (DMN allows aggregation on one output only)")
        return
    if hit.aggregator in ("sum", "min", "max") and outputs[0].type is not FeelType.NUMBER:
        w.refuse(table, f"hit policy {policy} on {outputs[0].type.value} outputs: the language aggregates numbers only")
        return
    before = len(w.out.problems)
    subjects = []
    for column in table.findall("input"):
        expression = column.find("inputExpression")
        try:
            subject = translate_expression(_text(expression), _scope(w))
        except Unsupported as e:
            w.refuse(expression, f"input expression `{_text(expression)}`: {e}")
            continue
        subjects.append(subject)
        allowed = column.find("inputValues")
        if allowed is not None and subject.reads == {subject.text} and subject.text in w.out.facts.values():
            w.assume(subject.text, subject.type, allowed)
    if len(subjects) < len(table.findall("input")):
        return  # an input expression was refused: its cells cannot be read
    columns = table.findall("output")
    defaults = [_default(w, c, o) for c, o in zip(columns, outputs)]
    rules = table.findall("rule")
    if not rules:
        w.refuse(table, f"decision table of `{decision.name}` has no rules")
    rows = [_row(w, rule, subjects, outputs) for rule in rules]
    if hit is HitPolicy.COLLECT_COUNT:  # the count reads no output entry: each rule concludes 1
        rows = [(condition, [Translated("1", FeelType.NUMBER, frozenset())]) for condition, _ in rows]
    priorities = _priorities(w, table, columns, outputs, rows) if hit is HitPolicy.PRIORITY else None
    if len(w.out.problems) > before:
        return
    table_id = repr(table.attrs["id"]) if table.attrs.get("id") else "(no id)"
    for output, default in zip(outputs, defaults):
        w.out.tables[output.pack_name] = table
        w.total[output.pack_name] = default is not None or hit is HitPolicy.COLLECT_COUNT
        options = (f" default {default.text}" if default is not None else "") + f" hit {hit.value}"
        cite = quote(f"DMN decision {decision.name!r}, decision table {table_id} {policy} ({w.where(table)})")
        language = "int" if hit is HitPolicy.COLLECT_COUNT else output.type.language
        w.out.lines.append(f"decision {output.pack_name}: {language}{options} cite {cite}")
    base = outputs[0].pack_name if len(outputs) == 1 else w.scope_names.get(decision.name, (outputs[0].pack_name,))[0]
    for index, (rule, (condition, values)) in enumerate(zip(rules, rows), 1):
        name = f"{base}_r{index}"
        w.taken.add(name)
        w.out.origins[name] = rule
        w.out.notes[name] = f"DMN decision table {table_id}, rule {index}"
        note = " ".join(_text(a) for a in rule.findall("annotationEntry") if _text(a))
        cite = quote(f"DMN decision table {table_id} rule {index} ({w.where(rule)})" + (f": {note}" if note else ""))
        rank = f" priority {priorities[index - 1]}" if priorities else ""
        then = ", ".join(f"{o.pack_name} = {v.text}" for o, v in zip(outputs, values))
        w.out.lines.append(f"rule {name}{rank} cite {cite}: when {condition} then {then}")


def _default(w, column, output) -> Translated | None:
    entry = column.find("defaultOutputEntry")
    if entry is None:
        return None
    value = _value(w, entry, output.type, "default output")
    if value is not None and value.reads:
        w.refuse(entry, f"default output `{_text(entry)}` must be a constant")
        return None
    return value


def _row(w, rule, subjects, outputs) -> tuple[str, list[Translated]]:
    entries = rule.findall("inputEntry")
    if len(entries) != len(subjects):
        w.refuse(rule, f"rule has {len(entries)} input entries for {len(subjects)} inputs")
        return "true", []
    tests = []
    for entry, subject in zip(entries, subjects):
        try:
            test = translate_tests(_text(entry), subject, _scope(w))
        except Unsupported as e:
            w.refuse(entry, f"input entry `{_text(entry)}`: {e}")
            continue
        if test is not None:
            tests.append(_guard(w, test))
    values = [_value(w, e, o.type, "output entry") for e, o in zip(rule.findall("outputEntry"), outputs)]
    if len(values) != len(outputs):
        w.refuse(rule, f"rule has {len(values)} output entries for {len(outputs)} outputs")
    condition = " and ".join(f"({t})" if " or " in t and not t.startswith("(") else t for t in tests) or "true"
    return condition, [v for v in values if v is not None]


def _priorities(w, table, columns, outputs, rows) -> list[int] | None:
    """Each rule's priority: its outputs' positions in the output values, compared column by
    column (the first value of the first column ranks highest)."""
    orders = []  # per column: its output values in order, None for a column without them
    for column in columns:
        listed = column.find("outputValues")
        if listed is None:
            orders.append(None)
            continue
        try:
            orders.append([v.text for v in translate_values(_text(listed), _scope(w))])
        except Unsupported as e:
            w.refuse(listed, f"output values `{_text(listed)}`: {e}")
            return None
    if all(order is None for order in orders):
        w.refuse(table, "a PRIORITY table needs output values on an output (their order is the priority)")
        return None
    keys = []
    for index, (_, values) in enumerate(rows, 1):
        key = []
        for order, value in zip(orders, values):
            if order is None:
                continue
            if value.text not in order:
                w.refuse(table, f"rule {index} outputs {value.text}, which is not among the output values")
                return None
            key.append(order.index(value.text))
        keys.append(tuple(key))
    ranked = sorted(set(keys), reverse=True)  # the last-ranked key gets priority 1
    return [ranked.index(k) + 1 for k in keys]
