"""Back end 1: the concrete evaluator. Compiles a pack's IR once into Python source (one
function per decision), then decides cases in microseconds.

The meaning comes from checker/semantics/: the order in which a decision is decided and the
causes of undetermined outcomes (`semantics.outcomes`), the rules a hit policy selects
(`semantics.selection`, built here as Python source), operators, exact numbers, working
days and calendar months. tests/test_differential.py compares every decision, with its cause, against the Z3
encoding built from the same definitions.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from fractions import Fraction
from functools import cached_property

from ruleproof.checker import ir
from ruleproof.checker.explain import CONCRETE, explain_outcome
from ruleproof.checker.semantics.aggregates import over
from ruleproof.checker.semantics.calendar import CONCRETE_MONTHS, Calendar
from ruleproof.checker.semantics.numbers import quotient, round_half_up
from ruleproof.checker.semantics.operators import INFIX, ArithOp, CompareOp, Connective
from ruleproof.checker.semantics.outcomes import NO_RULE_APPLIES, Cause, Undetermined
from ruleproof.checker.semantics.selection import HitPolicy, aggregate, select, winners
from ruleproof.checker.values import Unusual, read_facts, writer

NO_VALUE = NO_RULE_APPLIES
LARGE = 256  # a decision of more rules is compiled in chunks (see _large_decision_source)
CHUNK = 128  # conditions per chunk function
SHORT = 16  # a decision of at most this many rules tests "no later rule selected" rule by rule


@dataclass(slots=True)
class Outcome:
    """The decisions of one case: values (IR representation) and the undetermined ones (with
    `reason`, `cause`, `depends_on` and, for conflicts, `rules`) among those asked; `computed`
    holds the decisions the plan ran (the asked ones and those a rule read; with `complete`,
    every decision they depend on), None for no value."""

    values: dict[str, object] = field(default_factory=dict)
    undetermined: dict[str, dict] = field(default_factory=dict)
    computed: dict[str, object] = field(default_factory=dict, repr=False)
    complete: bool = field(default=True, repr=False)


def _agree(won: list[tuple[str, object]], exclusive: bool = False):
    """The one value the selected rules conclude, or a conflict (under an exclusive policy,
    whenever several are selected)."""
    first = won[0][1]
    if len(won) == 1:  # the common case: one rule selected
        return first
    if exclusive or any(value != first for _, value in won):
        names = tuple(r for r, _ in won)
        how = " apply under `hit strict`" if exclusive else " decide differently"
        raise Undetermined(Cause.CONFLICT, "conflict: " + ", ".join(names) + how, names)
    return first


class SourceAlgebra:
    """`semantics.algebra.BooleanAlgebra` over Python source text: shared terms become local
    variables, assigned in `lines`."""

    def __init__(self, lines: list[str]):
        self.lines = lines

    def and_(self, *terms: str) -> str:
        return "(" + " and ".join(terms) + ")" if terms else "True"

    def or_(self, *terms: str) -> str:
        return "(" + " or ".join(terms) + ")" if terms else "False"

    def not_(self, term: str) -> str:
        return f"(not {term})"

    def share(self, term: str, hint: str) -> str:
        self.lines.append(f"    {hint} = {term}")
        return hint

    # `semantics.algebra.NumberAlgebra`
    def number(self, n: int) -> str:
        return repr(n)

    def add(self, a: str, b: str) -> str:
        return f"({a} + {b})"

    def less(self, a: str, b: str) -> str:
        return f"({a} < {b})"

    def ite(self, cond: str, a: str, b: str) -> str:
        return f"({a} if {cond} else {b})"


class Reads:
    """The facts and decisions a generated function has already read into locals on every path
    reaching the code being generated. A first read on such a path is written `(_F_x := F['x'])`,
    later ones `_F_x`: each value is still read exactly where, and in the order, it was read
    before (a missing fact raises the same KeyError at the same point), only once. Reads inside
    a branch (`and`/`or` past the first operand, `if`/`else` arms) stay in that branch."""

    def __init__(self, repeated: frozenset[str], names: dict[str, str] | None = None):
        self.repeated = repeated  # the reads worth a local: those the function makes more than once
        self.names = dict(names or {})

    @classmethod
    def of(cls, exprs: Iterable[ir.Expr | None]) -> Reads:
        """The reads of a function computing `exprs`, sharing what they read more than once."""
        seen: set[str] = set()
        repeated: set[str] = set()
        stack = [e for e in exprs if e is not None]
        while stack:
            e = stack.pop()
            if isinstance(e, (ir.FactRef, ir.DecisionRef)):
                key = _lookup(e)
                (repeated if key in seen else seen).add(key)
            stack.extend(ir.children(e))
        return cls(frozenset(repeated))

    def branch(self) -> Reads:
        """The reads of a branch: those already made, plus its own, which do not escape it."""
        return Reads(self.repeated, self.names)

    def read(self, e: ir.FactRef | ir.DecisionRef, source: str | None = None) -> str:
        """The source reading `e` here (`source`: how to read it, if not by looking it up)."""
        key = _lookup(e)
        local = self.names.get(key)
        if local is not None:
            return local
        if key not in self.repeated:
            return source or key
        local = self.names[key] = f"_{key[0]}_{e.name}"
        return f"({local} := {source or key})"


def _lookup(e: ir.FactRef | ir.DecisionRef) -> str:
    """The source reading a fact (from F) or an earlier decision (from D)."""
    return f"{'F' if isinstance(e, ir.FactRef) else 'D'}[{e.name!r}]"


class ExprCompiler:
    """IR expressions to Python source text, in Python's order of evaluation; constants that
    have no literal go to a table. With `reads`, repeated reads of a fact or decision go through
    locals (see Reads); without, every read looks its value up."""

    def __init__(self, fact_source=None, decision_source=None):
        self.constants: list[object] = []
        self.fact_source = fact_source  # the source reading a fact by name, where facts are not in F
        self.decision_source = decision_source  # the source reading a decision by name, or None: from D

    def const(self, value: object) -> str:
        if isinstance(value, Fraction) and value.denominator == 1:
            value = value.numerator  # whole numbers compute faster as ints, and equal their Fraction
        if isinstance(value, (bool, int, str)) or value is None:
            return repr(value)
        self.constants.append(value)
        return f"K[{len(self.constants) - 1}]"

    def __call__(self, e: ir.Expr, reads: Reads | None = None) -> str:
        return self._source(e, reads)


    def _source(self, e: ir.Expr, reads: Reads | None) -> str:
        c = self._source
        if isinstance(e, ir.Const):
            return self.const(e.value)
        if isinstance(e, (ir.FactRef, ir.DecisionRef)):
            if self.fact_source is not None and isinstance(e, ir.FactRef):
                return self.fact_source(e.name)
            source = self.decision_source(e.name) if self.decision_source and isinstance(e, ir.DecisionRef) else None
            if reads is None:
                return source or _lookup(e)
            return reads.read(e, source)
        if isinstance(e, ir.Unwrap):
            return c(e.operand, reads)
        if isinstance(e, ir.IsPresent):
            return f"({c(e.operand, reads)} is not None)"
        if isinstance(e, ir.Not):
            return f"(not {c(e.operand, reads)})"
        if isinstance(e, ir.BoolOp):
            first = c(e.operands[0], reads)
            later = reads and reads.branch()
            return "(" + f" {Connective(e.op).value} ".join([first, *(c(o, later) for o in e.operands[1:])]) + ")"
        if isinstance(e, ir.Ite):
            cond = c(e.cond, reads)
            return f"({c(e.then, reads and reads.branch())} if {cond} else {c(e.otherwise, reads and reads.branch())})"
        if isinstance(e, ir.Compare):
            left = c(e.left, reads)
            return f"({left} {CompareOp(e.op).symbol} {c(e.right, reads)})"
        if isinstance(e, ir.InSet):
            element = c(e.element, reads)
            return f"({element} in {c(e.set, reads)})"
        if isinstance(e, ir.SetOf):
            return "frozenset((" + "".join(c(i, reads) + ", " for i in e.items) + "))"
        if isinstance(e, ir.AddWorkingDays):
            return f"CAL.add({c(e.date, reads)}, {e.days})"
        if isinstance(e, ir.AddMonths):
            add = "add" if e.type.kind == "date" else "add_to_minutes"
            return f"MONTHS.{add}({c(e.point, reads)}, {e.months})"
        if isinstance(e, ir.MonthlyPeriod):
            return f"MONTHS.period({c(e.date, reads)}, {e.anchor}, {e.end})"
        if isinstance(e, ir.Item):
            return f"R[{e.index}]"
        if isinstance(e, ir.Aggregate):  # records are tuples of field values; R is the one being read
            # a lambda's reads are its own: nothing read inside it is shared with the function around it
            keep = f"(lambda R: {c(e.keep, None)})" if e.keep is not None else "None"
            value = f"(lambda R: {c(e.value, None)})" if e.value is not None else "None"
            return f"_agg({e.op.value!r}, {c(e.items, reads)}, {keep}, {value})"
        return self._arith(e, reads)

    def _arith(self, e: ir.Arith, reads: Reads | None) -> str:
        op = ArithOp(e.op)
        args = [self._source(o, reads) for o in e.operands]
        if op in INFIX:
            return f"({args[0]} {INFIX[op][0]} {args[1]})"
        if op is ArithOp.FLOORDIV:
            return f"({args[0]} // {args[1]})"
        if op is ArithOp.DIV:
            return f"_div({args[0]}, {args[1]})"
        if op is ArithOp.NEG:
            return f"(-{args[0]})"
        if op in (ArithOp.MIN, ArithOp.MAX, ArithOp.ABS):
            return f"{op.value}({', '.join(args)})"
        if op is ArithOp.CAST:
            return args[0]
        return f"_round({args[0]}, {e.digits})"  # ArithOp.ROUND


def _returning(value: str) -> str:
    return f"return {value}"


def _decision_source(d: ir.Decision, compile_expr: ExprCompiler) -> str:
    """One Python function deciding `d` from facts F and earlier decisions D, in the order
    semantics.outcomes states: conditions, selection, conclusions, agreement, fallback."""
    if len(d.rules) > LARGE:
        return _large_decision_source(d, compile_expr)
    return "\n".join(["def decide(F, D):", *decision_lines(d, compile_expr)])


def decision_lines(d: ir.Decision, compile_expr: ExprCompiler, ret=_returning) -> list[str]:
    """The body of `decide` for a decision of at most LARGE rules, indented by four spaces;
    `ret(value)` is the statement that ends it with `value` (`return value`, or an assignment
    and a `break` where the body is inlined in a loop run once: see checker/fused.py)."""
    lines: list[str] = []
    reads = Reads.of([d.default, *(part for rule in d.rules for part in (rule.condition, rule.value))])
    # every condition is evaluated, in rule order; conclusions only when selected
    for i, rule in enumerate(d.rules):
        lines.append(f"    f{i} = {compile_expr(rule.condition, reads)}")
    policy = HitPolicy(d.hit)
    values = [compile_expr(rule.value, reads.branch()) for rule in d.rules]
    if policy is HitPolicy.FIRST:
        # the first winner in rule order (selection.select), taken by returning at once
        wins = winners(d.rules, [f"f{i}" for i in range(len(d.rules))], SourceAlgebra(lines))
        lines += [f"    if {won}: {ret(value)}" for won, value in zip(wins, values)]
        return lines + _fallback(d, compile_expr, reads, ret)
    chosen = select(d.hit, d.rules, [f"f{i}" for i in range(len(d.rules))], SourceAlgebra(lines)).selected
    if policy.aggregator:
        value = aggregate(policy, chosen, values, SourceAlgebra(lines))
        if policy is HitPolicy.COLLECT_COUNT:
            return [*lines, f"    {ret(value)}"]
        lines.append(f"    if {SourceAlgebra(lines).or_(*chosen)}: {ret(value)}")
        return lines + _fallback(d, compile_expr, reads, ret)
    if policy is HitPolicy.COLLECT:
        lines.append("    acc = set()")
        for rule, sel, value in zip(d.rules, chosen, values):
            lines.append(f"    if {sel}: acc.{'update' if rule.value.type.kind == 'set' else 'add'}({value})")
        lines.append(f"    {ret('frozenset(acc)')}")
        return lines
    if not d.rules:
        return lines + _fallback(d, compile_expr, reads, ret)
    if len(d.rules) == 1:  # one rule cannot disagree with itself
        lines.append(f"    if {chosen[0]}: {ret(values[0])}")
        return lines + _fallback(d, compile_expr, reads, ret)
    # one selected rule (the common case) returns its value; several must agree
    if len(chosen) <= SHORT:  # the first selected rule returns if no later one is selected
        for i, (sel, value) in enumerate(zip(chosen, values)):
            lines.append(f"    {'elif' if i else 'if'} {sel}:")
            lines.append(f"        if not ({' or '.join(chosen[i + 1:])}): {ret(value)}" if i + 1 < len(chosen)
                         else f"        {ret(value)}")
        lines += ["    else:", *("    " + line for line in _fallback(d, compile_expr, reads, ret))]
    else:  # a count of the selected rules, as a tuple: a chain of `+` that long would exhaust the compiler
        lines.append(f"    k = sum(({''.join(s + ', ' for s in chosen)}))")
        lines.append("    if k == 1:")
        lines += [f"        if {sel}: {ret(value)}" for sel, value in zip(chosen, values)]
        lines += ["    if not k:", *("    " + line for line in _fallback(d, compile_expr, reads, ret))]
    lines.append("    won = []")
    lines += [f"    if {sel}: won.append(({rule.name!r}, {value}))" for rule, sel, value in zip(d.rules, chosen, values)]
    lines.append(f"    {ret(f'_agree(won, {policy.exclusive})')}")
    return lines


def _large_decision_source(d: ir.Decision, compile_expr: ExprCompiler) -> str:
    """`decide` for a decision of many rules (a large table), in code whose size is linear in
    the rules and whose functions stay small: chunk functions test the conditions in rule
    order and list the rules that hold; the hit policy (semantics.selection.select) runs on
    those alone — a rule whose condition fails neither wins nor beats another — and only the
    selected rules' conclusions are computed, in rule order."""
    lines = []
    chunks = []
    for start in range(0, len(d.rules), CHUNK):
        chunks.append(f"fired_{start}")
        lines.append(f"def fired_{start}(F, D, out):")
        lines += [f"    if {compile_expr(rule.condition)}: out.append({i})"
                  for i, rule in enumerate(d.rules[start:start + CHUNK], start=start)]
    lines.append("V = []")
    lines += [f"V.append(lambda F, D: {compile_expr(rule.value)})" for rule in d.rules]
    lines += ["def decide(F, D):", "    hits = []"]
    lines += [f"    {chunk}(F, D, hits)" for chunk in chunks]
    lines.append("    chosen = _selected(HIT, RULES, hits)")
    policy = HitPolicy(d.hit)
    if policy is HitPolicy.COLLECT:
        lines += ["    acc = set()", "    for i in chosen:", "        v = V[i](F, D)",
                  "        acc.update(v) if SETS[i] else acc.add(v)", "    return frozenset(acc)"]
        return "\n".join(lines)
    lines += ["    if len(chosen) == 1:", "        return V[chosen[0]](F, D)", "    if chosen:",
              "        return _agree([(RULES[i].name, V[i](F, D)) for i in chosen])"]
    return "\n".join(lines + _fallback(d, compile_expr))


def _selected(hit: str, rules: tuple[ir.Rule, ...], hits: list[int]) -> list[int]:
    """The rules (indexes) the hit policy selects when exactly the rules `hits` fire."""
    chosen = select(hit, [rules[i] for i in hits], [True] * len(hits), CONCRETE).selected
    return [i for i, keep in zip(hits, chosen) if keep]


def _fallback(d: ir.Decision, compile_expr: ExprCompiler, reads: Reads | None = None, ret=_returning) -> list[str]:
    """The lines ending `decide` when no rule is selected: the default, a gap, or no value."""
    if d.default is not None:
        return [f"    {ret(compile_expr(d.default, reads and reads.branch()))}"]
    if d.complete:
        return ["    raise Undetermined(GAP, 'gap: no rule applies to this complete decision')"]
    return [f"    {ret('None')}"]


def _decider(d: ir.Decision, compiler: ExprCompiler, namespace: dict):
    """The function `decide(F, D)` of `d` (see _decision_source), its constants in `compiler`'s table."""
    namespace = dict(namespace, _selected=_selected, HIT=d.hit, RULES=d.rules,
                     SETS=tuple(rule.value.type.kind == "set" for rule in d.rules))
    exec(compile(_decision_source(d, compiler), f"<decision {d.name}>", "exec"), namespace)
    return namespace["decide"]


def constant_value(e: ir.Expr | ir.Decision, namespace: dict) -> object:
    """The value of `e` (an expression or a decision) that reads no fact and no decision,
    computed by the code the evaluator writes for it, run once in `namespace` (a compiled
    pack's); raises what that code raises (Undetermined for a conflict or a gap, ...)."""
    compiler = ExprCompiler()
    namespace = dict(namespace, K=compiler.constants)
    if isinstance(e, ir.Decision):
        return _decider(e, compiler, namespace)({}, {})
    exec(compile(f"def value():\n    return {compiler(e)}", "<constant>", "exec"), namespace)
    return namespace["value"]()


class CompiledPack:
    """A pack compiled once for deciding cases."""

    def __init__(self, pack: ir.Pack):
        self.pack = pack
        self.calendar = Calendar(pack.holidays)
        compiler = ExprCompiler()
        namespace_base = {
            "K": compiler.constants, "CAL": self.calendar, "MONTHS": CONCRETE_MONTHS, "_div": quotient, "_round": round_half_up,
            "_agree": _agree, "Undetermined": Undetermined, "GAP": Cause.GAP, "_agg": over,
        }
        self.deciders = {name: _decider(pack.decisions[name], compiler, namespace_base) for name in pack.decision_order}
        self._expr_fns: dict[int, tuple[ir.Expr, object]] = {}
        self._compiler = compiler
        self._namespace = namespace_base
        self._plans: dict[tuple[str, ...] | None, tuple] = {}
        self._wires: dict[tuple[str, ...] | None, tuple] = {}  # fused.wire_decider's, by names asked
        self._complete: dict[tuple[str, ...], object] = {}  # plans deciding every dependency, by names asked
        self.shapes = 0  # functions specialised to a key set made so far (fused.MAX_PACK_SHAPES at most)

    @cached_property
    def fact_dependencies(self) -> dict[str, frozenset[str]]:
        """For each decision, every fact it reads, directly or through other decisions."""
        return ir.fact_dependencies(self.pack)

    @cached_property
    def wire_writers(self) -> dict[str, object]:
        """`values.writer` of each decision's type, for the decisions whose values are not their
        own wire form (dates, amounts, rates, sets, lists)."""
        writers = {name: writer(d.type) for name, d in self.pack.decisions.items()}
        return {name: write for name, write in writers.items() if write is not None}

    def needed(self, names: list[str] | None) -> list[str]:
        """The decisions to compute for `names` (all if None), dependencies first."""
        return list(self._plan(names)[0])

    def _plan(self, names: list[str] | None) -> tuple[list[str], object, frozenset[str] | None]:
        """The decisions to run for `names` (dependencies first), one compiled function that runs
        them all from IR facts (checker/fused.py), and the names as a set; built once per list
        of names."""
        key = None if names is None else tuple(names)
        plan = self._plans.get(key)
        if plan is None:
            if names is None:
                order = list(self.pack.decision_order)
            else:
                wanted: set[str] = set()
                stack = list(names)
                while stack:
                    name = stack.pop()
                    if name in wanted:
                        continue
                    wanted.add(name)
                    stack.extend(self.pack.reads[name][1])
                order = [n for n in self.pack.decision_order if n in wanted]
            from ruleproof.checker.fused import plan_function  # built on this module's compiler

            wanted = None if names is None else frozenset(names)
            plan = (order, plan_function(self, order, wanted), wanted)
            if len(self._plans) >= 1024:  # callers choosing names freely must not grow it without bound
                self._plans.clear()
                self._wires.clear()
                self._complete.clear()
            self._plans[key] = plan
        return plan

    def decide(self, facts: dict[str, object], names: list[str] | None = None, complete: bool = False) -> Outcome:
        """Decide a case from IR-valued facts (see checker.values.read_facts): the decisions in
        `names` (all if None). Its `computed` holds them and the decisions a rule read on the
        way; with `complete`, every decision they depend on (what a trace or a timeline shows
        and reads) — the values and reasons are the same either way."""
        if not complete or names is None:
            return self._plan(names)[1](facts)
        key = tuple(names)
        run = self._complete.get(key)
        if run is None:
            from ruleproof.checker.fused import plan_function

            order, _, wanted = self._plan(names)
            run = self._complete[key] = plan_function(self, order, wanted, complete=True)
        return run(facts)

    def decide_wire(self, raw: object, names: list[str] | None = None) -> Outcome:
        """`decide(read_facts(pack, raw), names)`, the same values and undetermined reasons or
        the same InvalidFacts, with the facts converted inside the plan's function
        (checker/fused.py): only those the decisions read, into locals; for facts objects
        whose keys come back often, a function specialised to those keys. Its `computed`
        holds the decisions asked for and only those of the others a rule read."""
        wire = self._wires.get(None if names is None else tuple(names))
        if wire is None:
            from ruleproof.checker.fused import wire_decider

            order, _, wanted = self._plan(names)
            wire = self._wires[None if names is None else tuple(names)] = wire_decider(self, order, wanted)
        run, shaped, shape = wire
        if type(raw) is dict:
            keys = tuple(raw)
            run = shaped.get(keys) or shape(keys)
        if run is not None:
            try:
                return run(raw)
            except Unusual:
                pass
        return self.decide(read_facts(self.pack, raw), names)

    def _missing(self, name: str, facts: dict, asked: dict[str, dict], others: dict[str, dict], key: str) -> dict:
        """Why `name` is undetermined when reading `key` found nothing (see fused.missing_reason);
        `asked` and `others` hold the reasons given so far."""
        from ruleproof.checker.fused import missing_reason

        needed = sorted(f for f in self.fact_dependencies[name] if f not in facts)
        upstream = key in self.pack.decisions and key not in facts
        return missing_reason(key, needed, asked.get(key) or others.get(key, {}) if upstream else None)

    def evaluate(self, expr: ir.Expr, facts: dict[str, object], outcome: Outcome):
        """The value of any IR expression (a property, a window bound) on a decided case;
        raises KeyError (a missing fact or undetermined decision) or Undetermined when it reads
        something the case lacks."""
        key = id(expr)
        if key not in self._expr_fns:
            namespace = dict(self._namespace)
            exec(compile(f"def value(F, D):\n    return {self._compiler(expr)}", "<expression>", "exec"), namespace)
            self._expr_fns[key] = (expr, namespace["value"])
        return self._expr_fns[key][1](facts, outcome.computed)

    def completed(self, facts: dict[str, object], outcome: Outcome) -> Outcome:
        """`outcome` (of `facts`) with every decision its decisions depend on computed: itself if
        it was decided so, else decided again with `complete` (same values and reasons)."""
        if outcome.complete:
            return outcome
        names = [n for n in self.pack.decision_order if n in outcome.values or n in outcome.undetermined]
        return self.decide(facts, names, complete=True)

    def explain(self, facts: dict[str, object], outcome: Outcome) -> list[dict]:
        """For every decision decided or undetermined in `outcome`: each rule's status and, for
        rules that did not fire, the first part of their condition that is not true (read
        from the outcome `completed` gives)."""
        return explain_outcome(self, facts, self.completed(facts, outcome))
