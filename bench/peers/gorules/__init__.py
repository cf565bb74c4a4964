"""GoRules zen-engine peer: the refund-request rule as a JDM decision graph (``refund.json``).

The graph is what a zen-engine user would draw: the input node, a decision table
``opening`` (hit policy ``first``: a promise under 10 days, or a Russian-boutique or
local-warehouse order, opens the window on the shipping day, else 10 days later), an
expression node ``window`` (shipped, not confirmed, no request yet, and the days since
shipping between the opening and ``max(promised, platform default) + extension``, dates
compared with ZEN's ``d(...).diff(..., 'day')``), and the output node. Absent facts are
missing keys, which ZEN reads as ``null``; ``order_kind`` and ``delivery_extension_days``
default with ``??`` and an empty table cell.

The graph is loaded once (``ZenEngine.create_decision``); each call is
``ZenDecision.evaluate(facts)``, which converts the facts dict to zen's values in Rust and
the result back. A batch goes through ``ZenEngine.evaluate_batch`` (the engine loads the
graph once by its key and caches it).
"""

from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

import zen

KEY = "refund"


class ZenPeer:
    """Decides the rule with the JDM graph, loaded once."""

    def __init__(self) -> None:
        content = (Path(__file__).parent / "refund.json").read_text()
        self._engine = zen.ZenEngine({"loader": lambda key: content})
        self._decision = self._engine.create_decision(content)

    def decide(self, facts: Mapping[str, Any]) -> bool:
        """One decision through ``ZenDecision.evaluate``."""
        return self._decision.evaluate(facts)["result"]["allowed"] is True

    def decide_batch(self, batch: Sequence[Mapping[str, Any]]) -> list[bool]:
        """A batch through ``ZenEngine.evaluate_batch``; a failed case raises."""
        answers = []
        for item in self._engine.evaluate_batch([{"key": KEY, "context": facts} for facts in batch]):
            if not item.get("success"):
                raise RuntimeError(f"zen-engine evaluation error: {item.get('error')}")
            answers.append(item["data"]["result"]["allowed"] is True)
        return answers
