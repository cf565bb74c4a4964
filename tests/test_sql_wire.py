"""Facts sent as JSON read into typed columns on DuckDB (checker/sql/wire.py, what `replay
--engine duckdb|spark` reads a decision log with): every case is refused exactly when the
evaluator's reader (`read_facts`) refuses it, and an accepted case's values are the reader's —
over every kind of fact, the wire forms next to the accepted ones (a float where an int is
wanted, a date not in `YYYY-MM-DD`, a money amount with a third decimal, null for a fact that
is not optional, unknown names, records with fields missing or unknown, lists too long)."""

from __future__ import annotations

import json

import duckdb
import pytest
from ruleproof.checker.pipeline import load_texts
from ruleproof.checker.sql.cases import column_value
from ruleproof.checker.sql.wire import reading, typed_rows
from ruleproof.checker.values import InvalidFacts, read_facts

PACK = """pack wire version "1"

enum tier = basic | premium
record item: price: money RMB, qty: int 1..5, level: tier, on: date

fact flag: bool
fact count: int 0..100
fact big: int
fact wait: days?
fact day: date?
fact due: date
fact at: datetime?
fact amount: money RMB?
fact share: rate?
fact ratio: decimal?
fact level: tier = basic
fact name: string?
fact tags: set of tier = {}
fact items: list of item up to 2 = []

decision ok: bool = flag
"""

BASE = {"flag": True, "count": 3, "due": "2025-01-01"}
ITEM = {"price": 1.5, "qty": 2, "level": "basic", "on": "2025-01-01"}
VALUES = {
    "flag": [False, "true", 1, None],
    "count": [0, 100, 5.0, 5.5, "5", 101, -1, 1e2, 1e300, True, None, [5]],
    "big": [9223372036854775807, -3.0, -0.0, 12345678901],
    "wait": [3, 3.5, None, "3"],
    "day": ["2025-01-31", "2025-02-29", "2024-02-29", "2025-1-31", "0000-01-01", "2025-01-31T00:00", "20250131",
            " 2025-01-31", "2025/01/31", None, 5, "٢٠٢٥-01-31"],
    "due": ["2024-02-29", None, ""],
    "at": ["2025-01-31T10:30", "2025-01-31T24:00", "2025-01-31 10:30", "2025-01-31T10:30:00", "2025-01-31T23:59",
           "2025-01-31T23:60", "2025-01-31", None],
    "amount": [12.5, 12.55, 12.555, 1, "12", 1e3, 0.1 + 0.2, -0.01, 1e-2, 1e-3, True, None, 10**20],
    "share": [0.1234, 0.12345, 1, 1.5],
    "ratio": [2.5, -0.0001, 0.00001],
    "level": ["premium", "gold", "Basic", 1, None],
    "name": ["x", 'a"b', "é\n", "", 5, None, "\\", "null"],
    "tags": [["basic"], ["basic", "premium", "basic"], ["gold"], [], "basic", [1], [None], None],
    "items": [[], [ITEM], [ITEM, {**ITEM, "qty": 5, "level": "premium"}], [ITEM, ITEM, ITEM], [{**ITEM, "extra": 1}],
              [{k: v for k, v in ITEM.items() if k != "qty"}], [{**ITEM, "qty": 9}], [{**ITEM, "price": 1.555}],
              [{**ITEM, "on": None}], [1], [[ITEM]], {"a": ITEM}, None],
}
# texts as clients send them: spaces around colons, an unknown name after spaces, not an object
TEXTS = ['{ "flag" : true , "count" : 3 , "due" : "2025-01-01" }', '{"flag": true, "count": 3, "due": "2025-01-01", "zz" :1}',
         '{"flag": true, "count": 3, "due": "2025-01-01", "zz": 1}', '{"flag": true, "count": 3}', '{"flag": true, "name": "x\\":"}',
         '[]', '"facts"', '5', '{}', '{"flag": true, "count": 3, "due": "2025-01-01", "items": [{"price": 1, "qty": 1, "level": "basic", "on": "2025-01-01", "q": 1}]}']


def texts() -> list[str]:
    cases = [json.dumps(BASE)] + TEXTS
    for name, values in VALUES.items():
        cases += [json.dumps({**BASE, name: value}) for value in values]
    cases.append(json.dumps({**BASE, "unknown_fact": 1}))
    cases.append(json.dumps({k: v for k, v in BASE.items() if k != "due"}))
    return cases


@pytest.mark.parametrize("looked_for", ["every fact", "the first case's facts"])
def test_refusals_and_values_are_the_readers(looked_for):
    pack = load_texts({"pack.rules": PACK}).pack
    cases = texts()
    con = duckdb.connect()
    con.execute("CREATE TABLE log AS SELECT i AS id, facts FROM (SELECT unnest(?) AS facts, generate_subscripts(?, 1) AS i)",
                [cases, cases])
    sent = set(pack.facts) if looked_for == "every fact" else set(BASE)
    query = typed_rows(reading(pack, "facts", sent, set(pack.facts)), "log", "id")
    rows = {r[0]: r for r in con.execute(query).fetchall()}
    names = [d[0] for d in con.description]
    checked = 0
    for i, text in enumerate(cases, start=1):
        row = dict(zip(names, rows[i]))
        raw = json.loads(text)
        try:
            facts = read_facts(pack, raw)
        except InvalidFacts:
            facts = None
        if looked_for != "every fact" and row["_other"]:
            assert facts is None or set(raw) - sent, text  # a name not looked for: read again, or refused
            continue
        assert row["_invalid"] == (facts is None), text
        if facts is None:
            continue
        for name in raw:
            typ = pack.facts[name].type.required()
            assert row[name] == column_value(facts[name], typ), (text, name)
        checked += 1
    assert checked >= (50 if looked_for == "every fact" else 2)  # the refused cases are as many
