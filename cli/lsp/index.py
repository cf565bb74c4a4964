"""What the language server knows about a pack: its files (unsaved editor text first), their
modules, every declared name and every place a name is written. All names of a pack share one
name space (specs/language.md), so a name's occurrences are the tokens spelled like it.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

from ruleproof.checker import ast
from ruleproof.checker.packs import pack_files
from ruleproof.checker.parse import parse_module, token_stream
from ruleproof.checker.pipeline import LoadResult, load_texts
from ruleproof.checker.source import SourceFile, Span

_WORD = re.compile(r"[A-Za-z_][A-Za-z0-9_]*")
_NOT_CODE = re.compile(r'"(?:[^"\\\n]|\\.)*"|#[^\n]*')


@dataclass(frozen=True)
class Declared:
    """A declared name: where its name is written, and the declaration (an enum's member: the
    enum)."""

    name: str
    span: Span
    decl: ast.Decl
    module: str


@dataclass(frozen=True)
class Occurrence:
    """A place a name is written: the file and the [start, end) offsets of the word."""

    path: str
    start: int
    end: int


def pack_texts(path: str, open_texts: dict[str, str]) -> dict[str, str]:
    """The texts of the pack of the file `path` (every `.rules` file under its folder), with the
    unsaved text of open files in place of what is on disk."""
    texts = {}
    for file in pack_files(Path(path).parent):
        try:
            texts[str(file)] = file.read_text(encoding="utf-8")
        except (OSError, UnicodeDecodeError):
            continue
    texts.update({p: t for p, t in open_texts.items() if Path(p).parent == Path(path).parent})
    texts.setdefault(path, open_texts.get(path, ""))
    return texts


class PackIndex:
    """The names of one pack's files; built from their texts, never from disk."""

    def __init__(self, texts: dict[str, str]):
        self.sources = {path: SourceFile(path, text) for path, text in texts.items()}
        self.modules = {path: parse_module(source, Path(path).stem)[0] for path, source in self.sources.items()}
        self.declared: dict[str, Declared] = {}
        for module in self.modules.values():
            for decl in module.decls:
                for ident in _names_of(decl):
                    self.declared.setdefault(ident.name, Declared(ident.name, ident.span, decl, module.name))
        self.occurrences: dict[str, list[Occurrence]] = {}
        for path, source in self.sources.items():
            for name, start, end in _words(source):
                self.occurrences.setdefault(name, []).append(Occurrence(path, start, end))

    def load(self) -> LoadResult:
        """The front end's result on these texts (diagnostics of every file)."""
        return load_texts({path: source.text for path, source in self.sources.items()})

    def word_at(self, path: str, offset: int) -> str | None:
        """The name written at `offset` of the file, if any."""
        for name, occurrences in self.occurrences.items():
            if any(o.path == path and o.start <= offset <= o.end for o in occurrences):
                return name
        return None

    def references(self, name: str) -> list[Occurrence]:
        """Every place `name` is written in the pack, its declaration included."""
        return self.occurrences.get(name, []) if name in self.declared else []

    def visible(self, path: str) -> list[Declared]:
        """The names a file sees: its own and those of the modules it imports."""
        module = self.modules.get(path)
        if module is None:
            return []
        seen = {module.name} | {d.module.name for d in module.decls if isinstance(d, ast.Import)}
        return [d for d in self.declared.values() if d.module in seen]


def _names_of(decl: ast.Decl) -> list[ast.Ident]:
    """The names a declaration declares: its own, and an enum's members."""
    names = [decl.name] if isinstance(getattr(decl, "name", None), ast.Ident) else []
    members = getattr(decl, "members", ())
    if not members and isinstance(decl, ast.FactDecl | ast.DecisionDecl) and isinstance(decl.type.base, ast.InlineEnum):
        members = decl.type.base.members
    return names + list(members)


def _words(source: SourceFile) -> list[tuple[str, int, int]]:
    """The names written in a file: its `NAME` tokens when it parses; else every word outside
    strings and comments (so a file being typed still has references)."""
    tokens, _ = token_stream(source)
    if tokens:
        return [(t.value, t.start_pos, t.end_pos) for t in tokens if t.type == "NAME"]
    code = _NOT_CODE.sub(lambda m: " " * len(m.group()), source.text)
    return [(m.group(), m.start(), m.end()) for m in _WORD.finditer(code)]
