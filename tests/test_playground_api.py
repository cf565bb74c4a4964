"""The endpoints the playground page uses: pack files, timelines of decided cases, SVG drawing."""

from __future__ import annotations

import pytest
from server_support import CASE, close, make_app


@pytest.fixture(scope="module")
def client():
    app = make_app()
    yield app.test_client()
    close(app)


def test_page_and_static_files(client) -> None:
    page = client.get("/")
    assert page.status_code == 200 and b"ruleproof playground" in page.data
    assert client.get("/static/playground.js").status_code == 200
    assert client.get("/static/nothing-here.js").status_code == 404


def test_pack_files(client) -> None:
    body = client.get("/v1/packs/shop/files").json
    assert body["name"] == "shop" and all(name.endswith(".rules") for name in body["files"])
    assert client.get("/v1/packs/nope/files").status_code == 404


def test_decide_with_timeline_and_svg(client) -> None:
    decided = client.post("/v1/decide", json={"pack": "shop", "facts": CASE, "timeline": True}).json
    timeline = decided["timeline"]
    assert {"date": "2026-01-12", "name": "today", "kind": "fact"} in timeline["events"]
    drawn = client.post("/v1/timeline/svg", json={"timeline": timeline, "title": "case"}).json
    assert drawn["svg"].startswith("<svg") and 'role="img"' in drawn["svg"] and "<title>case</title>" in drawn["svg"]
    assert 'class="today"' in drawn["svg"]


@pytest.mark.parametrize("timeline, path", [
    ({"events": [{"date": "", "name": "x", "kind": "fact"}], "windows": []}, "timeline.events[0].date"),
    ({"events": [{"date": "2026-02-30", "name": "x", "kind": "fact"}], "windows": []}, "timeline"),
    ({"events": [], "windows": [{"name": "w", "first": "2026-01-01", "last": "soon", "empty": False}]},
     "timeline.windows[0].last"),
])
def test_bad_timelines_are_422_with_a_path(client, timeline, path) -> None:
    response = client.post("/v1/timeline/svg", json={"timeline": timeline})
    assert response.status_code == 422
    assert path in [e["path"] for e in response.json["errors"]]


def test_decide_with_edited_files_says_so(client) -> None:
    files = client.get("/v1/packs/shop/files").json["files"]
    served = client.post("/v1/decide", json={"pack": "shop", "facts": CASE}).json
    name = next(n for n, text in files.items() if "const payment_period = 10 days" in text)
    edited = {**files, name: files[name].replace("const payment_period = 10 days", "const payment_period = 12 days")}
    body = client.post("/v1/decide", json={"pack": "shop", "facts": CASE, "files": edited}).json
    assert body["edited"] is True and body["revision"] != served["revision"]
    assert (served["decisions"]["payment_deadline"], body["decisions"]["payment_deadline"]) == ("2026-01-11", "2026-01-13")
    assert "edited" not in served
    broken = {**files, name: files[name].replace("const payment_period = 10 days", "const payment_period = 10")}
    answer = client.post("/v1/decide", json={"pack": "shop", "facts": CASE, "files": broken})
    assert answer.status_code == 422 and answer.json["code"] == "invalid_pack"
    assert answer.json["errors"][0]["path"] == f"files.{name}" and "E20" in answer.json["errors"][0]["message"]


def test_the_page_highlights_with_the_editor_grammar_and_allows_only_its_own_styles(client) -> None:
    from pathlib import Path

    repo = Path(__file__).resolve().parent.parent
    served = client.get("/static/ruleproof.tmLanguage.json")
    assert served.status_code == 200
    assert served.data == (repo / "editors" / "ruleproof.tmLanguage.json").read_bytes(), \
        "rebuild: cd playground-build && npm ci && npm run build"
    page = client.get("/")
    nonce = page.data.decode().split('name="csp-nonce" content="')[1].split('"')[0]
    assert len(nonce) >= 16 and f"style-src 'self' 'nonce-{nonce}'" in page.headers["Content-Security-Policy"]
    assert nonce not in client.get("/").data.decode()  # a fresh nonce for every page
    assert client.get("/static/codemirror.js").status_code == 200


def test_the_examples_run_with_expected_actual_and_coverage(client) -> None:
    from ruleproof.server.models import TestResponseV1
    from server_support import shape

    body = shape(TestResponseV1, client.post("/v1/test", json={"pack": "shop"}).json)
    assert (body["pack"], body["edited"], body["examples"], body["passed"], body["failed"]) == ("shop", False, 2, 2, [])
    titles = [r["title"] for r in body["results"]]
    assert titles == ["closed after ten days unpaid", "a refund inside the window"]
    closed = body["results"][0]
    assert closed["passed"] and closed["at"].endswith("orders.rules:32:1") and closed["cite"] == "Art. 1"
    assert {"decision": "order_closed", "expected": True, "actual": True, "passed": True} \
        .items() <= next(e for e in closed["expectations"] if e["decision"] == "order_closed").items()
    covered = {rule for r in body["results"] for rule in r["covers"]}
    uncovered = {r["rule"] for r in body["uncovered_rules"]}
    assert closed["covers"] and covered.isdisjoint(uncovered)
    assert body["coverage"] == round(len(covered) / (len(covered) + len(uncovered)), 4)
    served = client.post("/v1/decide", json={"pack": "shop", "facts": CASE}).json
    assert body["revision"] == served["revision"]


def test_the_examples_of_the_edited_text_run_and_a_broken_edit_says_where(client) -> None:
    from ruleproof.server.models import TestResponseV1
    from server_support import shape

    files = client.get("/v1/packs/shop/files").json["files"]
    name = next(n for n, text in files.items() if "const payment_period = 10 days" in text)
    edited = {**files, name: files[name].replace("const payment_period = 10 days", "const payment_period = 12 days")}
    body = shape(TestResponseV1, client.post("/v1/test", json={"pack": "shop", "files": edited}).json)
    assert body["edited"] is True and body["passed"] < body["examples"]
    failed = [r for r in body["results"] if not r["passed"]]
    wrong = [e for r in failed for e in r["expectations"] if not e["passed"]]
    assert wrong and all(e["message"] and e["expected"] != e["actual"] for e in wrong)
    assert [d["code"] for d in body["failed"]] == ["E501"] * len(wrong)
    broken = {**files, name: files[name].replace("const payment_period = 10 days", "const payment_period = 10")}
    answer = client.post("/v1/test", json={"pack": "shop", "files": broken})
    assert answer.status_code == 422 and answer.json["errors"][0]["path"] == f"files.{name}"
    assert client.post("/v1/test", json={"pack": "nope"}).status_code == 404
    assert client.post("/v1/test", json={"pack": "shop", "extra": 1}).status_code == 422
