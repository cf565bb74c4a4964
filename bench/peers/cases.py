"""Deterministic generator of refund-request cases for the peer benchmark.

Each case is a facts dict (dates as ISO ``YYYY-MM-DD`` strings, optional facts
absent as missing keys) plus the answer of the hand-written floor. ``today`` is
drawn mostly from the boundaries of the refund window: the day before shipping,
the opening day and its neighbours, the deadline and its neighbours, and a day
inside the window, so that every comparison in the rule is exercised at its edge.
"""

import datetime as dt
import random
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date
from typing import Any

from bench.peers.handwritten import (
    IMMEDIATE_OPENING_KINDS,
    LONG_PROMISE_DAYS,
    OPENING_DELAY_DAYS,
    refund_request_allowed,
)

ORDER_KINDS = ("standard", "russian_boutique", "local_warehouse")
"""Every order kind the rule distinguishes; a case may also omit ``order_kind``."""


_FIRST_SHIPPING_DAY = date(2023, 1, 1).toordinal()
_LAST_SHIPPING_DAY = date(2025, 12, 31).toordinal()  # spans the 2024 leap day


@dataclass(frozen=True)
class Case:
    """One decision to make: the facts and the right answer."""

    facts: dict[str, Any]
    expected: bool


def _example(expected: bool, today: str, base: dict[str, Any], **facts: Any) -> Case:
    """A worked example: ``base`` facts with overrides, answer computed by hand."""
    return Case({**base, "today": today, **facts}, expected)


_UNSHIPPED = {"promised_delivery_days": 12, "platform_default_delivery_days": 14}
_LONG = {**_UNSHIPPED, "shipped_on": "2024-02-20"}  # opens +10, deadline +14 (+ext)
_SHORT = {**_LONG, "promised_delivery_days": 9, "platform_default_delivery_days": 7}
_NEW_YEAR = {**_LONG, "shipped_on": "2024-12-31"}

EXAMPLES = [
    _example(True, "2024-02-20", _SHORT),  # short promise: opens on shipping day
    _example(False, "2024-02-19", _SHORT),  # before shipping
    _example(True, "2024-02-29", _SHORT),  # leap day, shipped + max(9, 7): deadline
    _example(False, "2024-03-01", _SHORT),
    _example(False, "2024-02-29", _LONG),  # shipped + 9, before opening
    _example(True, "2024-03-01", _LONG),  # shipped + 10: opening day
    _example(False, "2024-02-20", _LONG, promised_delivery_days=10),  # 10 is long
    _example(True, "2024-03-05", _LONG),  # shipped + 14: deadline
    _example(False, "2024-03-06", _LONG),
    _example(True, "2024-03-08", _LONG, delivery_extension_days=3),
    _example(False, "2024-03-09", _LONG, delivery_extension_days=3),
    _example(True, "2024-02-20", _LONG, order_kind="local_warehouse"),
    _example(True, "2025-01-02", _NEW_YEAR, order_kind="russian_boutique"),
    _example(False, "2025-01-02", _NEW_YEAR, order_kind="standard"),
    _example(False, "2024-03-01", _UNSHIPPED),
    _example(False, "2024-03-01", _LONG, buyer_confirmed_on="2024-02-25"),
    _example(False, "2024-03-01", _LONG, refund_requested_on="2024-02-28"),
]
"""Hand-computed cases, independent of the floor, that every peer must get right."""


def generate(n: int, seed: int = 20240229) -> list[Case]:
    """Return ``n`` cases; the same ``n`` and ``seed`` always give the same list."""
    rng = random.Random(seed)
    return [_case(rng) for _ in range(n)]


def _case(rng: random.Random) -> Case:
    """Draw one case."""
    shipped = rng.randint(_FIRST_SHIPPING_DAY, _LAST_SHIPPING_DAY)
    promised = rng.choice((1, 5, 9, 10, 11, 14, 20, 30, rng.randint(1, 45)))
    platform_default = rng.choice((7, 10, 14, 21, rng.randint(1, 45)))
    facts: dict[str, Any] = {
        "promised_delivery_days": promised,
        "platform_default_delivery_days": platform_default,
    }
    kind = rng.choice((None, *ORDER_KINDS))
    if kind is not None:
        facts["order_kind"] = kind
    extension = rng.choice((None, 0, 1, 3, 7))
    if extension is not None:
        facts["delivery_extension_days"] = extension

    opening, deadline = _window(shipped, promised, platform_default, extension or 0, kind)
    today = rng.choice(tuple(_candidate_days(rng, shipped, opening, deadline)))
    facts["today"] = _iso(today)
    if rng.random() > 0.05:
        facts["shipped_on"] = _iso(shipped)
    if rng.random() < 0.1:
        facts["buyer_confirmed_on"] = _iso(shipped + rng.randint(0, 30))
    if rng.random() < 0.1:
        facts["refund_requested_on"] = _iso(shipped + rng.randint(0, 30))
    return Case(facts, refund_request_allowed(facts))


def _window(shipped: int, promised: int, platform_default: int, extension: int, kind: str | None) -> tuple[int, int]:
    """Opening day and deadline (ordinals) as the rule defines them."""
    immediate = promised < LONG_PROMISE_DAYS or kind in IMMEDIATE_OPENING_KINDS
    opening = shipped if immediate else shipped + OPENING_DELAY_DAYS
    return opening, shipped + max(promised, platform_default) + extension


def _candidate_days(rng: random.Random, shipped: int, opening: int, deadline: int) -> Iterator[int]:
    """Boundary days around the window, plus one day drawn from inside it."""
    yield shipped - 1
    for edge in (opening, deadline):
        yield from (edge - 1, edge, edge + 1)
    if opening <= deadline:
        yield rng.randint(opening, deadline)


def _iso(ordinal: int) -> str:
    """ISO ``YYYY-MM-DD`` text of an ordinal day."""
    return date.fromordinal(ordinal).isoformat()


def completed(pack, facts: dict) -> dict:
    """Wire facts with a fixed value for every required fact the peers' cases do not send."""
    out = dict(facts)
    today = dt.date.fromisoformat(facts["today"]).toordinal()
    for fact in pack.facts.values():
        if fact.name in out or fact.has_default or fact.type.optional:
            continue
        typ = fact.type
        value = {
            "date": dt.date.fromordinal(today - 3).isoformat(), "datetime": dt.date.fromordinal(today - 3).isoformat() + "T12:00",
            "duration": 5, "int": fact.low if fact.low is not None else 1, "money": 100, "rate": 0.1, "decimal": 1,
            "bool": False, "enum": typ.members[0] if typ.members else "", "string": "", "set": [],
        }[typ.kind]
        out[fact.name] = value
    return out
