"""The service's configuration and the `serve` command's options."""

from __future__ import annotations

from pathlib import Path

import pytest
from ruleproof import main as cli
from ruleproof.server.config import MIB, ServerConfig, coerce_config
from ruleproof.server.serve import bind_address
from server_support import POLICIES


def test_defaults():
    cfg = ServerConfig()
    assert cfg.policies_dir == Path("policies") and cfg.max_request_bytes == MIB
    assert cfg.admin_token is None and cfg.decision_log == Path("decisions.sqlite")


def test_environment():
    cfg = ServerConfig.from_env({
        "RULEPROOF_ADMIN_TOKEN": "t", "RULEPROOF_DECISION_LOG": "off", "RULEPROOF_MAX_REQUEST_BYTES": "2048",
        "RULEPROOF_RELOAD_INTERVAL": "0.5", "RULEPROOF_LOG_BATCH_DECISIONS": "false", "RULEPROOF_POLICIES_DIR": "/p",
    })
    assert cfg.admin_token == "t" and cfg.decision_log is None and cfg.max_request_bytes == 2048
    assert cfg.reload_interval == 0.5 and cfg.log_batch_decisions is False and cfg.policies_dir == Path("/p")
    assert ServerConfig.from_env({"RULEPROOF_ADMIN_TOKEN": ""}).admin_token is None
    assert ServerConfig.from_env({"RULEPROOF_ADMIN_TOKEN": "t"}, admin_token="u").admin_token == "u"


def test_a_mapping_overrides_the_defaults_not_the_environment(monkeypatch):
    monkeypatch.setenv("RULEPROOF_ADMIN_TOKEN", "from-env")
    assert coerce_config({"policies_dir": "x"}) == ServerConfig(policies_dir=Path("x"))
    assert coerce_config(None).admin_token == "from-env"


def test_bind_address():
    assert bind_address("127.0.0.1", 8080) == "127.0.0.1:8080"
    assert bind_address("::1", 8080) == "[::1]:8080"


def test_serve_passes_its_options(monkeypatch):
    seen = {}

    def fake_serve(config, **options):
        seen.update(options, config=config)

    monkeypatch.setattr("ruleproof.server.serve.serve", fake_serve)
    monkeypatch.delenv("RULEPROOF_ADMIN_TOKEN", raising=False)
    code = cli.main(["serve", "--policies", str(POLICIES), "--port", "9999", "--workers", "3", "--threads", "2",
                     "--decision-log", "off", "--reload-interval", "0"])
    assert code == 0
    assert seen["port"] == 9999 and seen["workers"] == 3 and seen["threads"] == 2 and seen["host"] == "127.0.0.1"
    assert seen["config"].policies_dir == POLICIES and seen["config"].decision_log is None
    assert seen["config"].reload_interval == 0


def test_serve_refuses_a_missing_folder(tmp_path, capsys):
    assert cli.main(["serve", "--policies", str(tmp_path / "none")]) == 2
    assert "no such folder" in capsys.readouterr().err


@pytest.mark.parametrize("argv", [["replay"], ["replay", "--log", "x"], ["serve", "--port", "x"]])
def test_usage_errors(argv):
    assert cli.main(argv) == 2


@pytest.mark.parametrize(("option", "message"), [
    (["--port", "99999"], "--port 99999: a port is a number from 1 to 65535"),
    (["--port", "0"], "--port 0: a port is a number from 1 to 65535"),
    (["--workers", "0"], "--workers 0: at least one worker process"),
    (["--threads", "1"], "--threads 1: at least two, one is always kept for decisions"),
])
def test_serve_refuses_what_would_serve_nothing(option, message, capsys):
    assert cli.main(["serve", "--policies", str(POLICIES), *option]) == 2
    err = capsys.readouterr().err
    assert message in err and "internal error" not in err
