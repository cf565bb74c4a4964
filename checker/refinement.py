"""Refinement checks between two versions of a pack (after Cedar's symbolic `implies` and
equivalence checks, and Zelkova): for a boolean decision, prove that the new version only
narrows it (`narrower`: wherever the new version decides `true`, the old one does too), only
widens it (`wider`: wherever the old one decides `true`, the new one does too), or leaves it
the same (`same`: both), or give a witness case where it does not.

Undetermined outcomes are explicit: a version *grants* a case only when it decides the
decision and decides `true`. A case a version cannot decide (a missing fact, a conflict, a
gap, no value) is not granted by it, as Cedar skips a policy that errors. So a new version that
turns an old `true` into a conflict is not `wider`, and one that turns an old conflict into
`true` is not `narrower`.

Both versions are encoded over the same fact variables, under the assumptions of both, as in
checker/diff.py.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum

import z3
from ruleproof.checker import ir
from ruleproof.checker.diff import decided, shared_encoders
from ruleproof.checker.encode_outcomes import DecisionSym
from ruleproof.checker.evaluate import CompiledPack
from ruleproof.checker.solver import DEFAULT_TIMEOUT_MS, check


class Expectation(StrEnum):
    """What a new version may do to a boolean decision."""

    NARROWER = "narrower"
    WIDER = "wider"
    SAME = "same"


class Verdict(StrEnum):
    """The outcome of one refinement check."""

    PROVED = "proved"
    REFUTED = "refuted"
    UNKNOWN = "unknown"  # the solver gave up (reason says why)
    INVALID = "invalid"  # the decision is missing from a version or not boolean (reason says which)


@dataclass(frozen=True)
class Refinement:
    """One checked expectation; a refuted one has a witness case and both versions' outcomes."""

    decision: str
    expect: Expectation
    verdict: Verdict
    witness: dict | None = None
    old: object = None
    new: object = None
    reason: str | None = None

    def to_json(self) -> dict:
        """The result as the JSON output writes it (absent fields left out)."""
        return {k: (str(v) if isinstance(v, StrEnum) else v) for k, v in vars(self).items() if v is not None}

    def text(self) -> str:
        """One line (two for a refutation: the witness) in the text output."""
        head = f"  expect {self.expect:<9} {self.decision}: {self.verdict}"
        if self.verdict is Verdict.REFUTED:
            case = ", ".join(f"{k} = {v!r}" for k, v in (self.witness or {}).items()) or "any case"
            return f"{head}, old {self.old} -> new {self.new}\n              when {case}"
        return head + (f" ({self.reason})" if self.reason else "")


def grants(sym: DecisionSym) -> z3.BoolRef:
    """The condition that a version decides its boolean decision `true` (determined, with a value)."""
    return z3.And(sym.has_value, sym.value)


def violation(expect: Expectation, old: DecisionSym, new: DecisionSym) -> z3.BoolRef:
    """The condition on a case that refutes `expect`."""
    widened = z3.And(grants(new), z3.Not(grants(old)))
    narrowed = z3.And(grants(old), z3.Not(grants(new)))
    return {Expectation.NARROWER: widened, Expectation.WIDER: narrowed}.get(expect, z3.Or(widened, narrowed))


def check_refinements(old: ir.Pack, new: ir.Pack, expectations: list[tuple[Expectation, str]],
                      timeout_ms: int = DEFAULT_TIMEOUT_MS) -> list[Refinement]:
    """Check each (expectation, decision) between `old` and `new`, in the order given."""
    enc_old, enc_new, solver, clashing = shared_encoders(old, new, timeout_ms)
    compiled: list[CompiledPack] = []  # both versions' evaluators, built for the first witness
    results = []
    for expect, name in expectations:
        problem = _invalid(old, new, name, clashing)
        if problem is not None:
            results.append(Refinement(name, expect, Verdict.INVALID, reason=problem))
            continue
        verdict = check(solver, violation(expect, enc_old.decisions[name], enc_new.decisions[name]))
        if verdict.status == "unknown":
            results.append(Refinement(name, expect, Verdict.UNKNOWN, reason=verdict.reason))
        elif verdict.proved:
            results.append(Refinement(name, expect, Verdict.PROVED))
        else:
            witness = {**enc_old.case(verdict.model), **enc_new.case(verdict.model)}
            compiled = compiled or [CompiledPack(old), CompiledPack(new)]
            results.append(Refinement(name, expect, Verdict.REFUTED, witness,
                                      decided(compiled[0], witness, name), decided(compiled[1], witness, name)))
    return results


def _invalid(old: ir.Pack, new: ir.Pack, name: str, clashing: list[str]) -> str | None:
    for label, pack in (("old", old), ("new", new)):
        if name not in pack.decisions:
            return f"the {label} version has no decision `{name}`"
        if pack.decisions[name].type.kind != "bool" or pack.decisions[name].type.optional:
            return f"`{name}` is {pack.decisions[name].type} in the {label} version, not bool"
    if clashing:
        return "facts changed type: " + ", ".join(clashing)
    return None


def refuted(results: list[Refinement]) -> bool:
    """Whether any expectation failed: refuted, undecided by the solver, or not checkable."""
    return any(r.verdict is not Verdict.PROVED for r in results)
