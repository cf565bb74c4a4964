"""The app factory: `create_app(config)` wires the services and registers the blueprints.

>>> app = create_app({"policies_dir": "tests/fixtures/server/policies", "decision_log": None, "reload_interval": 0})
>>> app.test_client().get("/health").json
{'status': 'ok'}
>>> app.extensions["ruleproof"].close()
"""

from __future__ import annotations

import atexit
import gc
import time
from dataclasses import dataclass, field

from flask import Flask, g, request
from ruleproof.server import analysis, decide, ops, packs, playground
from ruleproof.server.checkpool import CheckPool
from ruleproof.server.config import ServerConfig, coerce_config
from ruleproof.server.decision_log import DecisionLog
from ruleproof.server.errors import register_error_handlers
from ruleproof.server.metrics import Metrics
from ruleproof.server.registry import PackRegistry


@dataclass
class Services:
    """What the handlers use: built once per app, closed with it."""

    config: ServerConfig
    metrics: Metrics = field(default_factory=Metrics)
    registry: PackRegistry = field(init=False)
    log: DecisionLog | None = field(init=False, default=None)
    pool: CheckPool = field(init=False)

    def __post_init__(self) -> None:
        cfg = self.config
        self.registry = PackRegistry(cfg.policies_dir, cfg.load_check_timeout_ms, on_load=self.metrics.on_load,
                                     stamp=cfg.reload_stamp)
        self.pool = CheckPool(cfg.check_workers, cfg.check_queue, cfg.check_deadline_s)
        if cfg.decision_log is not None:
            self.log = DecisionLog(cfg.decision_log, cfg.decision_log_mode, cfg.log_max_pending_values, cfg.log_wait_s,
                                   on_written=self.metrics.log_written.inc, on_dropped=self.metrics.log_dropped.inc,
                                   on_refused=self.metrics.log_refused.inc)

    def start(self) -> None:
        self.registry.reload()
        self.update_gauges()
        self.registry.on_load = self._on_load
        self.registry.on_reloaded = _refreeze
        _refreeze()
        self.registry.start_watching(self.config.reload_interval)

    def _on_load(self, pack: str, outcome: str, seconds: float) -> None:
        self.metrics.on_load(pack, outcome, seconds)
        self.update_gauges()

    def update_gauges(self) -> None:
        self.metrics.packs_serving.set(sum(1 for s in self.registry.states().values() if s.served is not None))

    def close(self) -> None:
        """Stop the watcher, flush the decision log, stop the check pool."""
        self.registry.close()
        if self.log is not None:
            self.log.close()
        self.pool.close()


def _refreeze() -> None:
    """Move what is alive now (compiled packs, parser tables, the solver's wrappers) out of the
    garbage collector's sight. Loading a pack leaves a large heap that every full collection
    would walk again; frozen, it halves the cost of a small request. Run after each (re)load:
    the previous versions' garbage is collected first."""
    gc.unfreeze()
    gc.collect()
    gc.freeze()


def create_app(config: ServerConfig | dict | None = None) -> Flask:
    """A Flask app serving every pack under `config.policies_dir`.

    `config` is a ServerConfig, a mapping of ServerConfig fields over the defaults, or None
    (defaults, then RULEPROOF_* environment variables). The packs are loaded (and checked)
    before this returns; the watcher thread then reloads them when their files change.
    """
    cfg = coerce_config(config)
    app = Flask("ruleproof", static_folder=None)
    app.config["MAX_CONTENT_LENGTH"] = cfg.max_request_bytes
    app.config["RULEPROOF"] = cfg
    services = Services(cfg)
    app.extensions["ruleproof"] = services
    register_error_handlers(app)
    for blueprint in (decide.bp, analysis.bp, packs.bp, ops.bp, playground.bp):
        app.register_blueprint(blueprint)
    _instrument(app, services.metrics)
    services.start()
    atexit.register(services.close)
    return app


def _instrument(app: Flask, metrics: Metrics) -> None:
    """Count every request and time it, by route pattern (a raw path would explode the labels)."""
    children: dict[tuple[str, str, str], tuple] = {}  # labelled series, looked up once each

    @app.before_request
    def _start() -> None:
        g.started = time.monotonic()  # also where a validation's deadline counts from

    @app.after_request
    def _observe(response):
        started = g.get("started")
        if started is not None:
            rule = request.url_rule
            key = (rule.rule if rule is not None else "unmatched", request.method, str(response.status_code))
            series = children.get(key)
            if series is None:
                series = children[key] = (metrics.requests.labels(*key), metrics.latency.labels(key[0]))
            series[0].inc()
            series[1].observe(time.monotonic() - started)
        return response
