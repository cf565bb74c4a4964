"""Reading a pack's files from policies/ without ever blocking or reading without bound.

A file named `*.rules` can be anything a folder holds: a FIFO (opening it for reading would wait
for a writer forever), a device (`/dev/zero` never ends), a socket, a symbolic link in a loop.
Only regular files are read, opened without blocking, and at most `limit` bytes of them.

>>> import tempfile, os
>>> folder = tempfile.mkdtemp()
>>> os.mkfifo(os.path.join(folder, "a.rules"))
>>> read_source(Path(folder, "a.rules"))
Traceback (most recent call last):
...
ruleproof.server.packfiles.Unreadable: it is a FIFO, not a regular file
"""

from __future__ import annotations

import os
import stat
from pathlib import Path

#: bytes of one pack file at most (a pack of 1,500 rules is about 300 KB)
MAX_FILE_BYTES = 4 * 1024 * 1024

_KINDS = {stat.S_IFIFO: "a FIFO", stat.S_IFCHR: "a character device", stat.S_IFBLK: "a block device",
          stat.S_IFSOCK: "a socket", stat.S_IFDIR: "a folder"}


class Unreadable(Exception):
    """Why a pack file cannot be read, in words for a person (the E001 message's tail)."""


def read_source(path: Path, limit: int = MAX_FILE_BYTES) -> str:
    """The UTF-8 text of the regular file at `path`; raises Unreadable at once for anything else
    (never blocks), for a file over `limit` bytes, or for bytes that are not UTF-8."""
    try:
        _regular(os.stat(path).st_mode)  # a socket cannot even be opened: say what it is
        # O_NONBLOCK: should a FIFO take the file's place meanwhile, opening it does not wait
        fd = os.open(path, os.O_RDONLY | os.O_NONBLOCK | os.O_NOCTTY)
    except OSError as err:
        raise Unreadable(_os_reason(err)) from None
    try:
        _regular(os.fstat(fd).st_mode)
        chunks = []
        size = 0
        while size <= limit:
            chunk = os.read(fd, min(1 << 20, limit + 1 - size))
            if not chunk:
                break
            chunks.append(chunk)
            size += len(chunk)
        if size > limit:
            raise Unreadable(f"it is larger than {limit:,} bytes")
    finally:
        os.close(fd)
    try:
        return b"".join(chunks).decode("utf-8")
    except UnicodeDecodeError as err:
        raise Unreadable(f"it is not UTF-8 text (byte {err.start})") from None


def _regular(mode: int) -> None:
    if not stat.S_ISREG(mode):
        raise Unreadable(f"it is {_KINDS.get(stat.S_IFMT(mode), 'not a regular file')}, not a regular file")


def _os_reason(err: OSError) -> str:
    if err.errno == 40:  # ELOOP
        return "its symbolic links form a loop"
    return (err.strerror or err.__class__.__name__).lower()
