"""The service's configuration: one frozen dataclass, read from the environment or given whole.

`create_app` takes a `ServerConfig`, a mapping of overrides, or nothing (then the environment
decides). Every limit the service enforces is here, with its default.
"""

from __future__ import annotations

import os
from dataclasses import dataclass, fields
from pathlib import Path

from ruleproof.server.decision_log import LogMode
from ruleproof.server.logstore import is_postgres

MIB = 1024 * 1024


@dataclass(frozen=True)
class ServerConfig:
    """Everything `create_app` needs; the defaults are what `ruleproof serve` runs with.

    >>> ServerConfig(max_request_bytes=2048).max_request_bytes
    2048
    """

    policies_dir: Path = Path("policies")
    #: largest request body accepted (413 past it)
    max_request_bytes: int = MIB
    #: most cases in one POST /v1/decide/batch
    max_batch_cases: int = 10_000
    #: bearer token for POST /v1/admin/reload; None disables the endpoint (403)
    admin_token: str | None = None
    #: the decision log: an SQLite file, or a `postgresql://` URL (a str); None turns it off
    decision_log: Path | str | None = Path("decisions.sqlite")
    #: with PostgreSQL: the local SQLite file that holds acknowledged rows while the database
    #: cannot be written; drained into it as soon as it can (and when the service starts)
    decision_spool: Path = Path("decisions.spool.sqlite")
    #: durable: a decision is answered once its row is in the worker's journal, committed
    #: shortly after (503 when the log cannot keep up); best_effort: rows are queued, and
    #: dropped and counted when the queue is full
    decision_log_mode: LogMode = LogMode.DURABLE
    #: values (decisions, plus one per row) waiting for the log's writer at most, per process
    log_max_pending_values: int = 1_000_000
    #: whether each case of a batch is logged too (every decision is logged by default)
    log_batch_decisions: bool = True
    #: seconds between polls of policies/ for changes; 0 turns the watcher off
    reload_interval: float = 2.0
    #: a file shared by the server processes: an admin reload in one touches it, the others reload
    #: too (`ruleproof serve` sets it for its workers)
    reload_stamp: Path | None = None
    #: solver time limit per query for the checks run when a pack is (re)loaded
    load_check_timeout_ms: int = 10_000
    #: solver time limit per query for /v1/validate and /v1/diff (past it: W613 / "unknown")
    check_timeout_ms: int = 5_000
    #: wall-clock limit for one validation or diff, queueing included (503 past it)
    check_deadline_s: float = 60.0
    #: processes that run validations and diffs (off the request threads)
    check_workers: int = 1
    #: request threads per server process (`ruleproof serve --threads`): requests that may wait
    #: on something else than the CPU (a client sending its body, a validation) hold at most
    #: `threads - 1` of them at once; past that they are answered 503 `busy` at once
    threads: int = 4
    #: seconds a request may take to send its body (gunicorn; 408 past it)
    body_timeout_s: float = 10.0
    #: validations and diffs admitted at once per server process, running or queued (503 past it);
    #: `ruleproof serve` keeps it below the threads per process, so decisions always have a thread
    check_queue: int = 2
    #: limits on a pack sent to /v1/validate or /v1/diff
    max_pack_files: int = 64
    max_pack_bytes: int = 256 * 1024
    max_pack_rules: int = 500

    @classmethod
    def from_env(cls, environ: dict[str, str] | None = None, **overrides) -> ServerConfig:
        """Defaults, then RULEPROOF_* environment variables, then `overrides`.

        Each field F is read from RULEPROOF_F (upper case), e.g. RULEPROOF_ADMIN_TOKEN,
        RULEPROOF_DECISION_LOG (empty or `off` turns the log off), RULEPROOF_POLICIES_DIR.
        """
        env = os.environ if environ is None else environ
        values: dict[str, object] = {}
        for f in fields(cls):
            raw = env.get("RULEPROOF_" + f.name.upper())
            if raw is None:
                continue
            values[f.name] = _parse(f.name, raw)
        values.update(overrides)
        return cls(**values)


def _parse(name: str, raw: str) -> object:
    default = getattr(ServerConfig, name, None)
    if name == "admin_token":
        return raw or None
    if name == "decision_log":
        return None if raw.strip().lower() in ("", "off", "none", "false", "0") else log_target(raw)
    if name == "decision_log_mode":
        return LogMode(raw.strip().lower().replace("-", "_"))
    if name in ("policies_dir", "reload_stamp", "decision_spool"):
        return Path(raw) if raw else None
    if isinstance(default, bool):
        return raw.strip().lower() in ("1", "true", "yes", "on")
    if isinstance(default, int):
        return int(raw)
    if isinstance(default, float):
        return float(raw)
    return raw


def log_target(text: str) -> Path | str:
    """A decision log given as text: a `postgresql://` URL stays a URL, anything else is a file."""
    return text if is_postgres(text) else Path(text)


def coerce_config(config: ServerConfig | dict | None) -> ServerConfig:
    """A `ServerConfig` from what `create_app` was given: nothing (the environment decides),
    a whole config, or a mapping of fields over the defaults (the environment is not read)."""
    if config is None:
        return ServerConfig.from_env()
    if isinstance(config, ServerConfig):
        return config
    values = dict(config)
    for key in ("policies_dir", "reload_stamp", "decision_spool"):
        if isinstance(values.get(key), str):
            values[key] = Path(values[key])
    if isinstance(values.get("decision_log"), str):
        values["decision_log"] = log_target(values["decision_log"])
    if isinstance(values.get("decision_log_mode"), str):
        values["decision_log_mode"] = LogMode(values["decision_log_mode"])
    return ServerConfig(**values)
