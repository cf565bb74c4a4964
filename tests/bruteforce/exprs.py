"""Typed condition and value text for the small packs (a mixin of packs._Generator): every
optional name is read behind a presence test, divisions by facts that may be zero, date
arithmetic with natural and working days, window tests and relations, if-then-else."""

from __future__ import annotations

import datetime as dt
import random
from dataclasses import dataclass

BASE = dt.date(2026, 3, 5)  # a Thursday: a few days from here meet a weekend
LEVELS = ("lo", "mid", "hi")
KINDS = ("k_a", "k_b", "k_c")


@dataclass(frozen=True)
class Name:
    """Something expressions may read: a fact or a decision. `optional`: needs a presence test."""

    name: str
    kind: str  # bool, kind, int, days, date, dec, level, set, list
    optional: bool = False



def day(offset: int) -> str:
    return (BASE + dt.timedelta(days=offset)).isoformat()



class Expressions:
    """Needs `rng`, `features`, `days` (today's first and last offsets), `windows` and
    `readable_windows` from the generator."""

    rng: random.Random
    features: set[str]
    days: tuple[int, int]
    readable_windows: list[str]

    def chance(self, p: float) -> bool:
        return self.rng.random() < p

    def date_literal(self) -> str:
        return day(self.rng.randint(self.days[0] - 1, self.days[1] + 1))

    def cond(self, readable: list[Name], depth: int, narrowed: frozenset = frozenset()) -> str:
        roll = self.rng.random()
        if depth <= 0 or roll < 0.5:
            return self.atom(readable, narrowed)
        if roll < 0.8:
            op = self.rng.choice(["and", "or"])
            return f"({self.cond(readable, depth - 1, narrowed)} {op} {self.cond(readable, depth - 1, narrowed)})"
        if roll < 0.9:
            return f"(not {self.cond(readable, depth - 1, narrowed)})"
        if roll < 0.95:
            self.features.add("if-then-else")
            parts = [self.cond(readable, depth - 1, narrowed) for _ in range(3)]
            return f"(if {parts[0]} then {parts[1]} else {parts[2]})"
        return self.atom(readable, narrowed)

    def atom(self, readable: list[Name], narrowed: frozenset) -> str:
        rng = self.rng
        windows = [w for w in self.windows if w in self.readable_windows]
        if windows and self.chance(0.15):
            self.features.add("window test")
            w = rng.choice(windows)
            if len(windows) >= 2 and self.chance(0.25):
                self.features.add("window relation test")
                other = rng.choice([v for v in windows if v != w])
                return f"({w} {rng.choice(['within', 'before', 'disjoint', 'overlaps'])} {other})"
            return f"(today in {w})" if self.chance(0.8) else f"({w} is empty)"
        pick = rng.choice(readable)
        if pick.optional and pick.name not in narrowed:
            roll = rng.random()
            self.features.add("presence test")
            if roll < 0.3:
                return f"({pick.name} is {rng.choice(['present', 'absent'])})"
            test = self.test(pick, readable)
            if roll < 0.75:
                return f"({pick.name} is present and {test})"
            return f"({pick.name} is absent or {test})"
        return self.test(pick, readable)

    def test(self, pick: Name, readable: list[Name]) -> str:
        """A condition on `pick`, which is known to be present."""
        rng, n = self.rng, pick.name
        kind = pick.kind
        if kind == "bool":
            return n if self.chance(0.7) else f"(not {n})"
        if kind in ("kind", "level"):
            members = KINDS if kind == "kind" else LEVELS
            roll = rng.random()
            if roll < 0.5:
                return f"({n} {rng.choice(['==', '!='])} {rng.choice(members)})"
            return f"({n} in {{{', '.join(rng.sample(members, 2))}}})"
        if kind == "int":
            roll = rng.random()
            if roll < 0.25:
                self.features.add("division")
                return f"(6 / {n} {rng.choice(['>', '>='])} {rng.choice([3, 4, 6])})"
            if roll < 0.4:
                return f"({n} + 1 > {rng.randint(1, 3)})"
            return f"({n} {rng.choice(['>=', '==', '<', '!='])} {rng.randint(0, 2)})"
        if kind == "dec":
            return f"({n} {rng.choice(['>', '<=', '>='])} {rng.choice(['2', '3.5', '5', '6'])})"
        if kind == "days":
            if self.chance(0.5):
                return f"({n} >= {rng.randint(1, 2)} days)"
            return f"(today + {n} > {self.date_literal()})"
        if kind == "set":
            roll = rng.random()
            if roll < 0.6:
                return f"({rng.choice(LEVELS)} in {n})"
            return f"({n} == {{{rng.choice(LEVELS)}}})"
        if kind == "list":
            self.features.add("aggregate")
            return rng.choice([
                f"(count({n} where n == 1) >= {rng.randint(1, 2)})", f"(count({n}) {rng.choice(['==', '>'])} {rng.randint(0, 1)})",
                f"any({n} where n == {rng.randint(0, 1)})", f"all({n} where n == {rng.randint(0, 1)})",
                f"({rng.choice(['max', 'min'])}({n}.n) == {rng.randint(0, 1)})",  # no value of an empty list
                f"(sum({n}.n where n >= 1) {rng.choice(['<', '>='])} {rng.randint(1, 2)})",
                f"(6 / count({n}) >= {rng.choice([3, 6])})",  # a division by zero for an empty list
            ])
        if n == "today":
            roll = rng.random()
            if roll < 0.2:
                self.features.add("working days")
                return f"(today + {rng.randint(1, 2)} working days >= {self.date_literal()})"
            return f"(today {rng.choice(['<=', '>=', '==', '<', '!='])} {self.date_literal()})"
        roll = rng.random()
        if roll < 0.3:
            return f"(today <= {n} + {rng.randint(0, 2)} days)"
        if roll < 0.45 and any(r.name == "wait" for r in readable):
            return f"(today <= {n} + wait)"
        if roll < 0.55:
            self.features.add("working days")
            return f"({n} + 1 working day >= today)"
        if roll < 0.75:
            return f"(today {rng.choice(['>', '<', '=='])} {n})"
        return f"({n} {rng.choice(['<=', '>='])} {self.date_literal()})"

    def value(self, kind: str, readable: list[Name], narrowed: frozenset, plain: bool = False) -> str:
        """A conclusion of type `kind`; `plain` asks for a constant."""
        rng = self.rng
        present = {n.name for n in readable if not n.optional or n.name in narrowed}
        if kind == "bool":
            return rng.choice(["true", "false"])
        if kind == "level":
            return rng.choice(LEVELS)
        if kind == "set":
            return rng.choice(LEVELS) if self.chance(0.7) else "{" + ", ".join(rng.sample(LEVELS, 2)) + "}"
        if kind == "int":
            if not plain and "count" in present and self.chance(0.3):
                return "count + 1"
            if not plain and "items" in present and self.chance(0.3):
                self.features.add("aggregate")
                return rng.choice(["count(items where n == 0)", "sum(items.n)", "max(items.n) + 1"])
            return str(rng.randint(0, 3))
        if kind == "dec":
            if not plain and "count" in present and self.chance(0.7):
                self.features.add("division")
                return rng.choice(["12 / count", "6 / (count + 1)", "count / 2", "(if count > 0 then 12 / count else 0)"])
            return rng.choice(["2.5", "4", "6"])
        # dates
        roll = rng.random()
        if plain or roll < 0.2:
            return self.date_literal()
        if "shipped_on" in present and roll < 0.5:
            return f"shipped_on + {rng.randint(0, 3)} days" if "wait" not in present or self.chance(0.5) else "shipped_on + wait"
        if roll < 0.7:
            self.features.add("working days")
            return f"today + {rng.randint(0, 2)} working days"
        return f"today + {rng.randint(0, 2)} days"
