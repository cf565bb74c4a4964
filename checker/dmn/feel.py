"""The FEEL subset decision tables need, parsed with Lark and written as the language's
expressions: unary tests (`-`, comparisons, ranges `[15..30)`, disjunctions `<18, >=60`,
`not(...)`, `null`, cells naming other inputs) and literal expressions (numbers, strings,
booleans, dates, date-times, durations, arithmetic, comparisons, `and`/`or`, `if`).

Anything else is refused with `Unsupported`, naming the construct; nothing is approximated.
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation

from lark import Lark, Token, Tree
from lark.exceptions import LarkError
from ruleproof.checker.dmn.types import FeelType

GRAMMAR = r"""
?tests: "not" "(" test_list ")"   -> not_tests
      | test_list
test_list: test ("," test)*
?test: CMP expr                   -> compare_test
     | OPEN expr ".." expr CLOSE  -> interval
     | "null"                     -> null_test
     | expr                       -> equal_test

?expr: "if" expr "then" expr "else" expr -> if_expr
     | disj
?disj: conj | disj "or" conj      -> or_
?conj: comp | conj "and" comp     -> and_
?comp: sum
     | sum CMP sum                -> compare
     | sum "between" sum "and" sum -> between
?sum: prod | sum "+" prod -> add | sum "-" prod -> sub
?prod: unary | prod "*" unary -> mul | prod "/" unary -> div
?unary: "-" unary -> neg | atom
?atom: NUMBER -> number
     | STRING -> string
     | "true" -> true
     | "false" -> false
     | "@" STRING -> at_literal
     | NAME "(" [expr ("," expr)*] ")" -> call
     | NAME -> name
     | "(" expr ")"

CMP: "<=" | ">=" | "!=" | "=" | "<" | ">"
OPEN: "[" | "(" | "]"
CLOSE: "]" | ")" | "["
NUMBER: /[0-9]+(\.[0-9]+)?/ | /\.[0-9]+/
STRING: /"([^"\\]|\\.)*"/
NAME: /[A-Za-z_][A-Za-z0-9_]*/
%ignore /[ \t\r\n]+/
"""

_TESTS = Lark(GRAMMAR, start="tests", parser="earley", propagate_positions=False)
_EXPR = Lark(GRAMMAR, start="expr", parser="earley", propagate_positions=False)

# constructs recognised only to be refused by name (checked when the subset does not parse)
_CONSTRUCTS = [
    (re.compile(r"\bfunction\s*\("), "a function definition"),
    (re.compile(r"\bfor\b.*\bin\b.*\breturn\b", re.S), "a `for` loop"),
    (re.compile(r"\b(some|every)\b.*\bsatisfies\b", re.S), "a quantified expression (`some`/`every`)"),
    (re.compile(r"\{"), "a context"),
    (re.compile(r"\binstance\s+of\b"), "an `instance of` test"),
    (re.compile(r"(?<![0-9.])\.[A-Za-z_]|[A-Za-z_)]\s*\.[A-Za-z_]"), "a path expression (`a.b`)"),
    (re.compile(r"\bin\b"), "an `in` test"),
    (re.compile(r"\?"), "a `?` test"),
    (re.compile(r"\[[^\]]*,"), "a list"),
]


class Unsupported(ValueError):
    """A FEEL text outside the subset, or one the language cannot express exactly."""


@dataclass(frozen=True)
class Translated:
    """A language expression, its FEEL type, and the pack names it reads."""

    text: str
    type: FeelType
    reads: frozenset[str]


class Scope:
    """FEEL names (which may hold spaces) and the pack names and types they stand for."""

    def __init__(self, names: dict[str, tuple[str, FeelType]]):
        self.names = names
        self._placeholders: dict[str, str] = {}
        ordered = sorted(names, key=len, reverse=True)
        self._pattern = re.compile(r'"(?:[^"\\]|\\.)*"|' + "|".join(
            r"(?<![A-Za-z0-9_])" + re.escape(n) + r"(?![A-Za-z0-9_])" for n in ordered)) if ordered else None
        for i, n in enumerate(ordered):
            self._placeholders[n] = f"v__{i}"
        self._back = {v: k for k, v in self._placeholders.items()}

    def prepare(self, text: str) -> str:
        """The text with each known name replaced by one identifier (strings left alone), and
        `date and time(` as one function name."""
        text = re.sub(r"\bdate\s+and\s+time\s*\(", "date_and_time(", text)
        if self._pattern is None:
            return text
        return self._pattern.sub(lambda m: m.group(0) if m.group(0).startswith('"') else self._placeholders[m.group(0)], text)

    def lookup(self, ident: str) -> tuple[str, FeelType]:
        """The pack name and type a prepared identifier stands for; Unsupported for an unknown name."""
        name = self._back.get(ident)
        if name is None:
            raise Unsupported(f"unknown name `{ident}` (not an input, a decision or a supported function)")
        return self.names[name]


def _refusal(text: str) -> Unsupported:
    for pattern, what in _CONSTRUCTS:
        if pattern.search(re.sub(r'"(?:[^"\\]|\\.)*"', '""', text)):
            return Unsupported(f"{what} is outside the supported FEEL subset")
    return Unsupported("this FEEL text is outside the supported subset (unary tests and simple literal expressions)")


def _parse(parser: Lark, text: str, scope: Scope) -> Tree:
    try:
        return parser.parse(scope.prepare(text))
    except LarkError:
        raise _refusal(text) from None


def translate_expression(text: str, scope: Scope) -> Translated:
    """A FEEL literal expression as a language expression."""
    return _Writer(scope).expr(_parse(_EXPR, text, scope))


def translate_tests(text: str, subject: Translated, scope: Scope) -> Translated | None:
    """A FEEL unary-tests cell on `subject` as a boolean language expression; None for `-`."""
    if text.strip() in ("-", ""):
        return None
    return _Writer(scope).tests(_parse(_TESTS, text, scope), subject)


ORDERED = {FeelType.NUMBER, FeelType.DATE, FeelType.DATETIME, FeelType.DURATION}
_OPS = {"=": "==", "!=": "!=", "<": "<", "<=": "<=", ">": ">", ">=": ">="}


def _duration_minutes(text: str) -> int:
    m = re.fullmatch(r"(-)?P(?:(\d+)D)?(?:T(?:(\d+)H)?(?:(\d+)M)?(?:(\d+)S)?)?", text)
    if not m or text in ("P", "-P") or text.endswith("T"):
        raise Unsupported(f'duration "{text}": only days-and-time durations (P…DT…H…M) are supported')
    sign, days, hours, minutes, seconds = m.groups()
    if seconds and int(seconds) % 60:
        raise Unsupported(f'duration "{text}": seconds are finer than the language\'s minutes')
    total = int(days or 0) * 1440 + int(hours or 0) * 60 + int(minutes or 0) + int(seconds or 0) // 60
    return -total if sign else total


def temporal_literal(kind: str, text: str) -> Translated:
    """A date, date-time or duration literal as the language writes it."""
    try:
        if kind == "date":
            return Translated(dt.date.fromisoformat(text).isoformat(), FeelType.DATE, frozenset())
        if kind == "date_and_time":
            if "T" not in text:
                raise Unsupported(f'date and time "{text}": a date-time needs a time of day')
            moment = dt.datetime.fromisoformat(text)
            if moment.tzinfo is not None or moment.second or moment.microsecond:
                raise Unsupported(f'date and time "{text}": time zones and seconds are outside the language')
            return Translated(moment.strftime("%Y-%m-%dT%H:%M"), FeelType.DATETIME, frozenset())
    except ValueError:
        raise Unsupported(f'"{text}" is not a valid {kind.replace("_", " ")}') from None
    minutes = _duration_minutes(text)
    return Translated(f"({minutes} minutes)" if minutes >= 0 else f"(-{-minutes} minutes)", FeelType.DURATION, frozenset())


def _number(text: str) -> str:
    try:
        value = Decimal(text)
    except InvalidOperation:
        raise Unsupported(f"`{text}` is not a number") from None
    return format(value, "f") if "." not in text else text if not text.startswith(".") else "0" + text


class _Writer:
    def __init__(self, scope: Scope):
        self.scope = scope

    # ---- unary tests
    def tests(self, tree: Tree, subject: Translated) -> Translated:
        negate = tree.data == "not_tests"
        items = tree.children[0].children if negate else tree.children
        parts = [self.test(item, subject) for item in items]
        text = parts[0].text if len(parts) == 1 else "(" + " or ".join(p.text for p in parts) + ")"
        reads = frozenset().union(*(p.reads for p in parts))
        return Translated(f"(not {text})" if negate else text, FeelType.BOOLEAN, reads)

    def test(self, tree: Tree, subject: Translated) -> Translated:
        if tree.data == "null_test":
            raise Unsupported("a `null` test: inputs always have a value in an imported model")
        if tree.data == "interval":
            low_bracket, low, high, high_bracket = tree.children
            lo, hi = self.expr(low), self.expr(high)
            low_op = ">=" if low_bracket == "[" else ">"
            high_op = "<=" if high_bracket == "]" else "<"
            a = self._compare(subject, low_op, lo)
            b = self._compare(subject, high_op, hi)
            return Translated(f"({a.text} and {b.text})", FeelType.BOOLEAN, a.reads | b.reads)
        if tree.data == "compare_test":
            op, operand = tree.children
            return self._compare(subject, str(op), self.expr(operand))
        return self._compare(subject, "=", self.expr(tree.children[0]))  # equal_test

    def _compare(self, left: Translated, op: str, right: Translated) -> Translated:
        if left.type is not right.type:
            raise Unsupported(f"comparing a {left.type.value} with a {right.type.value}")
        if op not in ("=", "!=") and left.type not in ORDERED:
            raise Unsupported(f"`{op}` on {left.type.value} values: the language orders numbers, dates and durations only")
        return Translated(f"{left.text} {_OPS[op]} {right.text}", FeelType.BOOLEAN, left.reads | right.reads)

    # ---- expressions
    def expr(self, tree: Tree | Token) -> Translated:
        kind = tree.data if isinstance(tree, Tree) else None
        c = tree.children if isinstance(tree, Tree) else []
        if kind == "number":
            return Translated(_number(str(c[0])), FeelType.NUMBER, frozenset())
        if kind == "string":
            return Translated(str(c[0]), FeelType.STRING, frozenset())
        if kind in ("true", "false"):
            return Translated(kind, FeelType.BOOLEAN, frozenset())
        if kind == "name":
            name, typ = self.scope.lookup(str(c[0]))
            return Translated(name, typ, frozenset({name}))
        if kind == "at_literal":
            return self._at(str(c[0])[1:-1])
        if kind == "call":
            return self._call(str(c[0]), [a for a in c[1:] if a is not None])
        if kind == "neg":
            inner = self.expr(c[0])
            self._need(inner, {FeelType.NUMBER, FeelType.DURATION}, "-")
            return Translated(f"(-{inner.text})", inner.type, inner.reads)
        if kind in ("add", "sub", "mul", "div"):
            return self._arith(kind, self.expr(c[0]), self.expr(c[1]))
        if kind == "compare":
            return self._compare(self.expr(c[0]), str(c[1]), self.expr(c[2]))
        if kind == "between":
            x, lo, hi = (self.expr(n) for n in c)
            a, b = self._compare(x, ">=", lo), self._compare(x, "<=", hi)
            return Translated(f"({a.text} and {b.text})", FeelType.BOOLEAN, a.reads | b.reads)
        if kind in ("and_", "or_"):
            a, b = self.expr(c[0]), self.expr(c[1])
            self._need(a, {FeelType.BOOLEAN}, kind[:-1])
            self._need(b, {FeelType.BOOLEAN}, kind[:-1])
            return Translated(f"({a.text} {kind[:-1]} {b.text})", FeelType.BOOLEAN, a.reads | b.reads)
        if kind == "if_expr":
            cond, then, other = (self.expr(n) for n in c)
            self._need(cond, {FeelType.BOOLEAN}, "if")
            if then.type is not other.type:
                raise Unsupported(f"an `if` whose branches are a {then.type.value} and a {other.type.value}")
            return Translated(f"(if {cond.text} then {then.text} else {other.text})", then.type,
                              cond.reads | then.reads | other.reads)
        raise Unsupported(f"the FEEL construct `{kind}` is outside the supported subset")

    def _need(self, value: Translated, kinds: set[FeelType], what: str) -> None:
        if value.type not in kinds:
            raise Unsupported(f"`{what}` on a {value.type.value}")

    def _arith(self, kind: str, a: Translated, b: Translated) -> Translated:
        symbol = {"add": "+", "sub": "-", "mul": "*", "div": "/"}[kind]
        reads = a.reads | b.reads
        if a.type is FeelType.NUMBER and b.type is FeelType.NUMBER:
            return Translated(f"({a.text} {symbol} {b.text})", FeelType.NUMBER, reads)
        temporal = {FeelType.DATE, FeelType.DATETIME}
        if kind in ("add", "sub") and a.type in temporal and b.type is FeelType.DURATION and a.type is FeelType.DATETIME:
            return Translated(f"({a.text} {symbol} {b.text})", a.type, reads)
        if kind in ("add", "sub") and a.type is b.type is FeelType.DURATION:
            return Translated(f"({a.text} {symbol} {b.text})", FeelType.DURATION, reads)
        raise Unsupported(f"`{symbol}` on a {a.type.value} and a {b.type.value}")

    def _at(self, text: str) -> Translated:
        if text.startswith(("P", "-P")):
            return temporal_literal("duration", text)
        if "T" in text:
            return temporal_literal("date_and_time", text)
        if re.fullmatch(r"\d{4}-\d{2}-\d{2}", text):
            return temporal_literal("date", text)
        raise Unsupported(f'@"{text}": a time of day or other literal outside the supported subset')

    def _call(self, function: str, args: list) -> Translated:
        if function == "not" and len(args) == 1:
            inner = self.expr(args[0])
            self._need(inner, {FeelType.BOOLEAN}, "not")
            return Translated(f"(not {inner.text})", FeelType.BOOLEAN, inner.reads)
        if function in ("min", "max") and len(args) >= 2:
            items = [self.expr(a) for a in args]
            for item in items:
                self._need(item, {FeelType.NUMBER}, function)
            text = items[0].text
            for item in items[1:]:
                text = f"{function}({text}, {item.text})"
            return Translated(text, FeelType.NUMBER, frozenset().union(*(i.reads for i in items)))
        if function in ("date", "date_and_time", "duration") and len(args) == 1 and getattr(args[0], "data", None) == "string":
            return temporal_literal(function, str(args[0].children[0])[1:-1])
        shown = function.replace("date_and_time", "date and time")
        raise Unsupported(f"a call of `{shown}` (function invocations other than date(\"…\"), date and time(\"…\") "
                          "and duration(\"…\") on a literal, not(…) and min/max of numbers are outside the supported subset)")


def translate_values(text: str, scope: Scope) -> list[Translated]:
    """A list of values (DMN output values: `"a", "b"`), each a constant, in order."""
    tree = _parse(_TESTS, text, scope)
    if tree.data == "not_tests" or any(item.data != "equal_test" for item in tree.children):
        raise Unsupported("output values must be a list of values")
    values = [_Writer(scope).expr(item.children[0]) for item in tree.children]
    if any(v.reads for v in values):
        raise Unsupported("output values must be constants")
    return values
