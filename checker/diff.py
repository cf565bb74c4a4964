"""Semantic diff: for each decision of two versions of a pack, equivalent or changed, with a
witness case where they decide differently.

Both versions are encoded over the same fact variables (same names), under the assumptions
of both; a decision changed iff some such case gives it a different value, or a value in one
version and none in the other.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field

from ruleproof.checker import ir
from ruleproof.checker.encode import Encoder
from ruleproof.checker.encode_outcomes import outcomes_differ
from ruleproof.checker.evaluate import CompiledPack
from ruleproof.checker.solver import DEFAULT_TIMEOUT_MS, check, make_solver
from ruleproof.checker.values import read_facts, to_wire


@dataclass
class DecisionDiff:
    name: str
    status: str  # equivalent | changed | added | removed | retyped | unknown
    witness: dict | None = None
    old: object = None
    new: object = None
    reason: str | None = None


@dataclass
class DiffReport:
    old: tuple[str, str]
    new: tuple[str, str]
    decisions: list[DecisionDiff] = field(default_factory=list)
    facts_added: list[str] = field(default_factory=list)
    facts_removed: list[str] = field(default_factory=list)

    @property
    def changed(self) -> bool:
        return any(d.status != "equivalent" for d in self.decisions) or bool(self.facts_added or self.facts_removed)

    def to_json(self) -> dict:
        return {
            "old": {"pack": self.old[0], "version": self.old[1]},
            "new": {"pack": self.new[0], "version": self.new[1]},
            "changed": self.changed,
            "facts_added": self.facts_added, "facts_removed": self.facts_removed,
            "decisions": [
                {k: v for k, v in vars(d).items() if v is not None} for d in self.decisions
            ],
        }


def diff_packs(old: ir.Pack, new: ir.Pack, timeout_ms: int = DEFAULT_TIMEOUT_MS) -> DiffReport:
    """Compare every decision of `old` and `new`."""
    report = DiffReport((old.name, old.version), (new.name, new.version))
    report.facts_added = sorted(set(new.facts) - set(old.facts))
    report.facts_removed = sorted(set(old.facts) - set(new.facts))
    enc_old, enc_new, solver, clashing = shared_encoders(old, new, timeout_ms)
    compiled_old, compiled_new = CompiledPack(old), CompiledPack(new)
    for name in sorted(set(old.decisions) | set(new.decisions)):
        if name not in new.decisions:
            report.decisions.append(DecisionDiff(name, "removed"))
        elif name not in old.decisions:
            report.decisions.append(DecisionDiff(name, "added"))
        elif old.decisions[name].type != new.decisions[name].type or clashing:
            report.decisions.append(DecisionDiff(name, "retyped" if not clashing else "unknown",
                                                 reason=None if not clashing else "facts changed type: " + ", ".join(clashing)))
        else:
            report.decisions.append(_compare(name, enc_old, enc_new, solver, compiled_old, compiled_new))
    return report


def shared_encoders(old: ir.Pack, new: ir.Pack, timeout_ms: int) -> tuple[Encoder, Encoder, object, list[str]]:
    """Encoders of both versions over the same fact variables (apart, when facts changed type:
    the names of those facts come last) and a solver holding both versions' domains and
    assumptions."""
    clashing = sorted(n for n in set(old.facts) & set(new.facts) if old.facts[n].type != new.facts[n].type)
    enc_old = Encoder(old, tag="")
    enc_new = Encoder(new, tag="" if not clashing else "new.")
    solver = make_solver(timeout_ms)
    solver.add(*enc_old.domain, *enc_old.assumptions, *enc_new.domain, *enc_new.assumptions)
    return enc_old, enc_new, solver, clashing


def _compare(name, enc_old: Encoder, enc_new: Encoder, solver, compiled_old, compiled_new) -> DecisionDiff:
    verdict = check(solver, outcomes_differ(enc_old.decisions[name], enc_new.decisions[name]))
    if verdict.status == "unknown":
        return DecisionDiff(name, "unknown", reason=verdict.reason)
    if verdict.proved:
        return DecisionDiff(name, "equivalent")
    witness = {**enc_old.case(verdict.model), **enc_new.case(verdict.model)}
    return DecisionDiff(name, "changed", witness, decided(compiled_old, witness, name),
                        decided(compiled_new, witness, name))


def decided(compiled: CompiledPack, witness: dict, name: str):
    """What `compiled` decides for `name` on the case `witness`: the value as the wire writes
    it, or `{"undetermined": cause}`."""
    facts = read_facts(compiled.pack, {k: v for k, v in witness.items() if k in compiled.pack.facts})
    outcome = compiled.decide(facts, [name])
    if name in outcome.values:
        return to_wire(outcome.values[name], compiled.pack.decisions[name].type)
    return {"undetermined": outcome.undetermined.get(name, {}).get("reason")}


def diff_text(report: DiffReport, reads: Mapping[str, Iterable[str]] | None = None, show_all: bool = False) -> str:
    """The readable form of a diff: a line per decision that differs (every decision with
    `show_all`), each change with its witness; `reads` (decision -> the facts it reads, in
    either version) narrows a witness to the facts that matter to its decision."""
    lines = [f"{report.old[0]} {report.old[1]} -> {report.new[0]} {report.new[1]}"]
    for fact in report.facts_added:
        lines.append(f"  + fact {fact}")
    for fact in report.facts_removed:
        lines.append(f"  - fact {fact}")
    for d in report.decisions:
        if d.status == "changed":
            relevant = set(reads[d.name]) if reads is not None and d.name in reads else set(d.witness)
            lines.append(f"  changed     {d.name}: {json.dumps(d.old)} -> {json.dumps(d.new)}")
            lines.append("              when " + (", ".join(f"{k} = {json.dumps(v)}" for k, v in d.witness.items()
                                                            if k in relevant) or "any case"))
        elif d.status == "unknown":
            lines.append(f"  unknown     {d.name}: the solver gave up ({d.reason})")
        elif d.status != "equivalent" or show_all:
            lines.append(f"  {d.status:<11} {d.name}")
    changed = sum(1 for d in report.decisions if d.status != "equivalent")
    lines.append(f"{changed} of {len(report.decisions)} decisions differ")
    return "\n".join(lines) + "\n"


def decision_reads(old: ir.Pack, new: ir.Pack) -> dict[str, frozenset[str]]:
    """For each decision of either version, the facts it reads in either (what a witness of
    its change needs to show)."""
    before, after = ir.fact_dependencies(old), ir.fact_dependencies(new)
    return {name: before.get(name, frozenset()) | after.get(name, frozenset()) for name in {*before, *after}}
