"""End to end: `ruleproof decide` (json, text, --decision, --partial), `when` and `test`, with
the exit codes a caller relies on — 0 answered, 1 failing examples, 2 bad input — and no
Python traceback for any input.

Most calls go through `ruleproof.main.main` in-process on a small refund pack (fast); a few run
the real marketplace pack, and a few run as a separate process.
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest
from ruleproof.main import main

ROOT = Path(__file__).resolve().parent.parent
MARKETPLACE = ROOT / "policies" / "marketplace"

# The refund window of the marketplace (Art. 35, 36, 39) as one small file, so that these tests
# do not move when the marketplace pack grows.
REFUND_PACK = """
pack refunds version "1.0"

fact today: date cite "the day the question is asked"
fact shipped_on: date? cite "Art. 35"
fact promised_delivery_days: days cite "Art. 35"
fact platform_default_delivery_days: days cite "Art. 35"
fact delivery_extension_days: days = 0 days cite "Art. 35"
fact buyer_confirmed_on: date? cite "Art. 35"
fact refund_requested_on: date? cite "Art. 39"
fact order_kind: standard | russian_boutique | local_warehouse = standard cite "Art. 39"
fact order_amount: money USD = 0 USD cite "the order's amount"

const refund_wait = 10 days cite "Art. 36"

decision confirmation_deadline: date cite "Art. 35"
  when shipped_on is present
  = shipped_on + max(promised_delivery_days, platform_default_delivery_days) + delivery_extension_days

decision refund_request_opens: date cite "Art. 36, Art. 39"
rule refund_after_ten_days cite "Art. 36":
  when shipped_on is present and promised_delivery_days >= refund_wait
  then refund_request_opens = shipped_on + refund_wait
rule refund_immediately cite "Art. 36":
  when shipped_on is present and promised_delivery_days < refund_wait
  then refund_request_opens = shipped_on
rule refund_immediately_special_orders cite "Art. 39":
  when shipped_on is present and order_kind in {russian_boutique, local_warehouse}
  then refund_request_opens = shipped_on
  overrides refund_after_ten_days
  because "the article says so"

window refund_request = [refund_request_opens, confirmation_deadline] cite "Art. 35, Art. 36, Art. 39"

decision refund_request_allowed: bool default false cite "Art. 39"
rule refund_request_in_window cite "Art. 39":
  when buyer_confirmed_on is absent and refund_requested_on is absent and today in refund_request
  then refund_request_allowed = true

decision refund_fee: money USD default 0 USD cite "a fee, for money on the wire"
rule fee_on_large_orders cite "fees": when order_amount > 100 USD then refund_fee = round(order_amount * 2.5%, 2)

example "promised 9 days: at once" cite "Art. 36":
  given shipped_on = 2025-06-13, promised_delivery_days = 9 days,
        platform_default_delivery_days = 15 days, today = 2025-06-13
  expect refund_request_opens = 2025-06-13, refund_request_allowed = true, confirmation_deadline = 2025-06-28

example "promised 12 days: ten days later" cite "Art. 36":
  given shipped_on = 2025-06-13, promised_delivery_days = 12 days,
        platform_default_delivery_days = 15 days, today = 2025-06-20
  expect refund_request_opens = 2025-06-23, refund_request_allowed = false
"""

FAILING_EXAMPLE = """
example "a wrong expectation" cite "Art. 36":
  given shipped_on = 2025-06-13, promised_delivery_days = 12 days,
        platform_default_delivery_days = 15 days, today = 2025-06-20
  expect refund_request_opens = 2025-06-13
"""

CASE = {"today": "2025-06-24", "shipped_on": "2025-06-13", "promised_delivery_days": 12,
        "platform_default_delivery_days": 15, "order_amount": 250.40}


@pytest.fixture(scope="module")
def pack(tmp_path_factory) -> Path:
    folder = tmp_path_factory.mktemp("refunds")
    (folder / "refunds.rules").write_text(REFUND_PACK)
    return folder


@pytest.fixture(scope="module")
def failing_pack(tmp_path_factory) -> Path:
    folder = tmp_path_factory.mktemp("failing")
    (folder / "refunds.rules").write_text(REFUND_PACK + FAILING_EXAMPLE)
    return folder


def facts_file(tmp_path: Path, content: object, raw: bool = False) -> str:
    path = tmp_path / "facts.json"
    if raw:
        path.write_bytes(content if isinstance(content, bytes) else content.encode())
    else:
        path.write_text(json.dumps(content))
    return str(path)


def run(capsys, *argv: str) -> tuple[int, str, str]:
    """`ruleproof ARGV` in-process: exit code, stdout, stderr. Any exception fails the test."""
    code = main([str(a) for a in argv])
    out, err = capsys.readouterr()
    assert "Traceback" not in out + err
    return code, out, err


# ---------------------------------------------------------------- decide


def test_decide_json(capsys, tmp_path, pack):
    code, out, err = run(capsys, "decide", pack, "--facts", facts_file(tmp_path, CASE), "--format", "json")
    assert (code, err) == (0, "")
    body = json.loads(out)
    assert (body["pack"], body["version"]) == ("refunds", "1.0")
    assert body["decisions"] == {
        "confirmation_deadline": "2025-06-28", "refund_request_opens": "2025-06-23",
        "refund_request_allowed": True, "refund_fee": 6.26,  # 2.5% of 250.40 = 6.26, rounded half up
    }
    assert body["undetermined"] == {}
    rules = {r["rule"]: r["status"] for entry in body["trace"] for r in entry["rules"]}
    assert rules["refund_after_ten_days"] == "fired" and rules["refund_immediately"] == "not fired"


def test_decide_text(capsys, tmp_path, pack):
    code, out, _ = run(capsys, "decide", pack, "--facts", facts_file(tmp_path, CASE))
    assert code == 0
    assert out.startswith("refunds 1.0\n")
    lines = {line.split()[0]: line.split(None, 1)[1] for line in out.splitlines()[1:5]}
    assert lines == {"confirmation_deadline": "2025-06-28", "refund_request_opens": "2025-06-23",
                     "refund_request_allowed": "true", "refund_fee": "6.26"}
    assert "fired       refund_after_ten_days  [Art. 36]" in out


def test_decide_one_decision_and_undetermined(capsys, tmp_path, pack):
    facts = {k: v for k, v in CASE.items() if k != "today"}
    code, out, _ = run(capsys, "decide", pack, "--facts", facts_file(tmp_path, facts), "--format", "json",
                       "--decision", "refund_request_allowed", "--decision", "refund_request_opens")
    assert code == 0
    body = json.loads(out)
    assert body["decisions"] == {"refund_request_opens": "2025-06-23"}
    assert body["undetermined"] == {"refund_request_allowed": {"reason": "missing facts", "cause": "missing_fact", "depends_on": ["today"]}}


def test_decide_not_shipped_says_why(capsys, tmp_path, pack):
    facts = {**CASE, "shipped_on": None}
    code, out, _ = run(capsys, "decide", pack, "--facts", facts_file(tmp_path, facts), "--format", "json")
    assert code == 0
    body = json.loads(out)
    assert body["decisions"]["refund_request_allowed"] is False
    assert body["undetermined"]["refund_request_opens"] == {"reason": "no rule applies", "cause": "no_value", "depends_on": ["shipped_on"]}


def test_decide_reads_standard_input(capsys, monkeypatch, pack):
    import io

    monkeypatch.setattr(sys, "stdin", io.StringIO(json.dumps(CASE)))
    code, out, _ = run(capsys, "decide", pack, "--facts", "-", "--format", "json")
    assert code == 0 and json.loads(out)["decisions"]["refund_request_allowed"] is True


def test_decide_partial(capsys, tmp_path, pack):
    facts = {k: v for k, v in CASE.items() if k != "today"}
    code, out, _ = run(capsys, "decide", pack, "--facts", facts_file(tmp_path, facts), "--partial", "--format", "json")
    assert code == 0
    partial = json.loads(out)["partial"]
    assert partial["refund_request_opens"]["forced"] == "2025-06-23"
    assert partial["confirmation_deadline"]["forced"] == "2025-06-28"
    allowed = partial["refund_request_allowed"]
    assert sorted(v["value"] for v in allowed["values"]) == [False, True]
    assert "today" in allowed["depends_on"]
    assert all(v["witness"]["shipped_on"] == "2025-06-13" for v in allowed["values"])


def test_decide_partial_text_is_a_line_per_decision(capsys, tmp_path, pack):
    facts = {k: v for k, v in CASE.items() if k != "today"}
    code, out, _ = run(capsys, "decide", pack, "--facts", facts_file(tmp_path, facts), "--partial")
    assert code == 0
    lines = out.splitlines()
    assert lines[0].endswith("what the given facts settle")
    assert any(line.split() == ["refund_request_opens", "=", "2025-06-23"] for line in lines)
    allowed = next(line for line in lines if line.split()[0] == "refund_request_allowed")
    assert ("one of true, false" in allowed or "one of false, true" in allowed) and "depends on" in allowed and "today" in allowed
    assert "witness" not in "\n".join(lines[1:-1])  # witnesses stay in the JSON form
    assert len(lines) == 6 and lines[-1].startswith("3 of 4 decisions settled")


# ---------------------------------------------------------------- when


def test_when_text(capsys, tmp_path, pack):
    facts = {k: v for k, v in CASE.items() if k != "today"}
    code, out, _ = run(capsys, "when", pack, "--facts", facts_file(tmp_path, facts), "--decision", "refund_request_allowed")
    assert code == 0
    assert out == "`refund_request_allowed` holds from 2025-06-23 to 2025-06-28\n"


def test_when_json_short_promise(capsys, tmp_path, pack):
    facts = {"shipped_on": "2025-06-13", "promised_delivery_days": 9, "platform_default_delivery_days": 15,
             "buyer_confirmed_on": None, "refund_requested_on": None}
    code, out, _ = run(capsys, "when", pack, "--facts", facts_file(tmp_path, facts), "--decision",
                       "refund_request_allowed", "--format", "json")
    assert code == 0
    answer = json.loads(out)
    assert (answer["first"], answer["last"]) == ("2025-06-13", "2025-06-28")
    assert answer["intervals"] == [{"first": "2025-06-13", "last": "2025-06-28"}]


def test_when_no_day(capsys, tmp_path, pack):
    facts = {**CASE, "refund_requested_on": "2025-06-20"}
    del facts["today"]
    code, out, _ = run(capsys, "when", pack, "--facts", facts_file(tmp_path, facts), "--decision", "refund_request_allowed")
    assert (code, out) == (0, "`refund_request_allowed` holds on no day\n")


# ---------------------------------------------------------------- test


def test_test_passes(capsys, pack):
    code, out, _ = run(capsys, "test", pack)
    assert code == 0
    assert "2 passed, 0 failed" in out


def test_test_fails_with_exit_1(capsys, failing_pack):
    code, out, _ = run(capsys, "test", failing_pack)
    assert code == 1
    assert "1 failed" in out and "a wrong expectation" in out


def test_test_json(capsys, failing_pack):
    code, out, _ = run(capsys, "test", failing_pack, "--format", "json")
    assert code == 1
    body = json.loads(out)
    assert (body["examples"], body["passed"], len(body["failed"])) == (3, 2, 1)


# ---------------------------------------------------------------- bad input: exit 2, a message, no traceback

BAD_FACTS = [
    pytest.param({**CASE, "today": "2026-02-30"}, "facts.today", id="no-such-date"),
    pytest.param({**CASE, "today": "2026-2-3"}, "facts.today", id="short-date"),
    pytest.param({**CASE, "today": "2026-02-03T10:00"}, "facts.today", id="datetime-for-date"),
    pytest.param({**CASE, "shipped_on": 20250613}, "facts.shipped_on", id="date-as-number"),
    pytest.param({**CASE, "promised_delivery_days": "12"}, "facts.promised_delivery_days", id="number-as-string"),
    pytest.param({**CASE, "promised_delivery_days": 12.5}, "facts.promised_delivery_days", id="fraction-of-a-day"),
    pytest.param({**CASE, "promised_delivery_days": True}, "facts.promised_delivery_days", id="bool-as-number"),
    pytest.param({**CASE, "order_amount": "250.40"}, "facts.order_amount", id="money-as-string"),
    pytest.param({**CASE, "order_amount": 250.405}, "facts.order_amount", id="money-finer-than-a-cent"),
    pytest.param({**CASE, "order_kind": "boutique"}, "facts.order_kind", id="unknown-member"),
    pytest.param({**CASE, "todya": "2025-06-24"}, "facts.todya", id="unknown-fact"),
    pytest.param({**CASE, "today": None}, "facts.today", id="null-required"),
    pytest.param([CASE], "facts", id="not-an-object"),
]


@pytest.mark.parametrize("facts, where", BAD_FACTS)
@pytest.mark.parametrize("command", ["decide", "decide-json", "partial", "when"])
def test_bad_facts_exit_2(capsys, tmp_path, pack, facts, where, command):
    path = facts_file(tmp_path, facts)
    argv = {
        "decide": ["decide", pack, "--facts", path],
        "decide-json": ["decide", pack, "--facts", path, "--format", "json"],
        "partial": ["decide", pack, "--facts", path, "--partial"],
        "when": ["when", pack, "--facts", path, "--decision", "refund_request_allowed"],
    }[command]
    code, out, err = run(capsys, *argv)
    assert code == 2
    assert out == ""
    assert err.startswith(f"ruleproof: {where}: ")


def test_unknown_fact_suggests_a_name(capsys, tmp_path, pack):
    _, _, err = run(capsys, "decide", pack, "--facts", facts_file(tmp_path, {**CASE, "todya": "2025-06-24"}))
    assert err == "ruleproof: facts.todya: unknown fact; did you mean `today`?\n"


def test_every_bad_fact_is_named(capsys, tmp_path, pack):
    facts = {**CASE, "today": "2026-02-30", "promised_delivery_days": "12"}
    code, _, err = run(capsys, "decide", pack, "--facts", facts_file(tmp_path, facts))
    assert code == 2
    assert "facts.today" in err and "facts.promised_delivery_days" in err


@pytest.mark.parametrize("content", [
    pytest.param('{"today": "2025-06-24",', id="truncated"),
    pytest.param("", id="empty"),
    pytest.param("{'today': '2025-06-24'}", id="single-quotes"),
])
def test_invalid_json_exit_2(capsys, tmp_path, pack, content):
    code, out, err = run(capsys, "decide", pack, "--facts", facts_file(tmp_path, content, raw=True))
    assert (code, out) == (2, "")
    assert "invalid JSON" in err and err.startswith("ruleproof: ")


@pytest.mark.parametrize("content", [
    pytest.param(b"\xff\xfe{}", id="not-utf8"),
    pytest.param("[" * 100_000, id="nested-too-deep"),
])
def test_unreadable_json_exit_2(capsys, tmp_path, pack, content):
    code, out, err = run(capsys, "decide", pack, "--facts", facts_file(tmp_path, content, raw=True))
    assert (code, out) == (2, "")
    assert err.startswith("ruleproof: ")


@pytest.mark.parametrize("content", [b"\xff\xfe{}", "[" * 100_000])
def test_unreadable_json_is_not_an_internal_error(capsys, tmp_path, pack, content):
    code, _, err = run(capsys, "decide", pack, "--facts", facts_file(tmp_path, content, raw=True))
    assert code == 2 and "internal error" not in err and ("UTF-8" in err or "nested too deeply" in err)


def test_missing_facts_file_exit_2(capsys, tmp_path, pack):
    code, _, err = run(capsys, "decide", pack, "--facts", tmp_path / "nowhere.json")
    assert code == 2 and "cannot read" in err


def test_unknown_pack_exit_2(capsys, tmp_path):
    code, out, err = run(capsys, "decide", tmp_path / "no-such-pack", "--facts", facts_file(tmp_path, CASE))
    assert (code, out) == (2, "")
    assert "no such file or folder" in err


def test_pack_with_errors_exit_2(capsys, tmp_path):
    (tmp_path / "broken.rules").write_text('pack broken version "1"\nfact today: date\ndecision d: date = today + 1\n')
    code, out, err = run(capsys, "decide", tmp_path / "broken.rules", "--facts", facts_file(tmp_path, {}))
    assert (code, out) == (2, "")
    assert "has errors" in err


@pytest.mark.parametrize("argv", [
    pytest.param(["decide", "{pack}", "--facts", "{facts}", "--decision", "refund_allowed"], id="decide-unknown-decision"),
    pytest.param(["decide", "{pack}", "--facts", "{facts}", "--partial", "--decision", "nope"], id="partial-unknown-decision"),
    pytest.param(["when", "{pack}", "--facts", "{facts}", "--decision", "refund_request_opens"], id="when-not-boolean"),
    pytest.param(["when", "{pack}", "--facts", "{facts}", "--decision", "refund_request_allowed", "--day", "shipped"],
                 id="when-unknown-day-fact"),
    pytest.param(["decide", "{pack}"], id="no-facts-option"),
    pytest.param(["decide", "{pack}", "--facts", "{facts}", "--format", "yaml"], id="unknown-format"),
    pytest.param(["frobnicate"], id="unknown-command"),
])
def test_usage_errors_exit_2(capsys, tmp_path, pack, argv):
    path = facts_file(tmp_path, CASE)
    code, out, err = run(capsys, *[a.format(pack=pack, facts=path) for a in argv])
    assert code == 2
    assert out == ""
    assert err


def test_unknown_decision_is_named(capsys, tmp_path, pack):
    _, _, err = run(capsys, "decide", pack, "--facts", facts_file(tmp_path, CASE), "--decision", "refund_allowed")
    assert "`refund_allowed`" in err


@pytest.mark.parametrize("partial", [[], ["--partial"]], ids=["decide", "partial"])
def test_unknown_decisions_have_one_error_shape(capsys, tmp_path, pack, partial):
    """The same wording as the server's `unknown_decision` errors (checker.decisions.require_decisions)."""
    code, _, err = run(capsys, "decide", pack, "--facts", facts_file(tmp_path, CASE), *partial,
                       "--decision", "refund_request_allowed", "--decision", "nope")
    assert (code, err) == (2, "ruleproof: decisions[1]: unknown decision `nope`\n")


# ---------------------------------------------------------------- the marketplace pack


def test_marketplace_refund_question(capsys, tmp_path):
    facts = {"today": "2025-06-24", "placed_on": "2025-06-01", "shipped_on": "2025-06-13",
             "promised_delivery_days": 12, "platform_default_delivery_days": 15, "stocking_days": 5}
    code, out, _ = run(capsys, "decide", MARKETPLACE, "--facts", facts_file(tmp_path, facts), "--format", "json",
                       "--decision", "refund_request_allowed", "--decision", "refund_request_opens")
    assert code == 0
    assert json.loads(out)["decisions"] == {"refund_request_allowed": True, "refund_request_opens": "2025-06-23"}


def test_marketplace_when(capsys, tmp_path):
    facts = {"shipped_on": "2025-06-13", "promised_delivery_days": 12, "platform_default_delivery_days": 15}
    code, out, _ = run(capsys, "when", MARKETPLACE, "--facts", facts_file(tmp_path, facts),
                       "--decision", "refund_request_allowed")
    assert (code, out) == (0, "`refund_request_allowed` holds from 2025-06-23 to 2025-06-28\n")


def test_marketplace_examples_pass(capsys):
    code, out, _ = run(capsys, "test", MARKETPLACE)
    assert code == 0, out
    assert " 0 failed" in out


# ---------------------------------------------------------------- as a separate process


def _process(*argv: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "ruleproof", *map(str, argv)], capture_output=True, text=True,
                          cwd=ROOT, timeout=120)


def test_process_decide_json(tmp_path, pack):
    done = _process("decide", pack, "--facts", facts_file(tmp_path, CASE), "--format", "json")
    assert done.returncode == 0, done.stderr
    assert json.loads(done.stdout)["decisions"]["refund_request_allowed"] is True


@pytest.mark.parametrize("content", [
    pytest.param(json.dumps({**CASE, "today": "2026-02-30"}), id="bad-date"),
    pytest.param('{"today": ', id="invalid-json"),
    pytest.param("[" * 100_000, id="nested-too-deep"),
])
def test_process_bad_input_exit_2_without_traceback(tmp_path, pack, content):
    done = _process("decide", pack, "--facts", facts_file(tmp_path, content, raw=True))
    assert done.returncode == 2
    assert done.stdout == ""
    assert "Traceback" not in done.stderr and done.stderr.startswith("ruleproof: ")


def test_trace_says_what_a_fired_rule_still_needs(capsys) -> None:
    import io

    from ruleproof import main as cli

    stdin = sys.stdin
    sys.stdin = io.StringIO('{"today": "2025-02-02"}')
    try:
        code = cli.main(["decide", str(MARKETPLACE), "--facts", "-", "--decision", "payment_deadline", "--format", "json"])
    finally:
        sys.stdin = stdin
    body = json.loads(capsys.readouterr().out)
    rule = body["trace"][0]["rules"][0]
    assert code == 0 and rule["status"] == "fired" and rule["value_needs"] == "placed_on"
