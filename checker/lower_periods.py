"""Part of stage 4, lowering: effective periods into rule conditions. A rule (or table row)
with a period fires only when the day its decision is read as of (`as of placed_on`) lies in
the period: the comparisons of `Period.in_force_tests` go in front of its condition, so the
evaluator, the Z3 encoding, the SQL target and the traces all see one condition. A pack read
as of one fixed day (`diff --as-of`, the *pin*) keeps the rules in force that day as they are
and drops the others.
"""

from __future__ import annotations

from dataclasses import dataclass

from ruleproof.checker import ast, ir
from ruleproof.checker import types as T
from ruleproof.checker.ir_build import all_of
from ruleproof.checker.resolve_periods import effective_period, module_period
from ruleproof.checker.semantics.periods import Period
from ruleproof.checker.source import Span


@dataclass(frozen=True)
class InForce:
    """How to read rules' periods: as of each decision's day (`as_of`), or as of `pin`."""

    as_of: dict[str, ir.Expr]
    pin: int | None = None

    def applies(self, period: Period | None) -> bool:
        """Whether a rule with `period` is part of the lowered pack at all (pinned: in force
        on the pinned day; else always, its condition saying when)."""
        return period is None or self.pin is None or period.contains(self.pin)

    def condition(self, condition: ir.Expr, period: Period | None, decision: str, span: Span) -> ir.Expr:
        """`condition` of a rule of `decision` that `applies`, with its in-force tests in front
        (located at `span`, the period as written: a trace quotes it where it fails)."""
        if period is None or self.pin is not None:
            return condition
        day = self.as_of[decision]
        tests = [ir.Compare(op, day, ir.Const(bound, T.DATE, span=span), T.BOOL, span=span)
                 for op, bound in period.in_force_tests()]
        return all_of(condition.span or span, *tests, condition)


def rule_period(res, decl: ast.RuleDecl) -> tuple[Period | None, Span]:
    """The days a rule declaration is in force, within its module's period, and where the
    period is written (the rule's own, else the module's)."""
    module = res.modules[res.symbols[decl.name.name].module]
    return (effective_period(decl.period, module_period(module)),
            _written(module, decl.period) or decl.span)


def row_period(res, table: ast.TableDecl, row: ast.TableRow) -> tuple[Period | None, Span]:
    """The days a table row is in force, within its table's and its module's periods, and
    where the period is written (the row's own, else the table's, else the module's)."""
    module = res.modules[res.symbols[table.name.name].module]
    outer = effective_period(table.period, module_period(module))
    return effective_period(row.period, outer), _written(module, row.period, table.period) or row.span


def _written(module: ast.Module, *periods: ast.Period | None) -> Span | None:
    """The span of the innermost period written, else of the module's `module effective`."""
    for period in periods:
        if period is not None:
            return period.span
    return next((d.period.span for d in module.effective), None)
