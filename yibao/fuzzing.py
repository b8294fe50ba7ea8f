"""Mutation fuzzing of policies and claims: what a person can feed yibao must end in a YibaoError.

A mutant is made from a bundled policy or claim by a few random mutations, and run
through the path a user takes (``yibao check`` / ``yibao settle --trace``). Its outcome
is one of: accepted, rejected (a YibaoError that says where), unpositioned (a YibaoError
that does not say where), crashed (any other exception) or hung (over the time limit).

Mutant ``i`` of a run depends only on the seed, the target and ``i``, so a run can be
spread over processes and any mutant made again from its number. ``scripts/fuzz.py`` is
the command around this module; ``tests/test_fuzz.py`` draws seeds from hypothesis.
"""

from __future__ import annotations

import contextlib
import io
import json
import os
import random
import re
import shutil
import signal
import tempfile
import traceback
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from types import FrameType
from typing import Any

from yibao.dsl.errors import ClaimError, PolicyError, SettlementError, YibaoError

TARGETS = ("policy", "claim")
KINDS = ("accepted", "rejected", "unpositioned", "crashed", "hung")
MUTANT_NAME = "__mutant__.yb"  # written next to the policy it came from, so `extends` paths still resolve


def bundled_root() -> Path:
    """The folder of the bundled policies (installed as ``yibao.policies``)."""
    import yibao.policies

    return Path(yibao.policies.__file__).resolve().parent


# ---------------------------------------------------------------------------- the corpus


@dataclass(frozen=True)
class Corpus:
    """The bundled policies and claims that mutants are made from (paths relative to ``root``)."""

    root: Path
    policies: dict[str, str]
    claims: dict[str, bytes]
    claim_policy: dict[str, str]  # claim → the policy that settles it
    tokens: tuple[str, ...]  # every token of every policy, for splicing
    lines: tuple[str, ...]  # every line of every policy
    strings: tuple[str, ...]  # every string value in the claims (scheme names, codes, dates…)

    def claims_of(self, policy: str) -> list[str]:
        return [c for c, p in self.claim_policy.items() if p == policy]


TOKEN = re.compile(r'"(?:[^"\\\n]|\\.)*"|\d{4}-\d{2}-\d{2}|\d+(?:\.\d+)?%?|[^\W\d]\w*(?:\.\w+)*'
                   r"|->|==|!=|<=|>=|\S")
NUMBER = re.compile(r"(?<![\w.])\d+(?:\.\d+)?%?(?![\w-])")
STRING = re.compile(r'"(?:[^"\\\n]|\\.)*"')


def policy_of_claim(claim: Path, root: Path) -> Path:
    """``claims/<stem>/x.json`` belongs to ``<stem>.yb``; a claim directly under ``claims/`` to the
    folder's resident inpatient policy."""
    folder = claim.parent
    if folder.name == "claims":
        return folder.parent / "resident_inpatient.yb"
    return folder.parent.parent / f"{folder.name}.yb"


def _strings_in(value: Any) -> Iterator[str]:
    if isinstance(value, str):
        yield value
    elif isinstance(value, dict):
        for k, v in value.items():
            yield k
            yield from _strings_in(v)
    elif isinstance(value, list):
        for v in value:
            yield from _strings_in(v)


def load_corpus(root: Path | None = None) -> Corpus:
    """Read every bundled policy and claim under ``root`` (default: the installed policies)."""
    root = (root or bundled_root()).resolve()
    policies = {p.relative_to(root).as_posix(): p.read_text(encoding="utf-8")
                for p in sorted(root.glob("*/*.yb")) if p.name != MUTANT_NAME}
    claims: dict[str, bytes] = {}
    claim_policy: dict[str, str] = {}
    for c in sorted(root.glob("*/claims/**/*.json")):
        owner = policy_of_claim(c, root).relative_to(root).as_posix()
        if owner in policies:
            rel = c.relative_to(root).as_posix()
            claims[rel] = c.read_bytes()
            claim_policy[rel] = owner
    tokens = tuple(t for text in policies.values() for t in TOKEN.findall(text))
    lines = tuple(line for text in policies.values() for line in text.splitlines() if line.strip())
    strings = sorted({s for raw in claims.values() for s in _strings_in(json.loads(raw)) if len(s) < 40})
    return Corpus(root, policies, claims, claim_policy, tokens, lines, tuple(strings))


# ---------------------------------------------------------------------------- mutants


@dataclass(frozen=True)
class Mutant:
    """A mutated input. ``data`` bytes go through a file; a str (it may hold lone surrogates,
    which no file can) goes through the API (``compile_policy`` / ``Policy.settle``)."""

    target: str
    index: int
    origin: str  # the bundled file it was made from, relative to the corpus root
    ops: tuple[str, ...]
    data: bytes | str

    @property
    def via(self) -> str:
        return "api" if isinstance(self.data, str) else "file"


HOSTILE = (
    "\n", "\r", "\r\n", "\x00", "\t", "\x0b", "\x0c", "\x1c", "\x85", "\u2028", "\u2029", "\ufeff", "\u200b",
    '"', '"""', "\\", "\\\\", '\\"', "\\N{", "\\N{LATIN SMALL LETTER A}", "\\u00", "\\x", "\\", "#",
    "（", "）", "：", "，", "｜", "＂", "－", "＋", "＝", "＞", "　", "１２３", "٣", "½", "²", "𝟙", "Ⅻ",
    "%", "%%", "1e999", "0x10", "-", "--", "_", "..", "::", "{", "}", "(", ")", "->", "—>", "|", "/",
)
PUNCT_FULLWIDTH = {"(": "（", ")": "）", ":": "：", ",": "，", "|": "｜", '"': "＂", "-": "－", "+": "＋",
                   "=": "＝", ">": "＞", "<": "＜", "{": "｛", "}": "｝", "/": "／", "%": "％", ".": "。",
                   " ": "　"}
EXTENDS_TARGETS = ("{long}", "{deep}", ".", "..", "/", "../jiujiang", "../{dir}", "../{binary}",
                   "../{empty}", "/dev/null", "nul\\x00.yb", "", " ", "~/x.yb", "{self}", "../../policies",
                   "../jiujiang/resident_inpatient.yb", "../reform2023/resident_inpatient.yb",
                   "../reform2023/resident_outpatient.yb")
DIR_NAME, BINARY_NAME, EMPTY_NAME = "dir.yb", "binary.yb", "empty.yb"


def _pos(rng: random.Random, n: int) -> int:
    """A position in 0..n; 0 when there is none (an empty text gives n = -1)."""
    return rng.randint(0, n) if n > 0 else 0


def _chars(rng: random.Random) -> str:
    pool = rng.choice(("hostile", "ascii", "chinese", "digit"))
    if pool == "hostile":
        return rng.choice(HOSTILE)
    if pool == "ascii":
        return chr(rng.randint(0x20, 0x7E))
    if pool == "chinese":
        return chr(rng.randint(0x4E00, 0x9FA5))
    return rng.choice("0123456789.%")


Op = Callable[[random.Random, str, Corpus], tuple[str, str]]


# The text of a policy is a str decoded with surrogateescape, so byte mutations survive the round trip.
def _b(text: str) -> bytes:
    try:
        return text.encode("utf-8", "surrogateescape")
    except UnicodeEncodeError:  # a lone surrogate put in for the API: keep it as its own bytes
        return text.encode("utf-8", "surrogatepass")


def _s(data: bytes) -> str:
    return data.decode("utf-8", "surrogateescape")


def op_byte(rng: random.Random, text: str, corpus: Corpus) -> tuple[str, str]:
    """Byte-level insert / delete / replace / duplicate / bit flip."""
    b = bytearray(_b(text))
    kind = rng.choice(("insert", "delete", "replace", "duplicate", "flip"))
    i = _pos(rng, len(b) - 1)
    if kind == "insert":
        b[i:i] = bytes([rng.randrange(256)])
    elif kind == "delete" and b:
        del b[i:i + rng.randint(1, 8)]
    elif kind == "replace" and b:
        b[i] = rng.randrange(256)
    elif kind == "duplicate":
        j = min(len(b), i + rng.randint(1, 64))
        b[j:j] = b[i:j] * rng.randint(1, 3)
    elif b:
        b[i] ^= 1 << rng.randrange(8)
    return _s(bytes(b)), f"byte_{kind}@{i}"


def op_char(rng: random.Random, text: str, corpus: Corpus) -> tuple[str, str]:
    """Character-level insert / delete / replace / duplicate."""
    kind = rng.choice(("insert", "delete", "replace", "duplicate"))
    i = _pos(rng, len(text) - 1)
    if kind == "insert":
        return text[:i] + _chars(rng) + text[i:], f"char_insert@{i}"
    if kind == "delete":
        return text[:i] + text[i + rng.randint(1, 6):], f"char_delete@{i}"
    if kind == "replace":
        return text[:i] + _chars(rng) + text[i + 1:], f"char_replace@{i}"
    j = min(len(text), i + rng.randint(1, 40))
    return text[:j] + text[i:j] + text[j:], f"char_duplicate@{i}"


def op_line(rng: random.Random, text: str, corpus: Corpus) -> tuple[str, str]:
    """Line duplication / deletion / swap / move, and indentation changes."""
    lines = text.split("\n")
    kind = rng.choice(("duplicate", "delete", "swap", "move", "indent", "dedent", "tab", "mixed"))
    i = rng.randrange(len(lines))
    line = lines[i]
    if kind == "duplicate":
        lines[i:i] = [line] * rng.randint(1, 3)
    elif kind == "delete":
        del lines[i:i + rng.randint(1, 3)]
    elif kind in ("swap", "move"):
        j = rng.randrange(len(lines))
        if kind == "swap":
            lines[i], lines[j] = lines[j], lines[i]
        else:
            lines.insert(j, lines.pop(i))
    elif kind == "indent":
        lines[i] = " " * rng.randint(1, 6) + line
    elif kind == "dedent":
        lines[i] = line[rng.randint(1, 4):] if line[:1] == " " else line.lstrip()
    elif kind == "tab":
        stripped = line.lstrip(" ")
        lines[i] = "\t" * rng.randint(1, 2) + stripped if stripped != line else "\t" + line
    else:
        stripped = line.lstrip()
        lines[i] = rng.choice((" \t", "\t ", "  \t", "\t\t ", "\u3000", "\xa0 ")) + stripped
    return "\n".join(lines), f"line_{kind}@{i + 1}"


def op_splice(rng: random.Random, text: str, corpus: Corpus) -> tuple[str, str]:
    """Replace a run of tokens (or insert lines) with a run from another policy."""
    if rng.random() < 0.4:
        lines = text.split("\n")
        start = rng.randrange(len(corpus.lines))
        chunk = list(corpus.lines[start:start + rng.randint(1, 8)])
        i = rng.randint(0, len(lines))
        lines[i:i] = chunk
        return "\n".join(lines), f"splice_lines@{i + 1}x{len(chunk)}"
    spans = [m.span() for m in TOKEN.finditer(text)]
    if not spans:
        return text, "splice_none"
    a = rng.randrange(len(spans))
    b = min(len(spans), a + rng.randint(0, 4))
    start, end = spans[a][0], spans[b - 1][1] if b > a else spans[a][0]
    k = rng.randrange(len(corpus.tokens))
    new = " ".join(corpus.tokens[k:k + rng.randint(0, 6)])
    return text[:start] + new + text[end:], f"splice_tokens@{start}"


def op_label(rng: random.Random, text: str, corpus: Corpus) -> tuple[str, str]:
    """Put a hostile string (newline, CR, NUL, triple quotes, backslashes, \\N{…}) inside a label."""
    strings = list(STRING.finditer(text))
    if not strings:
        return text, "label_none"
    m = rng.choice(strings)
    i = rng.randint(m.start() + 1, m.end() - 1)
    s = rng.choice(('\n', '\r', '\x00', '"""', '\\', '\\\\', '\\N{', '\\N{BOGUS}',
                    '\\N{LATIN SMALL LETTER A}', '\\u', '\\ud800', '\\U0010ffff', '\\x', '\\x00', '\t', '"',
                    '\u2028', '\x85', '\x1b[31m', '{{', '}}', '{%', '<script>', '*', '|', '`', '\ufeff'))
    return text[:i] + s + text[i:], f"label_hostile@{i}:{s!r}"


def op_surrogate(rng: random.Random, text: str, corpus: Corpus) -> tuple[str, str]:
    """A lone surrogate in a label or a name: only the API can take it (no file can hold one)."""
    strings = list(STRING.finditer(text))
    s = chr(rng.choice((0xD800, 0xDBFF, 0xDC00, 0xDFFF, rng.randint(0xD800, 0xDFFF))))
    if strings:
        m = rng.choice(strings)
        i = rng.randint(m.start() + 1, m.end() - 1)
    else:
        i = _pos(rng, len(text))
    return text[:i] + s + text[i:], f"surrogate@{i}"


def _numbers(text: str) -> list[re.Match[str]]:
    return [m for m in NUMBER.finditer(text) if not _in_string(text, m.start())]


def _in_string(text: str, i: int) -> bool:
    line_start = text.rfind("\n", 0, i) + 1
    prefix = text[line_start:i]
    return prefix.count('"') % 2 == 1 or "#" in prefix


def _replace_number(rng: random.Random, text: str, make: Callable[[str], str], name: str) -> tuple[str, str]:
    nums = _numbers(text)
    if not nums:
        return text, f"{name}_none"
    m = rng.choice(nums)
    return text[:m.start()] + make(m.group()) + text[m.end():], f"{name}@{m.start()}"


def op_huge_number(rng: random.Random, text: str, corpus: Corpus) -> tuple[str, str]:
    """Numbers of 4,301+ digits, long fractions, huge percentages."""
    k = rng.choice((20, 400, 4300, 4301, rng.randint(4301, 6000)))
    shapes = ("9" * k, "1" + "0" * k + ".00", "0." + "0" * k + "1", "9" * k + "%", "1." + "5" * k,
              "9" * k + "." + "9" * k, "1" + "0" * k, "0" * k + "1")
    shape = rng.choice(shapes)
    return _replace_number(rng, text, lambda n: shape, f"huge_number{k}")


def op_nesting(rng: random.Random, text: str, corpus: Corpus) -> tuple[str, str]:
    """300–5,000 levels of parentheses, unary minus, `not`, calls, `if`."""
    k = rng.choice((300, 1000, rng.randint(300, 5000)))
    kind = rng.choice(("paren", "neg", "neg_paren", "not", "max", "if", "unbalanced"))
    if kind == "not":
        m = re.search(r"(applies when|when) ", text)
        if m:
            return text[:m.end()] + "not " * k + text[m.end():], f"nest_not{k}"
        kind = "paren"

    def nest(n: str) -> str:
        if kind == "paren":
            return "(" * k + n + ")" * k
        if kind == "neg":
            return "-" * k + n
        if kind == "neg_paren":
            return "-(" * k + n + ")" * k
        if kind == "max":
            return "max(" * k + n + (", 0)" * k)
        if kind == "if":
            return "if true then " * k + n + " else 0" * k
        return "(" * k + n

    return _replace_number(rng, text, nest, f"nest_{kind}{k}")


def op_long_sum(rng: random.Random, text: str, corpus: Corpus) -> tuple[str, str]:
    """Flat chains of 1,000–10,000 terms: sums, products, `and`/`or` chains."""
    k = rng.choice((1000, 3000, rng.randint(1000, 10000)))
    op = rng.choice((" + ", " - ", " * ", " / ", " and ", " or ", " == "))
    if op in (" and ", " or ") and (m := re.search(r"applies when (.*)", text)):
        cond = m.group(1)
        return text[:m.start(1)] + op.join([f"({cond})"] * k) + text[m.end(1):], f"long_chain{op.strip()}{k}"
    return _replace_number(rng, text, lambda n: op.join([n] * k), f"long_sum{op.strip()}{k}")


def op_long_enum(rng: random.Random, text: str, corpus: Corpus) -> tuple[str, str]:
    """An enum (or a set, or a table row's alternatives) of 1,000–8,000 members on one line."""
    k = rng.choice((1000, 8000, rng.randint(1000, 8000)))
    m = re.search(r"^enum [^\n]*", text, re.M)
    extra = "".join(f' | m{i} "成员{i}" / "member {i}"' if i % 3 == 0 else f" | m{i}" for i in range(k))
    if m and rng.random() < 0.6:
        return text[:m.end()] + extra + text[m.end():], f"long_enum{k}"
    m = re.search(r" in \{", text)
    if m:
        return text[:m.end()] + "".join(f"m{i}, " for i in range(k)) + text[m.end():], f"long_set{k}"
    line = "enum visit.kind = " + " | ".join(f"k{i}" for i in range(k))
    return text.rstrip("\n") + "\n\n" + line + "\n", f"long_enum_new{k}"


def op_tabs(rng: random.Random, text: str, corpus: Corpus) -> tuple[str, str]:
    """Indentation by tabs (all lines or some), or tabs between tokens."""
    kind = rng.choice(("all", "some", "inline"))
    if kind == "all":
        return re.sub(r"^( {2})+", lambda m: "\t" * (len(m.group()) // 2), text, flags=re.M), "tabs_all"
    if kind == "some":
        lines = text.split("\n")
        for i in rng.sample(range(len(lines)), min(3, len(lines))):
            lines[i] = re.sub(r"^ {2}", "\t", lines[i])
        return "\n".join(lines), "tabs_some"
    return text.replace(" ", "\t", rng.randint(1, 20)), "tabs_inline"


def op_fullwidth(rng: random.Random, text: str, corpus: Corpus) -> tuple[str, str]:
    """Full-width punctuation (as an IME types it) in place of ASCII, outside strings."""
    ch = rng.choice(sorted(PUNCT_FULLWIDTH))
    places = [i for i, c in enumerate(text) if c == ch and not _in_string(text, i)]
    if not places:
        return text, "fullwidth_none"
    chosen = set(rng.sample(places, min(len(places), rng.randint(1, 3))))
    return "".join(PUNCT_FULLWIDTH[c] if i in chosen else c for i, c in enumerate(text)), f"fullwidth{ch!r}"


def op_extends(rng: random.Random, text: str, corpus: Corpus) -> tuple[str, str]:
    """An `extends` path that is over-long, a directory, a binary or empty file, itself, or odd."""
    target = rng.choice(EXTENDS_TARGETS).format(
        long="a" * rng.choice((255, 256, 300, 5000)), deep="/".join(["d"] * rng.choice((100, 2000))),
        dir=DIR_NAME, binary=BINARY_NAME, empty=EMPTY_NAME, self=MUTANT_NAME)
    line = f'  extends "{target}"'
    if re.search(r"^\s+extends .*$", text, re.M):
        new = re.sub(r"^\s+extends .*$", lambda _: line, text, count=1, flags=re.M)
        return new, f"extends_replace:{target[:40]!r}"
    m = re.search(r"^policy [^\n]*\n", text, re.M)
    i = m.end() if m else 0
    return text[:i] + line + "\n" + text[i:], f"extends_insert:{target[:40]!r}"


def op_line_endings(rng: random.Random, text: str, corpus: Corpus) -> tuple[str, str]:
    """CRLF, lone CR, a BOM at the start or in the middle, no final newline, form feeds."""
    kind = rng.choice(("crlf", "cr", "bom", "bom_mid", "no_final", "formfeed", "nul_end"))
    if kind == "crlf":
        return text.replace("\n", "\r\n"), kind
    if kind == "cr":
        return text.replace("\n", "\r"), kind
    if kind == "bom":
        return "\ufeff" + text, kind
    if kind == "bom_mid":
        i = _pos(rng, len(text))
        return text[:i] + "\ufeff" + text[i:], kind
    if kind == "no_final":
        return text.rstrip("\n"), kind
    if kind == "formfeed":
        return text.replace("\n", "\n\x0c", 1), kind
    return text + "\x00", kind


# name, weight, function: mild mutations are frequent, expensive hostile ones rarer.
POLICY_OPS: tuple[tuple[str, float, Op], ...] = (
    ("byte", 10, op_byte), ("char", 14, op_char), ("line", 14, op_line), ("splice", 12, op_splice),
    ("label", 6, op_label), ("surrogate", 1.5, op_surrogate), ("huge_number", 2, op_huge_number),
    ("nesting", 2, op_nesting), ("long_sum", 2, op_long_sum), ("long_enum", 1, op_long_enum),
    ("tabs", 3, op_tabs), ("fullwidth", 4, op_fullwidth), ("extends", 3, op_extends),
    ("line_endings", 3, op_line_endings),
)
EXPENSIVE = {"huge_number", "nesting", "long_sum", "long_enum"}


def mutate_policy(rng: random.Random, corpus: Corpus, index: int = 0, *, op: str | None = None,
                  heavy: bool = True) -> Mutant:
    """One to three mutations of a bundled policy (at most one expensive one); ``op`` forces one.

    ``heavy=False`` leaves out the expensive mutations (huge inputs), for a quick test.
    """
    origin = rng.choice(sorted(corpus.policies))
    text = corpus.policies[origin]
    allowed = [(n, w) for n, w, _ in POLICY_OPS if heavy or n not in EXPENSIVE]
    names = [n for n, _ in allowed]
    weights = [w for _, w in allowed]
    funcs = {n: f for n, _, f in POLICY_OPS}
    chosen = [op] if op else rng.choices(names, weights, k=rng.choice((1, 1, 1, 2, 2, 3)))
    heavy = [c for c in chosen if c in EXPENSIVE]
    chosen = [c for c in chosen if c not in EXPENSIVE] + heavy[:1]
    ops: list[str] = []
    for name in chosen:
        text, what = funcs[name](rng, text, corpus)
        ops.append(what)
    api = any(o.startswith("surrogate") for o in ops)
    data: bytes | str = text if api else _b(text)
    return Mutant("policy", index, origin, tuple(ops), data)


# ---------------------------------------------------------------------------- claim mutations


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
        tree["lines"] = (tree["lines"] * n)[: max(n, 0)] if n else []
        return tree, f"lines_x{n}"
    if kind == "deep":
        k = rng.choice((100, 999, 1000, 5000, 100000) if heavy else (100, 999, 1000, 5000))
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
        try:
            tree, what = _mutate_tree(rng, tree, corpus, heavy)
        except _Root as root:
            tree, what = root.value, "duplicate_key:$"
        ops.append(what)
    ascii_only = rng.random() < 0.7
    data = dump(tree, ensure_ascii=ascii_only).encode("utf-8", "surrogatepass")
    if not ascii_only:
        ops.append("non_ascii_text")
    if rng.random() < 0.25:
        data, what = _mutate_bytes(rng, data)
        ops.append(what)
    return Mutant("claim", index, origin, tuple(ops), data)


def make_mutant(target: str, seed: int, index: int, corpus: Corpus, *, heavy: bool = True,
                op: str | None = None) -> Mutant:
    """Mutant ``index`` of a run: the same seed, target and index always give the same mutant."""
    rng = random.Random(f"{seed}/{target}/{index}")
    if target == "policy":
        return mutate_policy(rng, corpus, index, heavy=heavy, op=op)
    if target == "claim":
        return mutate_claim(rng, corpus, index, heavy=heavy)
    raise ValueError(f"unknown target {target!r}; expected one of {', '.join(TARGETS)}")


# ---------------------------------------------------------------------------- running mutants


@dataclass(frozen=True)
class Outcome:
    """What became of one mutant. ``key`` (exception type, file, line) groups crashes."""

    kind: str
    index: int
    error: str = ""  # exception type
    message: str = ""
    frame: str = ""  # the innermost traceback frame: file:line in function
    key: tuple[str, str, int] | None = None
    wrapped: str = ""  # for a SettlementError: the exception it wraps, if any
    seconds: float = 0.0
    mutant: Mutant | None = field(default=None, compare=False)  # kept for crashes, hangs, unpositioned


class Hung(BaseException):
    """Raised by the timer in the worker: a BaseException, so no ``except Exception`` swallows it."""


def _on_alarm(signum: int, frame: FrameType | None) -> None:
    raise Hung()


def hang_key(mutant: Mutant) -> tuple[str, str, int]:
    """Hangs have no crashing frame: group them by the mutation most likely to blame."""
    families = [re.match(r"[a-z_]+", op) for op in mutant.ops]
    names = [f.group() for f in families if f]
    heavy = [n for n in names if n.startswith(("long_", "nest_", "huge_", "deep", "lines_"))]
    return ("Hung", (heavy or names or ["?"])[0], 0)


def _frame_of(err: BaseException) -> tuple[str, int, str]:
    tb = traceback.extract_tb(err.__traceback__)
    if not tb:
        return "?", 0, "?"
    last = tb[-1]
    return last.filename, last.lineno or 0, last.name


PROJECT = str(Path(__file__).resolve().parents[1]) + os.sep


def _short(path: str) -> str:
    """A frame's file relative to the project or to site-packages, so keys read the same anywhere."""
    if path.startswith(PROJECT):
        return path[len(PROJECT):]
    if "/site-packages/" in path:
        return path.split("/site-packages/", 1)[1]
    return path


def position_problem(err: YibaoError, lines_of: Callable[[str], int | None]) -> str | None:
    """Why a rejection does not say where, or None if it does.

    ``lines_of(file)`` is the number of lines of a policy file's text when known.
    """
    if isinstance(err, PolicyError):
        if not err.diagnostics:
            return "PolicyError without diagnostics"
        for d in err.diagnostics:
            if d.span.line < 1 or d.span.column < 1:
                return f"diagnostic at line {d.span.line}, column {d.span.column}: {d.message[:80]}"
            text = err.source_of(d)
            n = text.count("\n") + 1 if text is not None else lines_of(d.span.file)
            if n is not None and d.span.line > n + 1:
                return f"diagnostic at line {d.span.line} of a {n}-line file: {d.message[:80]}"
        return None
    if isinstance(err, ClaimError):
        if not err.issues:
            return "ClaimError without issues"
        bad = [i for i in err.issues if not i.path]
        return f"ClaimError issue without a path: {bad[0].message[:80]}" if bad else None
    if isinstance(err, SettlementError):
        located = re.match(r"^[^\n]*:\d+: ", str(err))
        return None if located else f"SettlementError without a line: {err}"[:200]
    return None


class Runner:
    """Runs mutants the way ``yibao check`` and ``yibao settle --trace`` do, in this process.

    Works in a private copy of the bundled policies, so mutants written next to their
    origin resolve ``extends`` as the original would, and nothing in the project changes.
    """

    def __init__(self, corpus: Corpus, *, timeout: float = 5.0, render: bool = False,
                 settle_claims: int = 2) -> None:
        self.corpus = corpus
        self.timeout = timeout
        self.render = render
        self.settle_claims = settle_claims
        self.dir = Path(tempfile.mkdtemp(prefix="yibao-fuzz-"))
        self.root = self.dir / "policies"
        shutil.copytree(corpus.root, self.root, ignore=shutil.ignore_patterns("__pycache__", "*.pyc"))
        (self.root / DIR_NAME).mkdir()
        (self.root / BINARY_NAME).write_bytes(bytes(range(256)) * 4)
        (self.root / EMPTY_NAME).write_bytes(b"")
        self._policies: dict[str, Any] = {}

    def close(self) -> None:
        shutil.rmtree(self.dir, ignore_errors=True)

    def __enter__(self) -> Runner:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def policy(self, rel: str) -> Any:
        """A bundled policy, compiled once."""
        if rel not in self._policies:
            from yibao.compiler.loader import load_policy

            self._policies[rel] = load_policy(self.root / rel)
        return self._policies[rel]

    # -------------------------------------------------------------- the user's paths
    def run_policy(self, mutant: Mutant) -> None:
        """``yibao check`` (and ``compile``), then settle the origin's claims under the mutant (and, with
        ``render``, show the settlement table and render the policy document)."""
        from yibao.compiler.claims import load_claim_json
        from yibao.compiler.loader import compile_policy, load_policy

        path = self.root / Path(mutant.origin).parent / MUTANT_NAME
        if isinstance(mutant.data, str):
            policy = compile_policy(mutant.data, str(path))
        else:
            path.write_bytes(mutant.data)
            policy = load_policy(path)
        out = [w.format(policy.ast.texts.get(w.span.file, policy.ast.text)) for w in policy.warnings]
        out.append(f"ok: {path} ({len(policy.ast.parameters)} parameters, {len(policy.layers)} layers)")
        out.append(policy.source)
        if mutant.via == "file":
            "\n".join(out).encode("utf-8")  # what `yibao check` prints must be printable
        for claim in self.corpus.claims_of(mutant.origin)[: self.settle_claims]:
            # The mutant may no longer take this claim: that is its right.
            with contextlib.suppress(ClaimError):
                self._settle(policy, load_claim_json(self.root / claim), str(self.root / claim),
                             printable=mutant.via == "file", view=self.render)
        if self.render:
            from yibao.compiler.render import render_policy

            render_policy(policy, "zh", "md", claims=[]).encode("utf-8")

    def run_claim(self, mutant: Mutant) -> None:
        """``yibao settle POLICY CLAIM --trace``: read the file, settle, print JSON and the table."""
        from yibao.compiler.claims import load_claim_json

        policy = self.policy(self.corpus.claim_policy[mutant.origin])
        path = self.dir / "claim.json"
        if isinstance(mutant.data, str):
            self._settle(policy, mutant.data, None)
            return
        path.write_bytes(mutant.data)
        self._settle(policy, load_claim_json(path), str(path))

    def _settle(self, policy: Any, data: Any, source: str | None, *, printable: bool = True,
                view: bool = True) -> None:
        """Settle with the trace, make the JSON and (``view``) the table; ``printable``: they must encode
        as UTF-8 (what the command prints; a str the API returns may hold what a policy passed in)."""
        from rich.console import Console

        from yibao.compiler.report import settlement_view

        s = policy.settle(data, trace=True, source=source)
        text = s.to_json(trace=True)
        if printable:
            text.encode("utf-8")
        if view:  # the Rich table costs milliseconds a line: only where the claim is what is fuzzed
            console = Console(file=io.StringIO(), width=120, highlight=False, color_system=None)
            console.print(settlement_view(s, lang="en", trace=True, width=120))
            if printable:
                console.file.getvalue().encode("utf-8")  # type: ignore[attr-defined]

    # -------------------------------------------------------------- outcomes
    def run(self, mutant: Mutant) -> Outcome:
        """Run one mutant under the time limit and classify what happened."""
        import time

        previous = signal.signal(signal.SIGALRM, _on_alarm)
        start = time.perf_counter()
        err: BaseException | None = None
        try:
            signal.setitimer(signal.ITIMER_REAL, self.timeout)
            try:
                (self.run_policy if mutant.target == "policy" else self.run_claim)(mutant)
            finally:
                signal.setitimer(signal.ITIMER_REAL, 0)
        except Hung:
            return Outcome("hung", mutant.index, "Hung", f"over {self.timeout:g} s", key=hang_key(mutant),
                           seconds=time.perf_counter() - start, mutant=mutant)
        except BaseException as caught:  # a crash of any kind is what we are looking for
            if isinstance(caught, KeyboardInterrupt | SystemExit):
                raise
            err = caught
        finally:
            signal.signal(signal.SIGALRM, previous)
        seconds = time.perf_counter() - start
        return self.classify(err, mutant, seconds)

    def classify(self, err: BaseException | None, mutant: Mutant, seconds: float = 0.0) -> Outcome:
        if err is None:
            return Outcome("accepted", mutant.index, seconds=seconds)
        name = type(err).__name__
        file, line, func = _frame_of(err)
        frame = f"{_short(file)}:{line} in {func}"
        message = str(err)[:300] if not isinstance(err, RecursionError) else str(err)[:120]
        if isinstance(err, YibaoError):
            inner = err.__context__
            wrapped = (type(inner).__name__ if isinstance(err, SettlementError) and inner is not None
                       and not isinstance(inner, YibaoError) else "")
            problem = position_problem(err, self._lines_of)
            if problem is not None:
                return Outcome("unpositioned", mutant.index, name, problem, frame, (name, _short(file), line),
                               wrapped, seconds, mutant)
            keep = mutant if wrapped else None
            key = (f"SettlementError<{wrapped}>", *self._inner_frame(inner)) if wrapped and inner else None
            return Outcome("rejected", mutant.index, name, message, frame, key, wrapped, seconds, keep)
        return Outcome("crashed", mutant.index, name, message, frame, (name, _short(file), line), "",
                       seconds, mutant)

    @staticmethod
    def _inner_frame(err: BaseException) -> tuple[str, int]:
        """Where a wrapped exception was raised; every generated module counts as one place."""
        file, line, _ = _frame_of(err)
        return ("<generated module>", 0) if file.startswith("<yibao ") else (_short(file), line)

    def _lines_of(self, file: str) -> int | None:
        try:
            return Path(file).read_bytes().count(b"\n") + 1
        except (OSError, ValueError):
            return None


# ---------------------------------------------------------------------------- reports


def save_mutant(outcome: Outcome, folder: Path) -> Path | None:
    """Write a mutant and what it did to ``folder``, once per (exception type, file, line).

    Returns the mutant's path if it was new, else None.
    """
    if outcome.mutant is None:
        return None
    m = outcome.mutant
    key = outcome.key or (outcome.error, outcome.kind, 0)
    slug = re.sub(r"[^\w.-]+", "_", f"{outcome.kind}-{key[0]}-{Path(key[1]).name}-{key[2]}")[:120]
    folder.mkdir(parents=True, exist_ok=True)
    suffix = ".yb" if m.target == "policy" else ".json"
    path = folder / (slug + (".txt" if m.via == "api" else suffix))
    if path.exists():
        return None
    if isinstance(m.data, str):
        path.write_text(repr(m.data), encoding="utf-8")  # a Python literal: surrogates survive
    else:
        path.write_bytes(m.data)
    meta = {"target": m.target, "index": m.index, "origin": m.origin, "ops": list(m.ops), "via": m.via,
            "kind": outcome.kind, "error": outcome.error, "message": outcome.message, "frame": outcome.frame,
            "wrapped": outcome.wrapped, "key": list(key)}
    path.with_name(path.name + ".meta.json").write_text(json.dumps(meta, ensure_ascii=True, indent=2) + "\n",
                                                       encoding="utf-8")
    return path


def cpu_count() -> int:
    return os.cpu_count() or 1
