"""The types of the language, shared by the type checker, the IR and both back ends."""

from __future__ import annotations

from dataclasses import dataclass, replace

from ruleproof.checker.semantics.kinds import Kind

NUMERIC = frozenset({Kind.INT, Kind.DECIMAL, Kind.RATE})  # plain numbers: no currency, no unit
DURATION_UNITS = ("days", "working_days", "hours", "minutes", "months")
UNIT_WORDS = {"days": "natural days", "working_days": "working days", "hours": "hours", "minutes": "minutes",
              "months": "calendar months"}
UNIT_LITERALS = {"days": "days", "working_days": "working days", "hours": "hours", "minutes": "minutes",
                 "months": "months"}  # after a number
MONTHS_PER_YEAR = 12  # `2 years` is the literal `24 months`
MINUTES_PER = {"days": 1440, "hours": 60, "minutes": 1}


@dataclass(frozen=True)
class Type:
    """A type. `kind` selects the family; `param` is the currency, duration unit or enum name.

    `members` lists an enum's members in order; `element` is a set's, window's or list's element
    type; `fields` are a record's fields in declared order, and `size` a list's maximum length.
    """

    kind: Kind
    param: str | None = None
    members: tuple[str, ...] = ()
    element: Type | None = None
    optional: bool = False
    fields: tuple[Field, ...] = ()
    size: int | None = None

    def __post_init__(self) -> None:
        # INVARIANT: `kind` is a Kind (a misspelt kind fails here, not in a back end)
        if type(self.kind) is not Kind:
            object.__setattr__(self, "kind", Kind(self.kind))

    def required(self) -> Type:
        if not self.optional:
            return self
        made = self.__dict__.get("_required")  # made once: checks ask for it per fact and per finding
        if made is None:
            made = self.__dict__["_required"] = replace(self, optional=False)
        return made

    def maybe(self) -> Type:
        return replace(self, optional=True)

    @property
    def is_numeric(self) -> bool:
        return self.kind in NUMERIC

    @property
    def is_point(self) -> bool:
        return self.kind in ("date", "datetime")

    def __str__(self) -> str:
        if self.kind == "money":
            text = f"money {self.param}"
        elif self.kind == "duration":
            text = UNIT_WORDS[self.param]
        elif self.kind == "enum":
            text = self.param or " | ".join(self.members)
        elif self.kind == "set":
            text = f"set of {self.element}"
        elif self.kind == "window":
            text = f"window of {self.element}"
        elif self.kind == "record":
            text = f"record {self.param}"
        elif self.kind == "list":
            text = f"list of {self.element.param} up to {self.size}"
        else:
            text = self.kind
        return text + ("?" if self.optional else "")


    def field(self, name: str) -> Field | None:
        """A record's field of that name, or None."""
        return next((f for f in self.fields if f.name == name), None)


@dataclass(frozen=True)
class Field:
    """A field of a record type: its name, type and, for `int LOW..HIGH`, its range."""

    name: str
    type: Type
    low: int | None = None
    high: int | None = None


BOOL = Type("bool")
INT = Type("int")
DECIMAL = Type("decimal")
RATE = Type("rate")
STRING = Type("string")
DATE = Type("date")
DATETIME = Type("datetime")
#: the type of an expression already reported as wrong; it fits everywhere, so errors do not cascade
ERROR = Type("error")


def duration(unit: str) -> Type:
    return Type("duration", unit)


def money(currency: str) -> Type:
    return Type("money", currency)


def enum(name: str, members: tuple[str, ...]) -> Type:
    return Type("enum", name, members)


def set_of(element: Type) -> Type:
    return Type("set", element=element)


def record(name: str, fields: tuple[Field, ...]) -> Type:
    return Type("record", name, fields=fields)


def list_of(element: Type, size: int) -> Type:
    return Type("list", element=element, size=size)
