"""The formal checks of one version of a pack, in a process of their own so that the language
server can stop them by ending the process: `python -m ruleproof.lsp.worker` reads the pack's
texts (a pickled dict path -> text) on stdin and writes the pickled list of its diagnostics on
stdout. Only the server, which started it, talks to it."""

from __future__ import annotations

import pickle
import sys

from ruleproof.checker.report import check_pack


def main() -> None:
    """Check the texts read from stdin; write the diagnostics to stdout."""
    texts = pickle.loads(sys.stdin.buffer.read())
    report = check_pack(texts, jobs=1)
    sys.stdout.buffer.write(pickle.dumps(list(report.diagnostics)))


if __name__ == "__main__":
    main()
