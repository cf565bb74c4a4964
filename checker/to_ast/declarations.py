"""The AST of declarations: one method per grammar rule or alias of the module, its
declarations, types, rules, tables, windows, properties, obligations and examples."""

from __future__ import annotations

from lark import Token
from ruleproof.checker import ast
from ruleproof.checker.diagnostics import diagnostic
from ruleproof.checker.to_ast.base import Builder, node_of, report, unquote


class Declarations(Builder):
    """Declarations, mixed into the builder: keyword and punctuation tokens are already dropped
    from `children`; options inside declarations come back as tagged tuples."""

    # ------------------------------------------------------------ module
    def start(self, meta, children):
        header = children[0] if children and isinstance(children[0], ast.Header) else None
        decls = tuple(c for c in children if not isinstance(c, ast.Header))
        return header, decls

    def header(self, meta, children):
        return ast.Header(self._id(children[0]), unquote(children[1]), span=self._span(meta))

    def cite(self, meta, children):
        return unquote(children[0])

    def cite_opt(self, meta, children):
        return ("cite", children[0])

    def import_decl(self, meta, children):
        return ast.Import(self._id(children[0]), span=self._span(meta))

    def enum_members(self, meta, children):
        return tuple(self._id(t) for t in children)

    def enum_decl(self, meta, children):
        cite = children[2] if len(children) > 2 else None
        return ast.EnumDecl(self._id(children[0]), children[1], cite, span=self._span(meta))

    def fact_default(self, meta, children):
        return ("default", children[0])

    def fact_decl(self, meta, children):
        name, type_, *rest = children
        default = next((c[1] for c in rest if isinstance(c, tuple)), None)
        cite = next((c for c in rest if isinstance(c, str)), None)
        return ast.FactDecl(self._id(name), type_, default, cite, span=self._span(meta))

    def const_decl(self, meta, children):
        name, value, *rest = children
        period = next((c for c in rest if isinstance(c, ast.Period)), None)
        cite = next((c for c in rest if isinstance(c, str)), None)
        return ast.ConstDecl(self._id(name), value, cite, span=self._span(meta), period=period)

    # ------------------------------------------------------------ effective periods
    def period_from(self, meta, children):
        dates = [self.date_lit(None, [t]) for t in children if isinstance(t, Token) and t.type == "DATE"]
        return ast.Period(dates[0], dates[1] if len(dates) > 1 else None, span=self._span(meta))

    def period_until(self, meta, children):
        dates = [self.date_lit(None, [t]) for t in children if isinstance(t, Token) and t.type == "DATE"]
        return ast.Period(None, dates[0], span=self._span(meta))

    def period_opt(self, meta, children):
        return ("period", children[0])

    def effective_decl(self, meta, children):
        cite = children[1] if len(children) > 1 else None
        return ast.EffectiveDecl(children[0], cite, span=self._span(meta))

    def let_decl(self, meta, children):
        cite = children[2] if len(children) > 2 else None
        return ast.LetDecl(self._id(children[0]), children[1], cite, span=self._span(meta))

    def assume_decl(self, meta, children):
        cite = children[1] if len(children) > 2 else None
        return ast.AssumeDecl(self._id(children[0]), children[-1], cite, span=self._span(meta))

    def holidays_decl(self, meta, children):
        dates = tuple(self.date_lit(None, [t]) for t in children if isinstance(t, Token) and t.type == "DATE")
        cite = next((c for c in children if isinstance(c, str) and not isinstance(c, Token)), None)
        return ast.HolidaysDecl(dates, cite, span=self._span(meta))

    def accept_decl(self, meta, children):
        code, *targets, reason = children
        return ast.AcceptDecl(
            unquote(code), tuple(self._id(t) for t in targets), unquote(reason), span=self._span(meta)
        )

    # ------------------------------------------------------------ types
    def type_expr(self, meta, children):
        return ast.TypeExpr(children[0], len(children) > 1, span=self._span(meta))

    def _prim(name):
        return node_of(ast.PrimType, name)

    bool_type = _prim("bool")
    decimal_type = _prim("decimal")
    rate_type = _prim("rate")
    string_type = _prim("string")
    date_type = _prim("date")
    datetime_type = _prim("datetime")

    def int_type(self, meta, children):
        low, high = children[0] if children and children[0] else (None, None)
        return ast.IntType(low, high, span=self._span(meta))

    def int_range(self, meta, children):
        low, high = (int(self._sized(meta, str(end))) for end in children[:2])
        if low > high:
            report(diagnostic(
                "E009", f"empty integer range `{low}..{high}`", self._span(meta),
                "the low end is above the high end", help=f"write `{high}..{low}`",
            ))
        return low, high

    def money_type(self, meta, children):
        return ast.MoneyType(str(children[0]), span=self._span(meta))

    def duration_type(self, meta, children):
        return ast.DurationType(children[0], span=self._span(meta))

    def days_unit(self, meta, children):
        return "days"

    def working_days_unit(self, meta, children):
        return "working_days"

    def hours_unit(self, meta, children):
        return "hours"

    def minutes_unit(self, meta, children):
        return "minutes"

    def months_unit(self, meta, children):
        return "months"

    def years_unit(self, meta, children):
        return "years"

    def currency_unit(self, meta, children):
        return str(children[0])

    def set_type(self, meta, children):
        return ast.SetType(self._id(children[0]), span=self._span(meta))

    def named_type(self, meta, children):
        return ast.NamedType(self._id(children[0]), span=self._span(meta))

    def inline_enum_type(self, meta, children):
        return ast.InlineEnum(children[0], span=self._span(meta))

    def list_type(self, meta, children):
        size = int(self._sized(meta, str(children[1])))
        if size < 1:
            report(diagnostic(
                "E009", f"a list of at most {size} items holds nothing", self._span(meta),
                "the maximum length must be at least 1", help="write `up to N` with N of 1 or more",
            ))
        return ast.ListType(self._id(children[0]), size, span=self._span(meta))

    def record_field(self, meta, children):
        return ast.RecordField(self._id(children[0]), children[1], span=self._span(meta))

    def record_decl(self, meta, children):
        name, *rest = children
        cite = next((c for c in rest if isinstance(c, str) and not isinstance(c, Token)), None)
        fields = tuple(c for c in rest if isinstance(c, ast.RecordField))
        return ast.RecordDecl(self._id(name), fields, cite, span=self._span(meta))

    # ------------------------------------------------------------ decisions and rules
    def default_opt(self, meta, children):
        return ("default", children[0])

    def hit_opt(self, meta, children):
        return ("hit", self._id(children[0]))

    def complete_opt(self, meta, children):
        return ("complete", True)

    def when_opt(self, meta, children):
        return ("when", children[0])

    def as_of_opt(self, meta, children):
        return ("as_of", children[0])

    def decision_body(self, meta, children):
        return ("body", children[0])

    def decision_decl(self, meta, children):
        name, type_, *options = children
        opts = dict(options)
        return ast.DecisionDecl(
            self._id(name), type_, opts.get("default"), opts.get("hit"), bool(opts.get("complete")),
            opts.get("cite"), opts.get("body"), opts.get("when"), span=self._span(meta), as_of=opts.get("as_of"),
        )

    def priority_opt(self, meta, children):
        return ("priority", int(self._sized(meta, str(children[0]))))

    def conclusion(self, meta, children):
        return ast.Conclusion(self._id(children[0]), children[1], span=self._span(meta))

    def conclusions(self, meta, children):
        return ("conclusions", tuple(children))

    def name_list(self, meta, children):
        return tuple(self._id(t) for t in children)

    def because(self, meta, children):
        return unquote(children[0])

    def overrides_rel(self, meta, children):
        return self._relation("overrides", meta, children)

    def unless_rel(self, meta, children):
        return self._relation("unless", meta, children)

    def replaces_rel(self, meta, children):
        return ("replaces", children[0], children[1] if len(children) > 1 else None)

    def _relation(self, kind: str, meta, children) -> tuple:
        """An `overrides`/`unless` of a rule; without its `because` reason, E314 (DESIGN: every
        rule that wins over another says why, in the open)."""
        because = children[1] if len(children) > 1 else None
        if because is None:
            names = ", ".join(i.name for i in children[0])
            report(diagnostic(
                "E314", f"`{kind} {names}` gives no reason", self._span(meta), "no `because` follows",
                help='say why on the next line, e.g. `because "Art. 39 is the exception to Art. 36"`',
            ))
        return (kind, children[0], because)

    def rule_decl(self, meta, children):
        name, *rest = children
        opts = {c[0]: c[1] for c in rest if isinstance(c, tuple) and c[0] in ("cite", "priority", "period")}
        condition = next(c for c in rest if not isinstance(c, tuple))
        conclusions = next(c[1] for c in rest if isinstance(c, tuple) and c[0] == "conclusions")
        relations = [c for c in rest if isinstance(c, tuple) and c[0] in ("overrides", "unless")]
        overrides = tuple(i for kind, ids, _ in relations if kind == "overrides" for i in ids)
        unless = tuple(i for kind, ids, _ in relations if kind == "unless" for i in ids)
        because = next((b for _, _, b in relations if b), None)
        replacing = [c for c in rest if isinstance(c, tuple) and c[0] == "replaces"]
        return ast.RuleDecl(
            self._id(name), opts.get("cite"), opts.get("priority"), condition, conclusions,
            overrides, unless, because, span=self._span(meta), period=opts.get("period"),
            replaces=tuple(i for _, ids, _ in replacing for i in ids),
            replaces_cite=next((c for _, _, c in replacing if c), None),
        )

    # ------------------------------------------------------------ tables
    def table_inputs(self, meta, children):
        return ("inputs", tuple(children))

    def any_cell(self, meta, children):
        return ast.Cell("any", span=self._span(meta))

    def otherwise_cell(self, meta, children):
        return ast.Cell("otherwise", span=self._span(meta))

    def compare_cell(self, meta, children):
        return ast.Cell("compare", str(children[0]), children[1], span=self._span(meta))

    def in_cell(self, meta, children):
        return ast.Cell("in", None, children[0], span=self._span(meta))

    def equal_cell(self, meta, children):
        return ast.Cell("equal", None, children[0], span=self._span(meta))

    def table_row(self, meta, children):
        cite = children[-1] if isinstance(children[-1], str) else None
        body = children[:-1] if cite is not None else children
        period = body[-1] if isinstance(body[-1], ast.Period) else None
        body = body[:-1] if period is not None else body
        return ast.TableRow(tuple(body[:-1]), body[-1], cite, span=self._span(meta), period=period)

    def table_decl(self, meta, children):
        name, decision, *rest = children
        cite = next((c[1] for c in rest if isinstance(c, tuple) and c[0] == "cite"), None)
        inputs = next(c[1] for c in rest if isinstance(c, tuple) and c[0] == "inputs")
        rows = tuple(c for c in rest if isinstance(c, ast.TableRow))
        period = next((c[1] for c in rest if isinstance(c, tuple) and c[0] == "period"), None)
        return ast.TableDecl(self._id(name), self._id(decision), cite, inputs, rows, span=self._span(meta), period=period)

    # ------------------------------------------------------------ windows, properties, obligations
    def _bounds(start_closed, end_closed):
        def make(self, meta, children):
            return (children[0], children[1], start_closed, end_closed)

        return make

    closed_closed = _bounds(True, True)
    closed_open = _bounds(True, False)
    open_closed = _bounds(False, True)
    open_open = _bounds(False, False)

    def window_decl(self, meta, children):
        name, (start, end, sc, ec), *rest = children
        return ast.WindowDecl(self._id(name), start, end, sc, ec, rest[0] if rest else None, span=self._span(meta))

    def _prop(kind):
        def make(self, meta, children):
            return (kind, children[0])

        return make

    always_prop = _prop("always")
    never_prop = _prop("never")
    possible_prop = _prop("possible")

    def property_decl(self, meta, children):
        name, *rest = children
        kind, cond = rest[-1]
        cite = rest[0] if len(rest) > 1 else None
        return ast.PropertyDecl(self._id(name), kind, cond, cite, span=self._span(meta))

    def ob_when(self, meta, children):
        return ("when", children[0])

    def ob_by(self, meta, children):
        return ("by", children[0])

    def ob_done(self, meta, children):
        return ("done", self._id(children[0]))

    def obligation_decl(self, meta, children):
        name, *rest = children
        cite = rest.pop(0) if isinstance(rest[0], str) and not isinstance(rest[0], Token) else None
        party, duty, *clauses = rest
        opts = dict(clauses)
        return ast.ObligationDecl(
            self._id(name), cite, self._id(party), unquote(duty), opts.get("when"), opts.get("by"),
            opts.get("done"), span=self._span(meta),
        )

    # ------------------------------------------------------------ examples
    def binding(self, meta, children):
        return ast.Binding(self._id(children[0]), children[1], span=self._span(meta))

    def bindings(self, meta, children):
        return ("given", tuple(children))

    def expect_value(self, meta, children):
        return ast.Expectation(self._id(children[0]), children[1], span=self._span(meta))

    def expect_undetermined(self, meta, children):
        return ast.Expectation(self._id(children[0]), None, span=self._span(meta))

    def expectations(self, meta, children):
        return ("expect", tuple(children))

    def example_decl(self, meta, children):
        title, *rest = children
        cite = next((c for c in rest if isinstance(c, str)), None)
        opts = dict(c for c in rest if isinstance(c, tuple))
        return ast.ExampleDecl(
            unquote(title), cite, opts.get("given", ()), opts["expect"], span=self._span(meta)
        )
