"""JSON read strictly: a key sent twice in one object is an error with its path, not a guess;
and JSON paths for errors (`cases[3].today`).

Two parsers can disagree on `{"x": 1, "x": 2}` (one keeps the first, another the last); the
service and the command line refuse it instead.
"""

from __future__ import annotations

import json
import re
from collections import Counter

_IDENT = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*$")


def json_path(loc: tuple) -> str:
    """A pydantic error location as a JSON path: ('cases', 3, 'today') -> `cases[3].today`."""
    path = ""
    for part in loc:
        if isinstance(part, int):
            path += f"[{part}]"
        elif part == "[key]":
            continue
        elif _IDENT.match(str(part)):
            path += ("." if path else "") + str(part)
        else:
            path += f"[{json.dumps(str(part))}]"
    return path or "$"


class _Pairs(list):
    """A JSON object as its (key, value) pairs, duplicates kept."""


def _has_duplicates(pairs: list) -> None:
    if len(dict(pairs)) != len(pairs):
        raise _Duplicate


class _Duplicate(Exception):
    pass


def duplicate_keys(data: bytes) -> list[dict]:
    """[{path, message}] for every key that an object of the (valid JSON) body holds twice.

    >>> duplicate_keys(b'{"pack": "a", "facts": {"x": 1, "x": 2}}')
    [{'path': 'facts.x', 'message': 'duplicate key: send it once'}]
    """
    try:
        json.loads(data, object_pairs_hook=_has_duplicates)  # the common case: one pass, no objects kept
        return []
    except _Duplicate:
        pass
    except (ValueError, RecursionError):  # the body was accepted by the schema's parser; let it be
        return []
    errors: list[dict] = []

    def walk(node: object, loc: tuple) -> None:
        if isinstance(node, _Pairs):
            counts = Counter(key for key, _ in node)
            reported = set()
            for key, value in node:
                if counts[key] > 1 and key not in reported:
                    reported.add(key)
                    errors.append({"path": json_path(loc + (key,)), "message": "duplicate key: send it once"})
                walk(value, loc + (key,))
        elif isinstance(node, list):
            for index, value in enumerate(node):
                walk(value, loc + (index,))

    walk(json.loads(data, object_pairs_hook=_Pairs), ())
    return errors


#: the largest magnitude a fact's number may have: 15 digits before the point, as in the language (E005)
HUGE = 10 ** 15
_DIGITS_AS_ZERO = bytes.maketrans(b"123456789E", b"000000000e")


def may_hold_huge_numbers(body: bytes) -> bool:
    """False only if no number of the JSON text `body` reaches HUGE: such a number has 16
    digits in a row or an exponent after a digit (strings holding either make it True too).
    A scan of the bytes, ~0.25 µs per case of a batch, where huge_numbers costs 0.5.

    >>> may_hold_huge_numbers(b'{"a": 999999999999999.5, "b": "2026-01-01", "c": "1 e"}')
    False
    >>> [may_hold_huge_numbers(b) for b in (b'{"a": 1000000000000000}', b'{"a": 1E3}', b'[-2e+1]')]
    [True, True, True]
    """
    digits = body.translate(_DIGITS_AS_ZERO)
    return b"0000000000000000" in digits or b"0e" in digits


def huge_numbers(facts: object, prefix: str = "facts") -> list[dict]:
    """[{path, message}] for each number among `facts` (an object of fact names to values, sets
    as lists) with more than 15 digits before the point: refused with its path rather than
    decided on, as the language refuses such a literal.

    >>> huge_numbers({"amount": 10 ** 20, "days": 3, "tags": [1e300]})
    [{'path': 'facts.amount', 'message': 'must be a number of at most 15 digits before the point'}, {'path': 'facts.tags[0]', 'message': 'must be a number of at most 15 digits before the point'}]
    """
    if not isinstance(facts, dict):
        return []
    out = []
    for name, value in facts.items():
        kind = type(value)
        if kind is int or kind is float:
            if -HUGE < value < HUGE:  # most numbers: within bounds (NaN fails this and is skipped below)
                continue
        elif kind is not list:  # strings, booleans, null, objects: nothing to bound
            continue
        for index, item in enumerate(value) if kind is list else ((None, value),):
            if type(item) in (int, float) and item == item and not -HUGE < item < HUGE:  # NaN is no number to bound
                where = (prefix, name) if index is None else (prefix, name, index)
                out.append({"path": json_path(where), "message": "must be a number of at most 15 digits before the point"})
    return out
