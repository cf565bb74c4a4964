"""Analysis is isolated from decisions: many concurrent pathological validations (40
non-linear `never` properties each) while /health and /v1/decide are timed. Each answer is
bounded: decisions and health checks at once, admitted validations within their deadline,
surplus validations refused at once with 503 and Retry-After."""

from __future__ import annotations

import statistics
import threading
import time

import pytest
from server_support import CASE, CASE_DECISIONS, Served, copy_policies, http

DEADLINE_S = 8
HEAVY = "\n".join(
    ["pack heavy version \"1\"", "fact price: money USD", "fact rate_a: decimal", "fact rate_b: decimal",
     "fact rate_c: decimal", "assume rates_above_one: rate_a > 1 and rate_b > 1 and rate_c > 1",
     "decision fee: money USD = price * rate_a * rate_a * rate_a + price * rate_b * rate_b * rate_b"]
    + [f"property cube_{n} cite \"test\": never price > {n} USD and fee == price * rate_c * rate_c * rate_c"
       for n in range(40)]) + "\n"


@pytest.fixture()
def server(tmp_path):
    served = Served(copy_policies(tmp_path), "--workers", "2", "--threads", "4", "--decision-log", "off",
                    env={"RULEPROOF_CHECK_TIMEOUT_MS": "3000", "RULEPROOF_CHECK_DEADLINE_S": str(DEADLINE_S)})
    try:
        yield served.wait_ready().base
    finally:
        served.stop()


def test_pathological_validations_never_hold_up_decisions(server):
    answers: list[tuple[float, int, dict, dict]] = []

    def validate() -> None:
        began = time.monotonic()
        status, body, headers = http(server, "/v1/validate", {"files": {"heavy.rules": HEAVY}}, timeout=60)
        answers.append((time.monotonic() - began, status, body, headers))

    validations = [threading.Thread(target=validate) for _ in range(10)]
    for t in validations:
        t.start()
    time.sleep(1.0)
    timed: dict[str, list[float]] = {"/health": [], "/v1/decide": []}
    until = time.monotonic() + DEADLINE_S
    while time.monotonic() < until:
        for path, body in (("/health", None), ("/v1/decide", {"pack": "shop", "facts": CASE})):
            began = time.monotonic()
            status, answer, _ = http(server, path, body, timeout=10)
            timed[path].append(time.monotonic() - began)
            assert status == 200
            if path == "/v1/decide":
                assert answer["decisions"] == CASE_DECISIONS
        time.sleep(0.02)
    for t in validations:
        t.join(timeout=60)

    health, decide = sorted(timed["/health"]), sorted(timed["/v1/decide"])
    print(f"health median {statistics.median(health) * 1000:.1f} ms, max {health[-1] * 1000:.1f} ms; "
          f"decide median {statistics.median(decide) * 1000:.1f} ms, max {decide[-1] * 1000:.1f} ms; "
          f"validations {[(status, round(seconds, 1)) for seconds, status, _, _ in answers]}")
    assert len(answers) == 10
    assert health[int(len(health) * 0.95)] < 0.1 and health[-1] < 1.0
    assert decide[int(len(decide) * 0.95)] < 0.1 and decide[-1] < 1.0
    refused = [(s, b, h) for s, status, b, h in answers if status == 503 and b["code"] == "busy"]
    admitted = [(s, status, b) for s, status, b, _ in answers if not (status == 503 and b["code"] == "busy")]
    # one admitted at most per check thread's slot: 2 per process, 2 processes
    assert len(refused) >= 6 and len(admitted) <= 4
    for seconds, _, headers in refused:
        assert seconds < 1.0 and int(headers["Retry-After"]) > 0
    for seconds, status, body in admitted:
        # queueing counts against the deadline: never more than the deadline (plus a margin)
        assert seconds < DEADLINE_S + 2.0, (seconds, status, body)
        assert status == 200 or (status == 503 and body["code"] == "check_timeout")
