"""Decisions without Flask: well-formed POST /v1/decide and /v1/decide/batch answered from WSGI.

Flask and werkzeug cost several decisions' worth of CPU per request (environ wrappers, the
request context, routing, the response object, the hooks). The requests that make the service's
load are answered here instead, with the same handlers' parts (server/decide.py), the same
models, metrics, log and headers. Any request this path does not answer in full — another
route, a malformed or non-UTF-8 body, a key sent twice, a body that does not fit the model, an
unknown pack or decision, facts that do not fit the pack, a batch over the limit — goes to the
Flask app with its body, and is answered there exactly as before: every error has one
implementation. tests/test_server_fastpath.py compares the two paths answer by answer.
"""

from __future__ import annotations

import io
import json
import time
from collections.abc import Callable, Iterable

import pydantic_core
from pydantic import ValidationError
from ruleproof.checker.values import InvalidFacts
from ruleproof.server.decide import answer_batch, answer_case, serving_or_none
from ruleproof.server.errors import ApiError
from ruleproof.server.memory import trim_memory
from ruleproof.server.models import BatchRequestV1, DecideRequestV1
from ruleproof.server.web import read_body

Answer = tuple[dict | bytes, bool]  # the body (as data or JSON), and whether to hand memory back after it
WsgiApp = Callable[[dict, Callable], Iterable[bytes]]

_STATUS = {200: "200 OK", 408: "408 Request Timeout", 413: "413 Request Entity Too Large", 400: "400 Bad Request",
           503: "503 Service Unavailable"}


class _Declined(Exception):
    """This path does not answer the request: the Flask app will."""


def _object(pairs: list[tuple[str, object]]) -> dict:
    found = dict(pairs)
    if len(found) != len(pairs):
        raise _Declined  # the Flask path names every duplicate key
    return found


def _constant(name: str) -> object:
    raise _Declined  # NaN and Infinity are not JSON


_DECODER = json.JSONDecoder(object_pairs_hook=_object, parse_constant=_constant)


def _parse(body: bytes, model):
    """`body` as `model`, parsed once; _Declined if it is not exactly what the model takes."""
    return _validated(_decoded(body), model)


def _parse_batch(body: bytes) -> BatchRequestV1:
    """_parse for a batch. Its cases, when all are JSON objects, are taken as they are: the
    model would check just that (`Facts`: a JSON object's keys are strings) and copy each one,
    a quarter of a µs a case; the rest of the body is checked by the model."""
    data = _decoded(body)
    cases = data.get("cases") if type(data) is dict else None
    if type(cases) is not list or not cases or not all(type(case) is dict for case in cases):
        return _validated(data, BatchRequestV1)
    request = _validated({**data, "cases": [{}]}, BatchRequestV1)
    request.cases = cases
    return request


def _decoded(body: bytes) -> object:
    """`body` parsed; _Declined if it is no JSON or an object in it sends a key twice."""
    try:
        data = pydantic_core.from_json(body, allow_inf_nan=False)  # the Flask path's parser
    except ValueError:
        raise _Declined from None
    if _keys_are_unique(body, data):
        return data
    try:  # the exact way, an object at a time: declines on a key sent twice
        return _DECODER.decode(body.decode("utf-8"))
    except (ValueError, RecursionError):  # UnicodeDecodeError, JSONDecodeError included
        raise _Declined from None


def _keys_are_unique(body: bytes, data: object) -> bool:
    r"""True if no object of the JSON text `body` (parsed: `data`) sends a key twice, told from
    counts of its bytes, when they can tell; False when they cannot. When every `:` follows a `"`
    directly, each key sent is a `":` of the text (a string holding `\":` adds more, never
    fewer). The keys of the body's object and of the objects among its values and in its lists
    are at most as many, and as many only if none repeats (and no other object has a key).

    >>> [_keys_are_unique(b, pydantic_core.from_json(b)) for b in (
    ...     b'{"pack": "p", "cases": [{"a": 1, "b": "x"}, {"a": 2}]}', b'{"pack": "p", "cases": [{"a": 1, "a": 2}]}',
    ...     b'{"pack" : "p"}', b'{"pack": "p:q"}', b'{"pack": "\\":"}', b'{"f": {"a": {"b": 1}}}')]
    [True, False, False, False, False, False]
    """
    keys = body.count(b'":')
    if type(data) is not dict or body.count(b":") != keys:
        return False
    objects = [data]
    for value in data.values():
        if type(value) is dict:
            objects.append(value)
        elif type(value) is list:
            objects += [item for item in value if type(item) is dict]
    return keys == sum(map(len, objects))


def _validated(data: object, model):
    try:
        return model.model_validate(data)
    except ValidationError:
        raise _Declined from None


class DecisionPath:
    """WSGI middleware in front of the Flask app (`flask_wsgi`) of `services`."""

    def __init__(self, flask_wsgi: WsgiApp, services, max_body: int):
        self.flask = flask_wsgi
        self.services = services
        self.max_body = max_body
        self.routes: dict[str, Callable[[bytes], Answer]] = {"/v1/decide": self._decide, "/v1/decide/batch": self._batch}

    def __call__(self, environ: dict, start_response: Callable) -> Iterable[bytes]:
        route = environ.get("PATH_INFO")
        handler = self.routes.get(route)
        if (handler is None or environ.get("REQUEST_METHOD") != "POST" or environ.get("QUERY_STRING")
                or not _is_json(environ.get("CONTENT_TYPE", ""))):
            return self.flask(environ, start_response)
        started = time.monotonic()
        try:
            length = int(environ["CONTENT_LENGTH"]) if environ.get("CONTENT_LENGTH") else None
        except ValueError:
            return self.flask(environ, start_response)
        config = self.services.config
        try:
            body = read_body(environ, length, self.max_body, self.services.waiting, config.body_timeout_s)
        except ApiError as err:
            return self._respond(start_response, route, started, err.status, err.body(), err.headers)
        try:
            payload, big = handler(body)
        except _Declined:
            again = dict(environ, CONTENT_LENGTH=str(len(body)))
            again["wsgi.input"] = io.BytesIO(body)
            return self.flask(again, start_response)
        except ApiError as err:  # the log refused the rows: nothing was answered with an id
            return self._respond(start_response, route, started, err.status, err.body(), err.headers)
        return self._respond(start_response, route, started, 200, payload, {}, trim=big)

    def _decide(self, body: bytes) -> Answer:
        req = _parse(body, DecideRequestV1)
        if req.files is not None:  # an edited version: loaded by the Flask path
            raise _Declined
        served = self._served(req.pack, req.decisions)
        try:
            return answer_case(self.services, served.compiled, served.revision, req), False
        except InvalidFacts:
            raise _Declined from None

    def _batch(self, body: bytes) -> Answer:
        req = _parse_batch(body)
        if len(req.cases) > self.services.config.max_batch_cases:
            raise _Declined
        served = self._served(req.pack, req.decisions)
        return answer_batch(self.services, served, req, body), len(req.cases) >= 5000

    def _served(self, pack: str, names: list[str] | None):
        served = serving_or_none(self.services, pack, names)
        if served is None:
            raise _Declined
        return served

    def _respond(self, start_response: Callable, route: str, started: float, status: int, payload: dict | bytes,
                 headers: dict[str, str], trim: bool = False) -> Iterable[bytes]:
        data = payload if isinstance(payload, bytes) else pydantic_core.to_json(payload)
        start_response(_STATUS.get(status, f"{status} Error"), [
            ("Content-Type", "application/json"), ("Content-Length", str(len(data))),
            ("X-Content-Type-Options", "nosniff"), *headers.items()])
        self.services.metrics.observe_request(route, "POST", str(status), time.monotonic() - started)
        return _Body(data, trim)


class _Body:
    """A WSGI answer of one chunk; with `trim`, memory goes back to the system once it is sent."""

    def __init__(self, data: bytes, trim: bool):
        self.data, self.trim = data, trim

    def __iter__(self):
        yield self.data

    def close(self) -> None:
        if self.trim:
            trim_memory()


def _is_json(content_type: str) -> bool:
    mimetype = content_type.split(";", 1)[0].strip().lower()
    return mimetype == "application/json" or mimetype.endswith("+json")

