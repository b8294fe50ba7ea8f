"""Chinese for policy diagnostics: each English message template beside its Chinese.

A diagnostic is made in English where it is found (``checks.py``, ``checks_layers.py``, ``expr_types.py``,
``build_ast.py``, ``syntax_errors.py``…); ``Diagnostic.format(…, lang="zh")`` shows it through
``zh``. A ``{slot}`` matches any text and is carried over; a slot that is itself a phrase of the
catalogue (``parameter `x```, ``a rate``, a list of expected tokens) is translated too. Names in
backticks stay as typed. A message the catalogue does not know is shown as written, so a new
check is never hidden, only untranslated (``tests/dsl/test_diagnostics_zh.py`` keeps every
code's example translated).
"""

# ruff: noqa: E501 -- a catalogue of sentences, one pair a line, is easier to read unbroken
from __future__ import annotations

import re
from functools import cache

__all__ = ["MESSAGES", "summary", "zh"]

# English template → Chinese. Longer, more specific templates first where two could match.
MESSAGES: tuple[tuple[str, str], ...] = (
    # ------------------------------------------------------------ phrases used inside messages
    ("parameter `{name}`", "参数 `{name}`"),
    ("layer `{name}`", "支付层 `{name}`"),
    ("source `{name}`", "来源 `{name}`"),
    ("check `{name}`", "校验 `{name}`"),
    ("exception `{name}`", "例外 `{name}`"),
    ("field `{name}`", "字段 `{name}`"),
    ("policy `{name}`", "政策 `{name}`"),
    ("arguments of `{name}`", "`{name}` 的参数"),
    ("the two sides of `{op}`", "`{op}` 的两侧"),
    ("the two sides of a comparison", "比较的两侧"),
    ("`applies when`", "`applies when`"),
    ("`if` branches", "`if` 的各分支"),
    ("`classify`", "`classify`"),
    ("a band bound", "分段的界限"),
    ("a band rate", "分段的比例"),
    ("a cap", "封顶线"),
    ("a ceiling", "最高支付限额"),
    ("a check's `holds`", "校验的 `holds`"),
    ("a fixed payment", "定额支付"),
    ("a layer's `when`", "支付层的 `when`"),
    ("a layer's base", "支付层的基数"),
    ("a line rule's `when`", "明细规则的 `when`"),
    ("a line rule", "明细规则"),
    ("a rate", "比例"),
    ("a yearly limit on deductibles", "起付线的年度上限"),
    ("an exception's condition", "例外的条件"),
    ("an in-scope share", "纳入范围的比例"),
    ("the amount", "分配金额"),
    ("the remainder", "余额"),
    ("money", "金额"),
    ("a count", "计数"),
    ("a number", "数字"),
    ("number", "数字"),
    ("count", "计数"),
    ("rate", "比例"),
    ("date", "日期"),
    ("bool", "真假值"),
    ("a date", "日期"),
    ("true/false", "真假值"),
    ("a list of names", "名称列表"),
    ("a value of `{enum}`", "`{enum}` 的取值"),
    ("enum {enum}", "`{enum}` 的取值"),
    ("did you mean `{name}`?", "是否应为 `{name}`？"),
    ("one of {names}", "可选：{names}"),
    ("end of file", "文件结尾"),
    ("end of line", "行尾"),
    ("indentation", "缩进"),
    ("an indented block", "缩进的块"),
    ("the end of the block", "块的结尾"),
    ("a name", "名称"),
    ('a quoted string ("…")', '带引号的字符串（"…"）'),
    ("a percentage such as 90%", "百分数，例如 90%"),
    ("a date such as 2020-01-01", "日期，例如 2020-01-01"),
    ("a month and day such as 07-01", "月和日，例如 07-01"),
    ("true or false", "true 或 false"),
    ("`per year`, `per visit`, `per month` or `per quarter`", "`per year`、`per visit`、`per month` 或 `per quarter`"),
    ("a comparison (== != < <= > >=)", "比较运算（== != < <= > >=）"),
    ("`+` or `-`", "`+` 或 `-`"),
    ("`*` or `/`", "`*` 或 `/`"),
    ("`before` or `after`", "`before` 或 `after`"),
    ("the claim says what it paid", "结算单已给出它支付的金额"),
    ("whoever paid it already decided whether it applies", "支付方已决定它是否适用"),
    ("its amount is not computed from a base", "它的金额不按基数计算"),
    ("its limits were applied by whoever paid it", "它的限额已由支付方执行"),
    ("nothing in it is computed", "其中没有需要计算的内容"),
    ("remove it, or remove `given` to compute the layer here", "删除它，或删除 `given` 以在此计算该支付层"),
    ("remove it; a later layer's `cap` or `base` limits what follows", "删除它；由后面支付层的 `cap` 或 `base` 限制其后的金额"),
    ("remove `rounding`", "删除 `rounding`"),
    ("when it paid nothing, the claim says `{paid}`", "未支付时，结算单写 `{paid}`"),
    # ------------------------------------------------------------ syntax (syntax_errors.py, parser.py)
    ("unexpected {found}; expected {expected}", "此处不应出现{found}；应为{expected}"),
    ("unexpected {found}", "此处不应出现{found}"),
    ("unexpected character {char}", "意外的字符 {char}"),
    ("full-width `{char}` outside a string", "字符串之外的全角 `{char}`"),
    ("use ASCII `{char}`; only quoted text (labels, citations) may be full-width",
     "请使用半角 `{char}`；只有引号内的文字（标签、引文）可以用全角"),
    ('strings use double quotes: "…"', '字符串使用双引号："…"'),
    ("a parameter's type follows its label: `{example}`", "参数的类型写在标签之后：`{example}`"),
    ("write money as a plain number, e.g. `500.00`", "金额写成普通数字，例如 `500.00`"),
    ('Chinese text belongs in a quoted label: "中文" / "English"', '中文应写在带引号的标签中："中文" / "English"'),
    ('this string has no closing `"` on its line', '此字符串在本行没有结束的 `"`'),
    ('close it before the end of the line, e.g. `{example}`', "请在行尾之前结束它，例如 `{example}`"),
    ("this line is indented with a tab, which counts as 8 columns: deeper than the block it belongs to",
     "此行用制表符缩进，计为 8 列：比它所属的块更深"),
    ("indent with spaces, as the lines above", "请像上面各行一样用空格缩进"),
    ("this line is indented with a tab, which counts as 8 columns and matches no enclosing block",
     "此行用制表符缩进，计为 8 列，与外层的任何块都不对齐"),
    ("indent with spaces: {fits} columns", "请用空格缩进：{fits} 列"),
    ("this line is indented {n} columns, more than the block it belongs to", "此行缩进 {n} 列，比它所属的块更深"),
    ("indent it as the lines above it; a block starts only after a line that opens one",
     "请与上面各行对齐；只有在开启块的行之后才开始新块"),
    ("this line is indented {n} {unit}, which matches no enclosing block", "此行缩进 {n} 列，与外层的任何块都不对齐"),
    ("indent it as the block it belongs to: {fits} columns", "请按它所属的块缩进：{fits} 列"),
    ("cannot parse the policy: {err}", "无法解析政策：{err}"),
    ("cannot read policy: {reason}", "无法读取政策：{reason}"),
    ("save the policy as UTF-8", "请将政策保存为 UTF-8"),
    ("a label is a quoted string, optionally `\"中文\" / \"English\"`", "标签是带引号的字符串，可写成 `\"中文\" / \"English\"`"),
    ("a percentage needs its `%` sign, e.g. `rate 90%`", "百分数需要 `%` 号，例如 `rate 90%`"),
    ("`amend` belongs in a reform", "`amend` 只能用于改革方案"),
    ("add `extends \"{base}\"` to the policy header", "请在政策头部加上 `extends \"{base}\"`"),
    ("`{place}` places a layer of a reform among its base's layers", "`{place}` 用于把改革方案的支付层放到基础政策的支付层之间"),
    ("in a policy of its own, layers apply in the order they are written", "在独立的政策中，支付层按书写顺序执行"),
    # ------------------------------------------------------------ limits.py
    ("the policy is {n} characters long; at most {max}", "政策共 {n} 个字符；最多 {max} 个"),
    ("split it: a reform (`extends`) can hold part of it", "请拆分：可用改革方案（`extends`）容纳其中一部分"),
    ("line {line} is {n} characters long; at most {max}", "第 {line} 行共 {n} 个字符；最多 {max} 个"),
    ("break the expression over lines, or give parts of it their own parameters", "请把表达式分成多行，或把其中部分写成单独的参数"),
    ("a NUL character in the policy", "政策中有 NUL 字符"),
    ("is this a binary file? a policy is UTF-8 text", "这是二进制文件吗？政策应为 UTF-8 文本"),
    ("a lone surrogate {char}, which is not a character", "孤立的代理码位 {char}，它不是字符"),
    ("the text was decoded wrongly; a policy is UTF-8 text", "文本解码有误；政策应为 UTF-8 文本"),
    ("a number of {n} digits is too long", "{n} 位的数字太长"),
    ("a number has at most {n} digits; money is at most {m} digits of yuan and two of fen",
     "数字最多 {n} 位；金额最多 {m} 位元和两位分"),
    ("expression nested deeper than {n} levels", "表达式嵌套超过 {n} 层"),
    ("split it: give a part its own `parameter` and use the parameter's name here",
     "请拆分：把其中一部分写成单独的 `parameter`，并在此使用参数名"),
    # ------------------------------------------------------------ build_ast.py
    ("unknown input `{kind}`; expected `claim` or `record`", "未知的输入 `{kind}`；应为 `claim` 或 `record`"),
    ("exception `{name}` needs exactly one `value` or `table`", "例外 `{name}` 需要且只需要一个 `value` 或 `table`"),
    ("`as billed` is said twice in `classify`", "`classify` 中 `as billed` 出现了两次"),
    ("the first is at line {line}; merge the two", "第一个在第 {line} 行；请合并两者"),
    ("the first is at line {line}", "第一个在第 {line} 行"),
    ("check `{name}` needs exactly one `holds` condition", "校验 `{name}` 需要且只需要一个 `holds` 条件"),
    ("`{key}` is given twice in the policy header", "政策头部 `{key}` 出现了两次"),
    ("an amendment of `{name}` gives new values from a date", "对 `{name}` 的修订应从某个日期起给出新值"),
    ("write `from <date> value …`, or replace the whole parameter with `parameter`",
     "请写 `from <date> value …`，或用 `parameter` 替换整个参数"),
    ("mix of dated and undated definitions", "有日期与无日期的定义混用"),
    ("write this one as `from <date> …` too", "请把这一条也写成 `from <date> …`"),
    ("layer `{name}` gives `{key}` twice", "支付层 `{name}` 给出了两次 `{key}`"),
    ("`{date}` is not a calendar date", "`{date}` 不是有效的日历日期"),
    ("parameter `{name}` has two definitions", "参数 `{name}` 有两个定义"),
    ("give each one a start date: `{example}`", "请给每个定义一个起始日期：`{example}`"),
    ("a policy has one `classify` block", "一个政策只有一个 `classify` 块"),
    # ------------------------------------------------------------ checks.py
    ("the policy header needs `effective <date>`", "政策头部需要 `effective <date>`"),
    ("write the date the document takes effect, e.g. `{example}`", "请写出文件的生效日期，例如 `{example}`"),
    ("an insurance year cannot start on 02-29: most years have no such day", "参保年度不能从 02-29 开始：多数年份没有这一天"),
    ("start it on 03-01 or 02-28", "请从 03-01 或 02-28 开始"),
    ("unknown rounding `{mode}`; expected one of {modes}", "未知的舍入方式 `{mode}`；可选：{modes}"),
    ("{what} needs a bilingual label", "{what} 需要双语标签"),
    ('write it as "中文" / "English"', '请写成 "中文" / "English"'),
    ("a record policy says what its layers share out", "记录型政策需要说明各支付层分配的金额"),
    ("add `amount <expression>` to the header, e.g. `{example}`", "请在头部加上 `amount <expression>`，例如 `{example}`"),
    ("{what} has no citation", "{what} 没有引用依据"),
    ('add `cite <source> "section"`, or `assume "…"` for an open figure',
     '请加上 `cite <source> "section"`；政策未规定的数值请写 `assume "…"`'),
    ("parameter `{name}` has no value when none of its exceptions applies", "参数 `{name}` 在其例外都不适用时没有取值"),
    ("give it a `value …` or a `table` for the other cases", "请为其余情形给出 `value …` 或 `table`"),
    ("parameter `{name}` has no value", "参数 `{name}` 没有取值"),
    ("give it a `value …` or a `table`", "请给出 `value …` 或 `table`"),
    ("`{name}` has no value from {start} (the policy's start) to {first}", "`{name}` 从 {start}（政策起始日）到 {first} 没有取值"),
    ("start its first value at `from {start}` or earlier", "请让它的第一个取值从 `from {start}` 或更早开始"),
        ("table of `{name}` has no row for {example_row} (and {n} more)", "`{name}` 的表格没有对应 {example_row} 的行（另有 {n} 种情形）"),
    ("table of `{name}` has no row for {example_row}", "`{name}` 的表格没有对应 {example_row} 的行"),
    ("add the missing rows or a default row `{row}`", "请补上缺少的行，或加一条默认行 `{row}`"),
    ("two exceptions of `{name}` share a name", "`{name}` 的两个例外同名"),
    ("the policy has no `classify` block", "政策没有 `classify` 块"),
    ("say how category A, B and C lines are treated, e.g. `{example}`", "请说明甲、乙、丙类明细如何处理，例如 `{example}`"),
    ("the policy has no `layer`: nobody pays anything", "政策没有 `layer`：没有任何一方支付"),
    ("add `{example}` with a rate", "请加上 `{example}` 并给出比例"),
    ("{what} needs exactly one of `rate`, `bands` or `fixed` (it has {n})", "{what} 需要且只需要 `rate`、`bands`、`fixed` 之一（现有 {n} 个）"),
    ("{what} is `given`, but this policy's input is a record", "{what} 为 `given`，但本政策的输入是记录"),
    ("a record has no `paid`: compute the layer with `rate`, `bands` or `fixed`",
     "记录没有 `paid`：请用 `rate`、`bands` 或 `fixed` 计算该支付层"),
    ("{what} is `given`: {why}, so it has no `{key}`", "{what} 为 `given`：{why}，因此没有 `{key}`"),
    ("a record policy has no bill lines to classify", "记录型政策没有可分类的费用明细"),
    ("remove `classify`, or make the policy's input a claim", "请删除 `classify`，或把政策的输入改为结算单"),
    ("parameter `{name}` is never used", "参数 `{name}` 从未被使用"),
    ("`until {until}` is before `effective {effective}`", "`until {until}` 早于 `effective {effective}`"),
    ("the policy must be in force for at least a day: check the two dates", "政策至少要施行一天：请检查这两个日期"),
    ("`{monthday}` is not a day of the year", "`{monthday}` 不是一年中的日期"),
    ("write the month, then the day, e.g. `year starts 07-01` for 1 July", "先写月再写日，例如 7 月 1 日写 `year starts 07-01`"),
    ("`field` declares a record's fields, but this policy settles claims", "`field` 声明记录的字段，但本政策结算的是结算单"),
    ("add `input record` to the policy header", "请在政策头部加上 `input record`"),
    ("field `{name}` is declared twice", "字段 `{name}` 声明了两次"),
    ("unknown type `{name}`", "未知的类型 `{name}`"),
    ("source `{name}` is declared twice", "来源 `{name}` 声明了两次"),
    ("unknown source `{name}`", "未知的来源 `{name}`"),
    ("declare it: `{example}`", "请声明它：`{example}`"),
    ("`{name}` is not an enum field of the claim", "`{name}` 不是结算单的枚举字段"),
    ("values of `{name}` are declared twice", "`{name}` 的取值声明了两次"),
    ("parameter `{name}` is declared twice", "参数 `{name}` 声明了两次"),
    ("`{name}` is a reserved name", "`{name}` 是保留名称"),
    ("choose another name", "请换一个名称"),
    ("parameter `{name}` has the name of a value of `{owner}`", "参数 `{name}` 与 `{owner}` 的一个取值同名"),
    ("choose another name, or `{example}` would read it", "请换一个名称，否则 `{example}` 会读到它"),
    ("dates of `{name}` must increase: {b} follows {a}", "`{name}` 的日期必须递增：{b} 排在 {a} 之后"),
    ("row has {n} cells; the table has {k} keys ({keys})", "该行有 {n} 格；表格有 {k} 个键（{keys}）"),
    ("this row never applies: the rows above cover every case it matches", "此行永远不会适用：上面各行已覆盖它匹配的每种情形"),
    ("remove it or move it above the rows that cover it", "请删除它，或把它移到覆盖它的行之上"),
    ("exceptions of `{name}` are over each other in a cycle", "`{name}` 的例外互相优先，形成循环"),
    ("exceptions `{a}` (line {line}) and `{b}` can both apply and neither has priority",
     "例外 `{a}`（第 {line} 行）与 `{b}` 可能同时适用，且没有优先顺序"),
    ("say which wins: `{example}`, or make their conditions exclusive", "请说明哪个优先：`{example}`，或让它们的条件互斥"),
    ("unknown category `{name}`; expected A, B or C", "未知的类别 `{name}`；应为 A、B 或 C"),
    ("this line class is treated twice", "此明细类别被处理了两次"),
    ("`classify` does not say how category {cat} is treated", "`classify` 没有说明 {cat} 类明细如何处理"),
    ("add `category {cat} -> in scope`, `-> out of scope` or `-> first self pay <rate>`",
     "请加上 `category {cat} -> in scope`、`-> out of scope` 或 `-> first self pay <rate>`"),
    ("{what} cannot read `{name}`: the totals are made from the lines", "{what} 不能读取 `{name}`：合计由各明细得出"),
    ("{what} cannot read `{name}`: it depends on the claim's totals, which are made from the lines",
     "{what} 不能读取 `{name}`：它依赖结算单的合计，而合计由各明细得出"),
    ("decide by the visit or the line's class instead", "请改为按就诊或明细类别判断"),
    ("layer `{name}` is declared twice", "支付层 `{name}` 声明了两次"),
    ("layer name `{name}` is already taken", "支付层名称 `{name}` 已被使用"),
    ("check `{name}` is declared twice", "校验 `{name}` 声明了两次"),
    ("`per {period}` limits a cap only; a {key} is per year or per visit", "`per {period}` 只用于封顶线；{key} 按年或按次"),
    ("write `cap … per {period}` for a {period2}ly limit on what the layer pays", "支付层按期限额请写 `cap … per {period}`"),
    ("{what} has a ceiling after its deductible but no deductible", "{what} 有起付线之后的最高限额，但没有起付线"),
    ("add `deductible … per year`, or drop `after deductible` to limit the base", "请加上 `deductible … per year`，或删除 `after deductible` 以限制基数"),
    ("the limit on deductibles is per year", "起付线的上限按年计算"),
    ("write `at most … per year`", "请写 `at most … per year`"),
    ("{what} has two caps per {period}", "{what} 有两个 `per {period}` 的封顶线"),
    ("a fixed payment is per visit", "定额支付按次计算"),
    ("write `fixed … per visit`", "请写 `fixed … per visit`"),
    ("a fixed payment has no deductible", "定额支付没有起付线"),
    ("bands start at 0.00; the first starts at {lo}", "分段应从 0.00 开始；第一段从 {lo} 开始"),
    ("add a first band `{band}`", "请加上第一段 `{band}`"),
    ("band starts at {lo} but the one above ends at {hi}", "此段从 {lo} 开始，但上一段止于 {hi}"),
    ("bands must meet with no gap or overlap", "各段必须首尾相接，不得有间隙或重叠"),
    ("band ends at {hi}, not above its start {lo}", "此段止于 {hi}，不高于其起点 {lo}"),
    ("only the last band can be open (`above …`)", "只有最后一段可以不设上限（`above …`）"),
    ("`applies when` reads only the claim's fields, not `{name}`", "`applies when` 只能读取结算单的字段，不能读取 `{name}`"),
    ("it decides whether the policy covers the claim before anything is computed", "它在任何计算之前决定政策是否适用于结算单"),
    ("`{what}` is for a policy whose input is a record", "`{what}` 只用于输入为记录的政策"),
    ("the amount cannot read `{name}`: it is what `{name2}` is made of", "分配金额不能读取 `{name}`：`{name2}` 正是由它得出的"),
    ("the assumption of {what} is in one language only", "{what} 的假设只有一种语言"),
    ('write it in both, as a label is: `assume "中文" / "English"`', '请像标签一样用两种语言书写：`assume "中文" / "English"`'),
    ("`{name}` is listed twice", "`{name}` 列出了两次"),
    ("`{name}` is over `{other}`, which is not an exception of `{param}`", "`{name}` 优先于 `{other}`，但后者不是 `{param}` 的例外"),
    ("a table can be keyed only by enum fields; `{key}` is {type}", "表格只能以枚举字段为键；`{key}` 是{type}"),
    ("`{value}` is not a value of `{field}`", "`{value}` 不是 `{field}` 的取值"),
    ("parameters depend on each other in a cycle: {cycle}", "参数互相依赖，形成循环：{cycle}"),
    ("a record has no `{key}`", "记录没有 `{key}`"),
    # ------------------------------------------------------------ expr_types.py
    ("unknown claim field `{name}`", "未知的结算单字段 `{name}`"),
    ("{what} must be {want}, not {got}", "{what} 应为{want}，而不是{got}"),
    ("write a rate with `%`, e.g. `90%`", "比例请带 `%`，例如 `90%`"),
    ("unknown name `{name}`", "未知的名称 `{name}`"),
    ("cannot divide {a} by {b}", "不能用{b}除{a}"),
    ("divide money by a number, e.g. `deductible / 2`", "请用数字除金额，例如 `deductible / 2`"),
    ("money has at most two decimals (fen); `{value}` has {n}", "金额最多两位小数（分）；`{value}` 有 {n} 位"),
    ("a count is a whole number, not `{value}`", "计数应为整数，而不是 `{value}`"),
    ("{what} mix {first} and a bare number", "{what} 混用了{first}和不带单位的数字"),
    ("write rates with `%`", "比例请带 `%`"),
    ("{what} mix {first} and {t}", "{what} 混用了{first}和{t}"),
    ("`{name}` is not a value of `{enum}`", "`{name}` 不是 `{enum}` 的取值"),
    ("put the claim field on the left: `visit.level == 3`", "请把结算单字段写在左边：`visit.level == 3`"),
    ("`{op}` cannot compare {t}", "`{op}` 不能比较{t}"),
    ("`{op}` needs numbers, not {t}", "`{op}` 需要数字，而不是{t}"),
    ("`{name}` is a record field, but this policy settles claims", "`{name}` 是记录的字段，但本政策结算的是结算单"),
    ("add `input record` to the policy header and declare the field", "请在政策头部加上 `input record` 并声明该字段"),
    ("unknown record field `{name}`", "未知的记录字段 `{name}`"),
    ("unknown line field `{name}`", "未知的明细字段 `{name}`"),
    ("`{name}` is a claim field, but this policy's input is a record", "`{name}` 是结算单的字段，但本政策的输入是记录"),
    ("`{name}` is not known here: layer `{layer}` has not been applied yet", "此处还不知道 `{name}`：支付层 `{layer}` 尚未执行"),
    ("read it in the layer itself, later layers and checks", "请在该支付层本身、其后的支付层和校验中读取"),
    ("read a layer's results only in later layers and in checks", "支付层的结果只能在其后的支付层和校验中读取"),
    ("`{value}` has decimals, but here it is a plain number, not money", "`{value}` 有小数，但这里是普通数字，不是金额"),
    ("multiply or divide by whole numbers (for `× 1.5` write `* 3 / 2`), or take a share with a rate such as `50%`",
     "请乘除整数（`× 1.5` 写成 `* 3 / 2`），或用比例取份额，例如 `50%`"),
    ("a rate must lie between 0% and 100%, not {value}%", "比例应在 0% 到 100% 之间，而不是 {value}%"),
    ("a rate is the share of the base that is paid: 100% pays all of it, 0% none",
     "比例是基数中支付的份额：100% 全部支付，0% 不支付"),
    ("a rate has at most four decimals of a percent", "比例的百分数最多四位小数"),
    ("cannot negate {t}", "不能对{t}取负"),
    ("`\"…\" in` needs a list field such as `visit.diseases`, not {t}", "`\"…\" in` 需要列表字段，例如 `visit.diseases`，而不是{t}"),
    ("a condition must be true/false, not {t}", "条件应为真假值，而不是{t}"),
    ("unknown function `{name}`", "未知的函数 `{name}`"),
    ("`{name}` needs at least two arguments", "`{name}` 至少需要两个参数"),
    ("`{name}` compares numbers, not {t}", "`{name}` 比较的是数字，而不是{t}"),
    ("`{name}` depends on the layers and can be read only in a layer", "`{name}` 依赖各支付层，只能在支付层中读取"),
    ("use `in_scope` or `total` here", "此处请使用 `in_scope` 或 `total`"),
    ("enum values have no order: `{op}` cannot compare `{enum}`", "枚举取值没有大小顺序：`{op}` 不能比较 `{enum}`"),
    ("use `==`, `!=` or `in {…}`", "请使用 `==`、`!=` 或 `in {…}`"),
    ("cannot multiply money by money", "不能用金额乘金额"),
    ("`{name}` is a bill line's field: it has a value only in a `classify` row or a layer's `rate`",
     "`{name}` 是费用明细的字段：只在 `classify` 的行或支付层的 `rate` 中有值"),
    ("compare it in a row's `when` or share, or in a rate by line: `{example}`",
     "请在行的 `when` 或份额中比较它，或按明细设定比例：`{example}`"),
    ("layer `{layer}` keeps no `{name}`", "支付层 `{layer}` 不记录 `{name}`"),
    ("layer `{layer}` has no result `{name}`", "支付层 `{layer}` 没有结果 `{name}`"),
    ("`in {…}` needs an enum field, not {t}", "`in {…}` 需要枚举字段，而不是{t}"),
    ("`{op}` needs true/false, not {t}", "`{op}` 需要真假值，而不是{t}"),
    ("cannot {verb} a bare number and a rate", "不带单位的数字和比例不能{verb}"),
    ("write percentage points with `%`, e.g. `80% - 10%`", "百分点请带 `%`，例如 `80% - 10%`"),
    ("cannot {verb} money and a rate", "金额和比例不能{verb}"),
    ("did you mean `money × rate`?", "是否应为 `money × rate`？"),
    ("add", "相加"),
    ("subtract", "相减"),
    ("layer `{layer}` is `given`: the claim says only what it paid, not its `{name}`",
     "支付层 `{layer}` 为 `given`：结算单只给出它支付的金额，没有它的 `{name}`"),
    ("read `{name}`", "请读取 `{name}`"),
    ("cannot compare enum `{enum}` with {t}", "不能把枚举 `{enum}` 与{t}比较"),
    ("compare with one of {values}", "请与以下取值之一比较：{values}"),
    # ------------------------------------------------------------ fmt.py, reform.py, the code generator
    ("yibao fmt would change what this statement means", "yibao fmt 会改变这条语句的含义"),
    ("the file is left as it is; please report this", "文件保持原样；请报告此问题"),
    ("yibao fmt cannot read this character", "yibao fmt 无法读取此字符"),
    ("the file is left as it is", "文件保持原样"),
    ("yibao fmt would break this policy (the result: {message} at line {line})",
     "yibao fmt 会破坏此政策（结果：第 {line} 行{message}）"),
    ("policies extend each other in a loop: {loop}", "政策互相扩展，形成循环：{loop}"),
    ("the base policy `{name}` is a folder ({path})", "基础政策 `{name}` 是一个文件夹（{path}）"),
    ("name the policy file in it, e.g. `{example}`", "请写出其中的政策文件，例如 `{example}`"),
    ("cannot find the base policy `{name}` ({path})", "找不到基础政策 `{name}`（{path}）"),
    ("`amend {name}`: the base policy has no such parameter", "`amend {name}`：基础政策没有这个参数"),
    ("layer `{name}` is placed {where} `{anchor}`, which is not a layer", "支付层 `{name}` 放在 `{anchor}` {where}，但后者不是支付层"),
    ("cannot read the base policy `{name}`: {reason}", "无法读取基础政策 `{name}`：{reason}"),
    ("the path is relative to this file's folder", "路径相对于本文件所在的文件夹"),
    ("{name} is not a name the compiler can use", "{name} 不是编译器可用的名称"),
    ("names are letters, digits and `_`, not starting with a digit", "名称由字母、数字和 `_` 组成，不以数字开头"),
    ("unknown operator {op}", "未知的运算符 {op}"),
    ("before", "之前"),
    ("after", "之后"),
)

# Slots that are lists: each item is translated, and the English joints become Chinese ones.
_LIST_SLOTS = frozenset({"expected", "fits"})
# Slots that list names of the language or the claim (rounding modes, enum values): each in backticks.
_NAME_SLOTS = frozenset({"modes", "values", "names", "keys", "example_row"})


@cache
def _patterns() -> tuple[tuple[re.Pattern[str], str, frozenset[str]], ...]:
    """Each template as a regex, the most specific (most fixed text) first, with its slots written
    inside backticks (names, kept as typed and never holding a backtick)."""
    out = []
    for en, zh_text in MESSAGES:
        parts = re.split(r"\{(\w+)\}", en)
        typed = frozenset(parts[i] for i in range(1, len(parts), 2) if parts[i - 1].endswith("`"))
        regex = "".join(re.escape(p) if i % 2 == 0 else f"(?P<{p}>[^`]+?)" if p in typed else f"(?P<{p}>.+?)"
                        for i, p in enumerate(parts))
        fixed = sum(len(parts[i]) for i in range(0, len(parts), 2))
        out.append((fixed, re.compile(f"^{regex}$", re.S), zh_text, typed))
    out.sort(key=lambda t: -t[0])
    return tuple((pattern, text, typed) for _, pattern, text, typed in out)


_SLOT = re.compile(r"\{(\w+)\}")
_CJK_GAP = re.compile(r"(?<=[\u4e00-\u9fff]) (?=[\u4e00-\u9fff])")


def _items(text: str) -> str:
    """``a, b or c`` with each item in Chinese, joined by 、 and 或."""
    head, _, last = text.rpartition(" or ")
    items = [*(head.split(", ") if head else []), last]
    shown = [zh(i) for i in items]
    return "、".join(shown[:-1]) + ("或" if len(shown) > 1 else "") + shown[-1]


def _names(text: str) -> str:
    """``half_up, down`` as ```half_up`、`down```: names as typed, marked as names."""
    return "、".join(f"`{n}`" for n in text.split(", "))


def zh(message: str) -> str:
    """``message`` (a diagnostic's message or hint, or a phrase inside one) in Chinese."""
    for pattern, text, typed in _patterns():
        m = pattern.match(message)
        if m:
            slots = {k: v if k in typed else _items(v) if k in _LIST_SLOTS else _names(v) if k in _NAME_SLOTS
                     else zh(v) for k, v in m.groupdict().items()}
            filled = _SLOT.sub(lambda s, got=slots: got.get(s.group(1), s.group()), text)
            return _CJK_GAP.sub("", filled)  # a phrase put in before Chinese: no space between
    return message


def summary(errors: int, warnings: int) -> str:
    """``2 errors and 1 warning found`` in Chinese."""
    also = f"和 {warnings} 个警告" if warnings else ""
    return f"发现 {errors} 个错误{also}"
