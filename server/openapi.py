"""The OpenAPI 3.1 document: schemas generated from the pydantic models, paths written here.

Served at /v1/openapi.json and committed at specs/openapi.json (a test keeps them identical).
Regenerate the committed copy with:

    python -m server.openapi > specs/openapi.json
"""

from __future__ import annotations

import json
import sys
from functools import lru_cache

from pydantic.json_schema import models_json_schema
from ruleproof.server import models as m

API_VERSION = "1.0.0"
REF = "#/components/schemas/{model}"


def _ref(model) -> dict:
    return {"$ref": REF.format(model=model.__name__)}


def _json(model, description: str) -> dict:
    return {"description": description, "content": {"application/json": {"schema": _ref(model)}}}


def _error(description: str) -> dict:
    return _json(m.ErrorV1, description)


BAD_BODY = {
    "400": _error("the body is not valid JSON"),
    "413": _error("the body is larger than the configured limit (1 MiB by default)"),
    "415": _error("the body is not JSON (send Content-Type: application/json)"),
    "422": _error("the body does not fit the schema, or the facts do not fit the pack; each error names its JSON path"),
}


def _post(summary: str, description: str, request, response, extra: dict | None = None, tag: str = "decisions") -> dict:
    return {"post": {
        "summary": summary, "description": description, "tags": [tag],
        "operationId": summary.lower().replace(" ", "_").replace(",", ""),
        "requestBody": {"required": True, "content": {"application/json": {"schema": _ref(request)}}},
        "responses": {"200": _json(response, "success"), **BAD_BODY, **(extra or {})},
    }}


def _get(summary: str, description: str, responses: dict, tag: str, parameters: list | None = None) -> dict:
    op = {"summary": summary, "description": description, "tags": [tag],
          "operationId": summary.lower().replace(" ", "_"), "responses": responses}
    if parameters:
        op["parameters"] = parameters
    return {"get": op}


UNKNOWN_PACK = {"404": _error("no pack of that name is loaded")}
UNAVAILABLE = {"503": _error("the pack has no good version yet, or the checker is busy (see Retry-After)")}


def _paths() -> dict:
    name_param = {"name": "name", "in": "path", "required": True, "description": "the pack's folder under policies/",
                  "schema": {"type": "string", "pattern": m.PACK_NAME_PATTERN}}
    return {
        "/v1/decide": _post(
            "Decide one case",
            "Decide every decision of the pack (or those named in `decisions`) for the facts given. The answer is "
            "`ruleproof decide --format json` plus `decision_id`, under which the case is in the decision log.",
            m.DecideRequestV1, m.DecideResponseV1, {**UNKNOWN_PACK, **UNAVAILABLE}),
        "/v1/decide/batch": _post(
            "Decide a batch",
            "Decide many cases of one pack. Results come in the order of `cases`. A case whose facts do not fit "
            "the pack fails alone: its result holds an `error` whose paths start with `cases[i]`, and the other "
            "cases are still decided (status 200). The batch fails as a whole (422) only when the request itself "
            "is malformed or names an unknown decision, or has more cases than allowed (10,000 by default).",
            m.BatchRequestV1, m.BatchResponseV1, {**UNKNOWN_PACK, **UNAVAILABLE}),
        "/v1/validate": _post(
            "Validate a pack",
            "The front end and the formal checks of a pack sent as files, or the findings of a loaded pack's last "
            "load: `ruleproof check --format json`, plus `ok` and `seconds`. Every solver query is bounded by the "
            "configured time limit (a check that runs out reports W613, never a pass). Packs sent inline are "
            "limited in files, bytes and rules (422 past them).",
            m.ValidateRequestV1, m.ValidateResponseV1, {**UNKNOWN_PACK, **UNAVAILABLE}, tag="checks"),
        "/v1/diff": _post(
            "Diff two packs",
            "Compare two versions of a pack (each sent as files or named) decision by decision: "
            "`ruleproof diff --format json`, with a witness case for each decision that changed.",
            m.DiffRequestV1, m.DiffResponseV1, {**UNKNOWN_PACK, **UNAVAILABLE}, tag="checks"),
        "/v1/packs": _get("List packs", "Every pack under policies/ and its load status.",
                          {"200": _json(m.PacksResponseV1, "the packs")}, "packs"),
        "/v1/packs/{name}": _get(
            "Show a pack",
            "A pack's facts, decisions, version, findings and load status; when the last load failed, why "
            "(its diagnostics), while the last good version keeps serving.",
            {"200": _json(m.PackDetailV1, "the pack"), **UNKNOWN_PACK}, "packs", [name_param]),
        "/v1/packs/{name}/files": _get(
            "Show a pack's files",
            "The text of every file of the served version (what the playground's editor opens).",
            {"200": _json(m.PackFilesV1, "the files"), **UNKNOWN_PACK, **UNAVAILABLE}, "packs", [name_param]),
        "/v1/test": _post(
            "Run a pack's examples",
            "Decide every example of a loaded pack (or of an edited version of it sent as `files`, which must load "
            "without errors) and compare with what it expects: `ruleproof test --format json` — each example's "
            "expected and actual values, the rules its case makes win, the rule coverage and the rules no example "
            "covers — plus the `revision` that ran.",
            m.TestRequestV1, m.TestResponseV1, {**UNKNOWN_PACK, **UNAVAILABLE}, tag="playground"),
        "/v1/timeline/svg": _post(
            "Draw a timeline",
            "Draw a timeline (of a decided case, or of a finding's counterexample) as an accessible SVG: events "
            "as marks on a date axis, windows as bars, today as a line, the highlighted windows marked and an "
            "empty window drawn between its opening and closing days.",
            m.TimelineSvgRequestV1, m.TimelineSvgResponseV1, tag="playground"),
        "/": {"get": {"summary": "Playground", "tags": ["playground"], "operationId": "playground",
                      "description": "The playground page: edit a pack, see its findings and decide cases.",
                      "responses": {"200": {"description": "the page",
                                            "content": {"text/html": {"schema": {"type": "string"}}}}}}},
        "/v1/admin/reload": {"post": {
            "summary": "Reload packs", "tags": ["operations"], "operationId": "reload_packs",
            "description": "Load every pack again now. A pack that fails to load or has unaccepted errors is not "
                           "swapped in. Needs the configured admin token; without one the endpoint is disabled (403).",
            "security": [{"bearer": []}],
            "responses": {"200": _json(m.ReloadResponseV1, "what happened to each pack"),
                          "401": _error("no or wrong bearer token"),
                          "403": _error("no admin token is configured")},
        }},
        "/v1/openapi.json": _get("OpenAPI document", "This document.", {"200": {
            "description": "the OpenAPI 3.1 document", "content": {"application/json": {"schema": {"type": "object"}}}}},
            "operations"),
        "/health": _get("Health", "The process is alive.", {"200": _json(m.HealthV1, "alive")}, "operations"),
        "/ready": _get("Readiness", "Every pack has a good version serving.",
                       {"200": _json(m.ReadyV1, "ready"), "503": _json(m.ReadyV1, "not ready: loading, or a pack failed")},
                       "operations"),
        "/metrics": _get("Metrics", "Prometheus text format: requests and latency by endpoint, decisions by pack, "
                         "check durations, load failures, decision-log writes.",
                         {"200": {"description": "metrics", "content": {"text/plain": {"schema": {"type": "string"}}}}},
                         "operations"),
    }


@lru_cache(maxsize=1)
def document_text() -> str:
    """The OpenAPI document as served and committed (indented JSON)."""
    _, schemas = models_json_schema(
        [(model, "validation") for model in m.REQUEST_MODELS] + [(model, "serialization") for model in m.RESPONSE_MODELS],
        ref_template=REF,
    )
    doc = {
        "openapi": "3.1.0",
        "info": {
            "title": "ruleproof",
            "version": API_VERSION,
            "description": "Policy rules with formal checking: decide cases, validate and diff packs. "
                           "Every error is ErrorV1 `{code, message, errors: [{path, message}]}`.",
        },
        "paths": _paths(),
        "components": {
            "schemas": dict(sorted(schemas["$defs"].items())),
            "securitySchemes": {"bearer": {"type": "http", "scheme": "bearer"}},
        },
    }
    return json.dumps(doc, indent=2) + "\n"


def document() -> dict:
    """The OpenAPI document (a fresh copy)."""
    return json.loads(document_text())


def main() -> int:
    sys.stdout.write(document_text())
    return 0


if __name__ == "__main__":
    sys.exit(main())
