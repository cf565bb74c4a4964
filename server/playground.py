"""The playground: one page (GET /) to edit a pack, see its findings and decide cases, with
every counterexample and decided case drawn as a timeline. Static files, no build step; the
page uses the public API plus small endpoints that exist for it (its files, timelines drawn,
the examples run)."""

from __future__ import annotations

import secrets
from pathlib import Path

from flask import Blueprint, Response, send_from_directory
from ruleproof.checker.examples import examples_json, run_examples
from ruleproof.checker.timeline_svg import timeline_svg
from ruleproof.server.decide import serving
from ruleproof.server.errors import ApiError
from ruleproof.server.models import PackFilesV1, TestRequestV1, TestResponseV1, TimelineSvgRequestV1, TimelineSvgResponseV1
from ruleproof.server.web import json_response, parse_body

STATIC = Path(__file__).resolve().parent / "static"

bp = Blueprint("playground", __name__)


@bp.get("/")
def page():
    """The page, with a fresh nonce for the style sheets the editor (CodeMirror) adds: its
    policy is PAGE_POLICY with `style-src` allowing that nonce and nothing else inline."""
    from ruleproof.server.app import PAGE_POLICY

    nonce = secrets.token_urlsafe(18)
    html = (STATIC / "playground.html").read_text(encoding="utf-8").replace("{{nonce}}", nonce)
    policy = PAGE_POLICY.replace("style-src 'self'", f"style-src 'self' 'nonce-{nonce}'")
    return Response(html, mimetype="text/html", headers={"Content-Security-Policy": policy, "Cache-Control": "no-store"})


@bp.get("/static/<path:name>")
def static_file(name: str):
    return send_from_directory(STATIC, name, max_age=0)


@bp.get("/v1/packs/<name>/files")
def pack_files(name: str):
    served = serving(name, "name")
    files = {Path(path).name: text for path, text in served.texts.items()}
    return json_response(PackFilesV1(name=name, files=dict(sorted(files.items()))))


@bp.post("/v1/test")
def run_examples_of():
    """Every example of the served pack, or of an edited version of it (`files`): expected
    against actual and the rules' coverage, as `ruleproof test --format json` prints them."""
    req = parse_body(TestRequestV1)
    served = serving(req.pack)
    compiled, revision = served.compiled, served.revision
    if req.files is not None:  # an edited version (the playground's): run, never served
        from ruleproof.server.analysis import edited_pack

        compiled, revision = edited_pack(req.files)
    body = examples_json(compiled.pack, run_examples(compiled))
    return json_response(TestResponseV1(**body, revision=revision, edited=req.files is not None))


@bp.post("/v1/timeline/svg")
def draw_timeline():
    req = parse_body(TimelineSvgRequestV1)
    try:
        svg = timeline_svg(req.timeline.model_dump(), req.highlight, req.title)
    except ValueError as err:  # a well-formed but impossible day, such as 2026-02-30
        raise ApiError(422, "invalid_request", "the timeline holds a day that does not exist",
                       [{"path": "timeline", "message": str(err)}]) from None
    return json_response(TimelineSvgResponseV1(svg=svg))
