"""The one diagnostic model every stage reports with, and the registry of stable codes.

Each code is documented in specs/diagnostics.md (what it means, why it matters, an example and
the fix); a test keeps the registry and that document in step.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from enum import StrEnum

from ruleproof.checker.source import Span


class Severity(StrEnum):
    ERROR = "error"
    WARNING = "warning"
    INFO = "info"


@dataclass(frozen=True)
class Code:
    code: str
    name: str
    severity: Severity


def _codes(*rows: tuple[str, str, Severity]) -> dict[str, Code]:
    return {code: Code(code, name, sev) for code, name, sev in rows}


E, W, I = Severity.ERROR, Severity.WARNING, Severity.INFO

CODES: dict[str, Code] = _codes(
    # I/O and syntax
    ("E001", "unreadable-file", E),
    ("E002", "syntax-error", E),
    ("E003", "unexpected-character", E),
    ("E004", "invalid-date", E),
    ("E005", "number-out-of-range", E),
    ("E006", "missing-pack-header", E),
    ("E007", "duplicate-pack-header", E),
    ("E008", "unknown-hit-policy", E),
    ("E009", "invalid-int-range", E),
    ("E010", "too-deeply-nested", E),
    # names and imports
    ("E101", "unknown-name", E),
    ("E102", "duplicate-definition", E),
    ("E103", "import-cycle", E),
    ("E104", "missing-import", E),
    ("E105", "unknown-module", E),
    ("E106", "unknown-rule", E),
    ("E107", "not-a-decision", E),
    ("E108", "override-cycle", E),
    ("E109", "unknown-type", E),
    ("E110", "reserved-name", E),
    # types and units
    ("E201", "type-mismatch", E),
    ("E202", "duration-unit-mismatch", E),
    ("E203", "currency-mismatch", E),
    ("E204", "incomparable-types", E),
    ("E205", "optional-without-presence-test", E),
    ("E206", "not-a-condition", E),
    ("E207", "unknown-enum-member", E),
    ("E208", "unknown-function", E),
    ("E209", "wrong-argument-count", E),
    ("E210", "working-days-not-constant", E),
    ("E211", "not-a-window", E),
    ("E212", "division-by-zero", E),
    ("E213", "not-a-constant", E),
    ("E220", "not-a-list", E),
    ("E221", "list-too-long", E),
    ("E222", "aggregate-field-type", E),
    ("E230", "calendar-months-not-constant", E),
    ("E231", "bad-period-anchor", E),
    # declarations
    ("E301", "decision-never-concluded", E),
    ("E302", "decision-body-and-rules", E),
    ("E303", "override-across-decisions", E),
    ("E304", "priority-missing", E),
    ("E305", "collect-needs-set", E),
    ("E306", "window-start-after-end", E),
    ("E307", "obligation-needs-today", E),
    ("E308", "table-row-width", E),
    ("E309", "table-duplicate-row", E),
    ("E310", "example-unknown-fact", E),
    ("E311", "example-unknown-decision", E),
    ("E313", "dependency-cycle", E),
    ("E314", "relation-without-reason", E),
    ("E320", "overlapping-effective-periods", E),
    ("E321", "effective-without-as-of", E),
    ("E322", "empty-effective-period", E),
    ("E323", "constant-not-in-force", E),
    # warnings
    ("W401", "unused-fact", W),
    ("W402", "unused-import", W),
    ("W403", "presence-test-on-required", W),
    ("W404", "rule-without-citation", W),
    ("W405", "acceptance-matches-nothing", W),
    ("W410", "gap-between-versions", W),
    # example runs (ruleproof test)
    ("E501", "example-failed", E),
    # formal checks (checker/checks/)
    ("E601", "dead-rule", E),
    ("E602", "conflict", E),
    ("E603", "gap", E),
    ("W604", "shadowed-rule", W),
    ("W605", "redundant-rule", W),
    ("W606", "window-can-be-empty", W),
    ("E607", "window-relation-violated", E),
    ("W608", "boundary-disagreement", W),
    ("E609", "property-refuted", E),
    ("E610", "property-impossible", E),
    ("E611", "table-overlap", E),
    ("W612", "table-gap", W),
    ("W613", "solver-unknown", W),
    ("E614", "assumptions-contradict", E),
    ("W615", "no-rule-applies", W),
    # DMN import
    ("E701", "dmn-malformed", E),
    ("E702", "dmn-unsupported", E),
    ("E703", "dmn-export-unsupported", E),
)


class CheckVerdict(StrEnum):
    """What the solver said of the property a formal check states."""

    PROVED = "proved"  # no case breaks it (the constraints are unsatisfiable)
    REFUTED = "refuted"  # the case below breaks it
    UNKNOWN = "unknown"  # the solver gave up (the reason says why)


@dataclass(frozen=True)
class Counterexample:
    """What a formal check's finding rests on: its verdict, the names involved (an acceptance
    matches them) and, when refuted, the case — wire facts, as `ruleproof decide` takes them —
    with its timeline (checker/timeline.py); when unknown, the solver's reason.

    >>> Counterexample(CheckVerdict.PROVED, ("late_fee", "fee")).case is None
    True
    """

    verdict: CheckVerdict
    involved: tuple[str, ...] = ()
    case: dict[str, object] | None = field(default=None, compare=False)
    timeline: dict | None = field(default=None, compare=False)
    reason: str | None = None


@dataclass(frozen=True)
class Label:
    """A span with a short note printed under its carets."""

    span: Span
    message: str = ""


@dataclass(frozen=True)
class Diagnostic:
    """One finding: a stable code, a one-line message, where, and how to fix it."""

    code: str
    message: str
    primary: Label
    secondary: tuple[Label, ...] = ()
    help: str | None = None
    counterexample: Counterexample | None = field(default=None, compare=False)  # formal checks' findings only
    accepted: str | None = None

    @property
    def severity(self) -> Severity:
        return CODES[self.code].severity

    @property
    def name(self) -> str:
        return CODES[self.code].name

    @property
    def involved(self) -> tuple[str, ...]:
        """The names a formal check's finding is about (none for other diagnostics)."""
        return self.counterexample.involved if self.counterexample is not None else ()

    def sort_key(self) -> tuple:
        return (*self.primary.span.sort_key(), self.code, self.message)


def diagnostic(
    code: str,
    message: str,
    span: Span,
    label: str = "",
    *,
    secondary: tuple[Label, ...] = (),
    help: str | None = None,
    counterexample: Counterexample | None = None,
) -> Diagnostic:
    """Build a diagnostic; `code` must be registered in CODES."""
    if code not in CODES:
        raise KeyError(f"unregistered diagnostic code {code}")
    return Diagnostic(code, message, Label(span, label), secondary, help, counterexample)


def sorted_diagnostics(diags: list[Diagnostic]) -> list[Diagnostic]:
    """Deduplicate and sort by location; every diagnostic is kept (the text output folds long
    lists, saying how many it leaves out: checker/render.py)."""
    unique = {(d.code, d.message, d.primary.span.sort_key()): d for d in diags}
    return sorted(unique.values(), key=Diagnostic.sort_key)


def has_errors(diags: Iterable[Diagnostic]) -> bool:
    return any(d.severity is Severity.ERROR and d.accepted is None for d in diags)


def did_you_mean(name: str, candidates: list[str]) -> str | None:
    """A `did you mean` help line for the closest candidate, if any is close."""
    import difflib

    close = difflib.get_close_matches(name, candidates, n=1, cutoff=0.6)
    return f"did you mean `{close[0]}`?" if close else None


def shortened(text: str, limit: int = 40) -> str:
    """User input cut to `limit` characters for a one-line message (an ellipsis marks the cut).

    >>> shortened("a" * 50, 5)
    'aaaa…'
    """
    return text if len(text) <= limit else text[: limit - 1] + "…"
