"""Partial decisions and deadline questions on the marketplace's refund window (Art. 35, 36, 39),
and the working-day calendar in both back ends.

With `today` unknown, `holding_days` names the days on which a refund may be requested;
`partial_decisions` gives each decision's forced value or the values it can still take, each with
a witness — and every witness, replayed through the evaluator, really gives its value.
"""

from __future__ import annotations

import datetime as dt
import functools
from pathlib import Path

import pytest
import z3
from ruleproof.checker import ir
from ruleproof.checker.encode import Encoder
from ruleproof.checker.evaluate import NO_VALUE, Calendar, CompiledPack
from ruleproof.checker.partial import holding_days, partial_decisions
from ruleproof.checker.pipeline import load_pack, load_texts
from ruleproof.checker.render import render_text
from ruleproof.checker.solver import check, make_solver
from ruleproof.checker.values import read_facts, to_wire

MARKETPLACE = Path(__file__).resolve().parent.parent / "policies" / "marketplace"
SHIPPED = {"shipped_on": "2025-06-13", "platform_default_delivery_days": 15}
# What settles whether the order was closed (Art. 32-34, 70), which a refund request needs too
# (issue 16): with these unknown, the order might have been closed, so only the first and last day
# of the window are meaningful
ORDER_OPEN = {"placed_on": "2025-06-01", "paid_on": None, "stocking_days": 5, "cancel_requested_on": None,
              "stolen_card_complaint_on": None, "logistics_info_provided_on": None}


@functools.cache
def marketplace() -> ir.Pack:
    result = load_pack(MARKETPLACE)
    assert result.ok, render_text(result.diagnostics)
    return result.pack


def known(wire: dict) -> dict:
    """Facts as `ruleproof when` and `decide --partial` read them: what is not sent stays unknown."""
    return read_facts(marketplace(), wire, fill_absent=False)


def day(text: str) -> int:
    return dt.date.fromisoformat(text).toordinal()


# ---------------------------------------------------------------- deadline questions


@pytest.mark.parametrize("facts, first, last", [
    # promised 12 days >= 10: opens ten days after shipping; the platform default 15 > 12 sets the end
    ({**SHIPPED, "promised_delivery_days": 12}, "2025-06-23", "2025-06-28"),
    # promised 9 days < 10: a refund may be requested from the shipping day
    ({**SHIPPED, "promised_delivery_days": 9}, "2025-06-13", "2025-06-28"),
    # exactly 10 days is not "under 10": the wait applies (the boundary of Art. 36)
    ({**SHIPPED, "promised_delivery_days": 10}, "2025-06-23", "2025-06-28"),
    # a promise longer than the default moves the end; the seller's extension moves it further
    ({**SHIPPED, "promised_delivery_days": 20, "delivery_extension_days": 3}, "2025-06-23", "2025-07-06"),
    # Art. 39: Russian boutique orders open at once
    ({**SHIPPED, "promised_delivery_days": 25, "order_kind": "russian_boutique"}, "2025-06-13", "2025-07-08"),
])
def test_refund_days_with_today_unknown(facts, first, last):
    answer = holding_days(marketplace(), "refund_request_allowed", known(facts))
    assert (answer["first"], answer["last"]) == (first, last)
    # confirmation, refund request and the order's closing left unknown: only the first and last
    # day are meaningful
    assert answer["intervals"] is None
    settled = holding_days(marketplace(), "refund_request_allowed",
                           known({**facts, **ORDER_OPEN, "buyer_confirmed_on": None, "refund_requested_on": None}))
    assert settled["intervals"] == [{"first": first, "last": last}]


@pytest.mark.parametrize("extra", [
    {"refund_requested_on": "2025-06-20"},  # a request is already open
    {"buyer_confirmed_on": "2025-06-14"},  # the buyer confirmed receipt
    {"shipped_on": None},  # not shipped yet
])
def test_no_refund_day(extra):
    answer = holding_days(marketplace(), "refund_request_allowed",
                          known({**SHIPPED, "promised_delivery_days": 12, **extra}))
    assert answer["first"] is None and answer["last"] is None and "unknown" not in answer


def test_refund_days_agree_with_the_evaluator():
    """Each day around the answer, decided concretely, is allowed iff the answer names it."""
    pack = marketplace()
    compiled = CompiledPack(pack)
    wire = {**SHIPPED, "promised_delivery_days": 12, "buyer_confirmed_on": None, "refund_requested_on": None}
    answer = holding_days(pack, "refund_request_allowed", known(wire))
    first, last = day(answer["first"]), day(answer["last"])
    for today in range(first - 3, last + 4):
        facts = read_facts(pack, {**wire, "today": dt.date.fromordinal(today).isoformat()})
        allowed = compiled.decide(facts, ["refund_request_allowed"]).values["refund_request_allowed"]
        assert allowed == (first <= today <= last), dt.date.fromordinal(today)


# ---------------------------------------------------------------- partial decisions


def test_forced_and_possible_refund_decisions():
    answer = partial_decisions(marketplace(), known({**SHIPPED, "promised_delivery_days": 12}),
                               ["refund_request_opens", "confirmation_deadline", "refund_request_allowed"])
    assert answer["refund_request_opens"]["forced"] == "2025-06-23"
    assert answer["confirmation_deadline"]["forced"] == "2025-06-28"
    assert answer["refund_request_opens"]["depends_on"] == []
    allowed = answer["refund_request_allowed"]
    assert "forced" not in allowed
    assert sorted(v["value"] for v in allowed["values"]) == [False, True]
    assert {"today", "buyer_confirmed_on", "refund_requested_on"} <= set(allowed["depends_on"])
    assert allowed["more"] is False


def test_forced_once_today_is_known():
    answer = partial_decisions(marketplace(), known({**SHIPPED, **ORDER_OPEN, "promised_delivery_days": 9,
                                                     "today": "2025-06-13", "buyer_confirmed_on": None,
                                                     "refund_requested_on": None}),
                               ["refund_request_allowed"])
    assert answer["refund_request_allowed"]["forced"] is True
    assert answer["refund_request_allowed"]["depends_on"] == []


@functools.cache
def all_partial_decisions() -> dict:
    # a generous solver limit: the answers are checked, not the time (a loaded machine is slow)
    return partial_decisions(marketplace(), known({**SHIPPED, "promised_delivery_days": 12}), timeout_ms=60_000)


def _witnesses(answer: dict):
    for name, entry in answer.items():
        if "forced" in entry:
            yield name, ("value", entry["forced"]) if entry["forced"] is not None else ("no_value", None), entry["witness"]
        for option in entry.get("values", []):
            yield name, ("no_value", None) if option.get("no_value") else ("value", option["value"]), option["witness"]


def test_every_witness_replays_to_its_value():
    """Every decision of the pack, `today` unknown: each witness decided by the evaluator gives
    the value (or the absence of one) it stands for, and keeps the facts that were known."""
    pack = marketplace()
    compiled = CompiledPack(pack)
    answer = all_partial_decisions()
    assert "error" not in answer
    assert not [n for n, e in answer.items() if "unknown" in e], "the solver gave up"
    given = {**SHIPPED, "promised_delivery_days": 12}
    replayed = 0
    for name, (kind, value), witness in _witnesses(answer):
        assert {k: witness.get(k) for k in given} == given, (name, witness)
        outcome = compiled.decide(read_facts(pack, witness), [name])
        if kind == "value":
            got = outcome.values.get(name, outcome.undetermined.get(name))
            assert name in outcome.values and to_wire(outcome.values[name], pack.decisions[name].type) == value, (
                f"{name}: the witness stands for {value!r}, the evaluator gives {got!r}\nwitness: {witness}")
        else:
            reason = outcome.undetermined.get(name, {}).get("reason")
            assert reason == NO_VALUE or (reason or "").startswith("gap"), (
                f"{name}: the witness stands for no value, the evaluator gives "
                f"{outcome.values.get(name, reason)!r}\nwitness: {witness}")
        replayed += 1
    assert replayed >= len(pack.decisions)


# ---------------------------------------------------------------- working days

CALENDAR_PACK = """
pack calendar version "1"
holidays 2026-03-09, 2025-12-25, 2025-12-26, 2026-01-01 cite "test calendar"
const three = 3 working days cite "test"
fact start: date
decision plus_zero: date cite "test" = start + 0 working days
decision plus_one: date cite "test" = start + 1 working day
decision plus_three: date cite "test" = start + three
"""

# (start, +0, +1, +3): Thursday 2026-03-05 plus three working days is Tuesday 2026-03-10, but
# Monday 2026-03-09 is a holiday here, so Wednesday 2026-03-11; a week later no holiday is in the way
CALENDAR_CASES = [
    ("2026-03-05", "2026-03-05", "2026-03-06", "2026-03-11"),  # Thu: Fri, (Sat, Sun, Mon holiday) Tue, Wed
    ("2026-03-12", "2026-03-12", "2026-03-13", "2026-03-17"),  # Thu: Fri, Mon, Tue
    ("2026-03-06", "2026-03-06", "2026-03-10", "2026-03-12"),  # Fri: the holiday Monday is skipped
    ("2026-03-07", "2026-03-07", "2026-03-10", "2026-03-12"),  # Sat: counting starts the next day
    ("2026-03-08", "2026-03-08", "2026-03-10", "2026-03-12"),  # Sun
    ("2025-12-24", "2025-12-24", "2025-12-29", "2025-12-31"),  # Wed before two holidays and a weekend
    ("2025-12-31", "2025-12-31", "2026-01-02", "2026-01-06"),  # New Year's Day, then a weekend
]


@functools.cache
def calendar_pack() -> ir.Pack:
    result = load_texts({"calendar.rules": CALENDAR_PACK})
    assert result.ok, render_text(result.diagnostics)
    return result.pack


def test_calendar_thursday_plus_three_working_days_is_tuesday():
    plain = Calendar(frozenset())
    assert dt.date.fromordinal(plain.add(day("2026-03-05"), 3)) == dt.date(2026, 3, 10)
    assert dt.date.fromordinal(plain.add(day("2026-03-05"), 3)).strftime("%A") == "Tuesday"


@pytest.mark.parametrize("start, plus_zero, plus_one, plus_three", CALENDAR_CASES)
def test_working_days_in_both_back_ends(start, plus_zero, plus_one, plus_three):
    pack = calendar_pack()
    expected = {"plus_zero": plus_zero, "plus_one": plus_one, "plus_three": plus_three}
    facts = read_facts(pack, {"start": start})
    # the evaluator
    values = CompiledPack(pack).decide(facts).values
    assert {n: to_wire(v, pack.decisions[n].type) for n, v in values.items()} == expected
    # the Z3 encoding, by substitution and by a model of the solver
    encoder = Encoder(pack)
    symbolic = encoder.evaluate(facts)
    assert all(cause is None for cause, _ in symbolic.values())
    assert {n: to_wire(v, pack.decisions[n].type) for n, (_, v) in symbolic.items()} == expected
    solver = make_solver()
    solver.add(*encoder.domain, *encoder.fix_facts({"start": day(start)}))
    verdict = check(solver)
    assert verdict.refuted
    modelled = {n: to_wire(verdict.model.eval(encoder.decisions[n].value).as_long(), pack.decisions[n].type)
                for n in expected}
    assert modelled == expected


def test_z3_finds_the_start_for_a_working_day_deadline():
    """The other way round: the solver's start day for a deadline, replayed by the evaluator."""
    pack = calendar_pack()
    encoder = Encoder(pack)
    solver = make_solver()
    solver.add(*encoder.domain, encoder.decisions["plus_three"].value == z3.IntVal(day("2026-03-11")))
    starts = []
    while (verdict := check(solver)).refuted and len(starts) < 10:
        start = encoder.model_value(verdict.model, encoder.facts["start"].value, pack.facts["start"].type)
        starts.append(start)
        solver.add(encoder.facts["start"].value != start)
    assert sorted(to_wire(s, pack.facts["start"].type) for s in starts) == ["2026-03-05"]
    compiled = CompiledPack(pack)
    assert compiled.decide({"start": starts[0]}).values["plus_three"] == day("2026-03-11")
