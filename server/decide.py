"""POST /v1/decide and /v1/decide/batch: facts in, `ruleproof decide --format json` out.

Batch errors are per case: a case whose facts do not fit the pack gets an `error` (ErrorV1,
paths `cases[i]...`) in its place in `results`, and the other cases are still decided; the
request as a whole fails (422) only when it is malformed itself (unknown pack field, no cases,
an unknown decision name, more cases than allowed).
"""

from __future__ import annotations

import time
from collections.abc import Callable

from flask import Blueprint
from pydantic_core import to_json
from ruleproof.checker.decisions import UnknownDecisions, decide_json, require_decisions, values_need_writing, wire_values
from ruleproof.checker.evaluate import CompiledPack
from ruleproof.checker.values import FactError, InvalidFacts
from ruleproof.server.decision_log import DecisionLog, LogBusy
from ruleproof.server.errors import ApiError, fact_errors
from ruleproof.server.ids import new_id, new_ids
from ruleproof.server.models import BatchRequestV1, DecideRequestV1
from ruleproof.server.registry import Served
from ruleproof.server.strictjson import huge_numbers, may_hold_huge_numbers
from ruleproof.server.web import json_response, parse_body, release_memory_after, request_body, services

bp = Blueprint("decide", __name__)


def serving(name: str, field: str = "pack") -> Served:
    """The good version of pack `name`: 404 if there is no such pack, 503 if none loaded yet."""
    state = services().registry.get(name)
    if state is None:
        raise ApiError(404, "pack_not_found", f"no pack `{name}`",
                       [{"path": field, "message": "unknown pack; GET /v1/packs lists them"}])
    served = state.served
    if served is None:
        raise ApiError(503, "pack_unavailable", f"pack `{name}` has no good version to serve",
                       [{"path": field, "message": f"{state.failure.message}; see GET /v1/packs/{name}"}],  # type: ignore[union-attr]
                       headers={"Retry-After": "30"})
    return served


def _unknown_decisions(compiled: CompiledPack, names: list[str] | None) -> None:
    try:
        require_decisions(compiled.pack, names)
    except UnknownDecisions as err:
        raise ApiError(422, "unknown_decision", "the pack has no such decision", fact_errors(err.errors)) from None


def serving_or_none(svc, name: str, names: list[str] | None) -> Served | None:
    """The good version of pack `name` when there is one and it has every decision of `names`."""
    state = svc.registry.get(name)
    served = state.served if state is not None else None
    if served is None or (names and any(n not in served.compiled.pack.decisions for n in names)):
        return None
    return served


@bp.post("/v1/decide")
def decide():
    """Decide one case."""
    req = parse_body(DecideRequestV1)
    served = serving(req.pack)
    svc = services()
    compiled, revision = served.compiled, served.revision
    if req.files is not None:  # an edited version (the playground's): decided, never served
        from ruleproof.server.analysis import edited_pack

        compiled, revision = edited_pack(req.files)
    _unknown_decisions(compiled, req.decisions)
    try:
        body = answer_case(svc, compiled, revision, req)
    except InvalidFacts as err:
        svc.metrics.count_cases(req.pack, 0, 1)
        raise ApiError(422, "invalid_facts", "the facts do not fit the pack", fact_errors(err.errors)) from None
    return json_response(body)


def answer_case(svc, compiled: CompiledPack, revision: str, req: DecideRequestV1) -> dict:
    """The answer to a decide request by `compiled` (of `revision`), which has the decisions
    asked for; its row on record: InvalidFacts for facts that do not fit, ApiError 503 when
    the log cannot take the row."""
    result = _decide_case(compiled, req.facts, req.decisions, explain=req.explain, timeline=req.timeline)
    decision_id = new_id()
    body = {"pack": result["pack"], "version": result["version"], "revision": revision, "decision_id": decision_id,
            "decisions": result["decisions"], "undetermined": result["undetermined"]}
    if req.files is not None:
        body["edited"] = True
    if req.explain:
        body["trace"] = result["trace"]
    if req.timeline:
        body["timeline"] = result["timeline"]
    row = (decision_id, time.time(), result["pack"], result["version"], req.facts, result["decisions"],
           result["undetermined"], req.decisions, revision)
    _log(svc, lambda log: log.record([row]))
    svc.metrics.count_cases(req.pack, 1)
    return body


@bp.post("/v1/decide/batch")
def decide_batch():
    """Decide many cases of one pack, in order; a bad case fails alone."""
    body = request_body()
    req = parse_body(BatchRequestV1, body)
    svc = services()
    limit = svc.config.max_batch_cases
    if len(req.cases) > limit:
        raise ApiError(422, "limit_exceeded", f"at most {limit} cases per batch",
                       [{"path": "cases", "message": f"{len(req.cases)} cases; split the batch"}])
    served = serving(req.pack)
    _unknown_decisions(served.compiled, req.decisions)
    response = json_response(answer_batch(svc, served, req, body))
    if len(req.cases) >= 5000:  # handing memory back costs a walk of the heap: only after big ones
        release_memory_after(response)
    return response


def answer_batch(svc, served: Served, req: BatchRequestV1, body: bytes) -> bytes:
    """The answer (JSON) to a batch of at most the allowed cases for a pack that has its
    decisions, sent as `body`; on record first, as one row holding `body` and the answer
    (ApiError 503 when the log cannot take it)."""
    compiled, names = served.compiled, req.decisions
    pack, version, revision = compiled.pack.name, compiled.pack.version, served.revision
    results = []
    decided_ids = []
    ids = new_ids(len(req.cases))
    screen = may_hold_huge_numbers(body)
    decide = compiled.decide_wire  # decide_json's steps, without its frames: they weigh per case
    written = values_need_writing(compiled, names)
    for index, facts in enumerate(req.cases):
        try:
            if screen and huge_numbers(facts):
                _decide_case(compiled, facts, names)  # raises, with every fact error of the case
            outcome = decide(facts, names)
            decisions, undetermined = (wire_values(compiled, outcome, in_place=True) if written
                                       else (outcome.values, outcome.undetermined))
        except InvalidFacts as err:
            results.append({"index": index, "error": {
                "code": "invalid_facts", "message": "the facts do not fit the pack",
                "errors": fact_errors(err.errors, prefix=f"cases[{index}]")}})
            continue
        decided_ids.append(ids[index])
        results.append({"index": index, "decision_id": ids[index], "decisions": decisions, "undetermined": undetermined})
    decided, failed = len(decided_ids), len(results) - len(decided_ids)
    answer = to_json({"pack": pack, "version": version, "revision": revision, "results": results,
                      "decided": decided, "failed": failed})
    del results
    if decided and svc.config.log_batch_decisions:
        _log(svc, lambda log: log.record_batch((decided_ids[0], time.time(), pack, version, revision, names, decided,
                                                body, answer)))
    svc.metrics.count_cases(req.pack, decided, failed)
    return answer


def _decide_case(compiled, facts: dict, names: list[str] | None, explain: bool = False, timeline: bool = False) -> dict:
    """decide_json for decisions the pack has (`names` is checked once per request, not per
    case), with numbers of more than 15 digits refused (InvalidFacts) together with the case's
    other fact errors."""
    huge = huge_numbers(facts)
    if not huge:
        return decide_json(compiled, facts, names, explain=explain, timeline=timeline, names_checked=True)
    errors = [FactError(e["path"], e["message"]) for e in huge]
    try:
        decide_json(compiled, {k: v for k, v in facts.items() if not huge_numbers({k: v})}, names, names_checked=True)
    except InvalidFacts as err:
        errors += err.errors
    raise InvalidFacts(sorted(errors, key=lambda e: e.path))


def _log(svc, record: Callable[[DecisionLog], None]) -> None:
    """Log an answer before it is given (`record` hands it to the log: see DecisionLog.record):
    503 when the log cannot take it, so that no decision id is answered without being on record."""
    log = svc.log
    if log is None:
        return
    try:
        record(log)
    except LogBusy as err:
        raise ApiError(503, "log_busy", err.message, headers={"Retry-After": str(err.retry_after)}) from None
