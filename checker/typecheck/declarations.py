"""Part of stage 3, type checking: declarations. Facts, decisions, rules, tables, constants,
windows, assumptions, properties, obligations and examples, each checked and elaborated into
the pieces TypedPack holds for lowering."""

from __future__ import annotations

from ruleproof.checker import ast, ir
from ruleproof.checker import types as T
from ruleproof.checker.diagnostics import Label, diagnostic, did_you_mean
from ruleproof.checker.ir_build import all_of, any_of
from ruleproof.checker.lower_windows import WINDOW_RELATIONS
from ruleproof.checker.semantics.kinds import NUMBER_KINDS
from ruleproof.checker.source import Span
from ruleproof.checker.typecheck.narrowing import present_when
from ruleproof.checker.typecheck.pack import ERROR, HIT_POLICIES, date_value, fits
from ruleproof.checker.types import Type


class Declarations:
    """Per-declaration checks, mixed into Checker: one `decl_<AST class>` method per kind of
    declaration, each adding what it elaborates to `self.out`."""

    def declare_fact(self, decl: ast.FactDecl) -> None:
        """Record the fact's type and integer range (its default comes later, once every fact is known)."""
        typ = self.type_of(decl.name.name, decl.type)
        base = decl.type.base
        low, high = (base.low, base.high) if isinstance(base, ast.IntType) else (None, None)
        self.out.facts[decl.name.name] = ir.Fact(decl.name.name, typ, None, False, low, high, decl.cite, span=decl.span)

    def fact_default(self, decl: ast.FactDecl) -> None:
        """Check and record the fact's default, a constant of its type."""
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
        if hit in ("collect_sum", "collect_min", "collect_max") and declared.kind not in NUMBER_KINDS:
            self.error("E305", f"`{hit}` decision `{name}` must have a number type, not {declared}", decl.type.span,
                       "not a number", help="declare it as int, decimal, money, rate or a duration")
        if hit == "collect_count" and declared.kind != "int":
            self.error("E305", f"`collect_count` decision `{name}` must have type int, not {declared}", decl.type.span,
                       "not int", help="declare it as `int`: it counts the rules that apply")
        if decl.default is not None:
            value = self.expr(decl.default, frozenset(), declared)
            if not fits(value.type, declared):
                self.error("E201", f"default of `{name}` must be {declared}, not {value.type}", decl.default.span,
                           f"this is {value.type}")
            self.out.defaults[name] = value
        if decl.as_of is not None:
            day = self.expr(decl.as_of, frozenset(), T.DATE)
            if not fits(day.type, T.DATE):
                self.error("E201", f"`{name}` is read as of a date, not {day.type}", decl.as_of.span,
                           f"this is {day.type}", help="name the day its rules are in force, e.g. `as of today`")
            self.out.as_of[name] = day
        if decl.body is not None:
            env = present_when(decl.when, True, self.lets) if decl.when is not None else frozenset()
            when = self.condition(decl.when, frozenset()) if decl.when is not None else ir.TRUE
            value = self.expr(decl.body, env, declared)
            if not fits(value.type, declared):
                self.error("E201", f"`{name}` is declared {declared} but computes {value.type}", decl.body.span,
                           f"this is {value.type}")
            self.out.bodies[name] = (when, value)

    def decl_RuleDecl(self, decl: ast.RuleDecl) -> None:
        condition = self.condition(decl.condition, frozenset(), "a rule's condition")
        env = present_when(decl.condition, True, self.lets)
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
        self.out.rules.append((decl, condition, conclusions))

    def check_conclusion(self, decision: ast.DecisionDecl, declared: Type, value: ir.Expr, span: Span) -> None:
        """E201 unless `value` fits the decision (a `collect` decision also takes one element)."""
        if decision.hit and decision.hit.name == "collect" and declared.kind == "set":
            if value.type == declared.element or fits(value.type, declared):
                return
        if not fits(value.type, declared):
            self.error("E201", f"`{decision.name.name}` is {declared}, not {value.type}", span, f"this is {value.type}")

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
            condition = all_of(row.span, *cells)
            output = self.expr(row.output, frozenset(), declared)
            self.check_conclusion(symbol.decl, declared, output, row.output.span)
            rows.append((row, condition, output))
        if not decl.decision.name or (symbol.decl.hit is None or symbol.decl.hit.name in ("unique", "strict")):
            self.duplicate_rows(decl)
        self.out.tables.append((decl, rows))

    def cell(self, cell: ast.Cell, value: ir.Expr, table: ast.TableDecl, row: int, col: int) -> ir.Expr:
        """The condition of one table cell on the input `value` (an optional input must be present to match)."""
        span = cell.span
        if cell.kind == "any" or value.type == ERROR:
            return ir.Const(True, T.BOOL, span=span)
        present = ir.IsPresent(value, T.BOOL, span=span) if value.type.optional else None
        inner = ir.Unwrap(value, value.type.required(), span=span) if present is not None else value
        if cell.kind == "otherwise":
            listed = self.listed_values(table, row, col, inner.type)
            test = ir.Not(ir.InSet(inner, ir.Const(frozenset(listed), T.set_of(inner.type), span=span), T.BOOL, span=span), T.BOOL, span=span)
            return any_of(span, ir.Not(present, T.BOOL, span=span), test) if present is not None else test
        if cell.kind == "in":
            container = self.expr(cell.value, frozenset(), T.set_of(inner.type))
            test = ir.InSet(inner, container, T.BOOL, span=span)
        else:
            op = "==" if cell.kind == "equal" else cell.op
            other = self.expr(cell.value, frozenset(), inner.type)
            if other.type == ERROR:
                return other
            test = self.compare(ast.Binary(op, cell.value, cell.value, span=span), op, inner, other)
        return all_of(span, present, test) if present is not None else test

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
        """E309 for each row of a `unique` table listed twice."""
        seen: dict[tuple, ast.TableRow] = {}
        for row in decl.rows:
            key = (row.cells, row.period)
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
        if isinstance(relation, ast.Binary) and relation.op in WINDOW_RELATIONS:
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
        env = present_when(decl.when, True, self.lets) if decl.when is not None else frozenset()
        if decl.by is None:
            self.error("E201", f"obligation `{decl.name.name}` has no deadline", decl.span, "no `by` clause",
                       help="add `by DATE-EXPRESSION`")
            return
        deadline, tests = self.bound(decl.by, env, T.DATE)
        if tests:
            when = all_of(decl.span, when, *tests)
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
        """E301 for each decision with no rule, table, formula or default."""
        concluded = {t for _, _, cs in self.out.rules for t, _ in cs}
        concluded |= {decl.decision.name for decl, _ in self.out.tables}
        for symbol in self.res.symbols.values():
            decl = symbol.decl
            if symbol.kind != "decision" or not isinstance(decl, ast.DecisionDecl):
                continue
            if decl.body is None and decl.default is None and symbol.name not in concluded and not self.res.broken:
                self.error("E301", f"no rule concludes `{symbol.name}`", decl.name.span, "never decided",
                           help=f"add a rule `then {symbol.name} = ...`, a table `for {symbol.name}`, a formula or a default")

    def check_unused_facts(self) -> None:
        """W401 for each fact nothing reads (none while a declaration has a syntax error: the
        broken text may be what reads it)."""
        if self.res.broken:
            return
        for fact in self.out.facts.values():
            if fact.name not in self.used_facts:
                self.diags.append(diagnostic("W401", f"fact `{fact.name}` is never used", fact.span, "unused",
                                             help="remove it, or use it in a rule"))




def _count(n: int, noun: str) -> str:
    return f"{n} {noun}{'' if n == 1 else 's'}"

