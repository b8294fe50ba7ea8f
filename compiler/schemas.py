"""JSON Schemas (draft 2020-12) of the formats, generated from the field table in ``claim_fields``.

The validators read the same table, so a schema cannot drift from what is accepted: a field,
limit or value set changes in one place. A schema says what its format can say (types, keys,
value sets, patterns, sizes); what needs arithmetic (a split adding up to its line, an amount's
upper limit in yuan, a policy's own accumulators and layers) is the validator's, and the
descriptions say so. ``yibao schema NAME`` prints one; ``docs/schemas/`` holds them all.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import Any

from yibao.dsl.types import CATEGORIES, DEFAULT_ENUMS

from .claim_fields import (
    CLAIM,
    MAX_CODE_CHARS,
    MAX_YEAR,
    MAX_YTD_ENTRIES,
    PERIOD_KEYS,
    RECORD,
    RECORD_SETTLEMENT,
    SETTLEMENT,
    TEST_FILE,
    YEAR_KEY,
    Field,
)
from .money import money_str

NAMES = ("claim", "record", "settlement", "tests")
_BASE = "https://yibao.example/schemas/"  # an identifier only; nothing is fetched from it
# Yuan as a claim may write it: ASCII digits, at most two decimals that are not zero.
AMOUNT_PATTERN = r"^[0-9]+(\.[0-9]{1,2}0*)?$"
MONEY_PATTERN = r"^-?[0-9]+\.[0-9]{2}$"  # as yibao writes it
DATE_PATTERN = r"^[0-9]{4}-[0-9]{2}-[0-9]{2}$"


def schema(name: str, enums: Mapping[str, tuple[str, ...]] | None = None,
           unread: frozenset[str] = frozenset()) -> dict[str, Any]:
    """The JSON Schema called ``name`` (one of ``NAMES``); ``enums``: a policy's value sets;
    ``unread``: the claim fields it never reads (``Policy.unread``), which a claim may leave out."""
    values = {**DEFAULT_ENUMS, **(enums or {})}
    if name == "claim":
        body = _object(CLAIM, values, unread)
        title, doc = "yibao claim", "A claim as `yibao settle` and `Policy.settle` read it (docs/claims.md)."
    elif name == "record":
        body = _object(RECORD, values)
        title, doc = "yibao record", ("A record (a budget, a fund) for a record policy (docs/claims.md, "
                                      "Records); `record` holds the fields the policy declares.")
    elif name == "settlement":
        body = {"anyOf": [_object(SETTLEMENT, values), _object(RECORD_SETTLEMENT, values)]}
        title, doc = "yibao settlement", ("A settlement as yibao writes it: of a claim, or of a record "
                                          "(docs/claims.md, The settlement).")
    elif name == "tests":
        cases = TEST_FILE[-1]
        bare = {"type": "array", "items": _field(cases.fields[0], values)}
        body = {"anyOf": [_object(TEST_FILE, values), bare]}
        title, doc = "yibao policy tests", ("A `*.tests.json` file: cases with their claims and expected "
                                            "figures (docs/testing.md); or just the list of cases.")
    else:
        raise KeyError(name)
    return {"$schema": "https://json-schema.org/draft/2020-12/schema", "$id": f"{_BASE}{name}.json",
            "title": title, "description": doc, **body}


def schema_text(name: str, enums: Mapping[str, tuple[str, ...]] | None = None,
                unread: frozenset[str] = frozenset()) -> str:
    """The schema as the published file holds it: indented, keys in table order, a final newline."""
    return json.dumps(schema(name, enums, unread), ensure_ascii=False, indent=2) + "\n"


def _object(fields: tuple[Field, ...], values: Mapping[str, tuple[str, ...]],
            unread: frozenset[str] = frozenset()) -> dict[str, Any]:
    props = {f.key: _field(f, values, unread) for f in fields}
    out: dict[str, Any] = {"type": "object", "properties": props, "additionalProperties": False}
    required = [f.key for f in fields if f.required and f.enum not in unread]
    if required:
        out["required"] = required
    split = [f.key for f in fields if f.kind == "split"]
    if split:  # all four or none
        out["dependentRequired"] = {k: [other for other in split if other != k] for k in split}
    return out


def _amount(limit: int, doc: str) -> dict[str, Any]:
    most = money_str(limit)
    return {"description": f"{doc} (at most {most})", "anyOf": [
        {"type": "string", "pattern": AMOUNT_PATTERN, "maxLength": 40},
        {"type": "integer", "minimum": 0, "maximum": limit // 100}]}


def _field(f: Field, values: Mapping[str, tuple[str, ...]],
           unread: frozenset[str] = frozenset()) -> dict[str, Any]:
    doc = {"description": f.doc} if f.doc else {}
    kind = f.kind
    if kind == "text":
        return {**doc, "type": ["string", "integer"], "maxLength": f.limit or MAX_CODE_CHARS}
    if kind == "enum":
        allowed = CATEGORIES if f.enum == "line.category" else values[f.enum or ""]
        numbers = [int(v) for v in allowed if v.isascii() and v.isdigit() and str(int(v)) == v]
        return {**doc, "enum": [*allowed, *numbers]}
    if kind == "int":
        return {**doc, "type": "integer", "minimum": f.minimum, "maximum": f.limit}
    if kind in ("amount", "split"):
        return _amount(f.limit or 10**12 - 1, f.doc)
    if kind == "money":
        return {**doc, "type": "string", "pattern": MONEY_PATTERN}
    if kind == "bool":
        return {**doc, "type": "boolean"}
    if kind == "date":
        return {**doc, "type": "string", "pattern": DATE_PATTERN, "format": "date"}
    if kind == "codes":
        return {**doc, "type": "array", "maxItems": f.limit,
                "items": {"type": "string", "maxLength": MAX_CODE_CHARS}}
    if kind == "object":
        if not f.fields:  # a record's own fields: the policy declares them
            return {**doc, "type": "object", "additionalProperties": {
                "type": ["string", "integer", "boolean"]}}
        return {**doc, **_object(f.fields, values, unread)}
    if kind == "lines":
        return {**doc, "type": "array", "minItems": 1, "maxItems": f.limit,
                "items": _object(f.fields, values)}
    if kind == "ytd":
        return {**doc, "type": "object", "maxProperties": MAX_YTD_ENTRIES,
                "properties": {YEAR_KEY: {"type": "integer", "minimum": 1, "maximum": MAX_YEAR},
                               **{key: {"type": "integer", "minimum": 1, "maximum": most}
                                  for key, most in PERIOD_KEYS.items()}},
                # a settlement's closing figures (required there) are money as yibao writes it
                "additionalProperties": ({"type": "string", "pattern": MONEY_PATTERN} if f.required
                                         else _amount(f.limit, "yuan"))}
    if kind == "paid":
        return {**doc, "type": "object", "maxProperties": MAX_YTD_ENTRIES,
                "additionalProperties": _amount(f.limit, "yuan")}
    if kind == "map":
        return {**doc, "type": "object", "additionalProperties": _field(f.fields[0], values)}
    if kind == "list":
        return {**doc, "type": "array", "items": _field(f.fields[0], values)}
    if kind == "either":
        return {**doc, "anyOf": [_field(alt, values) for alt in f.fields]}
    if kind == "any":
        return doc
    raise ValueError(f"no schema for a field of kind {kind!r}")

