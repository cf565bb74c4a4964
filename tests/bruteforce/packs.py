"""Small packs over finite domains, written as source text from a seed.

Every fact has a handful of values (dates are bounded by assumptions, ints by ranges, optional
facts may also be absent), so a pack has at most LIMIT cases and brute force can decide them
all. The packs use what the checks, `when` and `--partial` must get right: every hit policy
(`priority` levels with ties), `overrides ... because`, `unless`, defaults, `complete`, tables,
optional facts with presence tests, enums, bools, ranged ints, durations, a list of records with
every aggregate (and the empty list), date arithmetic with working days, division by a fact that
may be zero, decisions reading other decisions (conflicted, gap and division-by-zero ones
included), windows and properties of every kind, and rules with effective periods around today's
days in decisions read `as of today` (drawn from a second random stream, so the rest of each pack
is what it was before periods existed).

>>> pack = generate(3)
>>> pack.text.startswith('pack small3 version "1"')
True
>>> 1 <= pack.size <= LIMIT
True
"""

from __future__ import annotations

import math
import random
from dataclasses import dataclass, field

from .exprs import KINDS, LEVELS, Expressions, Name, day

LIMIT = 300  # cases per pack before the assumptions filter them
#: the lists of `items` (records `{n: 0 | 1}`, up to two): empty, one record, two records
ITEM_LISTS = ([], [{"n": 0}], [{"n": 1}], *([{"n": a}, {"n": b}] for a in (0, 1) for b in (0, 1)))


@dataclass
class SmallPack:
    """A generated pack: its text, each fact's wire values (None: absent), and the date facts
    a `when` question may ask about."""

    seed: int
    text: str
    domains: dict[str, list]
    day_facts: list[str]
    features: set[str] = field(default_factory=set)

    @property
    def size(self) -> int:
        return math.prod(len(values) for values in self.domains.values())


def generate(seed: int) -> SmallPack:
    """The pack for `seed`; the same seed always gives the same text."""
    return _Generator(seed).pack()


class _Generator(Expressions):
    def __init__(self, seed: int):
        self.seed = seed
        self.rng = random.Random(seed)
        self.periods = random.Random(seed * 7919 + 1)  # effective periods: a stream of their own
        self.lines: list[str] = [f'pack small{seed} version "1"', "enum level = " + " | ".join(LEVELS)]
        self.domains: dict[str, list] = {}
        self.facts: list[Name] = []
        self.names: list[Name] = []  # facts, then decisions as they are declared
        self.windows: list[str] = []
        self.rules: list[str] = []  # every rule so far, for `unless`
        self.ruled: dict[str, tuple[str, str, list[str]]] = {}  # decision -> kind, hit, its rules
        self.features: set[str] = set()
        self.counter = 0
        self.days = (0, 0)  # the offsets of today's first and last day
        self.readable_windows: list[str] = []

    def fresh(self, prefix: str) -> str:
        self.counter += 1
        return f"{prefix}{self.counter}"

    # ------------------------------------------------------------ facts
    def pack(self) -> SmallPack:
        self.declare_facts()
        for _ in range(self.rng.randint(3, 6)):
            self.decision()
            if self.chance(0.3):
                self.window()
        for _ in range(self.rng.randint(1, 3)):
            self.prop()
        day_facts = [f.name for f in self.facts if f.kind == "date"]
        return SmallPack(self.seed, "\n".join(self.lines) + "\n", self.domains, day_facts, self.features)

    def fact(self, name: str, kind: str, type_text: str, values: list, optional: bool = False) -> None:
        self.lines.append(f'fact {name}: {type_text}{"?" if optional else ""} cite "gen"')
        self.domains[name] = ([None] if optional else []) + values
        self.facts.append(Name(name, kind, optional))
        self.names.append(Name(name, kind, optional))
        self.features.add(f"fact {kind}{'?' if optional else ''}")

    def assume(self, name: str, condition: str) -> None:
        self.lines.append(f"assume {name}: {condition}")

    def declare_facts(self) -> None:
        rng = self.rng
        start = rng.randint(-1, 2)
        length = rng.randint(3, 5)
        self.days = (start, start + length - 1)
        self.fact("today", "date", "date", [day(start + i) for i in range(length)])
        self.assume("today_range", f"today >= {day(start)} and today <= {day(start + length - 1)}")
        size = length
        menu = [
            (2, self.closed_on), (4, self.shipped_on), (2, lambda: self.fact("flag", "bool", "bool", [False, True])),
            (3, lambda: self.fact("maybe", "bool", "bool", [False, True], optional=True)),
            (3, lambda: self.fact("kind", "kind", " | ".join(KINDS), list(KINDS))),
            (3, lambda: self.fact("count", "int", "int 0..2", [0, 1, 2])),
            (3, self.wait), (3, lambda: self.fact("spare", "int", "int 0..1", [0, 1], optional=True)),
            (len(ITEM_LISTS), self.items),
        ]
        rng.shuffle(menu)
        for extra, add in menu:
            if size * extra <= LIMIT and self.chance(0.7):
                add()
                size *= extra
        self.extra_assumptions()

    def closed_on(self) -> None:
        first = self.rng.randint(*self.days) if self.days[1] > self.days[0] else self.days[0]
        self.fact("closed_on", "date", "date", [day(first), day(first + 1)])
        self.assume("closed_range", f"closed_on >= {day(first)} and closed_on <= {day(first + 1)}")

    def shipped_on(self) -> None:
        first = self.days[0] + self.rng.randint(-2, 1)
        self.fact("shipped_on", "date", "date", [day(first + i) for i in range(3)], optional=True)
        self.assume("shipped_range", f"shipped_on is absent or (shipped_on >= {day(first)} and shipped_on <= {day(first + 2)})")

    def items(self) -> None:
        """A list of up to two records of one ranged field: every list of them is a case."""
        self.lines.append('record item cite "gen": n: int 0..1')
        self.fact("items", "list", "list of item up to 2", list(ITEM_LISTS))

    def wait(self) -> None:
        self.fact("wait", "days", "days", [0, 1, 2])
        self.assume("wait_range", "wait >= 0 days and wait <= 2 days")

    def extra_assumptions(self) -> None:
        have = {f.name for f in self.facts}
        if "closed_on" in have and self.chance(0.6):
            self.assume("open_day", "today != closed_on")
            self.features.add("assumption excludes a day")
        if "shipped_on" in have and self.chance(0.4):
            self.assume("shipped_first", "shipped_on is absent or shipped_on <= today")
        if {"flag", "count"} <= have and self.chance(0.2):
            self.assume("not_both", "not (flag and count == 2)")
        if self.chance(0.03):
            self.assume("impossible", f"today < {day(self.days[0])}")
            self.features.add("contradictory assumptions")

    # ------------------------------------------------------------ decisions
    def decision(self) -> None:
        kind = self.rng.choice(["bool", "bool", "int", "level", "level", "date", "dec", "set"])
        if kind == "dec" and not any(f.name == "count" for f in self.facts):
            kind = "int"
        self.readable_windows = list(self.windows)
        if kind == "set":
            self.rules_decision(kind, "collect")
        elif kind == "dec":
            self.formula(kind)
        else:
            shapes = {"bool": ["formula", "rules", "rules"], "int": ["rules", "rules", "table"],
                      "level": ["rules", "rules", "table"], "date": ["formula", "rules"]}[kind]
            shape = self.rng.choice(shapes)
            if shape == "formula":
                self.formula(kind)
            elif shape == "table":
                self.table(kind)
            else:
                aggregations = ["collect_sum", "collect_min", "collect_max", "collect_count"] if kind == "int" else []
                self.rules_decision(kind, self.rng.choice(["unique", "unique", "strict", "first", "priority", *aggregations]))

    def declare(self, name: str, kind: str, options: list[str], total: bool, body: str = "") -> None:
        type_text = {"bool": "bool", "int": "int", "level": "level", "date": "date", "dec": "decimal",
                     "set": "set of level"}[kind]
        self.lines.append(f"decision {name}: {type_text}" + "".join(" " + o for o in options) + body)
        self.names.append(Name(name, kind, optional=not total))

    def formula(self, kind: str) -> None:
        name = self.fresh("x")
        readable = list(self.names)
        options: list[str] = []
        default = self.chance(0.2)
        if default:
            options.append("default " + self.value(kind, [], frozenset(), plain=True))
        narrowed: frozenset = frozenset()
        when = self.chance(0.35)
        if when:
            optional = [n for n in self.facts if n.optional]
            if optional and self.chance(0.7):
                pick = self.rng.choice(optional)
                options.append(f"when {pick.name} is present")
                narrowed = frozenset([pick.name])
            else:
                options.append("when " + self.cond(readable, 1))
            self.features.add("formula with when")
        body = self.cond(readable, 2, narrowed) if kind == "bool" else self.value(kind, readable, narrowed)
        self.declare(name, kind, options, total=default or not when, body=f" = {body}")
        self.features.add("formula")

    def rules_decision(self, kind: str, hit: str) -> None:
        rng = self.rng
        name = self.fresh("x")
        readable = list(self.names)
        options = [] if hit == "unique" and self.chance(0.5) else [f"hit {hit}"]
        default = hit != "collect" and self.chance(0.35)
        complete = hit != "collect" and not default and self.chance(0.35)
        if default:
            options.append("default " + self.value(kind, [], frozenset(), plain=True))
        if complete:
            options.append("complete")
        self.features.update({f"hit {hit}", *(["default"] if default else []), *(["complete"] if complete else [])})
        dated = self.periods.random() < 0.3
        if dated:
            options.append("as of today")
        mine: list[str] = []
        lines = []
        for _ in range(rng.randint(2, 4)):
            rule = self.fresh("r")
            narrowed: frozenset = frozenset()
            prefix = ""
            optional = [n for n in self.facts if n.optional]
            if optional and self.chance(0.25):
                pick = rng.choice(optional)
                prefix, narrowed = f"{pick.name} is present and ", frozenset([pick.name])
            conclusions = [f"{name} = {self.value(kind, readable, narrowed)}"]
            others = [d for d, (_, h, _) in self.ruled.items() if h != "collect"]
            condition_scope = readable
            priority = hit == "priority"
            if others and self.chance(0.1):
                target = rng.choice(others)
                target_kind, target_hit, target_rules = self.ruled[target]
                conclusions.append(f"{target} = {self.value(target_kind, [], frozenset(), plain=True)}")
                condition_scope = list(self.facts)  # reads nothing the earlier decision cannot
                priority = priority or target_hit == "priority"
                target_rules.append(rule)
                self.features.add("two conclusions")
            windows, self.readable_windows = self.readable_windows, [] if len(conclusions) > 1 else self.readable_windows
            condition = prefix + self.cond(condition_scope, 2, narrowed)
            self.readable_windows = windows
            header = f'rule {rule} cite "gen"' + (f" priority {rng.randint(1, 2)}" if priority else "")
            if dated and len(conclusions) == 1 and self.periods.random() < 0.6:
                header += " " + self.period()
            relations = ""
            beaten = [r for r in mine if self.chance(0.3)]
            if beaten:
                relations += " overrides " + ", ".join(beaten) + (' because "gen"' if self.chance(0.5) else ' because "g"')
                self.features.add("overrides")
            if self.rules and len(conclusions) == 1 and self.chance(0.15):
                relations += " unless " + rng.choice(self.rules) + ' because "g"'
                self.features.add("unless")
            lines.append(f"{header}: when {condition} then {', '.join(conclusions)}{relations}")
            mine.append(rule)
        self.declare(name, kind, options, total=default or complete or hit in ("collect", "collect_count"))
        self.lines.extend(lines)
        self.rules.extend(mine)
        self.ruled[name] = (kind, hit, mine)

    def period(self) -> str:
        """`effective ...` with a changeover on one of today's days or the day after them."""
        first, last = self.days
        start = self.periods.randint(first, last + 1)
        shape = self.periods.choice(["from", "until", "both"])
        self.features.add("effective period")
        if shape == "from":
            return f"effective from {day(start)}"
        if shape == "until":
            return f"effective until {day(start)}"
        return f"effective from {day(start)} until {day(start + self.periods.randint(1, 2))}"

    def table(self, kind: str) -> None:
        rng = self.rng
        name = self.fresh("x")
        inputs = [n for n in self.names if n.kind in ("bool", "kind", "int", "level")]
        if not inputs:
            self.rules_decision(kind, "first")
            return
        inputs = rng.sample(inputs, min(len(inputs), rng.randint(1, 2)))
        if any(n not in self.facts for n in inputs):
            self.features.add("table reads a decision")
        hit = rng.choice(["unique", "first"])
        options = [f"hit {hit}"] if hit == "first" or self.chance(0.5) else []
        if self.chance(0.3):
            options.append("default " + self.value(kind, [], frozenset(), plain=True))
        rows, seen = [], set()
        for _ in range(rng.randint(2, 4)):
            cells = ", ".join(self.cell(f) for f in inputs)
            if cells not in seen:
                seen.add(cells)
                rows.append(f"  row {cells} => {self.value(kind, [], frozenset(), plain=True)}")
        self.declare(name, kind, options, total=any(o.startswith("default") for o in options))
        self.lines.append(f'table {self.fresh("t")} for {name} cite "gen": given ' + ", ".join(f.name for f in inputs))
        self.lines.extend(rows)
        self.features.update({"table", f"hit {hit}"})

    def cell(self, given: Name) -> str:
        rng = self.rng
        roll = rng.random()
        if roll < 0.15:
            return "any"
        if roll < 0.25:
            return "otherwise"
        if given.kind == "bool":
            return rng.choice(["true", "false"])
        if given.kind in ("kind", "level"):
            members = KINDS if given.kind == "kind" else LEVELS
            return rng.choice(members) if self.chance(0.6) else "in {" + ", ".join(rng.sample(members, 2)) + "}"
        return rng.choice([str(rng.randint(0, 2)), f">= {rng.randint(1, 2)}", f"< {rng.randint(1, 2)}"])

    # ------------------------------------------------------------ windows and properties
    def window(self) -> None:
        rng = self.rng
        dates = [n.name for n in self.names if n.kind == "date" and n.name != "today"]
        if not dates:
            return
        low = rng.choice(dates)
        high = rng.choice([f"{low} + {rng.randint(0, 3)} days", rng.choice(dates + ["today"]), self.date_literal()])
        if high == low:
            high = f"{low} + 1 day"
        if self.chance(0.5):
            low, high = high, low
        name = self.fresh("win")
        self.lines.append(f"window {name} = {rng.choice('[(')}{low}, {high}{rng.choice('])')} cite \"gen\"")
        self.windows.append(name)
        self.features.add("window")

    def prop(self) -> None:
        rng = self.rng
        self.readable_windows = list(self.windows)
        name = self.fresh("p")
        bools = [n for n in self.names if n.kind == "bool" and not n.optional and n not in self.facts]
        if len(self.windows) >= 2 and self.chance(0.3):
            a, b = rng.sample(self.windows, 2)
            condition = f"{a} {rng.choice(['within', 'before', 'disjoint', 'overlaps'])} {b}"
            self.features.add("window relation")
        elif bools and self.chance(0.4):
            condition = rng.choice(bools).name
        else:
            condition = self.cond(self.names, 2)
        kind = rng.choice(["always", "never", "possible"])
        self.lines.append(f'property {name} cite "gen": {kind} {condition}')
        self.features.add(f"property {kind}")
