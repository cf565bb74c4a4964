"""Overlaps and uncovered regions of boxes on a grid: the geometry behind the table checks
(checker/table_space.py turns a decision's rules into boxes).

A box is, on each axis, a closed range [lo, hi] of integer coordinates (the axis' elementary
cells: checker/table_space.py numbers them so that every rule's cell is one range). Boxes are
held as two int64 arrays `lo`, `hi` of shape (boxes, axes).

- `overlapping_pairs`: sort and sweep (Calvanese et al., "Semantics and analysis of DMN
  decision tables", BPM 2016): the boxes sorted by their start on the axis that separates them
  best; each box meets only boxes starting before its end on that axis (one contiguous slice
  of the sorted order), which are then compared on every other axis at once.
- `uncovered`: the space no box covers, as disjoint boxes none two of which make one box
  together. The space is cut at box boundaries (an interval index built top-down, like a k-d
  tree: each cut at the median boundary of the axis that splits the fewest boxes) until each
  part is covered by one box or meets none; the parts that meet none are merged back along
  every axis while two of them form one box.
- Set axes (an enum column's members): a box may also hold any set of cells on some axes, as
  one bitmask per box and axis (`masks`). Two boxes overlap there when their sets share a
  cell; `uncovered_sets` also cuts a part into the cells inside one box's set and those
  outside it, whichever cut splits fewer boxes, and joins the sets of parts equal elsewhere.

Nothing here recurses: all work with explicit stacks and loops, whatever the number of boxes.

>>> import numpy as np
>>> lo, hi = np.array([[0, 0], [0, 3], [2, 0]]), np.array([[1, 2], [1, 5], [5, 5]])
>>> sorted(overlapping_pairs(lo, hi))
[]
>>> uncovered(lo, hi, np.array([0, 0]), np.array([5, 5]))
[]
>>> uncovered(lo[:2], hi[:2], np.array([0, 0]), np.array([5, 5]))
[((2, 0), (5, 5))]
"""

from __future__ import annotations

from operator import ge, le

import numpy as np

Region = tuple[tuple[int, ...], tuple[int, ...]]  # (lo per axis, hi per axis), both ends included
BLOCK = 1 << 20  # candidate pairs compared at once by overlapping_pairs
SMALL = 48  # a part meeting at most this many boxes is cut without numpy
SET_CANDIDATES = 4  # set-axis cuts weighed per part: by the sets of this many of the boxes meeting it


def overlapping_pairs(lo: np.ndarray, hi: np.ndarray, masks: np.ndarray | None = None) -> set[tuple[int, int]]:
    """Every pair (i, j), i < j, of boxes that share a point (`masks`: per box, its cells on
    each set axis as a bitmask, two boxes sharing a cell there)."""
    count, axes = lo.shape
    if count < 2:
        return set()
    if not axes:  # boxes over no axis: each is the whole (one-point) space
        return {(i, j) for i in range(count) for j in range(i + 1, count)}
    axis = _sweep_axis(lo, hi)
    order = np.argsort(lo[:, axis], kind="stable")
    slo, shi = lo[order], hi[order]
    starts = slo[:, axis]
    ends = np.searchsorted(starts, shi[:, axis], side="right")  # boxes starting by my end
    others = [a for a in range(axes) if a != axis]
    smasks = masks[order] if masks is not None else np.zeros((count, 0), dtype=np.int64)
    counts = np.maximum(ends - np.arange(1, count + 1), 0)  # the boxes after me starting by my end
    total = np.cumsum(counts)
    pairs: set[tuple[int, int]] = set()
    first = 0
    while first < count:  # all the candidates of a block of boxes compared at once, BLOCK at most (or one box's)
        done = int(total[first - 1]) if first else 0
        last = max(int(np.searchsorted(total, done + BLOCK, side="right")), first + 1)
        runs = counts[first:last]
        i = np.repeat(np.arange(first, last), runs)
        j = i + 1 + np.arange(i.size) - np.repeat(np.cumsum(runs) - runs, runs)
        meet = np.ones(i.size, dtype=bool)
        for a in others:
            meet &= (slo[j, a] <= shi[i, a]) & (shi[j, a] >= slo[i, a])
        for a in range(smasks.shape[1]):
            meet &= (smasks[j, a] & smasks[i, a]) != 0
        a_index, b_index = order[i[meet]], order[j[meet]]
        pairs.update(zip(np.minimum(a_index, b_index).tolist(), np.maximum(a_index, b_index).tolist()))
        first = last
    return pairs


def _sweep_axis(lo: np.ndarray, hi: np.ndarray) -> int:
    """The axis on which the fewest pairs of boxes overlap (the fewest pairs left to compare)."""
    best, best_cost = 0, None
    for axis in range(lo.shape[1]):
        starts = np.sort(lo[:, axis])
        cost = int((np.searchsorted(starts, hi[:, axis], side="right")).sum())
        if best_cost is None or cost < best_cost:
            best, best_cost = axis, cost
    return best


def uncovered(lo: np.ndarray, hi: np.ndarray, space_lo: np.ndarray, space_hi: np.ndarray) -> list[Region]:
    """The part of the space [space_lo, space_hi] that no box covers, as disjoint boxes, none
    two of which make one box together; sorted."""
    parts: list[Region] = []
    meet = np.all((lo <= space_hi) & (hi >= space_lo), axis=1)
    stack = [(space_lo.copy(), space_hi.copy(), np.nonzero(meet)[0])]
    while stack:  # every part on the stack meets exactly the boxes it lists
        rlo, rhi, idx = stack.pop()
        if idx.size <= SMALL:  # the same cuts, in plain Python: numpy's cost per call outweighs a few boxes
            boxes = [(tuple(lo[i].tolist()), tuple(hi[i].tolist()), ()) for i in idx.tolist()]
            parts.extend(part[:2] for part in _cuts((tuple(rlo.tolist()), tuple(rhi.tolist()), ()), boxes))
            continue
        if np.any(np.all((lo[idx] <= rlo) & (hi[idx] >= rhi), axis=1)):
            continue  # one box covers the whole part
        axis, cut = _cut(lo[idx], hi[idx], rlo, rhi)
        left_hi, right_lo = rhi.copy(), rlo.copy()
        left_hi[axis], right_lo[axis] = cut - 1, cut
        stack.append((rlo, left_hi, idx[lo[idx, axis] <= cut - 1]))
        stack.append((right_lo, rhi, idx[hi[idx, axis] >= cut]))
    return sorted(_merged(parts, len(space_lo)))


def _outside(rlo: tuple[int, ...], rhi: tuple[int, ...], blo: tuple[int, ...], bhi: tuple[int, ...]) -> list[Region]:
    """The part [rlo, rhi] without one box meeting it, as at most two boxes per axis."""
    out = []
    low, high = [int(v) for v in rlo], [int(v) for v in rhi]
    for axis in range(len(low)):
        if blo[axis] > low[axis]:
            out.append((tuple(low), tuple(high[:axis] + [int(blo[axis]) - 1] + high[axis + 1:])))
            low[axis] = int(blo[axis])
        if bhi[axis] < high[axis]:
            out.append((tuple(low[:axis] + [int(bhi[axis]) + 1] + low[axis + 1:]), tuple(high)))
            high[axis] = int(bhi[axis])
    return out


def _cut(lo: np.ndarray, hi: np.ndarray, rlo: np.ndarray, rhi: np.ndarray) -> tuple[int, int]:
    """Where to cut a part no one box covers: a box boundary strictly inside it (one exists,
    since some box meets the part without covering it), on the axis whose median boundary
    splits the fewest boxes. The part is cut into [rlo, cut - 1] and [cut, rhi]."""
    best = None
    for axis in range(lo.shape[1]):
        bounds = np.concatenate((lo[:, axis], hi[:, axis] + 1))
        bounds = bounds[(bounds > rlo[axis]) & (bounds <= rhi[axis])]
        if not bounds.size:
            continue
        cut = int(np.partition(bounds, bounds.size // 2)[bounds.size // 2])
        split = int(np.count_nonzero((lo[:, axis] < cut) & (hi[:, axis] >= cut)))
        if best is None or split < best[0]:
            best = (split, axis, cut)
    assert best is not None, "a part met by boxes that neither cover nor cut it"
    return best[1], best[2]


def _merged(parts: list[Region], axes: int) -> list[Region]:
    """Merge parts along each axis while two of them, equal on every other axis, are adjacent."""
    changed = True
    while changed:
        changed = False
        for axis in range(axes):
            rows: dict[tuple, list[tuple[int, int]]] = {}
            for plo, phi in parts:
                key = plo[:axis] + plo[axis + 1:] + phi[:axis] + phi[axis + 1:]
                rows.setdefault(key, []).append((plo[axis], phi[axis]))
            merged: list[Region] = []
            for key, spans in rows.items():
                spans.sort()
                runs = [list(spans[0])]
                for a, b in spans[1:]:
                    if a == runs[-1][1] + 1:
                        runs[-1][1] = b
                        changed = True
                    else:
                        runs.append([a, b])
                k = axes - 1
                other_lo, other_hi = key[:k], key[k:]
                for a, b in runs:
                    merged.append((other_lo[:axis] + (a,) + other_lo[axis:], other_hi[:axis] + (b,) + other_hi[axis:]))
            parts = merged
    return parts


# ------------------------------------------------------------------ set axes as bitmasks

SetRegion = tuple[tuple[int, ...], tuple[int, ...], tuple[int, ...]]  # ranges (lo, hi) and a bitmask per set axis


def uncovered_sets(lo: np.ndarray, hi: np.ndarray, masks: np.ndarray, space_lo: np.ndarray, space_hi: np.ndarray,
                   space_masks: tuple[int, ...]) -> list[SetRegion]:
    """`uncovered` for boxes that also hold, on each set axis, a set of cells (`masks`, one
    bitmask per box and set axis): a part is cut at a box boundary on a range axis as there,
    or, when every box meeting it spans it on every range axis, into the cells of a set axis
    inside one box's set and those outside it. The parts that meet no box are merged back
    (on a set axis, parts equal elsewhere are one part with their cells joined); sorted."""
    space: SetRegion = (tuple(space_lo.tolist()), tuple(space_hi.tolist()), tuple(space_masks))
    boxes = [b for b in zip(map(tuple, lo.tolist()), map(tuple, hi.tolist()), map(tuple, masks.tolist()))
             if _meets(b, space)]
    return sorted(_merged_sets(_cuts(space, boxes)))


def _cuts(space: SetRegion, boxes: list[SetRegion]) -> list[SetRegion]:
    """The parts of `space` that meet none of `boxes` (each meeting it), unmerged: the cuts of
    `uncovered` (without numpy) and `uncovered_sets`."""
    parts: list[SetRegion] = []
    stack = [(space, boxes)]
    while stack:  # every part on the stack meets exactly the boxes it lists
        part, meeting = stack.pop()
        if not meeting:
            parts.append(part)
            continue
        rlo, rhi, rmask = part
        if _covered(meeting, part):
            continue
        if len(meeting) == 1:
            parts.extend(_outside_sets(part, meeting[0]))
            continue
        best = None  # (boxes split, range axis or None, cut or set axis, ...)
        for axis in range(len(rlo)):
            low, high = rlo[axis], rhi[axis]
            bounds = [b for box in meeting if low < (b := box[0][axis])]
            bounds += [b for box in meeting if (b := box[1][axis] + 1) <= high]
            if not bounds:
                continue
            bounds.sort()
            cut = bounds[len(bounds) // 2]
            split = sum([blo[axis] < cut <= bhi[axis] for blo, bhi, _ in meeting])
            if best is None or split < best[0]:
                best = (split, axis, cut)
                if not split:
                    break  # no later cut splits fewer (and a tie keeps the first)
        for axis in range(len(rmask) if best is None or best[0] else 0):  # a set axis cut by one box's set
            for _, _, m in meeting[:SET_CANDIDATES]:
                inside = m[axis] & rmask[axis]
                if inside == rmask[axis]:
                    continue
                split = sum(1 for _, _, n in meeting if n[axis] & inside and n[axis] & rmask[axis] & ~inside)
                if best is None or split < best[0]:
                    best = (split, None, axis, inside)
        if best[1] is not None:
            _, axis, cut = best
            left = (rlo, rhi[:axis] + (cut - 1,) + rhi[axis + 1:], rmask)
            right = (rlo[:axis] + (cut,) + rlo[axis + 1:], rhi, rmask)
            stack.append((left, [b for b in meeting if b[0][axis] <= cut - 1]))
            stack.append((right, [b for b in meeting if b[1][axis] >= cut]))
        else:
            _, _, axis, inside = best
            outside = rmask[axis] & ~inside
            stack.append(((rlo, rhi, rmask[:axis] + (inside,) + rmask[axis + 1:]), [b for b in meeting if b[2][axis] & inside]))
            stack.append(((rlo, rhi, rmask[:axis] + (outside,) + rmask[axis + 1:]),
                          [b for b in meeting if b[2][axis] & outside]))
    return parts


def _meets(box: SetRegion, part: SetRegion) -> bool:
    return (all(a <= h for a, h in zip(box[0], part[1])) and all(b >= lo for b, lo in zip(box[1], part[0]))
            and all(m & p for m, p in zip(box[2], part[2])))


def _covered(boxes: list[SetRegion], part: SetRegion) -> bool:
    """Whether one of `boxes` covers the whole part."""
    rlo, rhi, rmask = part
    for blo, bhi, bmask in boxes:
        if (all(map(le, blo, rlo)) and all(map(ge, bhi, rhi))
                and not (rmask and any(p & ~m for m, p in zip(bmask, rmask)))):
            return True
    return False


def _outside_sets(part: SetRegion, box: SetRegion) -> list[SetRegion]:
    """The part without one box meeting it: `_outside` on the ranges, then on each set axis
    the cells outside the box's set."""
    out = [(plo, phi, part[2]) for plo, phi in _outside(part[0], part[1], box[0], box[1])]
    low = tuple(max(a, b) for a, b in zip(part[0], box[0]))
    high = tuple(min(a, b) for a, b in zip(part[1], box[1]))
    masks = list(part[2])
    for axis, m in enumerate(box[2]):
        if masks[axis] & ~m:
            out.append((low, high, tuple(masks[:axis] + [masks[axis] & ~m] + masks[axis + 1:])))
            masks[axis] &= m
    return out


def _merged_sets(parts: list[SetRegion]) -> list[SetRegion]:
    """`_merged` for parts with set axes: also join, on each set axis, the cells of parts
    equal on everything else."""
    changed = True
    while changed:
        merged = [((lo, hi), masks) for lo, hi, masks in parts]
        changed = False
        groups: dict[tuple, list] = {}
        for ranges, masks in merged:
            groups.setdefault(masks, []).append(ranges)
        parts = [(lo, hi, masks) for masks, ranges in groups.items() for lo, hi in _merged(ranges, len(ranges[0][0]))]
        changed = len(parts) < len(merged)
        for axis in range(len(parts[0][2]) if parts else 0):
            joined: dict[tuple, int] = {}
            for lo, hi, masks in parts:
                key = (lo, hi, masks[:axis] + masks[axis + 1:])
                joined[key] = joined.get(key, 0) | masks[axis]
            if len(joined) < len(parts):
                changed = True
                parts = [(lo, hi, rest[:axis] + (m,) + rest[axis:]) for (lo, hi, rest), m in joined.items()]
    return parts
