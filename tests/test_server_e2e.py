"""End to end: `ruleproof serve` (gunicorn, two workers) on a free loopback port, queried with
urllib, then stopped with SIGTERM."""

from __future__ import annotations

import http.client
import json
import os
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request

import pytest
from ruleproof.server.decision_log import read_log
from server_support import CASE, CASE_DECISIONS, REPO, copy_policies, wait_for


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def call(base: str, path: str, body: dict | None = None, headers: dict | None = None) -> tuple[int, dict | str]:
    data = json.dumps(body).encode() if body is not None else None
    request = urllib.request.Request(base + path, data=data, headers={"Content-Type": "application/json", **(headers or {})})
    try:
        with urllib.request.urlopen(request, timeout=30) as response:
            status, text, kind = response.status, response.read().decode(), response.headers.get_content_type()
    except urllib.error.HTTPError as err:
        status, text, kind = err.code, err.read().decode(), err.headers.get_content_type()
    return status, json.loads(text) if kind == "application/json" else text


@pytest.fixture()
def served(tmp_path):
    port = free_port()
    log = tmp_path / "decisions.sqlite"
    env = {**os.environ, "RULEPROOF_ADMIN_TOKEN": "e2e-token"}
    env.pop("PROMETHEUS_MULTIPROC_DIR", None)
    proc = subprocess.Popen(
        [sys.executable, "-m", "ruleproof", "serve", "--port", str(port), "--workers", "2",
         "--policies", str(copy_policies(tmp_path)), "--decision-log", str(log)],
        cwd=REPO, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
    )
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 60
        while True:
            if proc.poll() is not None:
                pytest.fail("ruleproof serve exited early:\n" + proc.stdout.read())
            try:
                if call(base, "/ready")[0] == 200:
                    break
            except OSError:
                pass
            if time.monotonic() > deadline:
                pytest.fail("ruleproof serve did not become ready within 60 s")
            time.sleep(0.2)
        yield base, proc, log
    finally:
        if proc.poll() is None:
            proc.send_signal(signal.SIGTERM)
            try:
                proc.wait(timeout=30)
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait()


def test_serve_end_to_end(served):
    base, proc, log = served
    assert call(base, "/health") == (200, {"status": "ok"})
    status, body = call(base, "/v1/decide", {"pack": "shop", "facts": CASE})
    assert status == 200 and body["decisions"] == CASE_DECISIONS
    decision_id = body["decision_id"]
    status, body = call(base, "/v1/decide/batch", {"pack": "shop", "cases": [CASE] * 5})
    assert status == 200 and body["decided"] == 5
    status, body = call(base, "/v1/decide", {"pack": "shop", "facts": {"today": "x"}})
    assert status == 422 and body["errors"][0]["path"] == "facts.today"
    assert call(base, "/v1/packs/../../etc/passwd")[0] == 404
    # the size limit holds for chunked bodies too (they have no Content-Length to check first)
    big = json.dumps({"pack": "shop", "facts": {"x": "y" * (1024 * 1024 + 100_000)}}).encode()  # the limit is 1 MiB
    for _attempt in range(3):  # the server may answer and close while the rest is still being sent: a broken pipe
        conn = http.client.HTTPConnection("127.0.0.1", int(base.rsplit(":", 1)[1]), timeout=30)
        try:
            conn.request("POST", "/v1/decide", body=iter([big[i:i + 65536] for i in range(0, len(big), 65536)]),
                         headers={"Content-Type": "application/json"}, encode_chunked=True)
            response = conn.getresponse()
            answer = response.status, json.loads(response.read())["code"]
            break
        except (BrokenPipeError, ConnectionResetError):
            continue
        finally:
            conn.close()
    assert answer == (413, "payload_too_large")
    status, body = call(base, "/v1/validate", {"pack": "shop"})
    assert status == 200 and body["ok"] is True
    loads = 'ruleproof_pack_loads_total{outcome="loaded",pack="shop"}'
    wait_for(lambda: f"{loads} 2.0" in call(base, "/metrics")[1])  # both workers have loaded the pack
    status, body = call(base, "/v1/admin/reload", {}, {"Authorization": "Bearer e2e-token"})
    assert status == 200 and body["packs"][0]["outcome"] == "loaded"  # in whichever worker answered
    # ... and the other worker follows through the reload stamp: 2 first loads + 2 reloads
    wait_for(lambda: f"{loads} 4.0" in call(base, "/metrics")[1])
    # many requests, so that both workers answer some; metrics add up over the workers
    for _ in range(20):
        assert call(base, "/v1/decide", {"pack": "shop", "facts": CASE})[0] == 200
    # each worker hands its counts to the shared metrics within a second
    decided = 'ruleproof_decisions_total{pack="shop"} 26.0'
    wait_for(lambda: decided in call(base, "/metrics")[1], timeout=5)
    status, text = call(base, "/v1/openapi.json")
    assert status == 200 and text["openapi"] == "3.1.0"

    proc.send_signal(signal.SIGTERM)
    output, _ = proc.communicate(timeout=30)
    assert proc.returncode == 0, output
    assert "Traceback" not in output, output
    rows = list(read_log(log))
    assert len(rows) == 26 and decision_id in {r.decision_id for r in rows}
