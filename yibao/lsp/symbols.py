"""The outline of a policy (document symbols) and the look-up of a declaration by its name.

Only the buffer's own items are outlined: what a reform keeps of its base lives in the base's file.
"""

from __future__ import annotations

from collections.abc import Callable

from lsprotocol import types

from yibao.dsl import ast

from .index import Analysis, Occurrence, Symbol

K = types.SymbolKind
# declaration node → (symbol kind in the index, the outline's kind, the keyword before its name)
_KINDS: dict[type, tuple[str, types.SymbolKind]] = {
    ast.Source: ("source", K.File),
    ast.Parameter: ("parameter", K.Constant),
    ast.Layer: ("layer", K.Class),
    ast.Check: ("check", K.Boolean),
    ast.RecordField: ("record_field", K.Field),
}
# the kinds a bare word under the cursor can name, most likely first
_LOOKUP_ORDER = ("parameter", "layer", "source", "check", "record_field")


def _label(label: ast.Label) -> str:
    return f"{label.zh} / {label.en}" if label.en else label.zh


def document_symbols(analysis: Analysis, to_range: Callable[[ast.Span], types.Range]
                     ) -> list[types.DocumentSymbol]:
    """The policy's header and top-level declarations, in file order, with their parts as children."""
    policy = analysis.policy
    if policy is None:
        return []

    def sym(name: str, detail: str, kind: types.SymbolKind, span: ast.Span, name_span: ast.Span | None,
            children: list[types.DocumentSymbol] | None = None) -> types.DocumentSymbol:
        return types.DocumentSymbol(name=name, detail=detail, kind=kind, range=to_range(span),
                                    selection_range=to_range(name_span or span), children=children or None)

    def name_span(kind: str, name: str) -> ast.Span | None:
        occ = analysis.definition(Symbol(kind, name))
        return occ.span if occ else None

    out: list[types.DocumentSymbol] = []
    h = policy.header
    if h.span.file == analysis.path:
        out.append(sym(h.name, _label(h.label), K.Package, h.span, None))
    items: list[object] = [*policy.sources, *policy.enums, *policy.fields, *policy.parameters,
                           *policy.layers, *policy.checks]
    if policy.classify is not None:
        items.append(policy.classify)
    for node in sorted(items, key=lambda n: (n.span.line, n.span.column)):  # type: ignore[attr-defined]
        span: ast.Span = node.span  # type: ignore[attr-defined]
        if span.file != analysis.path:
            continue
        if isinstance(node, ast.EnumDecl):
            members = [sym(m.name, _label(m.label) if m.label else "", K.EnumMember, m.span,
                           name_span("member", f"{node.field.dotted}:{m.name}")) for m in node.members]
            out.append(sym(node.field.dotted, "enum", K.Enum, span, node.field.span, members))
        elif isinstance(node, ast.Classify):
            out.append(sym("classify", _label(node.label), K.Namespace, span, None))
        else:
            kind, outline = _KINDS[type(node)]
            name: str = node.name  # type: ignore[attr-defined]
            children = []
            if isinstance(node, ast.Parameter):
                children = [sym(e.name, _label(e.label), K.Event, e.span,
                                name_span("exception", f"{name}.{e.name}")) for e in node.exceptions]
            out.append(sym(name, _label(node.label), outline, span,  # type: ignore[attr-defined]
                           name_span(kind, name), children))
    return out


def declaration_named(analysis: Analysis, word: str) -> Occurrence | None:
    """The declaration of a bare name, for a cursor the (stale) analysis has no occurrence under."""
    for kind in _LOOKUP_ORDER:
        occ = analysis.definition(Symbol(kind, word))
        if occ is not None:
            return occ
    return None
