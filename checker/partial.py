"""Partial decisions and deadline questions, answered on the Z3 encoding.

Partial: with some facts unknown, each decision is either forced to one value or can still take
several — each with a witness case the evaluator replays. Deadline: for a boolean decision and
all other facts, the days (of a date fact such as `today`) on which it holds, as intervals.
"""

from __future__ import annotations

import z3
from ruleproof.checker import ir
from ruleproof.checker.encode import DATE_MAX, DATE_MIN, Encoder
from ruleproof.checker.solver import check, make_solver
from ruleproof.checker.values import to_wire

NO_VALUE = {"no_value": True}


def _base_solver(encoder: Encoder, known: dict[str, object], timeout_ms: int) -> z3.Solver:
    solver = make_solver(timeout_ms)
    solver.add(*encoder.domain, *encoder.assumptions, *encoder.fix_facts(known))
    return solver


def partial_decisions(pack: ir.Pack, known: dict[str, object], names: list[str] | None = None,
                      limit: int = 5, timeout_ms: int = 5_000) -> dict[str, dict]:
    """For each decision: `forced` (its one value), or `values` it can still take (up to `limit`,
    each with a `witness` case), or `unknown` with the solver's reason; plus `depends_on`, the
    facts it reads that are not known. `known` maps fact names to IR values (None = absent)."""
    encoder = Encoder(pack)
    solver = _base_solver(encoder, known, timeout_ms)
    if check(solver).proved:
        return {"error": {"reason": "no case satisfies the pack's assumptions with these facts"}}
    deps = ir.fact_dependencies(pack)
    out = {}
    for name in names or pack.decision_order:
        decision = pack.decisions[name]
        sym = encoder.decisions[name]
        outcomes, reason = [], None
        blocks: list[z3.BoolRef] = [z3.Not(sym.conflict)]
        while len(outcomes) <= limit:
            verdict = check(solver, *blocks)
            if verdict.status == "unknown":
                reason = verdict.reason
                break
            if verdict.proved:
                break
            model = verdict.model
            defined = z3.is_true(model.eval(sym.defined, model_completion=True))
            witness = encoder.case(model)
            if defined:
                value = encoder.model_value(model, sym.value, decision.type)
                outcomes.append({"value": to_wire(value, decision.type), "witness": witness})
                blocks.append(z3.Not(z3.And(sym.defined, _equals(encoder, sym.value, value, decision.type))))
            else:
                outcomes.append({**NO_VALUE, "witness": witness})
                blocks.append(sym.defined)
        entry: dict = {"depends_on": sorted(f for f in deps[name] if f not in known)}
        if reason is not None:
            entry["unknown"] = reason
            entry["values"] = outcomes
        elif len(outcomes) == 1:
            entry["forced"] = outcomes[0].get("value") if "value" in outcomes[0] else None
            entry["witness"] = outcomes[0]["witness"]
        else:
            entry["values"] = outcomes[:limit]
            entry["more"] = len(outcomes) > limit
        out[name] = entry
    return out


def _equals(encoder: Encoder, sym_value, value, typ) -> z3.BoolRef:
    constant = encoder.constant(value, typ)
    if isinstance(constant, tuple):
        return z3.And(*[a == b for a, b in zip(sym_value, constant)])
    return sym_value == constant


def holding_days(pack: ir.Pack, decision: str, known: dict[str, object], day_fact: str = "today",
                 max_intervals: int = 10, timeout_ms: int = 5_000) -> dict:
    """The days (values of `day_fact`) on which boolean `decision` is true, given the other facts.

    Returns `intervals` [{first, last}], with `first` and `last` overall, or `unknown` with the
    reason. Every fact other than `day_fact` that is not in `known` stays free: a day counts if
    some case with those facts makes the decision true on it."""
    encoder = Encoder(pack)
    solver = _base_solver(encoder, {k: v for k, v in known.items() if k != day_fact}, timeout_ms)
    day = encoder.facts[day_fact].value
    sym = encoder.decisions[decision]
    holds = z3.And(sym.defined, sym.value, z3.Not(sym.conflict))

    def exists(lo: int, hi: int, condition) -> bool | str:
        verdict = check(solver, day >= lo, day <= hi, condition)
        return verdict.reason if verdict.status == "unknown" else verdict.refuted

    def first_where(lo: int, hi: int, condition) -> int | None | str:
        found = exists(lo, hi, condition)
        if found is not True:
            return found if isinstance(found, str) else None
        while lo < hi:
            mid = (lo + hi) // 2
            found = exists(lo, mid, condition)
            if isinstance(found, str):
                return found
            lo, hi = (lo, mid) if found else (mid + 1, hi)
        return lo

    def last_where(lo: int, hi: int, condition) -> int | None | str:
        found = exists(lo, hi, condition)
        if found is not True:
            return found if isinstance(found, str) else None
        while lo < hi:
            mid = (lo + hi + 1) // 2
            found = exists(mid, hi, condition)
            if isinstance(found, str):
                return found
            lo, hi = (mid, hi) if found else (lo, mid - 1)
        return lo

    point = pack.facts[day_fact].type.required()
    result = {"decision": decision, "day_fact": day_fact, "first": None, "last": None, "intervals": []}
    first = first_where(DATE_MIN, DATE_MAX, holds)
    last = last_where(DATE_MIN, DATE_MAX, holds) if isinstance(first, int) else None
    for bound in (first, last):
        if isinstance(bound, str):
            return {**result, "unknown": bound}
    if first is None:
        return result
    result.update(first=to_wire(first, point), last=to_wire(last, point))
    if any(f not in known for f in ir.fact_dependencies(pack)[decision] if f != day_fact):
        # with facts left free, a day counts if some case holds on it; gaps between days are
        # not meaningful for one case, so only the first and last day are given
        result["intervals"] = None
        return result
    cursor = first
    while cursor is not None and cursor <= last and len(result["intervals"]) < max_intervals:
        stop = first_where(cursor, last, z3.Not(holds))
        if isinstance(stop, str):
            return {**result, "unknown": stop}
        end = last if stop is None else stop - 1
        result["intervals"].append({"first": to_wire(cursor, point), "last": to_wire(end, point)})
        if stop is None:
            break
        cursor = first_where(stop, last, holds)
        if isinstance(cursor, str):
            return {**result, "unknown": cursor}
    return result
