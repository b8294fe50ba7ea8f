"""Mutations of a policy's text: bytes, characters, lines, splices, and hostile inputs.

Each operation takes the random generator, the text and the corpus and returns the new text and
what it did; ``POLICY_OPS`` weighs them, ``mutate_policy`` chains a few. Split from the single
``fuzzing`` module so each family of mutation reads on its own.
"""

from __future__ import annotations

import random
import re
from collections.abc import Callable

from .corpus import MUTANT_NAME, NUMBER, STRING, TOKEN, Corpus, Mutant, _pos

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
