"""Prometheus metrics (prometheus_client), one registry per app.

Under gunicorn with several workers, `ruleproof serve` sets PROMETHEUS_MULTIPROC_DIR before any
worker starts; then every worker writes its samples there and `/metrics` (answered by whichever
worker gets the request) aggregates all of them.
"""

from __future__ import annotations

import bisect
import os
import threading

from prometheus_client import CONTENT_TYPE_LATEST, CollectorRegistry, Counter, Gauge, Histogram, generate_latest

LATENCY_BUCKETS = (0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0)
CHECK_BUCKETS = (0.01, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0, 30.0, 60.0, 120.0)


def multiprocess_dir() -> str | None:
    return os.environ.get("PROMETHEUS_MULTIPROC_DIR") or os.environ.get("prometheus_multiproc_dir")


class Metrics:
    """The service's metrics. Labels: `endpoint` is the route pattern, never the raw path."""

    def __init__(self) -> None:
        self.registry = CollectorRegistry(auto_describe=True)
        #: the request path counts here (see Tally)
        self.tally = Tally()
        self._series: dict[tuple[str, str, str], tuple] = {}
        self._packs: dict[str, tuple] = {}
        r = self.registry
        self.requests = Counter("ruleproof_http_requests", "HTTP requests answered",
                                ["endpoint", "method", "status"], registry=r)
        self.latency = Histogram("ruleproof_http_request_duration_seconds", "time to answer a request, by endpoint",
                                 ["endpoint"], buckets=LATENCY_BUCKETS, registry=r)
        self.decisions = Counter("ruleproof_decisions", "cases decided, by pack", ["pack"], registry=r)
        self.decision_errors = Counter("ruleproof_decision_errors", "cases refused (invalid facts), by pack",
                                       ["pack"], registry=r)
        self.check_duration = Histogram("ruleproof_check_duration_seconds",
                                        "time of front end + formal checks, by kind (load, validate, diff)",
                                        ["kind"], buckets=CHECK_BUCKETS, registry=r)
        self.loads = Counter("ruleproof_pack_loads", "pack (re)loads, by pack and outcome (loaded, failed)",
                             ["pack", "outcome"], registry=r)
        self.reload_failures = Counter("ruleproof_reload_failures", "pack loads refused (the last good version kept serving)",
                                       ["pack"], registry=r)
        self.log_written = Counter("ruleproof_decision_log_written", "decisions written to the decision log", registry=r)
        self.log_dropped = Counter("ruleproof_decision_log_dropped",
                                   "decisions not logged (only in best-effort mode: the durable log refuses instead)",
                                   registry=r)
        self.log_refused = Counter("ruleproof_decision_log_refused",
                                   "decisions answered 503 because the decision log could not keep up", registry=r)
        self.log_waiting = Gauge("ruleproof_decision_log_waiting",
                                 "decisions acknowledged and not yet committed to the decision log (in the journal)",
                                 registry=r, multiprocess_mode="livesum")
        self.packs_serving = Gauge("ruleproof_packs_serving", "packs with a good version serving",
                                   registry=r, multiprocess_mode="livemax")

    def observe_request(self, endpoint: str, method: str, status: str, seconds: float) -> None:
        """Count one answered request and its time (`endpoint`: the route pattern)."""
        key = (endpoint, method, status)
        series = self._series.get(key)
        if series is None:  # labelled series, looked up once each
            series = self._series[key] = (self.requests.labels(*key), self.latency.labels(endpoint))
        self.tally.inc(series[0])
        self.tally.observe(series[1], seconds)

    def count_cases(self, pack: str, decided: int, refused: int = 0) -> None:
        """Count cases of `pack` decided and refused (invalid facts)."""
        series = self._packs.get(pack)
        if series is None:
            series = self._packs[pack] = (self.decisions.labels(pack), self.decision_errors.labels(pack))
        if decided:
            self.tally.inc(series[0], decided)
        if refused:
            self.tally.inc(series[1], refused)

    def on_load(self, pack: str, outcome: str, seconds: float) -> None:
        self.loads.labels(pack, outcome).inc()
        self.check_duration.labels("load").observe(seconds)
        if outcome == "failed":
            self.reload_failures.labels(pack).inc()

    def exposition(self) -> tuple[bytes, str]:
        """The text format of every metric (of every worker, in multiprocess mode)."""
        self.tally.flush()
        if multiprocess_dir():
            from prometheus_client import multiprocess

            registry = CollectorRegistry()
            multiprocess.MultiProcessCollector(registry)
            return generate_latest(registry), CONTENT_TYPE_LATEST
        return generate_latest(self.registry), CONTENT_TYPE_LATEST


class Tally:
    """Per-process counts for the request path, handed to Prometheus in bulk.

    In multiprocess mode every update of a Prometheus metric writes to a memory-mapped file (a
    histogram's observation several times), which costs more than a decision. Handlers add to
    plain numbers here instead; `flush` (every second from a thread, and before this process
    answers /metrics) adds them to the metrics. A scrape may lag a process's last second.
    """

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._counts: dict = {}  # counter child -> amount
        self._observed: dict = {}  # histogram child -> [sum, bucket counts]
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None

    def inc(self, counter, amount: int = 1) -> None:
        with self._lock:
            self._counts[counter] = self._counts.get(counter, 0) + amount

    def observe(self, histogram, value: float) -> None:
        with self._lock:
            entry = self._observed.get(histogram)
            if entry is None:
                entry = self._observed[histogram] = [0.0, [0] * len(histogram._upper_bounds)]
            entry[0] += value
            entry[1][bisect.bisect_left(histogram._upper_bounds, value)] += 1

    def flush(self) -> None:
        """Add what was counted since the last flush to the Prometheus metrics."""
        with self._lock:
            counts, self._counts = self._counts, {}
            observed, self._observed = self._observed, {}
        for counter, amount in counts.items():
            counter.inc(amount)
        for histogram, (total, buckets) in observed.items():
            # INVARIANT: what Histogram.observe does per value (prometheus_client keeps one
            # non-cumulative count per upper bound, and the sum), done once per bound
            for index, count in enumerate(buckets):
                if count:
                    histogram._buckets[index].inc(count)
            histogram._sum.inc(total)

    def start(self, every: float = 1.0) -> None:
        """Flush every `every` seconds from a thread, when other processes answer /metrics too
        (multiprocess mode); a single process flushes when it answers."""
        if self._thread is None and multiprocess_dir():
            self._thread = threading.Thread(target=self._run, args=(every,), name="ruleproof-metrics", daemon=True)
            self._thread.start()

    def _run(self, every: float) -> None:
        while not self._stop.wait(every):
            self.flush()

    def close(self) -> None:
        self._stop.set()
        if self._thread is not None:
            self._thread.join(timeout=5)
        self.flush()
