"""Stage 2: names. Builds the pack's symbol table, checks imports (unknown modules, cycles,
missing imports) and every reference to a name."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field

from ruleproof.checker import ast
from ruleproof.checker.diagnostics import Diagnostic, Label, diagnostic, did_you_mean
from ruleproof.checker.lexer import NameKind, reserved_words
from ruleproof.checker.resolve_periods import check_periods
from ruleproof.checker.resolve_relations import check_relations
from ruleproof.checker.source import Span

SYMBOL_KIND = {
    ast.EnumDecl: "enum", ast.FactDecl: "fact", ast.ConstDecl: "const", ast.LetDecl: "let",
    ast.AssumeDecl: "assumption", ast.DecisionDecl: "decision", ast.RuleDecl: "rule",
    ast.TableDecl: "table", ast.WindowDecl: "window", ast.PropertyDecl: "property",
    ast.ObligationDecl: "obligation", ast.RecordDecl: "record",
}
VALUE_KINDS = frozenset({"fact", "const", "let", "decision", "window", "obligation"})
# The status an obligation decides; its members are enum members of every pack with an obligation.
OBLIGATION_STATUS_ENUM = "obligation_status"
OBLIGATION_STATUSES = ("pending", "met", "late", "breached")


@dataclass(frozen=True)
class Symbol:
    name: str
    kind: str
    decl: object
    module: str
    span: Span


@dataclass
class Resolution:
    """The symbol table of one pack, plus where each enum member comes from."""

    header: ast.Header | None
    modules: dict[str, ast.Module]
    module_order: list[str]
    symbols: dict[str, Symbol] = field(default_factory=dict)
    enum_members: dict[str, list[str]] = field(default_factory=dict)
    used: set[str] = field(default_factory=set)
    broken: frozenset[str] = frozenset()  # declared in text that does not parse (its syntax error is reported)
    record_fields: set[str] = field(default_factory=set)  # names a `where` condition may read as fields


def resolve(modules: dict[str, ast.Module]) -> tuple[Resolution, list[Diagnostic]]:
    """Resolve every name in the pack; diagnostics for each problem, never an exception."""
    diags: list[Diagnostic] = []
    header = _pack_header(modules, diags)
    order = _module_order(modules, diags)
    res = Resolution(header, modules, order, broken=frozenset().union(*(m.broken for m in modules.values())))
    for name in order:
        _declare(res, modules[name], diags)
    _check_member_clashes(res, diags)
    for name in order:
        _check_references(res, modules[name], diags)
    check_relations(res, diags)
    check_periods(res, diags)
    return res, diags


def _pack_header(modules: dict[str, ast.Module], diags: list[Diagnostic]) -> ast.Header | None:
    headers = [m.header for m in modules.values() if m.header is not None]
    headers.sort(key=lambda h: h.span.sort_key())
    if not headers and modules:
        first = sorted(modules.values(), key=lambda m: m.span.path)[0]
        diags.append(diagnostic(
            "E006", "the pack has no `pack` header", Span(first.span.source, 0, 0),
            "no file starts with a header", help='start one file with `pack NAME version "1.0"`',
        ))
    for extra in headers[1:]:
        diags.append(diagnostic(
            "E007", f"second pack header `{extra.name.name}`", extra.span, "a pack has one header",
            secondary=(Label(headers[0].span, "first header here"),),
            help="keep the header in one file and remove the others",
        ))
    return headers[0] if headers else None


def _imports(module: ast.Module) -> list[ast.Import]:
    return [d for d in module.decls if isinstance(d, ast.Import)]


def _module_order(modules: dict[str, ast.Module], diags: list[Diagnostic]) -> list[str]:
    """Modules with their imports first; reports unknown modules and import cycles."""
    order: list[str] = []
    state: dict[str, str] = {}

    def visit(name: str, path: list[ast.Import]) -> None:
        if state.get(name) == "done":
            return
        if state.get(name) == "active":
            targets = [i.module.name for i in path]
            entry = targets.index(name) if name in targets[:-1] else -1
            cycle = path[entry + 1 :]
            names = " -> ".join([name] + [i.module.name for i in cycle])
            diags.append(diagnostic(
                "E103", f"import cycle: `{names}`", path[-1].span, "this import closes the cycle",
                secondary=tuple(Label(i.span, "imported here") for i in cycle[:-1]),
                help="move the shared declarations into a module both can import",
            ))
            return
        state[name] = "active"
        for imp in _imports(modules[name]):
            target = imp.module.name
            if target not in modules:
                diags.append(diagnostic(
                    "E105", f"no module `{target}` in this pack", imp.module.span, "unknown module",
                    help=did_you_mean(target, list(modules)) or "a module is a `.rules` file in the pack's folder",
                ))
                continue
            visit(target, path + [imp])
        state[name] = "done"
        order.append(name)

    for name in sorted(modules):
        visit(name, [])
    return order


def _declare(res: Resolution, module: ast.Module, diags: list[Diagnostic]) -> None:
    for decl in module.decls:
        if isinstance(decl, ast.ObligationDecl):
            _add(res, decl.name.name, "obligation", decl, module.name, decl.name.span, diags)
            _add(res, decl.name.name + "_deadline", "decision", decl, module.name, decl.name.span, diags)
            statuses = tuple(ast.Ident(s, span=decl.name.span) for s in OBLIGATION_STATUSES)
            _add_members(res, OBLIGATION_STATUS_ENUM, statuses, diags)
        elif type(decl) in SYMBOL_KIND:
            if not _add(res, decl.name.name, SYMBOL_KIND[type(decl)], decl, module.name, decl.name.span, diags):
                continue  # a second definition (E102): its enum members would name an enum that is not there
        if isinstance(decl, ast.EnumDecl):
            _add_members(res, decl.name.name, decl.members, diags)
        elif isinstance(decl, ast.RecordDecl):
            res.record_fields.update(f.name.name for f in decl.fields)
        elif isinstance(decl, (ast.FactDecl, ast.DecisionDecl)) and isinstance(decl.type.base, ast.InlineEnum):
            _add_members(res, decl.name.name, decl.type.base.members, diags)


def _add(res, name, kind, decl, module, span, diags) -> bool:
    """Declare `name`; False (after an E102) when it is taken."""
    reserved_kind = NameKind.TYPE if kind in ("enum", "record") else NameKind.VALUE if kind in VALUE_KINDS else None
    if reserved_kind is not None and name in reserved_words(reserved_kind):
        diags.append(_reserved(name, span, reserved_kind))
    previous = res.symbols.get(name)
    if previous is not None:
        diags.append(diagnostic(
            "E102", f"`{name}` is defined twice", span, f"second definition ({kind})",
            secondary=(Label(previous.span, f"first defined here ({previous.kind})"),),
            help="rename one of them; names are shared by every file of a pack",
        ))
        return False
    res.symbols[name] = Symbol(name, kind, decl, module, span)
    return True


def _check_member_clashes(res: Resolution, diags: list[Diagnostic]) -> None:
    """A value named like an enum member would hide the member wherever both could be meant."""
    for name, enums in res.enum_members.items():
        symbol = res.symbols.get(name)
        if symbol is not None and symbol.kind in VALUE_KINDS:
            owner = enums[0]
            home = res.symbols.get(owner)
            diags.append(diagnostic(
                "E102", f"`{name}` is both a {symbol.kind} and a member of `{owner}`", symbol.span,
                f"{symbol.kind} named like a member",
                secondary=(Label(home.span, f"`{owner}` declared here"),) if home is not None else (),
                help="rename one of them; a bare name would be ambiguous",
            ))


def _add_members(res: Resolution, enum_name: str, members: tuple[ast.Ident, ...], diags: list[Diagnostic]) -> None:
    for member in members:
        if member.name in reserved_words(NameKind.VALUE):
            diags.append(_reserved(member.name, member.span, NameKind.VALUE))
        res.enum_members.setdefault(member.name, []).append(enum_name)


def _reserved(name: str, span: Span, kind: NameKind) -> Diagnostic:
    where = "in a type" if kind is NameKind.TYPE else "in an expression or a table cell"
    return diagnostic(
        "E110", f"`{name}` is a reserved word", span, "cannot be a name",
        help=f"rename it, e.g. `{name}_value`: {where}, `{name}` would be read as the keyword",
    )


# ---------------------------------------------------------------- references


def expr_names(expr: ast.Expr | None, fields: frozenset[str] | set[str] = frozenset(), in_filter: bool = False) -> Iterator[ast.Name]:
    """Every Name node inside an expression, in source order; inside a `where` condition, names
    in `fields` (the pack's record fields) are fields of the records, not names of the pack."""
    if expr is None:
        return
    if isinstance(expr, ast.Name):
        if not (in_filter and expr.name in fields):
            yield expr
    elif isinstance(expr, ast.Call):
        for arg in expr.args:
            yield from expr_names(arg, fields, in_filter)
    elif isinstance(expr, (ast.Unary, ast.Test)):
        yield from expr_names(expr.operand, fields, in_filter)
    elif isinstance(expr, ast.Binary):
        yield from expr_names(expr.left, fields, in_filter)
        yield from expr_names(expr.right, fields, in_filter)
    elif isinstance(expr, ast.If):
        for part in (expr.cond, expr.then, expr.otherwise):
            yield from expr_names(part, fields, in_filter)
    elif isinstance(expr, (ast.SetLit, ast.ListLit)):
        for item in expr.items:
            yield from expr_names(item, fields, in_filter)
    elif isinstance(expr, ast.RecordLit):
        for binding in expr.fields:
            yield from expr_names(binding.value, fields, in_filter)
    elif isinstance(expr, ast.Field):
        yield expr.base
    elif isinstance(expr, ast.Where):
        yield from expr_names(expr.items, fields, in_filter)
        yield from expr_names(expr.condition, fields, True)


def _decl_exprs(decl) -> list[ast.Expr | None]:
    if isinstance(decl, ast.FactDecl):
        return [decl.default]
    if isinstance(decl, (ast.ConstDecl, ast.LetDecl)):
        return [decl.value]
    if isinstance(decl, ast.AssumeDecl):
        return [decl.condition]
    if isinstance(decl, ast.DecisionDecl):
        return [decl.default, decl.body, decl.when, decl.as_of]
    if isinstance(decl, ast.RuleDecl):
        return [decl.condition, *(c.value for c in decl.conclusions)]
    if isinstance(decl, ast.TableDecl):
        cells = [c.value for row in decl.rows for c in row.cells]
        return [*decl.inputs, *cells, *(row.output for row in decl.rows)]
    if isinstance(decl, ast.WindowDecl):
        return [decl.start, decl.end]
    if isinstance(decl, ast.PropertyDecl):
        return [decl.condition]
    if isinstance(decl, ast.ObligationDecl):
        return [decl.when, decl.by]
    if isinstance(decl, ast.ExampleDecl):
        return [b.value for b in decl.given] + [e.value for e in decl.expect]
    return []


def _visible_modules(res: Resolution, module: ast.Module) -> set[str]:
    return {module.name} | {i.module.name for i in _imports(module)}


def _check_references(res: Resolution, module: ast.Module, diags: list[Diagnostic]) -> None:
    visible = _visible_modules(res, module)
    for decl in module.decls:
        for expr in _decl_exprs(decl):
            for name in expr_names(expr, res.record_fields):
                _check_value_name(res, name.name, name.span, visible, module, diags)
        _check_decl_names(res, decl, visible, module, diags)
    _check_unused_imports(res, module, diags)


def _check_value_name(res, name, span, visible, module, diags, kinds=VALUE_KINDS, what="name") -> None:
    symbol = res.symbols.get(name)
    if symbol is not None and symbol.kind in kinds:
        res.used.add(name)
        if symbol.module not in visible:
            _missing_import(name, symbol.module, span, diags)
        return
    if (symbol is None or symbol.kind not in VALUE_KINDS) and kinds is VALUE_KINDS and name in res.enum_members:
        owners = res.enum_members[name]
        homes = {res.symbols[e].module for e in owners if e in res.symbols}
        built_in = any(e not in res.symbols for e in owners)  # obligation statuses are visible everywhere
        if homes and not built_in and not homes & visible:
            _missing_import(name, sorted(homes)[0], span, diags)
        res.used.update(res.enum_members[name])
        return
    if symbol is None and name in res.broken:
        return  # its declaration has a syntax error, reported already: no knock-on E101/E106
    # A rule where a rule is expected is E106; a wrong kind of name where a decision is expected, E107.
    code = "E106" if what == "rule" else "E107" if what == "decision" and symbol is not None else "E101"
    if symbol is not None:
        noun = "value" if kinds is VALUE_KINDS else what
        diags.append(diagnostic(
            code, f"`{name}` is {_article(symbol.kind)} {symbol.kind}, not {_article(noun)} {noun}", span, f"expected {_article(noun)} {noun}",
            secondary=(Label(symbol.span, f"`{name}` defined here"),),
            help=_KIND_HELP.get((symbol.kind, noun)),
        ))
        return
    candidates = [s.name for s in res.symbols.values() if s.kind in kinds]
    if kinds is VALUE_KINDS:
        candidates += list(res.enum_members)
    diags.append(diagnostic(
        code, f"unknown {what} `{name}`", span, "not defined in this pack",
        help=did_you_mean(name, candidates),
    ))


_KIND_HELP = {
    ("rule", "value"): "a rule has no value; refer to the decision it concludes",
    ("assumption", "value"): "an assumption has no value; state the condition itself",
    ("property", "value"): "a property has no value; state the condition itself",
    ("table", "value"): "a table has no value; refer to the decision it decides",
    ("enum", "value"): "an enum is a type; compare a fact with one of its members",
    ("fact", "decision"): "facts are given, not concluded; declare a `decision` to conclude it",
    ("let", "decision"): "a `let` is computed, not concluded; declare a `decision` to conclude it",
}


def _article(noun: str) -> str:
    return "an" if noun[:1] in "aeiou" else "a"


def _missing_import(name: str, home: str, span: Span, diags: list[Diagnostic]) -> None:
    diags.append(diagnostic(
        "E104", f"`{name}` is defined in module `{home}`, which is not imported", span,
        "not visible here", help=f"add `import {home}` at the top of this file",
    ))


def _check_decl_names(res, decl, visible, module, diags) -> None:
    def need(ident: ast.Ident, kinds: frozenset[str], what: str) -> None:
        _check_value_name(res, ident.name, ident.span, visible, module, diags, kinds, what)

    if isinstance(decl, ast.RuleDecl):
        for conclusion in decl.conclusions:
            need(conclusion.target, frozenset({"decision"}), "decision")
        for ident in decl.overrides + decl.unless + decl.replaces:
            need(ident, frozenset({"rule"}), "rule")
    elif isinstance(decl, ast.TableDecl):
        need(decl.decision, frozenset({"decision"}), "decision")
    elif isinstance(decl, ast.ObligationDecl) and decl.done is not None:
        need(decl.done, frozenset({"fact"}), "fact")
    elif isinstance(decl, ast.ExampleDecl):
        for binding in decl.given:
            if res.symbols.get(binding.name.name, None) is None or res.symbols[binding.name.name].kind != "fact":
                facts = [s.name for s in res.symbols.values() if s.kind == "fact"]
                diags.append(diagnostic(
                    "E310", f"example gives unknown fact `{binding.name.name}`", binding.name.span,
                    "not a fact of this pack", help=did_you_mean(binding.name.name, facts) or _listing("facts", facts),
                ))
        for expect in decl.expect:
            symbol = res.symbols.get(expect.name.name)
            if symbol is None or symbol.kind not in ("decision", "obligation"):
                decisions = [s.name for s in res.symbols.values() if s.kind in ("decision", "obligation")]
                diags.append(diagnostic(
                    "E311", f"example expects unknown decision `{expect.name.name}`", expect.name.span,
                    "not a decision of this pack",
                    help=did_you_mean(expect.name.name, decisions) or _listing("decisions", decisions),
                ))
    elif isinstance(decl, ast.AcceptDecl):
        for ident in decl.targets:
            need(ident, frozenset(SYMBOL_KIND.values()), "declaration")
    for type_expr in _decl_types(decl):
        _check_type_names(res, type_expr, visible, module, diags)


def _listing(what: str, names: list[str], limit: int = 6) -> str:
    if not names:
        return f"the pack declares no {what}"
    shown = ", ".join(f"`{n}`" for n in sorted(names)[:limit])
    return f"the pack's {what}: {shown}" + (", …" if len(names) > limit else "")


def _decl_types(decl) -> list[ast.TypeExpr]:
    if isinstance(decl, (ast.FactDecl, ast.DecisionDecl)):
        return [decl.type]
    if isinstance(decl, ast.RecordDecl):
        return [f.type for f in decl.fields]
    return []


def module_fields(module: ast.Module) -> frozenset[str]:
    """The record field names declared in a module."""
    return frozenset(f.name.name for d in module.decls if isinstance(d, ast.RecordDecl) for f in d.fields)


def _check_type_names(res, type_expr: ast.TypeExpr, visible, module, diags) -> None:
    base = type_expr.base
    ident = base.name if isinstance(base, ast.NamedType) else base.element if isinstance(base, (ast.SetType, ast.ListType)) else None
    if ident is None:
        return
    symbol = res.symbols.get(ident.name)
    wanted = "record" if isinstance(base, ast.ListType) else "enum"
    if symbol is None or symbol.kind != wanted:
        diags.append(diagnostic(
            "E109", f"unknown type `{ident.name}`", ident.span, "not a type",
            help=did_you_mean(ident.name, [s.name for s in res.symbols.values() if s.kind == wanted])
            or ("a list holds records: declare one with `record NAME: field: type, ...`" if wanted == "record" else None)
            or "types are bool, int, decimal, rate, string, date, datetime, money CUR, days, working days, hours, minutes, set of ENUM, or an enum",
        ))
        return
    res.used.add(ident.name)
    if symbol.module not in visible:
        _missing_import(ident.name, symbol.module, ident.span, diags)


def _check_unused_imports(res: Resolution, module: ast.Module, diags: list[Diagnostic]) -> None:
    if res.broken:
        return  # a declaration with a syntax error may be what uses the import
    referenced = _referenced_names(module)
    for imp in _imports(module):
        target = imp.module.name
        defined_there = {s.name for s in res.symbols.values() if s.module == target}
        members_there = {
            m for m, enums in res.enum_members.items() for e in enums if e in defined_there
        }
        if target in res.modules and not (referenced & (defined_there | members_there)):
            diags.append(diagnostic(
                "W402", f"`{target}` is imported but none of its names is used", imp.span, "unused import",
                help=f"remove `import {target}`",
            ))


def _referenced_names(module: ast.Module) -> set[str]:
    names: set[str] = set()
    fields = module_fields(module)
    for decl in module.decls:
        for expr in _decl_exprs(decl):
            names.update(n.name for n in expr_names(expr, fields))
        if isinstance(decl, ast.RuleDecl):
            names.update(i.name for i in (*decl.overrides, *decl.unless, *decl.replaces))
            names.update(c.target.name for c in decl.conclusions)
        elif isinstance(decl, ast.TableDecl):
            names.add(decl.decision.name)
        elif isinstance(decl, ast.ObligationDecl) and decl.done:
            names.add(decl.done.name)
        elif isinstance(decl, ast.ExampleDecl):
            names.update(b.name.name for b in decl.given)
            names.update(e.name.name for e in decl.expect)
        for type_expr in _decl_types(decl):
            base = type_expr.base
            if isinstance(base, ast.NamedType):
                names.add(base.name.name)
            elif isinstance(base, (ast.SetType, ast.ListType)):
                names.add(base.element.name)
    return names
