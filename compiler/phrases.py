"""The wording of every construct, one table per language.

Keys are a construct's name (``constructs.py``) and a role:

- ``formula``: the trace's formula, written into the compiled module's sites;
- ``letter`` (and its variants ``letter_earlier``, ``letter_bound``, ``letter_record`` …, chosen by
  ``constructs.letter_variant``): the sentence of a settlement letter;
- ``title``: what the explainer calls the step within its layer;
- ``coverage``: the rule a step counts for, in the coverage report (``yibao test --coverage``);
- ``label`` (``label_short``, ``who``): what the figure a construct gives is called, wherever it is
  shown (the person's share in the trace, the explainer, letters, reports).

Besides the constructs, ``("result", name)`` words a layer result a rule reads (``basic.paid``,
``constructs.LAYER_RESULTS``) and ``("accumulator", key)`` a year-to-date figure
(``basic.deductible``, ``constructs.ACCUMULATORS``), both of a layer named by ``{@layer}`` or
after it.

``{field}`` is a figure the step recorded (``constructs.Construct.fields``), formatted by the
reader (money as money, rates as percentages); ``{@name}`` is text the writer supplies (the
policy's base written as it was, a layer's label, a band's number), inserted as text, never
read as a slot.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from typing import Any

from .constructs import TREATMENTS

ZH: dict[tuple[str, str], str] = {
    ("parameter", "formula"): "{@label} = {value}",
    ("classify_in", "formula"): "{code} {name}：{@category}，{amount}纳入政策范围",
    ("classify_out", "formula"): "{code} {name}：{@category}，{amount}属政策范围外，由个人负担",
    ("classify_share", "formula"):
        "{code} {name}：{@category}，先行自付 {amount} × {share} = {first_self_pay}；政策范围内 {in_scope}",
    ("classify_in_share", "formula"):
        "{code} {name}：{@category}，按 {share} 纳入政策范围：{amount} × {share} = {in_scope}；先行自付 {first_self_pay}",
    ("classify_billed", "title"): "按医保结算明细",
    ("classify_billed", "formula"):
        "{code} {name}：按医保结算明细，全自费 {self_pay}，超限价 {over_limit}，先行自付 {first_self_pay}，政策范围内 {in_scope}",
    ("classify_in", "treatment"): "全部纳入政策范围内费用",
    ("classify_in", "treatment_short"): "政策范围内",
    ("classify_out", "treatment"): "政策范围外，由个人负担",
    ("classify_out", "treatment_short"): "政策范围外",
    ("classify_share", "treatment"): "个人先行自付{@share}，其余纳入政策范围内费用",
    ("classify_share", "treatment_short"): "先行自付{@share}",
    ("classify_in_share", "treatment"): "按{@share}纳入政策范围内费用，其余由个人先行自付",
    ("classify_in_share", "treatment_short"): "按{@share}纳入政策范围",
    ("amount", "formula"): "分配金额 = {@expr} = {amount}",
    ("amount", "letter"): "{@expr} = {amount}",
    ("base", "formula"): "计算基数 = {@expr} = {base}",
    ("base", "letter"): "计算基数为{@expr}{base}",
    ("base", "letter_plain"): "计算基数为{base}",
    ("base", "title"): "计算基数",
    ("ceiling_year", "formula"): "计入上限 {ceiling}（每年，本年度剩余额度 {room}）：计入 {entered}，"
                                 "超出上限的 {over} 转由后续支付",
    ("ceiling_year", "letter"): "计入上限{ceiling}（每个医疗年度），尚可计入{room}：计入{entered}，"
                                "超出的{over}转由后续支付",
    ("ceiling_year", "title"): "费用封顶线",
    ("ceiling_visit", "formula"): "计入上限 {ceiling}（每次，剩余额度 {room}）：计入 {entered}，"
                                  "超出上限的 {over} 转由后续支付",
    ("ceiling_visit", "letter"): "计入上限{ceiling}（每次），尚可计入{room}：计入{entered}，超出的{over}转由后续支付",
    ("ceiling_visit", "title"): "费用封顶线",
    ("ceiling_after_deductible_year", "formula"): "计入上限 {ceiling}（起付线以上，每年，本年度剩余额度 {room}）："
                                                  "起付线以上 {eligible}，计入 {entered}，超出上限的 {over} 转由后续支付",
    ("ceiling_after_deductible_year", "letter"): "起付线以上费用年度限额{ceiling}，尚可计入{room}：起付线以上{eligible}，"
                                                 "计入{entered}，超出的{over}转由后续支付",
    ("ceiling_after_deductible_year", "title"): "起付线以上费用限额",
    ("ceiling_after_deductible_visit", "formula"): "计入上限 {ceiling}（起付线以上，每次）：起付线以上 {eligible}，"
                                                   "计入 {entered}，超出上限的 {over} 转由后续支付",
    ("ceiling_after_deductible_visit", "letter"): "起付线以上费用每次限额{ceiling}：起付线以上{eligible}，"
                                                  "计入{entered}，超出的{over}转由后续支付",
    ("ceiling_after_deductible_visit", "title"): "起付线以上费用限额",
    ("deductible_year", "formula"): "起付线 {deductible}，本年度已付 {paid_before}：尚需 {due}；"
                                    "本次计入 {base} 与 {due} 中较小者 = {applied}",
    ("deductible_year", "letter"): "起付线{deductible}，实际计入{applied}",
    ("deductible_year", "letter_earlier"): "起付线{deductible}，本年度此前已计{paid_before}，本次尚需{due}，"
                                           "实际计入{applied}",
    ("deductible_year", "title"): "起付线",
    ("deductible_visit", "formula"): "每次起付线 {deductible}：本次计入 {base} 与 {deductible} 中较小者 = {applied}",
    ("deductible_visit", "letter"): "本次起付线{deductible}，实际计入{applied}",
    ("deductible_visit", "title"): "起付线",
    ("deductible_visit_limited", "formula"): "每次起付线 {deductible}，在年度起付线累计限额内（本年度已付 "
                                             "{paid_before}）：本次计入 {base} 与 {deductible} 中较小者 = {applied}",
    ("deductible_visit_limited", "letter"): "本次起付线{deductible}，实际计入{applied}",
    ("deductible_visit_limited", "title"): "起付线",
    ("fixed", "formula"): "每次定额支付 {fixed}，不超过实际费用 {cost}：{pay}",
    ("fixed", "letter"): "定额支付标准{fixed}，以费用{cost}为限，计{pay}",
    ("fixed", "title"): "定额支付",
    ("given", "formula"): "按报来的结算结果支付 {given}，不超过此前尚未支付的 {unpaid}：{pay}",
    ("given", "letter"): "按报来的结算结果支付{given}（此前尚未支付{unpaid}）",
    ("given", "title"): "按结算结果支付",
    ("rate", "formula"): "{base} × {rate} = {pay}",
    ("rate", "letter"): "{base}按{rate}支付，计{pay}",
    ("rate", "letter_record"): "{base}按{rate}计提，计{pay}",
    ("rate", "title"): "按比例支付",
    ("rate_line", "formula"): "{code} {name}：政策范围内 {in_scope}，分摊 {share} × {rate} = {pay}",
    ("rate_line", "letter"): "{name}分摊{share}，按{rate}支付，计{pay}",
    ("rate_line", "title"): "按项目比例支付",
    ("rate_by_line", "formula"): "({base} − 起付线 {deductible}) = {eligible}，按各项目比例合计支付 {pay}",
    ("rate_by_line", "letter"): "起付线以上的{eligible}按各项目的支付比例分摊支付，合计{pay}",
    ("rate_by_line", "title"): "按项目比例支付",
    ("rate_after_deductible", "formula"): "({base} − 起付线 {deductible}) × {rate} = {pay}",
    ("rate_after_deductible", "letter"): "起付线以上的{above}按{rate}支付，计{pay}",
    ("rate_after_deductible", "title"): "按比例支付",
    ("band_year", "formula"): "本年度累计基数 {lower} 至 {upper} 段：{slice} × {rate} = {pay}",
    ("band_year", "letter"): "第{@n}段（本年度累计{lower}至{upper}）的{slice}按{rate}支付，计{pay}",
    ("band_year", "title"): "第 {@n} 段",
    ("band_visit", "formula"): "{lower} 至 {upper} 段：{slice} × {rate} = {pay}",
    ("band_visit", "letter"): "第{@n}段（{lower}至{upper}）的{slice}按{rate}支付，计{pay}",
    ("band_visit", "title"): "第 {@n} 段",
    ("cap_year", "formula"): "年度最高支付限额 {cap}，本年度已支付 {paid_before}：{before_cap} 与 {cap_left} 中较小者 = {pay}",
    ("cap_year", "letter"): "年度最高支付限额{cap}，本年度此前已支付{paid_before}，尚余{cap_left}，未超过限额",
    ("cap_year", "letter_bound"): "年度最高支付限额{cap}，本年度此前已支付{paid_before}，尚余{cap_left}，"
                                  "支付额由{before_cap}核减为{pay}",
    ("cap_year", "title"): "年度最高支付限额",
    ("cap_month", "formula"): "月度最高支付限额 {cap}，本月已支付 {paid_before}：{before_cap} 与 {cap_left} 中较小者 = {pay}",
    ("cap_month", "letter"): "月度最高支付限额{cap}，本月此前已支付{paid_before}，尚余{cap_left}，未超过限额",
    ("cap_month", "letter_bound"): "月度最高支付限额{cap}，本月此前已支付{paid_before}，尚余{cap_left}，支付额由{before_cap}核减为{pay}",
    ("cap_month", "title"): "月度最高支付限额",
    ("cap_quarter", "formula"): "季度最高支付限额 {cap}，本季度已支付 {paid_before}：{before_cap} 与 {cap_left} 中较小者 = {pay}",
    ("cap_quarter", "letter"): "季度最高支付限额{cap}，本季度此前已支付{paid_before}，尚余{cap_left}，未超过限额",
    ("cap_quarter", "letter_bound"): "季度最高支付限额{cap}，本季度此前已支付{paid_before}，尚余{cap_left}，支付额由{before_cap}核减为{pay}",
    ("cap_quarter", "title"): "季度最高支付限额",
    ("cap_visit", "formula"): "每次最高支付限额：{before_cap} 与 {cap} 中较小者 = {pay}",
    ("cap_visit", "letter"): "每次最高支付{cap}，未超过限额",
    ("cap_visit", "letter_bound"): "每次最高支付{cap}，支付额由{before_cap}核减为{pay}",
    ("cap_visit", "title"): "单次最高支付限额",
    ("pays", "formula"): "{@payer} {pay}",
    ("pays", "letter"): "共支付{pay}",
    ("pays", "letter_record"): "合计{pay}",
    ("pays", "title"): "支付金额",
    ("skipped", "formula"): "不适用：{condition} 不成立",
    ("skipped", "letter"): "不适用：{@condition}的条件不成立",
    ("skipped", "letter_flag"): "不适用：{@condition}",
    ("skipped", "title"): "不适用",
    ("check", "formula"): "{condition}：{holds}",
    ("check", "letter"): "满足",
    ("check", "letter_failed"): "不满足",
    ("person", "label"): "个人负担",
    ("person", "label_short"): "个人负担",
    ("person", "who"): "个人负担",
    ("remainder", "label"): "结余",
    ("person", "formula"): "总费用 {total} − 各项支付 {paid} = {person}",
    ("person", "letter"): "总费用{total}减去各项支付合计{paid}，个人负担{person}",
    ("remainder", "formula"): "分配金额 {total} − 各项支付 {paid} = {person}",
    ("remainder", "letter"): "分配金额{total}减去各项分配{paid}，余{person}",
    ("ytd_ignored", "formula"): "年度累计为 {ytd_year} 年的数据，不是本次结算的 {year} 年：不予计入",
    ("input", "exception"): "例外情形 {@name} ({@zh} / {@en})",
    ("input", "row"): "表格行 `{@row}`",
    ("input", "joiner"): ",",
    ("ytd_ignored", "letter"): "年度累计数据属于{ytd_year}年，不是本次结算的{year}年，未予计入",
    ("result", "paid"): "{@layer}本次支付额",
    ("result", "deductible"): "{@layer}本次起付线",
    ("result", "base"): "{@layer}计算基数",
    ("result", "over_ceiling"): "{@layer}超出计入上限的部分",
    ("result", "eligible"): "{@layer}起付线以上部分",
    ("result", "year_paid"): "{@layer}本年度此前已支付",
    ("result", "year_deductible"): "{@layer}本年度此前已计起付线",
    ("result", "year_base"): "{@layer}本年度此前累计分段基数",
    ("result", "year_entered"): "{@layer}本年度此前已计入费用",
    ("result", "month_paid"): "{@layer}本月此前已支付",
    ("result", "quarter_paid"): "{@layer}本季度此前已支付",
    ("accumulator", "paid"): "已支付",
    ("accumulator", "deductible"): "已计起付线",
    ("accumulator", "base"): "分段累计基数",
    ("accumulator", "entered"): "已计入费用",
    ("accumulator", "month.paid"): "本月已支付",
    ("accumulator", "quarter.paid"): "本季度已支付",
    ("classify_in", "coverage"): "{@category}",
    ("classify_out", "coverage"): "{@category}",
    ("classify_share", "coverage"): "{@category}",
    ("classify_in_share", "coverage"): "{@category}",
    ("classify_billed", "coverage"): "按医保结算明细",
    ("ceiling_year", "coverage"): "{@layer}：达到费用封顶线",
    ("ceiling_visit", "coverage"): "{@layer}：达到费用封顶线",
    ("ceiling_after_deductible_year", "coverage"): "{@layer}：达到起付线以上的费用封顶线",
    ("ceiling_after_deductible_visit", "coverage"): "{@layer}：达到起付线以上的费用封顶线",
    ("band_year", "coverage"): "{@label}",
    ("band_visit", "coverage"): "{@label}",
    ("cap_year", "coverage"): "{@layer}：达到年度最高支付限额",
    ("cap_month", "coverage"): "{@layer}：达到月度最高支付限额",
    ("cap_quarter", "coverage"): "{@layer}：达到季度最高支付限额",
    ("cap_visit", "coverage"): "{@layer}：达到每次最高支付限额",
    ("pays", "coverage"): "{@layer}：有支付",
    ("skipped", "coverage"): "{@layer}：不适用",
}

EN: dict[tuple[str, str], str] = {
    ("parameter", "formula"): "{@name} = {value}",
    ("classify_in", "formula"): "{code} {name}: category {@category}, {amount} in scope",
    ("classify_in", "coverage"): "{@category}",
    ("classify_out", "formula"): "{code} {name}: category {@category}, {amount} out of scope, paid by the person",
    ("classify_out", "coverage"): "{@category}",
    ("classify_share", "formula"): "{code} {name}: category {@category}, first self-pay {amount} × {share} = "
                                   "{first_self_pay}; in scope {in_scope}",
    ("classify_share", "coverage"): "{@category}",
    ("classify_in_share", "formula"): "{code} {name}: category {@category}, {share} in scope: {amount} × {share} = "
                                      "{in_scope}; first self-pay {first_self_pay}",
    ("classify_in_share", "coverage"): "{@category}",
    ("classify_billed", "formula"): "{code} {name}: as billed, self-paid {self_pay}, over the price limit "
                                    "{over_limit}, first self-pay {first_self_pay}, in scope {in_scope}",
    ("classify_billed", "coverage"): "as billed",
    ("classify_billed", "title"): "as billed",
    ("classify_in", "treatment"): "in scope",
    ("classify_in", "treatment_short"): "in scope",
    ("classify_out", "treatment"): "out of scope, paid by the person",
    ("classify_out", "treatment_short"): "out of scope",
    ("classify_share", "treatment"): "the person first pays {@share}; the rest is in scope",
    ("classify_share", "treatment_short"): "first self-pay {@share}",
    ("classify_in_share", "treatment"): "{@share} is in scope; the person first pays the rest",
    ("classify_in_share", "treatment_short"): "{@share} in scope",
    ("amount", "formula"): "amount = {@expr} = {amount}",
    ("amount", "letter"): "{@expr} = {amount}",
    ("base", "formula"): "base = {@expr} = {base}",
    ("base", "letter"): "the base is {@expr}, {base}",
    ("base", "letter_plain"): "the base is {base}",
    ("base", "title"): "base",
    ("ceiling_year", "formula"): "ceiling {ceiling} per year, this year room {room}: {entered} enters, "
                                 "{over} above the ceiling passes on",
    ("ceiling_year", "letter"): "ceiling {ceiling} per year, room {room}: {entered} enters, {over} above it "
                                "passes on",
    ("ceiling_year", "title"): "eligible-cost ceiling",
    ("ceiling_year", "coverage"): "layer {@layer}: ceiling reached",
    ("ceiling_visit", "formula"): "ceiling {ceiling} per visit, room {room}: {entered} enters, "
                                  "{over} above the ceiling passes on",
    ("ceiling_visit", "letter"): "ceiling {ceiling} per visit, room {room}: {entered} enters, {over} above it "
                                 "passes on",
    ("ceiling_visit", "title"): "eligible-cost ceiling",
    ("ceiling_visit", "coverage"): "layer {@layer}: ceiling reached",
    ("ceiling_after_deductible_year", "formula"): "ceiling {ceiling} per year after the deductible, this year "
                                                  "room {room}: of {eligible} above the deductible {entered} "
                                                  "enters, {over} above the ceiling passes on",
    ("ceiling_after_deductible_year", "letter"): "ceiling {ceiling} a year on the cost above the deductible, room "
                                                 "{room}: of {eligible}, {entered} enters, {over} above it passes on",
    ("ceiling_after_deductible_year", "title"): "ceiling after the deductible",
    ("ceiling_after_deductible_year", "coverage"): "layer {@layer}: ceiling after the deductible reached",
    ("ceiling_after_deductible_visit", "formula"): "ceiling {ceiling} per visit after the deductible: of "
                                                   "{eligible} above the deductible {entered} enters, {over} "
                                                   "above the ceiling passes on",
    ("ceiling_after_deductible_visit", "letter"): "ceiling {ceiling} a visit on the cost above the deductible: of "
                                                  "{eligible}, {entered} enters, {over} above it passes on",
    ("ceiling_after_deductible_visit", "title"): "ceiling after the deductible",
    ("ceiling_after_deductible_visit", "coverage"): "layer {@layer}: ceiling after the deductible reached",
    ("deductible_year", "formula"): "deductible {deductible}, already paid this year {paid_before}: due {due}; "
                                    "applied min({base}, {due}) = {applied}",
    ("deductible_year", "letter"): "deductible {deductible}, {applied} applied",
    ("deductible_year", "letter_earlier"): "deductible {deductible}, of which {paid_before} was paid earlier "
                                           "this year: {due} due, {applied} applied",
    ("deductible_year", "title"): "deductible",
    ("deductible_visit", "formula"): "deductible per visit {deductible}: applied min({base}, {deductible}) = "
                                     "{applied}",
    ("deductible_visit", "letter"): "deductible for this visit {deductible}, {applied} applied",
    ("deductible_visit", "title"): "deductible",
    ("deductible_visit_limited", "formula"): "deductible per visit {deductible}, within the year's limit "
                                             "(already paid {paid_before}): applied min({base}, {deductible}) "
                                             "= {applied}",
    ("deductible_visit_limited", "letter"): "deductible for this visit {deductible}, {applied} applied",
    ("deductible_visit_limited", "title"): "deductible",
    ("fixed", "formula"): "fixed payment per visit {fixed}, at most the cost {cost}: {pay}",
    ("fixed", "letter"): "fixed payment {fixed}, at most the cost of {cost}: {pay}",
    ("fixed", "title"): "fixed payment",
    ("given", "formula"): "as the claim gives it {given}, at most the {unpaid} left unpaid: {pay}",
    ("given", "letter"): "paid {given} as settled upstream and given in the claim ({unpaid} was left unpaid)",
    ("given", "title"): "amount as given",
    ("rate", "formula"): "{base} × {rate} = {pay}",
    ("rate", "letter"): "{base} is paid at {rate}: {pay}",
    ("rate", "letter_record"): "{base} at {rate}: {pay}",
    ("rate", "title"): "rate",
    ("rate_line", "formula"): "{code} {name}: in scope {in_scope}, share {share} × {rate} = {pay}",
    ("rate_line", "letter"): "{name}: its share {share} is paid at {rate}: {pay}",
    ("rate_line", "title"): "rate by line",
    ("rate_by_line", "formula"): "({base} − deductible {deductible}) = {eligible}, paid at each line's rate: {pay}",
    ("rate_by_line", "letter"): "{eligible} above the deductible is shared out over the lines and paid at each line's rate: {pay} in all",
    ("rate_by_line", "title"): "rate by line",
    ("rate_after_deductible", "formula"): "({base} − deductible {deductible}) × {rate} = {pay}",
    ("rate_after_deductible", "letter"): "{above} above the deductible is paid at {rate}: {pay}",
    ("rate_after_deductible", "title"): "rate",
    ("band_year", "formula"): "slice {lower} to {upper} of the year's base: {slice} × {rate} = {pay}",
    ("band_year", "letter"): "band {@n} ({lower} to {upper} of the running total this year): "
                             "{slice} at {rate} = {pay}",
    ("band_year", "title"): "band {@n}",
    ("band_year", "coverage"): "{@rule}: {@label}",
    ("band_visit", "formula"): "slice {lower} to {upper}: {slice} × {rate} = {pay}",
    ("band_visit", "letter"): "band {@n} ({lower} to {upper}): {slice} at {rate} = {pay}",
    ("band_visit", "title"): "band {@n}",
    ("band_visit", "coverage"): "{@rule}: {@label}",
    ("cap_year", "formula"): "cap per year {cap}, already paid {paid_before}: min({before_cap}, {cap_left}) = "
                             "{pay}",
    ("cap_year", "letter"): "annual cap {cap}, {paid_before} paid earlier this year, {cap_left} left: "
                            "within the cap",
    ("cap_year", "letter_bound"): "annual cap {cap}, {paid_before} paid earlier this year, {cap_left} left: "
                                  "the payment is cut from {before_cap} to {pay}",
    ("cap_year", "title"): "annual cap",
    ("cap_year", "coverage"): "layer {@layer}: cap per year reached",
    ("cap_month", "formula"): "cap per month {cap}, already paid {paid_before}: min({before_cap}, {cap_left}) = {pay}",
    ("cap_month", "letter"): "monthly cap {cap}, {paid_before} paid earlier this month, {cap_left} left: within the cap",
    ("cap_month", "letter_bound"): "monthly cap {cap}, {paid_before} paid earlier this month, {cap_left} left: the payment is cut from {before_cap} to {pay}",
    ("cap_month", "title"): "monthly cap",
    ("cap_month", "coverage"): "layer {@layer}: cap per month reached",
    ("cap_quarter", "formula"): "cap per quarter {cap}, already paid {paid_before}: min({before_cap}, {cap_left}) = {pay}",
    ("cap_quarter", "letter"): "quarterly cap {cap}, {paid_before} paid earlier this quarter, {cap_left} left: within the cap",
    ("cap_quarter", "letter_bound"): "quarterly cap {cap}, {paid_before} paid earlier this quarter, {cap_left} left: the payment is cut from {before_cap} to {pay}",
    ("cap_quarter", "title"): "quarterly cap",
    ("cap_quarter", "coverage"): "layer {@layer}: cap per quarter reached",
    ("cap_visit", "formula"): "cap per visit: min({before_cap}, {cap}) = {pay}",
    ("cap_visit", "letter"): "cap per visit {cap}: within the cap",
    ("cap_visit", "letter_bound"): "cap per visit {cap}: the payment is cut from {before_cap} to {pay}",
    ("cap_visit", "title"): "cap per visit",
    ("cap_visit", "coverage"): "layer {@layer}: cap per visit reached",
    ("pays", "formula"): "{@layer} pays {pay}",
    ("pays", "letter"): "pays {pay} in all",
    ("pays", "letter_record"): "{pay} in all",
    ("pays", "title"): "pays",
    ("pays", "coverage"): "layer {@layer} pays",
    ("skipped", "formula"): "does not apply: {condition} is false",
    ("skipped", "letter"): "does not apply: it applies only when {@condition}",
    ("skipped", "letter_flag"): "does not apply: {@condition}",
    ("skipped", "title"): "does not apply",
    ("skipped", "coverage"): "layer {@layer} does not apply",
    ("check", "formula"): "{condition}: {holds}",
    ("check", "letter"): "holds",
    ("check", "letter_failed"): "does not hold",
    ("person", "label"): "the person pays",
    ("person", "label_short"): "person pays",
    ("person", "who"): "the person",
    ("remainder", "label"): "remainder",
    ("person", "formula"): "total {total} − payers {paid} = {person}",
    ("person", "letter"): "the total cost of {total} less {paid} paid by the payers leaves {person} to the person",
    ("remainder", "formula"): "amount {total} − payers {paid} = {person}",
    ("remainder", "letter"): "{total} less {paid} shared out leaves {person}",
    ("ytd_ignored", "formula"): "year_to_date is for {ytd_year}, not the claim's year {year}: ignored",
    ("input", "exception"): "exception {@name} ({@zh} / {@en})",
    ("input", "row"): "row `{@row}`",
    ("input", "joiner"): ", ",
    ("ytd_ignored", "letter"): "the year-to-date figures are for {ytd_year}, not the claim's year {year}: "
                               "they are ignored",
    ("result", "paid"): "what {@layer} paid",
    ("result", "deductible"): "{@layer}'s deductible",
    ("result", "base"): "{@layer}'s base",
    ("result", "over_ceiling"): "the part above {@layer}'s ceiling",
    ("result", "eligible"): "{@layer}'s base above the deductible",
    ("result", "year_paid"): "what {@layer} paid earlier this year",
    ("result", "year_deductible"): "{@layer}'s deductible paid earlier this year",
    ("result", "year_base"): "{@layer}'s running base this year",
    ("result", "year_entered"): "cost entered under {@layer}'s ceiling this year",
    ("result", "month_paid"): "what {@layer} paid earlier this month",
    ("result", "quarter_paid"): "what {@layer} paid earlier this quarter",
    ("accumulator", "paid"): "paid",
    ("accumulator", "deductible"): "deductible paid",
    ("accumulator", "base"): "running base for the bands",
    ("accumulator", "entered"): "cost entered under the ceiling",
    ("accumulator", "month.paid"): "paid this month",
    ("accumulator", "quarter.paid"): "paid this quarter",
}

TABLES = {"zh": ZH, "en": EN}
_SLOT = re.compile(r"\{(@?)([a-z_]+)\}")


def payer_zh(label: str) -> str:
    """A payer's label as the subject of 支付: 统筹基金 → 统筹基金支付, 统筹基金支付 stays as it is."""
    return label if label.endswith("支付") else label + "支付"


def phrase(construct: str, role: str, lang: str) -> str:
    """The raw phrase; a missing one is a gap in these tables, so it fails loudly."""
    return TABLES[lang][(construct, role)]


def label(construct: str, lang: str, *, role: str = "label", heading: bool = False) -> str:
    """What a construct's figure is called (the person's share: 个人负担, "the person pays"); as a
    heading, its first letter a capital."""
    text = phrase(construct, role, lang)
    return text[:1].upper() + text[1:] if heading else text


def labels(construct: str, *, role: str = "label", heading: bool = False) -> tuple[str, str]:
    """(zh, en) of ``label``."""
    return label(construct, "zh", role=role, heading=heading), label(construct, "en", role=role, heading=heading)


def has(construct: str, role: str, lang: str) -> bool:
    return (construct, role) in TABLES[lang]


def treatment(kind: str, share: str, lang: str, role: str = "treatment") -> str:
    """How a `classify` row treats its lines, in words (``role`` ``treatment_short`` for tables)."""
    return fill(phrase(TREATMENTS[kind].name, role, lang), {}, str, {"share": share})


def result_label(name: str, layer: str, lang: str) -> str:
    """A layer result in words, its layer by its label: ``paid`` of 统筹基金 → 统筹基金本次支付额."""
    return fill(phrase("result", name, lang), {}, str, {"layer": layer})


def fill(template: str, values: Mapping[str, Any], show: Callable[[str, Any], str],
         context: Mapping[str, str] | None = None) -> str:
    """A phrase with its figures shown by ``show(name, value)`` and its ``{@name}`` text from ``context``."""
    ctx = context or {}

    def slot(m: re.Match[str]) -> str:
        return ctx[m.group(2)] if m.group(1) else show(m.group(2), values[m.group(2)])

    return _SLOT.sub(slot, template)


def positional(template: str, codes: Mapping[str, tuple[int, str]], context: Mapping[str, str],
               literal: Callable[[str], str]) -> str:
    """A formula phrase as a compiled site's template: ``{deductible}`` → ``{0:m}``.

    Context text goes through ``literal`` so that policy text can never read as a slot.
    """
    def slot(m: re.Match[str]) -> str:
        if m.group(1):
            return literal(context[m.group(2)])
        index, code = codes[m.group(2)]
        return f"{{{index}:{code}}}"

    return _SLOT.sub(slot, template)
