"""Stage 3: types and units. Elaborates every AST expression into a typed IR expression,
checking types, duration units, currencies and optional facts (presence tests narrow them).

The stage is one `Checker` made of its parts: declarations.py (one method per kind of
declaration), expressions.py (one method per kind of expression) and narrowing.py (what a
condition proves present); pack.py holds what it produces for lowering.
"""

from __future__ import annotations

from ruleproof.checker import ast, ir
from ruleproof.checker import types as T
from ruleproof.checker.diagnostics import Diagnostic, diagnostic
from ruleproof.checker.resolve import Resolution, Symbol
from ruleproof.checker.source import Span
from ruleproof.checker.typecheck.collections import Collections
from ruleproof.checker.typecheck.declarations import Declarations
from ruleproof.checker.typecheck.expressions import Expressions
from ruleproof.checker.typecheck.pack import (
    ERROR,
    HIT_POLICIES,
    OBLIGATION_STATUS,
    TypedPack,
    date_value,
    datetime_value,
    fits,
)
from ruleproof.checker.types import Type

__all__ = ["Checker", "TypedPack", "ERROR", "HIT_POLICIES", "OBLIGATION_STATUS", "date_value", "datetime_value",
           "fits", "typecheck"]


def typecheck(res: Resolution) -> tuple[TypedPack, list[Diagnostic]]:
    """Elaborate every declaration of a resolved pack; all type and unit errors as diagnostics."""
    checker = Checker(res)
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
    checker.check_list_declarations()
    checker.check_decisions_concluded()
    checker.check_unused_facts()
    return checker.out, checker.diags


class Checker(Declarations, Expressions, Collections):
    """Elaborates one resolved pack. Errors are reported once; a bad sub-expression becomes an
    ERROR-typed constant so that no error cascades into others."""

    def __init__(self, res: Resolution):
        self.res = res
        self.diags: list[Diagnostic] = []
        self.out = TypedPack(res)
        self.used_facts: set[str] = set()
        self._named_cache: dict[str, ir.Expr] = {}
        self._in_progress: set[str] = set()
        self._enum_types: dict[str, Type] = {}
        self._record_types: dict[str, Type] = {}
        self._item: Type | None = None  # inside an aggregate's filter or field: the record read
        self.lets: dict[str, ast.Expr] = {
            name: symbol.decl.value for name, symbol in res.symbols.items() if symbol.kind == "let"}
        # While elaborating a window bound or a deadline: optional names read there without a
        # presence test; the bound then exists only when they are present (see `bound`).
        self._implicit: dict[str, ir.Expr] | None = None

    # ------------------------------------------------------------ helpers
    def error(self, code: str, message: str, span: Span, label: str = "", **kw) -> ir.Const:
        """Report a diagnostic; returns the ERROR constant that stands for the bad expression."""
        self.diags.append(diagnostic(code, message, span, label, **kw))
        return ir.Const(None, ERROR, span=span)

    def symbol(self, name: str) -> Symbol | None:
        """The pack's symbol of that name, or None."""
        return self.res.symbols.get(name)

    # ------------------------------------------------------------ types
    def enum_type(self, name: str) -> Type:
        """The type of enum `name` (a declared enum, an inline one named after its owner, or obligation statuses)."""
        if name == OBLIGATION_STATUS.param:
            return OBLIGATION_STATUS
        if name not in self._enum_types:
            decl = self.symbol(name).decl
            members = decl.members if isinstance(decl, ast.EnumDecl) else decl.type.base.members
            self._enum_types[name] = T.enum(name, tuple(m.name for m in members))
        return self._enum_types[name]

    def type_of(self, owner: str, texpr: ast.TypeExpr) -> Type:
        """The type a type expression written for `owner` denotes (ERROR for an unknown enum, reported by resolve)."""
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
        elif isinstance(base, ast.ListType):
            return self.list_type(base)  # never optional (E220 says so when written with `?`)
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
        """Whether the decision always has a value: a default, `complete`, `collect`, or an unconditional formula."""
        if isinstance(decl, ast.ObligationDecl):
            return False
        return (
            decl.default is not None or decl.complete or (decl.hit and decl.hit.name in ("collect", "collect_count"))
            or (decl.body is not None and decl.when is None)
        )

    def decision_type(self, name: str) -> Type:
        """The type a reader of decision (or obligation) `name` sees: optional unless the decision is total."""
        symbol = self.symbol(name)
        decl = symbol.decl
        if isinstance(decl, ast.ObligationDecl):
            base = T.DATE if name.endswith("_deadline") and name != decl.name.name else OBLIGATION_STATUS
            return base.maybe()
        declared = self.type_of(name, decl.type).required()
        return declared if self.decision_is_total(decl) else declared.maybe()

