"""The fast path tells a body without duplicate keys from byte counts (fastpath._keys_are_unique):
it must never say so of a body that sends a key twice, whatever its spacing, escapes or nesting;
checked against a parse that sees every key."""

from __future__ import annotations

import json
import random

import pydantic_core
from hypothesis import given, settings
from hypothesis import strategies as st
from ruleproof.server.fastpath import _keys_are_unique

KEYS = st.sampled_from(["a", "b", "pack", "cases", "x:y", 'q"t', "\\", "{", "é"])
SCALARS = st.one_of(st.integers(-5, 5), st.booleans(), st.none(), st.sampled_from(["", "a:b", "{", '"', 'x":y', "\\n", "2026-01-01"]))
VALUES = st.recursive(SCALARS, lambda inner: st.one_of(st.lists(inner, max_size=3),
                                                       st.lists(st.tuples(KEYS, inner), max_size=3)), max_leaves=8)


COLONS = (":", ":", ": ", " :", "\t: ")
COMMAS = (",", ", ", " ,\n")


def text(value, spacing: random.Random) -> str:
    """JSON of `value`, where a list of (key, value) pairs is an object written with its keys as
    given (so a key may repeat); each colon and comma spaced as `spacing` draws."""
    if isinstance(value, list) and value and all(isinstance(v, tuple) for v in value):
        return "{" + spacing.choice(COMMAS).join(json.dumps(k) + spacing.choice(COLONS) + text(v, spacing)
                                                for k, v in value) + "}"
    if isinstance(value, list):
        return "[" + spacing.choice(COMMAS).join(text(v, spacing) for v in value) + "]"
    return json.dumps(value)


def repeats_a_key(value) -> bool:
    if isinstance(value, list) and value and all(isinstance(v, tuple) for v in value):
        keys = [k for k, _ in value]
        return len(set(keys)) < len(keys) or any(repeats_a_key(v) for _, v in value)
    if isinstance(value, list):
        return any(repeats_a_key(v) for v in value)
    return False


@settings(max_examples=3000, deadline=None)
@given(st.lists(st.tuples(KEYS, VALUES), min_size=1, max_size=4), st.randoms(use_true_random=False))
def test_a_body_that_repeats_a_key_is_never_called_unique(pairs, spacing):
    body = text(pairs, spacing).encode()
    try:
        data = pydantic_core.from_json(body)
    except ValueError:
        return
    if repeats_a_key(pairs):
        assert not _keys_are_unique(body, data), body


def test_plain_bodies_are_told_unique_without_the_slow_parse():
    for body in (b'{"pack": "p", "cases": [{"a": 1, "b": "2026-01-01"}, {"a": 2}], "decisions": ["d"]}',
                 b'{"pack":"p","facts":{"a":true,"b":[1,2]}}'):
        assert _keys_are_unique(body, pydantic_core.from_json(body))
