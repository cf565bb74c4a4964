"""`ruleproof lsp` driven through the real protocol: pygls's client starts the server as a
subprocess and talks JSON-RPC to it over pipes, on a small two-module pack in a temporary folder."""

from __future__ import annotations

import asyncio
import os
import sys
from pathlib import Path

import pytest
from lsprotocol import types as lsp
from pygls.lsp.client import LanguageClient

PACK = {
    "pack.rules": 'pack demo version "1"\nfact today: date cite "the day asked"\n',
    "orders.rules": ("import pack\n"
                     "fact placed_on: date cite \"Art. 32\"\n"
                     "fact amount: money USD = 0 USD cite \"Art. 67\"\n"
                     "decision overdue: bool default false cite \"Art. 32\"\n"
                     "rule late cite \"Art. 32(2)\": when today > placed_on + 20 days then overdue = true\n"),
    "refunds.rules": ("import pack\nimport orders\n"
                      "decision refundable: bool cite \"Art. 39\" = not overdue and today > placed_on\n"),
}


class Session:
    """A started server, the pack's folder, and the diagnostics it published."""

    def __init__(self, folder: Path):
        self.folder = folder
        self.client = LanguageClient("ruleproof-test", "v1")
        self.published: dict[str, asyncio.Queue] = {}
        self.logged: asyncio.Queue = asyncio.Queue()

        @self.client.feature(lsp.TEXT_DOCUMENT_PUBLISH_DIAGNOSTICS)
        def on_diagnostics(params: lsp.PublishDiagnosticsParams) -> None:
            self.published.setdefault(params.uri, asyncio.Queue()).put_nowait(params.diagnostics)

        @self.client.feature(lsp.WINDOW_LOG_MESSAGE)
        def on_log(params: lsp.LogMessageParams) -> None:
            self.logged.put_nowait(params.message)

    def uri(self, name: str) -> str:
        return (self.folder / name).absolute().as_uri()

    def doc(self, name: str) -> lsp.TextDocumentIdentifier:
        return lsp.TextDocumentIdentifier(uri=self.uri(name))

    def open(self, name: str, text: str | None = None) -> None:
        (self.folder / name).parent.mkdir(parents=True, exist_ok=True)
        text = (self.folder / name).read_text(encoding="utf-8") if text is None else text
        self.client.text_document_did_open(lsp.DidOpenTextDocumentParams(
            text_document=lsp.TextDocumentItem(uri=self.uri(name), language_id="ruleproof", version=1, text=text)))

    async def diagnostics(self, name: str) -> list[lsp.Diagnostic]:
        queue = self.published.setdefault(self.uri(name), asyncio.Queue())
        return list(await asyncio.wait_for(queue.get(), timeout=30))

    async def log(self, containing: str) -> str:
        """The next message the server logs that contains `containing`."""
        while containing not in (message := await asyncio.wait_for(self.logged.get(), timeout=30)):
            pass
        return message

    def change(self, name: str, text: str, version: int = 2) -> None:
        self.client.text_document_did_change(lsp.DidChangeTextDocumentParams(
            text_document=lsp.VersionedTextDocumentIdentifier(uri=self.uri(name), version=version),
            content_changes=[lsp.TextDocumentContentChangeWholeDocument(text=text)]))


def _run(tmp_path: Path, scenario, capabilities: lsp.ClientCapabilities | None = None) -> None:
    for name, text in PACK.items():
        (tmp_path / name).write_text(text, encoding="utf-8")

    async def main():
        session = Session(tmp_path)
        await session.client.start_io(sys.executable, "-m", "ruleproof", "lsp")
        try:
            result = await session.client.initialize_async(lsp.InitializeParams(
                capabilities=capabilities or lsp.ClientCapabilities(), root_uri=tmp_path.as_uri()))
            assert result.capabilities.hover_provider
            session.capabilities = result.capabilities
            session.client.initialized(lsp.InitializedParams())
            await scenario(session)
        finally:
            # Shut the server down even after a failed assertion, or stop() waits for it forever.
            await asyncio.wait_for(session.client.shutdown_async(None), timeout=30)
            session.client.exit(None)
            await session.client.stop()

    asyncio.run(main())


def _at(text: str, word: str, nth: int = 0) -> lsp.Position:
    offset = -1
    for _ in range(nth + 1):
        offset = text.index(word, offset + 1)
    line = text.count("\n", 0, offset)
    return lsp.Position(line=line, character=offset - (text.rfind("\n", 0, offset) + 1))


def test_a_misspelt_fact_is_reported_as_you_type_and_fixed(tmp_path):
    async def scenario(s: Session):
        s.open("refunds.rules")
        assert await s.diagnostics("refunds.rules") == []
        typo = PACK["refunds.rules"].replace("today > placed_on", "today > placed_onn")
        s.client.text_document_did_change(lsp.DidChangeTextDocumentParams(
            text_document=lsp.VersionedTextDocumentIdentifier(uri=s.uri("refunds.rules"), version=2),
            content_changes=[lsp.TextDocumentContentChangeWholeDocument(text=typo)]))
        diags = await s.diagnostics("refunds.rules")
        assert [(d.code, d.range.start.line) for d in diags] == [("E101", 2)]
        assert "placed_on" in diags[0].message
        actions = await s.client.text_document_code_action_async(lsp.CodeActionParams(
            text_document=s.doc("refunds.rules"), range=diags[0].range, context=lsp.CodeActionContext(diagnostics=diags)))
        [edit] = actions[0].edit.changes[s.uri("refunds.rules")]
        lines = typo.splitlines()
        line = lines[edit.range.start.line]
        lines[edit.range.start.line] = line[:edit.range.start.character] + edit.new_text + line[edit.range.end.character:]
        assert "\n".join(lines) + "\n" == PACK["refunds.rules"]

    _run(tmp_path, scenario)


def test_hover_definition_references(tmp_path):
    async def scenario(s: Session):
        s.open("refunds.rules")
        s.open("orders.rules")
        text, orders = PACK["refunds.rules"], PACK["orders.rules"]
        for name, word, expected in [("refunds.rules", "placed_on", ("fact placed_on: date", "Art. 32")),
                                     ("refunds.rules", "overdue", ("decision overdue: bool", "default false")),
                                     ("orders.rules", "late", ("then overdue = true", "Art. 32(2)")),
                                     ("orders.rules", "amount", ("money USD", "default 0 USD"))]:
            hover = await s.client.text_document_hover_async(lsp.HoverParams(
                text_document=s.doc(name), position=_at(PACK[name], word)))
            assert all(part in hover.contents.value for part in expected), hover.contents.value

        found = await s.client.text_document_definition_async(lsp.DefinitionParams(
            text_document=s.doc("refunds.rules"), position=_at(text, "placed_on")))
        assert found.uri == s.uri("orders.rules") and found.range.start == _at(orders, "placed_on")

        refs = await s.client.text_document_references_async(lsp.ReferenceParams(
            text_document=s.doc("refunds.rules"), position=_at(text, "today"),
            context=lsp.ReferenceContext(include_declaration=True)))
        assert sorted(Path(r.uri).name for r in refs) == ["orders.rules", "pack.rules", "refunds.rules"]

    _run(tmp_path, scenario)


def test_rename_across_modules(tmp_path):
    async def scenario(s: Session):
        s.open("orders.rules")
        edit = await s.client.text_document_rename_async(lsp.RenameParams(
            text_document=s.doc("orders.rules"), position=_at(PACK["orders.rules"], "overdue"), new_name="late_payment"))
        changes = {Path(uri).name: edits for uri, edits in edit.changes.items()}
        assert sorted(changes) == ["orders.rules", "refunds.rules"]
        assert len(changes["orders.rules"]) == 2 and len(changes["refunds.rules"]) == 1
        assert all(e.new_text == "late_payment" for e in changes["orders.rules"])

    _run(tmp_path, scenario)


def test_completion_symbols_and_formatting(tmp_path):
    async def scenario(s: Session):
        s.open("refunds.rules")
        items = await s.client.text_document_completion_async(lsp.CompletionParams(
            text_document=s.doc("refunds.rules"), position=lsp.Position(line=2, character=0)))
        labels = {i.label for i in items.items}
        assert {"placed_on", "overdue", "today", "refundable", "decision", "when"} <= labels
        s.open("kinds.rules", "fact kind: express | bulk\nfact placed: date\ndecision fast: bool = kind == \n"
                              "decision due: date = placed + 20 \n")
        items = await s.client.text_document_completion_async(lsp.CompletionParams(
            text_document=s.doc("kinds.rules"), position=lsp.Position(line=2, character=30)))
        assert [i.label for i in items.items] == ["express", "bulk"]
        items = await s.client.text_document_completion_async(lsp.CompletionParams(
            text_document=s.doc("kinds.rules"), position=lsp.Position(line=3, character=33)))
        assert {"days", "working days", "USD"} <= {i.label for i in items.items}
        symbols = await s.client.text_document_document_symbol_async(lsp.DocumentSymbolParams(
            text_document=s.doc("orders.rules")))
        assert [sym.name for sym in symbols] == ["placed_on", "amount", "overdue", "late"]
        s.open("messy.rules", "fact  x:bool\n")
        edits = await s.client.text_document_formatting_async(lsp.DocumentFormattingParams(
            text_document=s.doc("messy.rules"), options=lsp.FormattingOptions(tab_size=2, insert_spaces=True)))
        assert [e.new_text for e in edits] == ["fact x: bool\n"]

    _run(tmp_path, scenario)


@pytest.mark.parametrize("text", ["fact x bool\n"])
def test_a_file_that_does_not_parse_is_not_formatted(tmp_path, text):
    async def scenario(s: Session):
        s.open("broken.rules", text)
        assert [d.code for d in await s.diagnostics("broken.rules")] == ["E002"]
        edits = await s.client.text_document_formatting_async(lsp.DocumentFormattingParams(
            text_document=s.doc("broken.rules"), options=lsp.FormattingOptions(tab_size=2, insert_spaces=True)))
        assert not edits

    _run(tmp_path, scenario)


CONFLICT = ('pack c version "1"\nfact a: bool\ndecision d: bool default false\n'
            'rule r1 cite "x": when a then d = true\nrule r2 cite "y": when a then d = false\n')


def test_formal_findings_follow_the_front_end(tmp_path):
    async def scenario(s: Session):
        s.open("conflict/main.rules", CONFLICT)
        first = await s.diagnostics("conflict/main.rules")
        assert "E602" not in {d.code for d in first}
        second = await s.diagnostics("conflict/main.rules")
        [conflict] = [d for d in second if d.code == "E602"]
        assert conflict.range.start.line == 4 and "case: a = true" in conflict.message, conflict.message

    _run(tmp_path, scenario)


def test_an_edit_is_never_held_up_by_a_formal_check_of_older_text(tmp_path):
    async def scenario(s: Session):
        s.open("conflict/main.rules", CONFLICT)
        assert "E602" not in {d.code for d in await s.diagnostics("conflict/main.rules")}
        s.client.text_document_did_change(lsp.DidChangeTextDocumentParams(
            text_document=lsp.VersionedTextDocumentIdentifier(uri=s.uri("conflict/main.rules"), version=2),
            content_changes=[lsp.TextDocumentContentChangeWholeDocument(text=CONFLICT.replace("when a then d = false", "when aa then d = false"))]))
        # The edit's front-end result comes next, then its own formal run's (E101 stops the formal
        # checks); the first text's formal run, cancelled, never publishes its E602.
        for _ in range(2):
            assert [d.code for d in await s.diagnostics("conflict/main.rules")] == ["E101"]

    _run(tmp_path, scenario)


def _offset(text: str, where: lsp.Position, encoding: str = "utf-16") -> int:
    """The character offset of an LSP position counted in `encoding` code units."""
    start = sum(len(line) + 1 for line in text.split("\n")[:where.line])
    line = text.split("\n")[where.line]
    width = {"utf-16": 2, "utf-8": 1}[encoding]
    codec = "utf-16-le" if encoding == "utf-16" else "utf-8"
    return start + len(line.encode(codec)[:where.character * width].decode(codec))


def _apply(text: str, edits: list[lsp.TextEdit]) -> str:
    """The text with the edits made (positions in UTF-16 code units)."""
    for edit in sorted(edits, key=lambda e: (e.range.start.line, e.range.start.character), reverse=True):
        text = text[:_offset(text, edit.range.start)] + edit.new_text + text[_offset(text, edit.range.end):]
    return text


def _front_end_errors(path: Path, text: str) -> list[str]:
    from ruleproof.checker.pipeline import load_texts

    return [d.code for d in load_texts({str(path): text}).diagnostics if d.severity.name == "ERROR"]


async def _actions(s: Session, name: str, diags: list[lsp.Diagnostic]) -> dict[str, lsp.CodeAction]:
    found = await s.client.text_document_code_action_async(lsp.CodeActionParams(
        text_document=s.doc(name), range=diags[0].range, context=lsp.CodeActionContext(diagnostics=diags)))
    return {a.title: a for a in found}


UNITS = ('pack u version "1"\nfact wait: days cite "x"\nfact price: money USD cite "y"\n'
         'decision long: bool cite "x" = wait > 10 and price < 5\n')


def test_add_a_unit_or_a_currency_from_the_help(tmp_path):
    async def scenario(s: Session):
        s.open("units/main.rules", UNITS)
        edits, diags = [], await s.diagnostics("units/main.rules")  # both edits on the text as published
        for d, unit in zip(diags, ["days", "USD"], strict=True):
            assert d.code == "E201"
            actions = await _actions(s, "units/main.rules", [d])
            edits += actions[f"add the unit `{unit}`"].edit.changes[s.uri("units/main.rules")]
        text = _apply(UNITS, edits)
        assert "wait > 10 days and price < 5 USD" in text
        assert _front_end_errors(s.folder / "units/main.rules", text) == []

    _run(tmp_path, scenario)


UNLESS = ('pack c version "1"\nfact a: bool\nfact b: bool\ndecision d: bool default false\ndecision e: bool default false\n'
          'rule r1 cite "x": when a then d = true\nrule r2 cite "y": when a then d = false\n  unless r3 because "z"\n'
          'rule r3 cite "z": when b then e = true\n')


def test_settle_a_conflict_with_overrides_or_accept_it(tmp_path):
    async def scenario(s: Session):
        name, path = "conflict/main.rules", s.folder / "conflict/main.rules"
        s.open(name, CONFLICT)
        await s.diagnostics(name)
        [conflict] = [d for d in await s.diagnostics(name) if d.code == "E602"]
        actions = await _actions(s, name, [conflict])
        overrides = actions["`r2` overrides `r1` (give the reason)"].edit.changes[s.uri(name)]
        fixed = _apply(CONFLICT, overrides)
        assert 'then d = false\n  overrides r1 because "…"\n' in fixed
        assert _front_end_errors(path, fixed) == []
        accepted = _apply(CONFLICT, actions["accept this E602 finding (give the reason)"].edit.changes[s.uri(name)])
        assert accepted.endswith('accept "E602" on r1, r2, d because "…"\n')
        assert _front_end_errors(path, accepted) == []
        for version, text in enumerate([fixed, accepted], start=2):
            s.change(name, text, version)
            await s.diagnostics(name)  # the front end's
            assert "E602" not in {d.code for d in await s.diagnostics(name)}  # the formal checks'
        # A rule with an `unless` clause gets its `overrides` clause before it, as the syntax orders them.
        s.open("unless/main.rules", UNLESS)
        await s.diagnostics("unless/main.rules")
        [conflict] = [d for d in await s.diagnostics("unless/main.rules") if d.code == "E602"]
        actions = await _actions(s, "unless/main.rules", [conflict])
        fixed = _apply(UNLESS, actions["`r2` overrides `r1` (give the reason)"].edit.changes[s.uri("unless/main.rules")])
        assert 'then d = false\n  overrides r1 because "…"\n  unless r3 because "z"\n' in fixed
        s.change("unless/main.rules", fixed)
        assert _front_end_errors(s.folder / "unless/main.rules", fixed) == []
        await s.diagnostics("unless/main.rules")
        assert "E602" not in {d.code for d in await s.diagnostics("unless/main.rules")}

    _run(tmp_path, scenario)


async def _semantic_tokens(s: Session, name: str) -> dict[tuple[int, int], tuple[str, int, int]]:
    """(line, start) -> (token type, length, modifiers), decoded from the relative encoding."""
    legend = s.capabilities.semantic_tokens_provider.legend
    result = await s.client.text_document_semantic_tokens_full_async(lsp.SemanticTokensParams(text_document=s.doc(name)))
    kinds, line, column = {}, 0, 0
    for i in range(0, len(result.data), 5):
        delta_line, delta_start, length, kind, modifiers = result.data[i:i + 5]
        line, column = line + delta_line, (column if delta_line == 0 else 0) + delta_start
        kinds[(line, column)] = (legend.token_types[kind], length, modifiers)
    return kinds


TOKENS = ('# the demo\npack t version "1"\nenum plan = basic | premium\nfact kind: plan cite "Art. 1"\n'
          'fact start: date\nconst wait = 3 working days\n'
          'decision due: date cite "Art. 2" = start + wait\n'
          'decision cheap: bool default false\n'
          'rule premium_is_cheap cite "Art. 3": when kind == premium and start > 2026-01-01 then cheap = true\n')


def test_semantic_tokens_name_what_each_word_is(tmp_path):
    async def scenario(s: Session):
        s.open("tokens.rules", TOKENS)
        kinds = await _semantic_tokens(s, "tokens.rules")
        lines = TOKENS.split("\n")

        def kind(word: str, nth: int = 0) -> str:
            at = _at(TOKENS, word, nth)
            token_type, length, _ = kinds[(at.line, at.character)]
            assert lines[at.line][at.character:at.character + length] == word
            return token_type

        assert kind("# the demo") == "comment"
        assert [kind(w) for w in ("pack", "enum", "fact", "decision", "rule", "when", "then")] == ["keyword"] * 7
        assert [kind("plan", 1), kind("kind", 1), kind("due"), kind("premium_is_cheap"), kind("wait", 1)] == \
            ["enum", "parameter", "function", "method", "variable"]
        assert [kind("premium", 2), kind("3"), kind('"Art. 1"'), kind("2026-01-01"), kind("working")] == \
            ["enumMember", "number", "string", "date", "unit"]
        assert [kind("==", 0), kind("+"), kind("date")] == ["operator", "operator", "type"]
        at = _at(TOKENS, "due")
        assert kinds[(at.line, at.character)][2] == 1  # its declaration
        at = _at(TOKENS, "start", 1)
        assert kinds[(at.line, at.character)][2] == 0  # a use

    _run(tmp_path, scenario)


EMOJI = ('import pack\nimport orders\n# refunds 🧾 of 𝔸rt. 39\n'
         'decision refundable: bool cite "Art. 39 🙂🙂" = not overdue and today > placed_onn\n')


@pytest.mark.parametrize("encoding", ["utf-16", "utf-8"])
def test_positions_count_the_agreed_code_units(tmp_path, encoding):
    line = EMOJI.split("\n")[3]
    codec = {"utf-16": "utf-16-le", "utf-8": "utf-8"}[encoding]

    def at(word: str) -> lsp.Position:
        return lsp.Position(line=3, character=len(line[:line.index(word)].encode(codec)) // (2 if encoding == "utf-16" else 1))

    async def scenario(s: Session):
        s.open("refunds.rules", EMOJI)
        [typo] = await s.diagnostics("refunds.rules")
        assert typo.code == "E101" and typo.range.start == at("placed_onn")
        assert typo.range.end.character - typo.range.start.character == len("placed_onn")
        hover = await s.client.text_document_hover_async(lsp.HoverParams(text_document=s.doc("refunds.rules"), position=at("overdue")))
        assert "decision overdue: bool" in hover.contents.value
        edit = await s.client.text_document_rename_async(lsp.RenameParams(
            text_document=s.doc("refunds.rules"), position=at("today"), new_name="now"))
        [here] = edit.changes[s.uri("refunds.rules")]
        assert here.range.start == at("today")
        kinds = await _semantic_tokens(s, "refunds.rules")
        assert kinds[(3, at("today").character)] == ("parameter", len("today"), 0)
        comment = EMOJI.split("\n")[2]
        assert kinds[(2, 0)] == ("comment", len(comment.encode(codec)) // (2 if encoding == "utf-16" else 1), 0)

    capabilities = lsp.ClientCapabilities(general=lsp.GeneralClientCapabilities(
        position_encodings=[lsp.PositionEncodingKind.Utf8])) if encoding == "utf-8" else None
    _run(tmp_path, scenario, capabilities)


SLOW = ('pack slow version "1"\nfact x: int\nfact y: int\nfact z: int\n'
        'property fermat cite "x": never x > 1 and y > 1 and z > 1 and x * x * x + y * y * y == z * z * z\n')


def test_a_newer_edit_stops_the_formal_checks_of_older_text(tmp_path):
    async def scenario(s: Session):
        s.open("slow/main.rules", SLOW)
        assert await s.diagnostics("slow/main.rules") == []
        pid = int((await s.log("running in process")).rsplit(" ", 1)[1])
        os.kill(pid, 0)  # the solver is at work on the property
        s.change("slow/main.rules", SLOW.replace("never x > 1", "never xx > 1"))
        assert [d.code for d in await s.diagnostics("slow/main.rules")] == ["E101"]
        assert await s.log(f"process {pid} stopped")
        with pytest.raises(ProcessLookupError):
            os.kill(pid, 0)
        assert [d.code for d in await s.diagnostics("slow/main.rules")] == ["E101"]  # the new text's own run

    _run(tmp_path, scenario)


def test_the_extension_declares_the_token_types_lsp_does_not_have():
    import json

    from ruleproof.lsp.tokens import LEGEND

    manifest = json.loads((Path(__file__).parent.parent / "editors/vscode/package.json").read_text(encoding="utf-8"))
    declared = {t["id"] for t in manifest["contributes"]["semanticTokenTypes"]}
    standard = {t.value for t in lsp.SemanticTokenTypes}
    assert set(LEGEND.token_types) - standard == declared == {"date", "unit"}
