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
from ruleproof.checker.source import SourceFile, Span
from ruleproof.lsp.index import Declared, Occurrence, PackIndex

KEYWORDS = (*DECL_KEYWORDS, "when", "then", "else", "if", "overrides", "unless", "because", "default", "hit",
            "complete", "priority", "cite", "given", "expect", "row", "any", "otherwise", "always", "never",
            "possible", "must", "by", "done", "and", "or", "not", "implies", "in", "is", "present", "absent",
            "true", "false")
_DID_YOU_MEAN = re.compile(r"did you mean `([^`]+)`\?")
_SEVERITY = {Severity.ERROR: lsp.DiagnosticSeverity.Error, Severity.WARNING: lsp.DiagnosticSeverity.Warning,
             Severity.INFO: lsp.DiagnosticSeverity.Information}
_SYMBOL_KIND = {ast.FactDecl: lsp.SymbolKind.Field, ast.DecisionDecl: lsp.SymbolKind.Function,
                ast.RuleDecl: lsp.SymbolKind.Method, ast.ConstDecl: lsp.SymbolKind.Constant,
                ast.LetDecl: lsp.SymbolKind.Variable, ast.EnumDecl: lsp.SymbolKind.Enum,
                ast.TableDecl: lsp.SymbolKind.Struct, ast.WindowDecl: lsp.SymbolKind.Interface,
                ast.PropertyDecl: lsp.SymbolKind.Boolean, ast.ObligationDecl: lsp.SymbolKind.Event,
                ast.AssumeDecl: lsp.SymbolKind.Boolean}


def position(source: SourceFile, offset: int) -> lsp.Position:
    """The LSP position (0-based line and character) of a character offset."""
    line, column = source.position(offset)
    return lsp.Position(line=line - 1, character=column - 1)


def offset(source: SourceFile, where: lsp.Position) -> int:
    """The character offset of an LSP position (clamped to the text)."""
    starts = source.line_starts
    line = min(where.line, len(starts) - 1)
    return min(starts[line] + where.character, len(source.text))


def span_range(span: Span) -> lsp.Range:
    """The LSP range of a span."""
    return lsp.Range(start=position(span.source, span.start), end=position(span.source, span.end))


def uri_of(path: str) -> str:
    """The file URI of a path."""
    return Path(path).absolute().as_uri()


def diagnostics_of(diags: list[Diagnostic], path: str) -> list[lsp.Diagnostic]:
    """The diagnostics on one file, as LSP diagnostics (help and a formal finding's case
    appended; accepted findings left out)."""
    found = []
    for d in diags:
        if d.primary.span.path != path or d.accepted is not None:
            continue
        message = d.message + (f"\nhelp: {d.help}" if d.help else "")
        case = d.counterexample.case if d.counterexample is not None else None
        if case:
            message += "\ncase: " + ", ".join(f"{name} = {json.dumps(value, default=str)}" for name, value in sorted(case.items()))
        suggestion = _DID_YOU_MEAN.search(d.help or "")
        found.append(lsp.Diagnostic(range=span_range(d.primary.span), message=message, code=d.code,
                                    severity=_SEVERITY[d.severity], source="ruleproof",
                                    data={"replace": suggestion.group(1)} if suggestion else None))
    return found


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


def location(index: PackIndex, occurrence: Occurrence) -> lsp.Location:
    """The LSP location of an occurrence."""
    source = index.sources[occurrence.path]
    return lsp.Location(uri=uri_of(occurrence.path), range=lsp.Range(
        start=position(source, occurrence.start), end=position(source, occurrence.end)))


def rename_edit(index: PackIndex, name: str, new_name: str) -> lsp.WorkspaceEdit | None:
    """Every occurrence of a declared name, in every file of the pack, renamed."""
    occurrences = index.references(name)
    if not occurrences:
        return None
    changes: dict[str, list[lsp.TextEdit]] = {}
    for occurrence in occurrences:
        changes.setdefault(uri_of(occurrence.path), []).append(
            lsp.TextEdit(range=location(index, occurrence).range, new_text=new_name))
    return lsp.WorkspaceEdit(changes=changes)


def symbols(index: PackIndex, path: str) -> list[lsp.DocumentSymbol]:
    """The outline of one file: its named declarations."""
    module = index.modules.get(path)
    found = []
    for decl in module.decls if module is not None else ():
        name = getattr(decl, "name", None)
        if not isinstance(name, ast.Ident):
            continue
        found.append(lsp.DocumentSymbol(name=name.name, kind=_SYMBOL_KIND.get(type(decl), lsp.SymbolKind.Object),
                                        range=span_range(decl.span), selection_range=span_range(name.span),
                                        detail=getattr(decl, "cite", None) or None))
    return found


_AFTER_NUMBER = re.compile(r"\b[0-9]+(?:\.[0-9]+)?\s+$")
_AFTER_EQUALS_OR_IN = re.compile(r"(?:==|!=|\bin)\s*\{?(?:[A-Za-z_][A-Za-z0-9_]*\s*,\s*)*$")
UNITS = ("days", "working days", "hours", "minutes", "USD", "RMB", "EUR")


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


def quick_fixes(uri: str, diagnostics: list[lsp.Diagnostic]) -> list[lsp.CodeAction]:
    """A fix for each diagnostic whose help says "did you mean `X`?": write X in its place."""
    actions = []
    for d in diagnostics:
        replace = d.data.get("replace") if isinstance(d.data, dict) else None
        if d.source == "ruleproof" and isinstance(replace, str):
            actions.append(lsp.CodeAction(
                title=f"replace with `{replace}`", kind=lsp.CodeActionKind.QuickFix, diagnostics=[d], is_preferred=True,
                edit=lsp.WorkspaceEdit(changes={uri: [lsp.TextEdit(range=d.range, new_text=replace)]})))
    return actions


def formatting(source: SourceFile) -> list[lsp.TextEdit]:
    """One edit replacing the whole text by its formatted form (none if it is formatted or does
    not parse): the same code as `ruleproof fmt`."""
    try:
        formatted = format_text(source.text, source.path)
    except SyntaxErrors:
        return []
    if formatted == source.text:
        return []
    whole = lsp.Range(start=lsp.Position(line=0, character=0), end=position(source, len(source.text)))
    return [lsp.TextEdit(range=whole, new_text=formatted)]
