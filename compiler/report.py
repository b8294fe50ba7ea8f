"""A settlement as Rich renderables, for the terminal. Figures come from the settlement only."""

from __future__ import annotations

from typing import TYPE_CHECKING

from rich.console import Group
from rich.table import Table
from rich.text import Text

from .long_table import LongTable
from .masking import person_id
from .money import money_display
from .runtime import Settlement
from .trace import Step, zh_formulas

if TYPE_CHECKING:
    from .loader import Policy


# A terminal table of more bill lines than this is not read, and drawing it takes seconds.
MAX_SHOWN_LINES = 500


def settlement_view(s: Settlement, *, lang: str = "en", trace: bool = False, width: int = 120,
                    policy: Policy | None = None, show_id: bool = False) -> Group:
    """The settlement as tables; below 110 columns the bill drops codes and shortens headers.

    The person's ID is masked unless ``show_id``; ``policy`` (the compiled policy) names a
    record's fields in the Chinese trace, which the settlement's metadata cannot.
    """
    compact = width < 110
    if s.meta.input == "record":
        return _record_view(s, lang=lang, trace=trace, policy=policy)
    c = s.claim
    layers = s.meta.layers
    head = Text()
    head.append(f"Claim {c.id}", style="bold")
    head.append(f" · {c.date} · policy {s.meta.id}\n")
    head.append(f"Person {person_id(c.person_id, show_id)} ({c.scheme}, {c.category}"
                + (f", age {c.age}" if c.age is not None else "") + ") · ")
    head.append(f"{c.kind}, level {c.level}, {c.region}, referral {c.referral}")

    lines = Table(title="Bill lines", title_justify="left", show_edge=False, pad_edge=False)
    lines.add_column("#", justify="right", no_wrap=True)
    if not compact:
        lines.add_column("Code", no_wrap=True, max_width=12, overflow="ellipsis")
    lines.add_column("Name", ratio=1, min_width=8, overflow="fold")
    lines.add_column("Cat", no_wrap=True)
    money_cols = ("Amount", "Out" if compact else "Out of scope", "Self" if compact else "Self-pay first",
                  *[layer.name for layer in layers], "Person")
    for col in money_cols:
        lines.add_column(col, justify="right", no_wrap=True)
    shown = s.lines[:MAX_SHOWN_LINES]
    for share in shown:  # Text, not str: a claim's `[b]` or `:pill:` is shown as written, not as markup
        cat = share.category + (f"/{share.item_class}" if share.item_class and not compact else "")
        lead = [str(share.index + 1)] + ([] if compact else [share.code])
        lines.add_row(*map(Text, (*lead, share.name, cat, money_display(share.amount),
                                  money_display(share.out_of_scope), money_display(share.first_self_pay),
                                  *[money_display(p) for p in share.payers], money_display(share.person))))

    totals = Table(title="Settlement", title_justify="left", show_header=False, show_edge=False,
                   pad_edge=False)
    totals.add_column("item")
    totals.add_column("amount", justify="right")
    totals.add_row("Total cost 总费用", money_display(s.total_fen))
    totals.add_row("Out of scope 政策范围外", money_display(s.out_of_scope_fen))
    totals.add_row("First self-pay 先行自付", money_display(s.first_self_pay_fen))
    totals.add_row("In scope 政策范围内", money_display(s.in_scope_fen))
    for layer, paid in zip(layers, s.payer_fen, strict=True):
        label = layer.zh if lang == "zh" else layer.en
        totals.add_row(Text(f"{layer.name}: {label}", style="green"),
                       Text(money_display(paid), style="green"))
    totals.add_row(Text("The person pays 个人负担", style="bold"),
                   Text(money_display(s.person_fen), style="bold"))
    totals.add_row("Reimbursed share 报销比例", f"{s.reimbursed_share * 100:.2f}%")
    for name, ok in s.checks.items():
        totals.add_row(Text(f"check {name}"),
                       Text("holds" if ok else "FAILS", style="green" if ok else "bold red"))

    parts: list[object] = [head, Text(), LongTable(lines)]
    if len(s.lines) > len(shown):
        parts.append(Text(f"… {len(s.lines) - len(shown):,} more lines, in the totals below; "
                          "--json lists every line", style="dim"))
    parts += [Text(), totals, Text(), _ytd_table(s)]
    if trace:
        parts += [Text(), _trace_table(s, lang, policy)]
    return Group(*parts)  # type: ignore[arg-type]


def _ytd_table(s: Settlement) -> Table:
    ytd = Table(title=f"Year to date {s.claim.year} (updated)", title_justify="left", show_header=False,
                show_edge=False, pad_edge=False)
    ytd.add_column("accumulator")
    ytd.add_column("amount", justify="right")
    for key, fen in sorted(s.ytd.items()):
        ytd.add_row(key, money_display(fen))
    return ytd


def trace_steps(s: Settlement, policy: Policy | None) -> list[Step]:
    """The trace; with the policy, a record's fields are named by their labels in Chinese."""
    if policy is None or s.meta.input != "record" or s.records is None:
        return list(s.trace)
    fields = {f.name: f.label.zh or f.label.en for f in policy.ast.fields}
    return zh_formulas(s.trace, s.records, s.meta, fields)


def _trace_table(s: Settlement, lang: str, policy: Policy | None = None) -> LongTable:
    steps = Table(title="Trace", title_justify="left", show_edge=False, pad_edge=False)
    steps.add_column("#", justify="right")
    steps.add_column("Rule")
    steps.add_column("Line", justify="right")
    steps.add_column("Formula", overflow="fold")
    left_out = 0
    for step in trace_steps(s, policy):
        if step.claim_line is not None and step.claim_line >= MAX_SHOWN_LINES:
            left_out += 1  # the classification of a line the bill table does not show either
            continue
        where = str(step.line) if step.file == s.meta.file else f"{step.file}:{step.line}"
        steps.add_row(Text(str(step.index + 1)), Text(f"{step.rule}\n{step.label(lang)}"), Text(where),
                      Text(step.formula_in(lang)))  # a formula quotes the claim's names: no markup
    if left_out:  # a row, not a caption: a caption would send the whole table through Rich
        steps.add_row(Text("…"), Text("classify"), Text(""),
                      Text(f"the classification of {left_out:,} more lines; --json --trace lists every step"))
    return LongTable(steps)


def _record_view(s: Settlement, *, lang: str, trace: bool, policy: Policy | None = None) -> Group:
    """A record (a budget, a fund) shared out among the layers, and what remains."""
    head = Text()
    head.append(f"Record {s.claim.id}", style="bold")
    head.append(f" · {s.claim.date} · policy {s.meta.id}")
    totals = Table(title="Settlement", title_justify="left", show_header=False, show_edge=False,
                   pad_edge=False)
    totals.add_column("item")
    totals.add_column("amount", justify="right")
    totals.add_row("Amount shared out 分配金额", money_display(s.total_fen))
    for layer, paid in zip(s.meta.layers, s.payer_fen, strict=True):
        label = layer.zh if lang == "zh" else layer.en
        totals.add_row(Text(f"{layer.name}: {label}", style="green"),
                       Text(money_display(paid), style="green"))
    zh, en = s.meta.remainder
    totals.add_row(Text(f"{zh} / {en}", style="bold"), Text(money_display(s.person_fen), style="bold"))
    parts: list[object] = [head, Text(), totals, Text(), _ytd_table(s)]
    if trace:
        parts += [Text(), _trace_table(s, lang, policy)]
    return Group(*parts)  # type: ignore[arg-type]
