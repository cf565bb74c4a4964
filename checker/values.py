"""Conversion between wire values (JSON) and IR values, with errors that name the JSON path.

Wire conventions (VOCABULARY.md): dates `YYYY-MM-DD`, date-times `YYYY-MM-DDTHH:MM`, money and
rates as JSON numbers (rates as decimal fractions), durations as integers in their unit,
enums as member names, sets as lists. Numbers written as strings are rejected, not guessed.
"""

from __future__ import annotations

import datetime as dt
import math
from dataclasses import dataclass
from fractions import Fraction

from checker import ir
from checker.types import Type


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
        if kind in ("decimal", "rate", "money"):
            if isinstance(value, bool) or not isinstance(value, (int, float)) or not math.isfinite(value):
                raise _bad(path, "a number", value)
            return Fraction(str(value)) if isinstance(value, float) else Fraction(value)
        if kind == "string":
            return _expect(value, str, path, "a string")
        if kind == "date":
            text = _expect(value, str, path, "a date YYYY-MM-DD")
            return dt.date.fromisoformat(text).toordinal() if len(text) == 10 else _raise(path, "a date YYYY-MM-DD", value)
        if kind == "datetime":
            text = _expect(value, str, path, "a date-time YYYY-MM-DDTHH:MM")
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
    except ValueError:
        raise _bad(path, f"a valid {typ.required()}", value) from None
    raise InvalidFacts([FactError(path, f"facts of type {typ} cannot be sent")])


def _expect(value, kind, path, what):
    if isinstance(value, bool) and kind is not bool or not isinstance(value, kind):
        raise _bad(path, what, value)
    return value


def _raise(path, what, value):
    raise _bad(path, what, value)


def _bad(path: str, what: str, value: object) -> InvalidFacts:
    shown = repr(value) if not isinstance(value, str) else f'"{value}"'
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
    errors: list[FactError] = []
    facts: dict[str, object] = {}
    for name, value in raw.items():
        fact = pack.facts.get(name)
        where = f"{path}.{name}"
        if fact is None:
            import difflib

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
    for fact in pack.facts.values():
        if fact.name not in facts:
            if fact.has_default:
                facts[fact.name] = fact.default
            elif fact.type.optional and fill_absent:
                facts[fact.name] = None
    return facts


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
    if kind in ("decimal", "rate", "money"):
        value = Fraction(value)
        return int(value) if value.denominator == 1 else float(value)
    if kind == "set":
        return sorted(to_wire(v, typ.element) for v in value)
    return value


def show(value: object, typ: Type) -> str:
    """A value as a person reads it in traces and timelines."""
    wire = to_wire(value, typ)
    if typ.kind == "duration":
        return f"{wire} {typ.param.replace('_', ' ')}"
    if typ.kind == "money":
        return f"{wire} {typ.param}"
    if typ.kind == "rate":
        return f"{float(Fraction(value) * 100):g}%" if value is not None else "absent"
    return "absent" if wire is None else str(wire).lower() if isinstance(wire, bool) else str(wire)
