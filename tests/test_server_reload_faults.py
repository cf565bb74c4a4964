"""Reload faults: a pack file cut off mid-write, deleted, unreadable (invalid UTF-8, a folder in
its place, a read that fails), or replaced by a version the formal checks refuse. The watcher
sees each one; the last good version keeps serving, GET /v1/packs/{name} says what is wrong, and
decisions asked for all the while, from several threads, never fail and never mix versions.

(The tests run as root, where `chmod 000` does not stop a read: an unreadable file is made by
failing the read itself.)
"""

from __future__ import annotations

import os
import shutil
import threading
from pathlib import Path

import pytest
from ruleproof.server import models as m
from server_support import CASE, close, copy_policies, make_app, shape, wait_for

#: payment_deadline of CASE by the version that decides it (payment period 10, 12, 14, ... days)
DEADLINES = {f"1.{i}": f"2026-01-{11 + 2 * i:02d}" for i in range(10)}


class Hammer:
    """Threads deciding CASE without pause; every answer must be a 200 from one whole version."""

    def __init__(self, app, threads: int = 3):
        self.app = app
        self.stop = threading.Event()
        self.problems: list[str] = []
        self.versions: list[str] = []
        self.count = 0
        self.threads = [threading.Thread(target=self.run) for _ in range(threads)]

    def run(self) -> None:
        client = self.app.test_client()
        while not self.stop.is_set():
            response = client.post("/v1/decide", json={"pack": "shop", "facts": CASE})
            self.count += 1
            body = response.json
            if response.status_code != 200 or DEADLINES.get(body["version"]) != body["decisions"]["payment_deadline"]:
                self.problems.append(f"{response.status_code}: {response.get_data(as_text=True)[:300]}")
            else:
                self.versions.append(body["version"])

    def __enter__(self):
        for t in self.threads:
            t.start()
        return self

    def __exit__(self, *exc):
        self.stop.set()
        for t in self.threads:
            t.join()


def state(client) -> dict:
    return shape(m.PackDetailV1, client.get("/v1/packs/shop").json)


def failed_with(client, code: str) -> dict:
    """Wait until the last load failed with `code`; the last good version still serves."""
    current = wait_for(lambda: (s := state(client))["status"] == "failed" and
                       code in [d["code"] for d in s["last_failure"]["diagnostics"]] and s)
    assert current["serving"] is True
    return current


PERIOD = 'const payment_period = 10 days cite "Art. 1"\n'


def good_version(policies: Path, i: int) -> dict[str, str]:
    """The shop pack as version 1.i, with a payment period of 10 + 2i days. The version and the
    period are both in pack.rules, so that no moment between two writes serves a version with
    another version's period; orders.rules is the same in every version."""
    shop = policies / "shop"
    orders, header = (shop / "orders.rules").read_text(), (shop / "pack.rules").read_text()
    assert PERIOD in orders
    # a third file reads orders.rules: a moment when orders.rules is missing (a folder replaced by
    # a file) is a broken pack, not a smaller one
    return {"orders.rules": orders.replace(PERIOD, ""),
            "pack.rules": header.replace('version "1.0"', f'version "1.{i}"') + PERIOD.replace("10", str(10 + 2 * i)),
            "guard.rules": "import orders\nproperty deadline_after_order: always payment_deadline > placed_on\n"}


def write(path: Path, text: str | bytes) -> None:
    """Write and move the mtime on, so that a coarse clock cannot hide the change."""
    before = path.stat().st_mtime_ns if path.is_file() else 0
    path.write_bytes(text if isinstance(text, bytes) else text.encode())
    if path.stat().st_mtime_ns == before:
        os.utime(path, ns=(before + 1_000_000, before + 1_000_000))


def restore(client, policies: Path, i: int, hammer: Hammer | None = None) -> None:
    """Put version 1.i in place (whatever the files are now) and wait until it serves (and,
    with `hammer`, until the hammer has been answered by it: a loaded machine may be slow)."""
    shop = policies / "shop"
    for name, text in good_version(POLICIES_ORIGINAL, i).items():  # orders.rules first
        target = shop / name
        if target.is_dir():
            shutil.rmtree(target)
        write(target, text)
    wait_for(lambda: (s := state(client))["version"] == f"1.{i}" and s["status"] == "ok")
    if hammer is not None:
        wait_for(lambda: f"1.{i}" in hammer.versions)


POLICIES_ORIGINAL: Path = None  # type: ignore[assignment]  (set by the fixture: a pristine copy)


@pytest.fixture()
def watched(tmp_path):
    global POLICIES_ORIGINAL
    POLICIES_ORIGINAL = copy_policies(tmp_path / "original")
    policies = copy_policies(tmp_path / "served")
    app = make_app(policies, reload_interval=0.05)
    yield app, app.test_client(), policies
    close(app)


def test_faulty_files_never_take_the_last_good_version_down(watched, monkeypatch):
    app, client, policies = watched
    shop = policies / "shop"
    orders, header = shop / "orders.rules", shop / "pack.rules"
    text = orders.read_text()
    seen_failures = []
    with Hammer(app) as hammer:
        wait_for(lambda: "1.0" in hammer.versions)
        # 1. cut off mid-write: half the file lands, the watcher loads it, then the rest lands
        with open(orders, "w") as f:
            f.write(text[: len(text) // 2])
            f.flush()
            os.fsync(f.fileno())
            seen_failures.append(failed_with(client, "E002"))
            f.write(text[len(text) // 2 :])
        restore(client, policies, 1, hammer)

        # 2. not UTF-8: a byte sequence no decoder takes
        write(orders, orders.read_bytes().replace(b"Orders", b"Ord\xff\xfers"))
        seen_failures.append(failed_with(client, "E001"))
        restore(client, policies, 2, hammer)

        # 3. a folder where the file was
        orders.unlink()
        orders.mkdir()
        (orders / "x").write_text("x")
        seen_failures.append(failed_with(client, "E001"))
        restore(client, policies, 3, hammer)

        # 4. a file the other files import is deleted
        header.unlink()
        seen_failures.append(failed_with(client, "E105"))
        restore(client, policies, 4, hammer)

        # 5. the read fails (what chmod 000 does for a user other than root)
        from ruleproof.server import packfiles, registry

        def refuse(path, *args, **kwargs):
            if path.name == "orders.rules" and "served" in str(path):
                raise packfiles.Unreadable("permission denied")
            return packfiles.read_source(path, *args, **kwargs)

        current = orders.read_text()
        monkeypatch.setattr(registry, "read_source", refuse)
        write(orders, current + "\n")
        seen_failures.append(failed_with(client, "E001"))
        monkeypatch.setattr(registry, "read_source", packfiles.read_source)
        restore(client, policies, 5, hammer)

        # 6. a new version that parses and type checks but the formal checks refuse (a conflict)
        conflicting = good_version(POLICIES_ORIGINAL, 6)
        conflicting["orders.rules"] += ('\nrule closes_anyway cite "Art. 9":\n  when today > placed_on\n'
                                        "  then order_closed = false\n")
        write(orders, conflicting["orders.rules"])
        write(header, conflicting["pack.rules"])
        refused = failed_with(client, "E602")
        seen_failures.append(refused)
        assert refused["version"] == "1.5"  # 1.6 was refused
        assert refused["last_failure"]["message"] == "the formal checks found 1 error"
        restore(client, policies, 7, hammer)
    print(f"{hammer.count} decisions during the faults, {len(hammer.problems)} failed or mixed")
    assert not hammer.problems, hammer.problems[:3]
    assert hammer.count > 50
    # every good version served in turn, the refused ones never
    assert {"1.0", "1.1", "1.2", "1.3", "1.4", "1.5", "1.7"} <= set(hammer.versions) and "1.6" not in hammer.versions
    for failure in seen_failures:  # each refusal said where, in the pack's own file names
        diagnostics = failure["last_failure"]["diagnostics"]
        assert diagnostics and all(d["location"]["file"].startswith("policies/shop/") for d in diagnostics)
        assert failure["last_failure"]["message"]
    # the watcher counted every refusal (and maybe a moment between two writes of a restore)
    metrics = client.get("/metrics").get_data(as_text=True)
    [failures] = [line for line in metrics.splitlines() if line.startswith('ruleproof_reload_failures_total{pack="shop"}')]
    assert float(failures.split()[-1]) >= 6
    assert client.get("/ready").status_code == 200


def test_a_pack_that_never_loaded_is_unavailable_not_an_error(watched):
    """A new pack folder whose first version is broken: 503 with a pointer to its diagnostics,
    and the other packs are not disturbed."""
    app, client, policies = watched
    (policies / "broken").mkdir()
    write(policies / "broken" / "pack.rules", b'pack broken version "1"\nfact x: \xff\n')
    wait_for(lambda: client.get("/v1/packs/broken").status_code == 200)
    body = client.post("/v1/decide", json={"pack": "broken", "facts": {}}).json
    assert body["code"] == "pack_unavailable" and "/v1/packs/broken" in body["errors"][0]["message"]
    assert client.post("/v1/decide", json={"pack": "shop", "facts": CASE}).status_code == 200
    assert client.get("/ready").status_code == 503
