"""Part of stage 2, resolution: the relations between rules. `overrides` and `unless` name other
rules; a rule naming itself, or rules naming each other in a cycle, is E108, and a rule that
overrides one deciding something else is E303."""

from __future__ import annotations

from typing import TYPE_CHECKING

from ruleproof.checker import ast
from ruleproof.checker.diagnostics import Diagnostic, Label, diagnostic

if TYPE_CHECKING:  # resolve.py calls this module
    from ruleproof.checker.resolve import Resolution


def check_relations(res: Resolution, diags: list[Diagnostic]) -> None:
    """Report E108 and E303 for the `overrides` and `unless` lists of every rule declaration;
    each cycle once, at the edge leaving its alphabetically first rule."""
    for module in (res.modules[m] for m in res.module_order):
        for decl in module.decls:
            if isinstance(decl, ast.RuleDecl):
                _check_rule(res, decl, diags)


def _check_rule(res: Resolution, decl: ast.RuleDecl, diags: list[Diagnostic]) -> None:
    mine = {c.target.name for c in decl.conclusions}
    for relation, idents in (("overrides", decl.overrides), ("unless", decl.unless)):
        for ident in idents:
            other = res.symbols.get(ident.name)
            if other is None or other.kind != "rule":
                continue
            if ident.name == decl.name.name:
                diags.append(diagnostic("E108", f"rule `{ident.name}` names itself in `{relation}`", ident.span, "itself",
                                        help=f"remove `{ident.name}` from the `{relation}` list"))
                continue
            if relation == "overrides" and not mine & {c.target.name for c in other.decl.conclusions}:
                diags.append(diagnostic(
                    "E303", f"`{decl.name.name}` overrides `{ident.name}` but they decide different things",
                    ident.span, "no shared decision", secondary=(Label(other.span, "overridden rule here"),),
                    help="use `unless` to make a rule an exception to a rule of another decision"))
            path = _path(res, ident.name, decl.name.name, relation)
            if path is not None and decl.name.name == min(path):
                cycle = "`" + " -> ".join([decl.name.name, *path]) + "`"
                what = "rules override each other in a cycle" if relation == "overrides" else "`unless` exceptions form a cycle"
                diags.append(diagnostic(
                    "E108", f"{what}: {cycle}", ident.span, "closes the cycle",
                    help="decide which rule wins and keep one direction" if relation == "overrides"
                    else "a rule cannot be an exception to its own exception; remove one `unless`"))


def _path(res: Resolution, start: str, goal: str, relation: str) -> list[str] | None:
    """Rule names from `start` to `goal` following `relation` (overrides or unless) edges."""
    parents: dict[str, str | None] = {start: None}
    stack = [start]
    while stack:
        name = stack.pop()
        symbol = res.symbols.get(name)
        if symbol is None or symbol.kind != "rule":
            continue
        for ident in getattr(symbol.decl, relation):
            if ident.name in parents:
                continue
            parents[ident.name] = name
            if ident.name == goal:
                path, node = [], goal
                while node is not None:
                    path.append(node)
                    node = parents[node]
                return path[::-1]
            stack.append(ident.name)
    return None
