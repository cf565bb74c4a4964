"""HTTP service throughput and latency: `ruleproof serve` on loopback, under granian and under
gunicorn (gthread workers), side by side with a minimal Flask app on gunicorn (the reference,
bench/reference_app.py: the same routes and workers, no decision, no log).

Run from the repository root: ``python bench/http.py`` (``--help`` for the knobs). For each
worker x thread configuration and each server it starts the server on a free loopback port,
waits for /ready, and measures:

* single decisions: POST /v1/decide, one case per request, over ``--connections`` keep-alive
  connections (closed loop: each connection sends its next request when the answer is in);
* batch decisions: POST /v1/decide/batch, ``--batch-size`` cases per request, over
  ``--batch-connections`` connections; decisions/s counts cases.

Load comes from ``wrk`` when it is installed (C, one thread, a Lua script cycling through the
request bodies) and otherwise from Python threads with ``http.client`` keep-alive connections
(that generator costs more CPU than wrk, and it shares the two cores with the server).
Latency is per request: p50 and p99 from wrk's histogram, or from every sample in Python.
The cases are ``bench.peers.cases.generate`` (the refund-request rule, the same cases the
peer benchmark uses), decided by the bundled marketplace pack; by default only the decision
``refund_request_allowed`` is asked for (``--all-decisions`` asks for every decision).
Every request must answer 200; anything else is counted and reported. The decision log is on
(a temporary SQLite file), as in production, unless ``--no-log``. With ``--rounds N`` every
server is measured N times, the servers taking turns (a neighbour's burst then hits one round
of each, not all rounds of one), and the medians and their ratio to the reference close the
report.
"""

from __future__ import annotations

import os
import sys

# Run as a script, this file's folder comes first on sys.path, and this file would shadow the
# standard library's `http` package (which urllib needs too): drop the folder before importing.
_HERE = os.path.dirname(os.path.abspath(__file__))
sys.path[:] = [p for p in sys.path if os.path.abspath(p or ".") != _HERE]

import argparse  # noqa: E402
import http.client  # noqa: E402
import json  # noqa: E402
import platform  # noqa: E402
import resource  # noqa: E402
import shutil  # noqa: E402
import signal  # noqa: E402
import socket  # noqa: E402
import statistics  # noqa: E402
import subprocess  # noqa: E402
import tempfile  # noqa: E402
import threading  # noqa: E402
import time  # noqa: E402
import urllib.request  # noqa: E402
from pathlib import Path  # noqa: E402

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench.peers.cases import generate  # noqa: E402

GOALS = {"single_per_s": 6000, "batch_per_s": 300_000, "single_p99_ms": 5.0, "single_vs_reference": 1.5}


# ------------------------------------------------------------------ the server


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


SERVERS = ("granian", "gunicorn", "reference")


class Server:
    """`ruleproof serve --server KIND`, or the reference app on gunicorn, in a subprocess;
    stopped with SIGTERM to its own pid."""

    def __init__(self, workers: int, threads: int, policies: Path, log: bool, kind: str = "granian"):
        self.port = free_port()
        self.tmp = tempfile.mkdtemp(prefix="ruleproof-bench-")
        if kind == "reference":
            args = [sys.executable, "-m", "gunicorn", "-w", str(workers), "-k", "gthread", "--threads", str(threads),
                    "-b", f"127.0.0.1:{self.port}", "--keep-alive", "30", "bench.reference_app:app"]
        else:
            args = [sys.executable, "-m", "ruleproof", "serve", "--port", str(self.port), "--workers", str(workers),
                    "--threads", str(threads), "--policies", str(policies), "--reload-interval", "0", "--server", kind,
                    "--decision-log", str(Path(self.tmp) / "decisions.sqlite") if log else "off"]
        env = {k: v for k, v in os.environ.items() if k != "PROMETHEUS_MULTIPROC_DIR"}
        self.proc = subprocess.Popen(args, cwd=ROOT, env=env, stdout=subprocess.DEVNULL, stderr=open(Path(self.tmp) / "serve.log", "w"))
        self.base = f"http://127.0.0.1:{self.port}"

    def wait_ready(self, timeout: float = 120) -> None:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                raise RuntimeError("ruleproof serve exited:\n" + (Path(self.tmp) / "serve.log").read_text())
            try:
                with urllib.request.urlopen(self.base + "/ready", timeout=2) as response:
                    if response.status == 200:
                        return
            except OSError:
                pass
            time.sleep(0.2)
        raise RuntimeError("ruleproof serve did not become ready")

    def cpu_seconds(self) -> float | None:
        """CPU time (user + system) of gunicorn's master and workers so far; None off Linux."""
        try:
            tick = os.sysconf("SC_CLK_TCK")
            total = 0
            for entry in os.listdir("/proc"):
                if not entry.isdigit():
                    continue
                try:
                    fields = Path(f"/proc/{entry}/stat").read_text().rsplit(")", 1)[1].split()
                except OSError:
                    continue
                pid, ppid = int(entry), int(fields[1])
                if pid == self.proc.pid or ppid == self.proc.pid:
                    total += int(fields[11]) + int(fields[12])
            return total / tick
        except (OSError, ValueError):
            return None

    def stop(self) -> None:
        if self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
            try:
                self.proc.wait(timeout=30)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
        shutil.rmtree(self.tmp, ignore_errors=True)


# ------------------------------------------------------------------ load generators


def run_wrk(url: str, bodies: list[str], connections: int, duration: float) -> dict:
    """Closed-loop load with wrk; returns requests/s, p50/p99 in ms, and failures."""
    script = Path(tempfile.mkdtemp(prefix="ruleproof-wrk-")) / "bodies.lua"
    table = ",\n".join(f"[==[{b}]==]" for b in bodies)
    script.write_text(f"""
local bodies = {{
{table}
}}
local i = 0
wrk.method = "POST"
wrk.headers["Content-Type"] = "application/json"
request = function()
  i = i % #bodies + 1
  return wrk.format(nil, nil, nil, bodies[i])
end
done = function(summary, latency, requests)
  local e = summary.errors
  io.write(string.format('RESULT {{"requests": %d, "seconds": %f, "p50_ms": %f, "p99_ms": %f, "failed": %d}}\\n',
    summary.requests, summary.duration / 1e6, latency:percentile(50) / 1000, latency:percentile(99) / 1000,
    e.connect + e.read + e.write + e.timeout + e.status))
end
""")
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    run = subprocess.run(["wrk", "-t1", f"-c{connections}", f"-d{max(1, round(duration))}s", "-s", str(script), url],
                         capture_output=True, text=True)
    if run.returncode != 0:
        raise RuntimeError(f"wrk failed: {run.stderr or run.stdout}")
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    out = run.stdout
    shutil.rmtree(script.parent, ignore_errors=True)
    result = json.loads(next(line for line in out.splitlines() if line.startswith("RESULT "))[7:])
    result["per_s"] = result["requests"] / result["seconds"]
    result["generator_cpu_s"] = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    return result


def run_python(url: str, bodies: list[str], connections: int, duration: float) -> dict:
    """Closed-loop load from threads, each with one keep-alive http.client connection."""
    host, port_path = url.split("//", 1)[1].split(":", 1)
    port, path = port_path.split("/", 1)
    path = "/" + path
    samples: list[list[float]] = [[] for _ in range(connections)]
    failed = [0] * connections
    start = threading.Barrier(connections + 1)
    deadline = [0.0]

    def worker(n: int) -> None:
        conn = http.client.HTTPConnection(host, int(port), timeout=30)
        encoded = [b.encode() for b in bodies]
        headers = {"Content-Type": "application/json"}
        i = n
        mine = samples[n]
        start.wait()
        while True:
            t0 = time.perf_counter()
            if t0 >= deadline[0]:
                break
            conn.request("POST", path, encoded[i % len(encoded)], headers)
            response = conn.getresponse()
            response.read()
            mine.append(time.perf_counter() - t0)
            if response.status != 200:
                failed[n] += 1
            i += connections
        conn.close()

    threads = [threading.Thread(target=worker, args=(n,)) for n in range(connections)]
    cpu_before = time.process_time()
    for t in threads:
        t.start()
    deadline[0] = time.perf_counter() + duration
    began = time.perf_counter()
    start.wait()
    for t in threads:
        t.join()
    seconds = time.perf_counter() - began
    all_samples = sorted(s for part in samples for s in part)
    n = len(all_samples)
    return {"requests": n, "seconds": seconds, "per_s": n / seconds, "failed": sum(failed),
            "generator_cpu_s": time.process_time() - cpu_before,
            "p50_ms": statistics.median(all_samples) * 1000 if n else float("nan"),
            "p99_ms": all_samples[min(n - 1, int(0.99 * n))] * 1000 if n else float("nan")}


# ------------------------------------------------------------------ the benchmark


def bodies_for(pack: str, decisions: list[str] | None, batch_size: int, cases: int) -> tuple[list[str], list[str]]:
    facts = [c.facts for c in generate(cases)]
    extra = {"decisions": decisions} if decisions else {}
    single = [json.dumps({"pack": pack, "facts": f, **extra}) for f in facts]
    batches = [json.dumps({"pack": pack, "cases": [facts[(i * batch_size + j) % len(facts)] for j in range(batch_size)],
                           **extra}) for i in range(4)]
    return single, batches


def measure(config: tuple[int, int], kind: str, args, single: list[str], batches: list[str], load) -> dict:
    workers, threads = config
    server = Server(workers, threads, args.policies, log=not args.no_log, kind=kind)
    try:
        server.wait_ready()
        def timed(path: str, bodies: list[str], connections: int) -> dict:
            load(server.base + path, bodies, connections, min(2.0, args.duration))  # warm-up
            cpu = server.cpu_seconds()
            result = load(server.base + path, bodies, connections, args.duration)
            used = server.cpu_seconds()
            if cpu is not None and used is not None and result["requests"]:
                result["server_cpu_us_per_request"] = (used - cpu) / result["requests"] * 1e6
            result["generator_cpu_us_per_request"] = result["generator_cpu_s"] / max(1, result["requests"]) * 1e6
            return result

        one = timed("/v1/decide", single, args.connections)
        many = timed("/v1/decide/batch", batches, args.batch_connections)
    finally:
        server.stop()
    return {"workers": workers, "threads": threads, "server": kind, "single": one,
            "batch": {**many, "cases_per_s": many["per_s"] * args.batch_size}}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--configs", default="2x4,2x2",
                        help="WORKERSxTHREADS configurations to try, comma-separated (threads >= 2)")
    parser.add_argument("--servers", default=",".join(SERVERS), help=f"servers to measure, of {', '.join(SERVERS)}")
    parser.add_argument("--duration", type=float, default=10.0, help="seconds of load per measurement")
    parser.add_argument("--connections", type=int, default=8, help="keep-alive connections for single decisions")
    parser.add_argument("--batch-connections", type=int, default=4, help="keep-alive connections for batches")
    parser.add_argument("--batch-size", type=int, default=1000, help="cases per batch request")
    parser.add_argument("--policies", type=Path, default=ROOT / "policies")
    parser.add_argument("--pack", default="marketplace")
    parser.add_argument("--decision", action="append", help="decision to ask for (repeatable; default refund_request_allowed)")
    parser.add_argument("--all-decisions", action="store_true", help="ask for every decision of the pack")
    parser.add_argument("--tool", choices=["auto", "wrk", "python"], default="auto")
    parser.add_argument("--no-log", action="store_true", help="turn the decision log off")
    parser.add_argument("--json", type=Path, help="also write the results here")
    parser.add_argument("--rounds", type=int, default=1, help="measure every server this many times, in turns")
    args = parser.parse_args(argv)

    tool = args.tool if args.tool != "auto" else ("wrk" if shutil.which("wrk") else "python")
    load = run_wrk if tool == "wrk" else run_python
    decisions = None if args.all_decisions else (args.decision or ["refund_request_allowed"])
    single, batches = bodies_for(args.pack, decisions, args.batch_size, 2000)
    configs = [tuple(int(x) for x in c.split("x")) for c in args.configs.split(",")]

    print(f"# {platform.python_implementation()} {platform.python_version()}, {os.cpu_count()} cores, load generator: {tool}, "
          f"decision log: {'off' if args.no_log else 'on'}, pack {args.pack}, decisions: {', '.join(decisions or ['all'])}")
    print(f"# load average before: {' '.join(f'{x:.2f}' for x in os.getloadavg())}")
    print(f"{'server':>9} {'workers x threads':>17} | {'single/s':>9} {'p50 ms':>7} {'p99 ms':>7} {'cpu µs':>7} | {'batch cases/s':>13} "
          f"{'p50 ms':>8} {'p99 ms':>8} {'cpu µs/case':>11} | failed")
    results = []
    for config, kind in ((c, k) for c in configs for _ in range(max(1, args.rounds)) for k in args.servers.split(",")):
        r = measure(config, kind, args, single, batches, load)
        results.append(r)
        s, b = r["single"], r["batch"]
        label = f"{r['workers']} x {r['threads']}"
        cpu_single = s.get("server_cpu_us_per_request", float("nan"))
        cpu_case = b.get("server_cpu_us_per_request", float("nan")) / args.batch_size
        print(f"{kind:>9} {label:>17} | "
              f"{s['per_s']:>9,.0f} {s['p50_ms']:>7.2f} {s['p99_ms']:>7.2f} {cpu_single:>7.0f} | {b['cases_per_s']:>13,.0f} "
              f"{b['p50_ms']:>8.1f} {b['p99_ms']:>8.1f} {cpu_case:>11.1f} | {s['failed'] + b['failed']}", flush=True)
    print(f"# load average after: {' '.join(f'{x:.2f}' for x in os.getloadavg())}")
    ours = [r for r in results if r["server"] != "reference"] or results
    best_single = max(ours, key=lambda r: r["single"]["per_s"])
    best_batch = max(ours, key=lambda r: r["batch"]["cases_per_s"])
    print(f"# goals: single >= {GOALS['single_per_s']:,}/s with p99 < {GOALS['single_p99_ms']} ms -> best "
          f"{best_single['single']['per_s']:,.0f}/s, p99 {best_single['single']['p99_ms']:.2f} ms "
          f"({best_single['server']} {best_single['workers']}x{best_single['threads']}); batch >= {GOALS['batch_per_s']:,}/s -> best "
          f"{best_batch['batch']['cases_per_s']:,.0f}/s ({best_batch['server']} {best_batch['workers']}x{best_batch['threads']})")
    if args.rounds > 1:
        print(medians(results))
    if args.json:
        args.json.write_text(json.dumps({"tool": tool, "decisions": decisions, "results": results}, indent=2) + "\n")
    return 0


def medians(results: list[dict]) -> str:
    """Per configuration and server, the median over the rounds of single decisions/s, their
    p99 and batch cases/s, and the ratio of each median rate to the reference's."""
    lines = ["# medians over the rounds (ratio: the server's median rate / the reference's)"]
    groups: dict[tuple, list[dict]] = {}
    for r in results:
        groups.setdefault((r["workers"], r["threads"], r["server"]), []).append(r)
    for (workers, threads, kind), rs in groups.items():
        single = statistics.median(r["single"]["per_s"] for r in rs)
        p99 = statistics.median(r["single"]["p99_ms"] for r in rs)
        cases = statistics.median(r["batch"]["cases_per_s"] for r in rs)
        line = f"# {kind:>9} {workers} x {threads}: single {single:,.0f}/s (p99 {p99:.2f} ms), batch {cases:,.0f} cases/s"
        reference = groups.get((workers, threads, "reference"))
        if reference and kind != "reference":
            ref_single = statistics.median(r["single"]["per_s"] for r in reference)
            ref_cases = statistics.median(r["batch"]["cases_per_s"] for r in reference)
            line += (f"; {single / ref_single:.2f}x the reference's single rate (goal "
                     f"{GOALS['single_vs_reference']}x), {cases / ref_cases:.2f}x its batch rate")
        lines.append(line)
    return "\n".join(lines)


if __name__ == "__main__":
    sys.exit(main())
