"""Stage 4: lowering. Assembles the type-checked pieces into one IR Pack: table rows, decision
formulas and obligations become rules; `unless` becomes part of a rule's condition; decisions
are ordered so that each comes after the decisions it reads."""

from __future__ import annotations

from dataclasses import replace

from ruleproof.checker import ast, ir
from ruleproof.checker import types as T
from ruleproof.checker.diagnostics import Diagnostic, diagnostic
from ruleproof.checker.lower_periods import InForce, row_period, rule_period
from ruleproof.checker.typecheck import OBLIGATION_STATUS, TypedPack


def lower(typed: TypedPack) -> tuple[ir.Pack | None, list[Diagnostic]]:
    """Build the IR pack; returns None with diagnostics if decisions depend on each other in a cycle."""
    diags: list[Diagnostic] = []
    res = typed.resolution
    rules_by_decision: dict[str, list[ir.Rule]] = {name: [] for name in typed.decision_types}
    in_force = InForce(typed.as_of, typed.pin)
    guards = _rule_guards(typed, in_force)
    order = 0
    for decl, condition, conclusions in typed.rules:
        period, written = rule_period(res, decl)
        if not in_force.applies(period):
            continue
        for target, value in conclusions:
            overrides = tuple(i.name for i in decl.overrides if _concludes(res, i.name, target))
            rules_by_decision[target].append(ir.Rule(
                decl.name.name, target, in_force.condition(_guarded(condition, decl, guards), period, target, written),
                value, order, decl.priority, overrides, tuple(i.name for i in decl.unless), decl.because, decl.cite,
                "rule", span=decl.span, period=period,
            ))
            order += 1
    for table, rows in typed.tables:
        for index, (row, condition, output) in enumerate(rows, start=1):
            period, written = row_period(res, table, row)
            if not in_force.applies(period):
                continue
            rules_by_decision[table.decision.name].append(ir.Rule(
                f"{table.name.name}[{index}]", table.decision.name,
                in_force.condition(condition, period, table.decision.name, written), output, order,
                cite=row.cite or table.cite, origin="table", span=row.span, period=period,
            ))
            order += 1
    for name, (when, body) in typed.bodies.items():
        rules_by_decision[name].append(ir.Rule(name, name, when, body, order, origin="body",
                                               cite=res.symbols[name].decl.cite, span=res.symbols[name].decl.span))
        order += 1
    decisions = {}
    for name, declared in typed.decision_types.items():
        decl: ast.DecisionDecl = res.symbols[name].decl
        decisions[name] = ir.Decision(
            name, declared, decl.hit.name if decl.hit else "unique", _in_source_order(rules_by_decision[name], res),
            typed.defaults.get(name), decl.complete, decl.cite, span=decl.span,
        )
    for decl, when, deadline, done in typed.obligations:
        for decision in _obligation_decisions(decl, when, deadline, done, order):
            decisions[decision.name] = decision
            order += len(decision.rules)
    decision_order = _order(decisions, diags)
    if decision_order is None:
        return None, diags
    header = res.header
    pack = ir.Pack(
        header.name.name if header else "unnamed",
        header.version if header else "0",
        dict(typed.facts),
        decisions,
        dict(typed.windows),
        tuple(typed.assumptions) + _range_assumptions(typed),
        tuple(typed.properties),
        tuple(typed.examples),
        _acceptances(res),
        frozenset(typed.holidays),
        tuple(decision_order),
        span=header.span if header else None,
    )
    return pack, diags


def _in_source_order(rules: list[ir.Rule], res) -> tuple[ir.Rule, ...]:
    """A decision's rules as a reader meets them — files in import order, then position in the
    file — numbered in that order (`hit first` takes the first winner in this order)."""
    position = {res.modules[module].span.path: index for index, module in enumerate(res.module_order)}

    def where(rule: ir.Rule) -> tuple[int, int]:
        return position.get(rule.span.path, len(position)), rule.span.start

    return tuple(replace(rule, order=index) for index, rule in enumerate(sorted(rules, key=where)))


def _concludes(res, rule_name: str, decision: str) -> bool:
    symbol = res.symbols.get(rule_name)
    return symbol is not None and symbol.kind == "rule" and any(c.target.name == decision for c in symbol.decl.conclusions)


def _rule_guards(typed: TypedPack, in_force: InForce) -> dict[str, ir.Expr]:
    """For each source rule in force (as `in_force` reads periods), the condition under which
    it fires (in force on its first decision's day, its `unless` exceptions applied)."""
    res = typed.resolution
    raw = {decl.name.name: (decl, condition, conclusions) for decl, condition, conclusions in typed.rules
           if in_force.applies(rule_period(res, decl)[0])}
    fired: dict[str, ir.Expr] = {}

    def fires(name: str, depth: int = 0) -> ir.Expr:
        if name not in fired:
            decl, condition, conclusions = raw[name]
            guarded = ir.TRUE if depth > len(raw) else _guarded(condition, decl, raw, lambda n: fires(n, depth + 1))
            period, written = rule_period(res, decl)
            fired[name] = in_force.condition(guarded, period, conclusions[0][0], written) if conclusions else guarded
        return fired[name]

    for name in raw:
        fires(name)
    return fired


def _guarded(condition: ir.Expr, decl: ast.RuleDecl, guards, fires=None) -> ir.Expr:
    exceptions = []
    for ident in decl.unless:
        guard = (fires(ident.name) if ident.name in guards else None) if fires else guards.get(ident.name)
        if guard is not None:
            exceptions.append(ir.Not(guard, T.BOOL, span=ident.span))
    if not exceptions:
        return condition
    return ir.BoolOp("and", (condition, *exceptions), T.BOOL, span=decl.span)


def _obligation_decisions(decl: ast.ObligationDecl, when, deadline, done, order: int) -> list[ir.Decision]:
    name, span = decl.name.name, decl.span
    deadline_rule = ir.Rule(name, name + "_deadline", when, deadline, order, cite=decl.cite, origin="obligation", span=span)
    today = ir.FactRef("today", T.DATE, span=span)
    present = ir.IsPresent(done, T.BOOL, span=span)
    done_on = ir.Unwrap(done, T.DATE, span=span)

    def status(label: str, *parts: ir.Expr, index: int) -> ir.Rule:
        condition = ir.BoolOp("and", (when, *parts), T.BOOL, span=span)
        return ir.Rule(f"{name}.{label}", name, condition, ir.Const(label, OBLIGATION_STATUS, span=span),
                       order + index, cite=decl.cite, origin="obligation", span=span)

    absent = ir.Not(present, T.BOOL, span=span)
    rules = (
        status("met", present, ir.Compare("<=", done_on, deadline, T.BOOL, span=span), index=1),
        status("late", present, ir.Compare(">", done_on, deadline, T.BOOL, span=span), index=2),
        status("breached", absent, ir.Compare(">", today, deadline, T.BOOL, span=span), index=3),
        status("pending", absent, ir.Compare("<=", today, deadline, T.BOOL, span=span), index=4),
    )
    return [
        ir.Decision(name + "_deadline", T.DATE, "unique", (deadline_rule,), cite=decl.cite, origin="obligation", span=span),
        ir.Decision(name, OBLIGATION_STATUS, "unique", rules, cite=decl.cite, origin="obligation", span=span),
    ]


def _order(decisions: dict[str, ir.Decision], diags: list[Diagnostic]) -> list[str] | None:
    """Decisions with the decisions they read first; reports a dependency cycle."""
    reads = {name: ir.decision_reads(decision)[1] for name, decision in decisions.items()}
    order: list[str] = []
    state: dict[str, int] = {}
    cycle_found = False

    def visit(name: str, chain: list[str]) -> None:
        nonlocal cycle_found
        if state.get(name) == 2:
            return
        if state.get(name) == 1:
            cycle = chain[chain.index(name):] + [name]
            decision = decisions[name]
            diags.append(diagnostic("E313", "decisions depend on each other: `" + " -> ".join(cycle) + "`", decision.span,
                                    "part of a cycle", help="one of these decisions must not read the others"))
            cycle_found = True
            return
        state[name] = 1
        for dep in sorted(reads[name]):
            if dep in decisions:
                visit(dep, chain + [name])
        state[name] = 2
        order.append(name)

    for name in decisions:
        visit(name, [])
    return None if cycle_found else order


def _range_assumptions(typed: TypedPack) -> tuple[ir.Assumption, ...]:
    out = []
    for fact in typed.facts.values():
        if fact.low is None:
            continue
        ref = ir.FactRef(fact.name, fact.type, span=fact.span)
        value = ir.Unwrap(ref, T.INT, span=fact.span) if fact.type.optional else ref
        bounds = ir.BoolOp("and", (
            ir.Compare(">=", value, ir.Const(fact.low, T.INT, span=fact.span), T.BOOL, span=fact.span),
            ir.Compare("<=", value, ir.Const(fact.high, T.INT, span=fact.span), T.BOOL, span=fact.span),
        ), T.BOOL, span=fact.span)
        if fact.type.optional:
            bounds = ir.BoolOp("or", (ir.Not(ir.IsPresent(ref, T.BOOL, span=fact.span), T.BOOL, span=fact.span), bounds),
                               T.BOOL, span=fact.span)
        out.append(ir.Assumption(f"{fact.name}_in_range", bounds, fact.cite, span=fact.span))
    return tuple(out)


def _acceptances(res) -> tuple[ir.Acceptance, ...]:
    return tuple(
        ir.Acceptance(d.code, tuple(t.name for t in d.targets), d.reason, span=d.span)
        for m in res.module_order for d in res.modules[m].decls if isinstance(d, ast.AcceptDecl)
    )
