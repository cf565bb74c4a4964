"""What every check shares: the pack, its encoding, the solvers and the answers so far.

Each question is asked only of the assumptions about the facts it reads. Facts fall into
independent groups — two facts are in one group when an assumption mentions both — and each
question carries the domains and assumptions of the groups its decision, window or property
reads (`CheckContext.sat`, `scope=`) to one shared, otherwise empty solver (push, add, check,
pop). When the assumptions as a whole are satisfiable (the assumptions check runs first) this
is exact, and it keeps every query as small as its decision instead of as large as the pack. A
counterexample then gives the facts of those groups; the others do not matter.

Identical questions are asked once: dead rule, shadowed and redundant all ask whether a rule
can fire (or win); the answers are memoised on the Z3 terms. A case found for a stronger
question answers the weaker ones (a rule that can decide alone can win; one that can win can
fire), so the strongest is asked first. A question whose refutation is no finding asks for no
model. A question about an item that reads calendar months carries what holds of the month
tables' year trees (`Encoder.month_bounds`: true of every case, so no answer changes). Pairs of rules whose conditions cannot overlap
(checker/overlap.py) are never sent to Z3.
"""

from __future__ import annotations

import itertools
from collections.abc import Iterable
from dataclasses import dataclass, field, replace
from typing import ClassVar, TypeVar

import z3
from ruleproof.checker import ir
from ruleproof.checker.diagnostics import CheckVerdict, Counterexample, Diagnostic, Label, diagnostic
from ruleproof.checker.encode import Encoder
from ruleproof.checker.evaluate import Outcome
from ruleproof.checker.solver import DEFAULT_TIMEOUT_MS, Verdict, check, make_solver
from ruleproof.checker.source import Span
from ruleproof.checker.table_space import Space, space_of
from ruleproof.checker.timeline import decided_for, timeline
from ruleproof.checker.values import read_facts

T = TypeVar("T")
SMALL_PART = 8  # a timeline showing at most 1/SMALL_PART of the pack's decisions compiles those alone


class ScopedModel(z3.ModelRef):
    """A model of a question asked of part of the pack: `facts` are the facts it covers."""

    def __init__(self, model: z3.ModelRef, facts: frozenset[str]):
        super().__init__(model.model, model.ctx)
        self.facts = facts


@dataclass
class CheckContext:
    """What every check shares: the pack, its encoding, the solvers (one holding the whole
    pack's domains and assumptions, one holding nothing to which each question brings the
    assumptions it needs; both used with push/pop), the answers given so far, and the
    evaluator for timelines."""

    pack: ir.Pack
    timeout_ms: int = DEFAULT_TIMEOUT_MS
    encoder: Encoder = field(init=False)
    queries: int = 0  # questions sent to Z3
    cached: int = 0  # questions answered from the memo
    unknowns: list[Diagnostic] = field(default_factory=list)
    # Ask each question of the assumptions about its facts only (False: of all of them; the
    # tests compare the two).
    sliced: ClassVar[bool] = True

    def __post_init__(self) -> None:
        self.encoder = Encoder(self.pack)
        self._dependencies = ir.fact_dependencies(self.pack)
        self._group, self._members, self._group_assumptions, self._loose = _groups(self.pack, self._dependencies)
        self._full: z3.Solver | None = None
        self._shared = make_solver(self.timeout_ms)
        self._scopes: dict[frozenset, tuple[tuple[z3.BoolRef, ...], frozenset[str]]] = {}
        self._item_months: dict[tuple[str, str], tuple[ir.Expr, ...]] = {}  # a window's or property's month expressions
        self._decision_months: dict[str, tuple[ir.Expr, ...]] | None = None
        self._memo: dict[tuple, tuple[Verdict, tuple]] = {}
        self._spaces: dict[str, Space | None] = {}
        self._independent: dict[str, bool] = {}
        self._rule_index: dict[str, dict[str, int]] = {}
        self.share = (0, 1)  # this process checks the part k of n of the current item (runner.py)
        self.item: ir.Decision | ir.Window | ir.Property | None = None  # the item being checked (runner.py)
        self._compiled = None
        self._compiled_parts: dict[frozenset[str], object] = {}  # evaluators of a few decisions each
        self._selectable: set[tuple[str, str]] = set()  # rules known to be selected in some case
        self._window_reads: dict[str, frozenset[str]] | None = None

    # ------------------------------------------------------------ what to check
    def decisions(self) -> list[ir.Decision]:
        """Every decision, dependencies first."""
        return [self.pack.decisions[n] for n in self.pack.decision_order]

    def windows(self) -> list[ir.Window]:
        return list(self.pack.windows.values())

    def properties(self) -> list[ir.Property]:
        return list(self.pack.properties)

    # ------------------------------------------------------------ scopes and solvers
    def decision_scope(self, decision: ir.Decision | str) -> frozenset[str]:
        """The facts a decision reads, directly or through other decisions."""
        return self._dependencies[decision if isinstance(decision, str) else decision.name]

    def expr_scope(self, *exprs: ir.Expr) -> frozenset[str]:
        """The facts expressions read, directly or through decisions."""
        facts: set[str] = set()
        for e in exprs:
            direct, decisions = ir.references(e)
            facts |= direct
            for d in decisions:
                facts |= self._dependencies.get(d, frozenset())
        return frozenset(facts)

    @property
    def solver(self) -> z3.Solver:
        """The solver holding every domain and assumption of the pack."""
        if self._full is None:
            self._full = make_solver(self.timeout_ms)
            self._full.add(*self.encoder.domain, *self.encoder.assumptions)
        return self._full

    def _scope(self, key: frozenset) -> tuple[tuple[z3.BoolRef, ...], frozenset[str]]:
        """The domains and assumptions of the groups of facts in `key`, and those facts."""
        entry = self._scopes.get(key)
        if entry is None:
            enc = self.encoder
            groups = sorted(key)  # a fixed order: the same question gets the same model on every run
            facts = [f for g in groups for f in self._members[g]]
            constraints = [c for f in facts for c in enc.fact_domain[f]]
            constraints += [enc.assumptions[i] for g in groups for i in self._group_assumptions.get(g, ())]
            constraints += [enc.assumptions[i] for i in self._loose]
            entry = self._scopes[key] = (tuple(constraints), frozenset(facts))
        return entry

    def sat(self, *constraints: z3.BoolRef, what: str, span: Span, scope: Iterable[str] | None = None,
            model: bool = True) -> Verdict:
        """Check satisfiability with the assumptions about the facts in `scope` (all when
        None); an unknown answer is recorded as a W613 finding. A model covers the groups of
        facts the scope touches (ScopedModel); `model=False` when a refutation needs none."""
        key = None if scope is None or not self.sliced else frozenset(self._group[f] for f in scope)
        memo_key = (key, tuple(c.get_id() for c in constraints))
        hit = self._memo.get(memo_key)
        if hit is not None and not (model and hit[0].refuted and hit[0].model is None):
            self.cached += 1
            return hit[0]
        self.queries += 1
        if key is None:
            facts = None
            verdict = check(self.solver, *constraints, *self._month_bounds(), model=model)
        else:
            # One solver holding nothing: each question brings the assumptions it needs, so
            # no solver is built per scope and every query stays as small as its decision.
            given, facts = self._scope(key)
            verdict = check(self._shared, *given, *constraints, *self._month_bounds(), model=model)
        if verdict.model is not None and facts is not None:
            verdict = Verdict(verdict.status, ScopedModel(verdict.model, facts), verdict.reason)
        # INVARIANT: the memo holds the constraints, so their ids are not reused while it lives.
        self._memo[memo_key] = (verdict, constraints)
        if verdict.status == "unknown" and hit is None:
            self.unknowns.append(diagnostic(
                "W613", f"the solver gave up on {what}: {verdict.reason}", span, "not proved, not refuted",
                help="simplify the rules involved, or raise the time limit (--timeout)",
                counterexample=Counterexample(CheckVerdict.UNKNOWN, reason=verdict.reason),
            ))
        return verdict

    def _month_bounds(self) -> list[z3.BoolRef]:
        """What holds of the month tables' terms (`Encoder.month_bounds`) the item being
        checked reads (all of them when no item is set). Each is true of every case, so adding
        it changes no answer; it spares the solver a split over every year where a question
        reads months, and is left out elsewhere (where it would only cost)."""
        bounds = self.encoder.month_bounds
        if not bounds:
            return []
        if self.item is None:
            return list(bounds.values())
        if self._decision_months is None:
            self._decision_months = _month_nodes(self.pack)
        item = self.item
        if isinstance(item, ir.Decision):
            nodes = self._decision_months[item.name]
        else:
            key = (type(item).__name__, item.name)
            nodes = self._item_months.get(key)
            if nodes is None:
                exprs = [item.condition] if isinstance(item, ir.Property) else [item.exists, item.low, item.high]
                nodes = self._item_months[key] = _months_in(exprs, self._decision_months)
        found = {}
        for node in nodes:
            term = bounds.get(id(node))
            if term is not None:
                found[term.get_id()] = term
        return list(found.values())

    def can_fire(self, decision: ir.Decision, rule: ir.Rule) -> Verdict:
        """Whether `rule`'s condition can hold (asked once per rule, whichever check asks).
        A plain rule with a box over facts of discrete kinds and no assumptions about them
        can: the box holds a case (no question needed, and none is a finding). In a decision
        of several rules the shadowed check asks whether the rule can win, so that is asked
        first: a case where it wins is one where it fires, and for most rules that one
        question answers both."""
        space = self.space(decision)
        if space is not None and space.discrete and not self._assumed(decision):
            if self.rule_index(decision)[rule.name] in space.owners:
                return Verdict("refuted")
        key = (decision.name, rule.name)
        if key in self._selectable:
            return Verdict("refuted")
        if (len(decision.rules) > 1 and rule.origin != "obligation" and not self._wins_when_fires(key)
                and self.can_win(decision, rule).refuted):
            return Verdict("refuted")
        return self.sat(self.encoder.fires[key], what=f"whether rule `{rule.name}` can fire",
                        span=rule.span, scope=self.decision_scope(decision), model=False)

    def can_win(self, decision: ir.Decision, rule: ir.Rule) -> Verdict:
        """Whether the hit policy selects `rule` in some case (asked once per rule; the same
        question as whether it can fire where nothing overrides or precedes it)."""
        key = (decision.name, rule.name)
        if key in self._selectable:
            return Verdict("refuted")
        if self._wins_when_fires(key):
            return self.can_fire(decision, rule)
        return self.sat(self.encoder.selected[key], what=f"whether `{rule.name}` can win",
                        span=rule.span, scope=self.decision_scope(decision), model=False)

    def selectable(self, decision: ir.Decision, rule: ir.Rule) -> None:
        """Note that a case exists where `rule` is selected (a stronger question found one):
        it can win and it can fire, so neither is asked."""
        self._selectable.add((decision.name, rule.name))

    def _wins_when_fires(self, key: tuple[str, str]) -> bool:
        """Whether the rule is selected exactly where it fires (one term for both)."""
        return self.encoder.selected[key].get_id() == self.encoder.fires[key].get_id()

    def _assumed(self, decision: ir.Decision) -> bool:
        """Whether an assumption reads a fact the decision reads."""
        if self._loose:
            return True
        return any(self._group_assumptions.get(self._group[f]) for f in self.decision_scope(decision))

    def space(self, decision: ir.Decision) -> Space | None:
        """The decision's rules as boxes, when every condition is plain (checker/table_space.py)."""
        if decision.name not in self._spaces:
            self._spaces[decision.name] = space_of(decision) if len(decision.rules) > 1 else None
        return self._spaces[decision.name]

    def independent(self, decision: ir.Decision) -> bool:
        """Whether the decision's conditions are plain and each rule is selected exactly when
        it fires (`unique` or `strict`, no `overrides`): a question about some of its rules
        may then be asked of them and the rules whose boxes meet theirs (`Encoder.part`)."""
        if decision.name not in self._independent:
            self._independent[decision.name] = (self.space(decision) is not None and decision.hit in ("unique", "strict")
                                                and not any(r.overrides for r in decision.rules))
        return self._independent[decision.name]

    def mine(self, work: Iterable[T]) -> Iterable[T]:
        """The part of a decision's units of work (rules, pairs of rules, regions) this process
        checks: all of them, unless the runner split the decision over several processes."""
        k, n = self.share
        return work if n == 1 else itertools.islice(work, k, None, n)

    def overlapping(self, decision: ir.Decision, rule: ir.Rule) -> list[ir.Rule]:
        """The other rules of the decision whose conditions may hold together with `rule`'s."""
        space = self.space(decision)
        if space is None:
            return [o for o in decision.rules if o.name != rule.name and self.may_overlap(decision, rule, o)]
        index = self.rule_index(decision)[rule.name]
        return [decision.rules[i] for i in sorted(space.neighbours.get(index, ()))]

    def rule_index(self, decision: ir.Decision) -> dict[str, int]:
        """Each rule's position in the decision."""
        found = self._rule_index.get(decision.name)
        if found is None:
            found = self._rule_index[decision.name] = {r.name: i for i, r in enumerate(decision.rules)}
        return found

    def may_overlap(self, decision: ir.Decision, a: ir.Rule, b: ir.Rule) -> bool:
        """False only when the two rules' conditions certainly cannot both hold."""
        space = self.space(decision)
        if space is not None:
            i, j = sorted((self.rule_index(decision)[a.name], self.rule_index(decision)[b.name]))
            return (i, j) in space.overlaps
        return self.encoder.overlaps.may_overlap(decision.name, a, b)  # the encoder's conflict terms ask the same pairs

    # ------------------------------------------------------------ findings
    @property
    def compiled(self):
        """The evaluator, for timelines (compiled on first use: most runs find nothing)."""
        if self._compiled is None:
            from ruleproof.checker.evaluate import CompiledPack

            self._compiled = CompiledPack(self.pack)
        return self._compiled

    def finding(self, code: str, message: str, span: Span, label: str, model: z3.ModelRef | None,
                involved: list[str], secondary: tuple[Label, ...] = (), help: str | None = None,
                story: str = "", marks: list[dict] | None = None) -> Diagnostic:
        """A finding with its counterexample: proved when `model` is None (no case exists),
        else refuted by the model's case, with its timeline. The case gives the facts the
        question was about (with those the assumptions tie to them); a fact left out is
        irrelevant to the defect."""
        if model is None:
            evidence = Counterexample(CheckVerdict.PROVED, tuple(involved))
        else:
            facts = getattr(model, "facts", None)
            case = self.encoder.case(model, facts)
            shown = None if facts is None else self._shown(facts)
            # the case as `ruleproof decide` reads it, decided once for its timeline
            read = read_facts(self.pack, case)
            needed, names = decided_for(self.pack, shown)
            if not needed:  # the timeline shows nothing decided: no evaluator compiled for it
                compiled, outcome = None, Outcome()
            else:
                compiled = self._compiled_for(shown)
                outcome = compiled.decide(read, names, complete=True)
            evidence = Counterexample(CheckVerdict.REFUTED, tuple(involved), case,
                                      timeline(self.pack, compiled, read, outcome, story, marks, shown))
        return diagnostic(code, message, span, label, secondary=secondary, help=help, counterexample=evidence)


    def _compiled_for(self, shown: set[str] | None):
        """The evaluator for a timeline showing `shown` (every decision when None): for a few
        decisions of a large pack, those alone compiled (they read no others: a decision shown
        reads only facts the case gives, so do the decisions it reads), else the whole pack."""
        if shown is None or len(shown) * SMALL_PART > len(self.pack.decisions):
            return self.compiled
        from ruleproof.checker.evaluate import CompiledPack

        key = frozenset(n for n in shown if n in self.pack.decisions)
        found = self._compiled_parts.get(key)
        if found is None:
            order = tuple(n for n in self.pack.decision_order if n in key)
            part = replace(self.pack, decisions={n: self.pack.decisions[n] for n in order}, decision_order=order)
            found = self._compiled_parts[key] = CompiledPack(part)
        return found

    def _shown(self, facts: frozenset[str]) -> set[str]:
        """The decisions and windows a case giving only `facts` decides: its timeline's content."""
        if self._window_reads is None:
            self._window_reads = {w.name: self.expr_scope(w.exists, w.low, w.high) for w in self.pack.windows.values()}
        shown = {name for name, reads in self._dependencies.items() if reads <= facts}
        shown.update(name for name, reads in self._window_reads.items() if reads <= facts)
        return shown


def _groups(pack: ir.Pack, dependencies: dict[str, frozenset[str]]):
    """Union-find over facts: two facts are in one group when an assumption reads both.
    Returns (fact -> group, group -> facts, group -> assumption indexes, indexes of
    assumptions that read no fact)."""
    parent = {f: f for f in pack.facts}

    def find(f: str) -> str:
        while parent[f] != f:
            parent[f] = parent[parent[f]]
            f = parent[f]
        return f

    reads = []
    for assumption in pack.assumptions:
        facts, decisions = ir.references(assumption.condition)
        for d in decisions:
            facts |= dependencies.get(d, frozenset())
        facts = [f for f in facts if f in parent]
        reads.append(facts)
        for other in facts[1:]:
            a, b = find(facts[0]), find(other)
            if a != b:
                parent[b] = a
    group = {f: find(f) for f in pack.facts}
    members: dict[str, list[str]] = {}
    for f, g in group.items():
        members.setdefault(g, []).append(f)
    group_assumptions: dict[str, list[int]] = {}
    loose = []
    for i, facts in enumerate(reads):
        if facts:
            group_assumptions.setdefault(group[facts[0]], []).append(i)
        else:
            loose.append(i)
    return group, members, group_assumptions, loose



def _month_nodes(pack: ir.Pack) -> dict[str, tuple[ir.Expr, ...]]:
    """For each decision, the month expressions (`ir.AddMonths`, `ir.MonthlyPeriod`) it reads,
    directly or through the decisions it reads."""
    found: dict[str, tuple[ir.Expr, ...]] = {}
    for name in pack.decision_order:  # dependencies first
        decision = pack.decisions[name]
        exprs = [e for r in decision.rules for e in (r.condition, r.value)]
        found[name] = _months_in(exprs + ([decision.default] if decision.default is not None else []), found)
    return found


def _months_in(exprs: list[ir.Expr], decisions: dict[str, tuple[ir.Expr, ...]]) -> tuple[ir.Expr, ...]:
    """The month expressions in `exprs` and in the decisions they read (`decisions` says theirs)."""
    found: dict[int, ir.Expr] = {}
    stack = list(exprs)
    while stack:
        node = stack.pop()
        if isinstance(node, (ir.AddMonths, ir.MonthlyPeriod)):
            found[id(node)] = node
        elif isinstance(node, ir.DecisionRef):
            found.update((id(n), n) for n in decisions.get(node.name, ()))
        stack.extend(ir.children(node))
    return tuple(found.values())
