"""POST /v1/validate and /v1/diff: the formal side, run in the check pool (server/checkpool.py).

A pack is sent inline (`files`) or named (`pack`, a loaded pack). Inline packs are limited in
files, bytes and rules; every solver query is bounded by the configured time limit.
"""

from __future__ import annotations

import functools
import hashlib
import logging
import time

from flask import Blueprint, g
from ruleproof.checker.diagnostics import Severity
from ruleproof.checker.evaluate import CompiledPack
from ruleproof.checker.pipeline import load_texts
from ruleproof.checker.report import Report
from ruleproof.server.checkpool import CheckFailed, CheckUnavailable
from ruleproof.server.decide import serving
from ruleproof.server.errors import ApiError
from ruleproof.server.models import DiffRequestV1, DiffResponseV1, PackSourceV1, ValidateRequestV1, ValidateResponseV1
from ruleproof.server.registry import validation_json
from ruleproof.server.web import json_response, parse_body, services

bp = Blueprint("analysis", __name__)
log = logging.getLogger("ruleproof.server")


def _one_source(source: PackSourceV1, where: str) -> None:
    if (source.files is None) == (source.pack is None):
        raise ApiError(422, "invalid_request", "send either `files` or `pack`",
                       [{"path": where or "$", "message": "exactly one of `files` and `pack` is required"}])


def _join(where: str, name: str) -> str:
    return f"{where}.{name}" if where else name


def _checked_files(files: dict[str, str], where: str) -> dict[str, str]:
    cfg = services().config
    path = _join(where, "files")
    if len(files) > cfg.max_pack_files:
        raise ApiError(422, "limit_exceeded", f"at most {cfg.max_pack_files} files per pack",
                       [{"path": path, "message": f"{len(files)} files"}])
    size = sum(len(text.encode("utf-8")) for text in files.values())
    if size > cfg.max_pack_bytes:
        raise ApiError(422, "limit_exceeded", f"at most {cfg.max_pack_bytes} bytes of rules per pack",
                       [{"path": path, "message": f"{size} bytes"}])
    return dict(files)


@functools.lru_cache(maxsize=8)
def _compiled(files: tuple[tuple[str, str], ...], max_rules: int) -> tuple[CompiledPack | None, list[dict]]:
    """The edited pack `files` compiled (front end only), or its errors as JSON field errors."""
    loaded = load_texts(dict(files))
    if not loaded.ok:
        return None, [{"path": f"files.{d.primary.span.path}", "message": f"{d.code} {d.primary.span}: {d.message}"}
                      for d in loaded.diagnostics if d.severity is Severity.ERROR][:20]
    if len(loaded.pack.rules()) > max_rules:
        return None, [{"path": "files", "message": f"{len(loaded.pack.rules())} rules; at most {max_rules}"}]
    return CompiledPack(loaded.pack), []


def edited_pack(files: dict[str, str]) -> tuple[CompiledPack, str]:
    """An edited version of a pack sent with a decision (`files`), within the limits of an
    inline pack, compiled (the last few are kept), and the hash of its files; 422 invalid_pack
    with each error when it does not load."""
    texts = _checked_files(files, "")
    compiled, errors = _compiled(tuple(sorted(texts.items())), services().config.max_pack_rules)
    if compiled is None:
        raise ApiError(422, "invalid_pack", "the edited pack has errors; check it first", errors)
    digest = hashlib.sha256()
    for name, text in sorted(texts.items()):
        digest.update(f"{len(name)}:{name}{len(text)}:".encode())
        digest.update(text.encode())
    return compiled, digest.hexdigest()[:16]


def _texts(source: PackSourceV1, where: str) -> dict[str, str]:
    """The texts of an inline pack (checked against the limits) or of a loaded pack's served version."""
    _one_source(source, where)
    if source.files is not None:
        return _checked_files(source.files, where)
    return serving(source.pack, _join(where, "pack")).texts


def _run(kind: str, path: str, *args) -> dict:
    svc = services()
    started = time.perf_counter()
    if not svc.waiting.acquire(blocking=False):  # a thread is always left for decisions
        raise ApiError(503, "busy", "too many requests are waiting; retry shortly", headers={"Retry-After": "5"})
    try:
        result = svc.pool.run(kind, *args, started=g.get("started"))
    except CheckUnavailable as err:
        raise ApiError(503, err.code, err.message, headers={"Retry-After": str(err.retry_after)}) from None
    except CheckFailed as err:
        log.error("the checker failed in a %s job: %s", kind, err)
        raise ApiError(500, "internal_error", "the checker failed on this pack; please report it") from None
    finally:
        svc.waiting.release()
        svc.metrics.check_duration.labels(kind).observe(time.perf_counter() - started)
    if "limit" in result:
        raise ApiError(422, "limit_exceeded", result["limit"], [{"path": path, "message": result["limit"]}])
    return result


@bp.post("/v1/validate")
def validate():
    """Front end and formal checks of a pack: findings as `ruleproof check --format json` prints them."""
    req = parse_body(ValidateRequestV1)
    _one_source(req, "")
    cfg = services().config
    if req.pack is not None:
        state = services().registry.get(req.pack)
        if state is None:
            raise ApiError(404, "pack_not_found", f"no pack `{req.pack}`",
                           [{"path": "pack", "message": "unknown pack; GET /v1/packs lists them"}])
        # the findings of its last load (run when the files changed), not a new run
        return json_response(ValidateResponseV1.model_validate(state.latest_report))
    texts = _checked_files(req.files, "")
    result = _run("validate", "files", texts, "request", cfg.check_timeout_ms, cfg.max_pack_rules)
    return json_response(ValidateResponseV1.model_validate(validation_json(Report.from_wire(result))))


@bp.post("/v1/diff")
def diff():
    """Which decisions change between two versions of a pack, with a witness case for each."""
    req = parse_body(DiffRequestV1)
    cfg = services().config
    old, new = _texts(req.old, "old"), _texts(req.new, "new")
    result = _run("diff", "$", old, new, cfg.check_timeout_ms, cfg.max_pack_rules)
    if "invalid" in result:
        errors = [{"path": f"{side}.files", "message": f"{d['code']} {d['location']['file']}:{d['location']['line']}:"
                   f"{d['location']['column']}: {d['message']}"}
                  for side, diags in result["invalid"].items() for d in diags]
        raise ApiError(422, "invalid_pack", "a pack has errors; validate it first", errors)
    return json_response(DiffResponseV1.model_validate(result))
