"""`ruleproof serve`: the packs over HTTP (server/)."""

from __future__ import annotations

import argparse
from pathlib import Path

from ruleproof.common import EXIT_OK, UsageError


def cmd_serve(args: argparse.Namespace) -> int:
    """Serve every pack under --policies over HTTP (granian or gunicorn; see server/)."""
    from ruleproof.server.config import ServerConfig

    if not Path(args.policies).is_dir():
        raise UsageError(f"no such folder: {args.policies}")
    if not 0 < args.port < 65536:
        raise UsageError(f"--port {args.port}: a port is a number from 1 to 65535")
    if args.workers < 1:
        raise UsageError(f"--workers {args.workers}: at least one worker process is needed to serve")
    if args.threads < 2:
        raise UsageError(f"--threads {args.threads}: at least two, one is always kept for decisions")
    overrides = {"policies_dir": Path(args.policies)}
    if args.decision_log is not None:
        from ruleproof.server.config import log_target

        overrides["decision_log"] = None if args.decision_log in ("", "off") else log_target(args.decision_log)
    if args.reload_interval is not None:
        overrides["reload_interval"] = args.reload_interval
    config = ServerConfig.from_env(**overrides)
    if config.decision_log is not None:
        from ruleproof.server.decision_log import check_log
        from ruleproof.server.logschema import LogError

        try:  # a clear message now, not a traceback in every worker
            check_log(config.decision_log, config.decision_spool)
        except LogError as err:
            raise UsageError(str(err)) from None
    from ruleproof.server.serve import Backend, serve

    serve(config, host=args.host, port=args.port, workers=args.workers, threads=args.threads, access_log=args.access_log,
          backend=Backend(args.server))
    return EXIT_OK


def add_parsers(sub, common: argparse.ArgumentParser) -> None:
    """The `serve` subcommand."""
    serve = sub.add_parser("serve", parents=[common], help="serve the packs over HTTP (decide, validate, diff, metrics)")
    serve.add_argument("--host", default="127.0.0.1", help="address to listen on (default 127.0.0.1)")
    serve.add_argument("--port", type=int, default=8080, help="port to listen on (default 8080)")
    serve.add_argument("--workers", type=int, default=2, help="worker processes (default 2)")
    serve.add_argument("--threads", type=int, default=4, help="threads per worker (default 4)")
    serve.add_argument("--policies", default="policies", help="folder of packs, one per subfolder (default policies)")
    serve.add_argument("--decision-log", help="the decision log: an SQLite file (default decisions.sqlite), a "
                       "postgresql://user@host/db URL, or off")
    serve.add_argument("--reload-interval", type=float, help="seconds between checks of the policies for changes (0: off)")
    serve.add_argument("--access-log", action="store_true", help="log every request on standard error")
    serve.add_argument("--server", choices=["granian", "gunicorn"], default="granian",
                       help="the HTTP server (default granian; see bench/README.md)")
    serve.set_defaults(run=cmd_serve)
