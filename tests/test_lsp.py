"""`ruleproof lsp` driven through the real protocol: pygls's client starts the server as a
subprocess and talks JSON-RPC to it over pipes, on a small two-module pack in a temporary folder."""

from __future__ import annotations

import asyncio
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

        @self.client.feature(lsp.TEXT_DOCUMENT_PUBLISH_DIAGNOSTICS)
        def on_diagnostics(params: lsp.PublishDiagnosticsParams) -> None:
            self.published.setdefault(params.uri, asyncio.Queue()).put_nowait(params.diagnostics)

    def uri(self, name: str) -> str:
        return (self.folder / name).absolute().as_uri()

    def doc(self, name: str) -> lsp.TextDocumentIdentifier:
        return lsp.TextDocumentIdentifier(uri=self.uri(name))

    def open(self, name: str, text: str | None = None) -> None:
        text = (self.folder / name).read_text(encoding="utf-8") if text is None else text
        self.client.text_document_did_open(lsp.DidOpenTextDocumentParams(
            text_document=lsp.TextDocumentItem(uri=self.uri(name), language_id="ruleproof", version=1, text=text)))

    async def diagnostics(self, name: str) -> list[lsp.Diagnostic]:
        queue = self.published.setdefault(self.uri(name), asyncio.Queue())
        return list(await asyncio.wait_for(queue.get(), timeout=30))


def _run(tmp_path: Path, scenario) -> None:
    for name, text in PACK.items():
        (tmp_path / name).write_text(text, encoding="utf-8")

    async def main():
        session = Session(tmp_path)
        await session.client.start_io(sys.executable, "-m", "ruleproof", "lsp")
        try:
            result = await session.client.initialize_async(lsp.InitializeParams(
                capabilities=lsp.ClientCapabilities(), root_uri=tmp_path.as_uri()))
            assert result.capabilities.hover_provider
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
        (s.folder / "conflict").mkdir()
        s.open("conflict/main.rules", CONFLICT)
        first = await s.diagnostics("conflict/main.rules")
        assert "E602" not in {d.code for d in first}
        second = await s.diagnostics("conflict/main.rules")
        [conflict] = [d for d in second if d.code == "E602"]
        assert conflict.range.start.line == 4 and "case: a = true" in conflict.message, conflict.message

    _run(tmp_path, scenario)


def test_an_edit_is_never_held_up_by_a_formal_check_of_older_text(tmp_path):
    async def scenario(s: Session):
        (s.folder / "conflict").mkdir()
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
