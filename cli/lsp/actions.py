"""Code actions from the diagnostics' help: write the name a did-you-mean suggests; give a bare
number the unit or currency the help suggests; settle an E602 conflict with `overrides OTHER
because "…"` on either rule; accept a formal finding with `accept "CODE" on … because "…"`."""

from __future__ import annotations

from lsprotocol import types as lsp
from ruleproof.checker import ast
from ruleproof.checker.parse import token_stream
from ruleproof.lsp.features import uri_of
from ruleproof.lsp.index import PackIndex
from ruleproof.lsp.positions import Positions

#: the tokens that may follow a number as its unit, currency or percent sign
UNIT_TOKENS = frozenset({"DAY", "DAYS", "HOUR", "HOURS", "MINUTE", "MINUTES", "WORKING", "CURRENCY", "PERCENT"})
NUMBER_TOKENS = frozenset({"NUMBER", "SIGNED_INT"})
REASON = '"…"'


def code_actions(index: PackIndex, path: str, uri: str, diagnostics: list[lsp.Diagnostic],
                 at: Positions) -> list[lsp.CodeAction]:
    """The fixes the ruleproof diagnostics in `diagnostics` offer, as edits of the file `path`."""
    actions = []
    for d in diagnostics:
        data = d.data if d.source == "ruleproof" and isinstance(d.data, dict) else {}
        if isinstance(data.get("replace"), str):
            actions.append(_action(f"replace with `{data['replace']}`", d, uri, [lsp.TextEdit(range=d.range, new_text=data["replace"])]))
        if isinstance(data.get("unit"), str):
            edits = _add_unit(index, path, d.range, data["unit"], at)
            if edits:
                actions.append(_action(f"add the unit `{data['unit']}`", d, uri, edits))
        involved = [n for n in data.get("involved", ()) if isinstance(n, str)]
        if d.code == "E602":
            rules = [n for n in involved if n in index.declared and isinstance(index.declared[n].decl, ast.RuleDecl)]
            for winner, loser in ((rules[1], rules[0]), (rules[0], rules[1])) if len(rules) == 2 else ():
                edit = _add_override(index, winner, loser, at)
                actions.append(_action(f"`{winner}` overrides `{loser}` (give the reason)", d, edit[0], [edit[1]], preferred=False))
        if involved:
            actions.append(_action(f"accept this {d.code} finding (give the reason)", d, uri,
                                   [_accept(index, path, str(d.code), involved, at)], preferred=False))
    return actions


def _action(title: str, d: lsp.Diagnostic, uri: str, edits: list[lsp.TextEdit], preferred: bool = True) -> lsp.CodeAction:
    return lsp.CodeAction(title=title, kind=lsp.CodeActionKind.QuickFix, diagnostics=[d], is_preferred=preferred,
                          edit=lsp.WorkspaceEdit(changes={uri: edits}))


def _add_unit(index: PackIndex, path: str, where: lsp.Range, unit: str, at: Positions) -> list[lsp.TextEdit]:
    """` UNIT` after every number in the range that has no unit."""
    source = index.sources[path]
    lo, hi = at.offset(source, where.start), at.offset(source, where.end)
    tokens, _ = token_stream(source)
    edits = []
    for token, after in zip(tokens, [*tokens[1:], None]):
        if token.type in NUMBER_TOKENS and lo <= token.start_pos and token.end_pos <= hi \
                and (after is None or after.type not in UNIT_TOKENS):
            end = at.position(source, token.end_pos)
            edits.append(lsp.TextEdit(range=lsp.Range(start=end, end=end), new_text=f" {unit}"))
    return edits


def _add_override(index: PackIndex, winner: str, loser: str, at: Positions) -> tuple[str, lsp.TextEdit]:
    """The edit that makes rule `winner` override `loser`: one more name in its `overrides`
    clause, or a new clause (with a `because` to fill in) before its `unless` clause or at its end."""
    rule: ast.RuleDecl = index.declared[winner].decl
    source = rule.span.source
    if rule.overrides:
        where, text = rule.overrides[-1].span.end, f", {loser}"
    elif rule.unless:
        where = source.text.rindex("unless", rule.span.start, rule.unless[0].span.start)
        text = f"overrides {loser} because {REASON}\n  "
    else:
        where, text = rule.span.end, f"\n  overrides {loser} because {REASON}"
    point = at.position(source, where)
    return uri_of(source.path), lsp.TextEdit(range=lsp.Range(start=point, end=point), new_text=text)


def _accept(index: PackIndex, path: str, code: str, names: list[str], at: Positions) -> lsp.TextEdit:
    """`accept "CODE" on NAMES because "…"` on a line of its own at the end of the file."""
    source = index.sources[path]
    end = at.position(source, len(source.text))
    newline = "" if not source.text or source.text.endswith("\n") else "\n"
    text = f'{newline}accept "{code}" on {", ".join(names)} because {REASON}\n'
    return lsp.TextEdit(range=lsp.Range(start=end, end=end), new_text=text)
