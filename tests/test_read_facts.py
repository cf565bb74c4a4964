"""read_facts' fast path (a converter per fact, prepared per pack) gives exactly what the checked
path gives: the same values for good facts, the same errors for bad ones."""

from __future__ import annotations

import functools
from fractions import Fraction
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from ruleproof.checker import ir
from ruleproof.checker.pipeline import load_pack, load_texts
from ruleproof.checker.values import InvalidFacts, _read_slowly, read_facts

try:
    from tests import packgen
except ImportError:  # pytest run without the repository root on sys.path
    import packgen

MARKETPLACE = Path(__file__).resolve().parent.parent / "policies" / "marketplace"


@functools.cache
def packs() -> list[ir.Pack]:
    out = [load_pack(MARKETPLACE).pack]
    out += [load_texts(packgen.generate(seed).files).pack for seed in range(5)]
    assert all(out)
    return out


def reference(pack: ir.Pack, raw: dict, fill_absent: bool) -> dict:
    """read_facts as it was before the fast path: every fact checked, then the gaps filled."""
    facts = _read_slowly(pack, raw, "facts")
    for fact in pack.facts.values():
        if fact.name not in facts:
            if fact.has_default:
                facts[fact.name] = fact.default
            elif fact.type.optional and fill_absent:
                facts[fact.name] = None
    return facts


# good and bad wire values of every shape
VALUES = st.one_of(
    st.none(), st.booleans(), st.integers(-1000, 1000), st.floats(allow_nan=True, allow_infinity=True),
    st.sampled_from(["2026-02-28", "2026-02-30", "2024-02-29", "2026-2-28", "20260228", "2026-02-28T10:00",
                     "standard", "russian_boutique", "none", "visa", "", "12", "a", "e0_a", "e1_x", "i5_u"]),
    st.lists(st.sampled_from(["e0_a", "e0_b", "e1_x", "nope", 3]), max_size=3),
    st.floats(min_value=-1e6, max_value=1e6).map(lambda x: round(x, 2)),
)


def good(fact: ir.Fact):
    """Wire values a fact of this type accepts."""
    typ = fact.type.required()
    kind = typ.kind
    if kind == "date":
        value = st.dates().map(lambda d: d.isoformat())
    elif kind in ("int", "duration"):
        value = st.integers(fact.low, fact.high) if fact.low is not None else st.integers(-50, 50)
    elif kind in ("money", "rate", "decimal"):
        value = st.one_of(st.integers(-500, 500), st.integers(-50_000, 50_000).map(lambda c: c / 100))
    elif kind == "bool":
        value = st.booleans()
    elif kind == "enum":
        value = st.sampled_from(typ.members)
    elif kind == "set":
        value = st.lists(st.sampled_from(typ.element.members), max_size=3)
    else:
        value = st.text(max_size=3)
    return st.one_of(value, st.none()) if fact.type.optional else value


@settings(max_examples=400, deadline=None, derandomize=True, database=None)
@given(data=st.data())
def test_fast_path_equals_checked_path(data):
    pack = data.draw(st.sampled_from(packs()))
    names = sorted(pack.facts) * 4 + ["not_a_fact"]
    chosen = data.draw(st.lists(st.sampled_from(names), max_size=8, unique=True))
    raw = {name: data.draw(st.one_of(good(pack.facts[name]), good(pack.facts[name]), good(pack.facts[name]), VALUES)
                           if name in pack.facts else VALUES)
           for name in chosen}
    fill_absent = data.draw(st.booleans())
    try:
        expected = reference(pack, raw, fill_absent)
    except InvalidFacts as err:
        try:
            read_facts(pack, raw, fill_absent=fill_absent)
        except InvalidFacts as got:
            assert got.errors == err.errors
        else:
            raise AssertionError(f"the fast path accepted {raw}") from None
        return
    got = read_facts(pack, raw, fill_absent=fill_absent)
    assert got == expected
    assert {k: type(v) for k, v in got.items()} == {k: type(v) for k, v in expected.items()}
    if not fill_absent:  # the solver's constraints follow this order
        assert list(got) == list(expected)


def test_repeated_dates_are_read_alike():
    pack = packs()[0]
    first = read_facts(pack, {"today": "2026-03-02", "shipped_on": "2026-03-02"})
    again = read_facts(pack, {"today": "2026-03-02", "shipped_on": "2026-03-02"})
    assert first == again and first["today"] == first["shipped_on"] == 739677


def test_precision_is_the_encodings():
    """An amount finer than a cent is refused: the Z3 encoding counts money in cents (and rates
    and decimals in ten-thousandths), so it would decide such a case differently."""
    from ruleproof.checker.semantics.kinds import scale
    from ruleproof.checker.types import money
    from ruleproof.checker.values import from_wire

    cent = Fraction(1, scale("money"))
    assert from_wire(float(1 + cent), money("USD"), "$.x") == 1 + cent
    with pytest.raises(InvalidFacts, match=r"\$\.x"):
        from_wire(float(1 + cent / 10), money("USD"), "$.x")



def test_unknown_names_get_a_bounded_number_of_suggestions():
    """Each unknown name is an error, but only the first few short ones get a fuzzy "did you
    mean" search: a case of thousands of unknown (or huge) names costs no more than a few."""
    pack = packs()[0]
    near = next(iter(pack.facts)) + "x"
    raw = {near: 1, "x" * 100_000: 1, **{f"{near}{i}": 1 for i in range(2000)}}
    with pytest.raises(InvalidFacts) as err:
        read_facts(pack, raw)
    messages = [e.message for e in err.value.errors]
    assert len(messages) == len(raw)
    assert messages[0].startswith("unknown fact; did you mean")
    assert messages[1] == "unknown fact"
    assert sum("did you mean" in m for m in messages) <= 5
