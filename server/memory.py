"""Memory handed back to the system after big requests."""

from __future__ import annotations

import ctypes
import ctypes.util

_libc = ctypes.CDLL(ctypes.util.find_library("c") or None)
_malloc_trim = getattr(_libc, "malloc_trim", None)


def trim_memory() -> None:
    """Give back to the system the memory freed since: glibc keeps it in the process otherwise,
    and a worker would stay at its peak after a big request."""
    if _malloc_trim is not None:
        _malloc_trim(0)
