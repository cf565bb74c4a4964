"""Every endpoint and every error of the HTTP API, through Flask's test client."""

from __future__ import annotations

import io
import json
from contextlib import redirect_stdout
from pathlib import Path

import pytest
from ruleproof import main as cli
from ruleproof.server import models as m
from server_support import CASE, CASE_DECISIONS, POLICIES, SHOP, close, copy_policies, make_app, shape


@pytest.fixture(scope="module")
def app():
    app = make_app()
    yield app
    close(app)


@pytest.fixture()
def client(app):
    return app.test_client()


def error(response, status: int, code: str) -> dict:
    assert response.status_code == status, response.get_data(as_text=True)
    assert response.mimetype == "application/json"
    body = shape(m.ErrorV1, response.json)
    assert body["code"] == code
    return body


def paths(body: dict) -> list[str]:
    return [e["path"] for e in body["errors"]]


# ------------------------------------------------------------------ operations


def test_health(client):
    assert client.get("/health").json == {"status": "ok"}


def test_ready_when_every_pack_serves(client):
    response = client.get("/ready")
    assert response.status_code == 200
    assert shape(m.ReadyV1, response.json) == {"ready": True, "packs": {"shop": "ok"}, "message": "every pack is serving"}


def test_not_ready_without_packs(tmp_path):
    (tmp_path / "policies").mkdir()
    app = make_app(tmp_path / "policies")
    try:
        response = app.test_client().get("/ready")
        assert response.status_code == 503
        assert shape(m.ReadyV1, response.json)["ready"] is False
    finally:
        close(app)


def test_not_ready_when_a_pack_never_loaded(tmp_path):
    policies = copy_policies(tmp_path)
    (policies / "broken").mkdir()
    (policies / "broken" / "pack.rules").write_text("pack broken version \"1\"\nfact x: nonsense\n")
    app = make_app(policies)
    try:
        client = app.test_client()
        response = client.get("/ready")
        assert response.status_code == 503
        assert response.json["packs"] == {"broken": "failed", "shop": "ok"}
        assert "broken" in response.json["message"]
        # the failed pack cannot decide: 503 with a pointer to its diagnostics
        body = error(client.post("/v1/decide", json={"pack": "broken", "facts": {}}), 503, "pack_unavailable")
        assert "/v1/packs/broken" in body["errors"][0]["message"]
    finally:
        close(app)


def test_metrics_text_format(client):
    client.post("/v1/decide", json={"pack": "shop", "facts": CASE})
    client.get("/no/such/route")
    response = client.get("/metrics")
    assert response.status_code == 200
    assert response.mimetype == "text/plain"
    text = response.get_data(as_text=True)
    assert 'ruleproof_http_requests_total{endpoint="/v1/decide",method="POST",status="200"}' in text
    assert 'ruleproof_http_request_duration_seconds_bucket{endpoint="/v1/decide",le="0.005"}' in text
    assert 'ruleproof_decisions_total{pack="shop"}' in text
    assert 'ruleproof_check_duration_seconds_count{kind="load"} 1.0' in text
    assert 'endpoint="unmatched"' in text  # raw paths never become labels
    assert "/no/such/route" not in text
    assert "ruleproof_packs_serving 1.0" in text


def test_openapi_document_is_served(client):
    response = client.get("/v1/openapi.json")
    assert response.status_code == 200
    doc = response.json
    assert doc["openapi"].startswith("3.1")
    assert {"/v1/decide", "/v1/decide/batch", "/v1/validate", "/v1/diff", "/v1/packs", "/v1/packs/{name}",
            "/health", "/ready", "/metrics", "/v1/admin/reload"} <= set(doc["paths"])


# ------------------------------------------------------------------ packs


def test_list_packs(client):
    body = shape(m.PacksResponseV1, client.get("/v1/packs").json)
    [pack] = body["packs"]
    assert pack["name"] == "shop" and pack["pack"] == "shop" and pack["version"] == "1.0"
    assert pack["status"] == "ok" and pack["serving"] is True and pack["loaded_at"].endswith("Z")


def test_show_pack(client):
    body = shape(m.PackDetailV1, client.get("/v1/packs/shop").json)
    facts = {f["name"]: f for f in body["facts"]}
    assert facts["paid_on"] == {"name": "paid_on", "type": "date", "optional": True, "cite": "Art. 1: absent until paid"}
    assert facts["express"]["default"] is False and facts["express"]["optional"] is False
    assert "default" not in facts["placed_on"]
    assert facts["delivery_days"]["type"] == "natural days"
    assert [d["name"] for d in body["decisions"]] == ["payment_deadline", "order_closed", "confirmation_deadline",
                                                        "refund_allowed"]
    assert body["decisions"][1] == {"name": "order_closed", "type": "bool", "hit": "unique", "complete": False,
                                    "cite": "Art. 1", "reads": ["paid_on", "placed_on", "today"]}
    assert [f["code"] for f in body["findings"]] == ["W401"]
    assert body["findings"][0]["location"]["file"] == "policies/shop/orders.rules"  # no server path leaks
    assert body["last_failure"] is None


@pytest.mark.parametrize("name", ["nope", "..", "..%2F..%2Fetc%2Fpasswd", "../../etc/passwd", "shop%00", "%2e%2e"])
def test_unknown_or_escaping_pack_names_are_404(client, name):
    response = client.get(f"/v1/packs/{name}")
    assert response.status_code == 404
    assert shape(m.ErrorV1, response.json)["code"] in ("pack_not_found", "not_found")


def test_pack_names_in_bodies_cannot_escape(client):
    body = error(client.post("/v1/decide", json={"pack": "../policies/shop", "facts": {}}), 422, "invalid_request")
    assert paths(body) == ["pack"]
    body = error(client.post("/v1/validate", json={"pack": "/etc/passwd"}), 422, "invalid_request")
    assert paths(body) == ["pack"]


# ------------------------------------------------------------------ decide


def test_decide(client):
    response = client.post("/v1/decide", json={"pack": "shop", "facts": CASE})
    assert response.status_code == 200
    body = shape(m.DecideResponseV1, response.json)
    assert list(body) == ["pack", "version", "revision", "decision_id", "decisions", "undetermined"]
    assert body["pack"] == "shop" and body["version"] == "1.0" and len(body["revision"]) == 16
    assert body["decisions"] == CASE_DECISIONS
    assert body["undetermined"] == {"confirmation_deadline": {"reason": "no rule applies", "cause": "no_value", "depends_on": ["shipped_on"]}}
    assert len(body["decision_id"]) == 36


def test_decide_matches_the_cli(client, tmp_path):
    facts = {**CASE, "shipped_on": "2026-01-05", "delivery_days": 5}
    (tmp_path / "facts.json").write_text(json.dumps(facts))
    out = io.StringIO()
    with redirect_stdout(out):
        assert cli.main(["decide", str(SHOP), "--facts", str(tmp_path / "facts.json"), "--format", "json"]) == 0
    expected = json.loads(out.getvalue().replace(str(POLICIES.parent) + "/", ""))
    body = client.post("/v1/decide", json={"pack": "shop", "facts": facts, "explain": True}).json
    assert body.pop("decision_id") and body.pop("revision")
    assert body == expected


def test_decide_some_decisions(client):
    body = client.post("/v1/decide", json={"pack": "shop", "facts": CASE, "decisions": ["order_closed"]}).json
    assert body["decisions"] == {"order_closed": True} and body["undetermined"] == {}


def test_decide_explain(client):
    body = shape(m.DecideResponseV1, client.post("/v1/decide", json={"pack": "shop", "facts": CASE, "explain": True}).json)
    closed = next(t for t in body["trace"] if t["decision"] == "order_closed")
    assert closed["rules"][0]["status"] == "fired" and closed["rules"][0]["at"].startswith("policies/shop/orders.rules:")


def test_missing_facts_leave_decisions_undetermined(client):
    body = client.post("/v1/decide", json={"pack": "shop", "facts": {"placed_on": "2026-01-01"}}).json
    assert body["decisions"] == {"payment_deadline": "2026-01-11", "refund_allowed": False}
    assert body["undetermined"]["order_closed"]["depends_on"] == ["today"]


def test_dates_past_the_calendar_are_undetermined_not_errors(client):
    response = client.post("/v1/decide", json={"pack": "shop", "facts": {"placed_on": "9999-12-30", "today": "2026-01-01"}})
    assert response.status_code == 200
    assert response.json["undetermined"]["payment_deadline"]["reason"].startswith("cannot compute")


def test_invalid_facts_name_their_paths(client):
    facts = {"placed_on": "2026-13-01", "todya": "2026-01-01", "delivery_days": "5", "paid_on": 3}
    body = error(client.post("/v1/decide", json={"pack": "shop", "facts": facts}), 422, "invalid_facts")
    by_path = {e["path"]: e["message"] for e in body["errors"]}
    assert set(by_path) == {"facts.placed_on", "facts.todya", "facts.delivery_days", "facts.paid_on"}
    assert "did you mean `today`" in by_path["facts.todya"]


def test_unknown_decision(client):
    body = error(client.post("/v1/decide", json={"pack": "shop", "facts": CASE, "decisions": ["order_closed", "nope"]}),
                 422, "unknown_decision")
    assert body["errors"] == [{"path": "decisions[1]", "message": "unknown decision `nope`"}]


@pytest.mark.parametrize("request_body, where", [
    ({"pack": "shop"}, "facts"),
    ({"facts": {}}, "pack"),
    ({"pack": "shop", "facts": []}, "facts"),
    ({"pack": "shop", "facts": {}, "extra": 1}, "extra"),
    ({"pack": "shop", "facts": {}, "explain": "yes"}, "explain"),
    ({"pack": "shop", "facts": {}, "decisions": []}, "decisions"),
    ({"pack": "shop", "facts": {}, "decisions": [3]}, "decisions[0]"),
    ({"pack": 7, "facts": {}}, "pack"),
])
def test_requests_that_do_not_fit_the_schema(client, request_body, where):
    body = error(client.post("/v1/decide", json=request_body), 422, "invalid_request")
    assert where in paths(body)


def test_body_must_be_an_object(client):
    body = error(client.post("/v1/decide", data="[1]", content_type="application/json"), 422, "invalid_request")
    assert paths(body) == ["$"]


def test_unknown_pack(client):
    body = error(client.post("/v1/decide", json={"pack": "nope", "facts": {}}), 404, "pack_not_found")
    assert paths(body) == ["pack"]


@pytest.mark.parametrize("data", ["{bad", "", '{"pack": "shop", "facts": {}', "\xff"])
def test_malformed_json(client, data):
    error(client.post("/v1/decide", data=data, content_type="application/json"), 400, "invalid_json")


@pytest.mark.parametrize("content_type", ["text/plain", "application/x-www-form-urlencoded", None])
def test_not_json(client, content_type):
    kwargs = {"content_type": content_type} if content_type else {}
    error(client.post("/v1/decide", data='{"pack": "shop", "facts": {}}', **kwargs), 415, "unsupported_media_type")


def test_json_suffix_media_types_are_json(client):
    response = client.post("/v1/decide", data=json.dumps({"pack": "shop", "facts": CASE}),
                           content_type="application/vnd.ruleproof+json; charset=utf-8")
    assert response.status_code == 200


def test_request_size_limit(tmp_path):
    app = make_app(max_request_bytes=1024)
    try:
        client = app.test_client()
        big = {"pack": "shop", "facts": {**CASE, "padding": "x" * 2000}}
        error(client.post("/v1/decide", json=big), 413, "payload_too_large")
        assert client.post("/v1/decide", json={"pack": "shop", "facts": CASE}).status_code == 200
    finally:
        close(app)


def test_method_not_allowed(client):
    response = client.get("/v1/decide")
    error(response, 405, "method_not_allowed")
    assert response.headers["Allow"].split(", ") == ["POST"] or "POST" in response.headers["Allow"]
    error(client.delete("/v1/packs/shop"), 405, "method_not_allowed")


def test_unknown_route(client):
    error(client.get("/v2/decide"), 404, "not_found")
    error(client.post("/v1/nothing", json={}), 404, "not_found")


def test_unexpected_errors_are_500_in_the_same_shape():
    app = make_app()
    app.add_url_rule("/boom", "boom", lambda: 1 / 0)
    try:
        error(app.test_client().get("/boom"), 500, "internal_error")
    finally:
        close(app)


# ------------------------------------------------------------------ batch


def test_batch_in_order_with_per_case_errors(client):
    cases = [CASE, {"placed_on": "2026-01-01", "today": 5}, {**CASE, "today": "2026-01-05"}, {"nope": 1}]
    response = client.post("/v1/decide/batch", json={"pack": "shop", "cases": cases})
    assert response.status_code == 200
    body = shape(m.BatchResponseV1, response.json)
    assert body["decided"] == 2 and body["failed"] == 2
    assert [r["index"] for r in body["results"]] == [0, 1, 2, 3]
    assert body["results"][0]["decisions"] == CASE_DECISIONS
    assert body["results"][2]["decisions"]["order_closed"] is False
    assert body["results"][1]["error"]["code"] == "invalid_facts"
    assert paths(body["results"][1]["error"]) == ["cases[1].today"]
    assert paths(body["results"][3]["error"]) == ["cases[3].nope"]
    assert "error" not in body["results"][0] and "decision_id" not in body["results"][1]
    ids = [r["decision_id"] for r in body["results"] if "decision_id" in r]
    assert len(set(ids)) == 2


def test_batch_some_decisions(client):
    body = client.post("/v1/decide/batch", json={"pack": "shop", "cases": [CASE], "decisions": ["payment_deadline"]}).json
    assert body["results"][0]["decisions"] == {"payment_deadline": "2026-01-11"}


def test_batch_request_errors(client):
    body = error(client.post("/v1/decide/batch", json={"pack": "shop", "cases": []}), 422, "invalid_request")
    assert paths(body) == ["cases"]
    body = error(client.post("/v1/decide/batch", json={"pack": "shop", "cases": [CASE, 3]}), 422, "invalid_request")
    assert paths(body) == ["cases[1]"]
    body = error(client.post("/v1/decide/batch", json={"pack": "shop", "cases": [CASE], "decisions": ["x"]}),
                 422, "unknown_decision")
    assert paths(body) == ["decisions[0]"]
    error(client.post("/v1/decide/batch", json={"pack": "nope", "cases": [CASE]}), 404, "pack_not_found")
    error(client.post("/v1/decide/batch", json={"pack": "shop", "cases": [CASE], "explain": True}), 422, "invalid_request")


def test_batch_size_limit():
    app = make_app(max_batch_cases=2)
    try:
        body = error(app.test_client().post("/v1/decide/batch", json={"pack": "shop", "cases": [CASE] * 3}),
                     422, "limit_exceeded")
        assert paths(body) == ["cases"]
    finally:
        close(app)


# ------------------------------------------------------------------ validate


def shop_files() -> dict[str, str]:
    return {p.name: p.read_text() for p in sorted(SHOP.glob("*.rules"))}


def check_json(path) -> dict:
    out = io.StringIO()
    with redirect_stdout(out):
        cli.main(["check", str(path), "--format", "json"])
    return json.loads(out.getvalue())


def test_validate_files_is_the_check_model(client):
    response = client.post("/v1/validate", json={"files": shop_files()})
    assert response.status_code == 200
    body = shape(m.ValidateResponseV1, response.json)
    assert body["ok"] is True and body["seconds"] >= 0 and body["path"] == "request"
    expected = check_json(SHOP)
    for d in expected["diagnostics"]:
        d["location"]["file"] = d["location"]["file"].rsplit("/", 1)[-1]
    assert {k: body[k] for k in expected if k != "path"} == {k: v for k, v in expected.items() if k != "path"}


def test_validate_finds_errors(client):
    files = shop_files()
    files["orders.rules"] = files["orders.rules"].replace("today > payment_deadline", "today > payment_deadlin")
    body = shape(m.ValidateResponseV1, client.post("/v1/validate", json={"files": files}).json)
    assert body["ok"] is False and body["errors"] == 1
    assert [d["code"] for d in body["diagnostics"] if d["severity"] == "error"] == ["E101"]


def test_validate_runs_the_formal_checks(client):
    files = shop_files()
    files["orders.rules"] += ('\nrule never cite "Art. 9":\n  when today > payment_deadline and today < placed_on\n'
                              "  then order_closed = true\n")
    body = client.post("/v1/validate", json={"files": files}).json
    dead = [d for d in body["diagnostics"] if d["code"] == "E601"]
    assert dead and dead[0]["check_verdict"] == "proved" and body["ok"] is False


def test_validate_a_loaded_pack(client):
    body = shape(m.ValidateResponseV1, client.post("/v1/validate", json={"pack": "shop"}).json)
    assert body["ok"] is True and [d["code"] for d in body["diagnostics"]] == ["W401"]
    error(client.post("/v1/validate", json={"pack": "nope"}), 404, "pack_not_found")


@pytest.mark.parametrize("request_body, where", [
    ({}, "$"),
    ({"files": {"a.rules": "pack a version \"1\""}, "pack": "shop"}, "$"),
    ({"files": {}}, "files"),
    ({"files": {"../a.rules": "x"}}, 'files["../a.rules"]'),
    ({"files": {"a.txt": "x"}}, "files"),
    ({"files": {"a.rules": 3}}, 'files["a.rules"]'),
    ({"files": None}, "files"),
])
def test_validate_request_errors(client, request_body, where):
    body = error(client.post("/v1/validate", json=request_body), 422, "invalid_request")
    assert any(p.startswith(where) for p in paths(body)), body


def test_validate_limits():
    app = make_app(max_pack_files=1, max_pack_bytes=600)
    try:
        client = app.test_client()
        body = error(client.post("/v1/validate", json={"files": shop_files()}), 422, "limit_exceeded")
        assert "at most 1 files" in body["message"] and paths(body) == ["files"]
        body = error(client.post("/v1/validate", json={"files": {"a.rules": "#" * 700}}), 422, "limit_exceeded")
        assert "bytes" in body["message"]
    finally:
        close(app)


def test_validate_rule_limit():
    app = make_app(max_pack_rules=1)
    try:
        body = error(app.test_client().post("/v1/validate", json={"files": shop_files()}), 422, "limit_exceeded")
        assert "the pack has 4 rules; at most 1" in body["message"]
    finally:
        close(app)


def test_validate_is_refused_when_the_pool_is_full():
    app = make_app(check_queue=1)
    try:
        pool = app.extensions["ruleproof"].pool
        assert pool._slots.acquire(blocking=False)  # someone else's validation holds the only slot
        response = app.test_client().post("/v1/validate", json={"files": shop_files()})
        body = error(response, 503, "busy")
        assert response.headers["Retry-After"] == "5" and body["message"]
        pool._slots.release()
    finally:
        close(app)


def test_validate_past_the_deadline_is_503_and_the_pool_recovers():
    app = make_app(check_deadline_s=0.001)
    try:
        client = app.test_client()
        error(client.post("/v1/validate", json={"files": shop_files()}), 503, "check_timeout")
        app.extensions["ruleproof"].pool.deadline_s = 60
        assert client.post("/v1/validate", json={"files": shop_files()}).status_code == 200
    finally:
        close(app)


# ------------------------------------------------------------------ diff


def test_diff(client):
    files = shop_files()
    files["orders.rules"] = files["orders.rules"].replace("payment_period = 10 days", "payment_period = 12 days")
    response = client.post("/v1/diff", json={"old": {"pack": "shop"}, "new": {"files": files}})
    assert response.status_code == 200
    body = shape(m.DiffResponseV1, response.json)
    assert body["changed"] is True
    status = {d["name"]: d for d in body["decisions"]}
    assert status["confirmation_deadline"]["status"] == "equivalent"
    changed = status["payment_deadline"]
    assert changed["status"] == "changed" and changed["old"] != changed["new"]
    # the witness is a case: the service decides it as the diff says
    decided = client.post("/v1/decide", json={"pack": "shop", "facts": changed["witness"]}).json
    assert decided["decisions"]["payment_deadline"] == changed["old"]


def test_diff_of_equal_packs(client):
    body = client.post("/v1/diff", json={"old": {"pack": "shop"}, "new": {"files": shop_files()}}).json
    assert body["changed"] is False and {d["status"] for d in body["decisions"]} == {"equivalent"}


def test_diff_errors(client):
    files = shop_files()
    files["orders.rules"] = files["orders.rules"].replace("today > payment_deadline", "today > payment_deadlin")
    body = error(client.post("/v1/diff", json={"old": {"pack": "shop"}, "new": {"files": files}}), 422, "invalid_pack")
    assert paths(body) == ["new.files"] and "E101" in body["errors"][0]["message"]
    body = error(client.post("/v1/diff", json={"old": {"pack": "nope"}, "new": {"pack": "shop"}}), 404, "pack_not_found")
    assert paths(body) == ["old.pack"]
    body = error(client.post("/v1/diff", json={"old": {}, "new": {"pack": "shop"}}), 422, "invalid_request")
    assert paths(body) == ["old"]
    body = error(client.post("/v1/diff", json={"old": {"pack": "shop"}}), 422, "invalid_request")
    assert paths(body) == ["new"]


# ------------------------------------------------------------------ admin


def test_admin_reload_is_disabled_without_a_token(client):
    error(client.post("/v1/admin/reload"), 403, "admin_disabled")


def test_admin_reload_needs_the_token():
    app = make_app(admin_token="s3cret")
    try:
        client = app.test_client()
        response = client.post("/v1/admin/reload")
        error(response, 401, "unauthorized")
        assert response.headers["WWW-Authenticate"].startswith("Bearer")
        error(client.post("/v1/admin/reload", headers={"Authorization": "Bearer wrong"}), 401, "unauthorized")
        error(client.post("/v1/admin/reload", headers={"Authorization": "Basic s3cret"}), 401, "unauthorized")
        response = client.post("/v1/admin/reload", headers={"Authorization": "Bearer s3cret"})
        assert response.status_code == 200
        assert shape(m.ReloadResponseV1, response.json) == {
            "packs": [{"name": "shop", "outcome": "loaded", "version": "1.0", "errors": 0}]}
    finally:
        close(app)


def test_validate_past_the_solver_time_limit_answers_unknown():
    """Every solver query is bounded: with a 1 ms limit the marketplace's checks come back W613
    ("unknown", never "ok" for that check), and the answer still arrives (the request's own
    deadline is raised: this is about the solver's limit, on machines of any speed)."""
    marketplace = POLICIES.parents[3] / "policies" / "marketplace"
    files = {p.relative_to(marketplace).as_posix(): p.read_text() for p in sorted(marketplace.rglob("*.rules"))}
    app = make_app(check_timeout_ms=1, check_deadline_s=600, max_pack_bytes=10 * 1024 * 1024, max_pack_rules=100_000, max_pack_files=1000,
                   max_request_bytes=10 * 1024 * 1024)
    try:
        body = shape(m.ValidateResponseV1, app.test_client().post("/v1/validate", json={"files": files}).json)
        unknown = [d for d in body["diagnostics"] if d["code"] == "W613"]
        assert unknown and all(d["check_verdict"] == "unknown" for d in unknown)
    finally:
        close(app)


def test_a_date_past_the_wire_formats_range_is_undetermined_out_of_range_in_the_contract():
    """period_end(9999-12-20, 14) is in year 10000: the evaluator computes it, the wire cannot
    write it. Found by test_server_fuzz: the entry lacked the `cause` the contract requires."""
    app = make_app(Path(__file__).resolve().parent.parent / "policies")
    try:
        for body in ({"pack": "marketplace", "facts": {"today": "9999-12-20"}, "decisions": ["next_sales_assessment_on"]},
                     {"pack": "marketplace", "facts": {"today": "9999-12-20"}, "decisions": ["next_sales_assessment_on"],
                      "explain": True}):
            response = app.test_client().post("/v1/decide", json=body)
            assert response.status_code == 200, response.json
            entry = shape(m.DecideResponseV1, response.json)["undetermined"]["next_sales_assessment_on"]
            assert entry["cause"] == "out_of_range" and entry["reason"].startswith("cannot compute")
    finally:
        close(app)
