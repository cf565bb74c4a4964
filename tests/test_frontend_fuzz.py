"""The front end turns any text into diagnostics, never into an exception.

Hypothesis feeds `load_texts` random text, token soup built from the language's own words, and
mutations of valid packs (the marketplace pack's files and the examples of specs/language.md):
tokens deleted, duplicated, swapped, the text truncated, odd unicode inserted, deep
parentheses, huge numbers, long names. Every result must render as text and as JSON, and every
diagnostic must carry a registered code and point inside its file.

Inputs that once crashed the front end live in tests/corpus/frontend/ and are replayed; a
`# expect: CODE, CODE` line in such a file lists codes it must produce.
"""

from __future__ import annotations

import re
import sys
from functools import cache
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from checker.diagnostics import CODES
from checker.pipeline import LoadResult, load_texts
from checker.render import render_json, render_text

try:
    from tests.doc_blocks import code_blocks, texts_of
except ImportError:  # pytest run without the repository root on sys.path
    sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
    from tests.doc_blocks import code_blocks, texts_of

ROOT = Path(__file__).resolve().parent.parent
CORPUS = Path(__file__).resolve().parent / "corpus" / "frontend"
HEADER = 'pack fuzz version "1"\n'
FUZZ = settings(deadline=None, suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])

TOKEN = re.compile(r'"(?:[^"\\\n]|\\.)*"|\d{4}-\d\d-\d\d(?:T\d\d:\d\d)?|\d+(?:\.\d+)?|\w+|[^\s\w]|\s+')
WORDS = (
    "pack version import enum fact const let assume decision rule table window property obligation example "
    "holidays accept on because bool int decimal rate string date datetime money USD RMB set of days day "
    "working hours minutes default hit unique first priority collect complete when cite then overrides "
    "unless for given row any otherwise in always never possible must by done expect is undetermined if "
    "else implies or and not present absent empty within before disjoint overlaps true false today "
    "shipped_on paid_on amount kind standard express max min days working_days count"
).split()
SYMBOLS = [":", "=", ",", "(", ")", "[", "]", "{", "}", "+", "-", "*", "/", "%", "?", "|", "..", "=>", "<", "<=",
           "==", "!=", ">=", ">", '"Art. 1"', '"', "#", "\n", "  "]
LITERALS = ["0", "1", "15", "6.5", "5%", "10 days", "3 working days", "2026-03-02", "2026-02-30",
            "2026-03-02T10:00", "9" * 40, "15 USD"]
ODD = ["\u00e9", "\u200b", "\U0001f600", "\x00", "\t", "\r", "\ufeff", "\u0301", "\uff11", "\u0663", "\\", "\u2028",
       "\x0c", "İ", "ß"]


@cache
def seeds() -> tuple[str, ...]:
    """Valid packs to mutate: the marketplace files and the language reference's examples."""
    texts = [p.read_text(encoding="utf-8") for p in sorted((ROOT / "policies" / "marketplace").glob("*.rules"))]
    for block in code_blocks(ROOT / "specs" / "language.md"):
        if block.tag == "rules":
            texts.extend(texts_of(block).values())
    return tuple(texts)


def _tokens(text: str) -> list[str]:
    return TOKEN.findall(text)


@st.composite
def mutated(draw) -> str:
    """A seed with one to four token-level mutations."""
    tokens = _tokens(draw(st.sampled_from(seeds())))
    for _ in range(draw(st.integers(1, 4))):
        if not tokens:
            break
        i = draw(st.integers(0, len(tokens) - 1))
        kind = draw(st.sampled_from(["delete", "duplicate", "swap", "truncate", "odd", "parens", "huge", "long",
                                     "keyword"]))
        if kind == "delete":
            del tokens[i : i + draw(st.integers(1, 3))]
        elif kind == "duplicate":
            tokens[i:i] = tokens[i : i + draw(st.integers(1, 5))]
        elif kind == "swap":
            j = draw(st.integers(0, len(tokens) - 1))
            tokens[i], tokens[j] = tokens[j], tokens[i]
        elif kind == "truncate":
            tokens = tokens[:i]
        elif kind == "odd":
            tokens.insert(i, draw(st.sampled_from(ODD)))
        elif kind == "parens":
            depth = draw(st.integers(1, 400))
            tokens[i] = "(" * depth + tokens[i] + ")" * depth
        elif kind == "huge":
            tokens[i] = draw(st.sampled_from(["9" * 16, "9" * 300, "1" + "0" * 20 + ".5", "99999999999999%"]))
        elif kind == "long":
            tokens[i] = "x" * draw(st.integers(100, 20_000))
        else:
            tokens[i] = draw(st.sampled_from(WORDS))
    return "".join(tokens)


token_soup = st.lists(st.sampled_from(WORDS + SYMBOLS + LITERALS + ODD), max_size=60).map(" ".join)
random_text = st.text(max_size=300)


def _assert_diagnostics_only(files: dict[str, str]) -> LoadResult:
    result = load_texts(files)
    render_text(result.diagnostics)
    render_json(result.diagnostics)
    for diag in result.diagnostics:
        assert diag.code in CODES
        span = diag.primary.span
        assert 0 <= span.start <= span.end <= len(span.source.text), (diag.code, span)
        assert "\n" not in diag.message, diag.message
    if result.ok:
        assert result.pack is not None
    return result


@settings(FUZZ, max_examples=500)
@given(random_text, st.booleans())
def test_random_text(text, with_header):
    _assert_diagnostics_only({"f.rules": (HEADER if with_header else "") + text})


@settings(FUZZ, max_examples=500)
@given(token_soup)
def test_token_soup(text):
    _assert_diagnostics_only({"f.rules": HEADER + text})


@settings(FUZZ, max_examples=1200)
@given(mutated())
def test_mutated_packs(text):
    _assert_diagnostics_only({"f.rules": text})


@settings(FUZZ, max_examples=100)
@given(mutated(), mutated())
def test_mutated_multi_file_packs(one, two):
    _assert_diagnostics_only({"pack.rules": HEADER + "import b\n" + one, "b.rules": "import pack\n" + two})


def _corpus() -> list[Path]:
    return sorted(CORPUS.glob("*.rules"))


@pytest.mark.parametrize("path", _corpus(), ids=lambda p: p.name)
def test_corpus_replays(path):
    text = path.read_text(encoding="utf-8")
    result = _assert_diagnostics_only({path.name: text})
    expect = re.search(r"^# expect: (.*)$", text, re.M)
    if expect:
        codes = {d.code for d in result.diagnostics}
        for code in re.findall(r"[EW]\d{3}", expect.group(1)):
            assert code in codes, f"{path.name}: expected {code}, got {sorted(codes)}"
