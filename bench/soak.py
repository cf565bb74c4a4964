"""Soak test: `ruleproof serve` under the benchmark's load for a bounded time, on loopback.

Run from the repository root: ``python bench/soak.py`` (``--help`` for the knobs). It starts
``ruleproof serve`` as bench/http.py does (gunicorn, 2 workers x 4 threads, the bundled
policies, the decision log on in a temporary SQLite file, the watcher on), warms it up, then for
``--duration`` seconds (60) drives it at the benchmark's rate: closed-loop single decisions
(``POST /v1/decide``, the refund question of bench.peers.cases) over 8 keep-alive connections
from wrk (or Python threads without wrk), while one more client asks for a batch of 100 cases,
/health, /ready, /v1/packs and /metrics in turn, without pause.

It reports:

* requests, rate and errors (any answer but a 200, any socket error) of both clients;
* the resident memory (VmRSS from /proc) of gunicorn's master and each worker, sampled every
  5 s from the end of the warm-up: first, last, peak and growth;
* the decision log: the server is stopped (SIGTERM flushes the log), then the rows in the file are
  counted against the decisions answered (every 200 of /v1/decide, every case of a batch):
  nothing may be lost, and the log's dropped counter must be 0. (The server's count of decisions,
  ruleproof_decisions_total, is the reference: a load generator that stops does not count the
  answers still in flight, at most one per connection.)

The load is bounded in time and goes to 127.0.0.1 only. Exit status 1 if anything failed.
"""

from __future__ import annotations

import os
import sys

# As in bench/http.py: run as a script, this folder would shadow the standard library's `http`.
_HERE = os.path.dirname(os.path.abspath(__file__))
sys.path[:] = [p for p in sys.path if os.path.abspath(p or ".") != _HERE]

import argparse  # noqa: E402
import http.client  # noqa: E402
import json  # noqa: E402
import platform  # noqa: E402
import shutil  # noqa: E402
import sqlite3  # noqa: E402
import threading  # noqa: E402
import time  # noqa: E402
from pathlib import Path  # noqa: E402

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

import subprocess  # noqa: E402
import tempfile  # noqa: E402

from bench.http import Server, bodies_for, free_port, run_python, run_wrk  # noqa: E402


class SoakServer(Server):
    """bench/http.py's server, but as production runs: the watcher on, the decision log on."""

    def __init__(self, workers: int, threads: int, policies: Path, log: bool = True):  # no super().__init__: it starts a server
        self.port = free_port()
        self.tmp = tempfile.mkdtemp(prefix="ruleproof-soak-")
        self.log_file = Path(self.tmp) / "decisions.sqlite" if log else None
        args = [sys.executable, "-m", "ruleproof", "serve", "--port", str(self.port), "--workers", str(workers),
                "--threads", str(threads), "--policies", str(policies),
                "--decision-log", str(self.log_file) if log else "off"]
        env = {k: v for k, v in os.environ.items() if k != "PROMETHEUS_MULTIPROC_DIR"}
        self.proc = subprocess.Popen(args, cwd=ROOT, env=env, stdout=subprocess.DEVNULL,
                                     stderr=open(Path(self.tmp) / "serve.log", "w"))
        self.base = f"http://127.0.0.1:{self.port}"


def rss_kib(pid: int) -> int | None:
    """Resident memory of a process in KiB (VmRSS), None once it is gone."""
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith("VmRSS:"):
                return int(line.split()[1])
    except OSError:
        return None
    return None


def server_processes(master: int) -> dict[int, str]:
    """gunicorn's master and its workers (children), by pid."""
    found = {master: "master"}
    for entry in os.listdir("/proc"):
        if entry.isdigit():
            try:
                fields = Path(f"/proc/{entry}/stat").read_text().rsplit(")", 1)[1].split()
            except OSError:
                continue
            if int(fields[1]) == master:
                found[int(entry)] = "worker"
    return found


class Mixer(threading.Thread):
    """One keep-alive client cycling through a batch, /health, /ready, /v1/packs and /metrics."""

    def __init__(self, port: int, batch: str, batch_cases: int):
        super().__init__(daemon=True)
        self.port, self.batch, self.batch_cases = port, batch.encode(), batch_cases
        self.stop = threading.Event()
        self.requests = self.errors = self.cases = 0
        self.failures: list[str] = []

    def run(self) -> None:
        conn = http.client.HTTPConnection("127.0.0.1", self.port, timeout=30)
        calls = [("POST", "/v1/decide/batch", self.batch), ("GET", "/health", None), ("GET", "/ready", None),
                 ("GET", "/v1/packs", None), ("GET", "/metrics", None)]
        i = 0
        while not self.stop.is_set():
            method, path, body = calls[i % len(calls)]
            i += 1
            try:
                conn.request(method, path, body, {"Content-Type": "application/json"} if body else {})
                response = conn.getresponse()
                data = response.read()
            except OSError as err:
                self.errors += 1
                self.failures.append(f"{path}: {err}")
                conn.close()
                conn = http.client.HTTPConnection("127.0.0.1", self.port, timeout=30)
                continue
            self.requests += 1
            if response.status != 200:
                self.errors += 1
                self.failures.append(f"{path}: {response.status} {data[:200]!r}")
            elif path == "/v1/decide/batch":
                self.cases += json.loads(data)["decided"]
        conn.close()


def metric(text: str, name: str) -> float:
    return sum(float(line.split()[-1]) for line in text.splitlines() if line.startswith(name + " ") or
               line.startswith(name + "{"))


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--duration", type=float, default=60.0, help="seconds of load after the warm-up")
    parser.add_argument("--warmup", type=float, default=10.0, help="seconds of load before the first memory sample")
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--threads", type=int, default=4)
    parser.add_argument("--connections", type=int, default=8, help="keep-alive connections for single decisions")
    parser.add_argument("--batch-size", type=int, default=100, help="cases per batch of the mixed client")
    parser.add_argument("--policies", type=Path, default=ROOT / "policies")
    parser.add_argument("--tool", choices=["auto", "wrk", "python"], default="auto")
    parser.add_argument("--json", type=Path, help="also write the results here")
    parser.add_argument("--no-log", action="store_true", help="turn the decision log off (to tell its memory apart)")
    args = parser.parse_args(argv)
    tool = args.tool if args.tool != "auto" else ("wrk" if shutil.which("wrk") else "python")
    load = run_wrk if tool == "wrk" else run_python
    single, batches = bodies_for("marketplace", ["refund_request_allowed"], args.batch_size, 2000)

    print(f"# {platform.python_implementation()} {platform.python_version()}, {os.cpu_count()} cores, load: {tool}, "
          f"{args.workers} x {args.threads}, {args.connections} connections + 1 mixed client, "
          f"{args.duration:g} s after {args.warmup:g} s of warm-up; load average "
          f"{' '.join(f'{x:.2f}' for x in os.getloadavg())}", flush=True)
    server = SoakServer(args.workers, args.threads, args.policies, log=not args.no_log)
    log_file = server.log_file
    result: dict = {"tool": tool, "workers": args.workers, "threads": args.threads, "duration_s": args.duration}
    try:
        server.wait_ready()
        url = server.base + "/v1/decide"
        warm = load(url, single, args.connections, args.warmup)
        mixer = Mixer(server.port, batches[0], args.batch_size)
        mixer.start()
        procs = server_processes(server.proc.pid)
        samples: list[tuple[float, dict[int, int | None]]] = []
        stop_sampling = threading.Event()

        def sample() -> None:
            began = time.monotonic()
            while True:
                samples.append((time.monotonic() - began, {pid: rss_kib(pid) for pid in procs}))
                if stop_sampling.wait(5.0):
                    samples.append((time.monotonic() - began, {pid: rss_kib(pid) for pid in procs}))
                    return

        sampler = threading.Thread(target=sample, daemon=True)
        sampler.start()
        main_load = load(url, single, args.connections, args.duration)
        stop_sampling.set()
        sampler.join()
        mixer.stop.set()
        mixer.join(timeout=30)
        time.sleep(1.5)  # each worker adds its counts to the shared metrics every second
        with urllib_open(server.base + "/metrics") as text:
            dropped = metric(text, "ruleproof_decision_log_dropped_total")
            decided_metric = metric(text, "ruleproof_decisions_total")
    finally:
        server.proc.send_signal(15)
        try:
            server.proc.wait(timeout=60)
        except subprocess.TimeoutExpired:
            server.proc.kill()
            server.proc.wait()
    try:
        rows = sqlite3.connect(log_file).execute(  # a batch is one row holding its decided cases
            "SELECT (SELECT count(*) FROM decisions) + (SELECT coalesce(sum(cases), 0) FROM decision_batches)"
        ).fetchone()[0] if log_file else None
    finally:
        shutil.rmtree(server.tmp, ignore_errors=True)

    memory = {}
    for pid, role in procs.items():
        values = [s[pid] for _, s in samples if s.get(pid) is not None]
        if values:
            memory[f"{role} {pid}"] = {"first_kib": values[0], "last_kib": values[-1], "peak_kib": max(values),
                                      "growth_kib": values[-1] - values[0],
                                      "growth_pct": round(100 * (values[-1] - values[0]) / values[0], 2),
                                      "series_kib": values}
    # the clients' count misses the answers in flight when a load generator stops (at most one per
    # connection); the server's own count of decisions is the one every row must match
    answered = warm["requests"] + main_load["requests"] + mixer.cases
    decided = int(decided_metric)
    errors = warm["failed"] + main_load["failed"] + mixer.errors
    failed = errors > 0 or not answered <= decided <= answered + 2 * args.connections
    if log_file is not None:
        failed = failed or rows != decided or dropped > 0
    else:
        rows = decided  # no log: nothing to count
    result.update({
        "single": {"requests": main_load["requests"], "per_s": round(main_load["per_s"], 1),
                   "p50_ms": round(main_load["p50_ms"], 2), "p99_ms": round(main_load["p99_ms"], 2),
                   "errors": main_load["failed"]},
        "warmup": {"requests": warm["requests"], "errors": warm["failed"]},
        "mixed": {"requests": mixer.requests, "batch_cases": mixer.cases, "errors": mixer.errors,
                  "failures": mixer.failures[:5]},
        "memory": memory, "rss_samples": len(samples),
        "decision_log": {"decisions_answered_to_clients": answered, "decisions_made": decided, "rows": rows,
                         "dropped_metric": dropped, "lost": decided - rows},
        "load_average_after": [round(x, 2) for x in os.getloadavg()],
    })
    print(json.dumps(result, indent=1))
    worst = max((m["growth_kib"] for m in memory.values()), default=0)
    print(f"# {main_load['requests']:,} single decisions in {args.duration:g} s ({main_load['per_s']:,.0f}/s, p99 "
          f"{main_load['p99_ms']:.1f} ms) + {mixer.requests:,} mixed requests ({mixer.cases:,} batch cases); "
          f"errors {errors}; worker RSS growth at most {worst:,} KiB; decision log {rows:,} rows for {decided:,} "
          f"decisions ({decided - rows} lost, {dropped:g} dropped)")
    if args.json:
        args.json.write_text(json.dumps(result, indent=1) + "\n")
    return 1 if failed else 0


class urllib_open:
    """GET a URL's text (a context manager, for symmetry with urlopen)."""

    def __init__(self, url: str):
        import urllib.request

        self.response = urllib.request.urlopen(url, timeout=30)

    def __enter__(self) -> str:
        return self.response.read().decode()

    def __exit__(self, *exc) -> None:
        self.response.close()


if __name__ == "__main__":
    sys.exit(main())
