"""Helpers shared by the service's tests (tests/test_server_*.py)."""

from __future__ import annotations

import shutil
import time
from pathlib import Path

from pydantic import BaseModel
from ruleproof.server.app import create_app

REPO = Path(__file__).resolve().parent.parent
POLICIES = REPO / "tests" / "fixtures" / "server" / "policies"
SHOP = POLICIES / "shop"

#: a case of the shop pack and what it decides
CASE = {"placed_on": "2026-01-01", "today": "2026-01-12"}
CASE_DECISIONS = {"payment_deadline": "2026-01-11", "order_closed": True, "refund_allowed": False}


def make_app(policies: Path = POLICIES, **overrides):
    """An app over `policies` with no watcher and no decision log unless asked for."""
    config = {"policies_dir": policies, "decision_log": None, "reload_interval": 0, **overrides}
    return create_app(config)


def close(app) -> None:
    app.extensions["ruleproof"].close()


def copy_policies(tmp_path: Path) -> Path:
    """A writable copy of the fixture policies (one pack: shop)."""
    target = tmp_path / "policies"
    shutil.copytree(POLICIES, target)
    return target


def shape(model: type[BaseModel], body: dict) -> dict:
    """Check `body` against the response model (the contract) and return it."""
    model.model_validate(body)
    return body


def wait_for(predicate, timeout: float = 15.0, interval: float = 0.05):
    """Poll until `predicate()` is truthy; return its value or fail."""
    deadline = time.monotonic() + timeout
    while True:
        value = predicate()
        if value:
            return value
        if time.monotonic() > deadline:
            raise AssertionError(f"condition not met within {timeout} s")
        time.sleep(interval)


def edit(path: Path, old: str, new: str) -> None:
    """Replace text in a pack file, making sure the change is visible to an mtime poller."""
    text = path.read_text()
    assert old in text, f"{old!r} not in {path}"
    before = path.stat().st_mtime_ns
    path.write_text(text.replace(old, new))
    if path.stat().st_mtime_ns == before:  # coarse clocks: move the mtime on explicitly
        import os

        os.utime(path, ns=(before + 1_000_000, before + 1_000_000))


def free_port() -> int:
    import socket

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def http(base: str, path: str, body: dict | None = None, timeout: float = 30,
         headers: dict | None = None) -> tuple[int, dict, object]:
    """(status, JSON body, headers) of one request to a served instance."""
    import json
    import urllib.error
    import urllib.request

    data = json.dumps(body).encode() if body is not None else None
    request = urllib.request.Request(base + path, data=data, headers={"Content-Type": "application/json", **(headers or {})})
    try:
        with urllib.request.urlopen(request, timeout=timeout) as response:
            return response.status, json.loads(response.read()), response.headers
    except urllib.error.HTTPError as err:
        return err.code, json.loads(err.read()), err.headers


class Served:
    """`ruleproof serve` in a subprocess (its own process group) on a free loopback port,
    ready once /ready answers 200; `stop()` ends it with SIGTERM (SIGKILL after 30 s).
    `command` runs another installed `ruleproof` (default: this Python's), from `cwd`."""

    def __init__(self, policies: Path, *args: str, env: dict | None = None, log_output: Path | None = None,
                 port: int | None = None, command: list[str] | None = None, cwd: Path = REPO):
        import os
        import subprocess
        import sys

        self.port = port or free_port()
        self.base = f"http://127.0.0.1:{self.port}"
        environ = {**os.environ, **(env or {})}
        environ.pop("PROMETHEUS_MULTIPROC_DIR", None)
        out = open(log_output, "ab") if log_output else subprocess.DEVNULL  # noqa: SIM115
        self.proc = subprocess.Popen([*(command or [sys.executable, "-m", "ruleproof"]), "serve", "--port", str(self.port),
                                      "--policies", str(policies), *args],
                                     cwd=cwd, env=environ, stdout=out, stderr=subprocess.STDOUT, start_new_session=True)
        if log_output:
            out.close()

    def wait_ready(self, timeout: float = 90) -> Served:
        deadline = time.monotonic() + timeout
        while True:
            assert self.proc.poll() is None, "ruleproof serve exited early"
            try:
                if http(self.base, "/ready", timeout=2)[0] == 200:
                    return self
            except OSError:
                pass
            assert time.monotonic() < deadline, f"ruleproof serve was not ready within {timeout} s"
            time.sleep(0.2)

    def kill_all(self) -> None:
        """SIGKILL the master and every worker at once (the whole process group)."""
        import os
        import signal

        try:
            os.killpg(self.proc.pid, signal.SIGKILL)
        except ProcessLookupError:
            pass
        self.proc.wait()

    def stop(self) -> None:
        import os
        import signal
        import subprocess

        if self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
            try:
                self.proc.wait(timeout=30)
            except subprocess.TimeoutExpired:
                pass
        try:  # whatever is left of the group (check workers of a killed master)
            os.killpg(self.proc.pid, signal.SIGKILL)
        except (ProcessLookupError, PermissionError):
            pass
        self.proc.wait()


class Postgres:
    """A real PostgreSQL server (Debian's `postgresql` package) in a temporary folder, on a free
    loopback port, run by the `postgres` user when the tests run as root (initdb refuses root)."""

    def __init__(self, folder: Path):
        import glob
        import os
        import subprocess

        found = sorted(glob.glob("/usr/lib/postgresql/*/bin/initdb"))
        assert found, "Debian's postgresql is needed (.ci/run and `make test` install it)"
        self.bin = Path(found[-1]).parent
        self.data = folder / "pgdata"
        self.port = free_port()
        self.url = f"postgresql://postgres@127.0.0.1:{self.port}/postgres"
        self.as_user = ["runuser", "-u", "postgres", "--"] if os.geteuid() == 0 else []
        folder.mkdir(parents=True, exist_ok=True)
        if os.geteuid() == 0:
            import shutil

            os.chmod(folder, 0o755)
            for parent in folder.parents:  # the postgres user must reach the folder
                if str(parent).startswith("/tmp/") or str(parent) == "/tmp":
                    os.chmod(parent, os.stat(parent).st_mode | 0o011)
            self.data.mkdir()
            shutil.chown(self.data, "postgres", "postgres")
        done = subprocess.run([*self.as_user, str(self.bin / "initdb"), "-D", str(self.data), "-U", "postgres", "-A", "trust",
                               "--no-sync"], capture_output=True, text=True)
        assert done.returncode == 0, f"initdb failed: {done.stderr or done.stdout}"
        self.start()

    def start(self) -> None:
        import subprocess

        options = f"-p {self.port} -c listen_addresses=127.0.0.1 -k {self.data} -c fsync=off"
        subprocess.run([*self.as_user, str(self.bin / "pg_ctl"), "-D", str(self.data), "-o", options, "-w", "-t", "60",
                        "-l", str(self.data / "server.log"), "start"], check=True, capture_output=True)

    def stop(self, mode: str = "fast") -> None:
        import subprocess

        subprocess.run([*self.as_user, str(self.bin / "pg_ctl"), "-D", str(self.data), "-m", mode, "-w", "stop"],
                       capture_output=True)
