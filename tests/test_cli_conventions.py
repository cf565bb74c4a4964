"""The command line's conventions (issue 15, item 2): --version, colour, each finding's case
and documentation, open errors before accepted ones, one JSON document, [tool.ruleproof]
defaults, --watch, shell completion, explain, init, and diff/replay texts that show changes."""

from __future__ import annotations

import json
import os
import queue
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest
from ruleproof.main import main
from ruleproof.output import ColorMode, wants_color

HERE = Path(__file__).parent
REPO = HERE.parent
CHECKS = HERE / "checks"
CONFLICT = CHECKS / "conflict.trigger.rules"
ACCEPTED = CHECKS / "accepted.trigger.rules"
CLEAN = CHECKS / "conflict.clean.rules"
RULEPROOF = Path(sys.executable).parent / "ruleproof"


def run(capsys, *argv) -> tuple[int, str, str]:
    code = main([str(a) for a in argv])
    out, err = capsys.readouterr()
    assert "Traceback" not in out + err
    return code, out, err


def test_version(capsys):
    code, out, _ = run(capsys, "--version")
    assert code == 0 and out.startswith("ruleproof ") and out.split()[1][0].isdigit()


def test_a_finding_shows_its_case_timeline_and_documentation(capsys):
    code, out, _ = run(capsys, "check", CONFLICT, "--color", "never")
    assert code == 1
    block = out.split("\n\n")[0]
    assert block.startswith("error[E602]")
    case = block.split("= case:\n", 1)[1].split("  = ", 1)[0]
    assert "promised = 10" in case and "shipped_on = " in case
    assert "= timeline: " in block
    assert block.rstrip().endswith("= docs: ruleproof explain E602 (specs/diagnostics.md#e602-conflict)")
    assert "\x1b[" not in out


def test_open_findings_come_before_accepted_ones_which_say_so_in_words(capsys):
    code, out, _ = run(capsys, "check", ACCEPTED)
    heads = [line for line in out.splitlines() if line and not line[0].isspace() and "[" in line.split(":")[0]
             or line.startswith("accepted ")]
    assert heads[0].startswith("warning[W405]") and heads[-1].startswith("accepted warning W612:")
    assert "= accepted because: categories not in the table" in out
    assert out.rstrip().endswith("0 errors, 1 warning, 1 accepted")
    code, quiet, _ = run(capsys, "check", ACCEPTED, "--quiet")
    assert "W612" not in quiet and "W405" in quiet and quiet.rstrip().endswith("1 accepted")


def test_color_always_never_and_no_color(capsys, monkeypatch):
    code, out, _ = run(capsys, "check", CONFLICT, "--color", "always")
    assert "\x1b[1;31merror[E602]" in out
    code, out, _ = run(capsys, "--color", "always", "check", CONFLICT)  # before the subcommand too
    assert "\x1b[" in out
    monkeypatch.setenv("NO_COLOR", "1")
    master, slave = os.openpty()
    with open(slave, "w") as tty:
        assert not wants_color(ColorMode.AUTO, tty)
        monkeypatch.delenv("NO_COLOR")
        assert wants_color(ColorMode.AUTO, tty)
        assert not wants_color(ColorMode.NEVER, tty)
    os.close(master)
    assert not wants_color(ColorMode.AUTO, sys.stdout)  # captured: not a terminal


def test_several_packs_are_one_json_document(capsys):
    code, out, _ = run(capsys, "check", CONFLICT, CLEAN, "--format", "json")
    body = json.loads(out)
    assert code == 1 and [r["path"] for r in body["reports"]] == [str(CONFLICT), str(CLEAN)]
    assert body["errors"] == sum(r["errors"] for r in body["reports"]) >= 1
    code, out, _ = run(capsys, "check", CLEAN, "--format", "json")
    assert json.loads(out)["path"] == str(CLEAN)  # one pack: its report, as the server serves it


def test_defaults_from_pyproject(capsys, tmp_path, monkeypatch):
    (tmp_path / "rules").mkdir()
    (tmp_path / "rules" / "a.rules").write_text(CONFLICT.read_text())
    (tmp_path / "pyproject.toml").write_text('[tool.ruleproof]\npaths = ["rules"]\nformat = "json"\nfail-on = "error"\n')
    (tmp_path / "sub").mkdir()
    monkeypatch.chdir(tmp_path / "sub")  # found from a folder below it, paths relative to the file
    code, out, _ = run(capsys, "check")
    assert code == 1 and json.loads(out)["diagnostics"][0]["code"] == "E602"
    code, out, _ = run(capsys, "check", "--format", "text")  # a flag wins
    assert out.startswith("error[E602]")
    (tmp_path / "pyproject.toml").write_text('[tool.ruleproof]\nformat = "yaml"\n')
    code, _, err = run(capsys, "check")
    assert code == 2 and "format = 'yaml'" in err and "pyproject.toml" in err
    (tmp_path / "pyproject.toml").write_text("[project]\nname = 'x'\n")
    code, _, err = run(capsys, "check")
    assert code == 2 and "no pack given" in err


def test_explain_prints_the_codes_documentation(capsys):
    code, out, _ = run(capsys, "explain", "e602")
    assert code == 0 and out.startswith("### E602 conflict") and "**Fix.**" in out and "### E603" not in out
    code, _, err = run(capsys, "explain", "E999")
    assert code == 2 and "no diagnostic code E999" in err
    code, out, _ = run(capsys, "explain", "--list")
    assert "W608  warning  boundary-disagreement" in out


def test_completion_scripts(capsys):
    code, out, _ = run(capsys, "completion", "bash")
    assert code == 0 and "complete" in out and "explain" in out and "--fail-on" in out
    script = subprocess.run(["bash", "-c", "source /dev/stdin && complete -p ruleproof"], input=out, text=True,
                            capture_output=True)
    assert script.returncode == 0 and "ruleproof" in script.stdout, script.stderr
    code, out, _ = run(capsys, "completion", "zsh")
    assert code == 0 and "#compdef ruleproof" in out


def test_init_scaffolds_a_pack_that_checks_clean(capsys, tmp_path):
    folder = tmp_path / "My Returns"
    code, out, _ = run(capsys, "init", folder)
    assert code == 0 and "pack.rules" in out
    text = (folder / "pack.rules").read_text()
    for part in ("pack my_returns ", "\nfact ", "\nrule ", "\nexample ", "\nproperty ", "because "):
        assert part in text, part
    code, out, _ = run(capsys, "check", folder)
    assert code == 0 and out.strip() == "0 errors, 0 warnings", out
    code, out, _ = run(capsys, "test", folder)
    assert code == 0 and "2 passed, 0 failed" in out and "100.0%" in out
    code, out, _ = run(capsys, "decide", folder, "--facts", folder / "case.json")
    assert code == 0 and "return_allowed" in out
    code, _, err = run(capsys, "init", folder)
    assert code == 2 and "already holds .rules files" in err


TWO = """pack two version "{v}"
fact x: int
fact y: int
fact z: int
decision a: bool = x > {t}
decision b: bool = y > 1
decision c: bool = z > 1
"""


def test_diff_text_shows_changes_with_the_facts_that_matter(capsys, tmp_path):
    old, new = tmp_path / "old.rules", tmp_path / "new.rules"
    old.write_text(TWO.format(v="1", t=5))
    new.write_text(TWO.format(v="2", t=7))
    code, out, _ = run(capsys, "diff", old, new)
    lines = out.splitlines()
    assert [line.split()[0] for line in lines[1:-1]] == ["changed", "when"]
    assert lines[2].split("when ")[1].startswith("x = ") and "y =" not in lines[2] and "z =" not in lines[2]
    assert lines[-1] == "1 of 3 decisions differ"
    code, out, _ = run(capsys, "diff", old, new, "--all")
    assert "equivalent  b" in out and "equivalent  c" in out
    code, out, _ = run(capsys, "diff", old, new, "--format", "json")
    changed = next(d for d in json.loads(out)["decisions"] if d["status"] == "changed")
    assert set(changed["witness"]) == {"x", "y", "z"}  # the JSON keeps the whole case, to replay


def _lines(stream, sink: queue.Queue) -> None:
    for line in stream:
        sink.put(line)


def _wait_for(sink: queue.Queue, needle: str, seconds: float = 20, poke=None) -> str:
    """The lines up to the first holding `needle`; `poke` (if given) is called every second
    until then (the watcher may start after the first change)."""
    seen, deadline, poked = [], time.monotonic() + seconds, 0.0
    while time.monotonic() < deadline:
        if poke is not None and time.monotonic() - poked > 1:
            poke()
            poked = time.monotonic()
        try:
            line = sink.get(timeout=0.2)
        except queue.Empty:
            continue
        seen.append(line)
        if needle in line:
            return "".join(seen)
    raise AssertionError(f"no {needle!r} within {seconds} s; saw {''.join(seen)!r}")


@pytest.mark.parametrize("command", ["check", "test"])
def test_watch_runs_again_when_a_rules_file_changes(tmp_path, command):
    assert main(["init", str(tmp_path / "p")]) == 0
    rules = tmp_path / "p" / "pack.rules"
    argv = [str(RULEPROOF), command, str(tmp_path / "p"), "--watch", "--color", "never"]
    argv += ["--front-end-only"] if command == "check" else []
    proc = subprocess.Popen(argv, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    try:
        sink: queue.Queue = queue.Queue()
        threading.Thread(target=_lines, args=(proc.stdout, sink), daemon=True).start()
        _wait_for(sink, "0 errors" if command == "check" else "2 passed")
        _wait_for(sink, "watching")
        if command == "check":
            broken = rules.read_text().replace("delivered_on + 14 days", "delivered_on + 14")
            seen = _wait_for(sink, "1 error", poke=lambda: rules.write_text(broken))
            assert "changed: pack.rules" in seen and "E201" in seen
        else:
            failing = rules.read_text().replace("expect return_deadline = 2025-03-17", "expect return_deadline = 2025-03-18")
            assert "1 passed, 1 failed" in _wait_for(sink, "1 failed", poke=lambda: rules.write_text(failing))
    finally:
        proc.terminate()
        proc.wait(timeout=10)

