"""A settlement as Rich renderables, for the terminal. Figures come from the settlement only."""

from __future__ import annotations

from typing import TYPE_CHECKING

from rich.console import Group
from rich.table import Table
from rich.text import Text

from . import phrases
from .long_table import LongTable
from .masking import person_id
from .money import money_display
from .runtime import Settlement

if TYPE_CHECKING:
    from .loader import Policy


# A terminal table of more bill lines than this is not read, and drawing it takes seconds.
MAX_SHOWN_LINES = 500

# The table's words: English as it always was (labels with their Chinese), Chinese alone for zh.
WORDS: dict[str, tuple[str, str]] = {
    "bill": ("费用明细", "Bill lines"),
    "code": ("编码", "Code"),
    "name": ("名称", "Name"),
    "cat": ("类别", "Cat"),
    "amount": ("金额", "Amount"),
    "out": ("范围外", "Out"),
    "out_long": ("政策范围外", "Out of scope"),
    "self": ("自付", "Self"),
    "self_long": ("先行自付", "Self-pay first"),
    "person": ("个人", "Person"),
    "settlement": ("结算结果", "Settlement"),
    "total": ("总费用", "Total cost 总费用"),
    "out_of_scope": ("政策范围外", "Out of scope 政策范围外"),
    "first_self_pay": ("先行自付", "First self-pay 先行自付"),
    "in_scope": ("政策范围内", "In scope 政策范围内"),
    "pays": (phrases.label("person", "zh"),
             f"{phrases.label('person', 'en', heading=True)} {phrases.label('person', 'zh')}"),
    "share": ("报销比例", "Reimbursed share 报销比例"),
    "check": ("政策校验", "check"),
    "holds": ("通过", "holds"),
    "fails": ("未通过", "FAILS"),
    "ytd": ("{year}年度累计（已更新）", "Year to date {year} (updated)"),
    "trace": ("计算过程", "Trace"),
    "rule": ("规则", "Rule"),
    "line": ("行", "Line"),
    "formula": ("算式", "Formula"),
    "more_lines": ("……另有 {n} 行，已计入下方合计；--json 列出每一行",
                   "… {n} more lines, in the totals below; --json lists every line"),
    "more_steps": ("另有 {n} 行的费用分类；--json --trace 列出每一步",
                   "the classification of {n} more lines; --json --trace lists every step"),
    "classify": ("费用分类", "classify"),
    "shared": ("分配金额", "Amount shared out 分配金额"),
}


def _w(key: str, lang: str, **slots: object) -> str:
    zh, en = WORDS[key]
    return (zh if lang == "zh" else en).format(**slots)


def settlement_view(s: Settlement, *, lang: str = "en", trace: bool = False, width: int = 120,
                    policy: Policy | None = None, show_id: bool = False) -> Group:
    """The settlement as tables; below 110 columns the bill drops codes and shortens headers.

    The person's ID is masked unless ``show_id``; ``policy`` (the compiled policy) names a
    record's fields in the Chinese trace, which the settlement's metadata cannot.
    """
    compact = width < 110
    if s.meta.input == "record":
        return _record_view(s, lang=lang, trace=trace, policy=policy)
    layers = s.meta.layers
    head = _head(s, lang, policy, show_id)

    lines = Table(title=_w("bill", lang), title_justify="left", show_edge=False, pad_edge=False)
    lines.add_column("#", justify="right", no_wrap=True)
    if not compact:
        lines.add_column(_w("code", lang), no_wrap=True, max_width=12, overflow="ellipsis")
    lines.add_column(_w("name", lang), ratio=1, min_width=8, overflow="fold")
    lines.add_column(_w("cat", lang), no_wrap=True)
    zh = lang == "zh"
    money_cols = (_w("amount", lang), _w("out" if compact else "out_long", lang),
                  _w("self" if compact else "self_long", lang),
                  *[(layer.zh if zh else layer.name) for layer in layers], _w("person", lang))
    for col in money_cols:
        lines.add_column(col, justify="right", no_wrap=True)
    shown = s.lines[:MAX_SHOWN_LINES]
    for share in shown:  # Text, not str: a claim's `[b]` or `:pill:` is shown as written, not as markup
        cat = share.category + (f"/{share.item_class}" if share.item_class and not compact else "")
        lead = [str(share.index + 1)] + ([] if compact else [share.code])
        lines.add_row(*map(Text, (*lead, share.name, cat, money_display(share.amount),
                                  money_display(share.out_of_scope), money_display(share.first_self_pay),
                                  *[money_display(p) for p in share.payers], money_display(share.person))))

    totals = Table(title=_w("settlement", lang), title_justify="left", show_header=False, show_edge=False,
                   pad_edge=False)
    totals.add_column("item")
    totals.add_column("amount", justify="right")
    totals.add_row(_w("total", lang), money_display(s.total_fen))
    totals.add_row(_w("out_of_scope", lang), money_display(s.out_of_scope_fen))
    totals.add_row(_w("first_self_pay", lang), money_display(s.first_self_pay_fen))
    totals.add_row(_w("in_scope", lang), money_display(s.in_scope_fen))
    for layer, paid in zip(layers, s.payer_fen, strict=True):
        totals.add_row(Text(layer.zh if zh else f"{layer.name}: {layer.en}", style="green"),
                       Text(money_display(paid), style="green"))
    totals.add_row(Text(_w("pays", lang), style="bold"),
                   Text(money_display(s.person_fen), style="bold"))
    totals.add_row(_w("share", lang), f"{s.reimbursed_share * 100:.2f}%")
    _check_rows(totals, s, lang)

    parts: list[object] = [head, Text(), LongTable(lines)]
    if len(s.lines) > len(shown):
        parts.append(Text(_w("more_lines", lang, n=f"{len(s.lines) - len(shown):,}"), style="dim"))
    parts += [Text(), totals, Text(), _ytd_table(s, lang, policy)]
    if trace:
        parts += [Text(), _trace_table(s, lang, policy)]
    return Group(*parts)  # type: ignore[arg-type]


def _head(s: Settlement, lang: str, policy: Policy | None, show_id: bool) -> Text:
    """Who, when, where: in Chinese the claim's values are named by the policy's labels."""
    c = s.claim
    head = Text()
    who = person_id(c.person_id, show_id)
    if lang == "zh":
        from .render import letter_lex

        lex = letter_lex(s, lang, policy)
        v = lex.value
        head.append(f"结算单 {c.id}", style="bold")
        head.append(f" · {c.date} · 政策 {s.meta.id}\n")
        head.append(f"参保人 {who}（{v('person.scheme', c.scheme)}，{v('person.category', c.category)}"
                    + (f"，{c.age}岁" if c.age is not None else "") + "）· ")
        from .render_settlement import referral_applies

        visit = [v(f, x) for f, x in (("visit.kind", c.kind), ("visit.level", c.level),
                                      ("visit.region", c.region)) if x is not None]
        # "not referred" only where referral changed the figures, which the trace tells
        traced = s if s.records is not None or policy is None else policy.settle(c, trace=True)
        if referral_applies(traced, lex):
            visit.append(v("visit.referral", c.referral))
        head.append("，".join(visit))
        return head
    head.append(f"Claim {c.id}", style="bold")
    head.append(f" · {c.date} · policy {s.meta.id}\n")
    head.append(f"Person {who} ({c.scheme}, {c.category}"
                + (f", age {c.age}" if c.age is not None else "") + ") · ")
    parts = [c.kind, f"level {c.level}" if c.level is not None else None, c.region, f"referral {c.referral}"]
    head.append(", ".join(x for x in parts if x is not None))
    return head


def _check_rows(totals: Table, s: Settlement, lang: str) -> None:
    labels = {info.name: (info.zh or info.name) for info in s.meta.checks}
    for name, ok in s.checks.items():
        label = f"{_w('check', lang)} {labels.get(name, name) if lang == 'zh' else name}"
        totals.add_row(Text(label), Text(_w("holds" if ok else "fails", lang),
                                         style="green" if ok else "bold red"))


def _ytd_table(s: Settlement, lang: str = "en", policy: Policy | None = None) -> Table:
    ytd = Table(title=_w("ytd", lang, year=s.claim.year), title_justify="left", show_header=False,
                show_edge=False, pad_edge=False)
    ytd.add_column("accumulator")
    ytd.add_column("amount", justify="right")
    names: dict[str, str] = {}
    if lang == "zh":
        from .render import letter_lex
        from .render_settlement import layer_labels

        lex = letter_lex(s, lang, policy)
        labels = layer_labels(s, lex)
        names = {key: lex.accumulator(key, labels) for key in s.ytd}
    for key, fen in sorted(s.ytd.items()):
        ytd.add_row(Text(names.get(key, key)), money_display(fen))
    return ytd


def _trace_table(s: Settlement, lang: str, policy: Policy | None = None) -> LongTable:
    steps = Table(title=_w("trace", lang), title_justify="left", show_edge=False, pad_edge=False)
    steps.add_column("#", justify="right")
    steps.add_column(_w("rule", lang))
    steps.add_column(_w("line", lang), justify="right")
    steps.add_column(_w("formula", lang), overflow="fold")
    left_out = 0
    for step in s.trace:
        if step.claim_line is not None and step.claim_line >= MAX_SHOWN_LINES:
            left_out += 1  # the classification of a line the bill table does not show either
            continue
        where = str(step.line) if step.file == s.meta.file else f"{step.file}:{step.line}"
        rule = step.label(lang) if lang == "zh" else f"{step.rule}\n{step.label(lang)}"  # zh: no rule ids
        steps.add_row(Text(str(step.index + 1)), Text(rule), Text(where),
                      Text(step.formula_in(lang)))  # a formula quotes the claim's names: no markup
    if left_out:  # a row, not a caption: a caption would send the whole table through Rich
        steps.add_row(Text("…"), Text(_w("classify", lang)), Text(""),
                      Text(_w("more_steps", lang, n=f"{left_out:,}")))
    return LongTable(steps)


def _record_view(s: Settlement, *, lang: str, trace: bool, policy: Policy | None = None) -> Group:
    """A record (a budget, a fund) shared out among the layers, and what remains."""
    head = Text()
    zh_view = lang == "zh"
    head.append(f"{'记录' if zh_view else 'Record'} {s.claim.id}", style="bold")
    head.append(f" · {s.claim.date} · {'政策' if zh_view else 'policy'} {s.meta.id}")
    totals = Table(title=_w("settlement", lang), title_justify="left", show_header=False, show_edge=False,
                   pad_edge=False)
    totals.add_column("item")
    totals.add_column("amount", justify="right")
    totals.add_row(_w("shared", lang), money_display(s.total_fen))
    for layer, paid in zip(s.meta.layers, s.payer_fen, strict=True):
        totals.add_row(Text(layer.zh if zh_view else f"{layer.name}: {layer.en}", style="green"),
                       Text(money_display(paid), style="green"))
    zh, en = s.meta.remainder
    totals.add_row(Text(zh if zh_view else f"{zh} / {en}", style="bold"),
                   Text(money_display(s.person_fen), style="bold"))
    parts: list[object] = [head, Text(), totals, Text(), _ytd_table(s, lang, policy)]
    if trace:
        parts += [Text(), _trace_table(s, lang, policy)]
    return Group(*parts)  # type: ignore[arg-type]
