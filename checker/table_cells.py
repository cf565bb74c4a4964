"""Sorted, disjoint, closed ranges of an axis' cells (checker/table_space.py): complement,
union, intersection, runs of single cells, and a bitmask of them."""

from __future__ import annotations

Ranges = list[tuple[int, int]]  # sorted, disjoint, closed ranges of cells


def runs(cells: list[int]) -> Ranges:
    """Sorted single cells as ranges."""
    out: Ranges = []
    for c in cells:
        if out and out[-1][1] == c - 1:
            out[-1] = (out[-1][0], c)
        else:
            out.append((c, c))
    return out


def mask(ranges: Ranges) -> int:
    """Cells as a bitmask (bit c: cell c)."""
    return sum(((1 << (hi + 1)) - (1 << lo)) for lo, hi in ranges)


def complement(ranges: Ranges, first: int, last: int) -> Ranges:
    """The cells from `first` to `last` outside `ranges`."""
    out, at = [], first
    for a, b in ranges:
        if a > at:
            out.append((at, a - 1))
        at = max(at, b + 1)
    if at <= last:
        out.append((at, last))
    return out


def union(a: Ranges, b: Ranges) -> Ranges:
    """The cells in `a` or `b`."""
    out: Ranges = []
    for lo, hi in sorted(a + b):
        if out and lo <= out[-1][1] + 1:
            out[-1] = (out[-1][0], max(out[-1][1], hi))
        else:
            out.append((lo, hi))
    return out


def intersect(a: Ranges, b: Ranges) -> Ranges:
    """The cells in both `a` and `b`."""
    out = []
    for lo1, hi1 in a:
        for lo2, hi2 in b:
            lo, hi = max(lo1, lo2), min(hi1, hi2)
            if lo <= hi:
                out.append((lo, hi))
    return sorted(out)
