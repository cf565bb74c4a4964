"""Which files make a pack (checker/packs.py): one definition for `ruleproof check` and the
service, so a file in a subfolder of a pack counts for both."""

from __future__ import annotations

import json
from pathlib import Path

from ruleproof.checker.packs import pack_files, pack_folders, pack_paths
from ruleproof.main import main
from server_support import close, copy_policies, make_app

BAD = "decision broken: bool = (\n"


def _with_bad_file_in_a_subfolder(tmp_path: Path) -> Path:
    policies = copy_policies(tmp_path)
    (policies / "shop" / "extra").mkdir()
    (policies / "shop" / "extra" / "broken.rules").write_text(BAD)
    return policies


def _where(diag: dict) -> tuple:
    loc = diag["location"]
    return diag["code"], diag["message"], Path(loc["file"]).parts[-3:], loc["line"], loc["column"], diag["help"]


def test_a_pack_is_every_rules_file_under_its_folder(tmp_path: Path) -> None:
    policies = _with_bad_file_in_a_subfolder(tmp_path)
    shop = policies / "shop"
    assert [p.relative_to(shop).as_posix() for p in pack_files(shop)] == ["extra/broken.rules", "orders.rules", "pack.rules"]
    assert pack_folders(policies) == [shop]
    assert pack_paths(policies) == [shop]
    assert pack_paths(shop) == [shop]


def test_check_and_the_service_report_a_bad_file_in_a_subfolder_alike(tmp_path: Path, capsys) -> None:
    policies = _with_bad_file_in_a_subfolder(tmp_path)
    reported = []
    for target in (policies, policies / "shop"):
        assert main(["check", str(target), "--front-end-only", "--format", "json"]) == 1
        body = json.loads(capsys.readouterr().out)
        reported.append([_where(d) for d in body["diagnostics"] if d["severity"] == "error"])
    app = make_app(policies)
    try:
        detail = app.test_client().get("/v1/packs/shop").json
    finally:
        close(app)
    assert detail["serving"] is False
    served = [_where(d) for d in detail["last_failure"]["diagnostics"] if d["severity"] == "error"]
    assert reported[0] == reported[1] == served
    assert [(code, parts) for code, _, parts, *_ in served] == [("E002", ("shop", "extra", "broken.rules"))]
