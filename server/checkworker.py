"""A check worker process: `python -m server.checkworker`, started by server/checkpool.py.

It reads one JSON request per line on standard input, `{"job": "validate"|"diff", "args": [...]}`,
and answers one JSON line on its real standard output, `{"result": ...}` or `{"error": ...}`.
Anything the checker prints goes to standard error. End of input ends the process.
"""

from __future__ import annotations

import json
import os
import sys

from ruleproof.checker.diagnostics import Severity
from ruleproof.checker.diff import diff_packs
from ruleproof.checker.pipeline import load_texts
from ruleproof.checker.render import diagnostic_json
from ruleproof.checker.report import TooManyRules, check_pack


def validate_job(texts: dict[str, str], label: str, timeout_ms: int, max_rules: int) -> dict:
    """The checker.report.Report of one pack given as texts, in its wire form (Report.to_wire);
    or `{"limit": message}` when the pack has more rules than `max_rules`."""
    try:
        return check_pack(texts, label=label, timeout_ms=timeout_ms, max_rules=max_rules).to_wire()
    except TooManyRules as err:
        return {"limit": str(err)}


def diff_job(old: dict[str, str], new: dict[str, str], timeout_ms: int, max_rules: int) -> dict:
    """`ruleproof diff --format json` of two packs given as texts; or `{"invalid": {side: errors}}`
    when a side does not load, or `{"limit": message}`."""
    loaded = {}
    invalid = {}
    for side, texts in (("old", old), ("new", new)):
        result = load_texts(texts)
        if not result.ok:
            errors = [d for d in result.diagnostics if d.severity is Severity.ERROR and d.accepted is None]
            invalid[side] = [diagnostic_json(d) for d in errors]
            continue
        rules = len(result.pack.rules())
        if rules > max_rules:
            return {"limit": f"`{side}` has {rules} rules; at most {max_rules} are compared here"}
        loaded[side] = result.pack
    if invalid:
        return {"invalid": invalid}
    return diff_packs(loaded["old"], loaded["new"], timeout_ms=timeout_ms).to_json()


JOBS = {"validate": validate_job, "diff": diff_job, "ping": lambda: "pong"}


def main() -> int:
    os.nice(10)  # the solver yields the CPU to the server's decisions
    out = os.fdopen(os.dup(sys.stdout.fileno()), "w", encoding="utf-8")
    sys.stdout = sys.stderr  # the protocol owns the real standard output
    for line in sys.stdin:
        try:
            request = json.loads(line)
            answer = {"result": JOBS[request["job"]](*request.get("args", []))}
        except Exception as err:  # report, and stay up for the next job
            answer = {"error": f"{err.__class__.__name__}: {err}"}
        out.write(json.dumps(answer, default=str) + "\n")
        out.flush()
    return 0


if __name__ == "__main__":
    sys.exit(main())
