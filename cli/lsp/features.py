"""The language server's answers, as lsprotocol types, computed from a PackIndex: positions,
diagnostics, hover, symbols, completion, rename and formatting."""

from __future__ import annotations

import json
import re
from pathlib import Path

from lsprotocol import types as lsp
from ruleproof.checker import ast
from ruleproof.checker.diagnostics import Diagnostic, Severity
from ruleproof.checker.format import SyntaxErrors, format_text
from ruleproof.checker.lexer import DECL_KEYWORDS
from ruleproof.checker.source import SourceFile
from ruleproof.lsp.index import Declared, Occurrence, PackIndex
from ruleproof.lsp.positions import Positions

KEYWORDS = (*DECL_KEYWORDS, "when", "then", "else", "if", "overrides", "unless", "because", "default", "hit",
            "complete", "priority", "cite", "given", "expect", "row", "any", "otherwise", "always", "never",
            "possible", "must", "by", "done", "and", "or", "not", "implies", "in", "is", "present", "absent",
            "true", "false", "effective", "from", "until", "replaces", "as", "of")
_DID_YOU_MEAN = re.compile(r"did you mean `([^`]+)`\?")
_ADD_UNIT = re.compile(r"give the number (?:a|its) (?:unit|currency), e\.g\. `[0-9.]+ ([^`]+)`")
_SEVERITY = {Severity.ERROR: lsp.DiagnosticSeverity.Error, Severity.WARNING: lsp.DiagnosticSeverity.Warning,
             Severity.INFO: lsp.DiagnosticSeverity.Information}
_SYMBOL_KIND = {ast.FactDecl: lsp.SymbolKind.Field, ast.DecisionDecl: lsp.SymbolKind.Function,
                ast.RuleDecl: lsp.SymbolKind.Method, ast.ConstDecl: lsp.SymbolKind.Constant,
                ast.LetDecl: lsp.SymbolKind.Variable, ast.EnumDecl: lsp.SymbolKind.Enum,
                ast.TableDecl: lsp.SymbolKind.Struct, ast.WindowDecl: lsp.SymbolKind.Interface,
                ast.PropertyDecl: lsp.SymbolKind.Boolean, ast.ObligationDecl: lsp.SymbolKind.Event,
                ast.AssumeDecl: lsp.SymbolKind.Boolean}


def uri_of(path: str) -> str:
    """The file URI of a path."""
    return Path(path).absolute().as_uri()


def diagnostics_of(diags: list[Diagnostic], path: str, at: Positions) -> list[lsp.Diagnostic]:
    """The diagnostics on one file, as LSP diagnostics (help and a formal finding's case
    appended; accepted findings left out). Each carries in `data` what its code actions need
    (actions.py): the did-you-mean name, the unit the help suggests, a formal finding's names."""
    found = []
    for d in diags:
        if d.primary.span.path != path or d.accepted is not None:
            continue
        message = d.message + (f"\nhelp: {d.help}" if d.help else "")
        case = d.counterexample.case if d.counterexample is not None else None
        if case:
            message += "\ncase: " + ", ".join(f"{name} = {json.dumps(value, default=str)}" for name, value in sorted(case.items()))
        found.append(lsp.Diagnostic(range=at.span_range(d.primary.span), message=message, code=d.code,
                                    severity=_SEVERITY[d.severity], source="ruleproof", data=_data(d) or None))
    return found


def _data(d: Diagnostic) -> dict:
    data = {}
    if suggestion := _DID_YOU_MEAN.search(d.help or ""):
        data["replace"] = suggestion.group(1)
    if unit := _ADD_UNIT.search(d.help or ""):
        data["unit"] = unit.group(1)
    if d.counterexample is not None:
        data["involved"] = list(d.involved)
    return data


def _text(node) -> str:
    return node.span.source.text[node.span.start:node.span.end] if node is not None else ""


def hover_text(declared: Declared) -> str:
    """Markdown for a name: its declaration's kind, type (with its unit), default and cite; for a
    rule, its cite and conclusions; for an enum member, its enum."""
    decl, lines = declared.decl, []
    if isinstance(decl, ast.FactDecl | ast.DecisionDecl) and declared.name == decl.name.name:
        kind = "fact" if isinstance(decl, ast.FactDecl) else "decision"
        lines.append(f"{kind} {declared.name}: {_text(decl.type)}")
        if decl.default is not None:
            lines.append(f"default {_text(decl.default)}")
    elif isinstance(decl, ast.RuleDecl) and declared.name == decl.name.name:
        lines.append(f"rule {declared.name}")
        lines.extend(f"then {c.target.name} = {_text(c.value)}" for c in decl.conclusions)
    elif isinstance(decl, ast.ConstDecl | ast.LetDecl) and declared.name == decl.name.name:
        lines.append(f"{'const' if isinstance(decl, ast.ConstDecl) else 'let'} {declared.name} = {_text(decl.value)}")
    elif declared.name != getattr(decl.name, "name", None):
        lines.append(f"{declared.name}: member of `{_text(decl.name) if isinstance(decl, ast.EnumDecl) else _text(decl.type)}`")
    else:
        lines.append(f"{type(decl).__name__.removesuffix('Decl').lower()} {declared.name}")
    body = "```ruleproof\n" + "\n".join(lines) + "\n```"
    cite = getattr(decl, "cite", None)
    return body + (f"\n\ncite: {cite}" if cite else "") + f"\n\nmodule `{declared.module}`"


def location(index: PackIndex, occurrence: Occurrence, at: Positions) -> lsp.Location:
    """The LSP location of an occurrence."""
    source = index.sources[occurrence.path]
    return lsp.Location(uri=uri_of(occurrence.path), range=at.range(source, occurrence.start, occurrence.end))


def rename_edit(index: PackIndex, name: str, new_name: str, at: Positions) -> lsp.WorkspaceEdit | None:
    """Every occurrence of a declared name, in every file of the pack, renamed."""
    occurrences = index.references(name)
    if not occurrences:
        return None
    changes: dict[str, list[lsp.TextEdit]] = {}
    for occurrence in occurrences:
        changes.setdefault(uri_of(occurrence.path), []).append(
            lsp.TextEdit(range=location(index, occurrence, at).range, new_text=new_name))
    return lsp.WorkspaceEdit(changes=changes)


def symbols(index: PackIndex, path: str, at: Positions) -> list[lsp.DocumentSymbol]:
    """The outline of one file: its named declarations."""
    module = index.modules.get(path)
    found = []
    for decl in module.decls if module is not None else ():
        name = getattr(decl, "name", None)
        if not isinstance(name, ast.Ident):
            continue
        found.append(lsp.DocumentSymbol(name=name.name, kind=_SYMBOL_KIND.get(type(decl), lsp.SymbolKind.Object),
                                        range=at.span_range(decl.span), selection_range=at.span_range(name.span),
                                        detail=getattr(decl, "cite", None) or None))
    return found


_AFTER_NUMBER = re.compile(r"\b[0-9]+(?:\.[0-9]+)?\s+$")
_AFTER_EQUALS_OR_IN = re.compile(r"(?:==|!=|\bin)\s*\{?(?:[A-Za-z_][A-Za-z0-9_]*\s*,\s*)*$")
UNITS = ("days", "working days", "hours", "minutes", "months", "years", "USD", "RMB", "EUR")


def completions(index: PackIndex, path: str, before: str = "") -> list[lsp.CompletionItem]:
    """What may come at a point, given the text of its line `before` it: units after a number;
    after `==`, `!=` or `in`, enum members first; otherwise the names the file sees, then the
    keywords."""
    if _AFTER_NUMBER.search(before):
        return [lsp.CompletionItem(label=u, kind=lsp.CompletionItemKind.Unit) for u in UNITS]
    visible = index.visible(path)
    if _AFTER_EQUALS_OR_IN.search(before):
        members = [d for d in visible if d.name != getattr(d.decl.name, "name", None)]
        return [lsp.CompletionItem(label=d.name, kind=lsp.CompletionItemKind.EnumMember, detail=_text(d.decl.name))
                for d in members]
    items = [lsp.CompletionItem(label=d.name, kind=lsp.CompletionItemKind.Variable, detail=d.module) for d in visible]
    return items + [lsp.CompletionItem(label=k, kind=lsp.CompletionItemKind.Keyword) for k in KEYWORDS]


def formatting(source: SourceFile, at: Positions) -> list[lsp.TextEdit]:
    """One edit replacing the whole text by its formatted form (none if it is formatted or does
    not parse): the same code as `ruleproof fmt`."""
    try:
        formatted = format_text(source.text, source.path)
    except SyntaxErrors:
        return []
    if formatted == source.text:
        return []
    whole = lsp.Range(start=lsp.Position(line=0, character=0), end=at.position(source, len(source.text)))
    return [lsp.TextEdit(range=whole, new_text=formatted)]
