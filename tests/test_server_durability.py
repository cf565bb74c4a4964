"""The decision log loses nothing it acknowledged: `ruleproof serve` (two workers) under load,
its workers and then the whole process group killed with SIGKILL; every decision id a client
got with a 200 is in the log after a restart. And four concurrent batches of 10,000 cases are
logged whole (one transaction each), the workers' memory back near where it started."""

from __future__ import annotations

import os
import signal
import threading
import time
from http.client import HTTPException
from pathlib import Path

from ruleproof.server.decision_log import read_log
from server_support import CASE, Served, copy_policies, http, wait_for


def children(pid: int) -> list[int]:
    """The processes whose parent is `pid`."""
    out = []
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                stat = (entry / "stat").read_text()
            except OSError:
                continue
            if int(stat.rsplit(")", 1)[1].split()[1]) == pid:
                out.append(int(entry.name))
    return out


def rss_mb(pid: int) -> float:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    return 0.0


def test_kill_9_loses_no_acknowledged_decision(tmp_path):
    log = tmp_path / "decisions.sqlite"
    policies = copy_policies(tmp_path)
    served = Served(policies, "--workers", "2", "--decision-log", str(log)).wait_ready()
    acknowledged: list[str] = []
    stop = threading.Event()

    def load(n: int) -> None:
        while not stop.is_set():
            try:
                if n % 2:
                    status, body, _ = http(served.base, "/v1/decide/batch", {"pack": "shop", "cases": [CASE] * 20}, timeout=5)
                    ids = [r["decision_id"] for r in body.get("results", [])]
                else:
                    status, body, _ = http(served.base, "/v1/decide", {"pack": "shop", "facts": CASE}, timeout=5)
                    ids = [body["decision_id"]] if "decision_id" in body else []
            except (OSError, HTTPException, ValueError):
                time.sleep(0.01)  # a killed worker's connection; the master starts another
                continue
            if status == 200:
                acknowledged.extend(ids)

    clients = [threading.Thread(target=load, args=(n,)) for n in range(4)]
    try:
        for t in clients:
            t.start()
        wait_for(lambda: len(acknowledged) > 500, timeout=30)
        for pid in children(served.proc.pid):  # the workers first, under load
            os.kill(pid, signal.SIGKILL)
        before = len(acknowledged)
        wait_for(lambda: len(acknowledged) > before + 500, timeout=60)  # new workers took over
        served.kill_all()  # then the master and every worker at once
        time.sleep(0.5)
    finally:
        stop.set()
        for t in clients:
            t.join()
        served.stop()
    restarted = Served(policies, "--workers", "2", "--decision-log", str(log)).wait_ready()
    restarted.stop()
    logged = {row.decision_id for row in read_log(log)}
    missing = set(acknowledged) - logged
    print(f"{len(acknowledged)} acknowledged, {len(logged)} logged, {len(missing)} missing")
    assert acknowledged and not missing


def test_four_concurrent_batches_of_10000_are_logged_whole(tmp_path):
    log = tmp_path / "decisions.sqlite"
    served = Served(copy_policies(tmp_path), "--workers", "2", "--decision-log", str(log)).wait_ready()
    try:
        workers = children(served.proc.pid)
        # every worker warmed (its pack's plans and the request path's caches built) before the
        # baseline: concurrent small batches until each has grown (the accepting worker is the
        # kernel's choice: a few rounds may all land on one), at most 20 rounds
        cold = {pid: rss_mb(pid) for pid in workers}
        warm_batches = 0
        for round_ in range(20):
            warm = [threading.Thread(target=http, args=(served.base, "/v1/decide/batch", {"pack": "shop", "cases": [CASE] * 100}))
                    for _ in range(4)]
            for t in warm:
                t.start()
            for t in warm:
                t.join()
            warm_batches += len(warm)
            if round_ >= 1 and all(rss_mb(pid) > cold[pid] + 20 for pid in workers):
                break
        baseline = {pid: rss_mb(pid) for pid in workers}
        answers: list[tuple[int, dict]] = []

        def batch(n: int) -> None:
            cases = [{**CASE, "today": f"2026-01-{10 + n:02d}"}] * 10_000
            status, body, _ = http(served.base, "/v1/decide/batch", {"pack": "shop", "cases": cases}, timeout=120)
            answers.append((status, body))

        threads = [threading.Thread(target=batch, args=(n,)) for n in range(4)]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
        assert [status for status, _ in answers] == [200] * 4
        ids = {r["decision_id"] for _, body in answers for r in body["results"]}
        assert len(ids) == 40_000
        after = {pid: rss_mb(pid) for pid in workers}
        print("worker RSS MB before/after:", {pid: (round(baseline[pid]), round(after[pid])) for pid in workers})
        assert all(after[pid] < baseline[pid] + 60 for pid in workers), (baseline, after)
    finally:
        served.stop()
    logged = {row.decision_id for row in read_log(log)}
    assert ids <= logged and len(logged) == 40_000 + warm_batches * 100
