"""Part of stage 3, type checking: expressions. Each AST expression is elaborated into a typed
IR expression (`_e_<AST class>`), checking types, duration units, currencies and presence;
windows are checked here and lowered by checker/lower_windows.py."""

from __future__ import annotations

from fractions import Fraction

from ruleproof.checker import ast, ir, lower_windows
from ruleproof.checker import types as T
from ruleproof.checker.builtins import arithmetic, elaborate_call, unit_help, unit_mix_help
from ruleproof.checker.diagnostics import diagnostic, did_you_mean
from ruleproof.checker.lower_windows import WindowRelation
from ruleproof.checker.resolve import Symbol
from ruleproof.checker.semantics.kinds import EXACT_KINDS, NUMBER_KINDS, ORDERED_KINDS, Kind
from ruleproof.checker.typecheck.narrowing import present_when
from ruleproof.checker.typecheck.pack import ERROR, date_value, datetime_value
from ruleproof.checker.types import Type


class Expressions:
    """Expression elaboration, mixed into Checker."""

    # ------------------------------------------------------------ expressions
    def expr(self, e: ast.Expr, env: frozenset[str], expected: Type | None = None, allow_optional: bool = False) -> ir.Expr:
        """Elaborate `e` with the names of `env` known present; `expected` types bare enum members and sets;
        an optional value is an error unless `allow_optional`."""
        method = getattr(self, "_e_" + type(e).__name__)
        return method(e, env, expected, allow_optional)

    def condition(self, e: ast.Expr, env: frozenset[str], what: str = "a condition") -> ir.Expr:
        """Elaborate `e` as a condition: E206 unless it is true or false."""
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
        if e.unit == "years":
            value *= T.MONTHS_PER_YEAR
        if e.unit in T.DURATION_UNITS or e.unit == "years":
            if value.denominator != 1:
                return self.error("E201", f"durations are whole numbers, not `{e.value}`", e.span, "fractional duration",
                                  help="use a smaller unit, e.g. hours instead of days")
            return ir.Const(int(value), T.duration("months" if e.unit == "years" else e.unit), span=e.span)
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
        field = self.item_field(e)
        if field is not None:
            return field
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
        """The reference itself, or its value where its presence is known (E205 where it is not)."""
        if not ref.type.optional or allow_optional:
            return ref
        if ref.name in env or any(name not in self.res.symbols for name in env):
            # (a presence test of an unknown name is reported as E101; the name it misspells
            # may be this one, so no second, knock-on E205)
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
        """The elaborated formula of a constant or `let` (once; E313 when it reads itself, E213 for a
        constant that is not one)."""
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
        then = self.expr(e.then, env | present_when(e.cond, True, self.lets), expected)
        other = self.expr(e.otherwise, env | present_when(e.cond, False, self.lets), expected if expected else then.type)
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
        if operand.type.kind not in NUMBER_KINDS:
            return self.error("E201", f"cannot negate {operand.type}", e.span, "not a number")
        if isinstance(operand, ir.Const):
            return ir.Const(-operand.value, operand.type, span=e.span)
        return ir.Arith("neg", (operand,), operand.type, span=e.span)

    def _e_Test(self, e: ast.Test, env, expected, allow_optional) -> ir.Expr:
        if e.op == "empty":
            window = self.window_named(e.operand)
            if window is None:
                return ir.Const(None, ERROR, span=e.span)
            return lower_windows.is_empty(window, e.span)
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
        if self.is_aggregate(e):
            return self.aggregate(e, env)
        return elaborate_call(self, e, env, expected)

    def _e_Binary(self, e: ast.Binary, env, expected, allow_optional) -> ir.Expr:
        op = e.op
        if op in ("and", "or", "implies"):
            left = self.condition(e.left, env)
            # The right side is read only when the left is true (`and`, `implies`) or false (`or`).
            narrowed = env | present_when(e.left, op != "or", self.lets)
            right = self.condition(e.right, narrowed)
            if op == "implies":
                return ir.BoolOp("or", (ir.Not(left, T.BOOL, span=e.left.span), right), T.BOOL, span=e.span)
            return ir.BoolOp(op, (left, right), T.BOOL, span=e.span)
        if op in lower_windows.WINDOW_RELATIONS:
            return self.window_relation(e)
        if op in ("in", "not in"):
            result = self.membership(e, env)
            return ir.Not(result, T.BOOL, span=e.span) if op == "not in" and result.type != ERROR else result
        left, right = self.operands(e, env, expected)
        if ERROR in (left.type, right.type):
            return ir.Const(None, ERROR, span=e.span)
        if op in ("<", "<=", ">", ">=", "==", "!="):
            return self.compare(e, op, left, right)
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
        """`left op right`, or E201/E202/E203/E204/E205 when the two cannot be compared."""
        a, b = left.type, right.type
        if Kind.LIST in (a.kind, b.kind):
            return self.error("E220", "a list is read by count, sum, min, max, any or all, not compared", e.span,
                              "a list", help="compare an aggregate of it, e.g. `count(reviews) > 0`")
        ordered = op not in ("==", "!=")
        ok = self.join(a, b) is not None and (not ordered or a.kind in ORDERED_KINDS)
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
        """`x in w` for a window `w`, else `x in set` (E201 when the types do not match)."""
        if isinstance(e.right, ast.Name) and self.symbol(e.right.name) and self.symbol(e.right.name).kind == "window":
            window = self.window_named(e.right)
            point = self.expr(e.left, env)
            if window is None or point.type == ERROR:
                return ir.Const(None, ERROR, span=e.span)
            if point.type != window.point:
                return self.error("E201", f"`{e.right.name}` is a window of {window.point}, not of {point.type}", e.left.span,
                                  f"this is {point.type}")
            return lower_windows.contains(window, point, e.span)
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
        """The window `e` names, or None after E211 when it names something else."""
        symbol = self.symbol(e.name) if isinstance(e, ast.Name) else None
        if symbol is None or symbol.kind != "window":
            if not (isinstance(e, ast.Name) and symbol is None):
                self.error("E211", f"`{_text(e)}` is not a window", e.span, "expected a window",
                           help="declare it with `window NAME = [start, end]`")
            return None
        return self.window(symbol)

    def window(self, symbol: Symbol) -> ir.Window | None:
        """The lowered window of a window symbol (once), or None after an error in its bounds; E306 when
        literal bounds make it empty."""
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
        window = lower_windows.window(symbol.name, low, high, decl.start_closed, decl.end_closed,
                                      low_exists + high_exists, decl.cite, decl.span)
        if isinstance(decl.start, ast.Literal) and isinstance(decl.end, ast.Literal):
            lo, hi = _const_value(window.low), _const_value(window.high)
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

    def window_relation(self, e: ast.Binary) -> ir.Expr:
        """`a within/before/disjoint/overlaps b`, lowered once both sides are windows of one kind of point."""
        a, b = self.window_named(e.left), self.window_named(e.right)
        if a is None or b is None:
            return ir.Const(None, ERROR, span=e.span)
        if a.point != b.point:
            return self.error("E201", f"cannot relate a window of {a.point} to one of {b.point}", e.span, "different kinds of window")
        return lower_windows.relation(WindowRelation(e.op), a, b, e.span)


def _text(e: ast.Expr) -> str:
    return e.name if isinstance(e, ast.Name) else "this expression"


def _mismatch_code(a: Type, b: Type) -> tuple[str, str | None]:
    if a.kind == b.kind == "duration":
        return "E202", unit_mix_help(a.param, b.param)
    if a.kind == b.kind == "money":
        return "E203", "amounts in different currencies cannot be combined without a stated rate"
    if {a.kind, b.kind} == {"int", "duration"}:
        unit = a.param or b.param
        return "E201", unit_help(unit)
    if {a.kind, b.kind} <= {Kind.INT, *EXACT_KINDS} and Kind.MONEY in (a.kind, b.kind):
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

