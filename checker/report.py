"""One pack checked end to end: `check_pack` runs the front end and, on a pack it accepts, the
formal checks, and returns one Report — what `ruleproof check` prints, what the server
serves for a loaded pack, and what its check worker sends back (`to_wire` / `from_wire`).
"""

from __future__ import annotations

import time
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path

from ruleproof.checker.diagnostics import (
    CheckVerdict,
    Counterexample,
    Diagnostic,
    Label,
    Severity,
    has_errors,
    sorted_diagnostics,
)
from ruleproof.checker.ir import Pack
from ruleproof.checker.pipeline import load_pack, load_texts
from ruleproof.checker.source import SourceFile, Span

WIRE_VERSION = 1  # of the form `to_wire` writes; `from_wire` refuses any other


class TooManyRules(Exception):
    """The pack has more rules than the caller lets the formal checks take on."""

    def __init__(self, rules: int, limit: int):
        super().__init__(f"the pack has {rules} rules; at most {limit} are checked here")
        self.rules = rules
        self.limit = limit


@dataclass(frozen=True)
class Report:
    """What checking one pack found: the front end's diagnostics and the formal checks'
    findings (acceptances applied), sorted, with what the checks cost.

    `ir` is the pack's IR for the caller that goes on to serve it; it stays in the process
    that checked the pack (`to_wire` leaves it out).
    """

    path: str  # what was checked, as the user named it (a path, a pack folder, `request`)
    pack: str | None  # the pack's name and version; None when the front end built no pack
    version: str | None
    diagnostics: tuple[Diagnostic, ...] = ()
    checked: bool = False  # the formal checks ran (only on a pack the front end accepts)
    seconds: float = 0.0  # front end and formal checks
    timings: Mapping[str, float] = field(default_factory=dict, compare=False)  # seconds per check
    queries: int = 0  # questions sent to Z3
    cached: int = 0  # questions answered from the memo
    processes: int = 1
    ir: Pack | None = field(default=None, compare=False, repr=False)

    @property
    def errors(self) -> int:
        """Errors the pack does not accept."""
        return sum(1 for d in self.diagnostics if d.severity is Severity.ERROR and d.accepted is None)

    @property
    def warnings(self) -> int:
        """Warnings the pack does not accept."""
        return sum(1 for d in self.diagnostics if d.severity is Severity.WARNING and d.accepted is None)

    @property
    def ok(self) -> bool:
        """The front end built the pack and nothing found an unaccepted error: it may be served."""
        return self.pack is not None and not has_errors(self.diagnostics)

    def to_wire(self) -> dict:
        """The report as JSON-ready data for another process: every field but `ir`, each span
        as (path, start, end) with the text of every file a span points into."""
        sources: dict[str, str] = {}
        return {
            "wire": WIRE_VERSION, "path": self.path, "pack": self.pack, "version": self.version,
            "diagnostics": [_diagnostic_to_wire(d, sources) for d in self.diagnostics],
            "sources": sources, "checked": self.checked, "seconds": self.seconds, "timings": dict(self.timings),
            "queries": self.queries, "cached": self.cached, "processes": self.processes,
        }

    @classmethod
    def from_wire(cls, data: Mapping) -> Report:
        """The report `to_wire` wrote, rebuilt (without `ir`); raises ValueError for another form."""
        if data.get("wire") != WIRE_VERSION:
            raise ValueError(f"not a report of wire version {WIRE_VERSION}: {data.get('wire')!r}")
        sources = {path: SourceFile(path, text) for path, text in data["sources"].items()}
        return cls(
            data["path"], data["pack"], data["version"],
            tuple(_diagnostic_from_wire(d, sources) for d in data["diagnostics"]),
            data["checked"], data["seconds"], dict(data["timings"]), data["queries"], data["cached"], data["processes"],
        )


def check_pack(files: Path | str | Mapping[str, str], *, label: str | None = None,
               unreadable: Sequence[Diagnostic] = (), formal: bool = True, timeout_ms: int | None = None,
               jobs: int | None = None, progress: Callable[[str], None] | None = None,
               max_rules: int | None = None) -> Report:
    """Check one pack: a folder or file (`Path` or `str`; raises pipeline.PackNotFound when
    it names none) or in-memory files (path -> text).

    `unreadable`: diagnostics of files the caller could not read (E001); like any front-end
    error they keep the formal checks from running. `formal=False` runs the front end only.
    `label` names the pack in the report (default: the path given). `max_rules`: raise
    TooManyRules instead of checking a larger pack. `timeout_ms` (None: the checks' default),
    `jobs` and `progress` go to the formal checks (checker.checks.run_checks), which are
    imported (with Z3) only when they run.
    """
    started = time.perf_counter()
    if isinstance(files, Mapping):
        loaded = load_texts(dict(files))
    else:
        loaded = load_pack(Path(files))
    diagnostics = sorted_diagnostics([*unreadable, *loaded.diagnostics])
    pack = loaded.pack
    label = label if label is not None else ("" if isinstance(files, Mapping) else str(files))
    if pack is None or not (formal and loaded.ok and not unreadable):
        return Report(label, pack.name if pack else None, pack.version if pack else None, tuple(diagnostics),
                      seconds=time.perf_counter() - started, ir=pack)
    if max_rules is not None and len(pack.rules()) > max_rules:
        raise TooManyRules(len(pack.rules()), max_rules)
    from ruleproof.checker.checks import run_checks

    limit = {} if timeout_ms is None else {"timeout_ms": timeout_ms}
    checks = run_checks(pack, progress=progress, jobs=jobs, **limit)
    return Report(label, pack.name, pack.version, tuple(sorted_diagnostics(diagnostics + checks.findings)), True,
                  time.perf_counter() - started, checks.timings, checks.queries, checks.cached, checks.processes, pack)


# ------------------------------------------------------------------ the wire form of a diagnostic


def _label_to_wire(label: Label, sources: dict[str, str]) -> list:
    span = label.span
    sources[span.path] = span.source.text
    return [span.path, span.start, span.end, label.message]


def _label_from_wire(data: list, sources: Mapping[str, SourceFile]) -> Label:
    path, start, end, message = data
    return Label(Span(sources[path], start, end), message)


def _diagnostic_to_wire(d: Diagnostic, sources: dict[str, str]) -> dict:
    c = d.counterexample
    return {
        "code": d.code, "message": d.message, "primary": _label_to_wire(d.primary, sources),
        "secondary": [_label_to_wire(s, sources) for s in d.secondary], "help": d.help, "accepted": d.accepted,
        "counterexample": None if c is None else {
            "verdict": c.verdict.value, "involved": list(c.involved), "case": c.case, "timeline": c.timeline,
            "reason": c.reason},
    }


def _diagnostic_from_wire(data: Mapping, sources: Mapping[str, SourceFile]) -> Diagnostic:
    c = data["counterexample"]
    counterexample = None if c is None else Counterexample(
        CheckVerdict(c["verdict"]), tuple(c["involved"]), c["case"], c["timeline"], c["reason"])
    return Diagnostic(data["code"], data["message"], _label_from_wire(data["primary"], sources),
                      tuple(_label_from_wire(s, sources) for s in data["secondary"]), data["help"], counterexample,
                      data["accepted"])
