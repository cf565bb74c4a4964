"""specs/diagnostics.md documents every registered code, and its examples do what they say.

Each `### CODE name` entry has the four parts (What it does, Why it matters, Example, Fix).
Blocks tagged `rules-error CODE` must make the front end report CODE; blocks tagged
`rules-check CODE` must load without errors and make the formal checks report CODE; blocks
tagged `rules` must load without errors.
"""

from __future__ import annotations

import re
import sys
from pathlib import Path

import pytest
from ruleproof.checker.diagnostics import CODES
from ruleproof.checker.pipeline import load_texts

try:
    from tests.doc_blocks import Block, code_blocks, texts_of
except ImportError:  # pytest run without the repository root on sys.path
    sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
    from tests.doc_blocks import Block, code_blocks, texts_of

DOC = Path(__file__).resolve().parent.parent / "specs" / "diagnostics.md"
ENTRY = re.compile(r"^### ([EWI]\d{3}) ([a-z0-9-]+)\s*$", re.M)
PARTS = ("**What it does.**", "**Why it matters.**", "**Example.**", "**Fix.**")


def _entries() -> dict[str, tuple[str, str]]:
    text = DOC.read_text(encoding="utf-8")
    matches = list(ENTRY.finditer(text))
    entries = {}
    for match, following in zip(matches, [*matches[1:], None]):
        body = text[match.end() : following.start() if following else len(text)]
        entries[match.group(1)] = (match.group(2), body)
    return entries


def test_every_code_is_documented_and_nothing_else():
    documented = _entries()
    assert sorted(documented) == sorted(CODES)
    for code, (name, _) in documented.items():
        assert name == CODES[code].name, f"{code} is documented as {name}, registered as {CODES[code].name}"


@pytest.mark.parametrize("code", sorted(CODES))
def test_entry_has_the_four_parts(code):
    _, body = _entries()[code]
    for part in PARTS:
        assert part in body, f"{code}: missing {part}"


def _blocks() -> list[Block]:
    return [b for b in code_blocks(DOC) if b.tag in ("rules", "rules-error", "rules-check")]


@pytest.mark.parametrize("block", _blocks(), ids=lambda b: f"line{b.line}-{b.tag}-{b.code or 'ok'}")
def test_example_reports_its_code(block: Block):
    result = load_texts(texts_of(block, prepend_header=block.code not in ("E006", "E007")))
    codes = {d.code for d in result.diagnostics}
    if block.tag == "rules-error":
        assert block.code in codes, f"line {block.line}: expected {block.code}, got {sorted(codes)}"
        return
    assert result.ok, f"line {block.line}: {[(d.code, d.message) for d in result.diagnostics]}"
    if block.tag == "rules-check":
        from ruleproof.checker.checks import run_checks

        findings = {d.code for d in run_checks(result.pack).findings}
        assert block.code in findings, f"line {block.line}: expected {block.code}, the checks found {sorted(findings)}"
