"""Policies, reforms and settlements as documents: Markdown or a standalone HTML page.

``render_policy`` writes a compiled policy as a policy text (scope, definitions,
classification, payers, figures with their history and exceptions) with worked
examples settled by the compiled policy; ``render_changes`` writes what a reform
changes against its base; ``render_letter`` writes a settlement explanation for
the insured person from the settlement's trace, also as plain text (``fmt="text"``).

The builders (``render_policy.py``, ``render_changes.py``, ``render_settlement.py``)
produce plain text in the reader's language; the Jinja2 templates in ``templates/`` add
the markup. Both environments use ``StrictUndefined``; HTML autoescapes, and Markdown
escapes every value through ``finalize``, so a policy string can never inject markup.
Plain text escapes nothing (it is not markup): ``text_layout.py`` flattens, wraps and aligns
each value in terminal cells instead.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterable, Sequence
from functools import cache
from pathlib import Path
from typing import TYPE_CHECKING, Any

import jinja2
from markupsafe import Markup

from .loader import Policy
from .masking import person_id
from .render_changes import ChangesDocument
from .render_model import Document, Item, Section, facts, items, para, table
from .render_policy import PolicyDocument, sample_claims
from .render_settlement import bill_table, claim_facts, claim_title, figures_table, result_table, steps
from .render_settlement import year_to_date as ytd_items
from .render_text import LANGS, Lex
from .runtime import Settlement
from .text_layout import FILTERS as TEXT_FILTERS
from .text_layout import LETTER_WIDTH, strip_controls

if TYPE_CHECKING:
    from yibao.config import Bureau

__all__ = [
    "FORMATS",
    "LANGS",
    "LETTER_FORMATS",
    "LETTER_WIDTH",
    "load_claims",
    "md_escape",
    "render_changes",
    "render_document",
    "render_letter",
    "render_policy",
    "sample_claims",
]

FORMATS = ("md", "html")
LETTER_FORMATS = (*FORMATS, "text")  # the letter also as plain text, for a terminal or a printer
TEMPLATES = Path(__file__).resolve().parent / "templates"

# Characters with a meaning in Markdown (CommonMark, GFM and Python-Markdown) that a backslash
# escapes: emphasis, code, links, tables, headings, strikethrough (~~).
_MD_PUNCT = re.compile(r"([\\`*_\[\]{}|#~])")
_MD_LINE_START = re.compile(r"^(\d+)([.)])(?=\s|$)|^([-+])(?=\s|$)")
# Control characters other than the line breaks (which become spaces) and the tab.
_MD_CONTROL = re.compile(r"[\x00-\x08\x0e-\x1b\x1f\x7f-\x84\x86-\x9f]")


def md_escape(value: Any) -> str:
    """Plain text as Markdown that shows it literally: no emphasis, links, HTML or table breaks.

    Every line break Python knows (\\n, \\r, \\v, \\f, NEL U+0085, U+2028, U+2029 and the
    separators U+001C–U+001E) becomes a space, so a value cannot start a new line, table row,
    heading or list; leading blanks shrink to one, which cannot start a code block.
    """
    if isinstance(value, Markup):  # markup the template itself wrote (anchors), passed with |safe
        return str(value)
    if value is None:
        return ""
    text = " ".join(str(value).splitlines()).replace("\t", " ")
    text = re.sub(r"^ {2,}", " ", _MD_CONTROL.sub("", text))
    text = text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
    text = _MD_PUNCT.sub(r"\\\1", text)
    return _MD_LINE_START.sub(lambda m: f"{m.group(1)}\\{m.group(2)}" if m.group(1) else f"\\{m.group(3)}",
                              text)


def _cap(text: Any) -> Any:
    """Headings and lead-ins start with a capital (English labels are written in lower case)."""
    if isinstance(text, str) and text:
        return text[0].upper() + text[1:]
    return text


@cache
def _environment(fmt: str) -> jinja2.Environment:
    if fmt not in LETTER_FORMATS:
        raise ValueError(f"unknown format {fmt!r}; expected md, html or text")
    loader = jinja2.FileSystemLoader(str(TEMPLATES))
    if fmt == "text":
        env = jinja2.Environment(loader=loader, autoescape=False, undefined=jinja2.StrictUndefined,
                                 finalize=strip_controls, trim_blocks=True, lstrip_blocks=True,
                                 keep_trailing_newline=True)
        env.filters.update(TEXT_FILTERS)
    elif fmt == "html":
        env = jinja2.Environment(loader=loader, autoescape=True, undefined=jinja2.StrictUndefined,
                                 trim_blocks=True, lstrip_blocks=True, keep_trailing_newline=True)
    else:
        env = jinja2.Environment(loader=loader, autoescape=False, undefined=jinja2.StrictUndefined,
                                 finalize=md_escape, trim_blocks=True, lstrip_blocks=True,
                                 keep_trailing_newline=True)
    env.filters["cap"] = _cap
    return env


def render_document(doc: Document, fmt: str, *, width: int = LETTER_WIDTH) -> str:
    """A built document through its template: ``<kind>.md.j2``, ``<kind>.html.j2`` or ``<kind>.txt.j2``.

    ``width`` (in cells) is the plain-text line length; Markdown and HTML do not wrap.
    """
    ext = "txt" if fmt == "text" else fmt
    template = _environment(fmt).get_template(f"{doc.kind}.{ext}.j2")
    text = template.render(doc=doc, colon="：" if doc.lang == "zh" else ": ", width=width)
    if fmt == "text":
        text = "\n".join(line.rstrip() for line in text.split("\n"))
    if fmt in ("md", "text"):
        text = re.sub(r"\n{3,}", "\n\n", text)
    return text.strip() + "\n"


def _check(lang: str, fmt: str, formats: tuple[str, ...] = FORMATS) -> None:
    if lang not in LANGS:
        raise ValueError(f"unknown language {lang!r}; expected zh or en")
    if fmt not in formats:
        raise ValueError(f"unknown format {fmt!r}; expected {', '.join(formats[:-1])} or {formats[-1]}")


def load_claims(paths: Iterable[str | Path]) -> list[tuple[str, Any]]:
    """Sample claims as (file stem, JSON data), in the order given."""
    out = []
    for path in paths:
        p = Path(path)
        out.append((p.stem, json.loads(p.read_text(encoding="utf-8"))))
    return out


def render_policy(policy: Policy, lang: str = "zh", fmt: str = "md", *,
                  claims: Sequence[tuple[str, Any]] | None = None) -> str:
    """The policy as a document; ``claims`` (stem, data) become worked examples.

    Without ``claims``, the bundled sample claims next to the policy file are used.
    """
    _check(lang, fmt)
    if claims is None:
        claims = load_claims(sample_claims(policy.ast.path))
    return render_document(PolicyDocument(policy, lang, claims).build(), fmt)


def render_changes(policy: Policy, lang: str = "zh", fmt: str = "md") -> str:
    """What a reform changes against its base, as a table. Raises ``ValueError`` for a non-reform."""
    _check(lang, fmt)
    return render_document(ChangesDocument(policy, lang).build(), fmt)


# ---------------------------------------------------------------- the letter


def render_letter(settlement: Settlement, lang: str, fmt: str, *, policy: Policy | None = None,
                  show_id: bool = False, width: int = LETTER_WIDTH, bureau: Bureau | None = None) -> str:
    """A settlement explanation for the insured person, from the settlement and its trace.

    ``fmt`` is ``md``, ``html`` or ``text`` (lines of at most ``width`` cells): one letter,
    one render model, three layouts. Settle with ``trace=True`` for the steps. ``policy``
    (the compiled policy) is optional: with it the letter names table rows and conditions
    in words. The person's ID is masked unless ``show_id`` (``--show-id``). ``bureau`` (the
    configuration's ``[bureau]``) gives the letterhead and the footer notes.
    """
    _check(lang, fmt, LETTER_FORMATS)
    doc = _letter(settlement, lang, policy, show_id)
    doc.letterhead, doc.notes = letterhead(bureau, lang)
    return render_document(doc, fmt, width=width)


def letterhead(bureau: Bureau | None, lang: str) -> tuple[list[str], list[str]]:
    """(letterhead lines, footer notes): the bureau's name, address and hotline, as configured.

    Without a configured bureau there are no lines (the HTML page still names the service).
    """
    zh = lang == "zh"
    if bureau is None or not (bureau.name or bureau.address or bureau.hotline):
        return [], list(bureau.notes) if bureau is not None else []
    head = [bureau.name or ("医疗保障经办机构" if zh else "Medical insurance service")]
    if bureau.address:
        head.append(("地址：" if zh else "Address: ") + bureau.address)
    if bureau.hotline:
        head.append(("咨询电话：" if zh else "Hotline: ") + bureau.hotline)
    return head, list(bureau.notes)


def letter_lex(s: Settlement, lang: str, policy: Policy | None) -> Lex:
    """The words of a settlement's letter (and of the explainer's clerk's view) in ``lang``."""
    lex = Lex(lang, policy.ast if policy is not None else None,
              policy.checked.types if policy is not None else None,
              policy.checked.enums if policy is not None else None)
    lex.record = s.meta.input == "record"
    return lex


def _letter(s: Settlement, lang: str, policy: Policy | None, show_id: bool = False) -> Document:
    lex = letter_lex(s, lang, policy)
    p = lex.pick
    m = lex.money
    c = s.claim
    record = s.meta.input == "record"
    title = lex.title(p(s.meta.zh, s.meta.en) or s.meta.zh)
    heading = (p("分配计算说明", "How the amount was shared out") if record
               else p("基本医疗保险结算说明", "Your medical-insurance settlement explained"))
    doc = Document(lang=lang, kind="letter", subtitle=str(c.id), toc=False, title=heading)
    doc.facts = [Item(str(c.id), p("结算单号", "Claim") if not record else p("记录编号", "Record")),
                 Item(lex.date(c.date), p("日期", "Date")),
                 Item(title, p("适用政策", "Policy"))]
    if policy is not None and policy.ast.header.document:
        doc.facts.append(Item(policy.ast.header.document, p("文号", "Document")))
    paid = sum(s.payer_fen)
    if record:
        doc.intro.append(para(p(f"按照《{title}》，{m(s.total_fen)}分配如下：各项合计{m(paid)}，"
                                f"{lex.pick(*s.meta.remainder)}{m(s.person_fen)}。",
                                f"Under “{title}”, {m(s.total_fen)} was shared out: {m(paid)} in the shares "
                                f"and {m(s.person_fen)} {lex.pick(*s.meta.remainder)}.")))
    else:
        who = person_id(c.person_id, show_id)
        doc.intro.append(para(p(f"参保人{who}：", f"Dear insured person {who},")))
        doc.intro.append(para(p(
            f"您于{lex.date(c.date)}发生的{claim_title(s, lex)}医疗费用共计{m(s.total_fen)}，"
            f"按照《{title}》结算，医保基金等各项共支付{m(paid)}，您个人负担{m(s.person_fen)}。具体说明如下。",
            f"For your {claim_title(s, lex)} on {lex.date(c.date)} the bill came to {m(s.total_fen)}. Under "
            f"“{title}”, the payers covered {m(paid)} and you pay {m(s.person_fen)}. This letter explains "
            "how.")))
    n = 0

    def section(ident: str, zh: str, en: str) -> Section:
        nonlocal n
        n += 1
        sec = Section(ident, f"{'一二三四五六七八九'[n - 1]}、" if lex.zh else f"{n}.", p(zh, en))
        doc.sections.append(sec)
        return sec

    sec = section("result", "结算结果", "The result")
    sec.blocks.append(table(result_table(s, lex)))
    sec = section("claim", "就诊信息", "Your claim" if not record else "The record")
    sec.blocks.append(facts(claim_facts(s, lex, show_id=show_id)))
    if not record:
        sec = section("bill", "费用明细", "Your bill, line by line")
        sec.blocks.append(table(bill_table(s, lex)))
    figures = figures_table(s, lex, with_sources=True)
    if figures is not None:
        sec = section("figures", "适用的标准", "The figures that applied")
        sec.blocks.append(table(figures))
    sec = section("steps", "计算过程", "How it was calculated")
    explained = steps(s, lex)
    if explained:
        sec.blocks.append(items(explained, ordered=True))
    else:
        sec.blocks.append(para(p("本次结算未记录计算过程。", "This settlement was made without a trace, so "
                                 "its steps are not available.")))
    if s.ytd:
        sec = section("year", f"{c.year}年度累计（含本次）", f"Your totals for {c.year}, this claim included")
        sec.blocks.append(facts(ytd_items(dict(s.ytd), s, lex)))
    if not record:
        doc.footer = p("如对本次结算有疑问，请携带本说明和结算单到医保经办窗口咨询。",
                       "If you have questions about this settlement, bring this letter and your bill to "
                       "the medical-insurance service window.")
    return doc
