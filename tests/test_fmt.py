"""`ruleproof fmt`: golden layouts (tests/fixtures/fmt/NAME.rules formats to NAME.expected), and
properties over the test corpus, the bundled pack and generated packs: formatting is
idempotent, keeps every comment, and changes no meaning (the AST, spans aside, is the same)."""

from __future__ import annotations

import io
import re
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from ruleproof.checker.format import SyntaxErrors, format_text
from ruleproof.checker.parse import parse_module
from ruleproof.checker.source import SourceFile
from ruleproof.main import main

try:
    from tests.packgen import generate
except ImportError:  # pytest run without the repository root on sys.path
    from packgen import generate

REPO = Path(__file__).resolve().parent.parent
FIXTURES = REPO / "tests" / "fixtures" / "fmt"
MARKETPLACE = REPO / "policies" / "marketplace"


def _readable(path: Path) -> str | None:
    try:
        text = path.read_text(encoding="utf-8")
    except UnicodeDecodeError:
        return None
    try:
        format_text(text, str(path))
    except SyntaxErrors:
        return None
    return text


CORPUS = [text for path in sorted({*REPO.glob("tests/corpus/**/*.rules"), *REPO.glob("tests/checks/*.rules"),
                                   *MARKETPLACE.glob("*.rules")})
          if (text := _readable(path)) is not None]


def _comments(text: str) -> list[str]:
    """The comments of a file that parses, in order (a `#` in a string is not one)."""
    text = re.sub(r'"([^"\\\n]|\\.)*"', '""', text)
    return [c.rstrip() for c in re.findall(r"#[^\n]*", text)]


def _assert_formats_well(text: str) -> None:
    formatted = format_text(text)
    assert format_text(formatted) == formatted
    assert _comments(formatted) == _comments(text)
    before, _ = parse_module(SourceFile("a.rules", text), "a")
    after, _ = parse_module(SourceFile("a.rules", formatted), "a")
    assert after == before


@pytest.mark.parametrize("source", sorted(FIXTURES.glob("*.rules")), ids=lambda p: p.stem)
def test_golden(source: Path):
    assert format_text(source.read_text(encoding="utf-8")) == source.with_suffix(".expected").read_text(encoding="utf-8")


def test_the_corpus_is_not_empty():
    assert len(CORPUS) > 50


@settings(max_examples=60, deadline=None)
@given(st.sampled_from(CORPUS))
def test_corpus_files_format_well(text: str):
    _assert_formats_well(text)


@settings(max_examples=15, deadline=None)
@given(st.integers(min_value=0, max_value=10_000))
def test_generated_packs_format_well(seed: int):
    for text in generate(seed).files.values():
        _assert_formats_well(text)


@settings(max_examples=60, deadline=None)
@given(st.sampled_from(CORPUS), st.data())
def test_layout_in_the_input_does_not_matter(text: str, data):
    """Breaking a line of the input at every space formats to the same text."""
    formatted = format_text(text)
    lines = text.splitlines()
    line = data.draw(st.integers(min_value=0, max_value=max(len(lines) - 1, 0)))
    if lines and lines[line].strip() and "#" not in lines[line] and '"' not in lines[line]:
        lines[line] = "\n   ".join(lines[line].split())
    assert format_text("\n".join(lines) + "\n") == formatted


def test_the_bundled_pack_is_formatted():
    assert main(["fmt", "--check", str(MARKETPLACE)]) == 0


def test_check_diff_and_stdin(tmp_path, monkeypatch, capsys):
    messy = tmp_path / "a.rules"
    messy.write_text("fact  paid:bool\n", encoding="utf-8")
    assert main(["fmt", "--check", str(tmp_path)]) == 1
    assert main(["fmt", "--diff", str(messy)]) == 1
    assert "+fact paid: bool" in capsys.readouterr().out
    assert main(["fmt", str(tmp_path)]) == 0
    assert messy.read_text(encoding="utf-8") == "fact paid: bool\n"
    assert main(["fmt", "--check", str(messy)]) == 0
    monkeypatch.setattr("sys.stdin", io.StringIO("const  x=1\n"))
    assert main(["fmt", "-"]) == 0
    assert capsys.readouterr().out == "const x = 1\n"


def test_a_file_that_does_not_parse_is_left_alone(tmp_path, capsys):
    broken = tmp_path / "a.rules"
    broken.write_text("fact paid bool\n", encoding="utf-8")
    assert main(["fmt", str(broken)]) == 2
    assert "E002" in capsys.readouterr().err
    assert broken.read_text(encoding="utf-8") == "fact paid bool\n"
