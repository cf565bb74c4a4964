"""The TextMate grammar (editors/ruleproof.tmLanguage.json) against the parser: VS Code's own
engine (vscode-textmate + vscode-oniguruma, installed in editors/test/ by `make test`) tokenizes
every file of the marketplace pack, and each token the parser reads, and each comment, must
carry the scope its kind calls for."""

from __future__ import annotations

import json
import re
import shutil
import subprocess
from pathlib import Path

import pytest
from ruleproof.checker.parse import token_stream
from ruleproof.checker.source import SourceFile

REPO = Path(__file__).resolve().parent.parent
EDITORS = REPO / "editors"
FILES = sorted((REPO / "policies" / "marketplace").glob("*.rules"))

_DECLARATIONS = {"PACK", "IMPORT", "ENUM", "FACT", "CONST", "LET", "ASSUME", "DECISION", "RULE", "TABLE",
                 "WINDOW", "PROPERTY", "OBLIGATION", "EXAMPLE", "HOLIDAYS", "ACCEPT", "MODULE", "RECORD"}
_WORD_OPERATORS = {"AND", "OR", "NOT", "IMPLIES", "IN", "IS", "PRESENT", "ABSENT", "EMPTY", "WITHIN",
                   "BEFORE", "DISJOINT", "OVERLAPS"}
_UNITS = {"WORKING", "DAYS", "DAY", "HOURS", "HOUR", "MINUTES", "MINUTE", "MONTHS", "MONTH", "YEARS", "YEAR"}
_TYPES = {"BOOL", "INT", "DECIMAL", "RATE", "__ANON_0", "__ANON_1", "__ANON_2", "MONEY", "SET", "OF", "LIST", "UP", "TO", *_UNITS}
_PUNCTUATION = {"COMPARE": "keyword.operator.comparison", "EQUAL": "keyword.operator.assignment",
                "MINUS": "keyword.operator.arithmetic", "PLUS": "keyword.operator.arithmetic",
                "STAR": "keyword.operator.arithmetic", "SLASH": "keyword.operator.arithmetic",
                "PERCENT": "constant.numeric.percent", "VBAR": "punctuation.separator",
                "COMMA": "punctuation.separator", "COLON": "punctuation.separator",
                "OPTIONAL": "punctuation.separator", "__ANON_3": "keyword.operator.range",
                "__ANON_4": "keyword.operator.arrow"}
_KEYWORD_SCOPES = ("keyword.", "storage.type.", "support.type.", "constant.language.")


def _expected(tokens, i: int) -> str | None:
    """The scope the grammar must give tokens[i] (None: brackets, which have none)."""
    token, previous = tokens[i], tokens[i - 1] if i else None
    following = tokens[i + 1] if i + 1 < len(tokens) else None
    kind = token.type
    if kind == "NAME":
        if previous is not None and previous.type in _DECLARATIONS:
            return "entity.name.declaration"
        return "support.function" if following is not None and following.type == "LPAR" else "variable.other"
    if kind == "STRING":
        return "string.quoted.double.cite" if previous is not None and previous.type == "CITE" else "string.quoted.double"
    if kind == "NUMBER":
        after = following.type if following is not None else ""
        return ("constant.numeric.duration" if after in _UNITS else "constant.numeric.money" if after == "CURRENCY"
                else "constant.numeric.percent" if after == "PERCENT" else "constant.numeric")
    if kind in _UNITS and previous is not None and previous.type in {"NUMBER", "WORKING"}:
        return "keyword.other.unit"
    simple = {"DATE": "constant.numeric.date", "DATETIME": "constant.numeric.datetime", "SIGNED_INT": "constant.numeric",
              "CURRENCY": "support.constant.currency", "CITE": "keyword.other.cite", "TRUE": "constant.language",
              "FALSE": "constant.language", "UNDETERMINED": "constant.language"}
    if kind in simple:
        return simple[kind]
    if kind in _PUNCTUATION:
        return _PUNCTUATION[kind]
    if kind in _DECLARATIONS:
        return "storage.type.declaration"
    if kind in _WORD_OPERATORS:
        return "keyword.operator.word"
    if kind == "OF" and previous is not None and previous.type == "AS":  # a decision's `as of DATE`
        return "keyword.control"
    if kind in _TYPES:
        return "support.type"
    return None if not token.value.isalpha() else "keyword.control"


@pytest.fixture(scope="module")
def scopes() -> dict[str, list]:
    node = shutil.which("node")
    if node is None:
        pytest.fail("node is missing: `make test` installs it (Debian's nodejs), or install Node 20")
    if not (EDITORS / "test" / "node_modules" / "vscode-textmate").is_dir():
        pytest.fail("vscode-textmate is missing: run `make editor-deps` (npm ci in editors/test)")
    out = subprocess.run([node, "tokenize.mjs", str(EDITORS / "ruleproof.tmLanguage.json"), *map(str, FILES)],
                         cwd=EDITORS / "test", capture_output=True, text=True, check=True, timeout=120)
    return json.loads(out.stdout)


def _scopes_at(tm_tokens, line: int, column: int) -> list[str]:
    for number, start, end, names in tm_tokens:
        if number == line and start <= column < end:
            return names
    raise AssertionError(f"no TextMate token at {line + 1}:{column + 1}")


@pytest.mark.parametrize("path", FILES, ids=lambda p: p.name)
def test_every_token_has_its_scope(path: Path, scopes):
    source = SourceFile(str(path), path.read_text(encoding="utf-8"))
    tokens, _ = token_stream(source)
    tm_tokens = scopes[str(path)]
    wrong, checked = [], 0
    for i, token in enumerate(tokens):
        expected = _expected(tokens, i)
        if expected is None:
            continue
        offset = token.start_pos + 1 if token.type == "STRING" and len(token.value) > 2 else token.start_pos
        line, column = source.position(offset)
        names = _scopes_at(tm_tokens, line - 1, column - 1)
        checked += 1
        if any(name.startswith(expected + ".") for name in names):
            continue
        # A regular grammar cannot tell a name spelled like a keyword (`priority` as an enum member).
        if token.type == "NAME" and any(name.startswith(_KEYWORD_SCOPES) for name in names):
            continue
        wrong.append(f"{line}:{column} `{token.value}` wants {expected}, has {names[1:]}")
    assert checked >= 0.6 * len(tokens)  # all but brackets
    assert not wrong, "\n".join(wrong[:20])


@pytest.mark.parametrize("path", FILES, ids=lambda p: p.name)
def test_every_comment_is_a_comment(path: Path, scopes):
    text = path.read_text(encoding="utf-8")
    source = SourceFile(str(path), text)
    tokens, _ = token_stream(source)
    ends = [0, *(t.end_pos for t in tokens)]
    starts = [*(t.start_pos for t in tokens), len(text)]
    comments = [m.start() + lo for lo, hi in zip(ends, starts) for m in re.finditer("#", text[lo:hi])]
    for offset in comments:
        line, column = source.position(offset)
        assert "comment.line.number-sign.ruleproof" in _scopes_at(scopes[str(path)], line - 1, column - 1)


def test_the_extension_ships_the_grammar_and_its_files():
    extension = EDITORS / "vscode"
    manifest = json.loads((extension / "package.json").read_text(encoding="utf-8"))
    grammar = manifest["contributes"]["grammars"][0]
    assert (extension / grammar["path"]).read_bytes() == (EDITORS / "ruleproof.tmLanguage.json").read_bytes()
    assert grammar["scopeName"] == json.loads((EDITORS / "ruleproof.tmLanguage.json").read_text())["scopeName"]
    language = manifest["contributes"]["languages"][0]
    json.loads((extension / language["configuration"]).read_text(encoding="utf-8"))
    assert (extension / manifest["main"]).is_file()
    assert '["lsp"]' in (extension / manifest["main"]).read_text(encoding="utf-8")
