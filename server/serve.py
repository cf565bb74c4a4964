"""`ruleproof serve`: the app under gunicorn, used as a library (no gunicorn command line).

Each gunicorn worker builds its own app (packs loaded and checked, a watcher thread, a decision
log writer); the app is not preloaded in the master, because threads do not survive a fork.
Workers are `gthread` workers: a few threads each, with keep-alive connections.
"""

from __future__ import annotations

import logging
import os
import shutil
import tempfile
from dataclasses import replace
from pathlib import Path

from gunicorn.app.base import BaseApplication
from ruleproof.server.config import ServerConfig


class RuleproofServer(BaseApplication):
    """gunicorn running `create_app(config)` with the options given (gunicorn setting names)."""

    def __init__(self, config: ServerConfig, options: dict):
        self.config = config
        self.options = options
        super().__init__()

    def load_config(self) -> None:
        for key, value in self.options.items():
            if value is not None and key in self.cfg.settings:
                self.cfg.set(key, value)

    def load(self):
        logging.basicConfig(level=logging.INFO, format="[%(asctime)s] [%(process)d] [%(levelname)s] %(name)s: %(message)s")
        from ruleproof.server.app import create_app

        return create_app(self.config)


def bind_address(host: str, port: int) -> str:
    return f"[{host}]:{port}" if ":" in host and not host.startswith("[") else f"{host}:{port}"


def serve(config: ServerConfig, host: str = "127.0.0.1", port: int = 8080, workers: int = 2, threads: int = 4,
          access_log: bool = False, timeout: int = 120) -> None:
    """Run the service until gunicorn is stopped (SIGINT or SIGTERM); does not return normally.

    With more than one worker, metrics go to a PROMETHEUS_MULTIPROC_DIR (a fresh temporary folder
    unless one is set) so that /metrics aggregates every worker, and an admin reload answered by
    one worker reaches the others through a shared reload stamp.
    """
    if workers < 1 or threads < 2:
        raise ValueError("at least one worker of two threads: one thread is always kept for decisions")
    if config.check_queue >= threads:
        # validations waiting for the solver hold request threads: leave one for decisions
        config = replace(config, check_queue=threads - 1)
    cleanup = tempfile.mkdtemp(prefix="ruleproof-serve-")
    if workers > 1 and not os.environ.get("PROMETHEUS_MULTIPROC_DIR"):
        os.environ["PROMETHEUS_MULTIPROC_DIR"] = os.path.join(cleanup, "metrics")
        os.mkdir(os.environ["PROMETHEUS_MULTIPROC_DIR"])
    if config.reload_stamp is None:
        # an admin reload answered by one worker reaches the others through this file
        stamp = Path(cleanup) / "reload.stamp"
        stamp.touch()
        config = replace(config, reload_stamp=stamp)

    def child_exit(server, worker) -> None:
        if os.environ.get("PROMETHEUS_MULTIPROC_DIR"):
            from prometheus_client import multiprocess

            multiprocess.mark_process_dead(worker.pid)

    def worker_exit(server, worker) -> None:
        # flush the decision log and stop the threads and check processes of this worker's app
        app = getattr(worker, "wsgi", None)
        services = getattr(app, "extensions", {}).get("ruleproof")
        if services is not None:
            services.close()

    def on_exit(server) -> None:
        shutil.rmtree(cleanup, ignore_errors=True)

    options = {
        "bind": bind_address(host, port),
        "workers": workers,
        "worker_class": "gthread",
        "threads": threads,
        "keepalive": 30,
        # the first load of a big pack runs the formal checks before a worker answers
        "timeout": timeout,
        "graceful_timeout": 10,
        "accesslog": "-" if access_log else None,
        "errorlog": "-",
        "loglevel": "info",
        "proc_name": "ruleproof",
        # gunicorn >= 25.1 opens a control socket at one fixed path; two servers would clash
        "control_socket_disable": True,
        "child_exit": child_exit,
        "worker_exit": worker_exit,
        "on_exit": on_exit,
    }
    RuleproofServer(config, options).run()
