"""JSON text → Python data, with every way ``json.loads`` would let bad input through made a claim error.

Split from ``claims.py``: reading is about bytes and text (size, UTF-8 and its byte-order mark,
nesting depth found before ``json`` can recurse, repeated keys, NaN, numbers of thousands of
digits), validation about what the data means. Both report issues at JSON paths, through
``claims._Collector``.
"""

from __future__ import annotations

import codecs
import json
import re
from pathlib import Path
from typing import Any

from yibao.dsl.claims_zh import reason as os_text
from yibao.dsl.errors import ClaimError, ClaimIssue
from yibao.dsl.phrase import P, Phrase

from .claims import MAX_DEPTH, MAX_INPUT_BYTES, _Collector, _join, _key_text


class _Duplicates(dict):  # type: ignore[type-arg]
    """An object that repeated a key: json would keep the last silently; we report it at its path."""

    def __init__(self, pairs: list[tuple[str, Any]]) -> None:
        super().__init__(pairs)
        counts: dict[str, int] = {}
        for key, _ in pairs:
            counts[key] = counts.get(key, 0) + 1
        self.repeated = {key: n for key, n in counts.items() if n > 1}


class _Bad:
    """Stands for a JSON value that must not reach validation (NaN, a 5,000-digit number)."""

    __slots__ = ("message",)

    def __init__(self, message: Phrase) -> None:
        self.message = message


_JSON_STRING = re.compile(r'"[^"\\]*(?:\\.[^"\\]*)*"')
_JSON_TOKENS = re.compile(r'"[^"\\]*(?:\\.[^"\\]*)*"|[\[\]{}:,]')
_NOT_BRACKETS = re.compile(r"[^\[\]{}]+")
_PAIR = re.compile(r"\[\]|\{\}")  # an innermost container, once all but brackets are gone
_OPENERS_RUN = re.compile(r"[\[{]{" + str(MAX_DEPTH + 1) + "}")
_MAX_INT_DIGITS = 100


def decode_json(data: str | bytes | bytearray, source: str | None = None,
                max_bytes: int = MAX_INPUT_BYTES, parse_float: Any = None) -> Any:
    """JSON text or UTF-8 bytes → Python data, rejecting what ``json.loads`` would let through
    or crash on: too large, not UTF-8, nested too deep, repeated keys, NaN, enormous numbers.
    ``parse_float`` (``Decimal`` for the national platform's numbers) reads ``12.34`` exactly."""
    def reject(path: str, message: Phrase) -> ClaimError:
        return ClaimError([ClaimIssue(path, message)], source)

    if len(data) > max_bytes:
        size, most = f"{len(data):,}", f"{max_bytes:,}"
        raise reject("$", P("{n} characters; at most {max}", n=size, max=most) if isinstance(data, str)
                     else P("{n} bytes; at most {max}", n=size, max=most))
    if isinstance(data, str):
        text = data[1:] if data.startswith("\ufeff") else data
    else:
        skip = 3 if data.startswith(codecs.BOM_UTF8) else 0
        try:
            text = bytes(data[skip:]).decode("utf-8")
        except UnicodeDecodeError as err:
            at = skip + err.start
            raise reject("$", P("not UTF-8: byte {byte} at offset {at} ({reason})",
                                byte=f"0x{data[at]:02x}", at=at, reason=err.reason)) from None
    if text.count("[") + text.count("{") > MAX_DEPTH and _too_deep(text):
        deep = _deep_path(text)
        if deep is not None:  # else the brackets do not pair up: json.loads says where
            raise reject(deep, P("nested more than {n} levels deep", n=MAX_DEPTH))
    suspect: list[bool] = []

    def pairs(items: list[tuple[str, Any]]) -> dict[str, Any]:
        obj = dict(items)
        if len(obj) == len(items):
            return obj
        suspect.append(True)
        return _Duplicates(items)

    def constant(name: str) -> _Bad:
        suspect.append(True)
        return _Bad(P("{name} is not a JSON value (not a number)", name=name))

    def integer(digits: str) -> int | _Bad:
        if len(digits) <= _MAX_INT_DIGITS:
            return int(digits)
        suspect.append(True)
        return _Bad(P("a number of {n} digits; too large for any field", n=f"{len(digits):,}"))

    try:
        value = json.loads(text, object_pairs_hook=pairs, parse_constant=constant, parse_int=integer,
                           parse_float=parse_float)
    except json.JSONDecodeError as err:
        raise reject("$", P("not valid JSON at line {line} column {column}: {reason}",
                            line=err.lineno, column=err.colno, reason=err.msg)) from None
    except RecursionError:  # not expected after _too_deep; never a traceback all the same
        raise reject("$", P("nested more than {n} levels deep", n=MAX_DEPTH)) from None
    if suspect:
        c = _Collector()
        _json_issues(c, value)
        raise c.error(source)
    return value


def _too_deep(text: str) -> bool:
    """Whether containers nest deeper than ``MAX_DEPTH`` (or do not pair up): strings taken out,
    innermost containers removed once per level, in C-speed passes over the text."""
    rest = _NOT_BRACKETS.sub("", _JSON_STRING.sub("", text))
    if _OPENERS_RUN.search(rest):  # more openers in a row than the limit: too deep, said at once
        return True
    for _ in range(MAX_DEPTH):
        rest, removed = _PAIR.subn("", rest)
        if not removed:
            break
    return bool(rest)


def _deep_path(text: str) -> str | None:
    """The JSON path of the first container nested deeper than ``MAX_DEPTH`` (an error path only)."""
    frames: list[list[Any]] = []  # per open container: [is_object, current key or index]
    last = ""
    for m in _JSON_TOKENS.finditer(text):
        tok = m.group()
        head = tok[0]
        if head == '"':
            last = tok
        elif head == ":":
            if frames and frames[-1][0]:
                try:
                    frames[-1][1] = _key_text(json.loads(last))
                except ValueError:
                    frames[-1][1] = _key_text(last[1:-1])
        elif head == ",":
            if frames and not frames[-1][0]:
                frames[-1][1] += 1
        elif head in "[{":
            if len(frames) == MAX_DEPTH:
                path = ""
                for _, member in frames:
                    if member is not None:
                        path = _join(path, member)
                return path or "$"
            frames.append([head == "{", None if head == "{" else 0])
        elif frames:
            frames.pop()
    return None


def _json_issues(c: _Collector, value: Any) -> None:
    """Repeated keys, NaN and enormous numbers, each at its path (depth is already bounded)."""
    todo: list[tuple[str, Any]] = [("", value)]
    while todo:
        path, v = todo.pop()
        if isinstance(v, _Bad):
            c.add(path, v.message)
        elif isinstance(v, dict):
            if isinstance(v, _Duplicates):
                for key, n in v.repeated.items():
                    c.add(_join(path, _key_text(key)), P("duplicate key ({n} times); a key may appear once",
                                                         n=n))
            todo.extend((_join(path, _key_text(k)), item) for k, item in reversed(v.items()))
        elif isinstance(v, list):
            todo.extend((_join(path, i), item) for i, item in reversed(list(enumerate(v))))


def _read_at_most(f: Any, limit: int) -> bytes:
    """Up to ``limit`` bytes of ``f``, a block at a time: ``read(limit)`` allocates the whole
    ``limit`` first (a failure where it is huge, as for a claims file of any size), and a size
    from ``stat`` is not one a pipe or device has."""
    parts: list[bytes] = []
    got = 0
    while got < limit:
        block = f.read(min(1 << 20, limit - got))
        if not block:
            break
        parts.append(block)
        got += len(block)
    return b"".join(parts)


def load_claim_json(path: str | Path, max_bytes: int = MAX_INPUT_BYTES) -> Any:
    """Read a claim file (UTF-8, a byte-order mark allowed); what is not a claim's JSON is a
    claim error naming the file, not a traceback."""
    p = Path(path)
    try:
        with p.open("rb") as f:
            data = _read_at_most(f, max_bytes + 1)
    except OSError as err:
        raise ClaimError([ClaimIssue("$", P("cannot read: {reason}",
                                            reason=os_text(err.strerror) if err.strerror else str(err)))],
                         str(p)) from None
    if len(data) > max_bytes:
        raise ClaimError([ClaimIssue("$", P("more than {n} bytes", n=format(max_bytes, ",")))], str(p))
    return decode_json(data, str(p), max_bytes)
