"""An installed ruleproof is one top-level package, `ruleproof`, with its grammar, static files
and diagnostics reference; installed from its wheel into a fresh venv outside the repository it
serves the playground and its assets."""

from __future__ import annotations

import email
import re
import shutil
import subprocess
import sys
import sysconfig
import urllib.request
import zipfile
from pathlib import Path

import pytest
from server_support import Served

REPO = Path(__file__).resolve().parent.parent


@pytest.fixture(scope="module")
def wheel(tmp_path_factory) -> Path:
    """The wheel `pip wheel .` builds from the working tree."""
    out = tmp_path_factory.mktemp("wheel")
    subprocess.run([sys.executable, "-m", "pip", "wheel", "--no-deps", "--no-build-isolation", "-q", "-w", str(out),
                    str(REPO)], check=True, capture_output=True, text=True)
    (built,) = out.glob("ruleproof-*.whl")
    return built


def test_the_wheel_has_one_top_level_name(wheel):
    names = zipfile.ZipFile(wheel).namelist()
    tops = {n.split("/")[0] for n in names}
    assert {t for t in tops if not t.endswith(".dist-info")} == {"ruleproof"}, sorted(tops)
    for needed in ("ruleproof/__main__.py", "ruleproof/main.py", "ruleproof/checker/semantics/outcomes.py",
                   "ruleproof/grammar/ruleproof.lark", "ruleproof/server/static/playground.js",
                   "ruleproof/server/static/playground.html", "ruleproof/specs/diagnostics.md"):
        assert needed in names, needed
    folders = {"cli": "ruleproof", "checker": "ruleproof/checker", "server": "ruleproof/server", "grammar": "ruleproof/grammar"}
    for folder, installed in folders.items():
        for module in (REPO / folder).rglob("*.py"):
            assert f"{installed}/{module.relative_to(REPO / folder).as_posix()}" in names, f"{module} is not in the wheel"
    top_level = next(n for n in names if n.endswith(".dist-info/top_level.txt"))
    assert zipfile.ZipFile(wheel).read(top_level).decode().split() == ["ruleproof"]


def test_the_checker_never_imports_the_server():
    offenders = [str(p.relative_to(REPO)) for p in (REPO / "checker").rglob("*.py")
                 if any(line.lstrip().startswith(("from ruleproof.server", "import ruleproof.server"))
                        for line in p.read_text().splitlines())]
    assert offenders == []


def test_python_dash_m_ruleproof_runs_the_cli():
    done = subprocess.run([sys.executable, "-m", "ruleproof", "--help"], capture_output=True, text=True, cwd="/")
    assert done.returncode == 0 and "check" in done.stdout


def test_the_wheel_carries_license_and_metadata(wheel):
    archive = zipfile.ZipFile(wheel)
    names = archive.namelist()
    assert any(n.endswith(".dist-info/licenses/LICENSE") for n in names), names
    meta = email.message_from_bytes(archive.read(next(n for n in names if n.endswith(".dist-info/METADATA"))))
    assert meta["License-Expression"] == "Apache-2.0"
    classifiers = meta.get_all("Classifier")
    assert "Programming Language :: Python :: 3.11" in classifiers and len(classifiers) >= 8
    assert "Apache License" in (REPO / "LICENSE").read_text()
    urls = dict(line.split(", ", 1) for line in meta.get_all("Project-URL"))
    assert set(urls) == {"Homepage", "Documentation", "Issues"}, urls
    for url in urls.values():  # repository-relative: each names a document of the repository (and its heading)
        path, _, anchor = url.partition("#")
        assert (REPO / path).is_file(), url
        headings = {re.sub(r"[^a-z0-9 -]", "", h.lower()).replace(" ", "-")
                    for h in re.findall(r"^#+ (.+)$", (REPO / path).read_text(), re.M)}
        assert not anchor or anchor in headings, url


def _get(url: str) -> tuple[int, str, bytes]:
    with urllib.request.urlopen(url, timeout=10) as response:
        return response.status, response.headers.get_content_type(), response.read()


def test_installed_from_the_wheel_it_serves_the_playground(wheel, tmp_path):
    """A venv outside the repository, ruleproof from the wheel (its dependencies from this
    test's environment, by a .pth line: no index is needed), run from a folder outside it."""
    venv = tmp_path / "venv"
    subprocess.run([sys.executable, "-m", "venv", "--without-pip", str(venv)], check=True)
    python = venv / "bin" / "python"
    subprocess.run([sys.executable, "-m", "pip", "--python", str(python), "install", "-q", "--no-deps", "--no-index",
                    str(wheel)], check=True, capture_output=True)
    site = Path(subprocess.run([str(python), "-c", "import sysconfig; print(sysconfig.get_paths()['purelib'])"],
                               check=True, capture_output=True, text=True).stdout.strip())
    (site / "zz_dependencies.pth").write_text(sysconfig.get_paths()["purelib"] + "\n")
    work = tmp_path / "elsewhere"
    shutil.copytree(REPO / "policies", work / "policies")
    where = subprocess.run([str(python), "-c", "import ruleproof, ruleproof.server; print(ruleproof.server.__file__)"],
                           cwd=work, check=True, capture_output=True, text=True).stdout
    assert where.startswith(str(site)), where
    done = subprocess.run([str(venv / "bin" / "ruleproof"), "explain", "E602"], cwd=work, capture_output=True, text=True)
    assert done.returncode == 0 and done.stdout.startswith("### E602 conflict"), done.stderr
    done = subprocess.run([str(python), "-m", "ruleproof", "--version"], cwd=work, capture_output=True, text=True)
    assert done.stdout.startswith("ruleproof ")
    server = Served(work / "policies", "--workers", "1", "--decision-log", "off", command=[str(venv / "bin" / "ruleproof")],
                    cwd=work).wait_ready()
    try:
        status, kind, page = _get(server.base + "/")
        assert status == 200 and kind == "text/html" and b"<html" in page
        assets = [a.decode() for a in re.findall(rb'(?:src|href)="(/static/[^"]+)"', page)]
        assert any(a.endswith(".js") for a in assets) and any(a.endswith(".css") for a in assets), assets
        for asset in assets:
            status, kind, body = _get(server.base + asset)
            assert status == 200 and body, asset
    finally:
        server.stop()
