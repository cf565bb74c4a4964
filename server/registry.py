"""The packs the service serves: every folder under policies/ with `.rules` files.

A (re)load runs the front end and the formal checks; only a pack without unaccepted errors is
compiled and swapped in. A pack that fails keeps serving its last good version, and its state
says why. Readers never lock: each pack's state is an immutable object, and the table of states
is replaced whole, so a reader sees either the old or the new version, never a mix.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import logging
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from functools import cached_property
from pathlib import Path

from ruleproof.checker import ir
from ruleproof.checker.diagnostics import Diagnostic, diagnostic
from ruleproof.checker.evaluate import CompiledPack
from ruleproof.checker.packs import pack_files, pack_folders
from ruleproof.checker.render import report_json
from ruleproof.checker.report import Report, check_pack
from ruleproof.checker.source import SourceFile, Span
from ruleproof.checker.values import to_wire
from ruleproof.server.packfiles import Unreadable, read_source

log = logging.getLogger("ruleproof.server")


def now() -> str:
    return dt.datetime.now(dt.UTC).isoformat(timespec="milliseconds").replace("+00:00", "Z")


@dataclass(frozen=True)
class Served:
    """A good version of a pack, compiled and ready to decide."""

    compiled: CompiledPack
    texts: dict[str, str]
    report: dict  # `ruleproof check --format json` of this version
    loaded_at: str
    signature: tuple
    facts: list[dict]
    decisions: list[dict]

    @property
    def version(self) -> str:
        return self.compiled.pack.version

    @cached_property
    def revision(self) -> str:
        """What the files hold: a hash of their names and texts, so that any change shows, even
        one that keeps the declared version (a file half written, one deleted)."""
        digest = hashlib.sha256()
        for name in sorted(self.texts):
            digest.update(f"{len(name)}:{name}{len(self.texts[name])}:".encode())
            digest.update(self.texts[name].encode())
        return digest.hexdigest()[:16]


@dataclass(frozen=True)
class Failure:
    """A load that was refused: why, with the diagnostics."""

    at: str
    message: str
    report: dict
    signature: tuple


@dataclass(frozen=True)
class PackState:
    name: str
    served: Served | None = None
    failure: Failure | None = None  # set when the last load failed

    @property
    def status(self) -> str:
        return "failed" if self.failure is not None else "ok"

    @property
    def signature(self) -> tuple | None:
        latest = self.failure or self.served
        return latest.signature if latest else None

    @property
    def latest_report(self) -> dict:
        """The findings of the last load attempt: the failure's, or the served version's."""
        return self.failure.report if self.failure else self.served.report  # type: ignore[union-attr]


LoadHook = Callable[[str, str, float], None]  # (pack, outcome, seconds)


@dataclass
class PackRegistry:
    """Loads, checks and swaps packs; `get` is lock-free."""

    root: Path
    check_timeout_ms: int = 10_000
    on_load: LoadHook | None = None
    #: a file the server processes share: touched to make all of them reload (see reload_everywhere)
    stamp: Path | None = None
    #: called after a reload that changed something (outside the reload lock)
    on_reloaded: Callable[[], None] | None = None
    _seen_stamp: int | None = None
    _states: dict[str, PackState] = field(default_factory=dict)
    _lock: threading.Lock = field(default_factory=threading.Lock)
    _stop: threading.Event = field(default_factory=threading.Event)
    _watcher: threading.Thread | None = None
    loaded: bool = False

    def get(self, name: str) -> PackState | None:
        return self._states.get(name)

    def states(self) -> dict[str, PackState]:
        return self._states

    # ------------------------------------------------------------ discovery
    def discover(self) -> dict[str, Path]:
        """Pack folders: direct subfolders of the root holding `.rules` files (at any depth)."""
        return {folder.name: folder for folder in pack_folders(self.root)}

    @staticmethod
    def signature(folder: Path) -> tuple:
        """What a change shows in: each file's path, size, mtime, ctime and inode."""
        items = []
        for file in pack_files(folder):
            try:
                st = file.stat()
            except OSError:
                continue
            items.append((file.relative_to(folder).as_posix(), st.st_size, st.st_mtime_ns, st.st_ctime_ns, st.st_ino))
        return tuple(items)

    # ------------------------------------------------------------ loading
    def reload(self, force: bool = False) -> list[dict]:
        """Load every new or changed pack; drop the packs whose folder is gone.

        Returns one outcome per pack: loaded, unchanged, failed or removed. Reloads are
        serialised (this also keeps the solver single-threaded in this process).
        """
        with self._lock:
            if force or not self.loaded:
                # every file is read after this: a reload asked for from now on is a new one
                self._seen_stamp = self._stamp_time()
            outcomes = []
            found = self.discover()
            for name in sorted(set(self._states) - set(found)):
                self._publish(name, None)
                outcomes.append({"name": name, "outcome": "removed"})
                log.info("pack %s removed", name)
            for name, folder in found.items():
                old = self._states.get(name)
                sig = self.signature(folder)
                if not force and old is not None and old.signature == sig:
                    outcomes.append({"name": name, "outcome": "unchanged",
                                     "version": old.served.version if old.served else None})
                    continue
                state = self._load(name, folder, sig, old)
                self._publish(name, state)
                outcome = "failed" if state.failure else "loaded"
                errors = state.failure.report["errors"] if state.failure else 0
                outcomes.append({"name": name, "outcome": outcome,
                                 "version": state.served.version if state.served else None, "errors": errors})
            self.loaded = True
        if self.on_reloaded and any(o["outcome"] != "unchanged" for o in outcomes):
            self.on_reloaded()
        return outcomes

    def _publish(self, name: str, state: PackState | None) -> None:
        # INVARIANT: the table is replaced whole, never mutated, so lock-free readers are safe.
        table = dict(self._states)
        if state is None:
            table.pop(name, None)
        else:
            table[name] = state
        self._states = table

    def _load(self, name: str, folder: Path, sig: tuple, old: PackState | None) -> PackState:
        started = time.perf_counter()
        previous = old.served if old else None
        try:
            state = self._build(name, folder, sig, previous)
        except Exception as err:  # a bug in the checker must not take the service down
            log.exception("loading pack %s failed unexpectedly", name)
            report = {"path": name, "pack": None, "version": None, "diagnostics": [], "errors": 1, "warnings": 0,
                      "ok": False, "seconds": 0.0}
            state = PackState(name, previous, Failure(now(), f"internal error while loading: {err.__class__.__name__}",
                                                      report, sig))
        outcome = "failed" if state.failure else "loaded"
        if state.failure:
            log.warning("pack %s not swapped in: %s", name, state.failure.message)
        else:
            log.info("pack %s %s loaded", name, state.served.version)  # type: ignore[union-attr]
        if self.on_load:
            self.on_load(name, outcome, time.perf_counter() - started)
        return state

    def _build(self, name: str, folder: Path, sig: tuple, previous: Served | None) -> PackState:
        texts, read_errors = self._read(folder)
        report = check_pack(texts, label=name, unreadable=read_errors, timeout_ms=self.check_timeout_ms)
        report_json = validation_json(report)
        pack = report.ir
        if pack is None or not report.ok:
            stage = "formal checks" if report.checked else "front end"
            message = f"the {stage} found {report.errors} error{'s' if report.errors != 1 else ''}"
            return PackState(name, previous, Failure(now(), message, report_json, sig))
        served = Served(CompiledPack(pack), texts, report_json, now(), sig, _facts(pack), _decisions(pack))
        return PackState(name, served, None)

    def _read(self, folder: Path) -> tuple[dict[str, str], list[Diagnostic]]:
        """The pack's files, keyed `policies/<pack>/<file>` so that no server path leaks."""
        texts: dict[str, str] = {}
        errors: list[Diagnostic] = []
        base = self.root.resolve()
        for file in pack_files(folder):
            try:
                key = f"{base.name}/{file.resolve().relative_to(base).as_posix()}"
            except (RuntimeError, OSError):  # a symbolic link loop: reported by read_source below
                key = f"{base.name}/{file.relative_to(self.root).as_posix()}"
            except ValueError:  # a symbolic link out of the policies folder: never followed
                key = f"{base.name}/{file.relative_to(self.root).as_posix()}"
                errors.append(diagnostic("E001", f"cannot read `{key}`: it links outside `{base.name}/`",
                                         Span(SourceFile(key, ""), 0, 0), "unreadable",
                                         help="copy the file into the pack's folder instead of linking to it"))
                continue
            try:
                texts[key] = read_source(file)  # never blocks (a FIFO, a device), bounded
            except Unreadable as err:
                errors.append(diagnostic("E001", f"cannot read `{key}`: {err}",
                                         Span(SourceFile(key, ""), 0, 0), "unreadable",
                                         help="a pack file must be a regular UTF-8 text file in the pack's folder"))
        return texts, errors

    # ------------------------------------------------------------ watching
    def start_watching(self, interval: float) -> None:
        """Watch the root (and the reload stamp) with watchfiles (inotify, in Rust) in a daemon
        thread, and reload when something changes there, once the files hold still; with
        `interval` 0 only the reload stamp is watched."""
        if self._watcher is not None or (interval <= 0 and self.stamp is None):
            return
        self._watcher = threading.Thread(target=self._watch, args=(interval,), name="ruleproof-watcher", daemon=True)
        self._watcher.start()

    def _watch(self, interval: float) -> None:
        import watchfiles

        watch_files = interval > 0
        paths = ([self.root] if watch_files and self.root.is_dir() else []) + ([self.stamp] if self.stamp else [])
        if not paths:
            return
        settle = min(0.2, interval / 2) if watch_files else 0.0
        try:
            # every second without events, look anyway (cheap: no file is read): a change made
            # before the watch was set up, or one inotify could not report, is seen then
            for _changes in watchfiles.watch(*paths, stop_event=self._stop, debounce=200, step=50, rust_timeout=1000,
                                             yield_on_timeout=True, raise_interrupt=False, ignore_permission_denied=True):
                try:
                    if self._stamp_time() != self._seen_stamp:
                        self.reload(force=True)
                    elif watch_files and self._changed():
                        # let an editor or a checkout finish writing the other files first
                        if self._settle(settle):
                            return
                        self.reload()
                except Exception:
                    log.exception("reload failed")
        except Exception:
            log.exception("the watcher of %s stopped", self.root)

    def _settle(self, pause: float, most: int = 20) -> bool:
        """Wait until the files under the root hold still for `pause` seconds (at most `most`
        pauses), so that a file an editor deletes and writes anew is not loaded as gone; True
        when the registry is closing."""
        before = self._snapshot()
        for _ in range(most):
            if self._stop.wait(pause):
                return True
            now = self._snapshot()
            if now == before:
                return False
            before = now
        return False

    def _snapshot(self) -> dict[str, tuple]:
        return {name: self.signature(folder) for name, folder in self.discover().items()}

    def reload_everywhere(self) -> list[dict]:
        """Reload every pack here now, and ask the other server processes to do the same (they
        watch the reload stamp); returns this process's outcomes."""
        outcomes = self.reload(force=True)
        if self.stamp is not None:
            try:
                with self._lock:
                    self.stamp.touch()
                    self._seen_stamp = self._stamp_time()
            except OSError:
                log.exception("cannot touch the reload stamp %s", self.stamp)
        return outcomes

    def _stamp_time(self) -> int | None:
        try:
            return self.stamp.stat().st_mtime_ns if self.stamp is not None else None
        except OSError:
            return None

    def _changed(self) -> bool:
        found = self.discover()
        states = self._states
        if set(found) != set(states):
            return True
        return any(states[name].signature != self.signature(folder) for name, folder in found.items())

    def close(self) -> None:
        self._stop.set()
        if self._watcher is not None:
            self._watcher.join(timeout=5)


def validation_json(report: Report) -> dict:
    """A checked pack as /v1/validate answers: `ruleproof check --format json` plus `ok` and `seconds`."""
    return {**report_json(report), "ok": report.ok, "seconds": round(report.seconds, 4)}


def _facts(pack) -> list[dict]:
    out = []
    for fact in pack.facts.values():
        info = {"name": fact.name, "type": str(fact.type.required()), "optional": fact.type.optional}
        members = fact.type.members or (fact.type.element.members if fact.type.element else ())
        if members:
            info["values"] = list(members)
        info["cite"] = fact.cite
        if fact.has_default:
            info["default"] = to_wire(fact.default, fact.type)
        out.append(info)
    return out


def _decisions(pack) -> list[dict]:
    reads = ir.fact_dependencies(pack)
    return [{"name": d.name, "type": str(d.type), "hit": d.hit, "complete": d.complete, "cite": d.cite,
             "reads": sorted(reads[d.name])}
            for d in (pack.decisions[n] for n in pack.decision_order)]

