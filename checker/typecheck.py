"""Stage 3: types and units. Elaborates every AST expression into a typed IR expression,
checking types, duration units, currencies and optional facts (presence tests narrow them)."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from fractions import Fraction

from ruleproof.checker import ast, ir
from ruleproof.checker import types as T
from ruleproof.checker.diagnostics import Diagnostic, Label, diagnostic, did_you_mean
from ruleproof.checker.resolve import Resolution, Symbol
from ruleproof.checker.source import Span
from ruleproof.checker.types import Type

ERROR = Type("error")
HIT_POLICIES = ("unique", "first", "priority", "collect")


def date_value(day: dt.date) -> int:
    return day.toordinal()


def datetime_value(moment: dt.datetime) -> int:
    return moment.date().toordinal() * 1440 + moment.hour * 60 + moment.minute


@dataclass
class TypedPack:
    """Everything the type checker elaborated, for the lowering stage to assemble."""

    resolution: Resolution
    facts: dict[str, ir.Fact] = field(default_factory=dict)
    decision_types: dict[str, Type] = field(default_factory=dict)
    defaults: dict[str, ir.Expr] = field(default_factory=dict)
    bodies: dict[str, tuple[ir.Expr, ir.Expr]] = field(default_factory=dict)
    rules: list[tuple[ast.RuleDecl, ir.Expr, list[tuple[str, ir.Expr]]]] = field(default_factory=list)
    tables: list[tuple[ast.TableDecl, list[tuple[ast.TableRow, ir.Expr, ir.Expr]]]] = field(default_factory=list)
    obligations: list[tuple[ast.ObligationDecl, ir.Expr, ir.Expr, ir.Expr]] = field(default_factory=list)
    windows: dict[str, ir.Window] = field(default_factory=dict)
    assumptions: list[ir.Assumption] = field(default_factory=list)
    properties: list[ir.Property] = field(default_factory=list)
    examples: list[ir.Example] = field(default_factory=list)
    holidays: set[int] = field(default_factory=set)


def _positive(expr: ast.Expr, lets: dict[str, ast.Expr], seen: frozenset[str] = frozenset()) -> frozenset[str]:
    """Names certainly present when `expr` is true; a `let` condition narrows like its formula."""
    if isinstance(expr, ast.Test) and expr.op == "present" and isinstance(expr.operand, ast.Name):
        return frozenset({expr.operand.name})
    if isinstance(expr, ast.Binary) and expr.op == "and":
        return _positive(expr.left, lets, seen) | _positive(expr.right, lets, seen)
    if isinstance(expr, ast.Binary) and expr.op == "or":
        return _positive(expr.left, lets, seen) & _positive(expr.right, lets, seen)
    if isinstance(expr, ast.Unary) and expr.op == "not":
        return _negative(expr.operand, lets, seen)
    if isinstance(expr, ast.Name) and expr.name in lets and expr.name not in seen:
        return _positive(lets[expr.name], lets, seen | {expr.name})
    return frozenset()


def _negative(expr: ast.Expr, lets: dict[str, ast.Expr], seen: frozenset[str] = frozenset()) -> frozenset[str]:
    """Names certainly present when `expr` is false."""
    if isinstance(expr, ast.Test) and expr.op == "absent" and isinstance(expr.operand, ast.Name):
        return frozenset({expr.operand.name})
    if isinstance(expr, ast.Binary) and expr.op == "or":
        return _negative(expr.left, lets, seen) | _negative(expr.right, lets, seen)
    if isinstance(expr, ast.Binary) and expr.op == "and":
        return _negative(expr.left, lets, seen) & _negative(expr.right, lets, seen)
    if isinstance(expr, ast.Unary) and expr.op == "not":
        return _positive(expr.operand, lets, seen)
    if isinstance(expr, ast.Name) and expr.name in lets and expr.name not in seen:
        return _negative(lets[expr.name], lets, seen | {expr.name})
    return frozenset()


def fits(value: Type, target: Type) -> bool:
    """Whether a value of type `value` may stand where `target` is declared (numbers widen)."""
    if value == ERROR or target == ERROR or value == target:
        return True
    if value.kind == "int" and target.kind in ("decimal", "rate"):
        return True
    if {value.kind, target.kind} == {"decimal", "rate"}:
        return True
    return value.kind == target.kind == "set" and value.element is None


def typecheck(res: Resolution) -> tuple[TypedPack, list[Diagnostic]]:
    """Elaborate every declaration of a resolved pack; all type and unit errors as diagnostics."""
    checker = Checker(res)
    checker.used_facts = set()
    by_kind: dict[str, list[Symbol]] = {}
    for symbol in res.symbols.values():
        by_kind.setdefault(symbol.kind, []).append(symbol)
    for symbol in by_kind.get("fact", []):
        checker.declare_fact(symbol.decl)
    for symbol in by_kind.get("fact", []):
        checker.fact_default(symbol.decl)
    for module in (res.modules[m] for m in res.module_order):
        for decl in module.decls:
            handler = getattr(checker, "decl_" + type(decl).__name__, None)
            if handler is not None:
                handler(decl)
    checker.check_decisions_concluded()
    checker.check_unused_facts()
    return checker.out, checker.diags


class _Declarations:
    """Per-declaration checks, mixed into Checker."""

    def declare_fact(self, decl: ast.FactDecl) -> None:
        typ = self.type_of(decl.name.name, decl.type)
        base = decl.type.base
        low, high = (base.low, base.high) if isinstance(base, ast.IntType) else (None, None)
        self.out.facts[decl.name.name] = ir.Fact(decl.name.name, typ, None, False, low, high, decl.cite, span=decl.span)

    def fact_default(self, decl: ast.FactDecl) -> None:
        if decl.default is None:
            return
        fact = self.out.facts[decl.name.name]
        value = self.constant(decl.default, fact.type.required(), "a fact's default")
        if value is not None:
            self.out.facts[decl.name.name] = ir.Fact(
                fact.name, fact.type, value, True, fact.low, fact.high, fact.cite, span=fact.span
            )

    def constant(self, e: ast.Expr, target: Type, what: str):
        """The value of a constant expression of type `target`, or None after reporting why not."""
        value = self.expr(e, frozenset(), target)
        if value.type == ERROR:
            return None
        if not fits(value.type, target):
            self.error("E201", f"{what} must be {target}, not {value.type}", e.span, f"this is {value.type}")
            return None
        if not isinstance(value, ir.Const):
            self.error("E213", f"{what} must be a constant", e.span, "not a constant")
            return None
        return value.value

    def decl_DecisionDecl(self, decl: ast.DecisionDecl) -> None:
        name = decl.name.name
        declared = self.type_of(name, decl.type).required()
        self.out.decision_types[name] = declared
        hit = decl.hit.name if decl.hit else "unique"
        if hit not in HIT_POLICIES:
            self.error("E008", f"unknown hit policy `{hit}`", decl.hit.span, "not a hit policy",
                       help=did_you_mean(hit, list(HIT_POLICIES)) or "hit policies: " + ", ".join(HIT_POLICIES))
        if hit == "collect" and declared.kind != "set":
            self.error("E305", f"`collect` decision `{name}` must have a set type, not {declared}", decl.type.span,
                       "not a set", help="declare it as `set of ENUM`")
        if decl.default is not None:
            value = self.expr(decl.default, frozenset(), declared)
            if not fits(value.type, declared):
                self.error("E201", f"default of `{name}` must be {declared}, not {value.type}", decl.default.span,
                           f"this is {value.type}")
            self.out.defaults[name] = value
        if decl.body is not None:
            env = _positive(decl.when, self.lets) if decl.when is not None else frozenset()
            when = self.condition(decl.when, frozenset()) if decl.when is not None else ir.TRUE
            value = self.expr(decl.body, env, declared)
            if not fits(value.type, declared):
                self.error("E201", f"`{name}` is declared {declared} but computes {value.type}", decl.body.span,
                           f"this is {value.type}")
            self.out.bodies[name] = (when, value)

    def decl_RuleDecl(self, decl: ast.RuleDecl) -> None:
        condition = self.condition(decl.condition, frozenset(), "a rule's condition")
        env = _positive(decl.condition, self.lets)
        conclusions = []
        for conclusion in decl.conclusions:
            target = conclusion.target.name
            symbol = self.symbol(target)
            if symbol is None or symbol.kind != "decision" or not isinstance(symbol.decl, ast.DecisionDecl):
                continue
            declared = self.type_of(target, symbol.decl.type).required()
            value = self.expr(conclusion.value, env, declared)
            self.check_conclusion(symbol.decl, declared, value, conclusion.value.span)
            if symbol.decl.body is not None:
                self.error("E302", f"`{target}` has a formula and is also concluded by rule `{decl.name.name}`",
                           conclusion.span, "second way to decide", secondary=(Label(symbol.decl.body.span, "formula here"),),
                           help="keep either the formula or the rules")
            if symbol.decl.hit and symbol.decl.hit.name == "priority" and decl.priority is None:
                self.error("E304", f"rule `{decl.name.name}` needs a priority: `{target}` uses hit policy `priority`",
                           decl.name.span, "no priority", help=f"write `rule {decl.name.name} priority N:`")
            conclusions.append((target, value))
        if decl.cite is None:
            self.diags.append(diagnostic("W404", f"rule `{decl.name.name}` cites no article", decl.name.span,
                                         "no citation", help='add `cite "Art. N"` after the rule name'))
        self.check_relations(decl)
        self.out.rules.append((decl, condition, conclusions))

    def check_conclusion(self, decision: ast.DecisionDecl, declared: Type, value: ir.Expr, span: Span) -> None:
        if decision.hit and decision.hit.name == "collect" and declared.kind == "set":
            if value.type == declared.element or fits(value.type, declared):
                return
        if not fits(value.type, declared):
            self.error("E201", f"`{decision.name.name}` is {declared}, not {value.type}", span, f"this is {value.type}")

    def check_relations(self, decl: ast.RuleDecl) -> None:
        mine = {c.target.name for c in decl.conclusions}
        for relation, idents in (("overrides", decl.overrides), ("unless", decl.unless)):
            for ident in idents:
                other = self.symbol(ident.name)
                if other is None or other.kind != "rule":
                    continue
                if ident.name == decl.name.name:
                    self.error("E108", f"rule `{ident.name}` names itself in `{relation}`", ident.span, "itself",
                               help=f"remove `{ident.name}` from the `{relation}` list")
                    continue
                if relation == "overrides" and not mine & {c.target.name for c in other.decl.conclusions}:
                    self.error("E303", f"`{decl.name.name}` overrides `{ident.name}` but they decide different things",
                               ident.span, "no shared decision", secondary=(Label(other.span, "overridden rule here"),),
                               help="use `unless` to make a rule an exception to a rule of another decision")
                path = self._path(ident.name, decl.name.name, relation)
                # Report each cycle once, at the edge leaving its alphabetically first rule.
                if path is not None and decl.name.name == min(path):
                    cycle = "`" + " -> ".join([decl.name.name, *path]) + "`"
                    what = "rules override each other in a cycle" if relation == "overrides" else "`unless` exceptions form a cycle"
                    self.error("E108", f"{what}: {cycle}", ident.span, "closes the cycle",
                               help="decide which rule wins and keep one direction" if relation == "overrides"
                               else "a rule cannot be an exception to its own exception; remove one `unless`")

    def _path(self, start: str, goal: str, relation: str) -> list[str] | None:
        """Rule names from `start` to `goal` following `relation` (overrides or unless) edges."""
        parents: dict[str, str | None] = {start: None}
        stack = [start]
        while stack:
            name = stack.pop()
            symbol = self.symbol(name)
            if symbol is None or symbol.kind != "rule":
                continue
            for ident in getattr(symbol.decl, relation):
                if ident.name in parents:
                    continue
                parents[ident.name] = name
                if ident.name == goal:
                    path, node = [], goal
                    while node is not None:
                        path.append(node)
                        node = parents[node]
                    return path[::-1]
                stack.append(ident.name)
        return None

    def decl_TableDecl(self, decl: ast.TableDecl) -> None:
        symbol = self.symbol(decl.decision.name)
        if symbol is None or symbol.kind != "decision" or not isinstance(symbol.decl, ast.DecisionDecl):
            return
        declared = self.type_of(symbol.name, symbol.decl.type).required()
        inputs = [self.expr(i, frozenset(), allow_optional=True) for i in decl.inputs]
        rows = []
        for index, row in enumerate(decl.rows):
            if len(row.cells) != len(inputs):
                self.error("E308", f"row has {_count(len(row.cells), 'cell')} but the table has {_count(len(inputs), 'input')}",
                           row.span, "wrong number of cells", help="write one cell per input; `any` for an input the row does not test")
                continue
            cells = [self.cell(cell, value, decl, index, col) for col, (cell, value) in enumerate(zip(row.cells, inputs))]
            condition = _and(row.span, *cells)
            output = self.expr(row.output, frozenset(), declared)
            self.check_conclusion(symbol.decl, declared, output, row.output.span)
            rows.append((row, condition, output))
        if not decl.decision.name or (symbol.decl.hit is None or symbol.decl.hit.name == "unique"):
            self.duplicate_rows(decl)
        self.out.tables.append((decl, rows))

    def cell(self, cell: ast.Cell, value: ir.Expr, table: ast.TableDecl, row: int, col: int) -> ir.Expr:
        span = cell.span
        if cell.kind == "any" or value.type == ERROR:
            return ir.Const(True, T.BOOL, span=span)
        present = ir.IsPresent(value, T.BOOL, span=span) if value.type.optional else None
        inner = ir.Unwrap(value, value.type.required(), span=span) if present is not None else value
        if cell.kind == "otherwise":
            listed = self.listed_values(table, row, col, inner.type)
            test = ir.Not(ir.InSet(inner, ir.Const(frozenset(listed), T.set_of(inner.type), span=span), T.BOOL, span=span), T.BOOL, span=span)
            return _or(span, ir.Not(present, T.BOOL, span=span), test) if present is not None else test
        if cell.kind == "in":
            container = self.expr(cell.value, frozenset(), T.set_of(inner.type))
            test = ir.InSet(inner, container, T.BOOL, span=span)
        else:
            op = "==" if cell.kind == "equal" else cell.op
            other = self.expr(cell.value, frozenset(), inner.type)
            if other.type == ERROR:
                return other
            test = self.compare(ast.Binary(op, cell.value, cell.value, span=span), op, inner, other)
        return _and(span, present, test) if present is not None else test

    def listed_values(self, table: ast.TableDecl, row: int, col: int, typ: Type) -> list:
        """Values that rows agreeing with `row` on earlier columns list in column `col` (as a
        value, or in an `in {...}` cell)."""
        prefix = table.rows[row].cells[:col]
        values = []
        for other in table.rows:
            if other.cells[:col] != prefix or len(other.cells) <= col:
                continue
            cell = other.cells[col]
            if cell.kind == "equal":
                value = self.expr(cell.value, frozenset(), typ)
                if isinstance(value, ir.Const):
                    values.append(value.value)
            elif cell.kind == "in":
                value = self.expr(cell.value, frozenset(), T.set_of(typ))
                if isinstance(value, ir.Const) and isinstance(value.value, frozenset):
                    values.extend(value.value)
        return values

    def duplicate_rows(self, decl: ast.TableDecl) -> None:
        seen: dict[tuple, ast.TableRow] = {}
        for row in decl.rows:
            key = row.cells
            if key in seen:
                self.error("E309", f"table `{decl.name.name}` lists the same row twice", row.span, "duplicate row",
                           secondary=(Label(seen[key].span, "first listed here"),),
                           help="a `unique` table must not match one case with two rows; remove one")
            else:
                seen[key] = row

    def decl_ConstDecl(self, decl: ast.ConstDecl) -> None:
        # Constants and derived values are elaborated where they are read; this checks the unread ones too.
        symbol = self.symbol(decl.name.name)
        if symbol is not None and symbol.decl is decl:
            self.named_value(symbol)

    decl_LetDecl = decl_ConstDecl

    def decl_WindowDecl(self, decl: ast.WindowDecl) -> None:
        symbol = self.symbol(decl.name.name)
        if symbol is not None and symbol.decl is decl:  # else a second definition of the name (E102)
            self.window(symbol)

    def decl_AssumeDecl(self, decl: ast.AssumeDecl) -> None:
        condition = self.condition(decl.condition, frozenset(), "an assumption")
        self.out.assumptions.append(ir.Assumption(decl.name.name, condition, decl.cite, span=decl.span))

    def decl_PropertyDecl(self, decl: ast.PropertyDecl) -> None:
        condition = self.condition(decl.condition, frozenset(), "a property")
        relation = decl.condition
        windows = ()
        if isinstance(relation, ast.Binary) and relation.op in ("within", "before", "disjoint", "overlaps"):
            windows = tuple(side.name for side in (relation.left, relation.right) if isinstance(side, ast.Name))
        self.out.properties.append(ir.Property(decl.name.name, decl.kind, condition, decl.cite, windows, span=decl.span))

    def decl_HolidaysDecl(self, decl: ast.HolidaysDecl) -> None:
        self.out.holidays.update(date_value(d.value) for d in decl.dates)

    def decl_ObligationDecl(self, decl: ast.ObligationDecl) -> None:
        today = self.out.facts.get("today")
        if today is None or today.type != T.DATE:
            self.error("E307", f"obligation `{decl.name.name}` needs a `today: date` fact to tell if it is late",
                       decl.name.span, "no `today`", help="declare `fact today: date`")
        when = self.condition(decl.when, frozenset()) if decl.when is not None else ir.TRUE
        env = _positive(decl.when, self.lets) if decl.when is not None else frozenset()
        if decl.by is None:
            self.error("E201", f"obligation `{decl.name.name}` has no deadline", decl.span, "no `by` clause",
                       help="add `by DATE-EXPRESSION`")
            return
        deadline, tests = self.bound(decl.by, env, T.DATE)
        if tests:
            when = _and(decl.span, when, *tests)
        if deadline.type not in (T.DATE, ERROR):
            self.error("E201", f"an obligation's deadline must be a date, not {deadline.type}", decl.by.span,
                       f"this is {deadline.type}")
            return
        done = ir.Const(None, T.DATE.maybe(), span=decl.span)
        if decl.done is not None:
            fact = self.out.facts.get(decl.done.name)
            if fact is not None and fact.type.required() != T.DATE:
                self.error("E201", f"`done` names a date fact, not {fact.type}", decl.done.span, f"this is {fact.type}")
                return
            if fact is not None:
                self.used_facts.add(fact.name)
                done = ir.FactRef(fact.name, fact.type, span=decl.done.span)
        if today is not None and today.type == T.DATE:
            self.used_facts.add("today")
            self.out.obligations.append((decl, when, deadline, done))

    def decl_ExampleDecl(self, decl: ast.ExampleDecl) -> None:
        given, expect, spans = {}, {}, {}
        for binding in decl.given:
            fact = self.out.facts.get(binding.name.name)
            if fact is not None:
                value = self.constant(binding.value, fact.type.required(), f"`{fact.name}`")
                if value is not None:
                    given[fact.name] = value
        for expectation in decl.expect:
            name = expectation.name.name
            symbol = self.symbol(name)
            if symbol is None or symbol.kind not in ("decision", "obligation"):
                continue
            spans[name] = expectation.span
            if expectation.value is None:
                expect[name] = ir.UNDETERMINED
                continue
            value = self.constant(expectation.value, self.decision_type(name).required(), f"`{name}`")
            if value is not None:
                expect[name] = value
        self.out.examples.append(ir.Example(decl.title, given, expect, decl.cite, span=decl.span, expect_spans=spans))

    def check_decisions_concluded(self) -> None:
        concluded = {t for _, _, cs in self.out.rules for t, _ in cs}
        concluded |= {decl.decision.name for decl, _ in self.out.tables}
        for symbol in self.res.symbols.values():
            decl = symbol.decl
            if symbol.kind != "decision" or not isinstance(decl, ast.DecisionDecl):
                continue
            if decl.body is None and decl.default is None and symbol.name not in concluded:
                self.error("E301", f"no rule concludes `{symbol.name}`", decl.name.span, "never decided",
                           help=f"add a rule `then {symbol.name} = ...`, a table `for {symbol.name}`, a formula or a default")

    def check_unused_facts(self) -> None:
        for fact in self.out.facts.values():
            if fact.name not in self.used_facts:
                self.diags.append(diagnostic("W401", f"fact `{fact.name}` is never used", fact.span, "unused",
                                             help="remove it, or use it in a rule"))



class Checker(_Declarations):
    """Elaborates one resolved pack. Errors are reported once; a bad sub-expression becomes an
    ERROR-typed constant so that no error cascades into others."""

    def __init__(self, res: Resolution):
        self.res = res
        self.diags: list[Diagnostic] = []
        self.out = TypedPack(res)
        self._named_cache: dict[str, ir.Expr] = {}
        self._in_progress: set[str] = set()
        self._enum_types: dict[str, Type] = {}
        self.lets: dict[str, ast.Expr] = {
            name: symbol.decl.value for name, symbol in res.symbols.items() if symbol.kind == "let"}
        # While elaborating a window bound or a deadline: optional names read there without a
        # presence test; the bound then exists only when they are present (see `bound`).
        self._implicit: dict[str, ir.Expr] | None = None

    # ------------------------------------------------------------ helpers
    def error(self, code: str, message: str, span: Span, label: str = "", **kw) -> ir.Const:
        self.diags.append(diagnostic(code, message, span, label, **kw))
        return ir.Const(None, ERROR, span=span)

    def symbol(self, name: str) -> Symbol | None:
        return self.res.symbols.get(name)

    # ------------------------------------------------------------ types
    def enum_type(self, name: str) -> Type:
        if name == OBLIGATION_STATUS.param:
            return OBLIGATION_STATUS
        if name not in self._enum_types:
            decl = self.symbol(name).decl
            members = decl.members if isinstance(decl, ast.EnumDecl) else decl.type.base.members
            self._enum_types[name] = T.enum(name, tuple(m.name for m in members))
        return self._enum_types[name]

    def type_of(self, owner: str, texpr: ast.TypeExpr) -> Type:
        base = texpr.base
        if isinstance(base, ast.PrimType):
            result = Type(base.name)
        elif isinstance(base, ast.IntType):
            result = T.INT
        elif isinstance(base, ast.MoneyType):
            result = T.money(base.currency)
        elif isinstance(base, ast.DurationType):
            result = T.duration(base.unit)
        elif isinstance(base, ast.InlineEnum):
            result = self.enum_type(owner)
        else:
            ident = base.name if isinstance(base, ast.NamedType) else base.element
            symbol = self.symbol(ident.name)
            if symbol is None or symbol.kind != "enum":
                return ERROR
            result = self.enum_type(ident.name)
            if isinstance(base, ast.SetType):
                result = T.set_of(result)
        return result.maybe() if texpr.optional else result

    def decision_is_total(self, decl) -> bool:
        if isinstance(decl, ast.ObligationDecl):
            return False
        return (
            decl.default is not None or decl.complete or (decl.hit and decl.hit.name == "collect")
            or (decl.body is not None and decl.when is None)
        )

    def decision_type(self, name: str) -> Type:
        symbol = self.symbol(name)
        decl = symbol.decl
        if isinstance(decl, ast.ObligationDecl):
            base = T.DATE if name.endswith("_deadline") and name != decl.name.name else OBLIGATION_STATUS
            return base.maybe()
        declared = self.type_of(name, decl.type).required()
        return declared if self.decision_is_total(decl) else declared.maybe()

    # ------------------------------------------------------------ expressions
    def expr(self, e: ast.Expr, env: frozenset[str], expected: Type | None = None, allow_optional: bool = False) -> ir.Expr:
        method = getattr(self, "_e_" + type(e).__name__)
        return method(e, env, expected, allow_optional)

    def condition(self, e: ast.Expr, env: frozenset[str], what: str = "a condition") -> ir.Expr:
        result = self.expr(e, env, T.BOOL)
        if result.type not in (T.BOOL, ERROR):
            return self.error("E206", f"{what} must be true or false, not {result.type}", e.span, f"this is {result.type}",
                              help="write a comparison or a test, e.g. `x > 0`, `x == y` or `x is present`")
        return result

    def _e_Literal(self, e: ast.Literal, env, expected, allow_optional) -> ir.Expr:
        if e.kind == "bool":
            return ir.Const(e.value, T.BOOL, span=e.span)
        if e.kind == "string":
            return ir.Const(e.value, T.STRING, span=e.span)
        if e.kind == "date":
            return ir.Const(date_value(e.value), T.DATE, span=e.span)
        if e.kind == "datetime":
            return ir.Const(datetime_value(e.value), T.DATETIME, span=e.span)
        if e.kind == "percent":
            return ir.Const(Fraction(e.value) / 100, T.RATE, span=e.span)
        value = Fraction(e.value)
        if e.unit in T.DURATION_UNITS:
            if value.denominator != 1:
                return self.error("E201", f"durations are whole numbers, not `{e.value}`", e.span, "fractional duration",
                                  help="use a smaller unit, e.g. hours instead of days")
            return ir.Const(int(value), T.duration(e.unit), span=e.span)
        if e.unit is not None:
            return ir.Const(value, T.money(e.unit), span=e.span)
        if e.kind == "int":
            return ir.Const(int(value), T.INT, span=e.span)
        return ir.Const(value, T.DECIMAL, span=e.span)

    def _e_SetLit(self, e: ast.SetLit, env, expected, allow_optional) -> ir.Expr:
        element = expected.element if expected is not None and expected.kind == "set" else expected
        items = tuple(self.expr(i, env, element) for i in e.items)
        if any(i.type == ERROR for i in items):
            return ir.Const(None, ERROR, span=e.span)
        kinds = {i.type for i in items}
        if len(kinds) > 1:
            return self.error("E201", "a set's items must all have one type", e.span,
                              "found " + ", ".join(sorted(map(str, kinds))))
        elem_type = items[0].type if items else (element or ERROR)
        if not all(isinstance(i, ir.Const) for i in items):
            return self.error("E213", "set literals hold constants only", e.span, "not a constant")
        return ir.Const(frozenset(i.value for i in items), T.set_of(elem_type), span=e.span)

    def _e_Name(self, e: ast.Name, env, expected, allow_optional) -> ir.Expr:
        symbol = self.symbol(e.name)
        if symbol is None or symbol.kind not in ("fact", "decision", "const", "let", "obligation", "window"):
            return self._enum_member(e, expected)
        if symbol.kind in ("const", "let"):
            return self.named_value(symbol)
        if symbol.kind == "window":
            return self.error("E211", f"window `{e.name}` is not a value", e.span, "a window",
                              help=f"use it in `x in {e.name}`, `{e.name} is empty` or a window relation")
        if symbol.kind == "fact":
            self.used_facts.add(e.name)
            typ = self.out.facts[e.name].type if e.name in self.out.facts else ERROR
            ref = ir.FactRef(e.name, typ, span=e.span)
        else:
            typ = self.decision_type(e.name)
            ref = ir.DecisionRef(e.name, typ, span=e.span)
        return self.maybe_unwrap(ref, env, allow_optional)

    def maybe_unwrap(self, ref: ir.Expr, env: frozenset[str], allow_optional: bool) -> ir.Expr:
        if not ref.type.optional or allow_optional:
            return ref
        if ref.name in env:
            return ir.Unwrap(ref, ref.type.required(), span=ref.span)
        if self._implicit is not None:
            self._implicit.setdefault(ref.name, ref)
            return ir.Unwrap(ref, ref.type.required(), span=ref.span)
        return self.error(
            "E205", f"`{ref.name}` may be absent", ref.span, "used without a presence test",
            help=f"test `{ref.name} is present` first (in `when`, `and`, `implies` or `if`)",
        )

    def _enum_member(self, e: ast.Name, expected: Type | None) -> ir.Expr:
        owners = self.res.enum_members.get(e.name, [])
        if not owners:
            return ir.Const(None, ERROR, span=e.span)  # resolve already reported the unknown name
        target = expected.element if expected is not None and expected.kind == "set" else expected
        if target is not None and target.kind == "enum":
            if e.name in target.members:
                return ir.Const(e.name, target.required(), span=e.span)
            return self.error("E207", f"`{e.name}` is not a member of `{target.param}`", e.span, "unknown member",
                              help=did_you_mean(e.name, list(target.members))
                              or f"`{target.param}` has " + ", ".join(f"`{m}`" for m in target.members))
        if len({self.enum_type(o) for o in owners}) == 1:
            return ir.Const(e.name, self.enum_type(owners[0]), span=e.span)
        return self.error("E207", f"`{e.name}` is a member of several enums: " + ", ".join(owners), e.span,
                          "ambiguous member", help="compare it with a fact of the enum you mean")

    def named_value(self, symbol: Symbol) -> ir.Expr:
        name = symbol.name
        if name in self._named_cache:
            return self._named_cache[name]
        if name in self._in_progress:
            return self.error("E313", f"`{name}` is defined in terms of itself", symbol.span, "cycle",
                              help="compute it from facts and constants, not from itself")
        self._in_progress.add(name)
        outer, self._implicit = self._implicit, None
        try:
            value = self.expr(symbol.decl.value, frozenset())
        finally:
            self._implicit = outer
            self._in_progress.discard(name)
        if symbol.kind == "const" and value.type != ERROR and not isinstance(value, ir.Const):
            facts, decisions = ir.references(value)
            if facts or decisions:
                reads = ", ".join(f"`{n}`" for n in sorted(facts | decisions))
                value = self.error("E213", f"constant `{name}` reads {reads}, which can change from case to case",
                                   symbol.decl.value.span, "not a constant", help=f"declare it with `let {name} = ...` instead")
        self._named_cache[name] = value
        return value

    def _e_If(self, e: ast.If, env, expected, allow_optional) -> ir.Expr:
        cond = self.condition(e.cond, env)
        then = self.expr(e.then, env | _positive(e.cond, self.lets), expected)
        other = self.expr(e.otherwise, env | _negative(e.cond, self.lets), expected if expected else then.type)
        if ERROR in (cond.type, then.type, other.type):
            return ir.Const(None, ERROR, span=e.span)
        joined = self.join(then.type, other.type)
        if joined is None:
            return self.error("E201", f"the branches of `if` differ: {then.type} and {other.type}", e.span,
                              "both branches must have one type")
        return ir.Ite(cond, then, other, joined, span=e.span)

    def _e_Unary(self, e: ast.Unary, env, expected, allow_optional) -> ir.Expr:
        if e.op == "not":
            return ir.Not(self.condition(e.operand, env), T.BOOL, span=e.span)
        operand = self.expr(e.operand, env, expected)
        if operand.type == ERROR:
            return operand
        if operand.type.kind not in ("int", "decimal", "rate", "money", "duration"):
            return self.error("E201", f"cannot negate {operand.type}", e.span, "not a number")
        if isinstance(operand, ir.Const):
            return ir.Const(-operand.value, operand.type, span=e.span)
        return ir.Arith("neg", (operand,), operand.type, span=e.span)

    def _e_Test(self, e: ast.Test, env, expected, allow_optional) -> ir.Expr:
        if e.op == "empty":
            window = self.window_named(e.operand)
            if window is None:
                return ir.Const(None, ERROR, span=e.span)
            return ir.Not(self.nonempty(window, e.span), T.BOOL, span=e.span)
        operand = self.expr(e.operand, env, allow_optional=True)
        if operand.type == ERROR:
            return operand
        if not operand.type.optional:
            self.diags.append(diagnostic(
                "W403", f"`{_text(e.operand)}` is never absent", e.operand.span, "always present",
                help="the test is always " + ("true" if e.op == "present" else "false") + "; remove it",
            ))
        test = ir.IsPresent(operand, T.BOOL, span=e.span)
        return test if e.op == "present" else ir.Not(test, T.BOOL, span=e.span)

    def _e_Call(self, e: ast.Call, env, expected, allow_optional) -> ir.Expr:
        from ruleproof.checker.builtins import elaborate_call

        return elaborate_call(self, e, env, expected)

    def _e_Binary(self, e: ast.Binary, env, expected, allow_optional) -> ir.Expr:
        op = e.op
        if op in ("and", "or", "implies"):
            left = self.condition(e.left, env)
            narrowed = env | (_negative(e.left, self.lets) if op == "or" else _positive(e.left, self.lets))
            right = self.condition(e.right, narrowed)
            if op == "implies":
                return ir.BoolOp("or", (ir.Not(left, T.BOOL, span=e.left.span), right), T.BOOL, span=e.span)
            return ir.BoolOp(op, (left, right), T.BOOL, span=e.span)
        if op in ("within", "before", "disjoint", "overlaps"):
            return self.window_relation(e)
        if op in ("in", "not in"):
            result = self.membership(e, env)
            return ir.Not(result, T.BOOL, span=e.span) if op == "not in" and result.type != ERROR else result
        left, right = self.operands(e, env, expected)
        if ERROR in (left.type, right.type):
            return ir.Const(None, ERROR, span=e.span)
        if op in ("<", "<=", ">", ">=", "==", "!="):
            return self.compare(e, op, left, right)
        from ruleproof.checker.builtins import arithmetic

        return arithmetic(self, e, op, left, right)

    def operands(self, e: ast.Binary, env, expected) -> tuple[ir.Expr, ir.Expr]:
        """Elaborate both sides, giving a bare enum member the other side's type."""
        hint = expected if e.op in ("+", "-") else None
        if isinstance(e.left, ast.Name) and self.symbol(e.left.name) is None:
            right = self.expr(e.right, env, hint)
            return self.expr(e.left, env, right.type), right
        left = self.expr(e.left, env, hint)
        return left, self.expr(e.right, env, left.type if e.op in ("==", "!=") else None)

    def compare(self, e: ast.Binary, op: str, left: ir.Expr, right: ir.Expr) -> ir.Expr:
        a, b = left.type, right.type
        ordered = op not in ("==", "!=")
        ok = self.join(a, b) is not None and (not ordered or a.kind in ("int", "decimal", "rate", "money", "duration", "date", "datetime"))
        if not ok:
            code, helptext = _mismatch_code(a, b)
            return self.error(code, f"cannot compare {a} with {b}", e.span, f"{a} {op} {b}", help=helptext)
        return ir.Compare(op, left, right, T.BOOL, span=e.span)

    def join(self, a: Type, b: Type) -> Type | None:
        """The common type of two compatible operands (numbers widen), or None."""
        if a == b:
            return a
        if a.is_numeric and b.is_numeric:
            return T.DECIMAL if "decimal" in (a.kind, b.kind) else T.RATE if "rate" in (a.kind, b.kind) else T.INT
        if a.kind == b.kind == "set" and (a.element is None or b.element is None):
            return a if a.element else b
        return None

    def membership(self, e: ast.Binary, env) -> ir.Expr:
        if isinstance(e.right, ast.Name) and self.symbol(e.right.name) and self.symbol(e.right.name).kind == "window":
            window = self.window_named(e.right)
            point = self.expr(e.left, env)
            if window is None or point.type == ERROR:
                return ir.Const(None, ERROR, span=e.span)
            if point.type != window.point:
                return self.error("E201", f"`{e.right.name}` is a window of {window.point}, not of {point.type}", e.left.span,
                                  f"this is {point.type}")
            return _and(e.span, window.exists, _le(window.low, point), _le(point, window.high))
        if isinstance(e.left, ast.Name) and self.symbol(e.left.name) is None:
            container = self.expr(e.right, env)
            element = self.expr(e.left, env, container.type)
        else:
            element = self.expr(e.left, env)
            container = self.expr(e.right, env, T.set_of(element.type) if element.type != ERROR else None)
        if ERROR in (element.type, container.type):
            return ir.Const(None, ERROR, span=e.span)
        if container.type.kind != "set":
            return self.error("E201", f"`in` needs a set or a window on its right, not {container.type}", e.right.span,
                              f"this is {container.type}")
        if container.type.element is not None and container.type.element != element.type:
            return self.error("E201", f"cannot look for {element.type} in a set of {container.type.element}", e.span,
                              "element and set types differ")
        return ir.InSet(element, container, T.BOOL, span=e.span)

    # ------------------------------------------------------------ windows
    def window_named(self, e: ast.Expr) -> ir.Window | None:
        symbol = self.symbol(e.name) if isinstance(e, ast.Name) else None
        if symbol is None or symbol.kind != "window":
            if not (isinstance(e, ast.Name) and symbol is None):
                self.error("E211", f"`{_text(e)}` is not a window", e.span, "expected a window",
                           help="declare it with `window NAME = [start, end]`")
            return None
        return self.window(symbol)

    def window(self, symbol: Symbol) -> ir.Window | None:
        if symbol.name in self.out.windows:
            return self.out.windows[symbol.name]
        decl: ast.WindowDecl = symbol.decl
        low, low_exists = self.bound(decl.start)
        high, high_exists = self.bound(decl.end)
        if ERROR in (low.type, high.type):
            return None
        if low.type != high.type or not low.type.is_point:
            self.error("E201", f"window bounds must be two dates or two date-times, not {low.type} and {high.type}",
                       decl.span, "bad bounds")
            return None
        step = 1
        if not decl.start_closed:
            low = ir.Arith("add", (low, ir.Const(step, T.INT, span=decl.span)), low.type, span=low.span)
        if not decl.end_closed:
            high = ir.Arith("sub", (high, ir.Const(step, T.INT, span=decl.span)), high.type, span=high.span)
        tests = [t for i, t in enumerate(low_exists + high_exists) if t not in (low_exists + high_exists)[:i]]
        exists = _and(decl.span, *tests) if tests else ir.Const(True, T.BOOL, span=decl.span)
        window = ir.Window(symbol.name, low, high, low.type, exists, decl.cite, span=decl.span)
        if isinstance(decl.start, ast.Literal) and isinstance(decl.end, ast.Literal):
            lo, hi = _const_value(low), _const_value(high)
            if lo is not None and hi is not None and lo > hi:
                self.error("E306", f"window `{symbol.name}` is empty: it starts after it ends", decl.span,
                           "start after end", help="swap the bounds or close the window's ends")
        self.out.windows[symbol.name] = window
        return window

    def bound(self, e: ast.Expr, env: frozenset[str] = frozenset(), expected: Type | None = None) -> tuple[ir.Expr, list[ir.Expr]]:
        """A window bound or a deadline, and the presence tests it needs: it exists only when the
        optional facts and decisions it reads without a presence test of their own are present."""
        outer, self._implicit = self._implicit, {}
        try:
            value = self.expr(e, env, expected, allow_optional=True)
            needed = self._implicit
        finally:
            self._implicit = outer
        tests = [ir.IsPresent(ref, T.BOOL, span=ref.span) for ref in needed.values()]
        if value.type.optional:
            tests.append(ir.IsPresent(value, T.BOOL, span=value.span))
            value = ir.Unwrap(value, value.type.required(), span=value.span)
        return value, tests

    def nonempty(self, w: ir.Window, span: Span) -> ir.Expr:
        return _and(span, w.exists, _le(w.low, w.high))

    def window_relation(self, e: ast.Binary) -> ir.Expr:
        a, b = self.window_named(e.left), self.window_named(e.right)
        if a is None or b is None:
            return ir.Const(None, ERROR, span=e.span)
        if a.point != b.point:
            return self.error("E201", f"cannot relate a window of {a.point} to one of {b.point}", e.span, "different kinds of window")
        empty_a = ir.Not(self.nonempty(a, e.span), T.BOOL, span=e.span)
        empty_b = ir.Not(self.nonempty(b, e.span), T.BOOL, span=e.span)
        if e.op == "within":
            return _or(e.span, empty_a, _and(e.span, self.nonempty(b, e.span), _le(b.low, a.low), _le(a.high, b.high)))
        if e.op == "before":
            return _or(e.span, empty_a, empty_b, _lt(a.high, b.low))
        disjoint = _or(e.span, empty_a, empty_b, _lt(a.high, b.low), _lt(b.high, a.low))
        return disjoint if e.op == "disjoint" else ir.Not(disjoint, T.BOOL, span=e.span)



OBLIGATION_STATUS = T.enum("obligation_status", ("pending", "met", "late", "breached"))


def _count(n: int, noun: str) -> str:
    return f"{n} {noun}{'' if n == 1 else 's'}"


def _text(e: ast.Expr) -> str:
    return e.name if isinstance(e, ast.Name) else "this expression"


def _mismatch_code(a: Type, b: Type) -> tuple[str, str | None]:
    if a.kind == b.kind == "duration":
        return "E202", "convert explicitly, e.g. `to_hours(d)`; natural and working days never mix"
    if a.kind == b.kind == "money":
        return "E203", "amounts in different currencies cannot be combined without a stated rate"
    if {a.kind, b.kind} == {"int", "duration"}:
        unit = a.param or b.param
        return "E201", f"give the number a unit, e.g. `10 {T.UNIT_WORDS[unit]}`"
    if {a.kind, b.kind} <= {"int", "decimal", "rate", "money"} and "money" in (a.kind, b.kind):
        cur = a.param or b.param
        return "E201", f"give the number a currency, e.g. `15 {cur}`"
    if a.optional or b.optional:
        return "E205", "test presence first"
    if a.kind != b.kind:
        return "E204", f"{_kind_word(a)} and {_kind_word(b)} are different kinds of value; compare like with like"
    return "E201", None


def _kind_word(t: Type) -> str:
    return {"duration": "durations", "money": "amounts", "date": "dates", "datetime": "date-times", "enum": "enum members",
            "set": "sets", "window": "windows", "bool": "conditions", "string": "strings"}.get(t.kind, "numbers")


def _const_value(e: ir.Expr):
    if isinstance(e, ir.Const):
        return e.value
    if isinstance(e, ir.Arith) and e.op in ("add", "sub") and all(isinstance(o, ir.Const) for o in e.operands):
        x, y = (o.value for o in e.operands)
        return x + y if e.op == "add" else x - y
    return None


def _le(a: ir.Expr, b: ir.Expr) -> ir.Expr:
    return ir.Compare("<=", a, b, T.BOOL, span=a.span)


def _lt(a: ir.Expr, b: ir.Expr) -> ir.Expr:
    return ir.Compare("<", a, b, T.BOOL, span=a.span)


def _and(span: Span, *parts: ir.Expr) -> ir.Expr:
    parts = tuple(p for p in parts if not (isinstance(p, ir.Const) and p.value is True))
    if not parts:
        return ir.Const(True, T.BOOL, span=span)
    return parts[0] if len(parts) == 1 else ir.BoolOp("and", parts, T.BOOL, span=span)


def _or(span: Span, *parts: ir.Expr) -> ir.Expr:
    return parts[0] if len(parts) == 1 else ir.BoolOp("or", parts, T.BOOL, span=span)


__all__ = ["Checker", "TypedPack", "ERROR", "HIT_POLICIES", "OBLIGATION_STATUS", "Label"]
