"""Hot reload: a broken edit leaves the last good version serving and says why; a good edit
is picked up; swaps are atomic under load."""

from __future__ import annotations

import threading

import pytest
from ruleproof.server import models as m
from server_support import CASE, close, copy_policies, edit, make_app, shape, wait_for

TOKEN = "t0ken"
AUTH = {"Authorization": f"Bearer {TOKEN}"}


@pytest.fixture()
def policies(tmp_path):
    return copy_policies(tmp_path)


def pack_state(client, name="shop") -> dict:
    return shape(m.PackDetailV1, client.get(f"/v1/packs/{name}").json)


def deadline(client) -> str:
    return client.post("/v1/decide", json={"pack": "shop", "facts": CASE}).json["decisions"]["payment_deadline"]


def test_watcher_keeps_the_last_good_version_and_picks_up_a_good_edit(policies):
    app = make_app(policies, reload_interval=0.05)
    client = app.test_client()
    orders = policies / "shop" / "orders.rules"
    try:
        assert deadline(client) == "2026-01-11"

        # a syntax error: refused, the old version keeps serving, the pack says why
        edit(orders, "then order_closed = true", "then order_closed = = true")
        state = wait_for(lambda: (s := pack_state(client))["status"] == "failed" and s)
        assert state["serving"] is True and state["version"] == "1.0"
        assert state["last_failure"]["message"].startswith("the front end found")
        assert [d["code"] for d in state["last_failure"]["diagnostics"] if d["severity"] == "error"] == ["E002"]
        assert state["last_failure"]["diagnostics"][0]["location"]["file"] == "policies/shop/orders.rules"
        assert deadline(client) == "2026-01-11"
        assert client.get("/ready").status_code == 200  # a good version still serves
        listed = client.get("/v1/packs").json["packs"][0]
        assert listed["status"] == "failed" and listed["serving"] is True

        # a good edit with a new version: picked up
        edit(orders, "then order_closed = = true", "then order_closed = true")
        edit(orders, "payment_period = 10 days", "payment_period = 12 days")
        edit(policies / "shop" / "pack.rules", 'version "1.0"', 'version "1.1"')
        state = wait_for(lambda: (s := pack_state(client))["version"] == "1.1" and s)
        assert state["status"] == "ok" and state["last_failure"] is None
        assert deadline(client) == "2026-01-13"
        metrics = client.get("/metrics").get_data(as_text=True)
        assert 'ruleproof_reload_failures_total{pack="shop"} 1.0' in metrics
        assert 'ruleproof_pack_loads_total{outcome="loaded",pack="shop"} 2.0' in metrics
    finally:
        close(app)


def test_errors_of_the_formal_checks_are_not_swapped_in(policies):
    app = make_app(policies, admin_token=TOKEN)
    client = app.test_client()
    try:
        with open(policies / "shop" / "orders.rules", "a") as f:
            f.write('\nrule never cite "Art. 9":\n  when today > payment_deadline and today < placed_on\n'
                    "  then order_closed = true\n")
        response = client.post("/v1/admin/reload", headers=AUTH)
        assert response.json["packs"] == [{"name": "shop", "outcome": "failed", "version": "1.0", "errors": 1}]
        state = pack_state(client)
        assert state["status"] == "failed" and state["last_failure"]["message"] == "the formal checks found 1 error"
        assert [d["code"] for d in state["last_failure"]["diagnostics"] if d["severity"] == "error"] == ["E601"]
        # validate by name reports the refused files, not the served version
        body = client.post("/v1/validate", json={"pack": "shop"}).json
        assert body["ok"] is False and "E601" in [d["code"] for d in body["diagnostics"]]
        assert deadline(client) == "2026-01-11"
    finally:
        close(app)


def test_admin_reload_picks_up_edits_without_the_watcher(policies):
    app = make_app(policies, admin_token=TOKEN)
    client = app.test_client()
    try:
        edit(policies / "shop" / "orders.rules", "payment_period = 10 days", "payment_period = 15 days")
        assert deadline(client) == "2026-01-11"  # no watcher: nothing happens by itself
        outcome = client.post("/v1/admin/reload", headers=AUTH).json["packs"]
        assert outcome == [{"name": "shop", "outcome": "loaded", "version": "1.0", "errors": 0}]
        assert deadline(client) == "2026-01-16"
    finally:
        close(app)


def test_packs_appear_and_disappear(policies):
    import shutil

    app = make_app(policies, reload_interval=0.05)
    client = app.test_client()
    try:
        shutil.copytree(policies / "shop", policies / "shop2")
        wait_for(lambda: client.get("/v1/packs/shop2").status_code == 200)
        assert client.post("/v1/decide", json={"pack": "shop2", "facts": CASE}).status_code == 200
        shutil.rmtree(policies / "shop2")
        wait_for(lambda: client.get("/v1/packs/shop2").status_code == 404)
        assert [p["name"] for p in client.get("/v1/packs").json["packs"]] == ["shop"]
    finally:
        close(app)


def test_swaps_are_atomic_under_load(policies):
    """Deciding from several threads while the pack is reloaded again and again: every answer
    comes whole from one version (its version and its values agree), never an error."""
    app = make_app(policies, admin_token=TOKEN)
    orders = policies / "shop" / "orders.rules"
    pack = policies / "shop" / "pack.rules"
    expected = {"1.0": "2026-01-11", "2.0": "2026-01-21"}
    stop = threading.Event()
    seen: set[str] = set()
    problems: list[str] = []

    def decide() -> None:
        client = app.test_client()
        while not stop.is_set():
            response = client.post("/v1/decide", json={"pack": "shop", "facts": CASE})
            body = response.json
            if response.status_code != 200 or expected.get(body["version"]) != body["decisions"]["payment_deadline"]:
                problems.append(response.get_data(as_text=True))
            seen.add(body.get("version"))

    threads = [threading.Thread(target=decide) for _ in range(3)]
    for t in threads:
        t.start()
    try:
        admin = app.test_client()
        for i in range(4):
            if i % 2 == 0:
                edit(orders, "payment_period = 10 days", "payment_period = 20 days")
                edit(pack, 'version "1.0"', 'version "2.0"')
            else:
                edit(orders, "payment_period = 20 days", "payment_period = 10 days")
                edit(pack, 'version "2.0"', 'version "1.0"')
            assert admin.post("/v1/admin/reload", headers=AUTH).json["packs"][0]["outcome"] == "loaded"
    finally:
        stop.set()
        for t in threads:
            t.join()
        close(app)
    assert not problems, problems[:3]
    assert seen == {"1.0", "2.0"}


def test_an_admin_reload_reaches_the_other_processes(policies, tmp_path):
    """gunicorn workers share a reload stamp: the worker that answers the admin reload touches
    it, and the others reload too (here: two apps in one process standing for two workers)."""
    stamp = tmp_path / "reload.stamp"
    stamp.touch()
    answering = make_app(policies, admin_token=TOKEN, reload_stamp=stamp)
    other = make_app(policies, reload_stamp=stamp)
    try:
        edit(policies / "shop" / "orders.rules", "payment_period = 10 days", "payment_period = 15 days")
        assert answering.test_client().post("/v1/admin/reload", headers=AUTH).status_code == 200
        assert deadline(answering.test_client()) == "2026-01-16"
        wait_for(lambda: deadline(other.test_client()) == "2026-01-16", timeout=10)
    finally:
        close(answering)
        close(other)
