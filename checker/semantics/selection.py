"""Which rules of a decision the hit policy selects, with overrides and priorities.

A rule *fires* when its condition holds; it *wins* when it fires and no firing rule overrides
it. The policy then selects (the rule's *candidacy*):

- unique, strict and collect: every winner;
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

from ruleproof.checker.semantics.algebra import BooleanAlgebra

T = TypeVar("T")


class HitPolicy(StrEnum):
    """`ir.Decision.hit`."""

    UNIQUE = "unique"
    STRICT = "strict"  # DMN's UNIQUE: at most one rule may apply, even when they agree
    FIRST = "first"
    PRIORITY = "priority"
    COLLECT = "collect"

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
