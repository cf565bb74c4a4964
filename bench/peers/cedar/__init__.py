"""Cedar peer: the refund-request rule evaluated by ``cedarpy`` (Cedar engine in Rust).

The policy set and the (empty) entity set are parsed once, into
``cedarpy.PolicySet`` / ``cedarpy.Entities`` handles, and reused for every call;
``AuthzResult.metrics`` confirms ``policies_pre_parsed``/``entities_pre_parsed``.
Per call ``cedarpy`` still ``json.dumps`` the context and ``json.loads`` the
answer in Python, and Cedar builds and checks the request: that is measured.

Two policies, same rule:

* ``refund.cedar`` (peer ``cedar``) takes the facts unchanged and compares the
  ISO dates with Cedar's ``datetime``/``duration`` extension.
* ``refund_ordinal.cedar`` (peer ``cedar-ordinal``) takes ``today`` and
  ``shipped_on`` as ``date.fromisoformat(s).toordinal()`` day numbers
  (:func:`bench.peers.handwritten.ordinal_facts`); that conversion is done in
  :meth:`CedarPeer.decide`, inside the measured call.

Facts map to the Cedar context one-to-one (absent facts stay absent, which the
policies test with ``has``); principal and resource are fixed placeholders, as
the rule depends on the context only.
"""

from collections.abc import Callable, Mapping, Sequence
from pathlib import Path
from typing import Any

import cedarpy

from bench.peers.handwritten import ordinal_facts

_HERE = Path(__file__).parent
# Entity uids in the structured form: ~20 µs/call cheaper here than the
# surface-syntax strings ('Action::"request_refund"'), which Cedar parses per call.
_REQUEST = {
    "principal": {"type": "Buyer", "id": "buyer"},
    "action": {"type": "Action", "id": "request_refund"},
    "resource": {"type": "Order", "id": "order"},
}

ContextOf = Callable[[Mapping[str, Any]], Mapping[str, Any]]
"""Turns the benchmark facts into the Cedar request context."""


def _as_is(facts: Mapping[str, Any]) -> Mapping[str, Any]:
    """Context for ``refund.cedar``: the facts themselves."""
    return facts


class CedarPeer:
    """Decides the rule with one Cedar policy file, parsed once."""

    def __init__(self, policy_file: str, context_of: ContextOf) -> None:
        self._policies = cedarpy.PolicySet.from_str((_HERE / policy_file).read_text())
        self._entities = cedarpy.Entities.from_json_str("[]")
        self._context_of = context_of

    def decide(self, facts: Mapping[str, Any]) -> bool:
        """One decision through ``cedarpy.is_authorized``."""
        request = {**_REQUEST, "context": self._context_of(facts)}
        return _allowed(cedarpy.is_authorized(request, self._policies, self._entities))

    def decide_batch(self, facts_list: Sequence[Mapping[str, Any]]) -> list[bool]:
        """Many decisions in one ``cedarpy.is_authorized_batch`` call."""
        requests = [{**_REQUEST, "context": self._context_of(facts)} for facts in facts_list]
        results = cedarpy.is_authorized_batch(requests, self._policies, self._entities)
        return [_allowed(result) for result in results]


def _allowed(result: cedarpy.AuthzResult) -> bool:
    """The decision, raising if Cedar reported an evaluation error (it would deny)."""
    if result.diagnostics.errors:
        raise RuntimeError(f"Cedar evaluation error: {result.diagnostics.errors}")
    return result.allowed


def iso_peer() -> CedarPeer:
    """Peer ``cedar``: ISO dates, Cedar ``datetime`` arithmetic."""
    return CedarPeer("refund.cedar", _as_is)


def ordinal_peer() -> CedarPeer:
    """Peer ``cedar-ordinal``: day numbers computed in Python, integer arithmetic."""
    return CedarPeer("refund_ordinal.cedar", ordinal_facts)
