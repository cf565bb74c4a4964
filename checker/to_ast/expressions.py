"""The AST of expressions and literals: one method per grammar rule or alias. Dates that do not
exist (E004) and numbers too large (E005) are reported and do not stop the parse."""

from __future__ import annotations

import datetime as dt

from ruleproof.checker import ast
from ruleproof.checker.diagnostics import diagnostic
from ruleproof.checker.source import Span
from ruleproof.checker.to_ast.base import Builder, node_of, report, unquote


class Expressions(Builder):
    """Expressions and literals, mixed into the builder."""

    # ------------------------------------------------------------ expressions
    def if_expr(self, meta, c):
        return ast.If(c[0], c[1], c[2], span=self._span(meta))

    def _binary(op):
        return node_of(ast.Binary, op, children=lambda c: (c[0], c[-1]))

    implies = _binary("implies")
    or_ = _binary("or")
    and_ = _binary("and")
    in_ = _binary("in")
    not_in = _binary("not in")
    within = _binary("within")
    before = _binary("before")
    disjoint = _binary("disjoint")
    overlaps = _binary("overlaps")
    add = _binary("+")
    sub = _binary("-")
    mul = _binary("*")
    div = _binary("/")

    def compare(self, meta, c):
        return ast.Binary(str(c[1]), c[0], c[2], span=self._span(meta))

    def not_(self, meta, c):
        return ast.Unary("not", c[0], span=self._span(meta))

    def neg(self, meta, c):
        return ast.Unary("neg", c[0], span=self._span(meta))

    def _test(op):
        return node_of(ast.Test, op, children=lambda c: (c[0],))

    is_present = _test("present")
    is_absent = _test("absent")
    is_empty = _test("empty")

    def name_ref(self, meta, c):
        return ast.Name(str(c[0]), span=self._span(meta))

    def call(self, meta, c):
        return ast.Call(self._id(c[0]), tuple(a for a in c[1:] if a is not None), span=self._span(meta))

    def set_literal(self, meta, c):
        return ast.SetLit(tuple(a for a in c if a is not None), span=self._span(meta))

    def filtered_call(self, meta, c):
        where = ast.Where(c[1], c[2], span=c[1].span.to(c[2].span))
        return ast.Call(self._id(c[0]), (where,), span=self._span(meta))

    def field_ref(self, meta, c):
        base = ast.Name(str(c[0]), span=Span(self.source, c[0].start_pos, c[0].end_pos))
        return ast.Field(base, self._id(c[1]), span=self._span(meta))

    def list_literal(self, meta, c):
        return ast.ListLit(tuple(a for a in c if a is not None), span=self._span(meta))

    def record_item(self, meta, c):
        return ast.Binding(self._id(c[0]), c[1], span=self._span(meta))

    def record_literal(self, meta, c):
        return ast.RecordLit(tuple(c), span=self._span(meta))


    def number(self, meta, c):
        text = self._sized(meta, str(c[0]))
        kind = "decimal" if "." in text else "int"
        unit = c[1] if len(c) > 1 else None
        return ast.Literal(kind, text, unit, span=self._span(meta))

    def percent(self, meta, c):
        return ast.Literal("percent", self._sized(meta, str(c[0])), span=self._span(meta))

    def _moment(kind: str, parse, what: str, label: str, form: str):
        """A date or date-time literal; one that does not exist is reported (E004) and a stand-in
        (year 1) goes on: errors stop the pack before lowering."""

        def make(self, meta, c):
            token = c[0]
            span = Span(self.source, token.start_pos, token.end_pos)
            try:
                value = parse(str(token))
            except ValueError:
                report(diagnostic("E004", f"`{token}` is not {what}", span, label,
                                   help=f"{kind.replace('datetime', 'date-time')}s are written {form} and must exist"))
                value = parse("0001-01-01")
            return ast.Literal(kind, value, span=span)

        return make

    date_lit = _moment("date", dt.date.fromisoformat, "a calendar date", "no such day", "YYYY-MM-DD")
    datetime_lit = _moment("datetime", dt.datetime.fromisoformat, "a valid date-time", "no such moment", "YYYY-MM-DDTHH:MM")

    def string_lit(self, meta, c):
        return ast.Literal("string", unquote(c[0]), span=self._span(meta))

    def true_lit(self, meta, c):
        return ast.Literal("bool", True, span=self._span(meta))

    def false_lit(self, meta, c):
        return ast.Literal("bool", False, span=self._span(meta))


#: the one builder the parser calls into (it keeps no state of its own)
