"""E609/E610/E607: the properties an author states, proved or refuted with a case.

always P: refuted iff assumptions ∧ P is determined and false is satisfiable; never P: iff
assumptions ∧ P is determined and true is; possible P: impossible iff assumptions ∧ P is
determined and true is unsatisfiable. A case on which P is undetermined (it reads a conflicted
decision, divides by zero) refutes nothing and shows nothing possible. A refuted window relation
(within, before, disjoint, overlaps) is reported as E607.
"""

from __future__ import annotations

from ruleproof.checker import ir
from ruleproof.checker.diagnostics import Diagnostic


def check_property(ctx, prop: ir.Property) -> list[Diagnostic]:
    enc = ctx.encoder
    goal = enc.fails(prop.condition) if prop.kind == "always" else enc.holds(prop.condition)
    verdict = ctx.sat(goal, what=f"property `{prop.name}`", span=prop.span, scope=ctx.expr_scope(prop.condition))
    if prop.kind == "possible":
        if not verdict.proved:
            return []
        return [ctx.finding(
            "E610", f"property `{prop.name}` is impossible: no case makes it true", prop.span,
            "never holds", None, [prop.name], help="the rules or assumptions exclude every such case",
        )]
    if not verdict.refuted:
        return []
    code = "E607" if prop.windows else "E609"
    relation = f" ({' and '.join(prop.windows)})" if prop.windows else ""
    return [ctx.finding(
        code, f"property `{prop.name}` does not hold{relation}", prop.span, "refuted by the case below",
        verdict.model, [prop.name, *prop.windows], story=f"`{prop.name}` fails",
        help="fix the rules, or if the text itself is defective, accept the finding with the reason",
    )]


def check_properties(ctx) -> list[Diagnostic]:
    return [f for p in ctx.properties() for f in check_property(ctx, p)]
