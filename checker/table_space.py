"""A decision whose rules are plain boxes: each condition a conjunction of tests of facts
against constants — an interval of an ordered fact (`<`, `<=`, `>`, `>=`, `==`), a set of
values (`==`, `!=`, `in`, `otherwise`, a bool fact), or its presence — as the cells of a
decision table are. `space_of` turns such a decision into boxes on a grid (checker/sweep.py),
so overlaps and uncovered cases are found by a sweep instead of pair by pair; any other
condition (reading a decision, arithmetic, two facts compared) makes it None, and the checks
ask the solver as before.

Each fact a condition tests is an axis, numbered in elementary cells so that every test is a
range of cells: an absent optional fact is cell 0; an integer kind (int, days, dates) is cut at
every bound the rules use (`x > 9` and `x >= 10` are one bound); an exact kind (money, rate,
decimal) has a cell for each constant and one for each open stretch between them; a set of
values has a cell per value (an enum's members, a bool's two values, the strings the rules
list and one more for every other string).

The sweep only decides which questions to ask: every finding is still confirmed, with its
case, by the solver (checker/checks/).
"""

from __future__ import annotations

import bisect
from dataclasses import dataclass, field
from functools import cached_property
from itertools import product
from math import prod

import numpy as np
from ruleproof.checker import ir
from ruleproof.checker import types as T
from ruleproof.checker.overlap import conjuncts
from ruleproof.checker.semantics.kinds import INTEGER_KINDS
from ruleproof.checker.sweep import overlapping_pairs, uncovered, uncovered_sets
from ruleproof.checker.table_cells import Ranges, complement, intersect, mask, runs, union
from ruleproof.checker.table_reading import Literal, NotPlain, integer_boxes, is_ordered, members, order_key, read_alternatives
from ruleproof.checker.table_regions import region_condition

DISCRETE = frozenset({"int", "duration", "datetime", "enum", "bool", "string"})
MAX_PIECES = 64  # a rule whose sets split into more boxes than this is left to the solver
MASK_CELLS = 62  # a set axis of at most this many cells holds each box's cells as a bitmask
Gap = tuple[tuple[tuple[int, int], ...], ...]  # per axis, the ranges of cells of an uncovered region


@dataclass
class Axis:
    """One fact's cells (see the module's docstring)."""

    fact: ir.FactRef
    ordered: bool
    points: list = field(default_factory=list)  # bounds (ordered) or values (sets), sorted once built
    other: bool = False  # a set axis over an infinite domain: one cell for every unlisted value
    known: dict = field(default_factory=dict, repr=False)  # the cells of each literal read so far, once frozen

    @cached_property
    def integer(self) -> bool:
        return self.type.kind in INTEGER_KINDS

    @cached_property
    def type(self) -> T.Type:
        return self.fact.type.required()

    @property
    def base(self) -> int:
        """The first cell of a present value (cell 0 is the absent value of an optional fact)."""
        return 1 if self.fact.type.optional else 0

    @property
    def last(self) -> int:
        if not self.ordered:
            return self.base + len(self.points) + (1 if self.other else 0) - 1
        if self.type.kind in INTEGER_KINDS:
            return self.base + len(self.points)
        return self.base + 2 * len(self.points)

    def add(self, lit: Literal) -> None:
        """Note the constants a literal needs cells for."""
        if lit.op == "present":
            return
        if not self.ordered:
            self.points.extend(lit.value if lit.op == "in" else [lit.value])
        elif lit.op == "in":
            for value in lit.value:
                self.add(Literal(lit.fact, "==", value))
        elif self.integer:
            value, op = lit.value, lit.op
            if op == "<" or op == ">=":
                self.points.append(value)
            elif op == "<=" or op == ">":
                self.points.append(value + 1)
            else:  # == and !=
                self.points.extend((value, value + 1))
        else:
            self.points.append(lit.value)

    def freeze(self) -> None:
        self.points = sorted(set(self.points), key=order_key)

    def cells(self, lit: Literal) -> Ranges:
        """The cells where a literal holds (a negated one: the present cells where it fails);
        the list is shared by equal literals and must not be changed."""
        held = self.known.get(lit)
        if held is None:
            held = self.known[lit] = self._cells(lit)
        return held

    def _cells(self, lit: Literal) -> Ranges:
        if lit.op == "present":
            held = [(self.base, self.last)]
            return complement(held, 0, self.last) if lit.negated else held
        held = self._value_cells(lit.op, lit.value)
        return complement(held, self.base, self.last) if lit.negated else held

    def _value_cells(self, op: str, value) -> Ranges:
        if not self.ordered:
            values = value if op == "in" else [value]
            found = sorted(self.base + self.points.index(v) for v in set(values))
            cells = runs(found)
            return complement(cells, self.base, self.last) if op == "!=" else cells
        if op == "!=":
            return complement(self._value_cells("==", value), self.base, self.last)
        if op == "in":
            held: Ranges = []
            for v in value:
                held = union(held, self._value_cells("==", v))
            return held
        if self.type.kind in INTEGER_KINDS:  # cell i + base holds [points[i - 1], points[i] - 1]
            low, high = {"<": (None, value - 1), "<=": (None, value), ">": (value + 1, None),
                         ">=": (value, None), "==": (value, value)}[op]
            first = self.base if low is None else self.base + bisect.bisect_right(self.points, low)
            last = self.last if high is None else self.base + bisect.bisect_right(self.points, high)
            return [(first, last)] if first <= last else []
        at = self.base + 2 * self.points.index(value) + 1  # the cell of the constant itself
        return [{"<": (self.base, at - 1), "<=": (self.base, at), ">": (at + 1, self.last),
                 ">=": (at, self.last), "==": (at, at)}[op]]

    def values(self, ranges: Ranges) -> tuple[list, bool]:
        """The values of a set axis' present cells among `ranges`, and whether they include
        the cell of every unlisted value."""
        cells = {c for lo, hi in ranges for c in range(max(lo, self.base), hi + 1)}
        listed = [v for i, v in enumerate(self.points) if self.base + i in cells]
        return listed, self.other and self.last in cells


@dataclass
class Space:
    """A decision's rules as boxes: box k belongs to rule `owner[k]` (a rule whose sets are not
    one range of cells is several boxes; a rule that can never hold, none). On a set axis of
    few cells (`mask_axes`) a box holds any set of cells, as a bitmask (`masks`, one column per
    such axis), its range there being every cell."""

    decision: ir.Decision
    axes: list[Axis]
    lo: np.ndarray
    hi: np.ndarray
    owner: np.ndarray
    masks: np.ndarray | None = None
    mask_axes: tuple[int, ...] = ()

    @cached_property
    def owners(self) -> frozenset[int]:
        """The rules with a box: those whose condition holds on some case of the grid."""
        return frozenset(self.owner.tolist())

    @property
    def discrete(self) -> bool:
        """Whether every cell of every axis holds a value the solver admits (no exact kind,
        whose open cells may hold no value in the solver's units, and no date, whose days
        are bounded)."""
        return all(a.type.kind in DISCRETE for a in self.axes)

    @cached_property
    def overlaps(self) -> set[tuple[int, int]]:
        """The pairs of rules (indexes, i < j) whose conditions hold together on some case."""
        return self._owner_pairs(self.lo, self.hi)

    @cached_property
    def touching(self) -> set[tuple[int, int]]:
        """The pairs of rules whose boxes meet or are next to each other (one cell apart on
        some axes): the pairs that can share a threshold."""
        return self._owner_pairs(self.lo - 1, self.hi + 1)

    @cached_property
    def neighbours(self) -> dict[int, set[int]]:
        """For each rule, the rules overlapping it."""
        return _adjacency(self.overlaps)

    @cached_property
    def near_rules(self) -> dict[int, set[int]]:
        """For each rule, the rules whose boxes meet or touch it."""
        return _adjacency(self.touching)

    @cached_property
    def gaps(self) -> list[Gap]:
        """The cases no rule holds on, as disjoint regions (per axis: one range of an is_ordered
        axis, any cells of a set axis) none two of which make one region."""
        space_lo = np.zeros(len(self.axes), dtype=np.int64)
        space_hi = np.array([a.last for a in self.axes], dtype=np.int64)
        if self.masks is None:
            boxes = [tuple(((lo, hi),) for lo, hi in zip(*region)) for region in uncovered(self.lo, self.hi, space_lo, space_hi)]
        else:
            full = tuple((1 << (self.axes[a].last + 1)) - 1 for a in self.mask_axes)
            boxes = []
            for lo, hi, masks in uncovered_sets(self.lo, self.hi, self.masks, space_lo, space_hi, full):
                region = [((a, b),) for a, b in zip(lo, hi)]
                for axis, bits in zip(self.mask_axes, masks):
                    region[axis] = tuple(runs([c for c in range(bits.bit_length()) if bits >> c & 1]))
                boxes.append(tuple(region))
        sets = [i for i, axis in enumerate(self.axes) if not axis.ordered]
        changed = bool(sets)
        while changed:  # regions equal but on one set axis are one region: its cells joined
            changed = False
            for i in sets:
                joined: dict[tuple, list] = {}
                for region in boxes:
                    joined.setdefault(region[:i] + region[i + 1:], []).append(region[i])
                if len(joined) < len(boxes):
                    changed = True
                    boxes = [key[:i] + (tuple(union([], [r for c in cells for r in c])),) + key[i:]
                             for key, cells in joined.items()]
        return sorted(boxes)

    def near(self, region: Gap) -> list[int]:
        """The rules with a box meeting the region grown by one cell on every axis."""
        meet = np.ones(self.lo.shape[0], dtype=bool)
        for axis, ranges in enumerate(region):
            on_axis = np.zeros(self.lo.shape[0], dtype=bool)
            for lo, hi in ranges:
                on_axis |= (self.lo[:, axis] <= hi + 1) & (self.hi[:, axis] >= lo - 1)
            meet &= on_axis
        for k, axis in enumerate(self.mask_axes):  # on a set axis: a cell of the region in the box's set
            meet &= (self.masks[:, k] & mask(region[axis])) != 0
        return sorted(set(self.owner[meet].tolist()))

    def condition(self, region: Gap) -> ir.Expr:
        """A region as an IR condition (for the solver)."""
        return region_condition(self.axes, region)

    def _owner_pairs(self, lo: np.ndarray, hi: np.ndarray) -> set[tuple[int, int]]:
        pairs = set()
        for i, j in overlapping_pairs(lo, hi, self.masks):
            a, b = int(self.owner[i]), int(self.owner[j])
            if a != b:
                pairs.add((a, b) if a < b else (b, a))
        return pairs


def _adjacency(pairs: set[tuple[int, int]]) -> dict[int, set[int]]:
    out: dict[int, set[int]] = {}
    for a, b in pairs:
        out.setdefault(a, set()).add(b)
        out.setdefault(b, set()).add(a)
    return out


def space_of(decision: ir.Decision) -> Space | None:
    """The decision's rules as boxes, or None when a condition is not plain."""
    numeric = integer_boxes(decision)
    if numeric is not None:  # integer facts against integer constants: read in one pass
        facts, cuts, los, his, owner = numeric
        axes = [Axis(fact, True, points) for fact, points in zip(facts, cuts)]
        return Space(decision, axes, np.array(los, dtype=np.int64).reshape(len(los), len(axes)),
                     np.array(his, dtype=np.int64).reshape(len(his), len(axes)), np.array(owner, dtype=np.int64))
    try:
        literals = [[read_alternatives(part) for part in conjuncts(rule.condition)] for rule in decision.rules]
    except NotPlain:
        return None
    axes: dict[str, Axis] = {}
    for rule in literals:
        for alternatives in rule:
            for lit, fact in alternatives or ():
                axis = axes.get(lit.fact)
                if axis is None:
                    axis = axes[lit.fact] = Axis(fact, is_ordered(fact.type))
                    if not axis.ordered:
                        axis.points.extend(members(fact.type))
                        axis.other = not fact.type.required().members and fact.type.kind != "bool"
                axis.add(lit)
    for axis in axes.values():
        axis.freeze()
    order = list(axes)
    whole = [[(0, axes[name].last)] for name in order]
    mask_axes = tuple(i for i, name in enumerate(order) if not axes[name].ordered and axes[name].last < MASK_CELLS)
    los, his, owner, masks = [], [], [], []
    for index, rule in enumerate(literals):
        per_axis: dict[str, Ranges] = {}
        empty = False
        for alternatives in rule:
            if alternatives is None:  # `false`
                empty = True
                continue
            if not alternatives:  # `true`
                continue
            fact = alternatives[0][0].fact
            axis = axes[fact]
            if len(alternatives) == 1:
                held = axis.cells(alternatives[0][0])
            else:
                held = []
                for lit, _ in alternatives:
                    held = union(held, axis.cells(lit))
            per_axis[fact] = intersect(per_axis[fact], held) if fact in per_axis else held
        choices = [per_axis.get(name, full) for name, full in zip(order, whole)]
        if empty or any(not c for c in choices):
            continue
        held = tuple(mask(choices[a]) for a in mask_axes)
        for a in mask_axes:
            choices[a] = whole[a]
        if all(len(c) == 1 for c in choices):  # one box (the common case)
            los.append([c[0][0] for c in choices])
            his.append([c[0][1] for c in choices])
            owner.append(index)
            masks.append(held)
            continue
        if prod(len(c) for c in choices) > MAX_PIECES:
            return None
        for pieces in product(*choices):
            los.append([p[0] for p in pieces])
            his.append([p[1] for p in pieces])
            owner.append(index)
            masks.append(held)
    width = len(order)
    return Space(decision, [axes[n] for n in order], np.array(los, dtype=np.int64).reshape(len(los), width),
                 np.array(his, dtype=np.int64).reshape(len(his), width), np.array(owner, dtype=np.int64),
                 np.array(masks, dtype=np.int64).reshape(len(masks), len(mask_axes)) if mask_axes else None, mask_axes)
