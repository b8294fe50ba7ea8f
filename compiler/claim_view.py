"""A validated claim as two flat tuple types, for settling a claim straight from its JSON.

Building a ``Claim`` (23 fields) and a ``Line`` per bill line (7 fields) in Python costs more than
settling the claim: each is a frozen slotted dataclass, set field by field. The generated
settlement only reads attributes of the claim and its lines, so the Python fast accept check
(``claim_fast``) fills a ``ClaimView`` and ``LineView`` s instead — named tuples, built in one C
call each — and ``Policy.settle`` settles the view where the C reader (``claim_reader``, which
fills the ``Claim`` and ``Line`` s themselves, read faster than a view's fields) is not built or
declines. A ``Settlement`` turns a view into the very ``Claim`` (with its ``Line`` s) the full
path returns when somebody first reads ``settlement.claim`` or ``settlement.lines``
(``to_claim``); nobody else ever sees a view. Likewise the C reader's ``read_sums`` leaves a
``Claim``'s lines as one flat ``PackedLines``, made ``Line`` s on first reading (``unpack_lines``).

The views' fields are the dataclasses' own, in their order, so a field added to ``Claim`` or
``Line`` is in its view too; ``to_claim`` is generated from the same field lists (this module's
text and the fields' names only).
"""

from __future__ import annotations

import dataclasses
from collections import namedtuple
from collections.abc import Callable
from typing import Any

from .claim_fields import LINE
from .claims import Claim, Line

ClaimView = namedtuple("ClaimView", [f.name for f in dataclasses.fields(Claim)])  # type: ignore[misc]
LineView = namedtuple("LineView", [f.name for f in dataclasses.fields(Line)])  # type: ignore[misc]
TUPLE_NEW = tuple.__new__  # ``TUPLE_NEW(ClaimView, values)``: a view without the named tuple's __new__


def _setters(cls: type, prefix: str, namespace: dict[str, Any]) -> list[str]:
    """Each field's member descriptor ``__set__`` as a name in ``namespace``: a frozen dataclass is
    filled through them without its ``__init__`` (which goes through ``object.__setattr__``)."""
    names = []
    for f in dataclasses.fields(cls):
        assert f.name in cls.__slots__  # type: ignore[attr-defined]
        name = f"{prefix}_{f.name}"
        namespace[name] = getattr(cls, f.name).__set__
        names.append(name)
    return names


def _build_to_claim() -> Callable[[Any], Claim]:
    namespace: dict[str, Any] = {"NEW": object.__new__, "Claim": Claim, "Line": Line}
    line_set = _setters(Line, "SL", namespace)
    claim_set = _setters(Claim, "SC", namespace)
    lines_at = [f.name for f in dataclasses.fields(Claim)].index("lines")
    body = ["def to_claim(v):", "    lines = []", "    keep = lines.append", "    for ln in v.lines:",
            "        o = NEW(Line)"]
    body += [f"        {s}(o, ln[{i}])" for i, s in enumerate(line_set)]
    body += ["        keep(o)", "    c = NEW(Claim)"]
    body += [f"    {s}(c, {'tuple(lines)' if i == lines_at else f'v[{i}]'})" for i, s in enumerate(claim_set)]
    body += ["    return c"]
    exec(compile("\n".join(body) + "\n", "<yibao claim view>", "exec"), namespace)  # our own text
    fn: Callable[[Any], Claim] = namespace["to_claim"]
    return fn


to_claim = _build_to_claim()
to_claim.__doc__ = "The ``Claim`` a ``ClaimView`` stands for: equal to what the full path returns."


class PackedLines(tuple):  # type: ignore[type-arg]
    """A claim's bill lines as the C reader's ``read_sums`` leaves them: every line's fields, in
    ``Line``'s field order, line after line, in one flat tuple — no object per line, since the
    generated ``settle_sums`` never reads them; the amounts as the texts the reader validated.
    ``unpack_lines`` makes them the ``Line`` s before anybody else sees the claim
    (``Settlement.claim``, a settlement that fails)."""

    __slots__ = ()


def _packed_fen(text: str | None) -> int | None:
    """A line's amount as ``read_sums`` keeps it, the text it validated (``1234.50``: digits, a
    point, two digits), in fen; None stays None."""
    return None if text is None else int(text.replace(".", ""))


# The line fields the reader keeps as their texts when it packs the lines (``read_sums``).
_PACKED_TEXTS = frozenset(f.attr for f in LINE if f.kind == "amount")


def _build_unpack_lines() -> Callable[[Claim], Claim]:
    namespace: dict[str, Any] = {"NEW": object.__new__, "Line": Line, "PackedLines": PackedLines,
                                 "FEN": _packed_fen}
    line_set = _setters(Line, "SL", namespace)
    names = [f.name for f in dataclasses.fields(Line)]
    namespace["SET_LINES"] = Claim.lines.__set__  # type: ignore[attr-defined]
    width = len(line_set)
    body = ["def unpack_lines(c):", "    v = c.lines", "    if v.__class__ is not PackedLines:",
            "        return c", "    lines = []", "    keep = lines.append",
            f"    for k in range(0, len(v), {width}):", "        o = NEW(Line)"]
    body += [f"        {s}(o, {'FEN(' if names[i] in _PACKED_TEXTS else '('}v[k + {i}]))"
             for i, s in enumerate(line_set)]
    body += ["        keep(o)", "    SET_LINES(c, tuple(lines))", "    return c"]
    exec(compile("\n".join(body) + "\n", "<yibao packed lines>", "exec"), namespace)  # our own text
    fn: Callable[[Claim], Claim] = namespace["unpack_lines"]
    return fn


unpack_lines = _build_unpack_lines()
unpack_lines.__doc__ = ("``c`` with its ``PackedLines`` made the ``Line`` s in place (nobody has seen it "
                        "before: it is then the very claim the full path returns); any other claim as it is.")
