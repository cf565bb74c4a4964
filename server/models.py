"""Wire types of the HTTP API, version 1: one pydantic model per request and response body.

They are the contract: the OpenAPI document (server/openapi.py) is generated from them, requests
are parsed with them, and the tests check every response against them. Field names and shapes of
decisions, findings and diffs are the ones `ruleproof decide|check|diff --format json` print.
"""

from __future__ import annotations

from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field, StringConstraints

#: a pack's name: its folder under policies/ (never a path)
PACK_NAME_PATTERN = r"^[A-Za-z0-9][A-Za-z0-9_.-]{0,63}$"
#: a file of a pack sent inline: relative, `/`-separated, ending in `.rules`, no `..`
FILE_NAME_PATTERN = r"^(?:[A-Za-z0-9_][A-Za-z0-9_.-]{0,63}/){0,3}[A-Za-z0-9_][A-Za-z0-9_.-]{0,63}\.rules$"

PackName = Annotated[str, StringConstraints(pattern=PACK_NAME_PATTERN)]
Name = Annotated[str, StringConstraints(min_length=1, max_length=128)]
Facts = Annotated[dict[str, Any], Field(description="fact name -> wire value (VOCABULARY.md conventions)")]


class Wire(BaseModel):
    """Request bodies: unknown fields are errors, not ignored; no value is coerced ("yes" is no bool)."""

    model_config = ConfigDict(extra="forbid", strict=True)


class Out(BaseModel):
    """Response bodies."""


# ------------------------------------------------------------------ errors


class ErrorDetailV1(Out):
    path: str = Field(description="JSON path of the offending value, e.g. `facts.paid_on` or `cases[3].today`")
    message: str


class ErrorV1(Out):
    """Every error the service answers with (OPA's ErrorV1 shape)."""

    code: str = Field(description="stable machine-readable code, e.g. `invalid_facts`, `not_found`")
    message: str
    errors: list[ErrorDetailV1] = Field(default_factory=list)


# ------------------------------------------------------------------ decide


class DecideRequestV1(Wire):
    pack: PackName
    facts: Facts
    files: dict[Annotated[str, StringConstraints(pattern=FILE_NAME_PATTERN)], str] | None = Field(
        default=None, min_length=1, json_schema_extra={"additionalProperties": False},
        description="decide with these files (file name -> text: an edited version of `pack`, as validate takes "
                    "them) instead of the served version; the pack must load without errors",
    )
    decisions: list[Name] | None = Field(
        default=None, min_length=1, max_length=256, description="decide only these (and what they depend on); all if omitted"
    )
    explain: bool = Field(default=False, description="add the trace: every rule's status and why it did not fire")
    timeline: bool = Field(default=False, description="add the case's timeline: dated facts and decisions, windows")


IsoDay = Annotated[str, StringConstraints(pattern=r"^[0-9]{4}-[0-9]{2}-[0-9]{2}(T[0-9]{2}:[0-9]{2})?$")]


class TimelineEventV1(Wire):
    date: IsoDay
    name: Annotated[str, StringConstraints(max_length=200)]
    kind: str = Field(description="`fact`, `decision`, or a mark a finding adds (`conflict`)")


class TimelineWindowV1(Wire):
    name: Annotated[str, StringConstraints(max_length=200)]
    first: IsoDay
    last: IsoDay
    empty: bool


class TimelineV1(Wire):
    """A case on a date axis (the `timeline` of a decided case or of a finding's counterexample)."""

    model_config = ConfigDict(extra="ignore", strict=True)
    events: list[TimelineEventV1] = Field(max_length=500)
    windows: list[TimelineWindowV1] = Field(max_length=200)
    text: str = ""


class TimelineSvgRequestV1(Wire):
    timeline: TimelineV1
    highlight: list[Name] = Field(default_factory=list, max_length=50, description="windows to highlight (a finding's `involved`)")
    title: Annotated[str, StringConstraints(max_length=200)] = "timeline"


class TimelineSvgResponseV1(Out):
    svg: str = Field(description="an accessible SVG drawing (role=img, title, text labels)")


class PackFilesV1(Out):
    name: str
    files: dict[str, str] = Field(description="file name -> text of the served version")


class UndeterminedV1(Out):
    reason: str
    cause: Literal["no_value", "missing_fact", "conflict", "gap", "division_by_zero", "empty_list", "out_of_range"] = Field(
        description="the class of the reason (checker/semantics/outcomes.py): no_value is not an error, the others "
                    "are; out_of_range: a value the wire format cannot write (a date past 9999-12-31)")
    depends_on: list[str] = Field(default_factory=list, description="facts the caller did not send that would decide it")
    rules: list[str] | None = Field(default=None, description="the rules in conflict")


class WhyNotV1(Out):
    model_config = ConfigDict(extra="allow")
    condition: str
    at: str | None = None
    needs: str | None = None
    error: str | None = None


class RuleTraceV1(Out):
    rule: str
    cite: str | None = None
    at: str | None = None
    status: Literal["fired", "overridden", "outranked", "not fired"]
    overridden_by: list[str] | None = None
    why_not: WhyNotV1 | None = None
    value_needs: str | None = Field(default=None, description="fired, but its conclusion reads this fact or decision, which the case lacks")
    value_error: str | None = Field(default=None, description="fired, but its conclusion cannot be computed (e.g. division by zero)")


class TraceEntryV1(Out):
    decision: str
    rules: list[RuleTraceV1]
    used_default: bool


class DecideResponseV1(Out):
    """`ruleproof decide --format json`, plus the id the decision is logged under."""

    pack: str
    version: str
    revision: str = Field(description="hash of the served version's files: changes whenever they do")
    edited: bool = Field(default=False, description="decided by the `files` sent, not the served version; "
                         "`revision` is then the hash of those files")
    decision_id: str
    decisions: dict[str, Any] = Field(description="decision name -> wire value")
    undetermined: dict[str, UndeterminedV1]
    trace: list[TraceEntryV1] | None = Field(default=None, description="present when `explain` was true")
    timeline: TimelineV1 | None = Field(default=None, description="present when `timeline` was true")


class BatchRequestV1(Wire):
    pack: PackName
    cases: list[Facts] = Field(min_length=1, description="facts of each case; at most `max_batch_cases` (10,000 by default)")
    decisions: list[Name] | None = Field(default=None, min_length=1, max_length=256)


class BatchResultV1(Out):
    """One case: decided (`decision_id`, `decisions`, `undetermined`) or failed (`error`)."""

    index: int
    decision_id: str | None = None
    decisions: dict[str, Any] | None = None
    undetermined: dict[str, UndeterminedV1] | None = None
    error: ErrorV1 | None = Field(default=None, description="why this case was not decided; paths start with `cases[i]`")


class BatchResponseV1(Out):
    pack: str
    version: str
    revision: str = Field(description="hash of the served version's files: changes whenever they do")
    results: list[BatchResultV1] = Field(description="one per case, in the order sent")
    decided: int
    failed: int


# ------------------------------------------------------------------ findings (ruleproof check --format json)


class LocationV1(Out):
    file: str
    line: int
    column: int
    end_line: int
    end_column: int
    label: str


class DiagnosticV1(Out):
    """One finding, as `ruleproof check --format json` prints it; the formal checks' findings
    add their counterexample (`check_verdict`, `involved`, and `counterexample` with `timeline`
    when refuted, `reason` when unknown)."""

    code: str
    name: str
    severity: Literal["error", "warning", "info"]
    message: str
    location: LocationV1
    related: list[LocationV1]
    help: str | None = None
    accepted: str | None = None
    involved: list[str] | None = Field(default=None, description="the names the finding is about (an acceptance matches them)")
    check_verdict: Literal["proved", "refuted", "unknown"] | None = None
    counterexample: Facts | None = Field(default=None, description="refuted: a case that shows the defect")
    timeline: dict[str, Any] | None = Field(default=None, description="refuted: that case on a date axis (see TimelineV1)")
    reason: str | None = Field(default=None, description="unknown: why the solver gave up")


class ReportV1(Out):
    """`ruleproof check --format json` for one pack."""

    path: str
    pack: str | None
    version: str | None
    diagnostics: list[DiagnosticV1]
    errors: int = Field(description="errors not accepted by the pack")
    warnings: int


# ------------------------------------------------------------------ validate and diff


Files = Annotated[
    dict[Annotated[str, StringConstraints(pattern=FILE_NAME_PATTERN)], str],
    Field(min_length=1, description="file name (`name.rules`; the module is its stem) -> text",
          json_schema_extra={"additionalProperties": False}),
]


def _exactly_one_source(schema: dict) -> None:
    """JSON Schema of a pack source: `files` or `pack`, exactly one, never null."""
    for prop in ("files", "pack"):
        schema["properties"][prop].pop("default", None)
    schema["oneOf"] = [{"required": ["files"]}, {"required": ["pack"]}]


class PackSourceV1(Wire):
    """A pack sent inline as files, or the name of a loaded pack: exactly one of the two."""

    model_config = ConfigDict(extra="forbid", strict=True, json_schema_extra=_exactly_one_source)
    files: Files = None  # type: ignore[assignment]  (absent, never null)
    pack: PackName = None  # type: ignore[assignment]


class ValidateRequestV1(PackSourceV1):
    """The pack to validate: sent as files, or named."""


class ValidateResponseV1(ReportV1):
    ok: bool = Field(description="no unaccepted errors: the pack would be served")
    seconds: float = Field(description="time the front end and the formal checks took")


class DiffRequestV1(Wire):
    old: PackSourceV1
    new: PackSourceV1


class PackVersionV1(Out):
    pack: str
    version: str


class DecisionDiffV1(Out):
    name: str
    status: Literal["equivalent", "changed", "added", "removed", "retyped", "unknown"]
    witness: dict[str, Any] | None = Field(default=None, description="facts of a case the two versions decide differently")
    old: Any = None
    new: Any = None
    reason: str | None = None


class DiffResponseV1(Out):
    """`ruleproof diff --format json`."""

    old: PackVersionV1
    new: PackVersionV1
    changed: bool
    facts_added: list[str]
    facts_removed: list[str]
    decisions: list[DecisionDiffV1]


# ------------------------------------------------------------------ examples (ruleproof test --format json)


class TestRequestV1(Wire):
    pack: PackName
    files: dict[Annotated[str, StringConstraints(pattern=FILE_NAME_PATTERN)], str] | None = Field(
        default=None, min_length=1, json_schema_extra={"additionalProperties": False},
        description="run the examples of these files (an edited version of `pack`, as decide takes them) instead of "
                    "the served version's; the pack must load without errors")


class ExpectationV1(Out):
    decision: str
    expected: Any = Field(description="the expected wire value (null when the example expects `undetermined`)")
    expected_undetermined: bool
    actual: Any = Field(description="the decided wire value (null when undetermined)")
    undetermined: str | None = Field(description="why the decision is undetermined on the example's case")
    passed: bool
    message: str | None = Field(description="when it failed, what `ruleproof test` says")


class ExampleResultV1(Out):
    title: str
    cite: str | None
    at: str = Field(description="file:line:col of the example")
    passed: bool
    expectations: list[ExpectationV1]
    covers: list[str] = Field(description="the rules that win on the example's case")


class UncoveredRuleV1(Out):
    rule: str
    decision: str
    at: str


class TestResponseV1(Out):
    """`ruleproof test --format json`, with the version that ran."""

    pack: str
    version: str
    revision: str = Field(description="hash of the files whose examples ran (the served version's, or those sent)")
    edited: bool = Field(description="the examples of the `files` sent ran, not the served version's")
    examples: int
    passed: int
    failed: list[DiagnosticV1] = Field(description="an E501 finding per expectation not met")
    results: list[ExampleResultV1] = Field(description="every example, in the order of the pack")
    coverage: float = Field(description="share of the rules some example's case makes win, 0 to 1")
    rules: int = Field(description="the rules of the pack")
    uncovered_rules: list[UncoveredRuleV1]


# ------------------------------------------------------------------ packs


class FactInfoV1(Out):
    name: str
    type: str
    optional: bool
    values: list[str] | None = Field(default=None, description="the members of an enum (or of a set's enum), in order")
    default: Any = Field(default=None, description="present only when the fact has a default (wire value)")
    cite: str | None = None


class DecisionInfoV1(Out):
    name: str
    type: str
    hit: str
    complete: bool
    cite: str | None = None
    reads: list[str] = Field(default_factory=list, description="the facts it reads, directly or through other decisions")


class LoadFailureV1(Out):
    at: str = Field(description="when the failed load happened (UTC, ISO 8601)")
    message: str
    diagnostics: list[DiagnosticV1]


class PackSummaryV1(Out):
    name: str = Field(description="the pack's folder under policies/")
    pack: str | None = Field(description="the name in the pack header")
    version: str | None = Field(description="the version being served, as its header declares it")
    revision: str | None = Field(default=None, description="hash of the served version's files: changes whenever they do")
    status: Literal["ok", "failed"] = Field(description="whether the last load succeeded")
    serving: bool = Field(description="whether a good version serves decisions (the last good one after a failed load)")
    loaded_at: str | None = Field(description="when the served version was loaded (UTC, ISO 8601)")


class PackDetailV1(PackSummaryV1):
    facts: list[FactInfoV1]
    decisions: list[DecisionInfoV1]
    findings: list[DiagnosticV1] = Field(description="front end and formal-check findings of the served version")
    last_failure: LoadFailureV1 | None = Field(description="the diagnostics of the last failed load, if the last load failed")


class PacksResponseV1(Out):
    packs: list[PackSummaryV1]


# ------------------------------------------------------------------ operations


class HealthV1(Out):
    status: Literal["ok"]


class ReadyV1(Out):
    ready: bool
    packs: dict[str, Literal["ok", "failed"]]
    message: str
    #: what a 200 from /v1/decide promises: `durable` (its row is in the worker's journal, and
    #: committed to the log shortly after), `best_effort` (its row may be dropped, and counted), or `off`
    decision_log: Literal["durable", "best_effort", "off"] = "off"
    #: decisions not logged since this process started (best effort only)
    decision_log_dropped: int = 0
    #: why this process's last commit to the log failed, while its writer tries again (the rows
    #: wait in the journal; past the bound, decisions are answered 503); absent when it commits
    decision_log_error: str | None = None


class ReloadOutcomeV1(Out):
    name: str
    outcome: Literal["loaded", "unchanged", "failed", "removed"]
    version: str | None = None
    errors: int = 0


class ReloadResponseV1(Out):
    packs: list[ReloadOutcomeV1]


REQUEST_MODELS = (DecideRequestV1, BatchRequestV1, ValidateRequestV1, DiffRequestV1, PackSourceV1, TimelineSvgRequestV1,
                  TestRequestV1)
RESPONSE_MODELS = (
    ErrorV1, TimelineSvgResponseV1, PackFilesV1, DecideResponseV1, BatchResponseV1, ValidateResponseV1, DiffResponseV1, PacksResponseV1, PackDetailV1,
    HealthV1, ReadyV1, ReloadResponseV1, TestResponseV1,
)
