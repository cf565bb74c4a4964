"""GET /v1/packs and /v1/packs/{name}: what is served, and why a reload was refused."""

from __future__ import annotations

from flask import Blueprint
from ruleproof.server.errors import ApiError
from ruleproof.server.models import PackDetailV1, PacksResponseV1
from ruleproof.server.registry import PackState
from ruleproof.server.web import json_response, services

bp = Blueprint("packs", __name__)


def _summary(state: PackState) -> dict:
    served = state.served
    pack = served.compiled.pack if served else None
    failed_report = state.failure.report if state.failure else None
    return {
        "name": state.name,
        "pack": pack.name if pack else (failed_report or {}).get("pack"),
        "version": pack.version if pack else None,
        "revision": served.revision if served else None,
        "status": state.status,
        "serving": served is not None,
        "loaded_at": served.loaded_at if served else None,
    }


@bp.get("/v1/packs")
def list_packs():
    states = services().registry.states()
    return json_response(PacksResponseV1(packs=[_summary(states[n]) for n in sorted(states)]))


@bp.get("/v1/packs/<name>")
def show_pack(name: str):
    state = services().registry.get(name)
    if state is None:
        raise ApiError(404, "pack_not_found", f"no pack `{name}`",
                       [{"path": "name", "message": "unknown pack; GET /v1/packs lists them"}])
    served = state.served
    failure = state.failure
    detail = {
        **_summary(state),
        "facts": served.facts if served else [],
        "decisions": served.decisions if served else [],
        "findings": served.report["diagnostics"] if served else [],
        "last_failure": None if failure is None else {
            "at": failure.at, "message": failure.message, "diagnostics": failure.report["diagnostics"]},
    }
    return json_response(PackDetailV1.model_validate(detail))
