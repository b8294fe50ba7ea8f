"""``yibao lsp``: the language server, on pygls, over standard input and output.

Each open buffer is parsed and checked on open, on every change and on save (a reform's base is
read from disk; saving any policy re-checks every open one). Hover, definition, references,
completion and document symbols read the buffer's ``Analysis``; formatting is ``yibao fmt``'s
``format_source``; when the buffer does not parse
(mid-edit), they read the last analysis that did. Positions are converted between the AST's
1-based code-point columns and the client's negotiated units (UTF-16 unless agreed otherwise).
"""

from __future__ import annotations

import os
import re
import sys
import threading
from pathlib import Path

from lsprotocol import types
from pygls.lsp.server import LanguageServer
from pygls.uris import from_fs_path, to_fs_path
from pygls.workspace.position_codec import ServerTextPosition

from yibao import __version__
from yibao.dsl import ast, reform
from yibao.dsl.errors import Diagnostic, PolicyError
from yibao.dsl.fmt import format_source

from . import symbols
from .completion import complete
from .hover import hover_symbol, hover_word
from .index import Analysis, Occurrence, analyse

_WORD = re.compile(r"[A-Za-z0-9_]")
_COMPLETION_KINDS = {
    "keyword": types.CompletionItemKind.Keyword, "field": types.CompletionItemKind.Field,
    "parameter": types.CompletionItemKind.Constant, "value": types.CompletionItemKind.EnumMember,
    "function": types.CompletionItemKind.Function, "variable": types.CompletionItemKind.Variable,
    "layer": types.CompletionItemKind.Module,
}


def _lang(path: str) -> str:
    """The language of a policy's diagnostics: its project's configuration (``yibao.toml`` above
    it, ``YIBAO_LANG``, the locale), as for ``yibao check``; English if the configuration is bad."""
    from yibao.config import load_config

    try:
        return load_config(Path(path)).lang
    except Exception:  # a broken yibao.toml must not stop the editor's diagnostics
        return "en"


class YibaoServer(LanguageServer):
    """The server, with each open buffer's latest analysis and the latest one that parsed."""

    def __init__(self) -> None:
        super().__init__("yibao", __version__, text_document_sync_kind=types.TextDocumentSyncKind.Full)
        self.analyses: dict[str, Analysis] = {}
        self.parsed: dict[str, Analysis] = {}
        self.lock = threading.Lock()  # changes are analysed in worker threads

    # ------------------------------------------------------------ positions
    def to_range(self, analysis: Analysis, span: ast.Span) -> types.Range:
        """A span in the client's units, within the file's text (a span past its end is put at its
        last character)."""
        line = max(span.line, 1) - 1
        end_line = max(span.end_line, span.line, 1) - 1
        start = self._client_position(analysis, span.file, line, max(span.column - 1, 0))
        end = self._client_position(analysis, span.file, end_line, max(span.end_column - 1, 0))
        if (end.line, end.character) < (start.line, start.character):
            end = start
        return types.Range(start=start, end=end)

    def _client_position(self, analysis: Analysis, file: str, line: int, column: int) -> types.Position:
        lines = analysis.lines(file)
        if line >= len(lines):
            line, column = len(lines) - 1, len(lines[-1])
        column = min(column, len(lines[line]))
        encoding = self.workspace.position_codec.encoding  # negotiated: an enum member or its text
        encoding = str(getattr(encoding, "value", encoding))
        return types.Position(line=line, character=analysis.client_column(file, line, column, encoding))

    def location(self, analysis: Analysis, span: ast.Span) -> types.Location:
        return types.Location(uri=_uri(analysis, span.file), range=self.to_range(analysis, span))

    def cursor(self, uri: str, position: types.Position) -> tuple[str, str, int, int]:
        """(text, line text, 0-based row, 0-based code-point column) of a client position."""
        doc = self.workspace.get_text_document(uri)
        lines = doc.source.split("\n")
        server = self.workspace.position_codec.position_from_client_units(lines, position)
        row = min(server.line, len(lines) - 1)
        return doc.source, lines[row], row, server.character

    # ------------------------------------------------------------ analysis
    def refresh(self, uri: str) -> None:
        """Analyse the buffer and publish its diagnostics, unless it changed again meanwhile."""
        doc = self.workspace.get_text_document(uri)
        version, source = doc.version, doc.source
        path = to_fs_path(uri) or uri
        internal: list[types.Diagnostic] = []
        try:
            analysis = analyse(source, path)
        except Exception as err:  # a bug in yibao: said in the editor, and the server carries on
            analysis = Analysis(path, source, [])
            message = " ".join(str(err).split())
            start = types.Position(line=0, character=0)
            internal.append(types.Diagnostic(
                range=types.Range(start=start, end=start), severity=types.DiagnosticSeverity.Error,
                source="yibao", message=f"internal error: {type(err).__name__}: {message} — please report "
                                        "this to the yibao maintainers with the policy"))
        lang = _lang(path)  # once for the buffer: it reads the project's configuration
        diagnostics = [*internal, *(self.diagnostic(analysis, d, lang) for d in analysis.diagnostics)]
        with self.lock:  # the check and the publishing together: an older text's result never comes last
            current = self.workspace.text_documents.get(uri)
            if current is None or current.version != version:
                return  # closed, or a newer text is being analysed: its result will be published
            self.analyses[uri] = analysis
            if analysis.policy is not None:
                self.parsed[uri] = analysis
            self.text_document_publish_diagnostics(types.PublishDiagnosticsParams(
                uri=uri, version=version, diagnostics=diagnostics))

    def diagnostic(self, analysis: Analysis, d: Diagnostic, lang: str) -> types.Diagnostic:
        text, hint = d.text(lang)
        message = text + (f"\n{'提示' if lang == 'zh' else 'hint'}: {hint}" if hint else "")
        span = d.span
        if span.file != analysis.path:  # in a reform's base: shown on the `extends` line
            message = f"{span}: {message}"
            span = _extends_span(analysis)
        severity = (types.DiagnosticSeverity.Warning if d.severity == "warning"
                    else types.DiagnosticSeverity.Error)
        return types.Diagnostic(range=self.to_range(analysis, span), message=message, severity=severity,
                                source="yibao", code=d.code.id)

    def best(self, uri: str) -> Analysis | None:
        """The buffer's analysis if it parsed, else the last one that did."""
        current = self.analyses.get(uri)
        if current is not None and current.policy is not None:
            return current
        return self.parsed.get(uri)


def _uri(analysis: Analysis, file: str) -> str:
    return from_fs_path(str(Path(file).resolve())) or file


def _extends_span(analysis: Analysis) -> ast.Span:
    for i, line in enumerate(analysis.text.split("\n"), 1):
        m = re.match(r"(\s*)extends\b.*?$", line)
        if m:
            return ast.Span(analysis.path, i, len(m.group(1)) + 1, i, len(line.rstrip()) + 1)
    return ast.Span(analysis.path, 1, 1, 1, 2)


def _extended_file(analysis: Analysis, row: int) -> str | None:
    """The base file named on 0-based line ``row``, if that is the header's ``extends`` line."""
    h = analysis.policy.header if analysis.policy else None
    if h is None or h.extends is None or h.extends_span is None or h.extends_span.line != row + 1:
        return None
    if h.extends_span.file != analysis.path:
        return None
    return reform.base_path(analysis.policy)  # type: ignore[arg-type]


def _word_at(line: str, column: int) -> tuple[str, str, int]:
    """(word, dotted name, 1-based start column) around a 0-based code-point column."""
    start = column
    while start > 0 and (_WORD.match(line[start - 1]) or line[start - 1] == "."):
        start -= 1
    end = column
    while end < len(line) and _WORD.match(line[end]):
        end += 1
    word_start = column
    while word_start > 0 and _WORD.match(line[word_start - 1]):
        word_start -= 1
    return line[word_start:end], line[start:end].strip("."), word_start + 1


def build() -> YibaoServer:
    """A server with every feature registered."""
    server = YibaoServer()

    @server.feature(types.TEXT_DOCUMENT_DID_OPEN)
    def did_open(ls: YibaoServer, params: types.DidOpenTextDocumentParams) -> None:
        ls.refresh(params.text_document.uri)

    @server.feature(types.TEXT_DOCUMENT_DID_CHANGE)
    @server.thread()  # a large policy takes a while to check: hover and completion go on meanwhile
    def did_change(ls: YibaoServer, params: types.DidChangeTextDocumentParams) -> None:
        ls.refresh(params.text_document.uri)

    @server.feature(types.TEXT_DOCUMENT_DID_SAVE)
    @server.thread()
    def did_save(ls: YibaoServer, params: types.DidSaveTextDocumentParams) -> None:
        for uri in list(ls.analyses):  # a saved base changes its reforms
            ls.refresh(uri)

    @server.feature(types.TEXT_DOCUMENT_DID_CLOSE)
    def did_close(ls: YibaoServer, params: types.DidCloseTextDocumentParams) -> None:
        uri = params.text_document.uri
        ls.analyses.pop(uri, None)
        ls.parsed.pop(uri, None)
        ls.text_document_publish_diagnostics(types.PublishDiagnosticsParams(uri=uri, diagnostics=[]))

    def occurrence_at(ls: YibaoServer, uri: str, position: types.Position
                      ) -> tuple[Analysis | None, Occurrence | None, tuple[str, str, int]]:
        analysis = ls.best(uri)
        if analysis is None:
            return None, None, ("", "", 0)
        _, line, _, column = ls.cursor(uri, position)
        word = _word_at(line, column)
        occ = analysis.at(analysis.path, position.line + 1, column + 1)
        if occ is None and word[0] and analysis is not ls.analyses.get(uri):
            # the buffer does not parse now, and the analysis is of an earlier text: find the name
            occ = symbols.declaration_named(analysis, word[0])
        return analysis, occ, word

    @server.feature(types.TEXT_DOCUMENT_HOVER)
    def hover(ls: YibaoServer, params: types.HoverParams) -> types.Hover | None:
        analysis, occ, (word, dotted, _) = occurrence_at(ls, params.text_document.uri, params.position)
        if analysis is None:
            return None
        text = hover_symbol(analysis, occ.symbol) if occ else None
        if text is None and word:
            text = hover_word(analysis, word, dotted)
        if text is None:
            return None
        return types.Hover(contents=types.MarkupContent(kind=types.MarkupKind.Markdown, value=text))

    @server.feature(types.TEXT_DOCUMENT_DEFINITION)
    def definition(ls: YibaoServer, params: types.DefinitionParams) -> list[types.Location] | None:
        analysis, occ, _ = occurrence_at(ls, params.text_document.uri, params.position)
        if analysis is None:
            return None
        base = _extended_file(analysis, params.position.line)
        if base is not None:  # `extends "../base.yb"`: the base file itself
            start = types.Position(line=0, character=0)
            return [types.Location(uri=_uri(analysis, base), range=types.Range(start=start, end=start))]
        if occ is None:
            return None
        target = analysis.definition(occ.symbol)
        return [ls.location(analysis, target.span)] if target else None

    @server.feature(types.TEXT_DOCUMENT_REFERENCES)
    def references(ls: YibaoServer, params: types.ReferenceParams) -> list[types.Location] | None:
        analysis, occ, _ = occurrence_at(ls, params.text_document.uri, params.position)
        if analysis is None or occ is None:
            return None
        found = analysis.references(occ.symbol)
        if not params.context.include_declaration:
            found = [o for o in found if not o.is_definition]
        return [ls.location(analysis, o.span) for o in found]

    @server.feature(types.TEXT_DOCUMENT_COMPLETION, types.CompletionOptions(trigger_characters=["."]))
    def completion(ls: YibaoServer, params: types.CompletionParams) -> types.CompletionList:
        uri = params.text_document.uri
        text, _, row, column = ls.cursor(uri, params.position)
        items = [types.CompletionItem(label=c.label, kind=_COMPLETION_KINDS.get(c.kind),
                                      detail=c.detail or None)
                 for c in complete(ls.best(uri), text, row, column)]
        return types.CompletionList(is_incomplete=False, items=items)

    @server.feature(types.TEXT_DOCUMENT_FORMATTING)
    def formatting(ls: YibaoServer, params: types.DocumentFormattingParams) -> list[types.TextEdit] | None:
        """``yibao fmt``'s layout as one edit; a policy it cannot format is left as it is, and says why."""
        uri = params.text_document.uri
        doc = ls.workspace.get_text_document(uri)
        try:
            formatted = format_source(doc.source, to_fs_path(uri) or uri)
        except PolicyError as err:
            first = err.diagnostics[0]
            ls.window_show_message(types.ShowMessageParams(
                type=types.MessageType.Warning,
                message=f"yibao fmt: not formatted: {first.span}: {first.message}"))
            return None
        if formatted == doc.source:
            return []
        lines = doc.source.split("\n")
        end = ls.workspace.position_codec.position_to_client_units(
            lines, ServerTextPosition(len(lines) - 1, len(lines[-1])))
        whole = types.Range(start=types.Position(line=0, character=0), end=end)
        return [types.TextEdit(range=whole, new_text=formatted)]

    @server.feature(types.TEXT_DOCUMENT_DOCUMENT_SYMBOL)
    def document_symbol(ls: YibaoServer, params: types.DocumentSymbolParams) -> list[types.DocumentSymbol]:
        analysis = ls.best(params.text_document.uri)
        if analysis is None:
            return []
        return symbols.document_symbols(analysis, lambda span: ls.to_range(analysis, span))

    return server


def run() -> None:
    """Serve over standard input and output until the client says exit."""
    try:
        build().start_io(sys.stdin.buffer, sys.stdout.buffer)
    finally:  # pygls closes standard output on exit: later flushes must find a file
        sys.stdout = open(os.devnull, "w")  # noqa: SIM115 - left open for the process's last flush
