"""The LALR loop (checker/lalr.py) against Lark's own, and the grammar cache (checker/parse.py)."""

from __future__ import annotations

from pathlib import Path

import pytest
from lark.exceptions import UnexpectedToken as LarkUnexpected
from ruleproof.checker import parse, to_ast
from ruleproof.checker.lalr import Parser, UnexpectedToken
from ruleproof.checker.source import SourceFile

MARKETPLACE = Path(__file__).resolve().parent.parent / "policies" / "marketplace"
BROKEN = [
    "decision x: bool = a < b < c",
    "decision x: int = (1 + * 2)",
    "rule r when a then",
    "decision x: bool = a is present is absent",
    "fact a: int 1 ..",
]


def _lockstep(text: str) -> None:
    """Feed `text` to Lark's interactive parser and to ours in step: the same state stack,
    choices and accepted terminals before every token, the same error, the same result."""
    grammar = parse._grammar()
    source = SourceFile("t.rules", text)
    theirs, ours = grammar.lark.parse_interactive(), Parser(grammar.table)
    previous = None
    with to_ast.building(source):
        for token in grammar.lexer.tokens(text, 0, len(text), ours.choices):
            assert ours.stack == theirs.parser_state.state_stack
            assert set(ours.choices()) == set(theirs.choices())
            assert ours.accepts() == theirs.accepts()
            failed = []
            for feed, error in ((theirs.feed_token, LarkUnexpected), (ours.feed, UnexpectedToken)):
                try:
                    feed(token)
                except error:
                    failed.append(True)
            assert failed in ([], [True, True])
            assert ours.stack == theirs.parser_state.state_stack
            if failed:
                return
            previous = token
        try:
            result = ours.finish(previous)
        except UnexpectedToken:
            with pytest.raises(LarkUnexpected):
                theirs.feed_eof(previous)
        else:
            assert repr(result.value) == repr(theirs.feed_eof(previous).value)


@pytest.mark.parametrize("path", sorted(MARKETPLACE.glob("*.rules"))[:4], ids=lambda p: p.name)
def test_the_loop_follows_larks_on_the_marketplace(path):
    _lockstep(path.read_text(encoding="utf-8"))


@pytest.mark.parametrize("text", BROKEN)
def test_the_loop_stops_where_larks_stops(text):
    _lockstep(text)


def test_an_unfinished_text_fails_at_the_end():
    grammar = parse._grammar()
    ours = Parser(grammar.table)
    (token,) = grammar.lexer.tokens("fact", 0, 4, ours.choices)
    ours.feed(token)
    with pytest.raises(UnexpectedToken) as err:
        ours.finish(token)
    assert err.value.token.type == "$END"


def _rebuilt(monkeypatch, cache_home: Path) -> parse._Grammar:
    monkeypatch.setenv("XDG_CACHE_HOME", str(cache_home))
    return parse._Grammar()


def _parses(grammar: parse._Grammar, text: str) -> str:
    monkey = parse._grammar
    parse._grammar = lambda: grammar
    try:
        return repr(parse.parse_module(SourceFile("t.rules", text), "t"))
    finally:
        parse._grammar = monkey


def test_the_grammar_is_analysed_once_and_then_loaded(monkeypatch, tmp_path):
    text = (MARKETPLACE / "refunds.rules").read_text(encoding="utf-8")
    built = _rebuilt(monkeypatch, tmp_path)
    (cached,) = (tmp_path / "ruleproof").iterdir()
    assert cached.stat().st_size > 0 and (tmp_path / "ruleproof").stat().st_mode & 0o077 == 0
    loaded = _rebuilt(monkeypatch, tmp_path)
    assert built.lark.source_path != "<deserialized>" and loaded.lark.source_path == "<deserialized>"
    assert _parses(loaded, text) == _parses(built, text)


def test_a_damaged_cache_is_rebuilt(monkeypatch, tmp_path):
    _rebuilt(monkeypatch, tmp_path)
    (cached,) = (tmp_path / "ruleproof").iterdir()
    cached.write_bytes(cached.read_bytes()[:500])
    grammar = _rebuilt(monkeypatch, tmp_path)
    assert _parses(grammar, "fact a: int") == _parses(parse._grammar(), "fact a: int")
    assert cached.stat().st_size > 500


def test_no_cache_without_a_home_folder(monkeypatch):
    monkeypatch.setenv("XDG_CACHE_HOME", "relative/cache")
    assert parse.cache_path("start: NAME") is None


def test_no_cache_where_the_folder_cannot_be_made(monkeypatch, tmp_path):
    blocker = tmp_path / "file"
    blocker.write_text("")
    grammar = _rebuilt(monkeypatch, blocker)
    assert parse.cache_path(grammar.lark.source_grammar) is None
    assert _parses(grammar, "fact a: int") == _parses(parse._grammar(), "fact a: int")
