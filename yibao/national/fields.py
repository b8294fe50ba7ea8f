"""Readers for the fields of the platform's rows: objects, lists of rows, codes and dates, each
checked and any problem added at its path (the numbers are ``numbers.py``)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from typing import Any

from yibao.compiler.claims import _Collector, _show, _text_issue
from yibao.dsl.phrase import P

MAX_CODE = 50  # C50 and shorter code fields; a longer value is refused rather than cut


def _obj(c: _Collector, raw: Any, path: str, *, required: bool = True) -> Mapping[str, Any]:
    if raw is None:
        if required:
            c.add(path, P("required object"))
        return {}
    if not isinstance(raw, Mapping):
        c.add(path, P("must be an object, not {value}", value=_show(raw)))
        return {}
    return raw


def _rows(
    c: _Collector, raw: Any, path: str, *, required: bool = False
) -> list[tuple[str, Mapping[str, Any]]]:
    if raw is None:
        if required:
            c.add(path, P("required list"))
        return []
    if not isinstance(raw, list):
        c.add(path, P("must be a list, not {value}", value=_show(raw)))
        return []
    out = []
    for i, row in enumerate(raw):
        if not isinstance(row, Mapping):
            c.add(f"{path}[{i}]", P("must be an object"))
            continue
        out.append((f"{path}[{i}]", row))
    return out


def _code(
    c: _Collector,
    obj: Mapping[str, Any],
    key: str,
    path: str,
    *,
    required: bool = True,
    limit: int = MAX_CODE,
) -> str | None:
    raw = obj.get(key)
    if raw is None or raw == "":
        if required:
            c.add(f"{path}.{key}", P("required"))
        return None
    if isinstance(raw, bool) or not isinstance(raw, str | int):
        c.add(f"{path}.{key}", P("must be a string, not {value}", value=_show(raw)))
        return None
    text = str(raw)
    problem = _text_issue(text, limit)  # too long, or an unpaired surrogate (no output could show it)
    if problem is not None:
        c.add(f"{path}.{key}", problem)
        return None
    return text


def _day(
    c: _Collector, obj: Mapping[str, Any], key: str, path: str, *, required: bool = True
) -> dt.date | None:
    """A date or datetime field (``2024-03-18`` or ``2024-03-18 10:20:00``) as its day."""
    raw = obj.get(key)
    if raw is None or raw == "":
        if required:
            c.add(f"{path}.{key}", P("required (a date, YYYY-MM-DD[ HH:MM:SS])"))
        return None
    try:
        if not isinstance(raw, str) or len(raw) not in (10, 19) or not raw[:4].isascii():
            raise ValueError(raw)
        if len(raw) == 19:
            dt.datetime.strptime(raw, "%Y-%m-%d %H:%M:%S")
        return dt.date.fromisoformat(raw[:10])
    except ValueError:
        c.add(f"{path}.{key}", P("{value} is not a date (YYYY-MM-DD or YYYY-MM-DD HH:MM:SS)",
                                 value=_show(raw)))
        return None


