"""The front end as one table of stages: parse -> resolve -> type check -> lower.

`load_pack` is the one entry point the CLI, the tests and the service use to turn files into
an IR pack with every diagnostic found on the way.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from ruleproof.checker import ir
from ruleproof.checker.diagnostics import Diagnostic, diagnostic, has_errors, sorted_diagnostics
from ruleproof.checker.lower import lower
from ruleproof.checker.parse import parse_module
from ruleproof.checker.resolve import resolve
from ruleproof.checker.source import SourceFile, Span
from ruleproof.checker.typecheck import typecheck

SUFFIX = ".rules"


@dataclass
class LoadResult:
    """A pack's IR (None when errors stopped the front end) and all diagnostics, sorted."""

    pack: ir.Pack | None
    diagnostics: list[Diagnostic] = field(default_factory=list)
    sources: dict[str, SourceFile] = field(default_factory=dict)

    @property
    def ok(self) -> bool:
        return self.pack is not None and not has_errors(self.diagnostics)


class PackNotFound(Exception):
    """The path names no readable pack (a usage or I/O problem, not a finding)."""


def pack_paths(path: Path) -> list[Path]:
    """The packs a path names: a file, a pack folder (holding `.rules` files), or a folder of
    pack folders (such as `policies/`)."""
    if path.is_dir() and not any(path.glob("*" + SUFFIX)):
        packs = sorted(p for p in path.iterdir() if p.is_dir() and any(p.glob("*" + SUFFIX)))
        if packs:
            return packs
    return [path]


def pack_files(path: Path) -> list[Path]:
    """The `.rules` files of a pack folder, or the single file given."""
    if path.is_dir():
        files = sorted(p for p in path.glob("*" + SUFFIX) if p.is_file())
        if not files:
            raise PackNotFound(f"no {SUFFIX} files in {path}")
        return files
    if path.is_file():
        return [path]
    raise PackNotFound(f"no such file or folder: {path}")


def load_pack(path: Path | str) -> LoadResult:
    """Run the front end on a pack folder or one file."""
    path = Path(path)
    texts = {}
    diags: list[Diagnostic] = []
    for file in pack_files(path):
        try:
            texts[str(file)] = file.read_text(encoding="utf-8")
        except (OSError, UnicodeDecodeError) as err:
            source = SourceFile(str(file), "")
            reason = "it is not UTF-8 text" if isinstance(err, UnicodeDecodeError) else (err.strerror or "it cannot be opened").lower()
            diags.append(diagnostic("E001", f"cannot read `{file}`: {reason}", Span(source, 0, 0),
                                    "unreadable", help="check the file's permissions and that it is UTF-8 text"))
    result = load_texts(texts)
    result.diagnostics = sorted_diagnostics(diags + result.diagnostics)
    return result


def load_texts(texts: dict[str, str]) -> LoadResult:
    """Run the front end on in-memory files: path -> text. Module names are the file stems."""
    diags: list[Diagnostic] = []
    sources = {path: SourceFile(path, text) for path, text in texts.items()}
    modules = {}
    for path, source in sources.items():
        name = Path(path).name.removesuffix(SUFFIX)
        module, parse_diags = parse_module(source, name)
        diags.extend(parse_diags)
        if name in modules:
            diags.append(diagnostic("E102", f"two files define module `{name}`", Span(source, 0, 0),
                                    "duplicate module", help="module names are file names; rename one file"))
            continue
        modules[name] = module
    resolution, resolve_diags = resolve(modules)
    diags.extend(resolve_diags)
    typed, type_diags = typecheck(resolution)
    diags.extend(type_diags)
    pack = None
    if not has_errors(diags):
        pack, lower_diags = lower(typed)
        diags.extend(lower_diags)
    return LoadResult(pack, sorted_diagnostics(diags), sources)
