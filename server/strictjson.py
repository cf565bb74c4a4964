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
