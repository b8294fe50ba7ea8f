"""Chinese for the messages of a claim's checks: each English template (the key a check gives
``phrase.P``) and its Chinese, the ``{slots}`` carried over.

A claim's issues are written in English where they are found (``compiler/claims.py``, the
columnar and national readers, ``loader.py``, ``json_input.py``) as phrases; Chinese is this
catalogue's template filled in (``phrase.Phrase.zh``). ``tests/dsl/test_claims_zh.py`` keeps it
whole: every template a check uses has its entry, and every entry is used.
"""

from __future__ import annotations

import errno
import os

__all__ = ["MESSAGES", "OS_REASONS", "os_reason", "reason"]

MESSAGES: tuple[tuple[str, str], ...] = (
    ("required", "必填"),
    ("required object", "必填，应为对象"),
    ("required list of bill lines", "必填，应为费用明细列表"),
    ("required by this policy", "本政策要求填写"),
    ("required; one of {values}", "必填；可选值：{values}"),
    ("required ({what}, YYYY-MM-DD)", "必填（{what}，格式 YYYY-MM-DD）"),
    ("required object with the fields {fields}", "必填，应为包含字段 {fields} 的对象"),
    ("required: this policy takes what `{layer}` paid from the claim",
     "必填：本政策从结算单读取 `{layer}` 已支付的金额"),
    ("must be an object", "应为对象"),
    ("must be a string, not {kind}", "应为字符串，而不是 {kind}"),
    ("must be a whole number, not {value}", "应为整数，而不是 {value}"),
    ("must be at least {n}", "不得小于 {n}"),
    ("must be at most {n}", "不得大于 {n}"),
    ("must not be negative", "不得为负数"),
    ("must be a decimal string such as \"1234.50\"", "应为小数形式的字符串，例如 \"1234.50\""),
    ("must be a list of strings", "应为字符串列表"),
    ("must be an object of layer → amount it paid", "应为“支付层 → 已支付金额”的对象"),
    ("must be an object of accumulator → amount", "应为“累计项 → 金额”的对象"),
    ("must be a year such as 2024", "应为年份，例如 2024"),
    ("unknown field", "未知字段"),
    ("unknown field; did you mean `{name}`?", "未知字段；是否应为 `{name}`？"),
    ("key {key} is not a string", "键 {key} 不是字符串"),
    ("key: {problem}", "键：{problem}"),
    ("{value} is not one of {values}", "{value} 不是以下取值之一：{values}"),
    ("{value} is not a date (YYYY-MM-DD)", "{value} 不是日期（格式 YYYY-MM-DD）"),
    ("{value} is not an amount; write yuan as a decimal string such as \"1234.50\"",
     "{value} 不是金额；请以元为单位写成小数字符串，例如 \"1234.50\""),
    ("more than two decimals (fen): {value}", "小数超过两位（分）：{value}"),
    ("{value} is more than the limit of {limit}", "{value} 超过上限 {limit}"),
    ("{value} is not a rate; write a percentage such as \"12.5%\"", "{value} 不是比例；请写成百分数，例如 \"12.5%\""),
    ("{value} is more than 100%", "{value} 超过 100%"),
    ("{value} is not a count (a whole number, 0 or more)", "{value} 不是计数（0 或正整数）"),
    ("{value} is not true or false", "{value} 不是 true 或 false"),
    ("a claim must be a JSON object", "结算单应为 JSON 对象"),
    ("a record must be a JSON object", "记录应为 JSON 对象"),
    ("a claim needs at least one line", "结算单至少需要一行费用明细"),
    ("{n} lines; at most {max}", "共 {n} 行；最多 {max} 行"),
    ("{n} diseases; at most {max}", "共 {n} 个疾病；最多 {max} 个"),
    ("{n} entries; at most {max}", "共 {n} 项；最多 {max} 项"),
    ("{n} characters; at most {max}", "共 {n} 个字符；最多 {max} 个"),
    ("{n} bytes; at most {max}", "共 {n} 字节；最多 {max} 字节"),
    ("a number of more than {n} digits; at most {max}", "数字超过 {n} 位；最多 {max} 位"),
    ("the lines add up to {total}, more than the limit of {limit} for a claim",
     "各行合计 {total}，超过一份结算单的上限 {limit}"),
    ("{n} more issue not shown", "另有 {n} 个问题未列出"),
    ("{n} more issues not shown", "另有 {n} 个问题未列出"),
    ("duplicate key ({n} times); a key may appear once", "键重复（{n} 次）；每个键只能出现一次"),
    ("cannot read: {reason}", "无法读取：{reason}"),
    ("more than {n} bytes", "超过 {n} 字节"),
    ("not valid JSON: {reason}", "不是有效的 JSON：{reason}"),
    ("cannot read as Parquet: {reason}", "无法按 Parquet 读取：{reason}"),
    ("cannot read as Parquet: column `{name}` holds text that is not UTF-8",
     "无法按 Parquet 读取：列 `{name}` 含有不是 UTF-8 的文本"),
    ("cannot read as Parquet: column `{name}` holds an index past its dictionary",
     "无法按 Parquet 读取：列 `{name}` 含有超出其字典的索引"),
    ("cannot read as Parquet: column `{name}` holds a day outside the years 1 to 9999",
     "无法按 Parquet 读取：列 `{name}` 含有公元 1 年至 9999 年以外的日期"),
    ("no claim files (*.json) in this folder", "此文件夹中没有结算单文件（*.json）"),
    ("{date} is outside the policy's dates (in force from {start} until {end})",
     "{date} 不在政策有效期内（自 {start} 起施行，至 {end} 止）"),
    ("{date} is outside the policy's dates (in force from {start})", "{date} 不在政策有效期内（自 {start} 起施行）"),
    ("not an accumulator of this policy; did you mean `{name}`?", "不是本政策的累计项；是否应为 `{name}`？"),
    ("not an accumulator of this policy; known: {names}", "不是本政策的累计项；可用：{names}"),
    ("`{layer}` is computed by this policy, not given", "`{layer}` 由本政策计算，不应在结算单中给出"),
    ("not a layer of this policy; did you mean `{name}`?", "不是本政策的支付层；是否应为 `{name}`？"),
    ("not a layer of this policy; layers given by the claim: {names}", "不是本政策的支付层；由结算单给出的支付层：{names}"),
    ("policy {policy} does not cover this claim (scheme {scheme}, visit kind {kind})",
     "政策 {policy} 不适用于此结算单（参保类型 {scheme}，就诊类型 {kind}）"),
    ("policy {policy} does not cover this record", "政策 {policy} 不适用于此记录"),
    ("settle_many takes one person's claims; got {ids}", "settle_many 只接受同一参保人的结算单；收到 {ids}"),
    ("a {kind}", "{kind} 类型的值"),
    ("a list", "列表"),
    ("an object", "对象"),
    ("a number of more than 40 digits", "超过 40 位的数字"),
    ("not text: an unpaired surrogate {code} at character {at}; write the character itself, or a pair of \\u escapes",
     "不是文本：第 {at} 个字符处有未配对的代理项 {code}；请直接写出该字符，或写成一对 \\u 转义"),
    ("the split adds up to {total} ({parts}), not the amount {amount}", "拆分合计 {total}（{parts}），不等于金额 {amount}"),
    ("required with {given}: a line's split has all of {keys}", "与 {given} 一起必填：一行的拆分须包含 {keys} 全部各项"),
    ("must be a month of the year, 1 to {most}", "应为一年中的月份，1 至 {most}"),
    ("must be a quarter of the year, 1 to {most}", "应为一年中的季度，1 至 {most}"),
    ("policy {policy} does not cover this claim", "政策 {policy} 不适用于此结算单"),
    ("policy {policy} does not cover this claim (scheme {scheme})", "政策 {policy} 不适用于此结算单（参保类型 {scheme}）"),
    ("policy {policy} does not cover this claim (visit kind {kind})", "政策 {policy} 不适用于此结算单（就诊类型 {kind}）"),
    ("required: this policy's `classify` rows for category {category}, class {item_class} read line.unit_price",
     "必填：本政策 `classify` 中类别 {category}、项目类别 {item_class} 的行读取 line.unit_price（单价）"),
    ("required: this policy's `classify` rows for category {category} read line.unit_price",
     "必填：本政策 `classify` 中类别 {category} 的行读取 line.unit_price（单价）"),
    ("this policy classifies every line itself and does not read the platform's split (its `classify` has no "
     "`as billed`); send the line without self_pay, over_limit, first_self_pay and in_scope",
     "本政策自行划分每一行费用，不读取平台的拆分（其 `classify` 没有 `as billed`）；"
     "请不带 self_pay、over_limit、first_self_pay 和 in_scope 发送此行"),
    ("not a layer of this policy; no layer is given by the claim", "不是本政策的支付层；本政策没有由结算单给出的支付层"),
    ("{name} is not a JSON value (not a number)", "{name} 不是 JSON 值（不是数字）"),
    ("a number of {n} digits; too large for any field", "{n} 位的数字；超出任何字段的范围"),
    ("nested more than {n} levels deep", "嵌套超过 {n} 层"),
    ("not valid JSON at line {line} column {column}: {reason}", "不是有效的 JSON：第 {line} 行第 {column} 列：{reason}"),
    ("not UTF-8: byte {byte} at offset {at} ({reason})", "不是 UTF-8：偏移 {at} 处的字节 {byte}（{reason}）"),
    ("column `{name}` ({given}) cannot be read as {type}: {reason}", "列 `{name}`（{given}）无法按 {type} 读取：{reason}"),
    ("unknown column `{name}`; the claim columns are {names}", "未知列 `{name}`；结算单的列为 {names}"),
    ("unknown field `lines.{name}`", "未知字段 `lines.{name}`"),
    ("cannot tell the format from the name; give --from/--to (one of {names})",
     "无法从文件名判断格式；请给出 --from/--to（{names} 之一）"),
    ("unknown format `{given}`; known: {names}", "未知格式 `{given}`；可用：{names}"),
    ("{id} comes after {before}: claims must be sorted by person id (sort them first, or give --sort)",
     "{id} 排在 {before} 之后：结算单须按参保人编号排序（请先排序，或给出 --sort）"),
    ("no claim {id} in the input", "输入中没有结算单 {id}"),
    # settling (dsl/errors.SettlementError): the policy line, the claim, the reason
    ("{where}: error while settling claim {id}: {reason}{text}", "{where}：结算单 {id} 结算时出错：{reason}{text}"),
    ("{where}: error while settling record {id}: {reason}{text}", "{where}：记录 {id} 结算时出错：{reason}{text}"),
    ("division by zero", "除数为零"),
    ("{n} claim could not be settled", "{n} 份结算单未能结算"),
    ("{n} claims could not be settled", "{n} 份结算单未能结算"),
    ("a rate outside 0%..100%: {rate}", "比例超出 0%–100%：{rate}"),
    ("no table row of `{param}` (line {line}) matches this claim", "`{param}` 的表格（第 {line} 行）没有与此结算单相符的行"),
    ("`{layer}` paid {pay} (paid.{layer} in the claim), more than the {unpaid} of the claim's total",
     "`{layer}` 支付了 {pay}（结算单中的 paid.{layer}），超过结算单总费用 {unpaid}"),
    ("`{layer}` paid {pay} (paid.{layer} in the claim), more than the {unpaid} left unpaid after the earlier layers",
     "`{layer}` 支付了 {pay}（结算单中的 paid.{layer}），超过前序支付层支付后剩余的 {unpaid}"),
    ("not settled: the person's earlier claim {id} of the same year could not be settled",
     "未结算：此参保人同一年度较早的结算单 {id} 未能结算"),
    # the national platform's shapes (yibao/national)
    ("must be an object, not {value}", "应为对象，而不是 {value}"),
    ("must be a list, not {value}", "应为列表，而不是 {value}"),
    ("must be a string, not {value}", "应为字符串，而不是 {value}"),
    ("required list", "必填，应为列表"),
    ("required (a date, YYYY-MM-DD[ HH:MM:SS])", "必填（日期，格式 YYYY-MM-DD[ HH:MM:SS]）"),
    ("{value} is not a date (YYYY-MM-DD or YYYY-MM-DD HH:MM:SS)", "{value} 不是日期（格式 YYYY-MM-DD 或 YYYY-MM-DD HH:MM:SS）"),
    ("{raw} is a binary float, which cannot hold {kind} exactly: read the JSON with yibao.national.decode_visit "
     "(numbers as decimals) or write the number as a string",
     "{raw} 是二进制浮点数，无法精确表示{kind}：请用 yibao.national.decode_visit 读取 JSON（数字按十进制读），"
     "或把数字写成字符串"),
    ("{value} is not a number ({kind})", "{value} 不是数字（{kind}）"),
    ("{value} has more than {digits} digits ({kind})", "{value} 超过 {digits} 位（{kind}）"),
    ("a number of more than {digits} digits ({kind})", "超过 {digits} 位的数字（{kind}）"),
    ("{value} is not a number ({kind}: ASCII digits, at most {decimals} decimals)",
     "{value} 不是数字（{kind}：ASCII 数字，最多 {decimals} 位小数）"),
    ("{value} has more than {decimals} decimals ({kind})", "{value} 的小数超过 {decimals} 位（{kind}）"),
    ("required ({kind})", "必填（{kind}）"),
    ("{value} must not be negative", "{value} 不得为负数"),
    ("a visit needs at least one fee detail", "一次就诊至少需要一条费用明细"),
    ("every fee detail is refunded in full: nothing to settle", "每条费用明细都已全额退费：没有可结算的费用"),
    ("{value} is not an earlier fee detail of this visit that is not itself a refund",
     "{value} 不是本次就诊中更早的、本身不是退费的费用明细"),
    ("refunds {amount}, more than the {amount2} left of {path}", "退费 {amount}，超过 {path} 剩余的 {amount2}"),
    ("a visit must be a JSON object", "就诊记录应为 JSON 对象"),
    ("{day} is before pooling area {code}'s first mapping ({start})", "{day} 早于统筹区 {code} 的第一版编码映射（{start}）"),
    ("the policy caps a layer per month or per quarter ({periods}): reading those accumulators from cuminfo is "
     "not supported yet", "本政策按月或按季度设封顶（{periods}）：尚不支持从 cuminfo 读取这些累计项"),
    ("{n} admissions this year; at most {max} before this one", "本年度已住院 {n} 次；本次之前最多 {max} 次"),
    ("{value} is not a {what} code of pooling area {code} (known: {known})",
     "{value} 不是统筹区 {code} 的 {what} 编码（可用：{known}）"),
    ("{value} is not a {what} code of pooling area {code} (it maps none)",
     "{value} 不是统筹区 {code} 的 {what} 编码（该统筹区没有此类编码映射）"),
    ("{value} repeats {first}", "{value} 与 {first} 重复"),
    ("{value} is not the feedetl_sn of any feedetail row", "{value} 不是任何 feedetail 行的 feedetl_sn"),
    ("{amount} is not the fee detail's {amount2}", "{amount} 不等于费用明细的 {amount2}"),
    ("the split adds up to {amount} (fulamt_ownpay_amt + overlmt_amt + preselfpay_amt + inscp_scp_amt), not "
     "det_item_fee_sumamt {amount2}",
     "拆分合计 {amount}（fulamt_ownpay_amt + overlmt_amt + preselfpay_amt + inscp_scp_amt），"
     "不等于 det_item_fee_sumamt {amount2}"),
    ("unknown: neither the fee detail nor its line split gives it", "未知：费用明细及其拆分都没有给出"),
    ("no line split: feedetail_result has no row with feedetl_sn {value}",
     "没有拆分：feedetail_result 中没有 feedetl_sn 为 {value} 的行"),
    ("refunds more of a part than {path}'s line split holds", "退费金额超过 {path} 的拆分中该部分的金额"),
    ("required, a year such as 2024, not {value}", "必填，应为年份（例如 2024），而不是 {value}"),
    ("{value} appears twice; each fee detail has its own", "{value} 出现两次；每条费用明细各有自己的编号"),
    ("a refund has a negative cnt and a negative (or zero) det_item_fee_sumamt",
     "退费的 cnt 为负数，det_item_fee_sumamt 为负数（或零）"),
    ("missing, and medins_list_codg {value} is not in pooling area {code}'s code map",
     "缺失，且 medins_list_codg {value} 不在统筹区 {code} 的编码映射中"),
    ("must not be negative: only a refund (negative cnt) has negative parts", "不得为负数：只有退费（cnt 为负数）才有负数部分"),
    ("an admission count is a whole number", "住院次数应为整数"),
    ("pooling area {code} does not say which setlinfo field layer `{layer}` is",
     "统筹区 {code} 没有说明支付层 `{layer}` 对应 setlinfo 的哪个字段"),
    ("{amount} is not the sum of the funds ({funds} = {sum})", "{amount} 不等于各基金之和（{funds} = {sum}）"),
    ("{amount} is not fund_pay_sumamt + psn_part_amt + hosp_part_amt = {amount2}",
     "{amount} 不等于 fund_pay_sumamt + psn_part_amt + hosp_part_amt = {amount2}"),
    ("must be a string of at most 4,000 characters", "应为不超过 4,000 个字符的字符串"),
)



# An operating system's reasons, in Chinese (the C library gives English whatever the locale).
_OS_ZH = {
    errno.ENOENT: "没有这个文件或文件夹",
    errno.EACCES: "权限不足",
    errno.EISDIR: "这是一个文件夹",
    errno.ENOTDIR: "路径中有一项不是文件夹",
    errno.ENOSPC: "磁盘空间不足",
    errno.EROFS: "只读文件系统",
    errno.EEXIST: "文件已存在",
    errno.EPERM: "不允许的操作",
}
OS_REASONS: dict[str, str] = {os.strerror(code): zh for code, zh in _OS_ZH.items()}


def os_reason(reason: str, lang: str = "zh") -> str:
    """An ``OSError``'s strerror in ``lang``."""
    return OS_REASONS.get(reason, reason) if lang == "zh" else reason


def reason(text: object) -> object:
    """An operating system's reason (``OSError.strerror``) as a phrase where the catalogue has it in
    Chinese; any other reason as it was given."""
    from .phrase import Phrase

    return Phrase(text) if isinstance(text, str) and text in OS_REASONS else text  # its text is the key
