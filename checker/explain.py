"""Traces: why each decision of a decided case came out as it did.

A trace is built from the outcome the evaluator produced (its `computed` decisions, whatever
subset was asked) and the same selection (`semantics.selection.select`) over the same
conditions, so it cannot contradict the value: a rule is `fired` exactly when the hit policy
selected it, and `used_default` is true exactly when no rule was selected and the default
gave the value.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from ruleproof.checker import ir
from ruleproof.checker.semantics.outcomes import Undetermined
from ruleproof.checker.semantics.selection import select
from ruleproof.checker.source import Span

if TYPE_CHECKING:
    from ruleproof.checker.evaluate import CompiledPack, Outcome


class ConcreteAlgebra:
    """`semantics.algebra.BooleanAlgebra` over Python booleans."""

    def and_(self, *terms: bool) -> bool:
        return all(terms)

    def or_(self, *terms: bool) -> bool:
        return any(terms)

    def not_(self, term: bool) -> bool:
        return not term

    def share(self, term: bool, hint: str) -> bool:
        return term


CONCRETE = ConcreteAlgebra()


def conjuncts(condition: ir.Expr) -> list[ir.Expr]:
    """The parts of a condition an author wrote joined by `and`, in order. A part that lowering
    expanded (a window membership `today in w` becomes three comparisons, an obligation several
    tests over its own text) stays one part: an `and` is split only when each operand is a
    smaller piece of its own text."""
    if isinstance(condition, ir.BoolOp) and condition.op == "and" and all(
            _inside(o.span, condition.span) for o in condition.operands):
        return [part for o in condition.operands for part in conjuncts(o)]
    return [condition]


def _inside(inner: Span | None, outer: Span | None) -> bool:
    if inner is None or outer is None:
        return False
    return (inner.source is outer.source and outer.start <= inner.start and inner.end <= outer.end
            and (inner.start, inner.end) != (outer.start, outer.end))


def explain_outcome(compiled: CompiledPack, facts: dict[str, object], outcome: Outcome) -> list[dict]:
    """The trace of every decision decided or undetermined in `outcome`, in decision order."""
    trace = []
    for name in compiled.pack.decision_order:
        if name not in outcome.values and name not in outcome.undetermined:
            continue
        d = compiled.pack.decisions[name]
        statuses = [_rule_status(compiled, r, facts, outcome) for r in d.rules]
        fired = [s is True for s in statuses]
        chosen = select(d.hit, d.rules, fired, CONCRETE)
        entries = []
        for i, (r, status) in enumerate(zip(d.rules, statuses)):
            entry = {"rule": r.name, "cite": r.cite, "at": _where(r.span)}
            if status is not True:
                entry.update(status="not fired", why_not=status)
            elif not chosen.wins[i]:
                beaters = [o.name for j, o in enumerate(d.rules) if r.name in o.overrides and fired[j]]
                entry.update(status="overridden", overridden_by=beaters)
            elif not chosen.selected[i]:
                entry["status"] = "outranked"
            else:
                entry["status"] = "fired"
                if name in outcome.undetermined:
                    entry.update(_value_needs(compiled, r, facts, outcome))
            entries.append(entry)
        selected_any = any(chosen.selected)
        trace.append({"decision": name, "rules": entries,
                      "used_default": name in outcome.values and not selected_any and d.default is not None})
    return trace


def _value_needs(compiled: CompiledPack, rule: ir.Rule, facts, outcome: Outcome) -> dict:
    """Why a selected rule still left its decision undetermined: what its conclusion reads that
    the case lacks, or why it cannot be computed."""
    try:
        compiled.evaluate(rule.value, facts, outcome)
    except KeyError as missing:
        return {"value_needs": str(missing.args[0])}
    except Undetermined as err:
        return {"value_error": err.reason}
    return {}


def _rule_status(compiled: CompiledPack, rule: ir.Rule, facts, outcome: Outcome) -> bool | dict:
    """True when the rule's condition holds; else the first part of it that is false or
    cannot be evaluated (with what it needs or why)."""
    for part in conjuncts(rule.condition):
        try:
            ok = compiled.evaluate(part, facts, outcome)
        except KeyError as missing:
            return {"condition": _source_text(part.span), "at": _where(part.span), "needs": str(missing.args[0])}
        except Undetermined as err:
            return {"condition": _source_text(part.span), "at": _where(part.span), "error": err.reason}
        if not ok:
            return {"condition": _source_text(part.span), "at": _where(part.span)}
    return True


def _where(span: Span | None) -> str | None:
    return str(span) if span is not None else None


def _source_text(span: Span | None) -> str:
    if span is None:
        return ""
    return " ".join(span.source.text[span.start : span.end].split())
