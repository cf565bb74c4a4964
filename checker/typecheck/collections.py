"""Part of stage 3, type checking: records, lists of records and the aggregates over them
(`count`, `sum`, `min`, `max`, `any`, `all`, with `where` filters and `list.field`). What the
aggregates mean is in checker/semantics/aggregates.py.

A list is only ever read whole by an aggregate; a `where` or a `list.field` anywhere else, or
an aggregate over something that is not a list, is E220. Inside a filter, the record's fields
are names (they hide a fact or decision of the same name there).
"""

from __future__ import annotations

from contextlib import contextmanager

from ruleproof.checker import ast, ir
from ruleproof.checker import types as T
from ruleproof.checker.diagnostics import did_you_mean
from ruleproof.checker.semantics.aggregates import AggregateOp
from ruleproof.checker.semantics.kinds import Kind
from ruleproof.checker.typecheck.pack import ERROR, fits
from ruleproof.checker.types import Type

#: the kinds a record field may have: one plain value each
FIELD_KINDS = frozenset({Kind.BOOL, Kind.INT, Kind.DECIMAL, Kind.RATE, Kind.MONEY, Kind.DURATION, Kind.DATE,
                         Kind.DATETIME, Kind.ENUM, Kind.STRING})
#: the most records a list may be declared to hold: the encoder has a slot per record
MAX_LIST_SIZE = 1000
AGGREGATES = frozenset(op.value for op in AggregateOp)


class Collections:
    """Record types, list literals and aggregates, mixed into Checker."""

    _item: Type | None  # the record type a filter or field is read over, while elaborating one
    _record_types: dict[str, Type]

    def record_type(self, name: str) -> Type:
        """The type of record `name` (built once; a field of a kind a record cannot hold is E201)."""
        cache = self._record_types
        if name not in cache:
            symbol = self.symbol(name)
            decl = symbol.decl if symbol is not None else None
            if not isinstance(decl, ast.RecordDecl):  # the name is declared twice: resolve reported it
                return ERROR
            fields = []
            for f in decl.fields:
                typ = self.type_of(f"{name}.{f.name.name}", f.type)
                if typ != ERROR and (typ.optional or typ.kind not in FIELD_KINDS):
                    self.error("E201", f"a record field holds one value, not {typ}", f.type.span, f"this is {typ}",
                               help="fields are bool, numbers, amounts, durations, dates, date-times, enums or strings")
                    typ = ERROR
                base = f.type.base
                low, high = (base.low, base.high) if isinstance(base, ast.IntType) else (None, None)
                fields.append(T.Field(f.name.name, typ, low, high))
            cache[name] = T.record(name, tuple(fields))
        return cache[name]

    def list_type(self, base: ast.ListType) -> Type:
        """The type `list of RECORD up to N` denotes (ERROR for an unknown record, reported by resolve)."""
        symbol = self.symbol(base.element.name)
        if symbol is None or symbol.kind != "record":
            return ERROR
        if base.size > MAX_LIST_SIZE:
            self.error("E221", f"a list of up to {base.size} records is too long to check", base.span,
                       f"at most {MAX_LIST_SIZE}", help="declare the longest list a case can really hold")
            return ERROR
        return T.list_of(self.record_type(base.element.name), max(base.size, 1))

    def decl_RecordDecl(self, decl: ast.RecordDecl) -> None:
        self.record_type(decl.name.name)

    # ------------------------------------------------------------ expressions outside an aggregate
    def _e_Where(self, e: ast.Where, env, expected, allow_optional) -> ir.Expr:
        return self._outside(e, "a filter `where`")

    def _e_Field(self, e: ast.Field, env, expected, allow_optional) -> ir.Expr:
        self.expr(e.base, env, allow_optional=True)  # the list is read (no knock-on "never used")
        return self._outside(e, f"`{e.base.name}.{e.field.name}`")

    def _outside(self, e: ast.Expr, what: str) -> ir.Expr:
        return self.error("E220", f"{what} stands only inside count, sum, min, max, any or all", e.span,
                          "not inside an aggregate", help="e.g. `count(reviews where stars >= 4)` or `sum(categories.deposit)`")

    def _e_RecordLit(self, e: ast.RecordLit, env, expected, allow_optional) -> ir.Expr:
        return self.error("E220", "a record stands only inside a list", e.span, "not in a list",
                          help="write the list: `[{field: value, ...}]`")

    def _e_ListLit(self, e: ast.ListLit, env, expected, allow_optional) -> ir.Expr:
        if expected is None or expected.kind != Kind.LIST:
            return self.error("E220", "a list is a value of a list fact only", e.span, "not a list fact's value",
                              help="give lists in an example's `given` or as a list fact's default")
        if len(e.items) > expected.size:
            return self.error("E221", f"this list has {len(e.items)} records; `{expected}` holds at most {expected.size}",
                              e.items[expected.size].span, "one too many" if len(e.items) == expected.size + 1 else "too many",
                              help=f"give at most {expected.size} records, or declare a longer list")
        records = [self._record(item, expected.element, env) for item in e.items]
        if any(r is None for r in records):
            return ir.Const(None, ERROR, span=e.span)
        return ir.Const(tuple(records), expected, span=e.span)

    def _record(self, e: ast.Expr, record: Type, env) -> tuple | None:
        """The values of a record literal in field order, or None after an error."""
        if not isinstance(e, ast.RecordLit):
            self.error("E201", f"a list of {record.param} holds records `{{field: value, ...}}`", e.span, "not a record")
            return None
        given = {}
        for binding in e.fields:
            field = record.field(binding.name.name)
            if field is None:
                self.error("E101", f"record `{record.param}` has no field `{binding.name.name}`", binding.name.span, "unknown field",
                           help=did_you_mean(binding.name.name, [f.name for f in record.fields]) or _fields(record))
                return None
            if field.name in given:
                self.error("E102", f"field `{field.name}` is given twice", binding.name.span, "second value")
                return None
            value = self.expr(binding.value, env, field.type)
            if value.type == ERROR:
                return None
            if not fits(value.type, field.type) or not isinstance(value, ir.Const):
                self.error("E201" if isinstance(value, ir.Const) else "E213", f"field `{field.name}` must be a constant {field.type}",
                           binding.value.span, f"this is {value.type}")
                return None
            if field.low is not None and not field.low <= value.value <= field.high:
                self.error("E201", f"field `{field.name}` must be between {field.low} and {field.high}", binding.value.span,
                           "out of range")
                return None
            given[field.name] = value.value
        missing = [f.name for f in record.fields if f.name not in given]
        if missing:
            self.error("E201", f"this {record.param} lacks " + ", ".join(f"`{m}`" for m in missing), e.span, "missing fields",
                       help="a record gives every field")
            return None
        return tuple(given[f.name] for f in record.fields)

    # ------------------------------------------------------------ aggregates
    def is_aggregate(self, e: ast.Call) -> bool:
        """Whether a call is an aggregate over a list: `sum`, `any` and `all` always are; `count`,
        `min` and `max` when given one `where`, `list.field` or list fact (else they are the
        built-in functions of durations and of several values)."""
        name = e.func.name
        if name in ("sum", "any", "all"):
            return True
        if name not in ("count", "min", "max") or len(e.args) != 1:
            return False
        arg = e.args[0]
        if isinstance(arg, (ast.Where, ast.Field)):
            return True
        symbol = self.symbol(arg.name) if isinstance(arg, ast.Name) else None
        return symbol is not None and symbol.kind == "fact" and isinstance(symbol.decl.type.base, ast.ListType)

    def check_list_declarations(self) -> None:
        """E220 for a decision declared as a list, or an optional list fact (a list not sent is
        missing; an empty list is `[]`)."""
        for symbol in self.res.symbols.values():
            decl = symbol.decl
            if isinstance(decl, (ast.FactDecl, ast.DecisionDecl)) and isinstance(decl.type.base, ast.ListType):
                if isinstance(decl, ast.DecisionDecl):
                    self.error("E220", f"decision `{symbol.name}` cannot be a list", decl.type.span, "a list",
                               help="decide a count, sum, min, max, any or all of a list fact")
                elif decl.type.optional:
                    self.error("E220", f"list fact `{symbol.name}` cannot be optional", decl.type.span, "optional list",
                               help="an empty list is `[]`: drop the `?`")

    def item_field(self, e: ast.Name) -> ir.Item | None:
        """The field a name means inside a filter, or None."""
        if self._item is None:
            return None
        for index, field in enumerate(self._item.fields):
            if field.name == e.name:
                return ir.Item(field.name, index, field.type, span=e.span)
        return None

    @contextmanager
    def _reading(self, record: Type):
        outer, self._item = self._item, record
        try:
            yield
        finally:
            self._item = outer

    def aggregate(self, e: ast.Call, env) -> ir.Expr:
        """Elaborate `op(list [.field] [where condition])` (E220, E222 when it does not fit)."""
        op = AggregateOp(e.func.name)
        if len(e.args) != 1:
            return self.error("E209", f"`{op}` takes one list, not {len(e.args)} arguments", e.span, "wrong number of arguments",
                              help=f"e.g. `{op}(reviews where stars >= 4)`")
        arg = e.args[0]
        condition = None
        if isinstance(arg, ast.Where):
            arg, condition = arg.items, arg.condition
        field = None
        if isinstance(arg, ast.Field):
            arg, field = arg.base, arg.field
        items = self.expr(arg, env, allow_optional=True)
        if items.type == ERROR:
            return items
        if items.type.kind != Kind.LIST:
            return self.error("E220", f"`{op}` needs a list, and this is {items.type}", arg.span, f"this is {items.type}",
                              help="aggregates read list facts: `fact reviews: list of review up to 20`")
        record = items.type.element
        with self._reading(record):
            keep = self.condition(condition, env, "a filter") if condition is not None else None
            value = self._field(record, field) if field is not None else None
        if ERROR in (getattr(keep, "type", None), getattr(value, "type", None)):
            return ir.Const(None, ERROR, span=e.span)
        if op in (AggregateOp.ANY, AggregateOp.ALL) and value is None:
            if keep is None:
                return self.error("E222", f"`{op}` needs a test: a condition or a yes/no field", e.span, "nothing to test",
                                  help=f"e.g. `{op}({arg.name} where ...)`")
            keep, value = None, keep
        if op is AggregateOp.COUNT:
            if value is not None:
                return self.error("E222", "`count` counts records, not a field", e.span, "a field given",
                                  help=f"write `count({arg.name})`, with `where` to count some of them")
            return ir.Aggregate(op, items, keep, None, T.INT, span=e.span)
        if value is None:
            return self.error("E222", f"`{op}` needs a field of the records", e.span, "no field",
                              help=f"write `{op}({arg.name}.FIELD)`; fields that fit: {_example_field(record, op)}")
        if value.type.kind not in op.value_kinds:
            what = {AggregateOp.SUM: "a number, amount or duration", AggregateOp.ANY: "true or false",
                    AggregateOp.ALL: "true or false"}.get(op, "a number, amount, duration, date or date-time")
            return self.error("E222", f"`{op}` needs {what}; `{field.name}` is {value.type}", field.span,
                              f"this is {value.type}", help=f"fields that fit: {_example_field(record, op)}")
        result = T.BOOL if op in (AggregateOp.ANY, AggregateOp.ALL) else value.type
        return ir.Aggregate(op, items, keep, value, result, span=e.span)

    def _field(self, record: Type, ident: ast.Ident) -> ir.Expr:
        for index, field in enumerate(record.fields):
            if field.name == ident.name:
                return ir.Item(field.name, index, field.type, span=ident.span)
        return self.error("E101", f"record `{record.param}` has no field `{ident.name}`", ident.span, "unknown field",
                          help=did_you_mean(ident.name, [f.name for f in record.fields]) or _fields(record))


def _fields(record: Type) -> str:
    return f"`{record.param}` has " + ", ".join(f"`{f.name}`" for f in record.fields)


def _example_field(record: Type, op: AggregateOp) -> str:
    fitting = [f.name for f in record.fields if f.type.kind in op.value_kinds]
    return ", ".join(f"`{f}`" for f in fitting) if fitting else f"none of `{record.param}`'s fields"
