"""Prometheus metrics (prometheus_client), one registry per app.

Under gunicorn with several workers, `ruleproof serve` sets PROMETHEUS_MULTIPROC_DIR before any
worker starts; then every worker writes its samples there and `/metrics` (answered by whichever
worker gets the request) aggregates all of them.
"""

from __future__ import annotations

import os

from prometheus_client import CONTENT_TYPE_LATEST, CollectorRegistry, Counter, Gauge, Histogram, generate_latest

LATENCY_BUCKETS = (0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0)
CHECK_BUCKETS = (0.01, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0, 30.0, 60.0, 120.0)


def multiprocess_dir() -> str | None:
    return os.environ.get("PROMETHEUS_MULTIPROC_DIR") or os.environ.get("prometheus_multiproc_dir")


class Metrics:
    """The service's metrics. Labels: `endpoint` is the route pattern, never the raw path."""

    def __init__(self) -> None:
        self.registry = CollectorRegistry(auto_describe=True)
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
        self.packs_serving = Gauge("ruleproof_packs_serving", "packs with a good version serving",
                                   registry=r, multiprocess_mode="livemax")

    def on_load(self, pack: str, outcome: str, seconds: float) -> None:
        self.loads.labels(pack, outcome).inc()
        self.check_duration.labels("load").observe(seconds)
        if outcome == "failed":
            self.reload_failures.labels(pack).inc()

    def exposition(self) -> tuple[bytes, str]:
        """The text format of every metric (of every worker, in multiprocess mode)."""
        if multiprocess_dir():
            from prometheus_client import multiprocess

            registry = CollectorRegistry()
            multiprocess.MultiProcessCollector(registry)
            return generate_latest(registry), CONTENT_TYPE_LATEST
        return generate_latest(self.registry), CONTENT_TYPE_LATEST
