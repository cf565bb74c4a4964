"""The hand-written Python floor for the refund-request rule.

A refund request is allowed iff the order is shipped (``shipped_on`` present),
not confirmed (``buyer_confirmed_on`` absent), no refund was requested yet
(``refund_requested_on`` absent), and ``opening_day <= today <= deadline``:

* ``opening_day`` is ``shipped_on`` when ``promised_delivery_days < 10`` or
  ``order_kind`` is ``russian_boutique`` / ``local_warehouse``, else
  ``shipped_on + 10`` days;
* ``deadline`` is ``shipped_on + max(promised_delivery_days,
  platform_default_delivery_days) + delivery_extension_days``.

``delivery_extension_days`` defaults to 0 and ``order_kind`` to ``"standard"``.
"Absent" means the key is missing from the facts dict.

Two entry points:

* :func:`refund_request_allowed` takes the benchmark's facts (dates as ISO
  ``YYYY-MM-DD`` strings) and parses them; the harness measures it as
  ``handwritten``, on the same input every other peer gets.
* :func:`refund_request_allowed_ordinal` takes facts passed once through
  :func:`ordinal_facts` (``today``/``shipped_on`` as ``date.toordinal()`` ints);
  the harness measures it as ``handwritten-ordinal``, with that conversion done
  before timing, to show the cost of the rule alone.

The window test is shared by both through :func:`_in_window` (the extra call
costs ~15 ns here); its chained comparison skips computing the deadline when
``today`` is before the opening day.
"""

from collections.abc import Mapping
from datetime import date
from typing import Any

IMMEDIATE_OPENING_KINDS = frozenset({"russian_boutique", "local_warehouse"})
"""Order kinds whose refund window opens on the shipping day."""

LONG_PROMISE_DAYS = 10
"""A promise of at least this many days delays the opening (other order kinds)."""

OPENING_DELAY_DAYS = 10
"""Days after shipping that a delayed window opens."""

_parse = date.fromisoformat


def refund_request_allowed(facts: Mapping[str, Any]) -> bool:
    """Decide the rule for facts whose dates are ISO ``YYYY-MM-DD`` strings."""
    if "shipped_on" not in facts or "buyer_confirmed_on" in facts or "refund_requested_on" in facts:
        return False
    return _in_window(
        _parse(facts["today"]).toordinal() - _parse(facts["shipped_on"]).toordinal(),
        facts,
    )


def refund_request_allowed_ordinal(facts: Mapping[str, Any]) -> bool:
    """Decide the rule for facts whose ``today``/``shipped_on`` are ordinal day ints."""
    if "shipped_on" not in facts or "buyer_confirmed_on" in facts or "refund_requested_on" in facts:
        return False
    return _in_window(facts["today"] - facts["shipped_on"], facts)


def _in_window(days_since_shipping: int, facts: Mapping[str, Any]) -> bool:
    """Whether ``opening_day <= today <= deadline``, given today's distance from shipping."""
    promised = facts["promised_delivery_days"]
    if promised < LONG_PROMISE_DAYS or facts.get("order_kind", "standard") in IMMEDIATE_OPENING_KINDS:
        opening = 0
    else:
        opening = OPENING_DELAY_DAYS
    return (
        opening
        <= days_since_shipping
        <= max(promised, facts["platform_default_delivery_days"]) + facts.get("delivery_extension_days", 0)
    )


def ordinal_facts(facts: Mapping[str, Any]) -> dict[str, Any]:
    """A copy of ``facts`` with ``today``/``shipped_on`` as ``date.toordinal()`` ints."""
    converted = dict(facts)
    converted["today"] = _parse(facts["today"]).toordinal()
    if "shipped_on" in facts:
        converted["shipped_on"] = _parse(facts["shipped_on"]).toordinal()
    return converted
