"""Random, well-typed policy packs in the language's text form.

`generate(seed)` writes a pack as source text, so every generated pack also exercises the
front end (grammar, resolve, type and unit check, lowering). The packs use every construct
the two back ends must agree on: facts of each type (dates, optional dates, natural days,
money USD, rates, decimals, ranged ints, enums, bools, sets of enums), constants (natural
days, working days, amounts, rates), `let`, a `holidays` calendar and working-day
arithmetic, decisions with every hit policy (unique, first, priority, collect), defaults,
`complete`, formulas with `when`, rules with `overrides` and `unless`, rules concluding two
decisions, decision tables with `otherwise`, `any`, `in` and comparison cells, windows with
every kind of end and `x in w` / window relations, if-then-else, min/max/abs, round(),
count()/days() conversions and divisions that may divide by zero.

Used by tests/test_differential.py (evaluator vs Z3 encoding) and by the bench.

>>> pack = generate(1)
>>> pack.files["main.rules"].startswith("pack gen1 version")
True
"""

from __future__ import annotations

import datetime as dt
import random
from dataclasses import dataclass, field

# Days the generated calendars and date literals cluster around, so the facts drawn near
# them (see tests/test_differential.py) meet weekends, holidays, month and year ends.
ANCHORS = (
    dt.date(2024, 2, 29),  # leap day, a Thursday
    dt.date(2025, 6, 13),  # a Friday
    dt.date(2025, 12, 24),  # before Christmas and the new year
    dt.date(2026, 3, 28),  # a Saturday, end of March
)

MEMBERS = (("a", "b", "c"), ("x", "y", "z", "w"))
KIND_TEXT = {"date": "date", "days": "days", "money": "money USD", "rate": "rate", "int": "int",
             "dec": "decimal", "bool": "bool"}
ORDERED = ("date", "days", "money", "rate", "int", "dec")
CMP = ("<", "<=", "==", "!=", ">", ">=")


@dataclass(frozen=True)
class Name:
    """A value the generated expressions may read. `kind` is date, days, money, rate, int,
    dec, bool, `enum:E` or `set:E`; `optional` names need a presence test first."""

    name: str
    kind: str
    optional: bool = False


@dataclass
class _DecisionSpec:
    """What a rule concluding this decision may read, and the values rules gave it so far."""

    name: str
    kind: str
    hit: str
    readable: list[Name]
    windows: list[str]
    rules_before: list[str] = field(default_factory=list)
    values: list[tuple[str, frozenset[str], int]] = field(default_factory=list)


@dataclass
class GeneratedPack:
    """A generated pack: its files (path -> text) and the features it uses."""

    seed: int
    files: dict[str, str]
    features: set[str] = field(default_factory=set)

    @property
    def text(self) -> str:
        return "\n".join(self.files.values())


def generate(seed: int) -> GeneratedPack:
    """The pack for `seed`; the same seed always gives the same text."""
    return _Generator(seed).pack()


def _enum_kinds() -> list[str]:
    return [f"enum:E{i}" for i in range(len(MEMBERS))]


def _members(kind: str) -> tuple[str, ...]:
    index = int(kind.split(":E")[1])
    return tuple(f"e{index}_{m}" for m in MEMBERS[index])


def _date_text(day: dt.date) -> str:
    return day.isoformat()


class _Generator:
    def __init__(self, seed: int):
        self.seed = seed
        self.rng = random.Random(seed)
        self.names: list[Name] = []  # facts, lets, consts and decisions, in the order they become readable
        self.windows: list[str] = []
        self.rules_of: dict[str, list[str]] = {}  # decision -> its rules, in order
        self.all_rules: list[str] = []
        self.features: set[str] = set()
        self.counter = 0
        self.head: list[str] = []  # enums, facts, consts, lets, holidays, assumptions
        self.body: list[str] = []  # decisions, rules, tables, windows
        self.inline_enums: dict[str, tuple[str, ...]] = {}
        self.specs: dict[str, _DecisionSpec] = {}
        self.zero_consts: set[str] = set()

    def fresh(self, prefix: str) -> str:
        self.counter += 1
        return f"{prefix}{self.counter}"

    def chance(self, p: float) -> bool:
        return self.rng.random() < p

    # ------------------------------------------------------------ the pack
    def pack(self) -> GeneratedPack:
        rng = self.rng
        for index, members in enumerate(MEMBERS):
            self.head.append(f"enum E{index} = " + " | ".join(f"e{index}_{m}" for m in members))
        self.holidays()
        self.facts()
        self.constants()
        for _ in range(rng.randint(5, 9)):
            self.decision()
            if self.chance(0.35):
                self.window()
        header = f'pack gen{self.seed} version "1"'
        if self.chance(0.3):
            self.features.add("imports")
            files = {"base.rules": "\n".join([header, *self.head]) + "\n",
                     "main.rules": "\n".join(["import base", *self.body]) + "\n"}
        else:
            files = {"main.rules": "\n".join([header, *self.head, *self.body]) + "\n"}
        return GeneratedPack(self.seed, files, self.features)

    def holidays(self) -> None:
        if not self.chance(0.7):
            return
        anchor = self.rng.choice(ANCHORS)
        days = sorted({anchor + dt.timedelta(days=self.rng.randint(-3, 6)) for _ in range(self.rng.randint(1, 3))})
        self.head.append("holidays " + ", ".join(_date_text(d) for d in days) + ' cite "calendar"')
        self.features.add("holidays")

    def facts(self) -> None:
        rng = self.rng
        self.fact("today", "date")
        for _ in range(rng.randint(1, 2)):
            self.fact(self.fresh("d"), "date", after="today" if self.chance(0.3) else None)
        for _ in range(rng.randint(1, 2)):
            self.fact(self.fresh("o"), "date", optional=True, after=self.rng.choice(["today", None]))
        for _ in range(rng.randint(1, 3)):
            name = self.fresh("p")
            default = f"{rng.randint(0, 5)} days" if self.chance(0.3) else None
            self.fact(name, "days", default=default)
            if self.chance(0.5):
                self.assume(f"{name} >= 0 days")
        for _ in range(rng.randint(0, 2)):
            low = rng.choice([0, 0, 1, -3])
            high = low + rng.randint(1, 12)
            self.fact(self.fresh("n"), "int", text=f"int {low}..{high}")
            self.features.add("int range")
        for _ in range(rng.randint(1, 2)):
            name = self.fresh("m")
            self.fact(name, "money", default="0 USD" if self.chance(0.25) else None)
            if self.chance(0.5):
                self.assume(f"{name} >= 0 USD")
        for _ in range(rng.randint(0, 1)):
            name = self.fresh("rate")
            self.fact(name, "rate")
            self.assume(f"{name} >= 0% and {name} <= 100%")
        if self.chance(0.3):
            self.fact(self.fresh("q"), "dec")
        if self.chance(0.4):
            self.fact(self.fresh("od"), "days", optional=True)
        for kind in rng.sample(_enum_kinds(), rng.randint(1, 2)):
            members = _members(kind)
            default = rng.choice(members) if self.chance(0.3) else None
            self.fact(self.fresh("k"), kind, default=default)
        if self.chance(0.5):
            name = self.fresh("i")
            members = tuple(f"{name}_{m}" for m in ("u", "v", "w"))
            self.inline_enums[name] = members
            self.head.append(f"fact {name}: " + " | ".join(members) + (f" = {members[0]}" if self.chance(0.5) else ""))
            self.names.append(Name(name, f"inline:{name}"))
            self.features.add("inline enum")
        for _ in range(rng.randint(1, 2)):
            self.fact(self.fresh("b"), "bool", default="false" if self.chance(0.4) else None)
        if self.chance(0.6):
            kind = rng.choice(_enum_kinds())
            self.fact(self.fresh("s"), "set:" + kind.split(":")[1])

    def fact(self, name: str, kind: str, optional: bool = False, default: str | None = None,
             text: str | None = None, after: str | None = None) -> None:
        if text is None:
            text = self.type_text(kind)
        line = f"fact {name}: {text}{'?' if optional else ''}"
        if default is not None:
            line += f" = {default}"
            self.features.add("fact default")
        self.head.append(line)
        self.names.append(Name(name, kind, optional))
        self.features.add(f"fact {kind.split(':')[0]}{'?' if optional else ''}")
        if after is not None:
            self.assume(f"{name} is present implies {name} >= {after}" if optional else f"{name} >= {after}")

    def assume(self, condition: str) -> None:
        self.head.append(f"assume {self.fresh('assumed')}: {condition}")
        self.features.add("assume")

    def type_text(self, kind: str) -> str:
        if kind.startswith("enum:"):
            return kind.split(":")[1]
        if kind.startswith("set:"):
            return "set of " + kind.split(":")[1]
        return KIND_TEXT[kind]

    def constants(self) -> None:
        rng = self.rng
        for _ in range(rng.randint(1, 2)):
            self.const(self.fresh("c"), "days", f"{rng.choice([1, 3, 5, 7, 10, 14, 15, 20])} days")
        if self.chance(0.8):
            self.const(self.fresh("wd"), "wdays", f"{rng.randint(0, 7)} working days")
            self.features.add("working days")
        if self.chance(0.5):
            self.const(self.fresh("fee"), "money", f"{rng.randint(0, 300)}.{rng.randint(0, 99):02d} USD")
        if self.chance(0.5):
            self.const(self.fresh("pct"), "rate", rng.choice(["5%", "12.5%", "15%", "33.33%"]))
        if self.chance(0.4):
            name = self.fresh("let")
            kind = rng.choice(["date", "money", "days"])
            self.head.append(f"let {name} = {_Expr(self, set()).of(kind, 2)}")
            self.names.append(Name(name, kind))
            self.features.add("let")

    def const(self, name: str, kind: str, text: str) -> None:
        if text.startswith(("0 ", "0.00 ")):
            self.zero_consts.add(name)
        self.head.append(f'const {name} = {text} cite "generated"')
        self.names.append(Name(name, kind))

    # ------------------------------------------------------------ decisions
    def decision(self) -> None:
        rng = self.rng
        kind = rng.choice(["date", "date", "days", "money", "money", "int", "bool", "bool", "rate", "dec",
                           *_enum_kinds(), "set"])
        if kind == "set":
            self.collect_decision()
            return
        shape = rng.choice(["formula", "rules", "rules", "rules", "table"])
        getattr(self, shape + "_decision")(kind)

    def declare(self, name: str, kind: str, options: list[str], total: bool, extra: str = "") -> None:
        self.body.append(f"decision {name}: {self.type_text(kind)}" + "".join(" " + o for o in options) + extra)
        self.names.append(Name(name, kind, optional=not total))

    def formula_decision(self, kind: str) -> None:
        name = self.fresh("x")
        options: list[str] = []
        narrowed: set[str] = set()
        default = self.chance(0.3)
        if default:
            options.append("default " + _Expr(self, set()).of(kind, 1))
        when = None
        if self.chance(0.5):
            when, narrowed = _Expr(self, set()).condition(2)
            options.append(f"when {when}")
            self.features.add("formula with when")
        value = _Expr(self, narrowed).of(kind, 3)
        self.declare(name, kind, options, total=default or when is None, extra=f" = {value}")
        self.features.add("formula")
        if default:
            self.features.add("default")

    def hit_policy(self, kind: str) -> str:
        return self.rng.choice(["unique", "unique", "first", "priority"])

    def rules_decision(self, kind: str) -> None:
        rng = self.rng
        name = self.fresh("x")
        hit = self.hit_policy(kind)
        options = [] if hit == "unique" and self.chance(0.5) else [f"hit {hit}"]
        default = self.chance(0.4)
        if default:
            options.append("default " + _Expr(self, set()).of(kind, 1))
        complete = not default and self.chance(0.3)
        if complete:
            options.append("complete")
            self.features.add("complete")
        self.features.add(f"hit {hit}")
        if default:
            self.features.add("default")
        spec = _DecisionSpec(name, kind, hit, list(self.names), list(self.windows), list(self.all_rules))
        self.rules_of[name] = []
        lines: list[str] = []
        for _ in range(rng.randint(1, 4)):
            lines.append(self.rule(spec))
        self.declare(name, kind, options, total=default or complete)
        self.body.extend(lines)
        self.specs[name] = spec

    def rule(self, spec: _DecisionSpec) -> str:
        """One rule for `spec`'s decision, sometimes also concluding an earlier decision."""
        rng = self.rng
        rule = self.fresh("rule")
        targets = [spec]
        if self.specs and self.chance(0.12):
            targets.append(self.specs[rng.choice(sorted(self.specs))])
            self.features.add("two conclusions")
        # the condition reads only what every concluded decision may read
        scope = min(targets, key=lambda t: len(t.readable))
        condition, narrowed = _Expr(self, set(), scope.readable, scope.windows).condition(3)
        conclusions = []
        for target in targets:
            # sometimes the same conclusion as an earlier rule (overlapping rules that agree), when
            # it reads only what this rule may read
            reusable = [v for v, needs, width in target.values if needs <= narrowed and width <= len(scope.readable)]
            if reusable and self.chance(0.3):
                value = rng.choice(reusable)
            else:
                value = _Expr(self, narrowed, scope.readable, scope.windows).of(target.kind, 2)
                target.values.append((value, frozenset(narrowed), len(scope.readable)))
            conclusions.append(f"{target.name} = {value}")
        header = f'rule {rule} cite "gen {rule}"'
        if any(t.hit == "priority" for t in targets):
            header += f" priority {rng.randint(1, 3)}"
        relations = ""
        beaten = [r for t in targets for r in self.rules_of[t.name] if self.chance(0.3)]
        if beaten:
            relations += " overrides " + ", ".join(dict.fromkeys(beaten))
            relations += ' because "generated"' if self.chance(0.5) else ' because "g"'  # E314: a reason is required
            self.features.add("overrides")
        # `unless` inlines the other rule's condition: it must read only what this rule may read
        exceptions = self.all_rules if scope is spec else scope.rules_before
        if exceptions and self.chance(0.15):
            relations += " unless " + rng.choice(exceptions) + ' because "g"'
            self.features.add("unless")
        for target in targets:
            self.rules_of[target.name].append(rule)
        self.all_rules.append(rule)
        return f"{header}: when {condition} then " + ", ".join(conclusions) + relations

    def table_decision(self, kind: str) -> None:
        rng = self.rng
        name = self.fresh("x")
        hit = rng.choice(["unique", "first"])
        options = [f"hit {hit}"] if hit != "unique" or self.chance(0.5) else []
        default = self.chance(0.5)
        if default:
            options.append("default " + _Expr(self, set()).of(kind, 1))
            self.features.add("default")
        inputs = self.table_inputs()
        rows: list[str] = []
        for _ in range(rng.randint(2, 4)):
            cells = [self.cell(k) for _, k in inputs]
            row = f"  row {', '.join(cells)} => {_Expr(self, set()).of(kind, 1)}"
            if row not in rows:
                rows.append(row)
        if self.chance(0.5):
            rows.append(f"  row {', '.join(rng.choice(['otherwise', 'any']) for _ in inputs)} => "
                        f"{_Expr(self, set()).of(kind, 1)}")
        # a `unique` table must not list one row twice (E309): equal cells, different outputs
        seen, kept = set(), []
        for row in rows:
            cells = row.split(" => ")[0]
            if cells not in seen:
                seen.add(cells)
                kept.append(row)
        self.declare(name, kind, options, total=default)
        self.body.append(f'table {self.fresh("tab")} for {name} cite "gen table": given '
                         + ", ".join(text for text, _ in inputs))
        self.body.extend(kept)
        self.features.add("table")
        self.features.add(f"hit {hit}")

    def table_inputs(self) -> list[tuple[str, str]]:
        rng = self.rng
        usable = [n for n in self.names if n.kind in ORDERED + ("bool",) or n.kind.startswith(("enum:", "inline:"))]
        usable = [n for n in usable if n.kind != "wdays"]
        inputs = []
        for _ in range(rng.randint(1, 2)):
            if self.chance(0.2):
                inputs.append((f"({_Expr(self, set()).of('days', 1)})", "days"))
                continue
            pick = rng.choice(usable)
            inputs.append((pick.name, pick.kind))
        return inputs

    def cell(self, kind: str) -> str:
        rng = self.rng
        roll = rng.random()
        if roll < 0.15:
            self.features.add("cell any")
            return "any"
        if roll < 0.25:
            self.features.add("cell otherwise")
            return "otherwise"
        if kind.startswith(("enum:", "inline:")):
            members = _members(kind) if kind.startswith("enum:") else self.inline_enums[kind.split(":")[1]]
            if self.chance(0.3):
                self.features.add("cell in")
                return "in {" + ", ".join(rng.sample(members, 2)) + "}"
            return rng.choice(members)
        if kind == "bool":
            return rng.choice(["true", "false"])
        value = _Expr(self, set()).literal_or_name(kind, required_only=True)
        if self.chance(0.7):
            self.features.add("cell comparison")
            return f"{rng.choice(['<', '<=', '>', '>=', '!='])} {value}"
        return value

    def collect_decision(self) -> None:
        rng = self.rng
        kind = rng.choice(_enum_kinds())
        set_kind = "set:" + kind.split(":")[1]
        name = self.fresh("x")
        self.features.add("hit collect")
        readable = list(self.names)
        self.rules_of[name] = []
        for _ in range(rng.randint(1, 4)):
            rule = self.fresh("rule")
            condition, narrowed = _Expr(self, set(), readable).condition(2)
            if self.chance(0.3):
                value = _Expr(self, narrowed, readable).of(set_kind, 1)
            else:
                value = _Expr(self, narrowed, readable).of(kind, 1)
            relations = ""
            mine = self.rules_of[name]
            if mine and self.chance(0.2):
                relations = " overrides " + rng.choice(mine) + ' because "g"'
            if self.all_rules and self.chance(0.1):
                relations += " unless " + rng.choice(self.all_rules) + ' because "g"'
            self.body.append(f'rule {rule} cite "gen {rule}": when {condition} then {name} = {value}{relations}')
            mine.append(rule)
            self.all_rules.append(rule)
        self.declare(name, set_kind, ["hit collect"], total=True)

    def window(self) -> None:
        rng = self.rng
        bounds = []
        for _ in range(2):
            dates = [n for n in self.names if n.kind == "date"]
            if self.chance(0.6):
                bounds.append(rng.choice(dates).name)  # optional names may be window ends
            else:
                bounds.append(_Expr(self, set()).of("date", 2))
        if all(b[:1].isdigit() for b in bounds):
            bounds.sort()  # two literal ends in the wrong order are an error (E306)
        left, right = rng.choice("[("), rng.choice("])")
        name = self.fresh("win")
        self.body.append(f'window {name} = {left}{bounds[0]}, {bounds[1]}{right} cite "gen window"')
        self.windows.append(name)
        self.features.add("window")


class _Expr:
    """Typed expression text over the generator's names. `narrowed` holds the optional names a
    presence test has established; `readable` limits the names (a rule reads only what was
    declared before its decision)."""

    def __init__(self, gen: _Generator, narrowed: set[str], readable: list[Name] | None = None,
                 windows: list[str] | None = None):
        self.gen = gen
        self.rng = gen.rng
        self.narrowed = set(narrowed)
        self.readable = gen.names if readable is None else readable
        self.windows = gen.windows if windows is None else windows

    def sub(self, narrowed: set[str]) -> _Expr:
        return _Expr(self.gen, narrowed, self.readable, self.windows)

    def names(self, kind: str, required_only: bool = False) -> list[str]:
        return [n.name for n in self.readable if n.kind == kind
                and (not n.optional or (not required_only and n.name in self.narrowed))]

    def optional_names(self) -> list[Name]:
        return [n for n in self.readable if n.optional and n.name not in self.narrowed]

    # ------------------------------------------------------------ leaves
    def literal(self, kind: str) -> str:
        rng = self.rng
        if kind == "date":
            anchor = rng.choice(ANCHORS) + dt.timedelta(days=rng.randint(-2, 20))
            self.gen.features.add("date literal")
            return _date_text(anchor)
        if kind == "days":
            n = rng.choice([0, 1, 2, 3, 5, 7, 10, 14, 20, 30])
            return f"{n} {'day' if n == 1 else 'days'}"
        if kind == "money":
            return f"{rng.choice([0, 1, 10, 25, 99, 100, 250])}.{rng.choice([0, 1, 50, 99]):02d} USD"
        if kind == "rate":
            return rng.choice(["0%", "5%", "12.5%", "20%", "50%", "100%"])
        if kind == "int":
            return str(rng.choice([0, 1, 2, 3, 5, 10]))
        if kind == "dec":
            return rng.choice(["0.5", "1.25", "2.0", "0.3333"])
        if kind == "bool":
            return rng.choice(["true", "false"])
        if kind.startswith("enum:"):
            return rng.choice(_members(kind))
        if kind.startswith("set:"):
            members = _members("enum:" + kind.split(":")[1])
            return "{" + ", ".join(rng.sample(members, rng.randint(1, len(members)))) + "}"
        raise ValueError(kind)

    def literal_or_name(self, kind: str, required_only: bool = False) -> str:
        names = self.names(kind, required_only)
        if names and self.rng.random() < 0.6:
            return self.rng.choice(names)
        return self.literal(kind)

    def leaf(self, kind: str) -> str:
        return self.literal_or_name(kind)

    # ------------------------------------------------------------ values
    def of(self, kind: str, depth: int) -> str:
        if depth <= 0 or self.rng.random() < 0.3:
            return self.leaf(kind)
        if self.rng.random() < 0.08:
            cond = self.bool(depth - 1)
            self.gen.features.add("if-then-else")
            return f"(if {cond} then {self.of(kind, depth - 1)} else {self.of(kind, depth - 1)})"
        if self.rng.random() < 0.1 and self.optional_names():
            return self.narrowing_if(kind, depth)
        maker = getattr(self, "_" + kind.split(":")[0])
        return maker(kind, depth - 1)

    def narrowing_if(self, kind: str, depth: int) -> str:
        """`if o is present then ...o... else ...`: the `then` branch may read `o`."""
        o = self.rng.choice(self.optional_names())
        inner = self.sub(self.narrowed | {o.name})
        self.gen.features.add("narrowing if")
        return f"(if {o.name} is present then {inner.of(kind, depth - 1)} else {self.of(kind, depth - 1)})"

    def minmax(self, kind: str, depth: int) -> str:
        self.gen.features.add("min/max")
        args = ", ".join(self.of(kind, depth) for _ in range(self.rng.randint(2, 3)))
        return f"{self.rng.choice(['min', 'max'])}({args})"

    def _date(self, kind: str, depth: int) -> str:
        rng = self.rng
        roll = rng.random()
        if roll < 0.45:
            return f"({self.of('date', depth)} {rng.choice('+-')} {self.of('days', depth)})"
        if roll < 0.7:
            self.gen.features.add("working days")
            consts = self.names("wdays")
            count = rng.choice(consts) if consts and rng.random() < 0.6 else f"{rng.randint(0, 6)} working days"
            return f"({self.of('date', depth)} + {count})"
        return self.minmax("date", depth)

    def _days(self, kind: str, depth: int) -> str:
        rng = self.rng
        roll = rng.random()
        if roll < 0.35:
            return f"({self.of('days', depth)} {rng.choice('+-')} {self.of('days', depth)})"
        if roll < 0.55:
            return f"({self.of('date', depth)} - {self.of('date', depth)})"
        if roll < 0.65:
            return f"({self.of('days', depth)} * {self.of('int', depth)})"
        if roll < 0.72:
            return f"days({self.of('int', depth)})"
        if roll < 0.8:
            return f"abs({self.of('days', depth)})"
        return self.minmax("days", depth)

    def _money(self, kind: str, depth: int) -> str:
        rng = self.rng
        roll = rng.random()
        if roll < 0.3:
            return f"({self.of('money', depth)} {rng.choice('+-')} {self.of('money', depth)})"
        if roll < 0.45:
            self.gen.features.add("round")
            return f"round({self.of('money', depth)} * {self.of('rate', depth)}, 2)"
        if roll < 0.55:
            return f"({self.of('rate', depth)} * {self.of('money', depth)})"
        if roll < 0.65:
            return f"({self.of('money', depth)} * {self.of('int', depth)})"
        if roll < 0.72:
            self.gen.features.add("division")
            return f"({self.of('money', depth)} / {self.divisor('int', depth)})"
        if roll < 0.78:
            return f"abs({self.of('money', depth)})"
        return self.minmax("money", depth)

    def divisor(self, kind: str, depth: int) -> str:
        # never a constant zero (E212 rejects it); facts and sums may still be zero
        text = self.of(kind, depth)
        if text in ("0", "0.00 USD") or text in self.gen.zero_consts:
            return "2" if kind == "int" else "2.50 USD"
        return text

    def _rate(self, kind: str, depth: int) -> str:
        rng = self.rng
        roll = rng.random()
        if roll < 0.3:
            return f"({self.of('rate', depth)} {rng.choice('+-*')} {self.of('rate', depth)})"
        if roll < 0.45:
            self.gen.features.add("round")
            return f"round({self.of('rate', depth)}, {rng.choice([0, 1, 2, 4])})"
        if roll < 0.55:
            return f"({self.of('int', depth)} * {self.of('rate', depth)})"
        return self.minmax("rate", depth)

    def _int(self, kind: str, depth: int) -> str:
        rng = self.rng
        roll = rng.random()
        if roll < 0.4:
            return f"({self.of('int', depth)} {rng.choice('+-*')} {self.of('int', depth)})"
        if roll < 0.6:
            self.gen.features.add("count")
            return f"count({self.of('days', depth)})"
        if roll < 0.7:
            return f"abs({self.of('int', depth)})"
        return self.minmax("int", depth)

    def _dec(self, kind: str, depth: int) -> str:
        rng = self.rng
        roll = rng.random()
        self.gen.features.add("division")
        if roll < 0.3:
            return f"({self.of('money', depth)} / {self.divisor('money', depth)})"
        if roll < 0.5:
            return f"({self.of('int', depth)} / {self.divisor('int', depth)})"
        if roll < 0.7:
            self.gen.features.add("round")
            return f"round({self.of('dec', depth)}, {rng.choice([0, 1, 2])})"
        if roll < 0.85:
            return f"({self.of('dec', depth)} {rng.choice('+-')} {self.of('int', depth)})"
        return self.minmax("dec", depth)

    def _enum(self, kind: str, depth: int) -> str:
        self.gen.features.add("if-then-else")
        return f"(if {self.bool(depth)} then {self.of(kind, depth)} else {self.of(kind, depth)})"

    def _set(self, kind: str, depth: int) -> str:
        return self.leaf(kind)

    def _bool(self, kind: str, depth: int) -> str:
        return self.bool(depth)

    # ------------------------------------------------------------ conditions
    def bool(self, depth: int) -> str:
        rng = self.rng
        if depth <= 0:
            return self.atom(0)
        roll = rng.random()
        if roll < 0.45:
            return self.atom(depth)
        if roll < 0.6:
            return f"({self.bool(depth - 1)} {rng.choice(['and', 'or'])} {self.bool(depth - 1)})"
        if roll < 0.67:
            return f"(not {self.bool(depth - 1)})"
        if roll < 0.72:
            self.gen.features.add("implies")
            return f"({self.bool(depth - 1)} implies {self.bool(depth - 1)})"
        optional = self.optional_names()
        if optional:
            o = rng.choice(optional)
            inner = self.sub(self.narrowed | {o.name})
            self.gen.features.add("presence narrowing")
            if rng.random() < 0.5:
                return f"({o.name} is present and {inner.bool(depth - 1)})"
            return f"({o.name} is absent or {inner.bool(depth - 1)})"
        return self.atom(depth)

    def atom(self, depth: int) -> str:
        rng = self.rng
        roll = rng.random()
        if roll < 0.45:
            kind = rng.choice(["date", "date", "days", "money", "int", "rate", "dec"])
            self.gen.features.add(f"compare {kind}")
            return f"({self.of(kind, depth)} {rng.choice(CMP)} {self.of(kind, depth)})"
        if roll < 0.6:
            return self.enum_test()
        if roll < 0.7:
            names = self.names("bool")
            if names:
                return rng.choice(names) if rng.random() < 0.7 else f"(not {rng.choice(names)})"
            return self.literal("bool")
        if roll < 0.78:
            optional = [n for n in self.readable if n.optional]
            if optional:
                o = rng.choice(optional)
                return f"({o.name} is {rng.choice(['present', 'absent'])})"
        if roll < 0.9 and self.windows:
            return self.window_test(depth)
        if roll < 0.95:
            sets = [n for n in self.readable if n.kind.startswith("set:")]
            if sets:
                s = rng.choice(sets)
                member = rng.choice(_members("enum:" + s.kind.split(":")[1]))
                self.gen.features.add("set membership")
                if rng.random() < 0.8:
                    return f"({member} in {s.name})"
                return f"({s.name} {rng.choice(['==', '!='])} {self.literal(s.kind)})"
        return f"({self.of('int', depth)} {rng.choice(CMP)} {self.of('int', depth)})"

    def enum_test(self) -> str:
        rng = self.rng
        names = [n for n in self.readable if (n.kind.startswith(("enum:", "inline:")))
                 and (not n.optional or n.name in self.narrowed)]
        if not names:
            return self.literal("bool")
        pick = rng.choice(names)
        members = _members(pick.kind) if pick.kind.startswith("enum:") else self.gen.inline_enums[pick.kind.split(":")[1]]
        roll = rng.random()
        if roll < 0.5:
            return f"({pick.name} {rng.choice(['==', '!='])} {rng.choice(members)})"
        chosen = ", ".join(rng.sample(members, rng.randint(1, len(members) - 1)))
        return f"({pick.name} {rng.choice(['in', 'not in'])} {{{chosen}}})"

    def window_test(self, depth: int) -> str:
        rng = self.rng
        win = rng.choice(self.windows)
        roll = rng.random()
        if roll < 0.65:
            self.gen.features.add("x in window")
            return f"({self.of('date', depth)} in {win})"
        if roll < 0.75:
            return f"({win} is empty)"
        other = rng.choice(self.windows)
        relation = rng.choice(["within", "before", "disjoint", "overlaps"])
        self.gen.features.add("window relation")
        return f"({win} {relation} {other})"

    def condition(self, depth: int) -> tuple[str, set[str]]:
        """A rule condition, possibly starting with presence tests; returns it with the optional
        names it establishes for the conclusions."""
        parts, narrowed = [], set()
        for o in self.optional_names():
            if self.rng.random() < 0.3:
                parts.append(f"{o.name} is present")
                narrowed.add(o.name)
        inner = self.sub(self.narrowed | narrowed)
        parts.append(inner.bool(depth))
        return " and ".join(parts), narrowed
