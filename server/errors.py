"""One error shape for every failure: `{code, message, errors: [{path, message}]}` (ErrorV1).

Handlers raise `ApiError`; werkzeug's HTTP errors (404, 405, 413, ...) and anything unexpected
are turned into the same shape by the handlers registered here. Bad input is always a 4xx.
"""

from __future__ import annotations

import json
import logging

from flask import Flask, Response
from pydantic import ValidationError
from ruleproof.checker.values import FactError
from ruleproof.server.strictjson import json_path
from werkzeug.exceptions import HTTPException

log = logging.getLogger("ruleproof.server")

#: werkzeug's status codes -> our stable codes
HTTP_CODES = {
    400: "invalid_json",
    404: "not_found",
    405: "method_not_allowed",
    413: "payload_too_large",
    415: "unsupported_media_type",
}


class ApiError(Exception):
    """An error answered as ErrorV1 with `status`."""

    def __init__(self, status: int, code: str, message: str, errors: list[dict] | None = None,
                 headers: dict[str, str] | None = None):
        super().__init__(message)
        self.status = status
        self.code = code
        self.message = message
        self.errors = errors or []
        self.headers = headers or {}

    def body(self) -> dict:
        return {"code": self.code, "message": self.message, "errors": self.errors}


def error_response(status: int, code: str, message: str, errors: list[dict] | None = None,
                   headers: dict[str, str] | None = None) -> Response:
    body = json.dumps({"code": code, "message": message, "errors": errors or []})
    response = Response(body, status=status, mimetype="application/json")
    for key, value in (headers or {}).items():
        response.headers[key] = value
    return response


def validation_errors(err: ValidationError, prefix: tuple = ()) -> list[dict]:
    """pydantic's errors as [{path, message}], messages in the style of our diagnostics."""
    out = []
    for e in err.errors(include_url=False):
        message = e["msg"]
        if e["type"] == "extra_forbidden":
            message = "unknown field"
        elif e["type"] == "missing":
            message = "required"
        elif e["loc"] and e["loc"][-1] == "[key]":
            message = f"invalid name: {message[0].lower()}{message[1:]}"
        else:
            message = message[0].lower() + message[1:]
        out.append({"path": json_path(prefix + tuple(e["loc"])), "message": message})
    return out


def fact_errors(errors: list[FactError], prefix: str | None = None) -> list[dict]:
    """InvalidFacts errors as [{path, message}]; `prefix` replaces the leading `facts`."""
    out = []
    for e in errors:
        path = e.path
        if prefix is not None and path.startswith("facts"):
            path = prefix + path[len("facts"):]
        out.append({"path": path, "message": e.message})
    return out


def register_error_handlers(app: Flask) -> None:
    @app.errorhandler(ApiError)
    def _api_error(err: ApiError):
        return error_response(err.status, err.code, err.message, err.errors, err.headers)

    @app.errorhandler(HTTPException)
    def _http_error(err: HTTPException):
        status = err.code or 500
        code = HTTP_CODES.get(status, "http_error")
        headers = {k: v for k, v in err.get_headers() if k.lower() not in ("content-type", "content-length")}
        message = _http_message(err, status)
        # a body refused whole (too large, cut short) is refused at `$`
        errors = [{"path": "$", "message": message}] if status in (400, 413) else []
        return error_response(status, code, message, errors, headers)

    @app.errorhandler(Exception)
    def _unexpected(err: Exception):
        log.exception("unhandled error")
        return error_response(500, "internal_error", "internal error; the request was not processed")


def _http_message(err: HTTPException, status: int) -> str:
    if status == 404:
        return "no such route"
    if status == 405:
        return "method not allowed on this route"
    if status == 413:
        return "request body too large"
    return (err.description or err.name or "error").strip().rstrip(".").lower()
