"""Type rules for arithmetic and the built-in functions (part of the type-checking stage).

Units never convert silently: natural days, working days, hours and minutes mix only through
the conversion functions listed in BUILTINS, calendar months never mix with them, and
currencies never mix.
"""

from __future__ import annotations

from ruleproof.checker import ast, ir
from ruleproof.checker import types as T
from ruleproof.checker.diagnostics import did_you_mean
from ruleproof.checker.semantics.kinds import EXACT_KINDS, NUMBER_KINDS
from ruleproof.checker.types import ERROR, Type

BUILTINS = {
    "max": "max(a, b, ...): the larger of two or more values of one type",
    "min": "min(a, b, ...): the smaller of two or more values of one type",
    "abs": "abs(x): the absolute value of a number, amount or duration",
    "round": "round(x, digits): an amount or decimal rounded half up to `digits` places",
    "days": "days(n): an integer as natural days",
    "working_days": "working_days(n): an integer as working days",
    "hours": "hours(n): an integer as hours",
    "minutes": "minutes(n): an integer as minutes",
    "months": "months(n): an integer as calendar months",
    "count": "count(d): the number in a duration, as an integer",
    "to_hours": "to_hours(d): natural days or hours as hours",
    "to_minutes": "to_minutes(d): natural days, hours or minutes as minutes",
    "date_of": "date_of(t): the calendar day of a date-time",
    "start_of": "start_of(d): midnight at the start of a date, as a date-time",
    "period_start": "period_start(d, n): the first day of the monthly period from the n-th that contains the date d",
    "period_end": "period_end(d, n): the last day of the monthly period from the n-th that contains the date d",
}
_UNIT_OF = {"days": "days", "working_days": "working_days", "hours": "hours", "minutes": "minutes"}
#: most working days added to a date (E210): the evaluator counts them and the encoder unrolls
#: them one day at a time, so a huge count would never finish
MAX_WORKING_DAYS = 1000
#: most calendar months added to a date or subtracted from it (E230): a hundred years
MAX_MONTHS = 1200
#: most decimal places `round` keeps (either way): 10^digits is computed exactly
MAX_ROUND_DIGITS = 15


def elaborate_call(checker, e: ast.Call, env, expected: Type | None) -> ir.Expr:
    """Type-check a call to a built-in function and lower it to IR arithmetic."""
    name = e.func.name
    arity = {"max": None, "min": None, "round": 2, "period_start": 2, "period_end": 2}.get(name, 1)
    if name not in BUILTINS or (arity is None and len(e.args) < 2) or (arity is not None and len(e.args) != arity):
        for arg in e.args:  # still check the arguments, and count the facts they read as used
            checker.expr(arg, env)
    if name not in BUILTINS:
        return checker.error("E208", f"unknown function `{name}`", e.func.span, "not a built-in function",
                             help=did_you_mean(name, list(BUILTINS)) or "functions: " + ", ".join(f"`{f}`" for f in sorted(BUILTINS)))
    if (arity is None and len(e.args) < 2) or (arity is not None and len(e.args) != arity):
        want = "at least 2" if arity is None else str(arity)
        return checker.error("E209", f"`{name}` takes {want} argument{'s' if want != '1' else ''}, not {len(e.args)}",
                             e.span, "wrong number of arguments", help=usage(name))
    args = [checker.expr(a, env, expected if name in ("max", "min") else None) for a in e.args]
    if any(a.type == ERROR for a in args):
        return ir.Const(None, ERROR, span=e.span)
    if name in ("max", "min"):
        joined = args[0].type
        for a in args[1:]:
            joined = checker.join(joined, a.type)
            if joined is None:
                return checker.error("E201", f"`{name}` needs values of one type", e.span,
                                     " and ".join(str(x.type) for x in args))
        if joined.kind in ("bool", "string", "enum", "set"):
            return checker.error("E201", f"`{name}` cannot order {joined}", e.span, "not ordered")
        return ir.Arith(name, tuple(args), joined, span=e.span)
    (x, *rest) = args
    if name in ("period_start", "period_end"):
        return _period(checker, e, name, x, rest[0])
    conversions = {
        "days": ("int", None, T.duration("days"), 1),
        "working_days": ("int", None, T.duration("working_days"), 1),
        "hours": ("int", None, T.duration("hours"), 1),
        "minutes": ("int", None, T.duration("minutes"), 1),
        "months": ("int", None, T.duration("months"), 1),
        "count": ("duration", None, T.INT, 1),
        "date_of": ("datetime", None, T.DATE, 1440),
        "start_of": ("date", None, T.DATETIME, 1440),
    }
    if name in conversions:
        kind, _, result, factor = conversions[name]
        if x.type.kind != kind:
            return _bad_arg(checker, e, name, x)
        if name == "date_of":
            return ir.Arith("floordiv", (x, ir.Const(factor, T.INT, span=e.span)), result, span=e.span)
        if name == "start_of":
            return ir.Arith("mul", (x, ir.Const(factor, T.INT, span=e.span)), result, span=e.span)
        return ir.Arith("cast", (x,), result, span=e.span)
    if name in ("to_hours", "to_minutes"):
        target = "hours" if name == "to_hours" else "minutes"
        allowed = ("days", "hours") if target == "hours" else ("days", "hours", "minutes")
        if x.type.kind != "duration" or x.type.param not in allowed:
            return _bad_arg(checker, e, name, x)
        factor = T.MINUTES_PER[x.type.param] // T.MINUTES_PER[target]
        return ir.Arith("mul", (x, ir.Const(factor, T.INT, span=e.span)), T.duration(target), span=e.span)
    if name == "abs":
        if x.type.kind not in NUMBER_KINDS:
            return _bad_arg(checker, e, name, x)
        return ir.Arith("abs", (x,), x.type, span=e.span)
    digits = rest[0]
    if x.type.kind not in EXACT_KINDS or not (isinstance(digits, ir.Const) and digits.type == T.INT):
        return _bad_arg(checker, e, name, x)
    if abs(digits.value) > MAX_ROUND_DIGITS:
        return checker.error("E201", f"`round` keeps at most {MAX_ROUND_DIGITS} decimal places, not {digits.value}",
                             e.args[1].span, "too many places", help=usage(name))
    return ir.Arith("round", (x,), x.type, digits=digits.value, span=e.span)


def _period(checker, e: ast.Call, name: str, day: ir.Expr, anchor: ir.Expr) -> ir.Expr:
    """`period_start(d, n)` / `period_end(d, n)`: d a date, n a constant day of the month (E231)."""
    if day.type.kind != "date":
        return _bad_arg(checker, e, name, day)
    if not (isinstance(anchor, ir.Const) and anchor.type == T.INT and 1 <= anchor.value <= 31):
        return checker.error("E231", "a monthly period starts on a constant day of the month, from 1 to 31",
                             e.args[1].span, "not a day of the month", help=usage(name))
    return ir.MonthlyPeriod(day, anchor.value, name == "period_end", T.DATE, span=e.span)


def _add_months(checker, e: ast.Binary, op: str, left: ir.Expr, right: ir.Expr) -> ir.Expr:
    """`point + n months` or `point - n months` for a date or date-time: n a constant (E230)."""
    if not isinstance(right, ir.Const):
        return checker.error("E230", "the calendar months added to a date must be a constant", e.right.span,
                             "not a constant", help="write a literal such as `3 months` or `1 year`, or a `const`")
    if abs(right.value) > MAX_MONTHS:
        return checker.error("E230", f"at most {MAX_MONTHS} calendar months can be added to a date", e.right.span,
                             "too many months", help="a hundred years is the longest period")
    count = right.value if op == "+" else -right.value
    return ir.AddMonths(left, count, left.type, span=e.span)


def _bad_arg(checker, e: ast.Call, name: str, arg: ir.Expr) -> ir.Expr:
    return checker.error("E201", f"`{name}` does not take {arg.type}", e.span, f"argument is {arg.type}",
                         help=usage(name))


def usage(name: str) -> str:
    """A built-in's signature in backticks and what it does, for a help line."""
    signature, _, meaning = BUILTINS[name].partition(": ")
    return f"`{signature}`: {meaning}"


def arithmetic(checker, e: ast.Binary, op: str, left: ir.Expr, right: ir.Expr) -> ir.Expr:
    """Type `left op right` for + - * / and lower it; reports unit and currency mismatches."""
    a, b = left.type, right.type
    result = _result_type(op, a, b)
    if isinstance(result, tuple):
        code, help_text = result
        return checker.error(code, f"cannot compute {a} {op} {b}", e.span, f"{a} {op} {b}", help=help_text)
    if op == "+" and a.kind == "date" and b == T.duration("working_days"):
        if not isinstance(right, ir.Const) or right.value < 0:
            return checker.error("E210", "the working days added to a date must be a constant that is not negative", e.right.span,
                                 "not a constant" if not isinstance(right, ir.Const) else "negative",
                                 help="write a literal such as `3 working days`, or a `const`")
        if right.value > MAX_WORKING_DAYS:
            return checker.error("E210", f"at most {MAX_WORKING_DAYS} working days can be added to a date", e.right.span,
                                 "too many working days", help="working days are counted one by one; use natural days for long periods")
        return ir.AddWorkingDays(left, right.value, T.DATE, span=e.span)
    if a.is_point and b == T.duration("months"):
        return _add_months(checker, e, op, left, right)
    if op == "/" and isinstance(right, ir.Const) and right.value == 0:
        return checker.error("E212", "division by zero", e.right.span, "this is zero",
                             help="divide by a number other than zero")
    name = {"+": "add", "-": "sub", "*": "mul", "/": "div"}[op]
    if a.kind == "datetime" and b.kind == "duration":
        factor = T.MINUTES_PER[b.param]
        if factor != 1:
            right = ir.Arith("mul", (right, ir.Const(factor, T.INT, span=e.span)), T.duration("minutes"), span=right.span)
    return ir.Arith(name, (left, right), result, span=e.span)


def _result_type(op: str, a: Type, b: Type):
    """The result type, or (code, help) when the operation is not allowed."""
    ka, kb = a.kind, b.kind
    if a.optional or b.optional:
        return "E205", "test presence first"
    if ka in T.NUMERIC and kb in T.NUMERIC:
        if op == "/":
            return T.DECIMAL if "rate" not in (ka, kb) or ka == kb == "int" else T.RATE
        return T.INT if ka == kb == "int" else T.DECIMAL if "decimal" in (ka, kb) else T.RATE
    if ka == kb == "money":
        if a.param != b.param:
            return "E203", f"{a.param} and {b.param} amounts cannot be combined without a stated exchange rate"
        if op in "+-":
            return a
        if op == "/":
            return T.DECIMAL
        return "E201", "multiply an amount by a number or rate, not by another amount"
    if ka == "money" and kb in T.NUMERIC and op in "*/":
        return a
    if kb == "money" and ka in T.NUMERIC and op == "*":
        return b
    if ka == kb == "duration":
        if a.param != b.param:
            return "E202", unit_mix_help(a.param, b.param)
        if op in "+-":
            return a
        return "E201", "durations add and subtract; multiply a duration by an integer"
    if ka == "duration" and kb == "int" and op == "*":
        return a
    if kb == "duration" and ka == "int" and op == "*":
        return b
    if ka == "date" and kb == "duration" and op in "+-":
        if b.param in ("days", "months") or (b.param == "working_days" and op == "+"):
            return a
        return "E201", "add natural days, working days or months to a date; use start_of(date) for hours and minutes"
    if ka == "datetime" and kb == "duration" and op in "+-":
        if b.param != "working_days":
            return a
        return "E202", "working days apply to dates; use date_of(t) first"
    if ka == kb == "date" and op == "-":
        return T.duration("days")
    if ka == kb == "datetime" and op == "-":
        return T.duration("minutes")
    if {ka, kb} == {"int", "duration"}:
        unit = a.param or b.param
        return "E201", unit_help(unit)
    if "money" in (ka, kb) and {ka, kb} - {"money"} <= T.NUMERIC:
        cur = a.param or b.param
        return "E201", f"give the number a currency, e.g. `15 {cur}`"
    if ka == "duration" and kb == "money" or ka == "money" and kb == "duration":
        return "E204", "durations and amounts do not mix"
    return "E201", None


def unit_help(unit: str) -> str:
    """The help for a bare number where a duration of `unit` is expected, with a literal that
    parses (`10 days`, `10 working days`)."""
    return f"give the number its unit, e.g. `10 {T.UNIT_LITERALS[unit]}`"


def unit_mix_help(a: str, b: str) -> str:
    """The help for durations of two units met in one expression. Working days and the other
    units have no fixed ratio (it depends on the calendar and the start), so the help never
    relabels a count: it points to the date arithmetic that keeps each period's meaning."""
    if "months" in (a, b):
        other = T.UNIT_WORDS[b if a == "months" else a]
        return (f"calendar months and {other} are different units: a month is 28 to 31 days, depending on the "
                "month; add each to a date (e.g. `placed_on + 1 month`) and compare the dates")
    if "working_days" in (a, b):
        return (f"{T.UNIT_WORDS[a]} and {T.UNIT_WORDS[b]} are different units with no fixed ratio; write the period "
                "in the unit the article uses, or add each to a date (e.g. `shipped_on + 10 working days`) and "
                "compare the dates")
    return (f"{T.UNIT_WORDS[a]} and {T.UNIT_WORDS[b]} are different units; convert one exactly, "
            "e.g. `to_hours(d)` or `to_minutes(d)`")
