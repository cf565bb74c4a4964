"""Back end 1: the concrete evaluator. Compiles a pack's IR once into Python source (one
function per decision), then decides cases in microseconds.

The meaning comes from checker/semantics/: the order in which a decision is decided and the
causes of undetermined outcomes (`semantics.outcomes`), the rules a hit policy selects
(`semantics.selection`, built here as Python source), operators, exact numbers and working
days. tests/test_differential.py compares every decision, with its cause, against the Z3
encoding built from the same definitions.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from functools import cached_property

from ruleproof.checker import ir
from ruleproof.checker.explain import CONCRETE, explain_outcome
from ruleproof.checker.semantics.aggregates import over
from ruleproof.checker.semantics.calendar import Calendar
from ruleproof.checker.semantics.numbers import quotient, round_half_up
from ruleproof.checker.semantics.operators import INFIX, ArithOp, CompareOp, Connective
from ruleproof.checker.semantics.outcomes import NO_RULE_APPLIES, Cause, Undetermined
from ruleproof.checker.semantics.selection import HitPolicy, aggregate, select, winners

NO_VALUE = NO_RULE_APPLIES
LARGE = 256  # a decision of more rules is compiled in chunks (see _large_decision_source)
CHUNK = 128  # conditions per chunk function


@dataclass
class Outcome:
    """The decisions of one case: values (IR representation) and the undetermined ones (with
    `reason`, `cause`, `depends_on` and, for conflicts, `rules`) among those asked; `computed`
    holds every decision the plan ran (the asked ones and what they read), None for no value."""

    values: dict[str, object] = field(default_factory=dict)
    undetermined: dict[str, dict] = field(default_factory=dict)
    computed: dict[str, object] = field(default_factory=dict, repr=False)


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


class ExprCompiler:
    """IR expressions to Python source text; constants that have no literal go to a table."""

    def __init__(self):
        self.constants: list[object] = []

    def const(self, value: object) -> str:
        if isinstance(value, (bool, int, str)) or value is None:
            return repr(value)
        self.constants.append(value)
        return f"K[{len(self.constants) - 1}]"

    def __call__(self, e: ir.Expr) -> str:
        c = self
        if isinstance(e, ir.Const):
            return c.const(e.value)
        if isinstance(e, ir.FactRef):
            return f"F[{e.name!r}]"
        if isinstance(e, ir.DecisionRef):
            return f"D[{e.name!r}]"
        if isinstance(e, ir.Unwrap):
            return c(e.operand)
        if isinstance(e, ir.IsPresent):
            return f"({c(e.operand)} is not None)"
        if isinstance(e, ir.Not):
            return f"(not {c(e.operand)})"
        if isinstance(e, ir.BoolOp):
            return "(" + f" {Connective(e.op).value} ".join(c(o) for o in e.operands) + ")"
        if isinstance(e, ir.Ite):
            return f"({c(e.then)} if {c(e.cond)} else {c(e.otherwise)})"
        if isinstance(e, ir.Compare):
            return f"({c(e.left)} {CompareOp(e.op).symbol} {c(e.right)})"
        if isinstance(e, ir.InSet):
            return f"({c(e.element)} in {c(e.set)})"
        if isinstance(e, ir.SetOf):
            return "frozenset((" + "".join(c(i) + ", " for i in e.items) + "))"
        if isinstance(e, ir.AddWorkingDays):
            return f"CAL.add({c(e.date)}, {e.days})"
        if isinstance(e, ir.Item):
            return f"R[{e.index}]"
        if isinstance(e, ir.Aggregate):  # records are tuples of field values; R is the one being read
            keep = f"(lambda R: {c(e.keep)})" if e.keep is not None else "None"
            value = f"(lambda R: {c(e.value)})" if e.value is not None else "None"
            return f"_agg({e.op.value!r}, {c(e.items)}, {keep}, {value})"
        return self.arith(e)

    def arith(self, e: ir.Arith) -> str:
        op = ArithOp(e.op)
        args = [self(o) for o in e.operands]
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


def _decision_source(d: ir.Decision, compile_expr: ExprCompiler) -> str:
    """One Python function deciding `d` from facts F and earlier decisions D, in the order
    semantics.outcomes states: conditions, selection, conclusions, agreement, fallback."""
    if len(d.rules) > LARGE:
        return _large_decision_source(d, compile_expr)
    lines = ["def decide(F, D):"]
    for i, rule in enumerate(d.rules):
        lines.append(f"    f{i} = {compile_expr(rule.condition)}")
    policy = HitPolicy(d.hit)
    values = [compile_expr(rule.value) for rule in d.rules]
    if policy is HitPolicy.FIRST:
        # the first winner in rule order (selection.select), taken by returning at once
        wins = winners(d.rules, [f"f{i}" for i in range(len(d.rules))], SourceAlgebra(lines))
        lines += [f"    if {won}: return {value}" for won, value in zip(wins, values)]
        return "\n".join(lines + _fallback(d, compile_expr))
    chosen = select(d.hit, d.rules, [f"f{i}" for i in range(len(d.rules))], SourceAlgebra(lines)).selected
    if policy.aggregator:
        value = aggregate(policy, chosen, values, SourceAlgebra(lines))
        if policy is HitPolicy.COLLECT_COUNT:
            return "\n".join([*lines, f"    return {value}"])
        lines.append(f"    if {SourceAlgebra(lines).or_(*chosen)}: return {value}")
        return "\n".join(lines + _fallback(d, compile_expr))
    if policy is HitPolicy.COLLECT:
        lines.append("    acc = set()")
        for rule, sel, value in zip(d.rules, chosen, values):
            lines.append(f"    if {sel}: acc.{'update' if rule.value.type.kind == 'set' else 'add'}({value})")
        lines.append("    return frozenset(acc)")
        return "\n".join(lines)
    if not d.rules:
        return "\n".join(lines + _fallback(d, compile_expr))
    if len(d.rules) == 1:  # one rule cannot disagree with itself
        lines.append(f"    if {chosen[0]}: return {values[0]}")
        return "\n".join(lines + _fallback(d, compile_expr))
    # one selected rule (the common case) returns its value; several must agree. A long sum
    # is a tuple: a chain of `+` that long would exhaust the compiler's recursion.
    count = " + ".join(chosen) if len(chosen) <= 16 else f"sum(({''.join(s + ', ' for s in chosen)}))"
    lines.append(f"    k = {count}")
    lines.append("    if k == 1:")
    lines += [f"        if {sel}: return {value}" for sel, value in zip(chosen, values)]
    lines.append("    if k:")
    lines.append("        won = []")
    lines += [f"        if {sel}: won.append(({rule.name!r}, {value}))" for rule, sel, value in zip(d.rules, chosen, values)]
    lines.append(f"        return _agree(won, {policy.exclusive})")
    return "\n".join(lines + _fallback(d, compile_expr))


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


def _fallback(d: ir.Decision, compile_expr: ExprCompiler) -> list[str]:
    """The lines ending `decide` when no rule is selected: the default, a gap, or no value."""
    if d.default is not None:
        return [f"    return {compile_expr(d.default)}"]
    if d.complete:
        return ["    raise Undetermined(GAP, 'gap: no rule applies to this complete decision')"]
    return ["    return None"]


class CompiledPack:
    """A pack compiled once for deciding cases."""

    def __init__(self, pack: ir.Pack):
        self.pack = pack
        self.calendar = Calendar(pack.holidays)
        compiler = ExprCompiler()
        namespace_base = {
            "K": compiler.constants, "CAL": self.calendar, "_div": quotient, "_round": round_half_up,
            "_agree": _agree, "Undetermined": Undetermined, "GAP": Cause.GAP, "_agg": over,
        }
        self.deciders = {}
        for name in pack.decision_order:
            decision = pack.decisions[name]
            source = _decision_source(decision, compiler)
            namespace = dict(namespace_base, _selected=_selected, HIT=decision.hit, RULES=decision.rules,
                             SETS=tuple(rule.value.type.kind == "set" for rule in decision.rules))
            exec(compile(source, f"<decision {name}>", "exec"), namespace)
            self.deciders[name] = namespace["decide"]
        self._expr_fns: dict[int, tuple[ir.Expr, object]] = {}
        self._compiler = compiler
        self._namespace = namespace_base
        self._plans: dict[tuple[str, ...] | None, tuple] = {}

    @cached_property
    def fact_dependencies(self) -> dict[str, frozenset[str]]:
        """For each decision, every fact it reads, directly or through other decisions."""
        return ir.fact_dependencies(self.pack)

    def needed(self, names: list[str] | None) -> list[str]:
        """The decisions to compute for `names` (all if None), dependencies first."""
        return list(self._plan(names)[0])

    def _plan(self, names: list[str] | None) -> tuple[list[str], object, frozenset[str] | None]:
        """The decisions to run for `names` (dependencies first), one compiled function that runs
        them all, and the names as a set; built once per list of names."""
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
                    stack.extend(ir.decision_reads(self.pack.decisions[name])[1])
                order = [n for n in self.pack.decision_order if n in wanted]
            plan = (order, self._runner(order), None if names is None else frozenset(names))
            if len(self._plans) >= 1024:  # callers choosing names freely must not grow it without bound
                self._plans.clear()
            self._plans[key] = plan
        return plan

    def _runner(self, order: list[str]):
        """One function deciding `order` in turn: `run(F) -> (values, undetermined)`, values
        holding None for "no rule applies". Straight-line code: one try per decision, no loop."""
        namespace = {"Undetermined": Undetermined, "NO_VALUE": NO_VALUE, "_missing": self._missing,
                     "NO_VALUE_CAUSE": Cause.NO_VALUE}
        lines = ["def run(F):", "    D = {}", "    U = {}"]
        for i, name in enumerate(order):
            namespace[f"d{i}"] = self.deciders[name]
            deps = sorted(self.fact_dependencies[name])
            namespace[f"s{i}"] = tuple(deps)
            if len(deps) <= 8:  # the absent facts it reads, in order: a test per fact, no loop
                absent = ["            A = []"] + [f"            if F.get({f!r}, 0) is None: A.append({f!r})" for f in deps]
            else:
                absent = [f"            A = [f for f in s{i} if F.get(f, 0) is None]"]
            n = repr(name)
            lines += [
                "    try:",
                f"        v = d{i}(F, D)",
                "    except KeyError as e:",
                f"        U[{n}] = _missing({n}, F, U, e.args[0])",
                "    except Undetermined as e:",
                f"        U[{n}] = {{'reason': e.reason, 'cause': e.cause, 'depends_on': [], 'rules': list(e.rules)}}",
                "    else:",
                "        if v is None:",
                *absent,
                f"            U[{n}] = {{'reason': NO_VALUE, 'cause': NO_VALUE_CAUSE, 'depends_on': A}}",
                f"        D[{n}] = v",
            ]
        lines.append("    return D, U")
        exec(compile("\n".join(lines), f"<decisions {len(order)}>", "exec"), namespace)
        return namespace["run"]

    def decide(self, facts: dict[str, object], names: list[str] | None = None) -> Outcome:
        """Decide a case from IR-valued facts (see checker.values.read_facts): the decisions in
        `names` (all if None), computed with everything they read."""
        _, run, wanted = self._plan(names)
        values, undetermined = run(facts)
        if wanted is not None and len(wanted) == 1:  # one question, the common call: no loops
            (name,) = wanted
            value = values.get(name)
            return Outcome({} if value is None else {name: value},
                           {name: undetermined[name]} if name in undetermined else {}, values)
        if wanted is not None:
            return Outcome({n: v for n, v in values.items() if v is not None and n in wanted},
                           {n: u for n, u in undetermined.items() if n in wanted} if undetermined else undetermined,
                           values)
        return Outcome({n: v for n, v in values.items() if v is not None}, undetermined, values)

    def _missing(self, name: str, facts: dict, undetermined: dict[str, dict], key: str) -> dict:
        needed = sorted(f for f in self.fact_dependencies[name] if f not in facts)
        if key in self.pack.decisions and key not in facts:
            upstream = undetermined.get(key, {})
            return {"reason": f"`{key}` is undetermined", "cause": upstream.get("cause", Cause.MISSING_FACT),
                    "depends_on": needed or upstream.get("depends_on", [])}
        return {"reason": "missing facts", "cause": Cause.MISSING_FACT, "depends_on": needed}

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

    def explain(self, facts: dict[str, object], outcome: Outcome) -> list[dict]:
        """For every decision decided or undetermined in `outcome`: each rule's status and, for
        rules that did not fire, the first part of their condition that is not true."""
        return explain_outcome(self, facts, outcome)

