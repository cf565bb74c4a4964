"""Where the command line writes: plain text, or coloured with rich when standard output is a
terminal (`--color auto`), unless NO_COLOR is set; `--color always|never` decides outright."""

from __future__ import annotations

import re
import sys
from enum import StrEnum


class ColorMode(StrEnum):
    AUTO = "auto"
    ALWAYS = "always"
    NEVER = "never"


# The style of a line of the text renderings (checker/render.py, decision and diff texts), by
# what it starts with; the first pattern that matches wins.
LINE_STYLES: tuple[tuple[re.Pattern[str], str], ...] = tuple((re.compile(p), s) for p, s in (
    (r"^error\[", "bold red"),
    (r"^warning\[", "bold yellow"),
    (r"^accepted ", "bold green"),
    (r"^\s*(-->|:::) ", "blue"),
    (r"^\s*= help:", "green"),
    (r"^\s*= accepted because:", "green"),
    (r"^\s*= (case|timeline|solver):", "magenta"),
    (r"^\s*= docs:", "cyan"),
    (r"^[\d ]+\| [ ]*[\^-]+", "bold red"),
    (r"^\d+ errors?, ", "bold"),
    (r"^\s+changed ", "yellow"),
    (r"^\s+(added|removed|retyped|unknown) ", "yellow"),
))


def wants_color(mode: ColorMode, stream=None) -> bool:
    """Whether to colour: always/never as asked; auto on a terminal without NO_COLOR (or a
    `dumb` TERM)."""
    import os

    if mode is ColorMode.ALWAYS:
        return True
    if mode is ColorMode.NEVER or os.environ.get("NO_COLOR") or os.environ.get("TERM") == "dumb":
        return False
    stream = stream or sys.stdout
    return hasattr(stream, "isatty") and stream.isatty()


def emit(text: str, mode: ColorMode = ColorMode.AUTO, stream=None) -> None:
    """Write `text` to `stream` (default standard output), each line styled by LINE_STYLES when
    colour is wanted, unchanged otherwise."""
    stream = stream or sys.stdout
    if not wants_color(mode, stream):
        stream.write(text)
        return
    from rich.console import Console
    from rich.text import Text

    console = Console(file=stream, force_terminal=True, no_color=False, highlight=False, soft_wrap=True,
                      emoji=False, markup=False)
    for line in text.splitlines():
        style = next((s for pattern, s in LINE_STYLES if pattern.search(line)), "")
        console.print(Text(line, style=style))
