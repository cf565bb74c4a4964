"""`ruleproof lsp`: a language server over stdio (pygls). A pack is the folder of the open file;
the unsaved text of open files counts. The front end runs on every change and its diagnostics
are published at once for every open file of the pack; the formal checks follow in the
background, DEBOUNCE_SECONDS after the last edit, in a thread (the editor never waits for them),
and a newer edit discards a run in progress."""

from __future__ import annotations

import asyncio
from pathlib import Path
from urllib.parse import unquote, urlparse

from lsprotocol import types as lsp
from pygls.lsp.server import LanguageServer
from ruleproof.checker.diagnostics import Diagnostic
from ruleproof.checker.report import check_pack
from ruleproof.checker.source import SourceFile
from ruleproof.lsp import features
from ruleproof.lsp.index import PackIndex, pack_texts


def _path(uri: str) -> str:
    return unquote(urlparse(uri).path)


DEBOUNCE_SECONDS = 0.5


class RuleproofServer(LanguageServer):
    """The server, with the index of the pack of a file built from the open documents."""

    def __init__(self, name: str, version: str):
        super().__init__(name, version)
        self.checks: dict[str, asyncio.Task] = {}  # the formal checks' run of each pack folder

    def open_texts(self) -> dict[str, str]:
        return {_path(uri): doc.source for uri, doc in self.workspace.text_documents.items()}

    def index(self, uri: str) -> tuple[PackIndex, str]:
        path = _path(uri)
        return PackIndex(pack_texts(path, self.open_texts())), path

    def publish(self, uri: str) -> None:
        """Publish the front end's diagnostics now; schedule the formal checks."""
        index, path = self.index(uri)
        self._send(index, index.load().diagnostics)
        folder = str(Path(path).parent)
        if folder in self.checks:
            self.checks[folder].cancel()
        self.checks[folder] = asyncio.get_running_loop().create_task(self._formal(index, folder))

    async def _formal(self, index: PackIndex, folder: str) -> None:
        await asyncio.sleep(DEBOUNCE_SECONDS)
        texts = {path: source.text for path, source in index.sources.items()}
        report = await asyncio.to_thread(check_pack, texts, jobs=1)
        # INVARIANT: only the newest edit's run publishes; an older one was cancelled or replaced.
        if self.checks.get(folder) is asyncio.current_task():
            self._send(index, list(report.diagnostics))

    def _send(self, index: PackIndex, diags: list[Diagnostic]) -> None:
        for open_uri in self.workspace.text_documents:
            if _path(open_uri) in index.sources:
                self.text_document_publish_diagnostics(lsp.PublishDiagnosticsParams(
                    uri=open_uri, diagnostics=features.diagnostics_of(diags, _path(open_uri))))


def build_server() -> RuleproofServer:
    """A server with every feature registered (not started)."""
    server = RuleproofServer("ruleproof", "v1")

    @server.feature(lsp.TEXT_DOCUMENT_DID_OPEN)
    def did_open(ls: RuleproofServer, params: lsp.DidOpenTextDocumentParams) -> None:
        ls.publish(params.text_document.uri)

    @server.feature(lsp.TEXT_DOCUMENT_DID_CHANGE)
    def did_change(ls: RuleproofServer, params: lsp.DidChangeTextDocumentParams) -> None:
        ls.publish(params.text_document.uri)

    @server.feature(lsp.TEXT_DOCUMENT_DID_SAVE)
    def did_save(ls: RuleproofServer, params: lsp.DidSaveTextDocumentParams) -> None:
        ls.publish(params.text_document.uri)

    def _named(ls: RuleproofServer, params) -> tuple[PackIndex, str | None]:
        index, path = ls.index(params.text_document.uri)
        where = features.offset(index.sources[path], params.position)
        return index, index.word_at(path, where)

    @server.feature(lsp.TEXT_DOCUMENT_HOVER)
    def hover(ls: RuleproofServer, params: lsp.HoverParams) -> lsp.Hover | None:
        index, name = _named(ls, params)
        if name is None or name not in index.declared:
            return None
        return lsp.Hover(contents=lsp.MarkupContent(kind=lsp.MarkupKind.Markdown,
                                                    value=features.hover_text(index.declared[name])))

    @server.feature(lsp.TEXT_DOCUMENT_DEFINITION)
    def definition(ls: RuleproofServer, params: lsp.DefinitionParams) -> lsp.Location | None:
        index, name = _named(ls, params)
        if name is None or name not in index.declared:
            return None
        span = index.declared[name].span
        return lsp.Location(uri=features.uri_of(span.path), range=features.span_range(span))

    @server.feature(lsp.TEXT_DOCUMENT_REFERENCES)
    def references(ls: RuleproofServer, params: lsp.ReferenceParams) -> list[lsp.Location]:
        index, name = _named(ls, params)
        return [features.location(index, o) for o in index.references(name)] if name else []

    @server.feature(lsp.TEXT_DOCUMENT_RENAME)
    def rename(ls: RuleproofServer, params: lsp.RenameParams) -> lsp.WorkspaceEdit | None:
        index, name = _named(ls, params)
        return features.rename_edit(index, name, params.new_name) if name else None

    @server.feature(lsp.TEXT_DOCUMENT_COMPLETION)
    def completion(ls: RuleproofServer, params: lsp.CompletionParams) -> lsp.CompletionList:
        index, path = ls.index(params.text_document.uri)
        source = index.sources[path]
        where = features.offset(source, params.position)
        before = source.text[source.text.rfind("\n", 0, where) + 1:where]
        return lsp.CompletionList(is_incomplete=False, items=features.completions(index, path, before))

    @server.feature(lsp.TEXT_DOCUMENT_DOCUMENT_SYMBOL)
    def document_symbol(ls: RuleproofServer, params: lsp.DocumentSymbolParams) -> list[lsp.DocumentSymbol]:
        index, path = ls.index(params.text_document.uri)
        return features.symbols(index, path)

    @server.feature(lsp.TEXT_DOCUMENT_CODE_ACTION)
    def code_action(ls: RuleproofServer, params: lsp.CodeActionParams) -> list[lsp.CodeAction]:
        return features.quick_fixes(params.text_document.uri, params.context.diagnostics)

    @server.feature(lsp.TEXT_DOCUMENT_FORMATTING)
    def formatting(ls: RuleproofServer, params: lsp.DocumentFormattingParams) -> list[lsp.TextEdit]:
        document = ls.workspace.get_text_document(params.text_document.uri)
        return features.formatting(SourceFile(_path(params.text_document.uri), document.source))

    return server


def serve() -> None:
    """Serve over stdin and stdout until the client exits."""
    build_server().start_io()
