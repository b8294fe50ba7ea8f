"""Completion by context, read from the text before the cursor (which, mid-edit, rarely parses).

- after ``visit.`` / ``person.`` / ``claim.``: the claim's fields; after ``record.``: the declared
  record fields; after ``<layer>.``: what a layer makes readable (``basic.paid`` …);
- at the start of a line: the keywords that can begin a line in the enclosing block, taken from
  the grammar (``dsl/keywords.py``), or, in a table, the values of the first key;
- in a table row or after ``field ==`` / ``field in {``: that field's values;
- after ``cite`` the sources, after ``rounding`` the modes, after ``input``, ``category`` and a
  parameter's ``:`` what may stand there;
- elsewhere in an expression: parameters, quantities, functions, claim-field roots, keywords.

Names come from the last analysis that parsed (its base's parameters included) and from the
declarations in the text as it is now.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from yibao.compiler.constructs import LAYER_RESULTS
from yibao.dsl import keywords
from yibao.dsl.types import (
    CATEGORIES,
    CLAIM_FIELDS,
    DEFAULT_ENUMS,
    FUNCTIONS,
    QUANTITIES,
    ROUNDING_MODES,
    SCALAR_TYPES,
)

from .hover import _member_label
from .index import Analysis

_NAME = r"[A-Za-z_][A-Za-z0-9_]*"
_FIELD = rf"{_NAME}(?:\.{_NAME})+"
CLAIM_ROOTS = tuple(dict.fromkeys(f.split(".")[0] for f in CLAIM_FIELDS))


@dataclass(frozen=True, slots=True)
class Candidate:
    label: str
    kind: str  # keyword / field / parameter / value / function / variable / layer
    detail: str = ""


def _indent(line: str) -> int:
    return len(line) - len(line.lstrip(" \t"))


def _in_string_or_comment(before: str) -> bool:
    """Whether the cursor after ``before`` is inside a string or a comment."""
    in_string = False
    for i, ch in enumerate(before):
        if ch == '"' and (i == 0 or before[i - 1] != "\\"):
            in_string = not in_string
        elif ch == "#" and not in_string:
            return True
    return in_string


def _enclosing(lines: list[str], row: int, indent: int) -> tuple[str, str]:
    """(first word, the whole line) of the block holding a line indented by ``indent``."""
    for i in range(row - 1, -1, -1):
        text = lines[i]
        if not text.strip() or text.lstrip().startswith("#"):
            continue
        if _indent(text) < indent:
            words = text.split()
            return (words[0] if words else ""), text
    return "", ""


def _names_in_text(text: str, keyword: str) -> list[str]:
    return re.findall(rf"(?m)^\s*{keyword}\s+({_NAME})", text)


def complete(analysis: Analysis | None, text: str, row: int, column: int) -> list[Candidate]:
    """Candidates at 0-based ``row`` and code-point ``column`` of ``text``."""
    lines = text.split("\n")
    line = lines[row] if row < len(lines) else ""
    before = line[:column]
    if _in_string_or_comment(before):
        return []
    enums = analysis.enums() if analysis else dict(DEFAULT_ENUMS)
    policy = analysis.policy if analysis else None

    named = _after_keyword(analysis, text, before)
    if named is not None:
        return named

    dotted = re.search(rf"({_NAME}(?:\.{_NAME})*)\.({_NAME})?$", before)
    if dotted:
        return _after_dot(analysis, text, dotted.group(1))

    compared = re.search(rf"({_FIELD})\s*(?:==|!=)\s*(?:{_NAME})?$", before) or re.search(
        rf"({_FIELD})\s+in\s*\{{[^}}]*$", before)
    if compared:
        return _values(analysis, enums, compared.group(1))

    indent = _indent(line)
    block, block_line = _enclosing(lines, row, indent) if indent else ("", "")
    if block == "table" and "->" not in before:
        keys = re.findall(_FIELD, block_line.split("#")[0])
        col = before.count(",")
        return [*_values(analysis, enums, keys[col]), Candidate("_", "keyword", "any value")] if col < len(
            keys) else []

    at_line_start = re.fullmatch(rf"\s*(?:{_NAME})?", before) is not None
    if at_line_start:
        words = keywords.block_keywords().get(block, ())
        if not indent and "policy" not in [w for w in (ln.split()[:1] for ln in lines) for w in w]:
            words = ("policy", *words)
        return [Candidate(w, "keyword") for w in words]

    out: list[Candidate] = []
    params = dict.fromkeys([*(p.name for p in policy.parameters)] if policy else [])
    params.update(dict.fromkeys(_names_in_text(text, "parameter")))
    out += [Candidate(p, "parameter", _param_detail(analysis, p)) for p in params]
    out += [Candidate(q, "variable", f"{t}: {meaning}") for q, (t, meaning) in QUANTITIES.items()]
    out += [Candidate(f, "function") for f in FUNCTIONS]
    out += [Candidate(r, "field", "claim field") for r in CLAIM_ROOTS]
    layers = dict.fromkeys([x.name for x in policy.layers] if policy else [])
    layers.update(dict.fromkeys(_names_in_text(text, "layer")))
    out += [Candidate(x, "layer", "layer") for x in layers]
    out += [Candidate(w, "keyword") for w in (*keywords.inner_keywords(), *keywords.constants())]
    return out


def _after_keyword(analysis: Analysis | None, text: str, before: str) -> list[Candidate] | None:
    """What a keyword takes right after it: a source after ``cite``, a mode after ``rounding`` …"""
    policy = analysis.policy if analysis else None
    if re.fullmatch(rf"\s*cite\s+(?:{_NAME})?", before):
        sources = dict.fromkeys([s.name for s in policy.sources] if policy else [])
        sources.update(dict.fromkeys(_names_in_text(text, "source")))
        return [Candidate(s, "value", "source") for s in sources]
    if re.fullmatch(rf"\s*rounding\s+(?:{_NAME})?", before):
        return [Candidate(m, "value", "rounding") for m in ROUNDING_MODES]
    if re.fullmatch(rf"\s*input\s+(?:{_NAME})?", before):
        return [Candidate("claim", "value", "the input is a claim (the default)"),
                Candidate("record", "value", "the input is a record with declared fields")]
    if re.fullmatch(rf"\s*category\s+(?:{_NAME})?", before):
        return [Candidate(c, "value", "line category") for c in CATEGORIES]
    if re.fullmatch(rf'\s*(?:parameter|field)\s+{_NAME}\s+"[^"]*"(?:\s*/\s*"[^"]*")?\s*:\s*[\w.]*', before):
        types = [*SCALAR_TYPES] + ([*DEFAULT_ENUMS] if before.lstrip().startswith("parameter") else [])
        return [Candidate(t, "value", "type") for t in types]
    return None


def _param_detail(analysis: Analysis | None, name: str) -> str:
    node = analysis.policy and next((p for p in analysis.policy.parameters if p.name == name), None) \
        if analysis else None
    return f"{node.type_name}: {node.label.zh} / {node.label.en}" if node else "parameter"


def _after_dot(analysis: Analysis | None, text: str, root: str) -> list[Candidate]:
    if root == "record":
        fields = analysis.policy.fields if analysis and analysis.policy else ()
        return [Candidate(f.name, "field", f"{f.type_name}: {f.label.zh} / {f.label.en}") for f in fields]
    prefix = root + "."
    claim = [Candidate(f[len(prefix):], "field", str(t)) for f, t in CLAIM_FIELDS.items()
             if f.startswith(prefix) and "." not in f[len(prefix):]]
    if claim:
        return claim
    layers = {x.name for x in analysis.policy.layers} if analysis and analysis.policy else set()
    layers |= set(_names_in_text(text, "layer"))
    if root in layers:
        return [Candidate(name, "field", f"money: {r.meaning}") for name, r in LAYER_RESULTS.items()]
    return []


def _values(analysis: Analysis | None, enums: dict[str, tuple[str, ...]], dotted: str) -> list[Candidate]:
    return [Candidate(v, "value", _member_label(analysis, dotted, v) if analysis else "")
            for v in enums.get(dotted, ())]
