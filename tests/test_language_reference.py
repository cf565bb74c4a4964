"""specs/language.md runs: every ```rules block loads without an error, every
```rules-error CODE block makes the front end report CODE, and the reference's lists (built-in
functions, reserved words) match the implementation."""

from __future__ import annotations

import re
import sys
from pathlib import Path

import pytest
from ruleproof.checker.builtins import BUILTINS
from ruleproof.checker.lexer import reserved_words
from ruleproof.checker.pipeline import load_texts

try:
    from tests.doc_blocks import Block, code_blocks, texts_of
except ImportError:  # pytest run without the repository root on sys.path
    sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
    from tests.doc_blocks import Block, code_blocks, texts_of

DOC = Path(__file__).resolve().parent.parent / "specs" / "language.md"


def _blocks() -> list[Block]:
    return [b for b in code_blocks(DOC) if b.tag in ("rules", "rules-error")]


def test_the_reference_has_examples():
    tags = {b.tag for b in code_blocks(DOC)}
    assert tags <= {"rules", "rules-error", "text"}, f"unknown block tags: {tags}"
    assert len(_blocks()) >= 30


@pytest.mark.parametrize("block", _blocks(), ids=lambda b: f"line{b.line}-{b.code or 'ok'}")
def test_example(block: Block):
    result = load_texts(texts_of(block))
    if block.tag == "rules-error":
        codes = {d.code for d in result.diagnostics}
        assert block.code in codes, f"line {block.line}: expected {block.code}, got {sorted(codes)}"
    else:
        problems = [f"{d.code} {d.message}" for d in result.diagnostics if d.severity.value == "error"]
        assert result.ok and not problems, f"line {block.line}: {problems}"


def test_every_builtin_is_documented():
    text = DOC.read_text(encoding="utf-8")
    section = text[text.index("### Built-in functions") : text.index("## Facts")]
    documented = set(re.findall(r"^\| `([a-z_]+)\(", section, re.M))
    assert documented == set(BUILTINS)


def test_reserved_words_are_listed():
    text = DOC.read_text(encoding="utf-8")
    section = text[text.index("## Reserved words") :]
    bullets = re.findall(r"^- (names of .*?)(?=^- |^\s*$)", section, re.M | re.S)
    value_list, type_list = bullets[:2]
    assert set(re.findall(r"`([a-z]+)`", value_list)) == reserved_words("value")
    assert set(re.findall(r"`([a-z]+)`", type_list)) == reserved_words("type")
