"""`ruleproof lsp`: a language server over stdio (pygls). A pack is the folder of the open file;
the unsaved text of open files counts. The front end runs on every change and its diagnostics
are published at once for every open file of the pack; the formal checks follow in the
background, DEBOUNCE_SECONDS after the last edit, in a process of their own (worker.py; the
editor never waits for them), and a newer edit ends the process of a run in progress. Positions
are in the encoding agreed with the client (UTF-16 unless it offers UTF-8 or UTF-32)."""

from __future__ import annotations

import asyncio
import pickle
import sys
from pathlib import Path
from urllib.parse import unquote, urlparse

from lsprotocol import types as lsp
from pygls.lsp.server import LanguageServer
from ruleproof.checker.diagnostics import Diagnostic
from ruleproof.checker.source import SourceFile
from ruleproof.lsp import actions, features, tokens
from ruleproof.lsp.index import PackIndex, pack_texts
from ruleproof.lsp.positions import Positions


def _path(uri: str) -> str:
    return unquote(urlparse(uri).path)


DEBOUNCE_SECONDS = 0.5


class RuleproofServer(LanguageServer):
    """The server, with the index of the pack of a file built from the open documents."""

    def __init__(self, name: str, version: str):
        super().__init__(name, version)
        self.checks: dict[str, asyncio.Task] = {}  # the formal checks' run of each pack folder
        self.workers: dict[str, asyncio.subprocess.Process] = {}  # the process of each run in progress

    def open_texts(self) -> dict[str, str]:
        return {_path(uri): doc.source for uri, doc in self.workspace.text_documents.items()}

    @property
    def at(self) -> Positions:
        """Positions in the encoding agreed with the client."""
        return Positions(self.workspace.position_encoding)

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
        process = await asyncio.create_subprocess_exec(
            sys.executable, "-m", "ruleproof.lsp.worker", stdin=asyncio.subprocess.PIPE,
            stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.PIPE)
        self.workers[folder] = process
        self._log(f"formal checks of {folder} running in process {process.pid}")
        try:
            out, err = await process.communicate(pickle.dumps(texts))
        finally:
            if self.workers.get(folder) is process:
                del self.workers[folder]
            if process.returncode is None:  # cancelled by a newer edit: end the run's work now
                process.kill()
                await process.wait()
                self._log(f"formal checks in process {process.pid} stopped")
        if process.returncode != 0:
            self._log(f"formal checks in process {process.pid} failed: {err.decode(errors='replace').strip()}",
                      lsp.MessageType.Error)
            return
        # INVARIANT: only the newest edit's run publishes; an older one was cancelled or replaced.
        if self.checks.get(folder) is asyncio.current_task():
            self._send(index, pickle.loads(out))

    def stop_checks(self) -> None:
        """End every run of the formal checks and its process at once."""
        for task in self.checks.values():
            task.cancel()
        for process in self.workers.values():
            process.kill()

    def _log(self, message: str, kind: lsp.MessageType = lsp.MessageType.Log) -> None:
        self.window_log_message(lsp.LogMessageParams(type=kind, message=message))

    def _send(self, index: PackIndex, diags: list[Diagnostic]) -> None:
        for open_uri in self.workspace.text_documents:
            if _path(open_uri) in index.sources:
                self.text_document_publish_diagnostics(lsp.PublishDiagnosticsParams(
                    uri=open_uri, diagnostics=features.diagnostics_of(diags, _path(open_uri), self.at)))


def build_server() -> RuleproofServer:
    """A server with every feature registered (not started)."""
    server = RuleproofServer("ruleproof", "v1")

    @server.feature(lsp.SHUTDOWN)
    def shutdown(ls: RuleproofServer, params: None) -> None:
        ls.stop_checks()

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
        where = ls.at.offset(index.sources[path], params.position)
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
        return lsp.Location(uri=features.uri_of(span.path), range=ls.at.span_range(span))

    @server.feature(lsp.TEXT_DOCUMENT_REFERENCES)
    def references(ls: RuleproofServer, params: lsp.ReferenceParams) -> list[lsp.Location]:
        index, name = _named(ls, params)
        return [features.location(index, o, ls.at) for o in index.references(name)] if name else []

    @server.feature(lsp.TEXT_DOCUMENT_RENAME)
    def rename(ls: RuleproofServer, params: lsp.RenameParams) -> lsp.WorkspaceEdit | None:
        index, name = _named(ls, params)
        return features.rename_edit(index, name, params.new_name, ls.at) if name else None

    @server.feature(lsp.TEXT_DOCUMENT_COMPLETION)
    def completion(ls: RuleproofServer, params: lsp.CompletionParams) -> lsp.CompletionList:
        index, path = ls.index(params.text_document.uri)
        source = index.sources[path]
        where = ls.at.offset(source, params.position)
        before = source.text[source.text.rfind("\n", 0, where) + 1:where]
        return lsp.CompletionList(is_incomplete=False, items=features.completions(index, path, before))

    @server.feature(lsp.TEXT_DOCUMENT_DOCUMENT_SYMBOL)
    def document_symbol(ls: RuleproofServer, params: lsp.DocumentSymbolParams) -> list[lsp.DocumentSymbol]:
        index, path = ls.index(params.text_document.uri)
        return features.symbols(index, path, ls.at)

    @server.feature(lsp.TEXT_DOCUMENT_CODE_ACTION)
    def code_action(ls: RuleproofServer, params: lsp.CodeActionParams) -> list[lsp.CodeAction]:
        index, path = ls.index(params.text_document.uri)
        return actions.code_actions(index, path, params.text_document.uri, params.context.diagnostics, ls.at)

    @server.feature(lsp.TEXT_DOCUMENT_SEMANTIC_TOKENS_FULL, tokens.LEGEND)
    def semantic_tokens(ls: RuleproofServer, params: lsp.SemanticTokensParams) -> lsp.SemanticTokens:
        index, path = ls.index(params.text_document.uri)
        return tokens.semantic_tokens(index, path, ls.at)

    @server.feature(lsp.TEXT_DOCUMENT_FORMATTING)
    def formatting(ls: RuleproofServer, params: lsp.DocumentFormattingParams) -> list[lsp.TextEdit]:
        document = ls.workspace.get_text_document(params.text_document.uri)
        return features.formatting(SourceFile(_path(params.text_document.uri), document.source), ls.at)

    return server


def serve() -> None:
    """Serve over stdin and stdout until the client exits."""
    build_server().start_io()
