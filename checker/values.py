"""Conversion between wire values (JSON) and IR values, with errors that name the JSON path.

Wire conventions (VOCABULARY.md): dates `YYYY-MM-DD`, date-times `YYYY-MM-DDTHH:MM`, money and
rates as JSON numbers (rates as decimal fractions; amounts to the cent, rates and decimals to
four places: see DECIMALS), durations as integers in their unit,
enums as member names, sets as lists. Numbers written as strings are rejected, not guessed.
"""

from __future__ import annotations

import datetime as dt
import json
import math
import re
from dataclasses import dataclass
from fractions import Fraction

from ruleproof.checker import ir
from ruleproof.checker.semantics.kinds import DECIMALS, EXACT_KINDS
from ruleproof.checker.types import Type


@dataclass(frozen=True)
class FactError:
    path: str
    message: str


class InvalidFacts(Exception):
    """One or more facts could not be read; `errors` names each by its JSON path."""

    def __init__(self, errors: list[FactError]):
        super().__init__("; ".join(f"{e.path}: {e.message}" for e in errors))
        self.errors = errors




def from_wire(value: object, typ: Type, path: str) -> object:
    """The IR value of a JSON value of type `typ`; raises InvalidFacts naming `path`."""
    if value is None:
        if typ.optional:
            return None
        raise InvalidFacts([FactError(path, f"must be {typ}, not null")])
    kind = typ.kind
    try:
        if kind == "bool":
            return _expect(value, bool, path, "true or false")
        if kind in ("int", "duration"):
            if isinstance(value, bool) or not isinstance(value, int):
                if isinstance(value, float) and value.is_integer():
                    return int(value)
                raise _bad(path, "an integer" if kind == "int" else f"a whole number of {typ.param.replace('_', ' ')}", value)
            return value
        if kind in EXACT_KINDS:
            if isinstance(value, bool) or not isinstance(value, (int, float)) or isinstance(value, float) and not math.isfinite(value):
                raise _bad(path, "a number", value)
            if isinstance(value, int):
                return value
            number = Fraction(str(value))
            if (number * 10 ** DECIMALS[kind]).denominator != 1:
                raise _bad(path, f"a number with at most {DECIMALS[kind]} decimals", value)
            return number
        if kind == "string":
            return _expect(value, str, path, "a string")
        if kind == "date":
            text = _expect(value, str, path, "a date YYYY-MM-DD")
            return dt.date.fromisoformat(text).toordinal() if _DATE.match(text) else _raise(path, "a date YYYY-MM-DD", value)
        if kind == "datetime":
            text = _expect(value, str, path, "a date-time YYYY-MM-DDTHH:MM")
            if not _MOMENT.match(text):  # fromisoformat alone takes seconds and offsets, and would drop them
                _raise(path, "a date-time YYYY-MM-DDTHH:MM", value)
            moment = dt.datetime.fromisoformat(text)
            return moment.date().toordinal() * 1440 + moment.hour * 60 + moment.minute
        if kind == "enum":
            text = _expect(value, str, path, "one of " + ", ".join(typ.members))
            if text not in typ.members:
                raise InvalidFacts([FactError(path, f"`{text}` is not one of: " + ", ".join(typ.members))])
            return text
        if kind == "set":
            if not isinstance(value, list):
                raise _bad(path, "a list", value)
            return frozenset(from_wire(v, typ.element, f"{path}[{i}]") for i, v in enumerate(value))
        if kind == "list":
            return _records(value, typ, path)
    except ValueError:
        raise _bad(path, f"a valid {typ.required()}", value) from None
    raise InvalidFacts([FactError(path, f"facts of type {typ} cannot be sent")])


def _records(value: object, typ: Type, path: str) -> tuple[tuple, ...]:
    """A list of records: a JSON list of at most `typ.size` objects, each giving every field."""
    if not isinstance(value, list):
        raise _bad(path, f"a list of {typ.element.param} records", value)
    if len(value) > typ.size:
        raise InvalidFacts([FactError(f"{path}[{typ.size}]", f"is one record too many: `{typ}` holds at most {typ.size}"
                                      if len(value) == typ.size + 1 else
                                      f"starts {len(value) - typ.size} records too many: `{typ}` holds at most {typ.size}")])
    errors: list[FactError] = []
    records = []
    for i, item in enumerate(value):
        where = f"{path}[{i}]"
        if not isinstance(item, dict):
            errors.extend(_bad(where, "an object of field names to values", item).errors)
            continue
        unknown = [k for k in item if typ.element.field(k) is None]
        errors.extend(FactError(f"{where}.{k}", "unknown field; fields are " + ", ".join(f.name for f in typ.element.fields))
                      for k in unknown)
        fields = []
        for field in typ.element.fields:
            if field.name not in item:
                errors.append(FactError(f"{where}.{field.name}", f"missing: every record gives `{field.name}`"))
                continue
            try:
                converted = from_wire(item[field.name], field.type, f"{where}.{field.name}")
            except InvalidFacts as err:
                errors.extend(err.errors)
                continue
            if field.low is not None and not field.low <= converted <= field.high:
                errors.append(FactError(f"{where}.{field.name}", f"must be between {field.low} and {field.high}, not {converted}"))
            fields.append(converted)
        records.append(tuple(fields))
    if errors:
        raise InvalidFacts(errors)
    return tuple(records)


def _expect(value, kind, path, what):
    if isinstance(value, bool) and kind is not bool or not isinstance(value, kind):
        raise _bad(path, what, value)
    return value


def _raise(path, what, value):
    raise _bad(path, what, value)


def _bad(path: str, what: str, value: object) -> InvalidFacts:
    shown = json.dumps(value, ensure_ascii=False, allow_nan=True, default=str)
    if len(shown) > 40:
        shown = shown[:37] + "..."
    return InvalidFacts([FactError(path, f"must be {what}, not {shown}")])


def read_facts(pack: ir.Pack, raw: object, path: str = "facts", fill_absent: bool = True) -> dict[str, object]:
    """Validate wire facts against the pack: unknown names, types, enum members and int ranges.

    The result maps every fact the caller sent, every defaulted fact, and every absent optional
    fact (as None) to its IR value; required facts not sent are left out (they make the
    decisions that read them undetermined). With `fill_absent=False` (partial questions) an
    optional fact not sent stays unknown: send null to say the event has not happened.
    """
    if not isinstance(raw, dict):
        raise InvalidFacts([FactError(path, "must be an object of fact names to values")])
    reader = _reader(pack)
    fast = reader.fast
    try:
        facts = {name: fast[name](value) for name, value in raw.items()}
    except (KeyError, Unusual):  # an unknown name or a value the fast path does not take
        facts = _read_slowly(pack, raw, path)
    if fill_absent:
        # the defaults and absent optional facts, overwritten by the facts sent (copying a
        # prepared dict is what makes this fast; the order of the keys is no part of the result)
        result = reader.fill.copy()
        result.update(facts)
        return result
    # partial questions: the facts sent, in their order, then the defaults in the pack's order
    # (the order the solver receives its constraints in, which may choose its witnesses)
    result = dict(facts)
    result.update(reader.defaults)
    result.update(facts)
    return result


#: unknown fact names of one case that get a "did you mean" (each costs a fuzzy search over the
#: pack's facts: a case of a thousand unknown names must not cost a thousand searches)
SUGGESTIONS = 5
MAX_SUGGESTED_NAME = 100


def _read_slowly(pack: ir.Pack, raw: dict, path: str) -> dict[str, object]:
    """The facts sent, each checked and converted, with an error naming each bad one."""
    errors: list[FactError] = []
    facts: dict[str, object] = {}
    suggestions = SUGGESTIONS
    for name, value in raw.items():
        fact = pack.facts.get(name)
        where = f"{path}.{name}"
        if fact is None:
            close = None
            if suggestions and len(str(name)) <= MAX_SUGGESTED_NAME:
                import difflib

                suggestions -= 1
                close = difflib.get_close_matches(str(name), list(pack.facts), n=1)
            errors.append(FactError(where, "unknown fact" + (f"; did you mean `{close[0]}`?" if close else "")))
            continue
        try:
            converted = from_wire(value, fact.type, where)
        except InvalidFacts as err:
            errors.extend(err.errors)
            continue
        if fact.low is not None and converted is not None and not fact.low <= converted <= fact.high:
            errors.append(FactError(where, f"must be between {fact.low} and {fact.high}, not {converted}"))
            continue
        facts[name] = converted
    if errors:
        raise InvalidFacts(errors)
    return facts


# ---------------------------------------------------------------- the fast path of read_facts
# Per pack, a converter per fact for well-formed values. A converter raises Unusual for anything
# else, and read_facts then reads the case the slow way above, which converts the same and names
# every error: the fast path never decides what is accepted, only how quickly.


class Unusual(Exception):
    """A wire value the fast path does not take: read the case the checked way instead."""


class _Reader:
    def __init__(self, pack: ir.Pack):
        self.fast = {f.name: _converter(f) for f in pack.facts.values()}
        self.defaults = {f.name: f.default for f in pack.facts.values() if f.has_default}
        self.fill = {f.name: f.default if f.has_default else None for f in pack.facts.values()
                     if f.has_default or f.type.optional}


def _converter(fact: ir.Fact):
    """The fast converter of one fact's wire values (a function per type: no dispatch per call)."""
    typ = fact.type
    kind, optional, low, high = typ.kind, typ.optional, fact.low, fact.high

    def absent(value):
        if value is None and optional:
            return None
        raise Unusual

    if kind == "date":
        def read(value):
            if type(value) is str and len(value) == 10:
                day = _DAYS.get(value)
                return day if day is not None else _day(value)
            return absent(value)
    elif kind in ("int", "duration"):
        def read(value):
            if type(value) is int and (low is None or low <= value <= high):
                return value
            return absent(value)
    elif kind == "bool":
        def read(value):
            return value if type(value) is bool else absent(value)
    elif kind == "string":
        def read(value):
            return value if type(value) is str else absent(value)
    elif kind == "enum":
        members = frozenset(typ.members)

        def read(value):
            if type(value) is str and value in members:
                return value
            return absent(value)
    elif kind in EXACT_KINDS:
        scale = 10 ** DECIMALS[kind]

        def read(value):
            if type(value) is int:  # a whole amount stays an int: exact, and faster to compute with
                return value
            if type(value) is float and math.isfinite(value):
                number = Fraction(str(value))
                if (number * scale).denominator == 1:
                    return number
            return absent(value)
    elif kind == "set" and typ.element.kind == "enum":
        members = frozenset(typ.element.members)

        def read(value):
            if type(value) is list and all(type(v) is str and v in members for v in value):
                return frozenset(value)
            return absent(value)
    else:
        read = absent
    return read


def _day(text: str) -> int:
    """The ordinal of an ISO date, remembered: the same few days come in again and again."""
    if not _DATE.match(text):
        raise Unusual
    try:
        day = _fromisoformat(text).toordinal()
    except ValueError:
        raise Unusual from None
    if len(_DAYS) >= 4096:
        _DAYS.clear()
    _DAYS[text] = day
    return day


_fromisoformat = dt.date.fromisoformat
#: the wire forms, in ASCII digits (fromisoformat alone also takes `2026-W01-1`, `2026-03-02 10:00:59+05:00`)
_DATE = re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2}\Z")
_MOMENT = re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9]{2}:[0-9]{2}\Z")
_DAYS: dict[str, int] = {}
_READERS: dict[int, tuple[ir.Pack, _Reader]] = {}


def converters(pack: ir.Pack) -> dict[str, object]:
    """The fast path's converter of each fact of `pack`, by name: the fact's IR value of a
    well-formed wire value, or Unusual (read the case with read_facts then)."""
    return _reader(pack).fast


def known_days() -> dict[str, int]:
    """The ISO dates converted so far, to their day numbers (the converters' cache: a date
    found here is well-formed)."""
    return _DAYS


def _reader(pack: ir.Pack) -> _Reader:
    entry = _READERS.get(id(pack))
    if entry is None or entry[0] is not pack:
        if len(_READERS) >= 64:  # packs come and go (reloads, tests): keep the cache small
            _READERS.clear()
        entry = _READERS[id(pack)] = (pack, _Reader(pack))
    return entry[1]


_FLOAT_WHOLE = 2**53  # from here on every float is a whole number


def to_wire(value: object, typ: Type) -> object:
    """The JSON value of an IR value of type `typ`."""
    if value is None:
        return None
    kind = typ.kind
    if kind == "date":
        return dt.date.fromordinal(value).isoformat()
    if kind == "datetime":
        day, minute = divmod(value, 1440)
        return dt.datetime.combine(dt.date.fromordinal(day), dt.time(minute // 60, minute % 60)).isoformat(timespec="minutes")
    if kind in EXACT_KINDS:
        value = Fraction(value)
        if value.denominator == 1 or abs(value) >= _FLOAT_WHOLE:
            # past 2^53 a float has no fraction left to show, and past 1.8e308 it overflows
            return round(value)
        return float(value)
    if kind == "set":
        return sorted(to_wire(v, typ.element) for v in value)
    if kind == "list":
        fields = typ.element.fields
        return [{f.name: to_wire(v, f.type) for f, v in zip(fields, record)} for record in value]
    return value


def writer(typ: Type):
    """`to_wire` for values of type `typ`, prepared once: None where the IR value is its own
    wire value (bools, ints, durations, strings, enum members), else a function (a day's ISO
    form is remembered: the same few days are written again and again)."""
    kind = typ.kind
    if kind in ("bool", "int", "duration", "string", "enum"):
        return None
    if kind == "date":
        def write(value):
            text = _ISO.get(value)
            if text is None:
                text = to_wire(value, typ)
                if len(_ISO) >= 4096:
                    _ISO.clear()
                _ISO[value] = text
            return text
        return write
    if kind in EXACT_KINDS:
        def write(value):
            kind = type(value)
            if kind is int:
                return value
            if kind is Fraction:  # to_wire's answer without making the Fraction again
                n, d = value.numerator, value.denominator
                if d == 1:
                    return n
                if -_FLOAT_WHOLE * d < n < _FLOAT_WHOLE * d:
                    return n / d  # float(value): Fraction.__float__ divides the same two integers
            return to_wire(value, typ)
        return write
    return lambda value: to_wire(value, typ)


_ISO: dict[int, str] = {}


def show(value: object, typ: Type) -> str:
    """A value as a person reads it in traces and timelines."""
    try:
        wire = to_wire(value, typ)
    except (ValueError, OverflowError):  # a solver's day past the calendar
        return "a day outside the years 1 to 9999"
    if typ.kind == "duration":
        return f"{wire} {typ.param.replace('_', ' ')}"
    if typ.kind == "money":
        return f"{wire} {typ.param}"
    if typ.kind == "rate":
        return f"{float(Fraction(value) * 100):g}%" if value is not None else "absent"
    if typ.kind == "list":
        return json.dumps(wire, ensure_ascii=False)
    return "absent" if wire is None else str(wire).lower() if isinstance(wire, bool) else str(wire)
