"""Fenced code blocks of the Markdown specs, as packs the tests can load.

A block is opened by a line of three backticks and a tag, e.g. `rules`, `rules-error E205` or
`rules-check E602`, and closed by three backticks. A block that holds several files separates
them with lines `# --- file: NAME.rules`; a block (or its first file) without a `pack` line
gets `pack doc version "1"` put in front of it.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

HEADER = 'pack doc version "1"\n'
FENCE = re.compile(r"^```([a-z-]+)(?:[ \t]+(\S+))?[ \t]*\n(.*?)^```[ \t]*$", re.M | re.S)
FILE_MARK = re.compile(r"^# --- file: (\S+)\s*$", re.M)


@dataclass(frozen=True)
class Block:
    tag: str
    code: str | None
    text: str
    line: int  # 1-based line of the opening fence


def code_blocks(path: Path) -> list[Block]:
    text = path.read_text(encoding="utf-8")
    return [
        Block(m.group(1), m.group(2), m.group(3), text.count("\n", 0, m.start()) + 1)
        for m in FENCE.finditer(text)
    ]


def texts_of(block: Block, prepend_header: bool = True) -> dict[str, str]:
    """The block's files (path -> text), with the pack header added where it is left out."""
    parts = FILE_MARK.split(block.text)
    if len(parts) == 1:
        files = {"doc.rules": block.text}
    else:
        files = {name: body.lstrip("\n") for name, body in zip(parts[1::2], parts[2::2])}
    has_header = any(re.search(r"^pack\s", body, re.M) for body in files.values())
    if prepend_header and not has_header:
        first = next(iter(files))
        files[first] = HEADER + files[first]
    return files
