"""`ruleproof serve`: the Flask app under granian (the default) or gunicorn, used as libraries.

Each worker process builds its own app (packs loaded and checked, a watcher thread, a decision
log writer); the app is not built in the master, because threads do not survive a fork.

- granian (Rust HTTP server, WSGI interface): connections, headers and keep-alive are handled in
  Rust; `threads` blocking threads per worker run the app. Measured about twice gunicorn's rate
  here (bench/README.md). A worker that dies is started again.
- gunicorn with `gthread` workers: `threads` threads per worker, Python's HTTP parsing.

Graceful shutdown (SIGTERM or SIGINT) lets the requests in flight finish, then each worker closes
its app: the decision log's writer commits what is waiting and the check processes stop.
"""

from __future__ import annotations

import enum
import logging
import os
import shutil
import tempfile
from dataclasses import replace
from pathlib import Path

from ruleproof.server.config import ServerConfig


class Backend(enum.Enum):
    """The HTTP server the app runs under."""

    GRANIAN = "granian"
    GUNICORN = "gunicorn"


def bind_address(host: str, port: int) -> str:
    return f"[{host}]:{port}" if ":" in host and not host.startswith("[") else f"{host}:{port}"


def _worker_app(config: ServerConfig):
    """The app of one worker process, closed when the process exits (granian's workers are
    multiprocessing processes: they end through multiprocessing's exit, not atexit)."""
    from multiprocessing import util

    from ruleproof.server.app import create_app

    logging.basicConfig(level=logging.INFO, format="[%(asctime)s] [%(process)d] [%(levelname)s] %(name)s: %(message)s")
    app = create_app(config)
    services = app.extensions["ruleproof"]
    util.Finalize(services, services.close, exitpriority=10)
    util.Finalize(services, _mark_dead, args=(os.getpid(),), exitpriority=5)
    return app


def _mark_dead(pid: int) -> None:
    """Drop a stopped worker's live gauges from the multiprocess metrics."""
    if os.environ.get("PROMETHEUS_MULTIPROC_DIR"):
        from prometheus_client import multiprocess

        multiprocess.mark_process_dead(pid)


def serve(config: ServerConfig, host: str = "127.0.0.1", port: int = 8080, workers: int = 2, threads: int = 4,
          access_log: bool = False, timeout: int = 120, backend: Backend = Backend.GRANIAN) -> None:
    """Run the service until it is stopped (SIGINT or SIGTERM).

    Validations admitted per worker are kept below `threads` (see ServerConfig.check_queue). With
    more than one worker, metrics go to a PROMETHEUS_MULTIPROC_DIR (a fresh temporary folder
    unless one is set) so that /metrics aggregates every worker, and an admin reload answered by
    one worker reaches the others through a shared reload stamp.
    """
    if workers < 1 or threads < 2:
        raise ValueError("at least one worker of two threads: one thread is always kept for decisions")
    # requests waiting on a client or a validation hold request threads: leave one for decisions
    config = replace(config, threads=threads, check_queue=min(config.check_queue, threads - 1))
    cleanup = tempfile.mkdtemp(prefix="ruleproof-serve-")
    if workers > 1 and not os.environ.get("PROMETHEUS_MULTIPROC_DIR"):
        os.environ["PROMETHEUS_MULTIPROC_DIR"] = os.path.join(cleanup, "metrics")
        os.mkdir(os.environ["PROMETHEUS_MULTIPROC_DIR"])
    if config.reload_stamp is None:
        stamp = Path(cleanup) / "reload.stamp"
        stamp.touch()
        config = replace(config, reload_stamp=stamp)
    try:
        if backend is Backend.GRANIAN:
            _granian(config, host, port, workers, threads, access_log)
        else:
            _gunicorn(config, host, port, workers, threads, access_log, timeout)
    finally:
        shutil.rmtree(cleanup, ignore_errors=True)


def _granian(config: ServerConfig, host: str, port: int, workers: int, threads: int, access_log: bool) -> None:
    from granian.constants import HTTPModes, Interfaces
    from granian.http import HTTP1Settings
    from granian.server import Server

    server = Server(
        "ruleproof", address=host.strip("[]"), port=port, interface=Interfaces.WSGI, workers=workers,
        blocking_threads=threads, http=HTTPModes.http1,
        # a client that is slow to send its headers is dropped after 10 s; bodies are read in
        # Rust before a thread takes the request, so slow clients never hold a thread
        http1_settings=HTTP1Settings(header_read_timeout=10_000, keep_alive=True),
        websockets=False, log_access=access_log, respawn_failed_workers=True, respawn_interval=0.5,
        workers_kill_timeout=10,
    )
    server.serve(target_loader=lambda: _worker_app(config), wrap_loader=False)


def _gunicorn(config: ServerConfig, host: str, port: int, workers: int, threads: int, access_log: bool,
              timeout: int) -> None:
    from gunicorn.app.base import BaseApplication

    class Application(BaseApplication):
        def load_config(self) -> None:
            for key, value in options.items():
                if value is not None and key in self.cfg.settings:
                    self.cfg.set(key, value)

        def load(self):
            return _worker_app(config)

    def child_exit(server, worker) -> None:
        _mark_dead(worker.pid)

    def worker_exit(server, worker) -> None:
        services = getattr(getattr(worker, "wsgi", None), "extensions", {}).get("ruleproof")
        if services is not None:
            services.close()

    options = {
        "bind": bind_address(host, port), "workers": workers, "worker_class": "gthread", "threads": threads,
        "keepalive": 30, "limit_request_line": 8190,  # the app answers long URLs (414, ErrorV1) up to here
        "timeout": timeout,  # the first load of a big pack runs the formal checks before a worker answers
        "graceful_timeout": 10, "accesslog": "-" if access_log else None, "errorlog": "-", "loglevel": "info",
        "proc_name": "ruleproof",
        # gunicorn >= 25.1 opens a control socket at one fixed path; two servers would clash
        "control_socket_disable": True, "child_exit": child_exit, "worker_exit": worker_exit,
    }
    Application().run()
