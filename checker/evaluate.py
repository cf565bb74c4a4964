"""Back end 1: the concrete evaluator. Compiles a pack's IR once into Python source (one
function per decision), then decides cases in microseconds.

Semantics (the same as checker/encode.py; tests/test_differential.py holds them together):
  * a rule fires when its condition holds (its `unless` exceptions are already in the condition);
  * a rule wins when it fires and no rule that overrides it fires;
  * unique: all winners must agree, else the decision is undetermined (conflict);
    first: the first winner in declaration order; priority: the highest-priority winners, which
    must agree; collect: the union of the winners' values;
  * no winner: the default, else no value (undetermined: "no rule applies"); a `complete`
    decision without a value is a gap;
  * a decision that reads a fact the caller did not send is undetermined, with the facts it
    depends on; so is one that reads an undetermined decision.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from fractions import Fraction
from functools import cached_property

from ruleproof.checker import ir
from ruleproof.checker.source import Span

NO_VALUE = "no rule applies"


class Undetermined(Exception):
    """Raised inside a decision's code when it cannot be decided; `reason` says why."""

    def __init__(self, reason: str, rules: tuple[str, ...] = ()):
        super().__init__(reason)
        self.reason = reason
        self.rules = rules


@dataclass
class Outcome:
    """The decisions of one case: values (IR representation) and the undetermined ones."""

    values: dict[str, object] = field(default_factory=dict)
    undetermined: dict[str, dict] = field(default_factory=dict)


class Calendar:
    """Working days: Monday to Friday, minus the pack's holidays (proleptic ordinals)."""

    def __init__(self, holidays: frozenset[int]):
        self.holidays = holidays

    def is_working(self, day: int) -> bool:
        return (day - 1) % 7 < 5 and day not in self.holidays

    def add(self, day: int, count: int) -> int:
        """The `count`-th working day after `day` (counting starts on the next day)."""
        for _ in range(count):
            day += 1
            while not self.is_working(day):
                day += 1
        return day


def _round_half_up(value, digits: int) -> Fraction:
    scale = Fraction(10) ** digits
    return Fraction(int((Fraction(value) * scale + Fraction(1, 2)) // 1)) / scale


def _div(a, b) -> Fraction:
    if b == 0:
        raise Undetermined("division by zero")
    if type(a) is int and type(b) is int:
        return Fraction(a, b)
    return a / b  # a Fraction on either side keeps the quotient exact


def _unique(winners: list[tuple[str, object]]):
    values = {v for _, v in winners}
    if len(values) > 1:
        raise Undetermined("conflict: " + ", ".join(r for r, _ in winners) + " decide differently",
                           tuple(r for r, _ in winners))
    return winners[0][1]


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
            return "(" + f" {e.op} ".join(c(o) for o in e.operands) + ")"
        if isinstance(e, ir.Ite):
            return f"({c(e.then)} if {c(e.cond)} else {c(e.otherwise)})"
        if isinstance(e, ir.Compare):
            return f"({c(e.left)} {e.op} {c(e.right)})"
        if isinstance(e, ir.InSet):
            return f"({c(e.element)} in {c(e.set)})"
        if isinstance(e, ir.SetOf):
            return "frozenset((" + "".join(c(i) + ", " for i in e.items) + "))"
        if isinstance(e, ir.AddWorkingDays):
            return f"CAL.add({c(e.date)}, {e.days})"
        return self.arith(e)

    def arith(self, e: ir.Arith) -> str:
        args = [self(o) for o in e.operands]
        infix = {"add": "+", "sub": "-", "mul": "*", "floordiv": "//"}
        if e.op in infix:
            return f"({args[0]} {infix[e.op]} {args[1]})"
        if e.op == "div":
            return f"_div({args[0]}, {args[1]})"
        if e.op == "neg":
            return f"(-{args[0]})"
        if e.op in ("min", "max", "abs"):
            return f"{e.op}({', '.join(args)})"
        if e.op == "cast":
            return args[0]
        if e.op == "round":
            return f"_round({args[0]}, {e.digits})"
        raise ValueError(f"unknown arithmetic operator {e.op}")


def conjuncts(e: ir.Expr) -> list[ir.Expr]:
    """The top-level conjuncts of a condition, in order."""
    if isinstance(e, ir.BoolOp) and e.op == "and":
        return [part for o in e.operands for part in conjuncts(o)]
    return [e]


def _decision_source(d: ir.Decision, compile_expr: ExprCompiler) -> str:
    """One Python function deciding `d` from facts F and earlier decisions D."""
    lines = ["def decide(F, D):"]
    for i, rule in enumerate(d.rules):
        lines.append(f"    f{i} = {compile_expr(rule.condition)}")
    index = {r.name: i for i, r in enumerate(d.rules)}
    wins = []  # the test that rule i wins: its condition, unless a rule overrides it
    for i, rule in enumerate(d.rules):
        beaten = [f"f{index[o]}" for o in d.overriders(rule.name)]
        if beaten:
            lines.append(f"    w{i} = f{i}" + "".join(f" and not {b}" for b in beaten))
        wins.append(f"w{i}" if beaten else f"f{i}")
    order = list(range(len(d.rules)))
    if d.hit == "first":
        for i in order:
            lines.append(f"    if {wins[i]}: return {compile_expr(d.rules[i].value)}")
    elif d.hit == "collect":
        lines.append("    acc = set()")
        for i in order:
            rule = d.rules[i]
            add = "update" if rule.value.type.kind == "set" else "add"
            lines.append(f"    if {wins[i]}: acc.{add}({compile_expr(rule.value)})")
        lines.append("    return frozenset(acc)")
    else:
        if d.hit == "priority":
            order.sort(key=lambda i: -(d.rules[i].priority or 0))
        if d.hit == "unique" and len(order) == 1:
            # one rule cannot conflict with itself
            lines.append(f"    if {wins[0]}: return {compile_expr(d.rules[0].value)}")
        elif d.hit == "unique" and order:
            # one winner (the common case) returns at once; two or more go to _unique
            for i in order:
                others = " or ".join(wins[j] for j in order[i + 1:])
                test = f"    {'if' if i == 0 else 'elif'} {wins[i]}:"
                value = compile_expr(d.rules[i].value)
                lines += [test, f"        if not ({others}): return {value}"] if others else [test, f"        return {value}"]
            lines.append("    else:")
            lines += ["    " + line for line in _no_winner(d, compile_expr)]
            lines.append("    won = []")
            for i in order:
                rule = d.rules[i]
                lines.append(f"    if {wins[i]}: won.append(({rule.name!r}, {compile_expr(rule.value)}))")
            lines.append("    return _unique(won)")
            return "\n".join(lines)
        else:
            lines.append("    won = []")
            for i in order:
                rule = d.rules[i]
                lines.append(f"    if {wins[i]}: won.append(({rule.name!r}, {compile_expr(rule.value)}, {rule.priority or 0}))")
            lines.append("    if won:")
            lines.append("        top = won[0][2]; won = [w for w in won if w[2] == top]")
            lines.append("        return _unique([(r, v) for r, v, _ in won])")
    if d.hit != "collect":
        lines += _no_winner(d, compile_expr)
    return "\n".join(lines)


def _no_winner(d: ir.Decision, compile_expr: ExprCompiler) -> list[str]:
    """The lines ending `decide` when no rule wins: the default, a gap, or no value."""
    if d.default is not None:
        return [f"    return {compile_expr(d.default)}"]
    if d.complete:
        return ["    raise Undetermined('gap: no rule applies to this complete decision')"]
    return ["    return None"]


class CompiledPack:
    """A pack compiled once for deciding cases."""

    def __init__(self, pack: ir.Pack):
        self.pack = pack
        self.calendar = Calendar(pack.holidays)
        compiler = ExprCompiler()
        namespace_base = {
            "K": compiler.constants, "CAL": self.calendar, "_div": _div, "_round": _round_half_up,
            "_unique": _unique, "Undetermined": Undetermined, "Fraction": Fraction,
        }
        self.deciders = {}
        for name in pack.decision_order:
            source = _decision_source(pack.decisions[name], compiler)
            namespace = dict(namespace_base)
            exec(compile(source, f"<decision {name}>", "exec"), namespace)
            self.deciders[name] = namespace["decide"]
        self._conjunct_fns: dict[tuple[str, int], list] = {}
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
        them all, and the names as a set; built once per list of names (walking the IR for them
        cost more than deciding)."""
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
        namespace = {"Undetermined": Undetermined, "NO_VALUE": NO_VALUE, "_missing": self._missing}
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
                f"        U[{n}] = _missing({n}, F, U, str(e.args[0]))",
                "    except Undetermined as e:",
                f"        U[{n}] = {{'reason': e.reason, 'depends_on': [], 'rules': list(e.rules)}}",
                "    except (ZeroDivisionError, OverflowError, ValueError) as e:",
                f"        U[{n}] = {{'reason': 'cannot compute: ' + str(e), 'depends_on': []}}",
                "    else:",
                "        if v is None:",
                *absent,
                f"            U[{n}] = {{'reason': NO_VALUE, 'depends_on': A}}",
                f"        D[{n}] = v",
            ]
        lines.append("    return D, U")
        exec(compile("\n".join(lines), f"<decisions {len(order)}>", "exec"), namespace)
        return namespace["run"]

    def decide(self, facts: dict[str, object], names: list[str] | None = None) -> Outcome:
        """Decide a case from IR-valued facts (see checker.values.read_facts)."""
        _, run, wanted = self._plan(names)
        values, undetermined = run(facts)
        if wanted is not None and len(wanted) == 1:  # one question, the common call: no loops
            (name,) = wanted
            value = values.get(name)
            return Outcome({} if value is None else {name: value},
                           {name: undetermined[name]} if name in undetermined else {})
        if wanted is not None:
            return Outcome({n: v for n, v in values.items() if v is not None and n in wanted},
                           {n: u for n, u in undetermined.items() if n in wanted} if undetermined else undetermined)
        return Outcome({n: v for n, v in values.items() if v is not None}, undetermined)

    def _missing(self, name: str, facts: dict, undetermined: dict[str, dict], key: str) -> dict:
        needed = sorted(f for f in self.fact_dependencies[name] if f not in facts)
        if key in self.pack.decisions:
            upstream = undetermined.get(key, {})
            return {"reason": f"`{key}` is undetermined", "depends_on": needed or upstream.get("depends_on", [])}
        return {"reason": "missing facts", "depends_on": needed}


    def evaluate(self, expr: ir.Expr, facts: dict[str, object], outcome: Outcome):
        """The value of any IR expression (a property, a window bound) on a decided case;
        raises KeyError or Undetermined when it reads something the case lacks."""
        key = id(expr)
        if key not in self._expr_fns:
            namespace = dict(self._namespace)
            exec(compile(f"def value(F, D):\n    return {self._compiler(expr)}", "<expression>", "exec"), namespace)
            self._expr_fns[key] = (expr, namespace["value"])
        values = dict(outcome.values)
        values.update({n: None for n, u in outcome.undetermined.items() if u["reason"] == NO_VALUE})
        return self._expr_fns[key][1](facts, values)

    # ------------------------------------------------------------ explanations
    def explain(self, facts: dict[str, object], outcome: Outcome) -> list[dict]:
        """For every decided or undetermined decision: each rule's status and, for rules that did
        not fire, the first part of their condition that failed."""
        trace = []
        values = dict(outcome.values)
        values.update({n: None for n, u in outcome.undetermined.items() if u["reason"] == NO_VALUE})
        for name in self.pack.decision_order:
            if name not in outcome.values and name not in outcome.undetermined:
                continue
            d = self.pack.decisions[name]
            fired = {r.name: self._rule_status(r, facts, values) for r in d.rules}
            entries = []
            for r in d.rules:
                status = fired[r.name]
                entry = {"rule": r.name, "cite": r.cite, "at": _where(r.span)}
                if status is True:
                    beaters = [o for o in d.overriders(r.name) if fired.get(o) is True]
                    entry["status"] = "overridden" if beaters else "fired"
                    if beaters:
                        entry["overridden_by"] = beaters
                    elif name in outcome.undetermined:
                        entry.update(self._value_needs(r, facts, outcome))
                else:
                    entry["status"] = "not fired"
                    entry["why_not"] = status
                entries.append(entry)
            trace.append({"decision": name, "rules": entries,
                          "used_default": name in values and not any(e["status"] == "fired" for e in entries)
                          and d.default is not None})
        return trace

    def _value_needs(self, rule: ir.Rule, facts, outcome: Outcome) -> dict:
        """Why a rule that fired still left its decision undetermined: what its conclusion reads
        that the case lacks."""
        try:
            self.evaluate(rule.value, facts, outcome)
        except KeyError as missing:
            return {"value_needs": str(missing.args[0])}
        except Undetermined as err:
            return {"value_error": err.reason}
        return {}

    def _rule_status(self, rule: ir.Rule, facts, values) -> bool | dict:
        key = (rule.decision, rule.order)
        if key not in self._conjunct_fns:
            fns = []
            for part in conjuncts(rule.condition):
                namespace = dict(self._namespace)
                exec(compile(f"def test(F, D):\n    return {self._compiler(part)}", "<conjunct>", "exec"), namespace)
                fns.append((part, namespace["test"]))
            self._conjunct_fns[key] = fns
        for part, test in self._conjunct_fns[key]:
            try:
                ok = test(facts, values)
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
