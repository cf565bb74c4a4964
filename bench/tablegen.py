"""Decision tables in the style of Calvanese et al.'s evaluation (BPM 2016), with planted defects.

`generate(columns, rows, kind, seed)` splits the space of `columns` inputs into `rows` boxes
(k-d splits: a box chosen at random is cut in two along a column chosen at random), so the
clean table has no overlap and no gap; then 10% of the rows are made noisy: half get one
numeric bound widened (the row now overlaps its neighbours), half get one shrunk (a slice of
the space is left to no row, unless a widened row covers it).

A numeric column is an `int` fact; a cell holds one comparison, so the column takes two cells
per row, its lower bound (`>= lo`) and its upper bound (`< hi`), either `any` when the box is
unbounded on that side. A categorical column (`kind="categorical"`: every other column, the
first included) is an enum of 24 members; its cells are a member, `in {...}` or `any`. Noise
on a categorical cell adds a member the row did not list (an overlap) or drops one of the
members it listed (a missing slice).

>>> t = generate(3, 50, "numeric", seed=1)
>>> len(t.boxes), t.text.count("\\n  row ")
(50, 50)
>>> sorted(t.overlaps) == sorted(set(t.overlaps))
True
"""

from __future__ import annotations

import random
from dataclasses import dataclass, field

LOW, HIGH = 0, 1_000_000  # where the numeric columns' splits fall (the domain itself is unbounded)
MEMBERS = 24  # members of a categorical column
NOISE = 0.10


@dataclass
class Table:
    """A generated table: its source text, each row's box (per column: (lo, hi) for a numeric
    column, None meaning unbounded on that side, hi excluded; or a frozenset of member indexes),
    the overlapping row pairs (1-based row numbers) and the slices the shrunk rows gave up."""

    text: str
    columns: int
    kinds: tuple[str, ...]
    boxes: list[list]
    overlaps: set[tuple[int, int]] = field(default_factory=set)
    shrunk: list[tuple[int, int, tuple]] = field(default_factory=list)  # (row, column, slice (lo, hi))
    widened: list[tuple[int, int]] = field(default_factory=list)  # (row, column)


def generate(columns: int, rows: int, kind: str = "numeric", seed: int = 0, noise: float = NOISE) -> Table:
    """A `columns` × `rows` table deciding `grade` (row i concludes i: every overlap conflicts)."""
    rng = random.Random(seed * 7919 + columns * 31 + rows)
    kinds = tuple("enum" if kind == "categorical" and c % 2 == 0 else "int" for c in range(columns))
    full = [frozenset(range(MEMBERS)) if k == "enum" else (None, None) for k in kinds]
    boxes = [full]
    while len(boxes) < rows:
        i = rng.randrange(len(boxes))
        cut = _cut(boxes[i], kinds, rng)
        if cut is not None:
            boxes[i], extra = cut
            boxes.append(extra)
    rng.shuffle(boxes)
    table = Table("", columns, kinds, [list(b) for b in boxes])
    _add_noise(table, rng, noise)
    table.overlaps = _overlapping_pairs(table)
    table.text = _source(table)
    return table


def _cut(box: list, kinds: tuple[str, ...], rng: random.Random):
    c = rng.randrange(len(kinds))
    part = box[c]
    if kinds[c] == "enum":
        if len(part) < 2:
            return None
        members = sorted(part)
        rng.shuffle(members)
        k = rng.randrange(1, len(members))
        left, right = frozenset(members[:k]), frozenset(members[k:])
    else:
        lo, hi = LOW if part[0] is None else part[0], HIGH if part[1] is None else part[1]
        if hi - lo < 4:
            return None
        at = rng.randrange(lo + 1, hi)
        left, right = (part[0], at), (at, part[1])
    a, b = list(box), list(box)
    a[c], b[c] = left, right
    return a, b


def _add_noise(table: Table, rng: random.Random, noise: float) -> None:
    count = int(len(table.boxes) * noise)
    chosen = rng.sample(range(len(table.boxes)), count)
    for n, row in enumerate(chosen):
        box = table.boxes[row]
        widen = n % 2 == 0
        bounded = [(c, side) for c, k in enumerate(table.kinds) for side in (0, 1)
                   if (box[c][side] is not None if k == "int" else
                       side == 0 and (len(box[c]) < MEMBERS if widen else len(box[c]) > 1))]
        if not bounded:
            continue
        c, side = rng.choice(bounded)
        if table.kinds[c] == "enum":
            if widen:  # one member more: the row now meets the rows holding it
                box[c] = box[c] | {rng.choice(sorted(set(range(MEMBERS)) - box[c]))}
                table.widened.append((row + 1, c))
            else:  # one member less: left to no row
                gone = rng.choice(sorted(box[c]))
                box[c] = box[c] - {gone}
                table.shrunk.append((row + 1, c, (gone,)))
            continue
        lo, hi = box[c]
        if widen:  # move the bound outwards, into the neighbour
            step = rng.randrange(1, 50)
            box[c] = (lo - step, hi) if side == 0 else (lo, hi + step)
            table.widened.append((row + 1, c))
        else:  # shrink: move the bound inwards, leaving a slice to no row
            width = (hi if hi is not None else HIGH * 2) - (lo if lo is not None else -HIGH)
            if width < 2:
                continue
            step = rng.randrange(1, min(50, width // 2) + 1)
            if side == 0:
                box[c], gone = (lo + step, hi), (lo, lo + step)
            else:
                box[c], gone = (lo, hi - step), (hi - step, hi)
            table.shrunk.append((row + 1, c, gone))


def _meets(a, b, kinds) -> bool:
    for k, x, y in zip(kinds, a, b):
        if k == "enum":
            if not x & y:
                return False
        else:
            lo = max(-HIGH * 4 if x[0] is None else x[0], -HIGH * 4 if y[0] is None else y[0])
            hi = min(HIGH * 4 if x[1] is None else x[1], HIGH * 4 if y[1] is None else y[1])
            if lo >= hi:
                return False
    return True


def _overlapping_pairs(table: Table) -> set[tuple[int, int]]:
    """Every pair of rows whose boxes meet: the clean table is a partition, so each involves a
    widened row (checked against every row: the oracle is plain, not a sweep)."""
    pairs = set()
    for row, _ in table.widened:
        box = table.boxes[row - 1]
        for other, candidate in enumerate(table.boxes, start=1):
            if other != row and _meets(box, candidate, table.kinds):
                pairs.add((min(row, other), max(row, other)))
    return pairs


def covers(table: Table, point: tuple) -> list[int]:
    """The rows (1-based) whose boxes hold `point` (one value per column: an int or a member index)."""
    found = []
    for row, box in enumerate(table.boxes, start=1):
        if all((v in part) if k == "enum" else ((part[0] is None or v >= part[0]) and (part[1] is None or v < part[1]))
               for k, v, part in zip(table.kinds, point, box)):
            found.append(row)
    return found


def member(i: int) -> str:
    return f"m{i}"


def _cells(table: Table, box: list) -> list[str]:
    cells = []
    for k, part in zip(table.kinds, box):
        if k == "enum":
            if len(part) == MEMBERS:
                cells.append("any")
            elif len(part) == 1:
                cells.append(member(next(iter(part))))
            else:
                cells.append("in {" + ", ".join(member(m) for m in sorted(part)) + "}")
        else:
            cells.append("any" if part[0] is None else f">= {part[0]}")
            cells.append("any" if part[1] is None else f"< {part[1]}")
    return cells


def _source(table: Table) -> str:
    lines = ['pack tables version "1"', ""]
    inputs = []
    for c, k in enumerate(table.kinds):
        if k == "enum":
            lines.append(f"fact c{c}: " + " | ".join(member(m) for m in range(MEMBERS)))
            inputs.append(f"c{c}")
        else:
            lines.append(f"fact c{c}: int")
            inputs += [f"c{c}", f"c{c}"]
    lines += ["decision grade: int", 'table grade_table for grade cite "generated":', "  given " + ", ".join(inputs)]
    for i, box in enumerate(table.boxes, start=1):
        lines.append(f"  row {', '.join(_cells(table, box))} => {i}")
    return "\n".join(lines) + "\n"
