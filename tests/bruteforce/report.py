"""Disagreements between the checker and brute force, each printable on its own: the pack's
source, the case, and both answers."""

from __future__ import annotations

import json
from dataclasses import dataclass


@dataclass(frozen=True)
class Disagreement:
    """`kind` groups disagreements for the summary (e.g. "missed E602", "partial witness");
    `detail` says what differs, with the case and both answers."""

    kind: str
    detail: str
    source: str = ""

    def render(self) -> str:
        return f"[{self.kind}] {self.detail}\n--- pack source ---\n{self.source}"


def show_case(wire: dict | None) -> str:
    return "(no case)" if wire is None else json.dumps(wire, sort_keys=True, default=str)
