"""Operations: /health, /ready, /metrics, the OpenAPI document, and POST /v1/admin/reload."""

from __future__ import annotations

import hmac

from flask import Blueprint, Response, request
from ruleproof.server.decision_log import LogMode
from ruleproof.server.errors import ApiError
from ruleproof.server.models import HealthV1, ReadyV1, ReloadResponseV1
from ruleproof.server.openapi import document_text
from ruleproof.server.web import json_response, services

bp = Blueprint("ops", __name__)


@bp.get("/health")
def health():
    """Alive: the process answers."""
    return json_response(HealthV1(status="ok"))


@bp.get("/ready")
def ready():
    """Ready when the first load is done and every pack has a good version serving."""
    registry = services().registry
    states = registry.states()
    packs = {name: states[name].status for name in sorted(states)}
    missing = sorted(name for name, state in states.items() if state.served is None)
    if not registry.loaded:
        body, status = ReadyV1(ready=False, packs=packs, message="loading packs"), 503
    elif not states:
        body, status = ReadyV1(ready=False, packs=packs, message=f"no packs under {services().config.policies_dir.name}/"), 503
    elif missing:
        body, status = ReadyV1(ready=False, packs=packs, message="no good version of: " + ", ".join(missing)), 503
    else:
        body, status = ReadyV1(ready=True, packs=packs, message="every pack is serving"), 200
    log = services().log
    if log is not None:
        body.decision_log = log.mode.value
        if log.mode is LogMode.BEST_EFFORT:
            body.decision_log_dropped = log.dropped
            body.message += f"; the decision log is best effort: {log.dropped} decisions dropped here"
        failing = log.failing
        if failing is not None:  # decisions are still answered, from the journal, until the bound
            body.ready, status = False, 503
            body.decision_log_error = failing
            body.message += f"; the decision log cannot be written: {failing}"
    return json_response(body, status)


@bp.get("/metrics")
def metrics():
    data, content_type = services().metrics.exposition()
    return Response(data, mimetype=None, content_type=content_type)


@bp.get("/v1/openapi.json")
def openapi():
    return Response(document_text(), mimetype="application/json")


@bp.post("/v1/admin/reload")
def reload():
    """Reload every pack now, in every server process (a bearer token from the configuration is
    required); the outcomes are those of the process that answered."""
    svc = services()
    token = svc.config.admin_token
    if not token:
        raise ApiError(403, "admin_disabled", "admin endpoints are disabled: no admin token is configured "
                       "(set RULEPROOF_ADMIN_TOKEN)")
    header = request.headers.get("Authorization", "")
    scheme, _, given = header.partition(" ")
    if scheme.lower() != "bearer" or not hmac.compare_digest(given.strip().encode(), token.encode()):
        raise ApiError(401, "unauthorized", "a valid `Authorization: Bearer <token>` header is required",
                       headers={"WWW-Authenticate": 'Bearer realm="ruleproof"'})
    outcomes = svc.registry.reload_everywhere()
    svc.update_gauges()
    return json_response(ReloadResponseV1.model_validate({"packs": outcomes}))
