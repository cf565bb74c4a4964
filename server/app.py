"""The app factory: `create_app(config)` wires the services and registers the blueprints.

>>> app = create_app({"policies_dir": "tests/fixtures/server/policies", "decision_log": None, "reload_interval": 0})
>>> app.test_client().get("/health").json
{'status': 'ok'}
>>> app.extensions["ruleproof"].close()
"""

from __future__ import annotations

import atexit
import gc
import threading
import time
from dataclasses import dataclass, field

from flask import Flask, g, request
from ruleproof.server import analysis, decide, ops, packs, playground
from ruleproof.server.checkpool import CheckPool
from ruleproof.server.config import ServerConfig, coerce_config
from ruleproof.server.decision_log import DecisionLog
from ruleproof.server.errors import ApiError, register_error_handlers
from ruleproof.server.fastpath import DecisionPath
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
    #: slots for requests that may wait on something else than the CPU (see ServerConfig.threads)
    waiting: threading.BoundedSemaphore = field(init=False)

    def __post_init__(self) -> None:
        cfg = self.config
        self.waiting = threading.BoundedSemaphore(max(1, cfg.threads - 1))
        self.registry = PackRegistry(cfg.policies_dir, cfg.load_check_timeout_ms, on_load=self.metrics.on_load,
                                     stamp=cfg.reload_stamp)
        self.pool = CheckPool(cfg.check_workers, cfg.check_queue, cfg.check_deadline_s)
        if cfg.decision_log is not None:
            self.log = DecisionLog(cfg.decision_log, cfg.decision_log_mode, cfg.log_max_pending_values,
                                   spool=cfg.decision_spool,
                                   on_written=self.metrics.log_written.inc, on_dropped=self.metrics.log_dropped.inc,
                                   on_refused=self.metrics.log_refused.inc, on_waiting=self.metrics.log_waiting.set)

    def start(self) -> None:
        self.registry.reload()
        self.update_gauges()
        self.registry.on_load = self._on_load
        self.registry.on_reloaded = _refreeze
        _refreeze()
        self.registry.start_watching(self.config.reload_interval)
        self.metrics.tally.start()

    def _on_load(self, pack: str, outcome: str, seconds: float) -> None:
        self.metrics.on_load(pack, outcome, seconds)
        self.update_gauges()

    def update_gauges(self) -> None:
        self.metrics.packs_serving.set(sum(1 for s in self.registry.states().values() if s.served is not None))

    def close(self) -> None:
        """Stop the watcher, flush the decision log, stop the check pool."""
        self.registry.close()
        self.metrics.tally.close()
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
    _harden(app)
    app.wsgi_app = DecisionPath(app.wsgi_app, services, cfg.max_request_bytes)  # type: ignore[method-assign]
    services.start()
    atexit.register(services.close)
    return app


def _instrument(app: Flask, metrics: Metrics) -> None:
    """Count every request and time it, by route pattern (a raw path would explode the labels)."""

    @app.before_request
    def _start() -> None:
        g.started = time.monotonic()  # also where a validation's deadline counts from

    @app.after_request
    def _observe(response):
        started = g.get("started")
        if started is not None:
            rule = request.url_rule
            metrics.observe_request(rule.rule if rule is not None else "unmatched", request.method,
                                    str(response.status_code), time.monotonic() - started)
        return response


#: the playground's page loads its script and style from /static and draws SVG from the API;
#: nothing else may run, and no other site may frame it
PAGE_POLICY = ("default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; object-src 'none'; "
               "base-uri 'none'; form-action 'self'; frame-ancestors 'none'")
MAX_URL = 4096  # characters of path and query string (414 past it)


def _harden(app: Flask) -> None:
    """Security headers on every answer, and a bound on the URL answered in the ErrorV1 shape."""

    @app.before_request
    def _url_length() -> None:
        environ = request.environ
        if len(environ.get("PATH_INFO", "")) + len(environ.get("QUERY_STRING", "")) > MAX_URL:
            raise ApiError(414, "uri_too_long", f"the URL is longer than {MAX_URL} characters",
                           [{"path": "$", "message": "shorten the URL; send data in the body"}])

    @app.after_request
    def _headers(response):
        headers = response.headers
        headers["X-Content-Type-Options"] = "nosniff"
        if response.mimetype in ("text/html", "image/svg+xml"):
            headers.setdefault("Content-Security-Policy", PAGE_POLICY)  # the playground's page sets its own, with a nonce
            headers["X-Frame-Options"] = "DENY"
            headers["Referrer-Policy"] = "no-referrer"
        return response
