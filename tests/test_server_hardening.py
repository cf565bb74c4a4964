"""Robustness fixes of issue #12: pack folders holding things that are not files, security
headers, long URLs, slow clients, the served revision, and the command line's messages."""

from __future__ import annotations

import io
import os
import socket
import sqlite3
import stat
import threading
import time
from contextlib import redirect_stderr

import pytest
from ruleproof import main as cli
from ruleproof.server.decision_log import DecisionLog
from server_support import CASE, SHOP, Served, close, copy_policies, edit, http, make_app

TOKEN = "hardening-token"


def run_cli(*args: str) -> tuple[int, str]:
    err = io.StringIO()
    with redirect_stderr(err):
        code = cli.main(list(args))
    return code, err.getvalue()


def special_files(folder) -> dict[str, str]:
    """Things named `*.rules` that are no regular file, and what E001 says of each."""
    os.mkfifo(folder / "fifo.rules")
    os.symlink("loop_b.rules", folder / "loop_a.rules")
    os.symlink("loop_a.rules", folder / "loop_b.rules")
    made = {"fifo": "it is a FIFO", "loop_a": "symbolic links form a loop", "loop_b": "symbolic links form a loop"}
    listener = socket.socket(socket.AF_UNIX)
    listener.bind(str(folder / "sock.rules"))
    listener.close()
    made["sock"] = "it is a socket"
    try:
        os.mknod(folder / "dev.rules", 0o600 | stat.S_IFCHR, os.makedev(1, 5))  # like /dev/zero
        made["dev"] = "it is a character device"
    except PermissionError:  # not root: the other kinds still run
        pass
    return made


def test_fifos_devices_sockets_and_link_loops_are_located_e001_and_never_block(tmp_path):
    policies = copy_policies(tmp_path)
    app = make_app(policies, admin_token=TOKEN)
    client = app.test_client()
    try:
        made = special_files(policies / "shop")
        started = time.monotonic()
        reload = client.post("/v1/admin/reload", headers={"Authorization": f"Bearer {TOKEN}"})
        assert reload.status_code == 200 and time.monotonic() - started < 10
        state = client.get("/v1/packs/shop").json
        assert state["serving"] and state["status"] == "failed"  # the last good version serves on
        found = {d["location"]["file"]: f"{d['code']} {d['message']}" for d in state["last_failure"]["diagnostics"]}
        for name, reason in made.items():
            key = f"policies/shop/{name}.rules"
            assert key in found and found[key].startswith(f"E001 cannot read `{key}`") and reason in found[key], found
        assert client.post("/v1/decide", json={"pack": "shop", "facts": CASE}).status_code == 200
    finally:
        close(app)


def test_the_watcher_reports_broken_edits_after_a_fifo_appears(tmp_path):
    policies = copy_policies(tmp_path)
    app = make_app(policies, reload_interval=0.1)
    client = app.test_client()
    try:
        os.mkfifo(policies / "shop" / "fifo.rules")
        deadline = time.monotonic() + 15
        while client.get("/v1/packs/shop").json["status"] != "failed":
            assert time.monotonic() < deadline
            time.sleep(0.1)
        os.unlink(policies / "shop" / "fifo.rules")
        edit(policies / "shop" / "orders.rules", "payment_period = 10 days", "payment_period = 10 dayz")
        while not any(d["code"] != "E001" for d in (client.get("/v1/packs/shop").json["last_failure"] or {"diagnostics": []})["diagnostics"]):
            assert time.monotonic() < deadline, "a broken edit after the FIFO was never reported"
            time.sleep(0.1)
    finally:
        close(app)


def test_security_headers_and_long_urls():
    app = make_app()
    client = app.test_client()
    try:
        page = client.get("/")
        policy = page.headers["Content-Security-Policy"]
        assert "frame-ancestors 'none'" in policy and "script-src 'self'" in policy and "object-src 'none'" in policy
        assert page.headers["X-Content-Type-Options"] == "nosniff" and page.headers["X-Frame-Options"] == "DENY"
        assert client.get("/health").headers["X-Content-Type-Options"] == "nosniff"
        long = client.get("/v1/packs/" + "x" * 10_000)
        assert long.status_code == 414 and long.json["code"] == "uri_too_long" and long.json["errors"][0]["path"] == "$"
    finally:
        close(app)


def test_the_revision_changes_with_the_files_even_under_the_same_version(tmp_path):
    policies = copy_policies(tmp_path)
    app = make_app(policies, admin_token=TOKEN)
    client = app.test_client()
    try:
        before = client.post("/v1/decide", json={"pack": "shop", "facts": CASE}).json
        orders = policies / "shop" / "orders.rules"
        orders.write_text(orders.read_text() + "\n# still being written\n")
        client.post("/v1/admin/reload", headers={"Authorization": f"Bearer {TOKEN}"})
        after = client.post("/v1/decide", json={"pack": "shop", "facts": CASE}).json
        assert before["version"] == after["version"] and before["revision"] != after["revision"]
        assert client.get("/v1/packs/shop").json["revision"] == after["revision"]
    finally:
        close(app)


def test_slow_clients_and_long_urls_on_the_real_server(tmp_path):
    served = Served(copy_policies(tmp_path), "--workers", "1", "--threads", "4", "--decision-log", "off").wait_ready()
    held = []
    try:
        for _ in range(8):  # bodies sent at a byte a second
            conn = socket.create_connection(("127.0.0.1", served.port))
            conn.sendall(b"POST /v1/decide HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: 999\r\n\r\n{")
            held.append(conn)
        for _ in range(8):  # headers never finished
            conn = socket.create_connection(("127.0.0.1", served.port))
            conn.sendall(b"GET /health HTTP/1.1\r\nHost: x\r\n")
            held.append(conn)
        time.sleep(0.5)
        for _ in range(5):
            started = time.monotonic()
            assert http(served.base, "/health", timeout=5)[0] == 200
            assert time.monotonic() - started < 0.5
            status, body, _ = http(served.base, "/v1/decide", {"pack": "shop", "facts": CASE}, timeout=5)
            assert status in (200, 503) and (status == 200 or body["code"] == "busy")
            time.sleep(0.2)
        status, body, _ = http(served.base, "/v1/packs/" + "x" * 10_000)
        assert status == 414 and body["code"] == "uri_too_long"
    finally:
        for conn in held:
            conn.close()
        served.stop()


def test_cli_messages_for_what_used_to_be_internal_errors(tmp_path):
    facts = tmp_path / "facts.json"
    facts.write_text('{"placed_on": "2026-01-01", "today": 1' + "0" * 5000 + "}")
    code, err = run_cli("decide", str(SHOP), "--facts", str(facts))
    assert code == 2 and "exceeds the limit (4300 digits)" in err and "internal error" not in err
    facts.write_text('{"placed_on": "2026-01-01", "placed_on": "2026-01-02"}')
    code, err = run_cli("decide", str(SHOP), "--facts", str(facts))
    assert code == 2 and "`placed_on` is sent twice" in err
    facts.write_text('{"placed_on": "2026-01-01", "delivery_days": ' + "9" * 400 + "}")
    code, err = run_cli("decide", str(SHOP), "--facts", str(facts))
    assert code == 2 and "facts.delivery_days: must be a number of at most 15 digits" in err
    result: list = []
    reader = threading.Thread(target=lambda: result.append(run_cli("decide", str(SHOP), "--facts", "/dev/zero")), daemon=True)
    reader.start()
    reader.join(30)
    assert result and result[0][0] == 2 and "more than 16 MiB" in result[0][1]
    junk = tmp_path / "junk.sqlite"
    junk.write_bytes(b"not a database" * 500)
    code, err = run_cli("serve", "--policies", str(SHOP.parent), "--decision-log", str(junk))
    assert code == 2 and "is not a decision log" in err and "Traceback" not in err
    (tmp_path / "blocked.sqlite.journal").write_text("a file where the journal's folder goes")
    code, err = run_cli("serve", "--policies", str(SHOP.parent), "--decision-log", str(tmp_path / "blocked.sqlite"))
    assert code == 2 and "cannot create the decision log's journal" in err and "Traceback" not in err
    log = tmp_path / "log.sqlite"
    DecisionLog(log).close()
    with sqlite3.connect(log) as conn:
        conn.execute("INSERT INTO decisions VALUES ('x', 't', 'shop', '1.0', 'not json', '{}', '{}', NULL, NULL)")
    code, err = run_cli("replay", "--log", str(log), "--pack", str(SHOP))
    assert code == 2 and "row x of the decision log is not JSON" in err


@pytest.mark.parametrize("argv", [["--workers", "0"], ["--port", "99999"]])
def test_serve_refuses_settings_that_serve_nothing(argv):
    code, err = run_cli("serve", "--policies", str(SHOP.parent), *argv)
    assert code == 2 and "internal error" not in err
