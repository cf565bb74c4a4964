"""What every handler shares: parse a JSON body with a model, answer JSON, reach the services."""

from __future__ import annotations

import threading
from typing import TypeVar

import pydantic_core
from flask import Response, current_app, request
from pydantic import BaseModel, ValidationError
from ruleproof.server.errors import ApiError, validation_errors
from ruleproof.server.memory import trim_memory
from ruleproof.server.strictjson import duplicate_keys

M = TypeVar("M", bound=BaseModel)


def services():
    """The app's `Services` (registry, metrics, decision log, check pool, config)."""
    return current_app.extensions["ruleproof"]


def parse_body(model: type[M], data: bytes | None = None) -> M:
    """The request body (`data`, if already read: see request_body) as `model`: 415 if it is
    not JSON, 400 if it does not parse, 422 if it does not fit (with a JSON path for each
    problem), 413 past the size limit."""
    mimetype = request.mimetype
    if mimetype != "application/json" and not mimetype.endswith("+json"):
        raise ApiError(415, "unsupported_media_type", "send the body as JSON (Content-Type: application/json)")
    if data is None:
        data = request_body()
    try:
        parsed = model.model_validate_json(data)
    except ValidationError as err:
        invalid = [e for e in err.errors(include_url=False) if e["type"] == "json_invalid"]
        if invalid:
            raise ApiError(400, "invalid_json", "the body is not valid JSON",
                           [{"path": "$", "message": invalid[0]["msg"].lower()}]) from None
        if any(e["type"] == "model_type" and not e["loc"] for e in err.errors(include_url=False)):
            raise ApiError(422, "invalid_request", "the body must be a JSON object",
                           [{"path": "$", "message": "must be an object"}]) from None
        raise ApiError(422, "invalid_request", "the request does not match the schema", validation_errors(err)) from None
    duplicates = duplicate_keys(data)
    if duplicates:
        # a JSON parser keeps the last of two equal keys, another the first: refuse rather than guess
        raise ApiError(422, "invalid_request", "a key is sent twice in one object", duplicates)
    return parsed


def request_body() -> bytes:
    """The raw body of the request being answered (see read_body); it can be read once."""
    return read_body(request.environ, request.content_length, current_app.config["MAX_CONTENT_LENGTH"], services().waiting,
                     current_app.config["RULEPROOF"].body_timeout_s)


def read_body(environ: dict, length: int | None, limit: int, waiting: threading.BoundedSemaphore, timeout_s: float) -> bytes:
    """The raw body; 413 past `limit`, chunked bodies included. Read straight from the WSGI
    input (werkzeug's stream wrappers cost more than a decision, and they cut a chunked body
    at the limit instead of refusing it). Every refusal is an ApiError.

    A client can send its body slowly, and the thread reading it waits meanwhile: at most
    `threads - 1` threads of a process read bodies (or wait on validations) at once (`waiting`),
    the rest are answered 503 `busy` at once, so one thread is always free for /health and
    decisions; under gunicorn a body that takes more than `timeout_s` is answered 408."""
    if length is not None and length > limit:
        raise _too_large()
    if length is None and not environ.get("wsgi.input_terminated"):
        return b""
    # a body that is all there takes a slot for microseconds: wait a moment for one before
    # concluding that slow clients hold them all
    if not waiting.acquire(timeout=0.05):
        raise ApiError(503, "busy", "too many requests are waiting; retry shortly", headers={"Retry-After": "1"})
    try:
        sock = environ.get("gunicorn.socket")
        if sock is not None:
            sock.settimeout(timeout_s)
        try:
            data = environ["wsgi.input"].read(length if length is not None else limit + 1)
        except TimeoutError:
            raise ApiError(408, "request_timeout", "the body was not sent in time", [{"path": "$", "message": "send the whole body at once"}],
                           headers={"Connection": "close"}) from None
        finally:
            if sock is not None:
                sock.settimeout(None)
    finally:
        waiting.release()
    if length is not None and len(data) < length:
        raise ApiError(400, "invalid_json", "the body is shorter than its content-length",
                       [{"path": "$", "message": "the body is shorter than its content-length"}])
    if len(data) > limit:  # chunked: the server marks where the body ends
        raise _too_large()
    return data


def _too_large() -> ApiError:
    return ApiError(413, "payload_too_large", "request body too large", [{"path": "$", "message": "request body too large"}])


def json_response(body: object, status: int = 200, headers: dict[str, str] | None = None) -> Response:
    """`body` (plain data, a model, or JSON already written as bytes) as JSON; models drop the
    optional fields they were not given."""
    if isinstance(body, bytes):
        data = body
    elif isinstance(body, BaseModel):
        data = body.model_dump_json(exclude_unset=True)
    else:
        data = pydantic_core.to_json(body)
    response = Response(data, status=status, mimetype="application/json")
    for key, value in (headers or {}).items():
        response.headers[key] = value
    return response


def release_memory_after(response: Response) -> None:
    """trim_memory once `response` is sent."""
    response.call_on_close(trim_memory)
