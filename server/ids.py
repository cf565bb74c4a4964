"""Decision ids: UUIDs version 7, made without a random call per id."""

from __future__ import annotations

import os
import threading
import time

_last_id = [0, 0]  # (milliseconds, sequence) of the last id made in this process
_id_lock = threading.Lock()
_ends: list[str] = []  # for each 12-bit sequence number: "-7SSS-" and the 62 random bits drawn once per process


def _draw_tail() -> None:
    global _ends
    h = f"{0x2 << 62 | int.from_bytes(os.urandom(8), 'big') >> 2:016x}"
    tail = f"{h[:4]}-{h[4:]}"
    _ends = [f"-7{n:03x}-{tail}" for n in range(0x1000)]  # an id is then two strings joined


_draw_tail()
os.register_at_fork(after_in_child=_draw_tail)


def new_id() -> str:
    """A UUID version 7: 48 bits of milliseconds, a 12-bit sequence, then 62 random bits drawn
    once per process (ids must be unique, not secret). Ids made in one process sort in the order
    they were made; across processes, by millisecond.

    >>> a, b = new_id(), new_id()
    >>> a < b and a[14] == "7" and a[-17:] == b[-17:]
    True
    """
    return new_ids(1)[0]


def new_ids(count: int) -> list[str]:
    """`count` new ids (see new_id), in order, taking the clock and the lock once.

    >>> ids = new_ids(5000)
    >>> ids == sorted(ids) and len(set(ids)) == 5000 and all(len(i) == 36 and i[14] == "7" for i in ids)
    True
    """
    ms = time.time_ns() // 1_000_000
    with _id_lock:
        last_ms, last_seq = _last_id
        seq = last_seq + 1 if ms <= last_ms else 0
        ms = max(ms, last_ms)
        ms, seq = ms + seq // 0x1000, seq % 0x1000
        end_ms, end_seq = ms + (seq + count - 1) // 0x1000, (seq + count - 1) % 0x1000
        _last_id[0], _last_id[1] = end_ms, end_seq
    ends = _ends
    if count == 1:
        h = f"{ms:012x}"
        return [f"{h[:8]}-{h[8:]}{ends[seq]}"]
    ids: list[str] = []
    n, stop = seq, seq + count
    while n < stop:  # a run of ids per millisecond: its 48 bits are written once
        h = f"{ms + n // 0x1000:012x}"
        head = f"{h[:8]}-{h[8:]}"
        run_end = min(stop, (n // 0x1000 + 1) * 0x1000)
        ids += [head + ends[k & 0xFFF] for k in range(n, run_end)]
        n = run_end
    return ids
