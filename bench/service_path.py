"""The service's request path in one process, without a network: CPU per request.

Run from the repository root: ``python bench/service_path.py [--log] [--rounds N]``. Each
request is a WSGI call (environ in, body out) to one of three apps, in turn, in one process:

* ``ruleproof``: ``create_app`` as served (well-formed decisions answered by server/fastpath.py);
* ``ruleproof, Flask only``: the same app's Flask WSGI app, behind the fast path;
* ``reference``: bench/reference_app.py, the minimal Flask app bench/http.py compares with (it
  parses the JSON body and answers a fixed small body; no decision, no log).

Measures: POST /v1/decide of one case (the refund question, the cases bench/http.py sends), and
POST /v1/decide/batch of 1,000 cases, per case. Times are CPU time of the process (the log's
writer thread included), the least of ``--rounds``; the HTTP server's own cost is not in them
(bench/http.py measures that, and depends on the load of the machine far more).
"""

from __future__ import annotations

import argparse
import io
import json
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
# this folder holds http.py, which would shadow the standard library's `http`: import from the root
sys.path[:] = [str(ROOT)] + [p for p in sys.path if Path(p or ".").resolve() != ROOT / "bench"]

from ruleproof.server.app import create_app  # noqa: E402

from bench.peers.cases import generate  # noqa: E402
from bench.reference_app import app as reference  # noqa: E402


def call(wsgi, path: str, body: bytes) -> bytes:
    environ = {"REQUEST_METHOD": "POST", "PATH_INFO": path, "QUERY_STRING": "", "SERVER_NAME": "bench", "SERVER_PORT": "80",
               "SERVER_PROTOCOL": "HTTP/1.1", "wsgi.url_scheme": "http", "wsgi.errors": sys.stderr,
               "CONTENT_TYPE": "application/json", "CONTENT_LENGTH": str(len(body)), "wsgi.input": io.BytesIO(body)}
    status = []
    chunks = wsgi(environ, lambda s, h, e=None: status.append(s))
    data = b"".join(chunks)
    if hasattr(chunks, "close"):
        chunks.close()
    if not status[0].startswith("200"):
        raise SystemExit(f"{path}: {status[0]} {data[:300]!r}")
    return data


def cpu_per_call(wsgi, path: str, bodies: list[bytes], rounds: int) -> float:
    for body in bodies[:50]:
        call(wsgi, path, body)
    best = float("inf")
    for _ in range(rounds):
        started = time.process_time()
        for body in bodies:
            call(wsgi, path, body)
        best = min(best, (time.process_time() - started) / len(bodies))
    return best


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--log", action="store_true", help="decision log on (SQLite in a temporary folder)")
    parser.add_argument("--rounds", type=int, default=5)
    args = parser.parse_args()
    facts = [c.facts for c in generate(1000)]
    single = [json.dumps({"pack": "marketplace", "facts": f, "decisions": ["refund_request_allowed"]}).encode() for f in facts]
    batch = [json.dumps({"pack": "marketplace", "cases": facts, "decisions": ["refund_request_allowed"]}).encode()] * 4
    with tempfile.TemporaryDirectory() as tmp:
        app = create_app({"policies_dir": ROOT / "policies", "reload_interval": 0,
                          "decision_log": Path(tmp) / "log.sqlite" if args.log else None})
        apps = {"ruleproof": app, "ruleproof, Flask only": app.wsgi_app.flask, "reference (minimal Flask)": reference}
        rows = {name: (cpu_per_call(wsgi, "/v1/decide", single, args.rounds) * 1e6,
                       cpu_per_call(wsgi, "/v1/decide/batch", batch, args.rounds) / len(facts) * 1e6)
                for name, wsgi in apps.items()}
        app.extensions["ruleproof"].close()
    ref_single, ref_batch = rows["reference (minimal Flask)"]
    print(f"# decision log {'on' if args.log else 'off'}; CPU µs, least of {args.rounds} rounds")
    print("| app | µs per decide | / reference | µs per batch case | / reference |")
    print("| --- | ---: | ---: | ---: | ---: |")
    for name, (one, per_case) in rows.items():
        print(f"| {name} | {one:.0f} | {one / ref_single:.2f} | {per_case:.1f} | {per_case / ref_batch:.2f} |")


if __name__ == "__main__":
    main()
