"""Chinese output reads as Chinese: no doubled words, no identifiers of the policy file.

Every bundled policy with every bundled claim (its sample claims and the claims of its
``*.tests.json`` cases) is rendered in Chinese as the letter (Markdown, HTML), the
explanation (``yibao explain --text --lang zh``) and the settle table, and each text is
searched for:

- a doubled word: a Chinese word of two or more characters said twice in a row (支付支付);
- a raw identifier: a snake_case name (``in_scope``, ``year_paid``), a claim field
  (``person.category``), a name given a value (``deductible = 400.00``), ``true`` / ``false``.

What is allowed, because it is shown as written on purpose:

- what the claim says: its id, the person's ID, bill-line codes and names;
- what the policy's author wrote: citations and assumptions (quoted as written), the
  policy's id and file paths;
- a code in brackets right after its label, which points into the policy file:
  ``报销比例 (rate)``, ``风险金(risk_reserve)``, and table rows in backticks (`` `local, 2, _` ``);
- in the settle table, the operator's view, the codes it prints as codes: rule ids, payer
  names, year-to-date keys, check names and the claim's coded values.
"""

from __future__ import annotations

import html
import io
import re
from collections.abc import Iterator
from functools import cache
from pathlib import Path

import pytest
from rich.console import Console
from yibao.compiler.render import render_letter, sample_claims
from yibao.compiler.report import settlement_view
from yibao.compiler.runtime import Settlement
from yibao.tui.explanation import build_explanation

import yibao
from yibao.policytest import discover, load_test_file

from ..conftest import POLICIES

POLICY_FILES = sorted(POLICIES.glob("*/*.yb"))

DOUBLED = re.compile(r"([\u4e00-\u9fff]{2,})\1")
SNAKE = re.compile(r"(?<![\w./:-])[a-z][a-z0-9]*(?:_[a-z0-9]+)+(?![\w/-])")
FIELD = re.compile(r"\b(?:person|visit|claim|record|line)\.[a-z_]+\b")
ASSIGNED = re.compile(r"(?<![\w.:-])[a-z][a-z0-9_]* = ")
BOOLEAN = re.compile(r"\b(?:true|false)\b")
BRACKETED_CODE = re.compile(r"(?<=[\u4e00-\u9fff)）]) ?[(（][a-z][a-z0-9_]*[)）]")
BACKTICKED = re.compile(r"`[^`\n]*`")
PATH = re.compile(r"\S*policies/\S+|\S+\.yb\b")


@cache
def settled(policy_file: Path) -> tuple[yibao.Policy, tuple[Settlement, ...]]:
    """The policy, and every bundled claim of it settled with its trace."""
    policy = yibao.load_policy(policy_file)
    out = [policy.settle(yibao.compiler.json_input.load_claim_json(f), trace=True, source=str(f))
           for f in sample_claims(policy_file)]
    for test_file in discover([policy_file]):
        for case in load_test_file(test_file).cases:
            if case.error is not None:
                continue
            claims = [policy.claim(data, source) for source, data in case.claims]
            out += [policy.settle(claims[0], trace=True)] if len(claims) == 1 else \
                policy.settle_many(claims, trace=True)
    return policy, tuple(out)


def typed(s: Settlement) -> list[str]:
    """Text the claim and the policy's author wrote, shown as written."""
    c = s.claim
    out = [str(c.id), str(c.person_id), s.meta.id, s.meta.file]
    for line in c.lines:
        out += [line.code, line.name]
    out += [step.citation for step in s.trace]
    return [t for t in out if t]


def codes(s: Settlement) -> set[str]:
    """What the settle table prints as codes."""
    c = s.claim
    words = {step.rule for step in s.trace} | {layer.name for layer in s.meta.layers}
    words |= set(s.ytd) | set(s.checks)
    if s.meta.input != "record":
        words |= {c.scheme, c.category, c.kind, c.region, c.referral, c.facility, *c.diseases}
    return {part for w in words for part in re.split(r"[.:]", w)}


def allowed_words(s: Settlement) -> set[str]:
    return {m.group(0) for t in typed(s) for m in SNAKE.finditer(t)}


def plain(text: str, fmt: str) -> str:
    """The text a reader sees: Markdown escapes and HTML tags taken away."""
    if fmt == "md":
        text = re.sub(r'<a id="[^"]*"></a>', "", text)
        return re.sub(r"\\(.)", r"\1", text)
    if fmt == "html":
        body = text.split("<body", 1)[-1]
        body = re.sub(r"<(style|script)\b.*?</\1>", "", body, flags=re.S)
        return html.unescape(re.sub(r"<[^>]+>", " ", body))
    return text


def defects(text: str, s: Settlement, *, table_codes: bool = False) -> list[str]:
    """Doubled words and raw identifiers in a Chinese text, once what is allowed is left out."""
    for t in sorted(typed(s), key=len, reverse=True):  # whole words only: a claim may be called "a"
        text = re.sub(rf"(?<![\w-]){re.escape(t)}(?![\w-])", " ", text)
    text = PATH.sub(" ", BACKTICKED.sub(" ", BRACKETED_CODE.sub("", text)))
    allowed = allowed_words(s) | (codes(s) if table_codes else set())
    found = [f"doubled {m.group(0)!r}" for m in DOUBLED.finditer(text)]
    found += [f"identifier {m.group(0)!r}" for m in SNAKE.finditer(text) if m.group(0) not in allowed]
    found += [f"field {m.group(0)!r}" for m in FIELD.finditer(text)]
    found += [f"assignment {m.group(0)!r}" for m in ASSIGNED.finditer(text)]
    found += [f"boolean {m.group(0)!r}" for m in BOOLEAN.finditer(text)]
    return found


def outputs(policy: yibao.Policy, s: Settlement) -> Iterator[tuple[str, str, bool]]:
    """(which, text, whether codes are allowed) of every Chinese output of one settlement."""
    for fmt in ("md", "html"):
        yield f"letter.{fmt}", plain(render_letter(s, "zh", fmt, policy=policy), fmt), False
    yield "explain --text", build_explanation(s, policy).letter("zh", "text"), False
    console = Console(width=200, file=io.StringIO(), record=True, color_system=None)
    console.print(settlement_view(s, lang="zh", trace=True, width=200, policy=policy))
    yield "settle", console.export_text(), True


@pytest.mark.parametrize("policy_file", POLICY_FILES, ids=lambda p: f"{p.parent.name}-{p.stem}")
def test_chinese_output_has_no_doubled_words_or_identifiers(policy_file: Path) -> None:
    policy, settlements = settled(policy_file)
    assert settlements
    problems: list[str] = []
    for s in settlements:
        for which, text, table in outputs(policy, s):
            problems += [f"{s.claim.id} {which}: {d}" for d in defects(text, s, table_codes=table)]
    assert not problems, "\n".join(dict.fromkeys(problems))


def test_the_checker_finds_each_kind_of_defect(jiujiang_settled: Settlement) -> None:
    s = jiujiang_settled
    found = defects("统筹基金支付支付 6,880.00；计算基数 = in_scope；poor = true；person.category", s)
    assert [d.split()[0] for d in found] == ["doubled", "identifier", "field", "assignment", "boolean"]
    assert defects("报销比例 (rate) = 80%；取值：表格行 `local, 2, _`；policies/jiujiang/x.yb", s) == []


@pytest.fixture
def jiujiang_settled() -> Settlement:
    return settled(POLICIES / "jiujiang" / "resident_inpatient.yb")[1][0]
