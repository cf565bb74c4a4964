"""Part of stage 2, resolution: effective periods. Where rules, table rows, constants and
modules say when they are in force (`effective from D until E`), this checks the dates against
each other: a period that is never in force (E322), a rule in force while the rule it
`replaces` still is (E320), days on which neither is (W410), a replacement across decisions
(E303), a period on a rule whose decision names no day to read it as of (E321), and a rule
in force on days a constant it reads is not (E323). What a period means is
checker/semantics/periods.py.
"""

from __future__ import annotations

import datetime as dt
from typing import TYPE_CHECKING

from ruleproof.checker import ast
from ruleproof.checker.diagnostics import Diagnostic, Label, diagnostic
from ruleproof.checker.semantics.periods import Period

if TYPE_CHECKING:  # resolve.py calls this module
    from ruleproof.checker.resolve import Resolution


def period_of(period: ast.Period | None) -> Period | None:
    """The meaning of a written period (None: always in force)."""
    if period is None:
        return None
    start, end = (lit.value.toordinal() if lit is not None else None for lit in (period.start, period.end))
    return Period(start, end)


def module_period(module: ast.Module) -> Period | None:
    """The period a module declares for all it holds (several declarations: the days in all)."""
    result = None
    for decl in module.effective:
        result = period_of(decl.period).intersect(result)
    return result


def effective_period(own: ast.Period | None, *outer: Period | None) -> Period | None:
    """A declaration's period within its table's and module's (None: always in force)."""
    result = period_of(own)
    for period in outer:
        if period is not None:
            result = period.intersect(result)
    return result


def _day(ordinal: int) -> str:
    return dt.date.fromordinal(ordinal).isoformat()


def check_periods(res: Resolution, diags: list[Diagnostic]) -> None:
    """Report E320–E323, W410 and E303 (replacements) over every declaration with a period."""
    for module in (res.modules[m] for m in res.module_order):
        outer = module_period(module)
        for decl in module.decls:
            for written in _written_periods(decl):
                if period_of(written).empty:
                    diags.append(diagnostic(
                        "E322", f"`{written_text(written)}` is never in force", written.span, "ends before it starts",
                        help="`until` is the first day it no longer applies: it must come after `from`"))
            if isinstance(decl, ast.RuleDecl):
                _check_replacements(res, decl, outer, diags)
                _check_as_of(res, decl, [c.target.name for c in decl.conclusions], decl.period, outer, diags)
                _check_constants(res, decl, effective_period(decl.period, outer), diags)
            elif isinstance(decl, ast.TableDecl):
                table_outer = effective_period(decl.period, outer)
                periods = [decl.period, *(row.period for row in decl.rows)]
                written = next((p for p in periods if p is not None), None)
                _check_as_of(res, decl, [decl.decision.name], written, outer, diags)
                for row in decl.rows:
                    _check_constants(res, row, effective_period(row.period, table_outer), diags)
                _check_constants(res, decl, None, diags)
            elif not isinstance(decl, ast.ExampleDecl):  # an example's values are its own
                _check_constants(res, decl, None, diags)


def written_text(period: ast.Period) -> str:
    """The period as written."""
    return period_of(period).text()


def _written_periods(decl) -> list[ast.Period]:
    if isinstance(decl, (ast.RuleDecl, ast.ConstDecl)):
        return [decl.period] if decl.period is not None else []
    if isinstance(decl, ast.TableDecl):
        return [p for p in (decl.period, *(row.period for row in decl.rows)) if p is not None]
    if isinstance(decl, ast.EffectiveDecl):
        return [decl.period]
    return []


def _rule_period(res: Resolution, name: str) -> Period | None:
    symbol = res.symbols[name]
    return effective_period(symbol.decl.period, module_period(res.modules[symbol.module]))


def _check_replacements(res: Resolution, decl: ast.RuleDecl, outer: Period | None, diags: list[Diagnostic]) -> None:
    mine = effective_period(decl.period, outer) or Period()
    for ident in decl.replaces:
        other = res.symbols.get(ident.name)
        if other is None or other.kind != "rule" or ident.name == decl.name.name:
            continue
        if not {c.target.name for c in decl.conclusions} & {c.target.name for c in other.decl.conclusions}:
            diags.append(diagnostic(
                "E303", f"`{decl.name.name}` replaces `{ident.name}` but they decide different things", ident.span,
                "no shared decision", secondary=(Label(other.span, "replaced rule here"),),
                help="a rule replaces an earlier version of itself: a rule of the same decision"))
            continue
        theirs = _rule_period(res, ident.name) or Period()
        both = mine.overlap(theirs)
        where = other.decl.period.span if other.decl.period is not None else other.decl.name.span
        if both is not None:
            hint = (f"end `{ident.name}` with `until {_day(mine.start)}`, the day `{decl.name.name}` takes over"
                    if mine.start is not None else f"give `{decl.name.name}` the day it takes over: `effective from D`")
            diags.append(diagnostic(
                "E320", f"`{decl.name.name}` and `{ident.name}`, which it replaces, are both in force "
                        + _stretch(both), ident.span, "replaces a rule still in force",
                secondary=(Label(where, f"`{ident.name}` is {theirs.text()}" if theirs != Period() else
                                 f"`{ident.name}` has no end"),),
                help=hint))
        elif theirs.end is not None and mine.start is not None and theirs.end < mine.start:
            diags.append(diagnostic(
                "W410", f"neither `{ident.name}` nor `{decl.name.name}`, which replaces it, is in force "
                        + _stretch(Period(theirs.end, mine.start)), ident.span, "a gap between versions",
                secondary=(Label(where, f"`{ident.name}` is {theirs.text()}"),),
                help=f"end `{ident.name}` on {_day(mine.start)}, or start `{decl.name.name}` on {_day(theirs.end)}"))


def _stretch(period: Period) -> str:
    start = f"from {_day(period.start)}" if period.start is not None else "since always"
    end = f"until {_day(period.end)}" if period.end is not None else "for good"
    return f"{start} {end}"


def _check_as_of(res: Resolution, decl, decisions: list[str], own: ast.Period | None, outer: Period | None,
                 diags: list[Diagnostic]) -> None:
    if own is None and outer is None:
        return
    for name in decisions:
        symbol = res.symbols.get(name)
        if symbol is None or not isinstance(symbol.decl, ast.DecisionDecl) or symbol.decl.as_of is not None:
            continue
        span = own.span if own is not None else decl.name.span
        diags.append(diagnostic(
            "E321", f"`{decl.name.name}` has an effective period but `{name}` names no day to read its rules as of",
            span, "in force when?", secondary=(Label(symbol.decl.name.span, f"`{name}` declared here"),),
            help=f"say on which day `{name}` applies the rules in force, e.g. `as of today` or `as of placed_on`"))


def _check_constants(res: Resolution, decl, mine: Period | None, diags: list[Diagnostic]) -> None:
    """E323 where `decl` (in force during `mine`, None: on any day) reads a constant directly
    on days the constant is not in force. A table: its inputs (rows are checked one by one)."""
    from ruleproof.checker.resolve import _decl_exprs, expr_names  # resolve.py imports this module

    if isinstance(decl, ast.TableRow):
        exprs = [c.value for c in decl.cells] + [decl.output]
    elif isinstance(decl, ast.TableDecl):
        exprs = list(decl.inputs)
    else:
        exprs = _decl_exprs(decl)
    mine = mine or Period()
    for expr in exprs:
        for name in expr_names(expr):
            symbol = res.symbols.get(name.name)
            if symbol is None or symbol.kind != "const":
                continue
            theirs = effective_period(symbol.decl.period, module_period(res.modules[symbol.module]))
            if theirs is None or mine.intersect(theirs) == mine:
                continue
            diags.append(diagnostic(
                "E323", f"`{name.name}` is {theirs.text()}, but this is read "
                        + ("on any day" if mine == Period() else "by a rule " + mine.text()),
                name.span, "read when it is not in force", secondary=(Label(symbol.decl.span, "the constant"),),
                help="give the reader a period within the constant's, or the constant a longer one"))
