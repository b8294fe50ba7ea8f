"""The explanation of one settlement, free of any UI: what the app shows and what ``--text`` prints.

Everything here is read from the settlement and its trace (and the policy's own texts and
labels); no figure is recomputed. Amounts are formatted with ``money_display`` only, so the
app, the printed letter and the tests all show the same strings the settlement holds.
The letters (plain text and Markdown) are ``yibao.compiler.render.render_letter``'s, so the
export, ``--text`` and ``--format`` write one letter; widths in cells are ``yibao.compiler.text_width``.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from yibao.compiler import phrases
from yibao.compiler.json_input import load_claim_json
from yibao.compiler.money import money_display
from yibao.compiler.runtime import Settlement
from yibao.compiler.trace import Input, Step

if TYPE_CHECKING:
    from yibao.compiler.loader import Policy

    from yibao.config import Bureau

__all__ = [
    "LANGS",
    "Explanation",
    "Figure",
    "InputView",
    "LineRow",
    "StepView",
    "build_explanation",
    "claim_files",
    "load_explanation",
]

LANGS = ("zh", "en")

# Words of the screen, (zh, en); the letters' words are the render model's (compiler/render_*.py).
WORDS: dict[str, tuple[str, str]] = {
    "claim": ("结算单", "Claim"),
    "lines": ("费用明细", "Bill lines"),
    "steps": ("结算步骤", "How it was settled"),
    "step": ("步骤", "Step"),
    "total": ("总费用", "Total cost"),
    "amount": ("金额", "Amount"),
    "out_of_scope": ("政策范围外", "Out of scope"),
    "first_self_pay": ("先行自付", "First self-pay"),
    "in_scope": ("政策范围内", "In scope"),
    "share": ("报销比例", "Reimbursed share"),
    "checks": ("政策校验", "Policy checks"),
    "code": ("编码", "Code"),
    "name": ("名称", "Name"),
    "category": ("类别", "Cat"),
    "formula": ("算式", "Formula"),
    "result": ("结果", "Result"),
    "inputs": ("依据参数", "Inputs"),
    "label": ("规则名称", "Label"),
    "citation": ("政策依据", "Citation"),
    "source": ("政策文件", "Policy file"),
}

# English words the summary bar shortens where it is short of room (Chinese is short already).
SHORT_EN = {"total": "Total", "share": "Reimbursed"}

KINDS: dict[str, tuple[str, str]] = {
    "parameter": ("参数", "parameter"),
    "classify": ("费用分类", "classification"),
    "layer": ("支付层", "layer"),
    "band": ("分段", "band"),
    "payer": ("支付", "payment"),
    "skip": ("未适用", "skipped"),
    "check": ("政策校验", "check"),
    "person": phrases.labels("person", role="who"),
    "amount": ("金额", "amount"),
    "note": ("说明", "note"),
}



def word(key: str, lang: str) -> str:
    zh, en = WORDS[key]
    return zh if lang == "zh" else en


def pick(pair: tuple[str, str], lang: str) -> str:
    return pair[0] if lang == "zh" else pair[1]


# ---------------------------------------------------------------------------- view data
@dataclass(frozen=True, slots=True)
class Figure:
    """One figure of the summary, with its label in both languages."""

    key: str
    zh: str
    en: str
    value: str
    strong: bool = False
    ok: bool | None = None  # for a policy check: whether it held
    payer: bool = False  # a payer's figure (its label is clipped to the payer column)
    short_en: str | None = None  # its English label where the summary bar is short of room

    def label(self, lang: str, short: bool = False) -> str:
        if lang == "zh":
            return self.zh
        return self.short_en if short and self.short_en else self.en


@dataclass(frozen=True, slots=True)
class LineRow:
    """One bill line as shown: its amounts as the settlement shared them out."""

    index: int
    code: str
    name: str
    category: str
    amount: str
    out_of_scope: str
    first_self_pay: str
    payers: tuple[str, ...]
    person: str


@dataclass(frozen=True, slots=True)
class InputView:
    """A parameter a step read: its value, the date it took effect and the row that gave it."""

    name: str
    zh: str
    en: str
    value: str
    effective_from: str | None
    branch: str | None
    branch_zh: str | None = None

    def describe(self, lang: str) -> str:
        label = self.zh if lang == "zh" else self.en
        out = label if self.name == self.en else f"{label} ({self.name})"
        value = {"true": "是", "false": "否"}.get(self.value, self.value) if lang == "zh" else self.value
        out += f" = {value}"
        if self.effective_from:
            out += (f";自 {self.effective_from} 起施行" if lang == "zh"
                    else f"; in force from {self.effective_from}")
        if self.branch:
            out += f";取值:{self.branch_zh or self.branch}" if lang == "zh" else f"; given by {self.branch}"
        return out


@dataclass(frozen=True, slots=True)
class StepView:
    """A trace step with its titles in both languages; the figures are the trace's own text."""

    step: Step
    title_zh: str
    title_en: str
    inputs: tuple[InputView, ...]

    @property
    def index(self) -> int:
        return self.step.index

    @property
    def claim_line(self) -> int | None:
        return self.step.claim_line

    def title(self, lang: str) -> str:
        return self.title_zh if lang == "zh" else self.title_en

    def where(self, lang: str) -> str:
        """``file, line 51`` or ``file, lines 67–73``."""
        s = self.step
        if lang == "zh":
            span = f"第 {s.line} 行" if s.end_line <= s.line else f"第 {s.line}–{s.end_line} 行"
            return f"{s.file} {span}"
        span = f"line {s.line}" if s.end_line <= s.line else f"lines {s.line}–{s.end_line}"
        return f"{s.file}, {span}"

    def haystack(self, *, citation: bool = False) -> str:
        """What a search looks through: both titles, the rule, formula and inputs (and the citation)."""
        s = self.step
        parts = [self.title_zh, self.title_en, s.rule, s.kind, s.formula, s.formula_zh, s.zh, s.en]
        parts += [f"{i.name} {i.zh} {i.en} {i.value}" for i in self.inputs]
        if citation:
            parts += [s.citation, s.citation_en]
        return "\n".join(parts).casefold()


@dataclass(frozen=True)
class Explanation:
    """Everything the explainer shows about one settlement, ready to render in zh or en."""

    settlement: Settlement
    policy_id: str
    policy_zh: str
    policy_en: str
    source: str | None
    payers: tuple[tuple[str, str, str], ...]  # (name, zh, en) of each layer, in order
    summary: tuple[Figure, ...]
    totals: tuple[Figure, ...]  # the summary with the scope figures and checks, for the letter
    lines: tuple[LineRow, ...]
    steps: tuple[StepView, ...]
    texts: Mapping[str, str] = field(repr=False)
    policy: Policy | None = field(default=None, repr=False)
    _first_step: Mapping[int, int] = field(repr=False, default_factory=dict)
    show_id: bool = False  # the person's ID whole (``--show-id``); masked otherwise
    bureau: Bureau | None = field(default=None, repr=False)  # the letterhead (yibao.toml's [bureau])
    _sentences: dict[tuple[int, str], str] = field(default_factory=dict, repr=False, compare=False)

    # -------------------------------------------------------------- navigation
    @property
    def claim_id(self) -> str:
        return self.settlement.claim.id

    def figure(self, key: str) -> Figure:
        return next(f for f in self.totals if f.key == key)

    def first_step_of_line(self, line: int) -> int | None:
        """The first trace step about bill line ``line`` (its classification), if any."""
        return self._first_step.get(line)

    def search(self, query: str, start: int = 0) -> int | None:
        """The first step at or after ``start`` (wrapping round) that mentions ``query``.

        Titles, rules, formulas and inputs are searched first; citations only when no step
        names the text itself (a citation mentions "band" long before the band steps).
        """
        needle = query.strip().casefold()
        if not needle or not self.steps:
            return None
        n = len(self.steps)
        for citation in (False, True):
            for k in range(n):
                i = (start + k) % n
                if needle in self.steps[i].haystack(citation=citation):
                    return i
        return None

    def line_shares(self, row: LineRow, lang: str) -> str:
        """Who bears how much of a bill line, as one line of text."""
        if lang == "zh":
            parts = [f"范围外 {row.out_of_scope}", f"先行自付 {row.first_self_pay}"]
            parts += [f"{zh} {v}" for (_, zh, _), v in zip(self.payers, row.payers, strict=True)]
            return " · ".join([*parts, f"个人 {row.person}"])
        parts = [f"out of scope {row.out_of_scope}", f"first self-pay {row.first_self_pay}"]
        parts += [f"{name} {v}" for (name, _, _), v in zip(self.payers, row.payers, strict=True)]
        return " · ".join([*parts, f"the person {row.person}"])

    def sentence(self, sv: StepView, lang: str) -> str:
        """The step in plain words for the clerk's view (the letter's wording), made once per language."""
        key = (sv.index, lang)
        text = self._sentences.get(key)
        if text is None:
            from yibao.compiler.render import letter_lex
            from yibao.compiler.render_settlement import step_sentence

            lex = letter_lex(self.settlement, lang, self.policy)
            text = self._sentences[key] = step_sentence(self.settlement, lex, sv.step) or sv.title(lang)
        return text

    def source_text(self, step: StepView) -> str:
        """The text of the policy file the step's rule is written in ('' if unknown)."""
        return self.texts.get(step.step.file, "")

    # -------------------------------------------------------------- the letter
    def steps_text(self, lang: str = "en", width: int = 88) -> str:
        """Every step as ``explain --text`` prints it after the letter: what the app's step pane
        shows (title, formula, the parameters read and what gave them, citation, policy line)."""
        from yibao.compiler.text_width import hang, wrap

        zh = lang == "zh"
        head = "计算步骤" if zh else "Steps"
        out = [head, "=" * len(head) if not zh else "=" * (2 * len(head)), ""]
        digits = len(str(len(self.steps)))
        for sv in self.steps:
            s = sv.step
            out.append(f"{sv.index + 1:>{digits}}. {sv.title(lang)}")
            indent = " " * (digits + 2)
            label = (("公式：", "依据：", "位置：", "参数：") if zh
                     else ("formula: ", "source: ", "where: ", "input: "))
            out += hang(label[0], s.formula_in(lang), digits + 2, width)
            for view in sv.inputs:
                out += hang(label[3], view.describe(lang), digits + 2, width)
            if s.citation:
                out += hang(label[1], s.citation_in(lang), digits + 2, width)
            out += [indent + line for line in wrap(label[2] + sv.where(lang), width - len(indent))]
        return "\n".join(out).rstrip() + "\n"

    def letter(self, lang: str = "en", fmt: str = "text") -> str:
        """The letter to the insured person, as plain text, Markdown or HTML (``render_letter``)."""
        if lang not in LANGS:
            raise ValueError(f"unknown language {lang!r}")
        if fmt not in ("markdown", "text", "html"):
            raise ValueError(f"unknown format {fmt!r}")
        from yibao.compiler.render import render_letter

        # the same letter `yibao explain --format md|html|text` writes, from the same render model
        return render_letter(self.settlement, lang, "md" if fmt == "markdown" else fmt, policy=self.policy,
                             show_id=self.show_id, bureau=self.bureau)

    def policy_title(self, lang: str) -> str:
        label = self.policy_zh if lang == "zh" else self.policy_en
        return f"{label}({self.policy_id})" if lang == "zh" else f"{label} ({self.policy_id})"


# ---------------------------------------------------------------------------- building
def _step_titles(step: Step, layers: Mapping[str, tuple[str, str]]) -> tuple[str, str]:
    """A title per language that tells a step from its neighbours: ``basic fund · deductible``."""
    kind = step.kind
    if kind == "parameter":
        return f"参数:{step.zh}", f"parameter: {step.en}"
    if kind == "classify" and step.claim_line is not None:
        n = step.claim_line + 1
        return f"{step.zh} · 第 {n} 行", f"{step.en} · line {n}"
    if kind in ("layer", "payer", "skip", "band") and phrases.has(step.construct, "title", "zh"):
        n = {"n": str(step.ordinal)}
        zh, en = (phrases.fill(phrases.phrase(step.construct, "title", lang), {}, str, n)
                  for lang in ("zh", "en"))
        if kind == "band" and step.layer in layers:
            return f"{layers[step.layer][0]} · {zh}", f"{layers[step.layer][1]} · {en}"
        return f"{step.zh} · {zh}", f"{step.en} · {en}"
    if kind == "check":
        return f"政策校验:{step.zh}", f"check: {step.en}"
    return step.zh, step.en


def _inputs(inputs: Iterable[Input]) -> tuple[InputView, ...]:
    return tuple(InputView(i.name, i.zh, i.en, i.value, i.effective_from, i.branch, i.branch_zh)
                 for i in inputs)


def build_explanation(settlement: Settlement, policy: Policy | None = None, *,
                      texts: Mapping[str, str] | None = None, source: str | None = None,
                      show_id: bool = False, bureau: Bureau | None = None) -> Explanation:
    """The explanation of a settlement settled with its trace; ``policy`` gives the source texts.

    The person's ID is masked unless ``show_id`` (``--show-id``).
    """
    s = settlement
    meta = s.meta
    if texts is None:
        texts = dict(policy.ast.texts) if policy is not None else {}
    payers = tuple((layer.name, layer.zh, layer.en) for layer in meta.layers)
    # a claim's remainder is the person's; a record names who bears what its layers leave
    rest_zh, rest_en = meta.remainder if meta.input == "record" else phrases.labels("person", heading=True)
    share = f"{s.reimbursed_share * 100:.2f}%"
    summary = (
        Figure("total", *WORDS["total"], money_display(s.total_fen), short_en=SHORT_EN["total"]),
        *(Figure(f"payer:{name}", zh, en, money_display(fen), payer=True)
          for (name, zh, en), fen in zip(payers, s.payer_fen, strict=True)),
        Figure("person", rest_zh, rest_en, money_display(s.person_fen), strong=True,
               short_en=None if meta.input == "record" else phrases.label("person", "en", role="label_short",
                                                                           heading=True)),
        Figure("share", *WORDS["share"], share, short_en=SHORT_EN["share"]),
    )
    scope: tuple[Figure, ...] = ()
    if meta.input != "record":
        scope = (
            Figure("out_of_scope", *WORDS["out_of_scope"], money_display(s.out_of_scope_fen)),
            Figure("first_self_pay", *WORDS["first_self_pay"], money_display(s.first_self_pay_fen)),
            Figure("in_scope", *WORDS["in_scope"], money_display(s.in_scope_fen)),
        )
    checks = tuple(
        Figure(f"check:{info.name}", info.zh, info.en, "", ok=ok)
        for info, ok in zip(meta.checks, s.check_results, strict=True)
    )
    totals = (summary[0], *scope, *summary[1:], *checks)
    rows = tuple(
        LineRow(ln.index, ln.code, ln.name, ln.category + (f"/{ln.item_class}" if ln.item_class else ""),
                money_display(ln.amount), money_display(ln.out_of_scope), money_display(ln.first_self_pay),
                tuple(money_display(p) for p in ln.payers), money_display(ln.person))
        for ln in (s.lines if meta.input != "record" else ())
    )
    layer_labels = {name: (zh, en) for name, zh, en in payers}
    steps = tuple(StepView(st, *_step_titles(st, layer_labels), _inputs(st.inputs))
                  for st in s.trace)
    first: dict[int, int] = {}
    for sv in steps:
        if sv.claim_line is not None:
            first.setdefault(sv.claim_line, sv.index)
    return Explanation(
        settlement=s, policy_id=meta.id, policy_zh=meta.zh, policy_en=meta.en, source=source,
        payers=payers, summary=summary, totals=totals, lines=rows,
        steps=steps, texts=texts, policy=policy, _first_step=first, show_id=show_id, bureau=bureau,
    )


def load_explanation(policy: Policy, claim: str | Path, *, show_id: bool = False,
                     bureau: Bureau | None = None) -> Explanation:
    """Read, validate and settle a claim file with its trace; raises ``YibaoError`` on bad input."""
    data = load_claim_json(claim)
    settlement = policy.settle(data, trace=True, source=str(claim))
    return build_explanation(settlement, policy, source=str(claim), show_id=show_id, bureau=bureau)


@dataclass(frozen=True, slots=True)
class ClaimEntry:
    """A claim file as the picker lists it: id, date, the person (masked), the bill's total."""

    path: Path
    id: str
    date: str
    person: str
    total: str
    problem: bool = False  # the claim does not validate: the picker shows why when it is chosen


def claim_entries(policy: Policy, files: Iterable[Path], *, show_id: bool = False) -> list[ClaimEntry]:
    """The claims among ``files`` that ``policy`` applies to (its scheme and visit kind).

    A claim that does not validate is listed (by its file name) so that choosing it shows the
    errors; a valid claim of another policy is left out.
    """
    from yibao.compiler.claims import parse_claim, parse_record
    from yibao.compiler.masking import person_id
    from yibao.dsl.errors import YibaoError

    out = []
    for path in files:
        try:
            data = load_claim_json(path)
            if policy.input == "record":
                parsed: Any = parse_record(data, policy.module.FIELDS, str(path), policy.year_start)
            else:
                parsed = parse_claim(data, policy.enums, str(path), policy.year_start)
        except YibaoError:
            out.append(ClaimEntry(path, path.stem, "", "", "", problem=True))
            continue
        if not policy.module.applies(parsed):
            continue
        total = money_display(getattr(parsed, "total", 0)) if policy.input != "record" else ""
        out.append(ClaimEntry(path, str(parsed.id), parsed.date.isoformat(),
                              person_id(getattr(parsed, "person_id", ""), show_id), total))
    return out


def claim_files(folder: str | Path) -> list[Path]:
    """The claim files (``*.json``) in a folder, in a stable order.

    Only the folder's own files when it has any: a subfolder usually holds another
    policy's claims. A folder of subfolders only is searched through.
    """
    root = Path(folder)
    own = sorted(p for p in root.glob("*.json") if p.is_file())
    if own:
        return own
    return sorted((p for p in root.rglob("*.json") if p.is_file()), key=lambda p: p.relative_to(root).parts)
