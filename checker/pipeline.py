"""The front end as one table of stages, run in order: parse -> resolve -> type check -> lower.

Each row of STAGES names a stage and the function that runs it; a function takes what the
stage before produced and returns what it produces with the diagnostics it found. `load_pack`
and `load_texts` are the entry points the CLI, the tests and the service use to turn files into
an IR pack with every diagnostic found on the way.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from enum import StrEnum
from pathlib import Path

from ruleproof.checker import ast, ir
from ruleproof.checker.diagnostics import Diagnostic, diagnostic, has_errors, sorted_diagnostics
from ruleproof.checker.lower import lower
from ruleproof.checker.packs import SUFFIX, files_of
from ruleproof.checker.parse import parse_module
from ruleproof.checker.resolve import resolve
from ruleproof.checker.source import SourceFile, Span
from ruleproof.checker.typecheck import typecheck


@dataclass
class LoadResult:
    """A pack's IR (None when errors stopped the front end) and all diagnostics, sorted."""

    pack: ir.Pack | None
    diagnostics: list[Diagnostic] = field(default_factory=list)
    sources: dict[str, SourceFile] = field(default_factory=dict)

    @property
    def ok(self) -> bool:
        """Whether the front end produced a pack and found no unaccepted error."""
        return self.pack is not None and not has_errors(self.diagnostics)


def parse_files(sources: dict[str, SourceFile]) -> tuple[dict[str, ast.Module], list[Diagnostic]]:
    """Parse every file into a module named after its file's stem; two files with one stem are E102."""
    diags: list[Diagnostic] = []
    modules: dict[str, ast.Module] = {}
    for path, source in sources.items():
        name = Path(path).name.removesuffix(SUFFIX)
        module, parse_diags = parse_module(source, name)
        diags.extend(parse_diags)
        if name in modules:
            diags.append(diagnostic("E102", f"two files define module `{name}`", Span(source, 0, 0),
                                    "duplicate module", help="module names are file names; rename one file"))
            continue
        modules[name] = module
    return modules, diags


class StageName(StrEnum):
    """The stages of the front end, in the order they run."""

    PARSE = "parse"
    RESOLVE = "resolve"
    TYPECHECK = "typecheck"
    LOWER = "lower"


@dataclass(frozen=True)
class Stage:
    """One row of the table: a stage, its function, and whether it runs after an error (the
    stages before lowering do, so that one run reports as much as it can)."""

    name: StageName
    run: Callable[[object], tuple[object, list[Diagnostic]]]
    after_errors: bool = True


STAGES: tuple[Stage, ...] = (
    Stage(StageName.PARSE, parse_files),
    Stage(StageName.RESOLVE, resolve),
    Stage(StageName.TYPECHECK, typecheck),
    # Lowering assumes a well-typed pack; it returns None for a decision dependency cycle.
    Stage(StageName.LOWER, lower, after_errors=False),
)


def run_stages(sources: dict[str, SourceFile], as_of: int | None = None) -> tuple[ir.Pack | None, list[Diagnostic]]:
    """Run STAGES in order on the sources: the IR pack (None if a stage stopped short) and
    every diagnostic, unsorted. With `as_of` (a day's ordinal) every decision is read as of
    that day: only the rules in force on it are lowered."""
    return run_stages_as_of(sources, [as_of])[0]


def run_stages_as_of(sources: dict[str, SourceFile], days: Sequence[int | None]) -> list[tuple[ir.Pack | None, list[Diagnostic]]]:
    """`run_stages` for each of `days`, the stages before lowering run once for all."""
    value: object = sources
    diags: list[Diagnostic] = []
    for stage in STAGES:
        if stage.name is StageName.LOWER:
            break
        value, found = stage.run(value)
        diags.extend(found)
    out = []
    for day in days:
        if not stage.after_errors and has_errors(diags):
            out.append((None, list(diags)))
            continue
        value.pin = day
        pack, found = stage.run(value)
        out.append((pack, diags + found))
    return out


def load_texts(texts: dict[str, str], as_of: int | None = None) -> LoadResult:
    """Run the front end on in-memory files: path -> text. Module names are the file stems.

    >>> result = load_texts({"a.rules": 'pack a version "1"  fact paid: bool  decision ok: bool = paid'})
    >>> result.ok, sorted(result.pack.decisions)
    (True, ['ok'])
    """
    return load_texts_as_of(texts, [as_of])[0]


def load_texts_as_of(texts: dict[str, str], days: Sequence[int | None]) -> list[LoadResult]:
    """`load_texts` read as of each of `days` (None: each decision's own day), in order."""
    sources = {path: SourceFile(path, text) for path, text in texts.items()}
    return [LoadResult(pack, sorted_diagnostics(diags), sources) for pack, diags in run_stages_as_of(sources, days)]


def load_pack(path: Path | str, as_of: int | None = None) -> LoadResult:
    """Run the front end on a pack folder (every `.rules` file under it, see checker/packs.py)
    or one file; raises PackNotFound when the path holds none. `as_of`: see `run_stages`."""
    return load_pack_as_of(path, [as_of])[0]


def load_pack_as_of(path: Path | str, days: Sequence[int | None]) -> list[LoadResult]:
    """`load_pack` read as of each of `days` (None: each decision's own day), in order; the
    files are read, parsed and checked once."""
    texts = {}
    diags: list[Diagnostic] = []
    for file in files_of(Path(path)):
        try:
            texts[str(file)] = file.read_text(encoding="utf-8")
        except (OSError, UnicodeDecodeError) as err:
            source = SourceFile(str(file), "")
            reason = "it is not UTF-8 text" if isinstance(err, UnicodeDecodeError) else (err.strerror or "it cannot be opened").lower()
            diags.append(diagnostic("E001", f"cannot read `{file}`: {reason}", Span(source, 0, 0),
                                    "unreadable", help="check the file's permissions and that it is UTF-8 text"))
    results = load_texts_as_of(texts, days)
    for result in results:
        result.diagnostics = sorted_diagnostics(diags + result.diagnostics)
    return results
