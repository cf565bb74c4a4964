"""The front end turns any text into diagnostics, never into an exception.

Hypothesis feeds `load_texts` random text, token soup built from the language's own words, and
mutations of valid packs (the marketplace pack's files and the examples of specs/language.md):
tokens deleted, duplicated, swapped, the text truncated, odd unicode inserted, deep
parentheses, huge numbers, long names. Every result must render as text and as JSON, and every
diagnostic must carry a registered code and point inside its file.

Generated packs (bench/fuzz_frontend.py's typed generator, and declarations of every kind over
three names) also go through the evaluator. The scalable fuzz run (100,000+ inputs) is
`python bench/fuzz_frontend.py -n 100000`; see bench/README.md, "Reliability".

Inputs that once crashed the front end, the evaluator or the checks live in tests/corpus/frontend/
and are replayed; a `# expect: CODE, CODE` line in such a file lists codes it must produce, a pack
that loads is compiled and decides a case, and `# run: checks` runs the formal checks on it too.
"""

from __future__ import annotations

import json
import re
import sys
from functools import cache
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from ruleproof.checker.checks import run_checks
from ruleproof.checker.decisions import decide_json
from ruleproof.checker.diagnostics import CODES
from ruleproof.checker.evaluate import CompiledPack
from ruleproof.checker.pipeline import LoadResult, load_texts
from ruleproof.checker.render import render_json, render_text
from ruleproof.checker.values import InvalidFacts

try:
    from tests.doc_blocks import code_blocks, texts_of
except ImportError:  # pytest run without the repository root on sys.path
    sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
    from tests.doc_blocks import code_blocks, texts_of
from bench.fuzz_frontend import g_clash, g_generate  # noqa: E402  (after the path is set)

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
       "\x0c", "İ", "ß", "\u202e", "\u200f", "\u05d0", "\u0627", "\udcff", "\ud800", "e\u0301\u0301", "\x85", "\u2029"]


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
            tokens[i] = draw(st.sampled_from(["9" * 16, "9" * 300, "1" + "0" * 20 + ".5", "99999999999999%", "9" * 5000,
                                              "0." + "1" * 5000, "1." + "0" * 16, "-" + "9" * 4301]))
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


def _decides(result: LoadResult) -> None:
    """A pack that loads compiles, and decides a case with no facts and one with every fact."""
    compiled = CompiledPack(result.pack)
    json.dumps(decide_json(compiled, {}, explain=True))
    facts = {}
    for name, fact in result.pack.facts.items():
        kind = fact.type.kind
        facts[name] = {"date": "2026-03-02", "datetime": "2026-03-02T10:00", "bool": True, "string": "x",
                       "enum": (fact.type.members or ("",))[0], "set": []}.get(kind, 1)
    try:
        json.dumps(decide_json(compiled, facts, explain=True))
    except InvalidFacts:
        pass


@settings(FUZZ, max_examples=300)
@given(st.randoms(use_true_random=False))
def test_generated_packs_load_and_decide(r):
    result = _assert_diagnostics_only(g_generate(r))
    if result.ok:
        _decides(result)


@settings(FUZZ, max_examples=300)
@given(st.randoms(use_true_random=False))
def test_names_clashing_across_kinds(r):
    result = _assert_diagnostics_only(g_clash(r))
    if result.ok:
        _decides(result)


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
    if result.ok:
        _decides(result)
        if re.search(r"^# run: checks$", text, re.M):
            report = run_checks(result.pack, timeout_ms=1000, jobs=1)
            render_text(report.findings)
            json.loads(render_json(report.findings))
