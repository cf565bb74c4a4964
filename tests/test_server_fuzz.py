"""No bad input makes the service fail: random facts of the right and the wrong types, at the
edges of their ranges, are decided (200) or refused with paths (422), never a 500."""

from __future__ import annotations

import datetime as dt

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from ruleproof.checker.pipeline import load_pack
from ruleproof.server import models as m
from server_support import REPO, close, make_app, shape

PACK = load_pack(REPO / "policies" / "marketplace").pack

JUNK = st.one_of(st.none(), st.booleans(), st.integers(), st.floats(allow_nan=False), st.text(max_size=12),
                 st.lists(st.integers(), max_size=2), st.dictionaries(st.text(max_size=3), st.integers(), max_size=2))
DATES = st.one_of(
    st.dates().map(dt.date.isoformat),
    st.sampled_from(["0001-01-01", "9999-12-31", "2024-02-29", "2025-02-29", "2026-1-1", "", "today"]),
)
INTS = st.one_of(st.integers(-10, 400), st.integers(), st.sampled_from([0, -1, 10**18, -(10**18), 2**63, 1.0, 1.5]))
NUMBERS = st.one_of(st.integers(-10**6, 10**6), st.floats(allow_nan=False, allow_infinity=False),
                    st.sampled_from([0, 0.1, 1e308, -1e308, 1e-300]))


def value_of(typ):
    kind = typ.kind
    if kind in ("date", "datetime"):
        base = DATES
    elif kind in ("int", "duration"):
        base = INTS
    elif kind in ("decimal", "rate", "money"):
        base = NUMBERS
    elif kind == "bool":
        base = st.booleans()
    elif kind == "enum":
        base = st.sampled_from(list(typ.members) + ["not_a_member"])
    elif kind == "set":
        base = st.lists(value_of(typ.element.required()), max_size=3)
    else:
        base = st.text(max_size=20)
    return st.one_of(base, st.none(), JUNK) if typ.optional else st.one_of(base, base, JUNK)


FACTS = st.fixed_dictionaries({}, optional={name: value_of(f.type) for name, f in PACK.facts.items()})


@pytest.fixture(scope="module")
def client():
    app = make_app(REPO / "policies")
    yield app.test_client()
    close(app)


@settings(max_examples=150, deadline=None, suppress_health_check=list(HealthCheck))
@given(facts=FACTS, explain=st.booleans())
def test_random_facts_are_decided_or_refused(client, facts, explain):
    response = client.post("/v1/decide", json={"pack": "marketplace", "facts": facts, "explain": explain})
    assert response.status_code in (200, 422), response.get_data(as_text=True)
    if response.status_code == 200:
        shape(m.DecideResponseV1, response.json)
    else:
        body = shape(m.ErrorV1, response.json)
        assert body["code"] == "invalid_facts" and all(e["path"].startswith("facts.") for e in body["errors"])


@settings(max_examples=40, deadline=None, suppress_health_check=list(HealthCheck))
@given(cases=st.lists(FACTS, min_size=1, max_size=5))
def test_random_batches_fail_case_by_case(client, cases):
    response = client.post("/v1/decide/batch", json={"pack": "marketplace", "cases": cases})
    assert response.status_code == 200, response.get_data(as_text=True)
    body = shape(m.BatchResponseV1, response.json)
    assert [r["index"] for r in body["results"]] == list(range(len(cases)))
    for r in body["results"]:
        if "error" in r:
            assert all(e["path"].startswith(f"cases[{r['index']}].") for e in r["error"]["errors"])
