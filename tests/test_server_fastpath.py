"""The decision path without Flask (server/fastpath.py) answers exactly as the Flask app does.

Each request goes once through the whole app (the fast path in front) and once through the
Flask app alone; status, headers and body must be the same (decision ids aside). The fast path
must answer the well-formed requests itself and hand every other one to Flask.
"""

from __future__ import annotations

import io
import json
import sys

import pytest
from ruleproof.server.decision_log import read_log
from ruleproof.server.fastpath import DecisionPath
from server_support import CASE, SHOP, close, make_app

HUGE = "1" + "0" * 40


@pytest.fixture(scope="module")
def app(tmp_path_factory):
    app = make_app(decision_log=tmp_path_factory.mktemp("log") / "decisions.db")
    yield app
    close(app)


def call(wsgi, body: bytes, path: str = "/v1/decide", content_type: str = "application/json", query: str = "",
         method: str = "POST") -> tuple[str, dict, bytes]:
    environ = {"REQUEST_METHOD": method, "PATH_INFO": path, "QUERY_STRING": query, "SERVER_NAME": "test",
               "SERVER_PORT": "80", "SERVER_PROTOCOL": "HTTP/1.1", "wsgi.url_scheme": "http", "wsgi.errors": sys.stderr,
               "CONTENT_TYPE": content_type, "CONTENT_LENGTH": str(len(body)), "wsgi.input": io.BytesIO(body)}
    started = []
    chunks = wsgi(environ, lambda status, headers, exc_info=None: started.append((status, headers)))
    data = b"".join(chunks)
    if hasattr(chunks, "close"):
        chunks.close()
    status, headers = started[0]
    return status, dict(headers), data


def without_ids(data: bytes) -> object:
    body = json.loads(data)
    if isinstance(body, dict):
        body.pop("decision_id", None)
        for result in body.get("results", []):
            result.pop("decision_id", None)
    return body


def counting(wsgi):
    calls = []

    def counted(environ, start_response):
        calls.append(environ["PATH_INFO"])
        return wsgi(environ, start_response)
    return counted, calls


def decide(facts, **extra) -> bytes:
    return json.dumps({"pack": "shop", "facts": facts, **extra}).encode()


def batch(cases, **extra) -> bytes:
    return json.dumps({"pack": "shop", "cases": cases, **extra}).encode()


ANSWERED_FAST = {
    "decide": (decide(CASE), "/v1/decide"),
    "some decisions": (decide(CASE, decisions=["refund_allowed"]), "/v1/decide"),
    "explain and timeline": (decide(CASE, explain=True, timeline=True), "/v1/decide"),
    "missing facts": (decide({}), "/v1/decide"),
    "batch": (batch([CASE, {}, CASE]), "/v1/decide/batch"),
    "batch with a bad case": (batch([CASE, {"placed_on": "yesterday"}, {"today": HUGE}]), "/v1/decide/batch"),
}

HANDED_TO_FLASK = {
    "duplicate key": (b'{"pack": "shop", "facts": {"today": "2026-01-01", "today": "2026-01-02"}}', "/v1/decide"),
    "not JSON": (b'{"pack": "shop", "facts": ', "/v1/decide"),
    "NaN": (b'{"pack": "shop", "facts": {"today": NaN}}', "/v1/decide"),
    "not UTF-8": ('{"pack": "shop", "facts": {}}'.encode("utf-16"), "/v1/decide"),
    "unknown field": (decide(CASE, verbose=True), "/v1/decide"),
    "unknown pack": (json.dumps({"pack": "nope", "facts": {}}).encode(), "/v1/decide"),
    "unknown decision": (decide(CASE, decisions=["refund_allowed", "nope"]), "/v1/decide"),
    "facts that do not fit": (decide({"placed_on": "yesterday", "nonsense": 1}), "/v1/decide"),
    "a huge number": (decide({"today": HUGE}), "/v1/decide"),
    "an array": (b"[]", "/v1/decide"),
    "batch of no cases": (batch([]), "/v1/decide/batch"),
    "edited files": (decide(CASE, files={p.name: p.read_text() for p in SHOP.glob("*.rules")}), "/v1/decide"),
}


@pytest.mark.parametrize("name", [*ANSWERED_FAST, *HANDED_TO_FLASK])
def test_both_paths_answer_alike(app, name):
    body, path = {**ANSWERED_FAST, **HANDED_TO_FLASK}[name]
    fast: DecisionPath = app.wsgi_app
    original = fast.flask
    fast.flask, calls = counting(original)
    try:
        through_fast = call(app, body, path)
        reached_flask = bool(calls)
        through_flask = call(original, body, path)
    finally:
        fast.flask = original
    assert through_fast[0] == through_flask[0]
    assert {k: v for k, v in through_fast[1].items() if k != "Content-Length"} == \
           {k: v for k, v in through_flask[1].items() if k != "Content-Length"}
    assert without_ids(through_fast[2]) == without_ids(through_flask[2])
    assert reached_flask == (name in HANDED_TO_FLASK)


def test_other_requests_go_to_flask(app):
    fast: DecisionPath = app.wsgi_app
    original = fast.flask
    fast.flask, calls = counting(original)
    try:
        assert call(app, decide(CASE), content_type="text/plain")[0].startswith("415")
        assert call(app, decide(CASE), query="x=1")[0].startswith("200")
        assert call(app, b"", path="/health", method="GET")[0].startswith("200")
        assert call(app, decide(CASE), content_type="application/json; charset=utf-8")[0].startswith("200")
    finally:
        fast.flask = original
    assert calls == ["/v1/decide", "/v1/decide", "/health"]


def test_a_decision_answered_fast_is_logged_and_counted(app):
    services = app.extensions["ruleproof"]
    status, _, data = call(app, decide(CASE))
    assert status == "200 OK"
    decision_id = json.loads(data)["decision_id"]
    services.log.flush()
    logged = [r for r in read_log(services.config.decision_log) if r.decision_id == decision_id]
    assert [r.decisions for r in logged] == [json.loads(data)["decisions"]]
    services.metrics.tally.flush()
    requests = services.metrics.registry.get_sample_value(
        "ruleproof_http_requests_total", {"endpoint": "/v1/decide", "method": "POST", "status": "200"})
    decided = services.metrics.registry.get_sample_value("ruleproof_decisions_total", {"pack": "shop"})
    assert requests and requests >= 1 and decided and decided >= 1
