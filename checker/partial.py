"""Partial decisions and deadline questions, answered on the Z3 encoding.

Partial: with some facts unknown, each decision is either forced to one value or can still take
several — each with a witness case the evaluator replays. Deadline: for a boolean decision and
all other facts, the days (of a date fact such as `today`) on which it holds, as intervals.
"""

from __future__ import annotations

import z3
from ruleproof.checker import ir
from ruleproof.checker.encode import Encoder
from ruleproof.checker.encode_facts import DATE_MAX, DATE_MIN
from ruleproof.checker.semantics.outcomes import Cause
from ruleproof.checker.solver import check, make_solver
from ruleproof.checker.values import to_wire

NO_VALUE = {"no_value": True}


def _base_solver(encoder: Encoder, known: dict[str, object], timeout_ms: int) -> z3.Solver:
    solver = make_solver(timeout_ms)
    solver.add(*encoder.domain, *encoder.assumptions, *encoder.fix_facts(known))
    return solver


def partial_decisions(pack: ir.Pack, known: dict[str, object], names: list[str] | None = None,
                      limit: int = 5, timeout_ms: int = 5_000) -> dict[str, dict]:
    """For each decision, the outcomes the cases extending `known` give it: `forced` (its one
    value, None for no value) or `undetermined` (its one cause), or `values` it can still take
    (up to `limit`; each a value, `no_value` or `undetermined` with its cause), every outcome
    with a `witness` case the evaluator replays; or `unknown` with the solver's reason; plus
    `depends_on`, the facts it reads that are not known. `known` maps fact names to IR values
    (None = absent)."""
    encoder = Encoder(pack)
    solver = _base_solver(encoder, known, timeout_ms)
    if check(solver).proved:
        return {"error": {"reason": "no case satisfies the pack's assumptions with these facts"}}
    deps = ir.fact_dependencies(pack)
    out = {}
    for name in names or pack.decision_order:
        decision = pack.decisions[name]
        sym = encoder.decisions[name]
        why = sym.why if sym.why is not None else z3.IntVal(0)
        outcomes, reason = [], None
        blocks: list[z3.BoolRef] = []
        while len(outcomes) <= limit:
            verdict = check(solver, *blocks)
            if verdict.status == "unknown":
                reason = verdict.reason
                break
            if verdict.proved:
                break
            model = verdict.model
            witness = encoder.case(model)
            cause = Cause.from_code(model.eval(why, model_completion=True).as_long())
            if cause is not None:
                outcomes.append({"undetermined": cause.value, "witness": witness})
                blocks.append(why != cause.code)
            elif z3.is_true(model.eval(sym.defined, model_completion=True)):
                value = encoder.model_value(model, sym.value, decision.type)
                outcomes.append({"value": to_wire(value, decision.type), "witness": witness})
                blocks.append(z3.Not(z3.And(why == 0, sym.defined, _equals(encoder, sym.value, value, decision.type))))
            else:
                outcomes.append({**NO_VALUE, "witness": witness})
                blocks.append(z3.Not(z3.And(why == 0, z3.Not(sym.defined))))
        entry: dict = {"depends_on": sorted(f for f in deps[name] if f not in known)}
        if reason is not None:
            entry["unknown"] = reason
            entry["values"] = outcomes
        elif len(outcomes) == 1 and "undetermined" in outcomes[0]:
            entry.update(outcomes[0])
        elif len(outcomes) == 1:
            entry["forced"] = outcomes[0].get("value")
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
    """The days (values of `day_fact`) on which boolean `decision` is determined and true, given
    the other facts: a day counts when some case extending `known` with that day satisfies the
    assumptions and decides true. An optional day fact counts as given.

    Returns `intervals` [{first, last}], with `first` and `last` overall, or `unknown` with the
    reason. Intervals are given when the day alone settles the answer (every fact the decision
    reads, and every fact an assumption ties to the day, is known); otherwise only `first` and
    `last`."""
    encoder = Encoder(pack)
    others = {k: v for k, v in known.items() if k != day_fact}
    settled = set(others) | {day_fact}
    # An assumption over the day and known facts only excludes days: it joins `holds`. The
    # others are asserted; one tying the day to a free fact leaves only first and last.
    on_day, asserted, loose = [], [], False
    for assumption, term in zip(pack.assumptions, encoder.assumptions):
        reads = _reads(pack, assumption.condition)
        if day_fact in reads and reads <= settled:
            on_day.append(term)
        else:
            asserted.append(term)
            loose |= day_fact in reads
    solver = make_solver(timeout_ms)
    solver.add(*encoder.domain, *encoder.fix_facts(others), *asserted)
    day_sym = encoder.facts[day_fact]
    if day_sym.present is not None:
        solver.add(day_sym.present)
    day = day_sym.value
    sym = encoder.decisions[decision]
    holds = z3.And(*on_day, sym.has_value, sym.value)
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
    if loose or not ir.fact_dependencies(pack)[decision] <= settled:
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


def _reads(pack: ir.Pack, condition: ir.Expr) -> set[str]:
    """The facts a condition reads, directly or through decisions."""
    facts, decisions = ir.references(condition)
    deps = ir.fact_dependencies(pack)
    return set(facts).union(*(deps[d] for d in decisions))
