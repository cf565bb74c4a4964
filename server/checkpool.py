"""Validations and diffs run in a few worker processes (server/checkworker.py), never on a
request thread.

A separate process keeps the solver out of the server's threads (Z3's context is not
thread-safe, and its Python side holds the GIL), and can be killed when a job overruns its
wall-clock deadline. Every solver query inside is bounded by the configured time limit (past
it a check reports W613 "unknown"). At most `queue_limit` jobs are admitted at once (running or
waiting for a worker); past that the caller is told at once to retry (503 with Retry-After).
`ruleproof serve` keeps `queue_limit` below the request threads of a server process, so the
threads that wait here never include the ones decisions need; the workers run at a lower CPU
priority (nice 10), so a busy solver does not slow decisions down either. The deadline counts
from when the request arrived, so time spent queued is time spent.

The workers are plain subprocesses speaking JSON lines, not multiprocessing: multiprocessing's
spawn re-imports the caller's main module, and fork is unsafe in a threaded server.
"""

from __future__ import annotations

import json
import os
import queue
import select
import subprocess
import sys
import threading
import time
from pathlib import Path

ROOT = str(Path(__file__).resolve().parent.parent)


class CheckUnavailable(Exception):
    """The pool cannot take or finish the job now; `retry_after` is a hint in seconds."""

    def __init__(self, code: str, message: str, retry_after: int = 5):
        super().__init__(message)
        self.code = code
        self.message = message
        self.retry_after = retry_after


class CheckFailed(Exception):
    """The job raised in the worker (a bug in the checker, not a problem of the input)."""


class _Worker:
    def __init__(self) -> None:
        env = dict(os.environ)
        env["PYTHONPATH"] = ROOT + (os.pathsep + env["PYTHONPATH"] if env.get("PYTHONPATH") else "")
        self.proc = subprocess.Popen([sys.executable, "-m", "ruleproof.server.checkworker"], stdin=subprocess.PIPE,
                                     stdout=subprocess.PIPE, env=env, cwd=ROOT)

    def call(self, job: str, args: list, deadline: float) -> object:
        """Send a job and wait for its answer until `deadline` (time.monotonic)."""
        assert self.proc.stdin is not None and self.proc.stdout is not None
        self.proc.stdin.write((json.dumps({"job": job, "args": args}) + "\n").encode())
        self.proc.stdin.flush()
        remaining = deadline - time.monotonic()
        ready, _, _ = select.select([self.proc.stdout], [], [], max(0.0, remaining))
        if not ready:
            raise TimeoutError
        line = self.proc.stdout.readline()
        if not line:
            raise BrokenPipeError("the worker exited")
        answer = json.loads(line)
        if "error" in answer:
            raise CheckFailed(answer["error"])
        return answer["result"]

    def kill(self) -> None:
        if self.proc.poll() is None:
            self.proc.kill()
        self.proc.wait(timeout=5)
        for stream in (self.proc.stdin, self.proc.stdout):
            if stream is not None:
                stream.close()

    def stop(self) -> None:
        """End of input: the worker finishes its loop and exits."""
        try:
            if self.proc.stdin is not None:
                self.proc.stdin.close()
            self.proc.wait(timeout=5)
        except (OSError, subprocess.TimeoutExpired):
            pass
        self.kill()


class CheckPool:
    """Up to `workers` worker processes, started on first use, with admission control."""

    def __init__(self, workers: int = 1, queue_limit: int = 4, deadline_s: float = 60.0):
        self.workers = max(1, workers)
        self.deadline_s = deadline_s
        self._slots = threading.BoundedSemaphore(max(1, queue_limit))
        self._idle: queue.LifoQueue[_Worker] = queue.LifoQueue()
        self._lock = threading.Lock()
        self._started = 0
        self._closed = False

    def run(self, job: str, *args, started: float | None = None) -> dict:
        """Run `job(*args)` in a worker and return its JSON result, by `started` (time.monotonic()
        of the request's arrival; now if None) plus the deadline; raises CheckUnavailable at once
        when `queue_limit` jobs are already admitted, or when the deadline passes."""
        if not self._slots.acquire(blocking=False):
            raise CheckUnavailable("busy", "too many validations in progress; retry later")
        try:
            deadline = (time.monotonic() if started is None else started) + self.deadline_s
            worker = self._acquire(deadline)
            try:
                result = worker.call(job, list(args), deadline)
            except TimeoutError:
                self._discard(worker)
                raise CheckUnavailable("check_timeout", f"the checks did not finish within {self.deadline_s:g} s", 30) from None
            except (OSError, ValueError):
                self._discard(worker)
                raise CheckUnavailable("check_failed", "the checker process stopped; retry") from None
            except CheckFailed:
                self._idle.put(worker)
                raise
            self._idle.put(worker)
            return result  # type: ignore[return-value]
        finally:
            self._slots.release()

    def _acquire(self, deadline: float) -> _Worker:
        try:
            return self._idle.get_nowait()
        except queue.Empty:
            pass
        with self._lock:
            if self._closed:
                raise CheckUnavailable("shutting_down", "the service is stopping")
            if self._started < self.workers:
                self._started += 1
                return _Worker()
        try:
            return self._idle.get(timeout=max(0.0, deadline - time.monotonic()))
        except queue.Empty:
            raise CheckUnavailable("check_timeout", "no checker process became free in time", 30) from None

    def _discard(self, worker: _Worker) -> None:
        worker.kill()
        with self._lock:
            self._started -= 1

    def close(self) -> None:
        with self._lock:
            self._closed = True
        while True:
            try:
                self._idle.get_nowait().stop()
            except queue.Empty:
                break
