"""What every handler shares: parse a JSON body with a model, answer JSON, reach the services."""

from __future__ import annotations

import ctypes
import ctypes.util
import json
from collections import Counter
from typing import TypeVar

import pydantic_core
from flask import Response, current_app, request
from pydantic import BaseModel, ValidationError
from ruleproof.server.errors import ApiError, json_path, validation_errors
from werkzeug.exceptions import BadRequest, RequestEntityTooLarge

M = TypeVar("M", bound=BaseModel)


def services():
    """The app's `Services` (registry, metrics, decision log, check pool, config)."""
    return current_app.extensions["ruleproof"]


def parse_body(model: type[M]) -> M:
    """The request body as `model`: 415 if it is not JSON, 400 if it does not parse, 422 if it
    does not fit (with a JSON path for each problem), 413 past the size limit."""
    mimetype = request.mimetype
    if mimetype != "application/json" and not mimetype.endswith("+json"):
        raise ApiError(415, "unsupported_media_type", "send the body as JSON (Content-Type: application/json)")
    data = _body()
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


class _Pairs(list):
    """A JSON object as its (key, value) pairs, duplicates kept."""


def _has_duplicates(pairs: list) -> None:
    if len(dict(pairs)) != len(pairs):
        raise _Duplicate


class _Duplicate(Exception):
    pass


def duplicate_keys(data: bytes) -> list[dict]:
    """[{path, message}] for every key that an object of the (valid JSON) body holds twice.

    >>> duplicate_keys(b'{"pack": "a", "facts": {"x": 1, "x": 2}}')
    [{'path': 'facts.x', 'message': 'duplicate key: send it once'}]
    """
    try:
        json.loads(data, object_pairs_hook=_has_duplicates)  # the common case: one pass, no objects kept
        return []
    except _Duplicate:
        pass
    except (ValueError, RecursionError):  # the body was accepted by the schema's parser; let it be
        return []
    errors: list[dict] = []

    def walk(node: object, loc: tuple) -> None:
        if isinstance(node, _Pairs):
            counts = Counter(key for key, _ in node)
            reported = set()
            for key, value in node:
                if counts[key] > 1 and key not in reported:
                    reported.add(key)
                    errors.append({"path": json_path(loc + (key,)), "message": "duplicate key: send it once"})
                walk(value, loc + (key,))
        elif isinstance(node, list):
            for index, value in enumerate(node):
                walk(value, loc + (index,))

    walk(json.loads(data, object_pairs_hook=_Pairs), ())
    return errors


def _body() -> bytes:
    """The raw body; 413 past MAX_CONTENT_LENGTH, chunked bodies included. Read straight from
    the WSGI input (werkzeug's stream wrappers cost more than a decision, and they cut a chunked
    body at the limit instead of refusing it)."""
    limit = current_app.config["MAX_CONTENT_LENGTH"]
    environ = request.environ
    length = request.content_length
    if length is not None:
        if length > limit:
            raise RequestEntityTooLarge()
        data = environ["wsgi.input"].read(length)
        if len(data) < length:
            raise BadRequest("the body is shorter than its Content-Length")
        return data
    if environ.get("wsgi.input_terminated"):  # chunked: the server marks where the body ends
        data = environ["wsgi.input"].read(limit + 1)
        if len(data) > limit:
            raise RequestEntityTooLarge()
        return data
    return b""


def json_response(body: object, status: int = 200, headers: dict[str, str] | None = None) -> Response:
    """`body` (plain data or a model) as JSON; models drop the optional fields they were not given."""
    if isinstance(body, BaseModel):
        data = body.model_dump_json(exclude_unset=True)
    else:
        data = pydantic_core.to_json(body)
    response = Response(data, status=status, mimetype="application/json")
    for key, value in (headers or {}).items():
        response.headers[key] = value
    return response


_libc = ctypes.CDLL(ctypes.util.find_library("c") or None)
_malloc_trim = getattr(_libc, "malloc_trim", None)


def release_memory_after(response: Response) -> None:
    """Once `response` is sent, give back to the system the memory a big request used: glibc
    keeps freed memory in the process otherwise, and a worker would stay at its peak."""
    if _malloc_trim is not None:
        response.call_on_close(lambda: _malloc_trim(0))
