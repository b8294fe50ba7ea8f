"""The explanation as a plain-text letter: what ``yibao explain --text`` prints and the app exports.

The explanation (``explanation.py``) holds what there is to say; this module only lays it
out for a monospaced page: a header, the summary, the bill lines and the numbered steps,
wrapped and aligned in terminal cells (``compiler/text_width.py``), so Chinese lines up.
The Markdown and HTML letters are ``yibao.compiler.render.render_letter``.
"""

from __future__ import annotations

from yibao.compiler.text_width import cell_len, hang, pad, pad_left, wrap

from .explanation import Explanation, LineRow, StepView, word

__all__ = ["LETTER_WIDTH", "letter_text"]

LETTER_WIDTH = 88  # cells: a printed A4 page in a monospaced font


def _totals_rows(e: Explanation, lang: str) -> list[tuple[str, str]]:
    rows = []
    for f in e.totals:
        label = f.label(lang)
        if f.key.startswith("payer:"):
            name = f.key.split(":", 1)[1]
            label = f"{label}({name})" if lang == "zh" else f"{label} ({name})"
        elif f.key.startswith("check:"):
            label = (f"政策校验:{label}" if lang == "zh" else f"Check: {label}")
        value = f.value if f.ok is None else word("passed" if f.ok else "failed", lang)
        rows.append((label, value))
    return rows


def _line_sentence(e: Explanation, row: LineRow, lang: str) -> tuple[str, str]:
    """A bill line as a heading and a sentence of who bears what."""
    name = row.name or row.code
    if lang == "zh":
        head = f"{row.code} {name}({row.category} 类)— {row.amount}"
        parts = [f"范围外 {row.out_of_scope}", f"先行自付 {row.first_self_pay}"]
        parts += [f"{zh} {v}" for (_, zh, _), v in zip(e.payers, row.payers, strict=True)]
        parts.append(f"个人 {row.person}")
        return head, ";".join(parts)
    head = f"{row.code} {name} (category {row.category}) — {row.amount}"
    parts = [f"out of scope {row.out_of_scope}", f"first self-pay {row.first_self_pay}"]
    parts += [f"{en} {v}" for (_, _, en), v in zip(e.payers, row.payers, strict=True)]
    parts.append(f"the person {row.person}")
    return head, "; ".join(parts)


def _step_lines(e: Explanation, sv: StepView, lang: str) -> list[tuple[str, str]]:
    """(label, text) rows telling one step: formula, inputs, the rule's label and its source."""
    s = sv.step
    rows = [(word("formula", lang), s.formula_in(lang))]
    rows += [(word("inputs", lang), i.describe(lang)) for i in sv.inputs]
    rows.append((word("label", lang), f"{s.zh} / {s.en}"))
    if s.citation:
        rows.append((word("citation", lang), s.citation))
    rows.append((word("source", lang), sv.where(lang)))
    return rows


def letter_text(e: Explanation, lang: str, width: int = LETTER_WIDTH) -> str:
    """The letter as plain text of at most ``width`` cells a line (``yibao explain --text``)."""
    out: list[str] = []
    title = word("title", lang)
    out += [title, "=" * cell_len(title), ""]
    header = [*e.header_lines(lang), (word("policy", lang), e.policy_title(lang))]
    kw = max(cell_len(k) for k, _ in header) + 2
    for k, v in header:
        out += hang(pad(k, kw), v, 0, width)

    def section(key: str) -> None:
        name = word(key, lang)
        out.extend(["", name, "-" * cell_len(name)])

    section("summary")
    rows = _totals_rows(e, lang)
    lw = max(cell_len(k) for k, _ in rows) + 2
    vw = max(cell_len(v) for _, v in rows)
    out += [pad(k, lw) + pad_left(v, vw) for k, v in rows]
    if e.lines:
        section("lines")
        for row in e.lines:
            head, body = _line_sentence(e, row, lang)
            num = f"{row.index + 1}. "
            out += hang(num, head, 0, width)
            out += hang("", body, len(num), width)
    section("steps")
    for sv in e.steps:
        num = f"{sv.index + 1}. "
        out += hang(num, sv.title(lang), 0, width)
        rows = _step_lines(e, sv, lang)
        kw = max(cell_len(k) for k, _ in rows) + 2
        for k, v in rows:
            out += hang(pad(k, kw), v, len(num), width)
    out += ["", *wrap(word("footer", lang), width)]
    return "\n".join(out) + "\n"

