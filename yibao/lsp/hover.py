"""What the editor shows on hover: Markdown about the symbol under the cursor.

A parameter shows what an author checks against the document: its labels in both languages, its
type, every dated value and every exception (as written in the policy), and its citations with
the source they name. A claim field shows its value set, an enum value its label.
"""

from __future__ import annotations

import datetime as dt
import textwrap

from yibao.compiler.constructs import LAYER_RESULTS
from yibao.dsl import ast
from yibao.dsl.types import CLAIM_FIELDS, FUNCTIONS, QUANTITIES, VALUE_LABELS

from .index import Analysis, Symbol


def excerpt(analysis: Analysis, span: ast.Span) -> str:
    """The policy text of ``span``'s lines, dedented (a node as its author wrote it)."""
    text = analysis.policy.texts.get(span.file, "") if analysis.policy else ""
    lines = text.split("\n")[span.line - 1: max(span.end_line, span.line)]
    if lines:
        lines[0] = " " * (span.column - 1) + lines[0][span.column - 1:]
    return textwrap.dedent("\n".join(lines)).strip("\n")


def _code(text: str) -> str:
    return f"```yibao\n{text}\n```"


def _label(label: ast.Label | None) -> str:
    if label is None:
        return ""
    return f"{label.zh} / {label.en}" if label.en and label.en != label.zh else label.zh


def _references(analysis: Analysis, refs: tuple[ast.Reference, ...]) -> list[str]:
    sources = {s.name: s for s in analysis.policy.sources} if analysis.policy else {}
    out = []
    for ref in refs:
        if isinstance(ref, ast.Assumption):
            both = f"{ref.text} / {ref.en}" if ref.en and ref.en != ref.text else ref.text  # as a label
            out.append(f"- assumed: {both}")
            continue
        section = f" {ref.section}" if ref.section else ""
        source = sources.get(ref.source)
        where = f" — {_label(source.label)}" if source else ""
        doc = f" ({source.document})" if source and source.document else ""
        out.append(f"- cites `{ref.source}`{section}{where}{doc}")
    return out


def _parameter(analysis: Analysis, p: ast.Parameter) -> str:
    out = [f"**parameter `{p.name}`**: {p.type_name}", "", _label(p.label), ""]
    out.append("**values**")
    effective = analysis.policy.header.effective if analysis.policy else None
    for v in p.versions:
        if v.start != dt.date.min:
            since = f"from {v.start.isoformat()}"
        elif effective is not None:
            since = f"from {effective.isoformat()} (the policy's start)"
        else:
            since = "from the policy's start"
        out += [f"- {since}:", "", _code(excerpt(analysis, v.definition.span)), ""]
    for e in p.exceptions_by_priority():
        over = f", over {', '.join(e.over)}" if e.over else ""
        out += [f"**exception `{e.name}`** {_label(e.label)}{over} — when `{excerpt(analysis, e.when.span)}`",
                "", _code(excerpt(analysis, e.definition.span)), ""]
        out += _references(analysis, e.references)
    if p.references:
        out += ["**sources**", *_references(analysis, p.references)]
    return "\n".join(out).strip()


def _layer(analysis: Analysis, layer: ast.Layer) -> str:
    assert analysis.policy is not None
    order = [x.name for x in analysis.policy.layers]
    head = f"**layer `{layer.name}`** ({order.index(layer.name) + 1} of {len(order)})"
    out = [head, "", _label(layer.label), "", _code(excerpt(analysis, layer.span))]
    if layer.references:
        out += ["", "**sources**", *_references(analysis, layer.references)]
    return "\n".join(out)


def _source(s: ast.Source) -> str:
    out = [f"**source `{s.name}`**", "", _label(s.label)]
    if s.document:
        out += ["", f"document: {s.document}"]
    if s.file:
        out += ["", f"file: `{s.file}`"]
    return "\n".join(out)


def _field(analysis: Analysis, dotted: str) -> str:
    t = CLAIM_FIELDS.get(dotted)
    values = analysis.enums().get(dotted)
    out = [f"**claim field `{dotted}`**" + (f": {t}" if t else "")]
    if values:
        out += ["", "**values**"]
        out += [f"- `{v}` {_member_label(analysis, dotted, v)}".rstrip() for v in values]
    return "\n".join(out)


def _member_label(analysis: Analysis, dotted: str, value: str) -> str:
    node = analysis.nodes.get(Symbol("member", f"{dotted}:{value}"))
    if isinstance(node, ast.EnumMember) and node.label is not None:
        return _label(node.label)
    zh_en = VALUE_LABELS.get(dotted, {}).get(value)
    return f"{zh_en[0]} / {zh_en[1]}" if zh_en else ""


def hover_symbol(analysis: Analysis, symbol: Symbol) -> str | None:
    """Markdown for a symbol of the analysed policy, or None if nothing is known of it."""
    node = analysis.nodes.get(symbol)
    if symbol.kind == "parameter" and isinstance(node, ast.Parameter):
        return _parameter(analysis, node)
    if symbol.kind == "layer" and isinstance(node, ast.Layer):
        return _layer(analysis, node)
    if symbol.kind == "source" and isinstance(node, ast.Source):
        return _source(node)
    if symbol.kind == "check" and isinstance(node, ast.Check):
        return "\n".join([f"**check `{node.name}`**", "", _label(node.label), "",
                          _code(excerpt(analysis, node.span))])
    if symbol.kind == "record_field" and isinstance(node, ast.RecordField):
        return f"**record field `record.{node.name}`**: {node.type_name}\n\n{_label(node.label)}"
    if symbol.kind == "exception" and isinstance(node, ast.Exception_):
        param = symbol.name.split(".")[0]
        return (f"**exception `{node.name}`** of `{param}`\n\n{_label(node.label)}\n\n"
                f"when `{excerpt(analysis, node.when.span)}`")
    if symbol.kind == "enum":
        return _field(analysis, symbol.name)
    if symbol.kind == "member":
        dotted, _, value = symbol.name.partition(":")
        label = _member_label(analysis, dotted, value)
        return f"**`{value}`**, a value of `{dotted}`" + (f"\n\n{label}" if label else "")
    return None


def hover_word(analysis: Analysis | None, word: str, dotted: str) -> str | None:
    """Markdown for a built-in name under the cursor: a quantity, a function, a layer result."""
    if word in QUANTITIES:
        t, meaning = QUANTITIES[word]
        return f"**`{word}`**: {t}\n\n{meaning}"
    if word in FUNCTIONS:
        return f"**`{word}(a, b, …)`**: the {'smallest' if word == 'min' else 'largest'} of its arguments"
    layer, _, result = dotted.partition(".")
    if (analysis and analysis.policy and result == word and result in LAYER_RESULTS
            and layer in {x.name for x in analysis.policy.layers}):
        return f"**`{dotted}`**: money\n\n{LAYER_RESULTS[result].meaning} (layer `{layer}`)"
    if dotted in CLAIM_FIELDS and analysis is not None:
        return _field(analysis, dotted)
    return None
