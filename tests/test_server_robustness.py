"""Hostile bodies on every JSON endpoint: each is a 4xx in the ErrorV1 shape with a JSON path,
answered at once, never a 500.

tests/test_server_api.py covers the ordinary errors (malformed JSON, schema errors, unknown
pack, unknown fact, a month 13, numbers as strings, the size limit); this file adds what an
attacker or a broken client sends: deep nesting, bytes that are not UTF-8, byte order marks,
lone surrogates, NUL, huge and non-finite numbers, impossible days and other date forms,
duplicate keys, lying Content-Lengths, and random JSON of any shape.
"""

from __future__ import annotations

import json
import threading
import time

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from ruleproof.server import models as m
from server_support import CASE, SHOP, close, make_app, shape, wait_for

SHOP_FILES = {p.name: p.read_text() for p in sorted(SHOP.glob("*.rules"))}
#: one valid body per JSON endpoint
VALID = {
    "/v1/decide": {"pack": "shop", "facts": CASE},
    "/v1/decide/batch": {"pack": "shop", "cases": [CASE]},
    "/v1/validate": {"pack": "shop"},
    "/v1/diff": {"old": {"pack": "shop"}, "new": {"pack": "shop"}},
    "/v1/test": {"pack": "shop"},
    "/v1/timeline/svg": {"timeline": {"events": [{"date": "2026-01-01", "name": "a", "kind": "fact"}], "windows": []}},
}
ENDPOINTS = list(VALID)
LIMIT = 1024 * 1024  # bytes of a body, as in production (100,000 levels of `{"a":` take 600 KB)


@pytest.fixture(scope="module")
def app():
    app = make_app(max_request_bytes=LIMIT)
    yield app
    close(app)


@pytest.fixture()
def client(app):
    return app.test_client()


def post(client, path: str, data: bytes | str, **kwargs):
    return client.post(path, data=data, content_type="application/json", **kwargs)


def error(response, status: int, code: str | None = None) -> dict:
    assert response.status_code == status, (response.status_code, response.get_data(as_text=True)[:500])
    assert response.mimetype == "application/json"
    body = shape(m.ErrorV1, response.json)
    if code is not None:
        assert body["code"] == code, body
    assert body["errors"], body  # every error names where
    return body


def paths(body: dict) -> list[str]:
    return [e["path"] for e in body["errors"]]


# ------------------------------------------------------------------ bytes that are not a JSON text


@pytest.mark.parametrize("path", ENDPOINTS)
@pytest.mark.parametrize("data", [
    pytest.param(b'{"pack": "shop\xff", "facts": {}}', id="invalid-utf8"),
    pytest.param(b'{"pack": "shop", "facts": {"today": "2026-01-0\xc3"}}', id="truncated-utf8-sequence"),
    pytest.param(b'{"pack": "\xed\xa0\x80"}', id="utf8-encoded-surrogate"),
    pytest.param(b'\xef\xbb\xbf{"pack": "shop", "facts": {}}', id="utf8-bom"),
    pytest.param('{"pack": "shop", "facts": {}}'.encode("utf-16"), id="utf16"),
    pytest.param(b'{"pack": "shop", "facts": {"today": "\\ud800"}}', id="lone-surrogate-escape"),
    pytest.param(b'{"pack": "shop", "facts": {}} trailing', id="trailing-text"),
    pytest.param(b'{"pack": "shop", "facts": {},}', id="trailing-comma"),
    pytest.param(b"{'pack': 'shop'}", id="single-quotes"),
    pytest.param(b'{"pack": "shop", "facts": {"n": 0x10}}', id="hex-number"),
    pytest.param(b'{"pack": "shop", "facts": {"n": ' + b"9" * 5000 + b"}}", id="5000-digit-integer"),
    pytest.param(b"\x00" * 64, id="nul-bytes"),
])
def test_bytes_that_are_not_json_are_400(client, path, data):
    body = error(post(client, path, data), 400, "invalid_json")
    assert paths(body) == ["$"]


@pytest.mark.parametrize("path", ENDPOINTS)
@pytest.mark.parametrize("opener, closer", [("[", "]"), ('{"a":', "}")])
def test_100000_levels_of_nesting_are_400_at_once(client, path, opener, closer):
    data = opener * 100_000 + closer * 100_000
    started = time.perf_counter()
    body = error(post(client, path, data), 400, "invalid_json")
    assert time.perf_counter() - started < 2
    assert "recursion limit" in body["errors"][0]["message"]


def test_nesting_the_parser_takes_is_refused_with_a_path(client):
    deep = "[" * 150 + "]" * 150
    body = error(post(client, "/v1/decide", f'{{"pack": "shop", "facts": {{"today": {deep}}}}}'), 422, "invalid_facts")
    assert paths(body) == ["facts.today"]
    body = error(post(client, "/v1/validate", f'{{"files": {{"a.rules": {deep}}}}}'), 422, "invalid_request")
    assert paths(body) == ['files["a.rules"]']


def test_batch_cases_fail_alone_however_deep(client):
    deep = "[" * 150 + "]" * 150
    response = post(client, "/v1/decide/batch", f'{{"pack": "shop", "cases": [{json.dumps(CASE)}, {{"today": {deep}}}]}}')
    assert response.status_code == 200
    body = shape(m.BatchResponseV1, response.json)
    assert body["decided"] == 1 and body["failed"] == 1
    assert paths(body["results"][1]["error"]) == ["cases[1].today"]


# ------------------------------------------------------------------ numbers


@pytest.mark.parametrize("literal", ["NaN", "Infinity", "-Infinity", "1e400", "-1e400"])
@pytest.mark.parametrize("fact", ["delivery_days", "today", "express"])
def test_non_finite_numbers_are_refused_with_the_fact_path(client, literal, fact):
    body = error(post(client, "/v1/decide", f'{{"pack": "shop", "facts": {{"{fact}": {literal}}}}}'), 422, "invalid_facts")
    assert paths(body) == [f"facts.{fact}"]


@pytest.mark.parametrize("path, template", [
    ("/v1/decide", '{{"pack": {v}, "facts": {{}}}}'),
    ("/v1/decide", '{{"pack": "shop", "facts": {{}}, "explain": {v}}}'),
    ("/v1/decide/batch", '{{"pack": "shop", "cases": [{v}]}}'),
    ("/v1/validate", '{{"files": {{"a.rules": {v}}}}}'),
    ("/v1/diff", '{{"old": {v}, "new": {{"pack": "shop"}}}}'),
])
@pytest.mark.parametrize("literal", ["NaN", "Infinity", "1e400", "4" * 4000, "-0", "1.5", "[]"])
def test_numbers_where_other_types_belong_are_422_with_a_path(client, path, template, literal):
    body = error(post(client, path, template.format(v=literal)), 422, "invalid_request")
    assert all(p != "$" for p in paths(body)), body


def test_huge_numbers_are_422_with_their_path(client):
    # past 15 digits (the language's own bound), with another bad fact too (that was a 500)
    for number in (10**15, 10**100, 10**309, -(10**309)):
        facts = {**CASE, "delivery_days": number, "today": "x"}
        body = error(client.post("/v1/decide", json={"pack": "shop", "facts": facts}), 422, "invalid_facts")
        assert paths(body) == ["facts.delivery_days", "facts.today"]
        assert "at most 15 digits" in body["errors"][0]["message"]
    data = '{"pack": "shop", "facts": {"placed_on": "2026-01-01", "delivery_days": ' + "7" * 4000 + "}}"
    assert paths(error(post(client, "/v1/decide", data), 422, "invalid_facts")) == ["facts.delivery_days"]
    # in a batch, the case fails alone
    cases = [CASE, {**CASE, "delivery_days": 10**309}, CASE]
    body = shape(m.BatchResponseV1, client.post("/v1/decide/batch", json={"pack": "shop", "cases": cases}).json)
    assert (body["decided"], body["failed"]) == (2, 1)
    assert paths(body["results"][1]["error"]) == ["cases[1].delivery_days"]
    body = error(post(client, "/v1/decide", '{"pack": "shop", "facts": {"delivery_days": 1.5}}'), 422, "invalid_facts")
    assert paths(body) == ["facts.delivery_days"]
    body = error(post(client, "/v1/decide", '{"pack": "shop", "facts": {"delivery_days": true}}'), 422, "invalid_facts")
    assert paths(body) == ["facts.delivery_days"]


# ------------------------------------------------------------------ dates and strings


@pytest.mark.parametrize("value", [
    "2026-02-30", "2025-02-29", "2026-04-31", "2026-00-10", "0000-01-01", "10000-01-01", "2026-1-1", "20260101",
    "2026-W01-1", "2026-001", "2026-01-01T10:00", "2026-01-01 ", " 2026-01-01", "+2026-01-01",
    "\uff12\uff10\uff12\uff16-01-01", "\u0662\u0660\u0662\u0666-01-01", "2026-01-01\u0000", "", "today",
])
def test_dates_that_are_not_days_are_refused_with_the_path(client, value):
    body = error(client.post("/v1/decide", json={"pack": "shop", "facts": {"today": value}}), 422, "invalid_facts")
    assert paths(body) == ["facts.today"]
    response = client.post("/v1/decide/batch", json={"pack": "shop", "cases": [CASE, {"placed_on": value}]})
    assert response.status_code == 200 and response.json["failed"] == 1
    assert paths(response.json["results"][1]["error"]) == ["cases[1].placed_on"]


def test_leap_days_and_the_calendar_edges_are_days(client):
    for day in ("2024-02-29", "0001-01-01", "9999-12-31"):
        assert client.post("/v1/decide", json={"pack": "shop", "facts": {**CASE, "today": day}}).status_code == 200


@pytest.mark.parametrize("name", ["shop\u0000", "sh\u202eop", "s\u0301hop", "\ufeffshop", "shop\n", "ｓｈｏｐ", "x" * 65])
def test_pack_names_with_odd_characters_are_refused(client, name):
    body = error(client.post("/v1/decide", json={"pack": name, "facts": {}}), 422, "invalid_request")
    assert paths(body) == ["pack"]


def test_unknown_facts_with_odd_names_are_named_in_the_path(client):
    facts = {"to\u0000day": "2026-01-01", "t\u0301oday": 1, "": 2, "a.b": 3, "x" * 300: 4}
    body = error(client.post("/v1/decide", json={"pack": "shop", "facts": facts}), 422, "invalid_facts")
    assert len(body["errors"]) == len(facts)
    json.dumps(body)  # every path and message is serialisable text


# ------------------------------------------------------------------ duplicate keys


@pytest.mark.parametrize("path, data, where", [
    ("/v1/decide", '{"pack": "shop", "pack": "other", "facts": {}}', "pack"),
    ("/v1/decide", '{"pack": "shop", "facts": {"today": "2026-01-01", "today": "2026-02-01"}}', "facts.today"),
    ("/v1/decide/batch", '{"pack": "shop", "cases": [{}, {"today": "2026-01-01", "today": "2026-01-02"}]}', "cases[1].today"),
    ("/v1/validate", '{"files": {"a.rules": "x", "a.rules": "y"}}', 'files["a.rules"]'),
    ("/v1/diff", '{"old": {"pack": "shop"}, "new": {"pack": "shop", "pack": "shop"}}', "new.pack"),
])
def test_duplicate_keys_are_refused_with_their_path(client, path, data, where):
    body = error(post(client, path, data), 422, "invalid_request")
    assert paths(body) == [where]
    assert "duplicate" in body["errors"][0]["message"]


def test_equal_keys_in_different_objects_are_no_duplicates(client):
    data = json.dumps({"pack": "shop", "cases": [CASE, CASE]})
    assert post(client, "/v1/decide/batch", data).status_code == 200


# ------------------------------------------------------------------ sizes and lengths


@pytest.mark.parametrize("path", ENDPOINTS)
def test_oversized_bodies_are_refused_before_they_are_read(client, path):
    started = time.perf_counter()
    body = error(post(client, path, b" " * (LIMIT + 1)), 413, "payload_too_large")
    assert paths(body) == ["$"]
    assert time.perf_counter() - started < 2


def test_a_body_shorter_than_its_content_length_is_400(client):
    response = client.post("/v1/decide", data=b'{"pack": "shop"}', content_type="application/json",
                           environ_overrides={"CONTENT_LENGTH": "1000"})
    assert paths(error(response, 400, "invalid_json")) == ["$"]


# ------------------------------------------------------------------ anything at all


def _json_values():
    scalars = st.one_of(st.none(), st.booleans(), st.integers(), st.floats(), st.text(max_size=20))
    return st.recursive(scalars, lambda inner: st.one_of(st.lists(inner, max_size=4),
                                                         st.dictionaries(st.text(max_size=8), inner, max_size=4)),
                        max_leaves=20)


def _plausible(path: str):
    """Bodies near the valid one: a key of it replaced, dropped or added, with values of any shape."""
    base = VALID[path]
    return st.one_of(
        _json_values(),
        st.builds(lambda k, v: {**base, k: v}, st.sampled_from(sorted(base) + ["facts", "cases", "files", "extra"]),
                  _json_values()),
        st.builds(lambda k: {x: y for x, y in base.items() if x != k}, st.sampled_from(sorted(base))),
    )


@pytest.mark.parametrize("path", ENDPOINTS)
@settings(max_examples=60, deadline=None, suppress_health_check=list(HealthCheck))
@given(data=st.data())
def test_any_json_is_answered_without_a_server_error(client, path, data):
    body = data.draw(_plausible(path))
    response = post(client, path, json.dumps(body, allow_nan=True))
    assert response.status_code < 500 or response.json["code"] in ("busy", "check_timeout"), \
        (body, response.get_data(as_text=True)[:500])
    if response.status_code >= 400:
        shape(m.ErrorV1, response.json)


@settings(max_examples=100, deadline=None, suppress_health_check=list(HealthCheck))
@given(raw=st.binary(max_size=200))
def test_any_bytes_are_answered_without_a_server_error(client, raw):
    response = post(client, "/v1/decide", raw)
    assert response.status_code in (400, 404, 422), response.get_data(as_text=True)[:500]
    shape(m.ErrorV1, response.json)


# ------------------------------------------------------------------ the decision log under a flood


def test_the_decision_log_refuses_rather_than_drops_when_it_cannot_keep_up(tmp_path):
    """Rows wait for the writer in memory, bounded by the values they hold (a row of 85
    decisions weighs as much as 40 rows of one). In the durable mode, rows past the bound are
    refused at once (LogBusy: the answer is 503, no id given), never dropped; a batch larger than
    the bound still goes through when nothing else waits. Best effort drops and counts them."""
    from ruleproof.server.decision_log import DecisionLog, LogBusy, LogMode, read_log

    def row(i: int, decisions: int) -> tuple:
        return (f"id{i:03d}", time.time(), "p", "1", {"x": i}, {f"d{k}": k for k in range(decisions)}, {}, None, "r")

    for mode in LogMode:
        gate = threading.Event()
        dropped: list[int] = []
        refused: list[int] = []
        path = tmp_path / f"{mode.value}.sqlite"
        log = DecisionLog(path, mode, max_pending_values=1000, on_dropped=dropped.append, on_refused=refused.append)
        write = log.store.write
        log.store.write = lambda records, batches, gate=gate, write=write: (gate.wait(10), write(records, batches))  # cannot keep up
        try:
            big = threading.Thread(target=log.record, args=([row(0, 1999)],))
            big.start()  # larger than the bound, but alone: taken; it waits at the gate
            wait_for(lambda log=log: log._pending > 0)
            started = time.monotonic()
            if mode is LogMode.DURABLE:
                with pytest.raises(LogBusy):
                    log.record([row(1, 9)])  # no room: refused at once
                assert refused == [1] and dropped == []
            else:
                log.record([row(1, 9)])
                assert dropped == [1] and log.dropped == 1
            assert time.monotonic() - started < 0.5
            gate.set()
            big.join(10)
            assert log.flush() and log._pending == 0
            log.record([row(i, 99) for i in range(2, 11)])  # 900 values: room again
            assert log.flush()
        finally:
            gate.set()
            log.close()
        assert [r.decision_id for r in read_log(path)] == ["id000"] + [f"id{i:03d}" for i in range(2, 11)]
