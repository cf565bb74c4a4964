"""Self-check: every peer answers the generated cases as the hand-written floor does.

Every peer must also answer the hand-computed :data:`~bench.peers.cases.EXAMPLES`
right, which checks the floor itself, and the generated cases must not be
lopsided (allow and deny each at least :data:`MIN_SHARE` of them).

Run from the repository root: ``python -m bench.peers.check [N]`` (default 2000);
``check.main(n, {"ruleproof": my_decide})`` checks another evaluator as well.
"""

import sys
from collections import Counter
from collections.abc import Mapping

from bench.peers.cases import EXAMPLES, generate
from bench.peers.measure import Decide, Peer, as_peer, default_peers, prepared

MIN_SHARE = 0.25
"""Each answer (allow, deny) must be at least this share of the generated cases."""


def main(n: int, extra_peers: Mapping[str, Peer | Decide] | None = None) -> None:
    """Check every peer (single calls and batch API); exit non-zero on a wrong answer."""
    generated = generate(n)
    counts = Counter(case.expected for case in generated)
    if min(counts[True], counts[False]) < MIN_SHARE * n:
        sys.exit(f"lopsided cases: {counts}")
    cases = EXAMPLES + generated
    for name, peer_or_decide in {**default_peers(), **(extra_peers or {})}.items():
        peer = as_peer(peer_or_decide)
        inputs = prepared(peer, [case.facts for case in cases])
        answers = {"single": [peer.decide(facts) for facts in inputs]}
        if peer.decide_batch is not None:
            answers["batch"] = peer.decide_batch(inputs)
        for mode, got in answers.items():
            wrong = [case for case, answer in zip(cases, got) if answer != case.expected]
            if wrong:
                sys.exit(f"{name} ({mode}): {len(wrong)} wrong, first: {wrong[0]}")
        print(f"{name}: {len(cases)} cases right ({', '.join(answers)})")
    print(f"{len(EXAMPLES)} examples + {n} generated ({counts[True]} allow)")


if __name__ == "__main__":
    main(int(sys.argv[1]) if len(sys.argv) > 1 else 2000)
