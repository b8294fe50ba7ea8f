"""Mutations of a claim: structure-aware edits of its JSON tree, then maybe of its bytes.

Values that JSON can write but a claim must refuse (duplicate keys, NaN, 5,000-digit numbers,
deep nesting, odd encodings) are made here. Split from the single ``fuzzing`` module so each
family of mutation reads on its own.
"""

from __future__ import annotations

import json
import random
import re
from collections.abc import Iterator
from typing import Any

from .corpus import Corpus, Mutant, _pos

# Past the claim reader's own size limit (10 MB) a larger mutant tests nothing more.
MAX_MUTANT_BYTES = 20_000_000


class Pairs(list):  # type: ignore[type-arg]
    """A JSON object written as key/value pairs, so it can hold the same key twice."""


class Raw(str):
    """JSON text written as is: NaN, 1e400, a 5,000-digit integer, 10,000 levels of brackets."""

    __slots__ = ()


def dump(value: Any, ensure_ascii: bool = True) -> str:
    """JSON text for a mutated claim (duplicate keys via ``Pairs``, anything via ``Raw``)."""
    if isinstance(value, Raw):
        return str(value)
    if isinstance(value, Pairs):
        return "{" + ", ".join(f"{json.dumps(k, ensure_ascii=ensure_ascii)}: {dump(v, ensure_ascii)}"
                               for k, v in value) + "}"
    if isinstance(value, dict):
        return dump(Pairs(value.items()), ensure_ascii)
    if isinstance(value, list):
        return "[" + ", ".join(dump(v, ensure_ascii) for v in value) + "]"
    return json.dumps(value, ensure_ascii=ensure_ascii)


Slot = tuple[Any, Any, str]  # container, key or index, JSON path


def _slots(value: Any, path: str = "$") -> Iterator[Slot]:
    items = (value.items() if isinstance(value, dict)
             else enumerate(value) if isinstance(value, list) and not isinstance(value, Pairs) else ())
    for k, v in items:
        here = f"{path}.{k}" if isinstance(k, str) else f"{path}[{k}]"
        yield value, k, here
        yield from _slots(v, here)


def _digits(s: str, zero: int) -> str:
    return "".join(chr(zero + int(c)) if c.isdigit() else c for c in s)


def _amounts(rng: random.Random, original: Any) -> Any:
    base = original if isinstance(original, str) else "1200.00"
    k = rng.choice((15, 18, 19, 20, 30, 400, 4300, 4301, 5000))
    return rng.choice((
        "9" * k + ".00", "-" + base, "-0.00", "0", "0.00", "1.005", "0.001", 12.5, 1200, -1, 0,
        Raw("1e400"), Raw("-1e400"), Raw("NaN"), Raw("Infinity"), Raw("-Infinity"), Raw("1" + "0" * k),
        Raw("1" * k + ".5"), Raw("1e-400"), 1e308, True, None, [], {},
        _digits(base, 0x0660), _digits(base, 0xFF10), _digits(base, 0x0966), _digits(base, 0x1D7CE),
        "1,200.00", " " + base, base + " ", base + "\n", "+" + base, "1_200.00", "0x4b0", "12e3", "1E2",
        "00001200.00", "½", "١", "Infinity", "NaN", "nan", "inf", "", ".", "1.", ".5", "1.2.3", base * 3,
        "1200.00元", "¥1200", "\u200b1200.00", "1200.00\x00",
    ))


def _strings(rng: random.Random, corpus: Corpus) -> Any:
    return rng.choice((
        rng.choice(corpus.strings), rng.choice(corpus.strings), rng.choice(corpus.strings),
        "\ud800", "\udfff\ud800", "a\ud800b", "\x00", "", " ", "\n", "\\", '"', "\u202e", "\x1b[2J",
        "x" * rng.choice((300, 10000)), "[red]markup[/red]", "{0}", "%s", "２０２４-０３-１８", "𝟙",
    ))


def _dates(rng: random.Random) -> Any:
    return rng.choice(("2024-02-30", "2024-13-01", "2024-00-10", "0000-01-01", "0001-01-01", "9999-12-31",
                       "2024-3-1", "２０２４-０３-１８", "٢٠٢٤-٠٣-١٨", "20240318", 20240318,
                       "2024-03-18T00:00", "-2024-01-01", "+2024-03-18", "2024-03-18 ", "1900-01-01",
                       "2024-W11-1", "", None))


def _ints(rng: random.Random) -> Any:
    return rng.choice((-1, 0, 1, 2, 3, 99, 10 ** 20, 2 ** 63, 1.0, 2.5, "2", True, False, None,
                       Raw("1" * rng.choice((100, 4301))), Raw("1e5"), Raw("NaN"), "٢", "２"))


def mutate_tree(rng: random.Random, tree: Any, corpus: Corpus, heavy: bool = True) -> tuple[Any, str]:
    """One structure-aware mutation of a claim's JSON tree (the tree itself may be replaced)."""
    try:
        return _mutate_tree(rng, tree, corpus, heavy)
    except _Root as root:
        return root.value, "duplicate_key:$"


def _mutate_tree(rng: random.Random, tree: Any, corpus: Corpus, heavy: bool = True) -> tuple[Any, str]:
    slots = list(_slots(tree))
    if not slots:
        return tree, "tree_none"
    kind = rng.choice(("drop", "drop", "duplicate_key", "retype", "amount", "amount", "amount", "string",
                       "string", "date", "int", "lines", "deep", "unknown_key", "ytd", "swap"))
    amount_slots = [s for s in slots if s[1] == "amount" or ".year_to_date." in s[2] or ".record." in s[2]]
    if kind == "amount" and amount_slots:
        box, key, path = rng.choice(amount_slots)
        box[key] = _amounts(rng, box[key])
        return tree, f"amount:{path}"
    box, key, path = rng.choice(slots)
    if kind == "drop":
        del box[key]
        return tree, f"drop:{path}"
    if kind == "duplicate_key" and isinstance(box, dict):
        pairs = Pairs(box.items())
        value = box[key] if rng.random() < 0.5 else _amounts(rng, box[key])
        pairs.insert(rng.randint(0, len(pairs)), (key, value))
        _put(tree, box, pairs)
        return tree, f"duplicate_key:{path}"
    if kind == "retype":
        box[key] = rng.choice((None, True, False, 0, -1, 1.5, "", "x", [], {}, [box[key]], {"v": box[key]}))
        return tree, f"retype:{path}"
    if kind == "string":
        box[key] = _strings(rng, corpus)
        return tree, f"string:{path}"
    if kind == "date":
        date_slots = [s for s in slots if s[1] == "date"] or slots
        box, key, path = rng.choice(date_slots)
        box[key] = _dates(rng)
        return tree, f"date:{path}"
    if kind == "int":
        int_slots = [s for s in slots if isinstance(s[0][s[1]], int)] or slots
        box, key, path = rng.choice(int_slots)
        box[key] = _ints(rng)
        return tree, f"int:{path}"
    if kind == "lines" and isinstance(tree, dict) and isinstance(tree.get("lines"), list) and tree["lines"]:
        n = rng.choice((0, 2, 50, 1000, 5000) if heavy else (0, 2, 50))
        # Bounded: a line already made 100,000 brackets deep, 5,000 times over, is 500 MB of text
        # that only the fuzzer pays to write (the reader refuses anything over its size limit).
        size = max(len(dump(line)) for line in tree["lines"])
        n = min(n, max(2, MAX_MUTANT_BYTES // max(size, 1)))
        tree["lines"] = (tree["lines"] * n)[: max(n, 0)] if n else []
        return tree, f"lines_x{n}"
    if kind == "deep":
        k = rng.choice((100, 999, 1000, 5000, 100000) if heavy else (100, 999, 1000, 5000))
        lines = tree.get("lines") if isinstance(tree, dict) else None
        if isinstance(lines, list) and len(lines) > 100:
            k = min(k, 1000)  # a 5,000-line bill with a 100,000-deep line takes the harness 15 s to write
        opener, closer = rng.choice((("[", "]"), ('{"a": ', "}")))
        box[key] = Raw(opener * k + dump(box[key]) + closer * k)
        return tree, f"deep{k}:{path}"
    if kind == "unknown_key" and isinstance(box, dict):
        box[rng.choice(("extra", "amount", "Amount", "ｉｄ", "\ud800", "", "year", "__proto__"))] = \
            _strings(rng, corpus)
        return tree, f"unknown_key:{path}"
    if kind == "ytd" and isinstance(tree, dict):
        ytd = tree.setdefault("year_to_date", {})
        if isinstance(ytd, dict):
            name = rng.choice(("year", "basic.year_paid", "basic.year_deductible", "critical.year_paid",
                               rng.choice(corpus.strings)))
            ytd[name] = _amounts(rng, "100.00") if name != "year" else _ints(rng)
            return tree, f"ytd:{name}"
    if kind == "swap":
        box[key] = rng.choice(corpus.strings)
        return tree, f"swap:{path}"
    box[key] = _amounts(rng, box[key])
    return tree, f"amount_any:{path}"


def _put(tree: Any, old: Any, new: Any) -> None:
    """Replace the container ``old`` (found by identity) inside ``tree`` with ``new``."""
    if tree is old:
        raise _Root(new)
    for box, key, _ in _slots(tree):
        if box[key] is old:
            box[key] = new
            return


class _Root(Exception):
    def __init__(self, value: Any) -> None:
        self.value = value


def _mutate_bytes(rng: random.Random, data: bytes) -> tuple[bytes, str]:
    kind = rng.choice(("truncate", "byte", "byte", "invalid_utf8", "latin1", "utf16", "bom", "bom2",
                       "trailing", "nan", "comment", "empty", "whitespace", "cesu"))
    i = _pos(rng, len(data))
    if kind == "truncate":
        return data[:i], f"truncate@{i}"
    if kind == "byte":
        b = bytearray(data)
        if b:
            b[min(i, len(b) - 1)] = rng.randrange(256)
        return bytes(b), f"byte@{i}"
    if kind == "invalid_utf8":
        junk = rng.choice((b"\xff", b"\xc0\x80", b"\xed\xa0\x80", b"\xe4\xb8", b"\x80",
                           b"\xf8\x88\x80\x80\x80"))
        quote = data.find(b'"', i)
        j = quote + 1 if quote >= 0 else i
        return data[:j] + junk + data[j:], f"invalid_utf8@{j}"
    if kind in ("latin1", "utf16", "cesu"):
        text = data.decode("utf-8", "replace")
        enc = {"latin1": "gb18030", "utf16": rng.choice(("utf-16", "utf-16-le", "utf-32")),
               "cesu": "utf-8"}[kind]
        if kind == "cesu":
            text = text.replace('"', '"\ud83d\ude00', 1)
            return text.encode("utf-8", "surrogatepass"), "cesu"
        return text.encode(enc, "replace"), f"encoding_{enc}"
    if kind == "bom":
        return b"\xef\xbb\xbf" + data, kind
    if kind == "bom2":
        return b"\xef\xbb\xbf\xef\xbb\xbf" + data, kind
    if kind == "trailing":
        return data + rng.choice((b"x", b"{}", b"\x00", b" ,", b"\n\n]")), kind
    if kind == "nan":
        return re.sub(rb'"\d+\.\d\d"', rng.choice((b"NaN", b"Infinity", b"-Infinity", b"1e999")), data,
                      count=1), kind
    if kind == "comment":
        return b"// claim\n" + data, kind
    if kind == "empty":
        return rng.choice((b"", b" ", b"null", b"[]", b"{}", b"0", b'"x"', b"[{}]")), kind
    return data.replace(b",", b" ,\t\r\n", 3), kind


def mutate_claim(rng: random.Random, corpus: Corpus, index: int = 0, *, heavy: bool = True) -> Mutant:
    """One to three structure-aware mutations of a bundled claim, then maybe one on its bytes.

    ``heavy=False`` keeps claims small (no 1,000-line bills, no 100,000 levels of brackets).
    """
    origin = rng.choice(sorted(corpus.claims))
    tree: Any = json.loads(corpus.claims[origin])
    ops: list[str] = []
    for _ in range(rng.choice((1, 1, 2, 3))):
        tree, what = mutate_tree(rng, tree, corpus, heavy)
        ops.append(what)
    ascii_only = rng.random() < 0.7
    data = dump(tree, ensure_ascii=ascii_only).encode("utf-8", "surrogatepass")[:MAX_MUTANT_BYTES]
    if not ascii_only:
        ops.append("non_ascii_text")
    if rng.random() < 0.25:
        data, what = _mutate_bytes(rng, data)
        ops.append(what)
    return Mutant("claim", index, origin, tuple(ops), data)
