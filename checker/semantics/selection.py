"""Which rules of a decision the hit policy selects, with overrides and priorities.

A rule *fires* when it is in force on the day its decision is read as of (an effective
period, checker/semantics/periods.py) and its condition holds; it *wins* when it fires and no firing rule overrides
it. The policy then selects (the rule's *candidacy*):

- unique, strict, collect and the aggregating collects: every winner;
- first: the first winner in rule order;
- priority: the winners of the highest priority number (a rule without one has priority 0).

Built over a target's boolean primitives (`algebra.BooleanAlgebra`), so the evaluator's code
and the Z3 encoding are built by this one function.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from enum import StrEnum
from typing import Generic, TypeVar

from ruleproof.checker.semantics.algebra import BooleanAlgebra, NumberAlgebra

T = TypeVar("T")


class HitPolicy(StrEnum):
    """`ir.Decision.hit`."""

    UNIQUE = "unique"
    STRICT = "strict"  # DMN's UNIQUE: at most one rule may apply, even when they agree
    FIRST = "first"
    PRIORITY = "priority"
    COLLECT = "collect"
    COLLECT_SUM = "collect_sum"  # DMN's COLLECT with an aggregation: over the selected rules' values
    COLLECT_MIN = "collect_min"
    COLLECT_MAX = "collect_max"
    COLLECT_COUNT = "collect_count"

    @property
    def aggregator(self) -> str | None:
        """`sum`, `min`, `max` or `count` for an aggregating collect, else None."""
        return self.value.removeprefix("collect_") if self.value.startswith("collect_") else None

    @property
    def agrees(self) -> bool:
        """Whether the selected rules must conclude one value (else a conflict)."""
        return self in (HitPolicy.UNIQUE, HitPolicy.STRICT, HitPolicy.PRIORITY)

    @property
    def exclusive(self) -> bool:
        """Whether two selected rules are a conflict whatever they conclude (else only when
        their values differ)."""
        return self is HitPolicy.STRICT


@dataclass(frozen=True)
class Selection(Generic[T]):
    """Per rule (in rule order): whether it wins, and whether the policy selects it."""

    wins: tuple[T, ...]
    selected: tuple[T, ...]


def winners(rules: Sequence, fired: Sequence[T], alg: BooleanAlgebra[T]) -> list[T]:
    """Per rule: it fires and no rule that overrides it fires."""
    index = {rule.name: i for i, rule in enumerate(rules)}
    overriders: dict[str, list[int]] = {}
    for i, rule in enumerate(rules):
        for target in rule.overrides:
            overriders.setdefault(target, []).append(i)
    wins = []
    for i, rule in enumerate(rules):
        beaten = [alg.not_(fired[j]) for j in overriders.get(rule.name, ()) if j != index.get(rule.name)]
        wins.append(alg.share(alg.and_(fired[i], *beaten), f"w{i}") if beaten else fired[i])
    return wins


def select(hit: str, rules: Sequence, fired: Sequence[T], alg: BooleanAlgebra[T]) -> Selection[T]:
    """The winners and selected rules of a decision whose rules (`ir.Rule`, in order) fire as
    `fired` says, under hit policy `hit`."""
    policy = HitPolicy(hit)
    wins = winners(rules, fired, alg)
    if policy is HitPolicy.FIRST:
        selected, earlier = [], None  # `earlier`: some rule before this one wins
        for i, won in enumerate(wins):
            selected.append(won if earlier is None else alg.share(alg.and_(won, alg.not_(earlier)), f"s{i}"))
            earlier = won if earlier is None else alg.share(alg.or_(earlier, won), f"e{i}")
    elif policy is HitPolicy.PRIORITY:
        levels = sorted({rule.priority or 0 for rule in rules}, reverse=True)
        higher: dict[int, object] = {}  # level -> some rule of a higher level wins
        above = None
        for rank, level in enumerate(levels):
            higher[level] = above
            at_level = [wins[i] for i, rule in enumerate(rules) if (rule.priority or 0) == level]
            level_wins = alg.or_(*at_level)
            above = level_wins if above is None else alg.share(alg.or_(above, level_wins), f"h{rank}")
        selected = []
        for i, rule in enumerate(rules):
            over = higher[rule.priority or 0]
            selected.append(wins[i] if over is None else alg.share(alg.and_(wins[i], alg.not_(over)), f"s{i}"))
    else:
        selected = list(wins)
    return Selection(tuple(wins), tuple(selected))


def aggregate(policy: HitPolicy, selected: Sequence[T], values: Sequence[T], alg: NumberAlgebra[T]) -> T:
    """The value of an aggregating collect over the rules `selected` (in rule order) with
    their `values`: the number of selected rules (`count`, 0 when none), their values' sum,
    least or greatest (meaningful only when some rule is selected: else the decision falls back
    to its default, a gap or no value, as when nothing is selected under other policies).
    A value is read only where its rule is selected."""
    agg = policy.aggregator
    if agg in ("count", "sum"):
        total = alg.number(0)
        for i, s in enumerate(selected):
            term = alg.number(1) if agg == "count" else values[i]
            total = alg.share(alg.add(total, alg.ite(s, term, alg.number(0))), f"a{i}")
        return total
    current, before = None, None  # the best value so far; whether some earlier rule is selected
    for i, (s, v) in enumerate(zip(selected, values)):
        if current is None:
            current, before = alg.share(alg.ite(s, v, alg.number(0)), f"a{i}"), s
            continue
        better = alg.less(v, current) if agg == "min" else alg.less(current, v)
        pick = alg.ite(before, alg.ite(better, v, current), v)
        current = alg.share(alg.ite(s, pick, current), f"a{i}")
        before = alg.share(alg.or_(before, s), f"b{i}")
    return current if current is not None else alg.number(0)
