"""Click's own words (usage, help headings, usage errors) in Chinese when the run's language is zh.

Click passes each of its messages through ``gettext`` (``_`` and ``ngettext`` in its modules)
before formatting it, so the message templates are translated here and Click fills them in.
Only the messages a person meets with yibao are listed; any other stays as Click wrote it.
Our own commands' help texts are in ``HELP`` below, swapped in when ``--help`` is asked in zh.
"""

from __future__ import annotations

import importlib
from collections.abc import Callable

import click

from yibao.messages import current_lang

__all__ = ["HELP", "install", "translate_help"]

ZH: dict[str, str] = {
    "Usage:": "用法：",
    "Options": "选项",
    "Commands": "命令",
    "Positional arguments": "参数",
    "Show this message and exit.": "显示本帮助并退出。",
    "Show the version and exit.": "显示版本并退出。",
    "%(prog)s, version %(version)s": "%(prog)s，版本 %(version)s",
    "Error: {message}": "错误：{message}",
    "Try '{command} {option}' for help.": "运行 '{command} {option}' 查看帮助。",
    "Invalid value for {param_hint}: {message}": "{param_hint} 的值无效：{message}",
    "Invalid value: {message}": "值无效：{message}",
    "Missing argument": "缺少参数",
    "Missing option": "缺少选项",
    "Missing parameter": "缺少参数",
    "Missing {param_type}": "缺少{param_type}",
    "Missing command.": "缺少命令。",
    "No such command {name!r}.": "没有命令 {name!r}。",
    "No such option {name!r}.": "没有选项 {name!r}。",
    "Option {name!r} does not take a value.": "选项 {name!r} 不接受取值。",
    # {name} is Click's English "File" / "Directory", filled in after: the Chinese names the path itself
    "{name} {filename!r} does not exist.": "{filename!r} 不存在。",
    "{name} {filename!r} is a directory.": "{filename!r} 是文件夹。",
    "{name} {filename!r} is a file.": "{filename!r} 是文件。",
    "{name} {filename!r} is not readable.": "{filename!r} 不可读。",
    "{name} {filename!r} is not writable.": "{filename!r} 不可写。",
    "{value!r} is not a valid {number_type}.": "{value!r} 不是有效的{number_type}。",
    "{value} is not in the range {range}.": "{value} 不在范围 {range} 内。",
    "file": "文件",
    "directory": "文件夹",
    "path": "路径",
    "Aborted!": "已中止！",
    "required": "必填",
    "default: {default}": "默认：{default}",
    "integer": "整数",
    "float": "小数",
    # ngettext: (singular, plural) → Chinese
    "Option {name!r} requires an argument.": "选项 {name!r} 需要一个值。",
    "Option {name!r} requires {nargs} arguments.": "选项 {name!r} 需要 {nargs} 个值。",
    "Got unexpected extra argument ({args})": "多余的参数（{args}）",
    "Got unexpected extra arguments ({args})": "多余的参数（{args}）",
    "{value!r} is not {choice}.": "{value!r} 不是 {choice}。",
    "{value!r} is not one of {choices}.": "{value!r} 不是以下之一：{choices}。",
    "Did you mean {possibility}?": "是否应为 {possibility}？",
    "(Did you mean one of: {possibilities}?)": "（是否应为以下之一：{possibilities}？）",
}

MODULES = ("click.core", "click.decorators", "click.exceptions", "click.formatting", "click.parser",
           "click.types")


def _gettext(message: str) -> str:
    return ZH.get(message, message) if current_lang() == "zh" else message


def _ngettext(singular: str, plural: str, n: int) -> str:
    return _gettext(singular if n == 1 else plural)


def install() -> None:
    """Route Click's messages through the catalogue above (idempotent)."""
    for name in MODULES:
        module = importlib.import_module(name)
        if hasattr(module, "_"):
            module._ = _gettext  # type: ignore[attr-defined]
        if hasattr(module, "ngettext"):
            module.ngettext = _ngettext  # type: ignore[attr-defined]
    # the type names Click puts in its messages
    click.types.IntParamType.name = "integer"
    click.types.FloatParamType.name = "float"
    if not getattr(click.core.Parameter.make_metavar, "_yibao_zh", False):
        english = click.core.Parameter.make_metavar

        def make_metavar(self: click.core.Parameter, ctx: click.Context) -> str:
            """An option's value in the help (``INTEGER``) in Chinese when the run is in zh."""
            text = english(self, ctx)
            return METAVARS.get(text, text) if current_lang() == "zh" else text

        make_metavar._yibao_zh = True  # type: ignore[attr-defined]
        click.core.Parameter.make_metavar = make_metavar  # type: ignore[method-assign]


# What Click shows for an option's value; argument names (POLICY, CLAIMS) are the command's own.
METAVARS: dict[str, str] = {"INTEGER": "整数", "INTEGER RANGE": "整数", "FLOAT": "数值", "FLOAT RANGE": "数值",
                            "TEXT": "文本", "PATH": "路径", "FILE": "文件", "FILENAME": "文件",
                            "DIRECTORY": "文件夹", "BOOLEAN": "是或否"}


# The commands' help in Chinese: command → (help, {option or argument name: help}).
HELP: dict[str, tuple[str, dict[str, str]]] = {
    "": ("yibao：以代码表达的医疗保险报销政策。", {}),
    "check": ("解析并检查政策文件；列出每个错误和警告及其代码和所在行。\n\n任一文件有错误（或在 --strict 下有警告）时退出码为 1；每个文件都会检查。",
              {"fmt": "text 供人阅读（标准错误）；json：诊断数组（标准输出）；github：工作流注释（标准输出）。",
               "strict": "警告也视为检查失败（退出码 1）。",
               "code": "显示一个诊断代码的含义（附错误与正确示例）后退出。"}),
    "fmt": ("按规范格式排版政策文件（文件夹：其下每个 *.yb），保留注释。\n\n文件要么整体重写，要么不改；只有结果解析为同一政策时才重写。",
            {"check": "不作修改；列出将改变的文件，有则退出码为 1。",
             "show_diff": "不作修改；以统一差异格式输出将改变的内容。"}),
    "compile": ("输出政策编译成的 Python 模块。", {"output": "把模块写入此文件，而不是标准输出。"}),
    "settle": ("按政策结算 CLAIMS：一份结算单文件、结算单的 JSON 数组或 JSON 行、一个文件夹，或 -。\n\n"
               "多份结算单按参保人、按日期顺序结算，每份把年度累计带到下一份；最后列出年度累计。",
               {"as_json": "以 JSON 输出结算结果。", "as_jsonl": "每行输出一份结算结果（JSON 行）。",
                "trace": "包含结算的每一步。",
                "lines": "JSON：同时给出每一项费用明细的分摊（有 --trace 时总会给出）。",
                "show_id": "完整显示参保人身份证号（默认隐去中间部分）。"}),
    "schema": ("输出 NAME 的 JSON Schema：claim（结算单）、record（记录）、settlement（结算结果）或 tests"
               "（*.tests.json 文件）。",
               {"policy": "在结算单的 Schema 中使用该政策的取值集合（其 `enum` 声明），并把政策从不读取的字段移出必填项。",
                "output": "把 Schema 写入此文件，而不是标准输出。"}),
    "explain": ("逐步说明 CLAIM（一份 JSON 文件或一个结算单文件夹）按政策如何结算。\n\n"
                "在终端中打开说明程序；给出 --text 或标准输出不是终端时，以文本输出。",
                {"as_text": "以纯文本输出说明，而不打开程序。",
                 "fmt": "为参保人写一封结算说明函（Markdown、HTML 或纯文本）。",
                 "output": "与 --format 一起：把说明函写入此文件。",
                 "show_id": "完整显示参保人身份证号（默认隐去中间部分）。"}),
    "render": ("把政策写成文件：政策条文及算例。\n\n算例是政策的样例结算单按编译后的政策结算的结果。",
               {"fmt": "Markdown，或一个独立的 HTML 页面。", "output": "把文件写入此文件，而不是标准输出。",
                "changes": "改革方案：只列出相对基础政策的变更表。",
                "claims_dir": "算例所用的样例结算单文件夹（默认：政策自带的）。"}),
    "test": ("运行 PATHS 下的政策测试（*.tests.json；默认：当前文件夹）。",
             {"junit": "同时把结果以 JUnit XML 写入此文件（供 CI 使用）。",
              "coverage": "报告测试覆盖了每个政策的哪些规则。",
              "coverage_json": "把覆盖率报告以 JSON 写入此文件（'-' 为标准输出，此时报告写到标准错误）。",
              "min_coverage": "任一政策的规则覆盖率低于 N% 时失败（退出码 1）。",
              "verbose": "列出每个用例，以及覆盖率报告中的每条规则。"}),
    "diff": ("按新旧两个政策结算 CLAIMS 的每一份结算单，报告变化。\n\n"
             "结算单分块读入；每位参保人的结算单按日期顺序结算并带入年度累计，"
             "因此超过一块的输入须按参保人编号排序（或用 --sort）。",
             {"claims": "JSON 结算单文件夹、JSON 行文件、Parquet 文件或数据集文件夹（也可作为 CLAIMS 给出）。",
              "as_json": "以 JSON 输出报告。",
              "all_changes": "与 --json 一起：列出每一份有变化的结算单，而不只是变化最大的（占用内存随之增加）。",
              "top": "显示变化最大的多少份，每份附第一个不同的步骤。",
              "fail_on_change": "有任何结算单结果不同（或一个政策拒绝另一个政策结算的结算单）时退出码为 1。",
              "engine": "用列式引擎分块结算（没有列式形式之处用逐单引擎）。",
              "chunk": "每次读入的结算单份数（默认 65,536）。",
              "sort": "整体读入结算单并按参保人排序（否则超过一块的输入须已按参保人编号排序）。",
              "src_format": "文件名看不出格式时，结算单的格式。",
              "progress": "显示进度计数（默认：在终端中）。"}),
    "reconcile": ("按 POLICY 重算 PLATFORM_DATA 中的每一笔结算，逐分比对。\n\n"
                  "PLATFORM_DATA 为国家平台的就诊数据（docs/national.md）：JSON 行（每行一次就诊，边读边算）、"
                  "一次或多次就诊的 JSON 文件、这类文件的文件夹，或 -。每次就诊按其明细分割（feedetail_result）"
                  "和期初累计（cuminfo）重算。",
                  {"area": "统筹区的映射（TOML）；默认：列出该政策的内置统筹区。", "as_json": "以 JSON 输出报告。",
                   "fail_on_difference": "有任何就诊不一致或未通过校验时退出码为 1。",
                   "show": "文本报告中说明多少次不一致或未通过校验的就诊（--json 列出全部）。",
                   "progress": "显示进度条（默认：标准错误是终端时）。"}),
    "serve": ("通过 HTTP 为 POLICIES 提供结算、说明、说明函、国家平台结算与稽核服务。\n\n"
              "政策在启动时加载并编译一次（政策有错误时在启动时停止，退出码 1）。OpenAPI：/openapi.json 和 /docs。",
              {"host": "监听的地址。", "port": "监听的端口。",
               "area": "国家平台接口所用的统筹区映射（TOML）；默认：列出各政策的内置统筹区。"}),
    "convert": ("把 IN 中的结算单转换为 OUT：json（一份结算单或数组）、jsonl、parquet（一个 .parquet 文件，"
                "或一个文件夹：数据集），金额精确（Parquet 中为 int64 分）；或用 --from/--to yibao、national、"
                "settlement 在 yibao 结算单与国家平台的数据形式之间转换。",
                {"src_format": "IN 的格式（默认：按文件名）：json、jsonl、parquet；或 yibao / national（国家平台的数据形式）。",
                 "dst_format": "OUT 的格式（默认：按文件名）：json、jsonl、parquet；或 yibao、national、settlement"
                               "（平台的 setlinfo、setldetail、cuminfo）。",
                 "chunk": "每次读写的结算单份数（结算单文件格式）。",
                 "policy": "国家平台形式：所用政策（yibao → national 与 settlement 时必填）。",
                 "area": "国家平台形式：统筹区的映射（TOML）。", "output": "写到这里（与 OUT 相同）。"}),
    "batch": ("按 POLICY 把 CLAIMS 中的每一份结算单结算到 OUTPUT；每位参保人的结算单按日期顺序结算，"
              "年度累计逐份带入（CLAIMS 须按参保人编号排序，或用 --sort）。",
              {"output": "结算结果：.jsonl、.json、.parquet，或一个文件夹（Parquet 数据集）。",
               "engine": "columnar：用 NumPy 整块计算；scalar：逐单计算（基准实现）。",
               "src_format": "CLAIMS 的格式（默认：按文件名；文件夹为 Parquet 数据集）。",
               "closing_out": "同时把每位参保人每个参保年度的期末年度累计写到这里。",
               "trace_claims": "同时写出此结算单带步骤的结算结果及每行分摊（可重复）。",
               "traces_out": "--trace-claim 结算结果写入的 JSON 行文件。",
               "chunk": "每次读入的结算单份数（一块会延长到其最后一位参保人结束）。",
               "sort": "先按参保人排序（全部读入内存）；否则须已排序。",
               "scheduler": "在 Dask 集群上结算（调度器地址）；写出分区的 Parquet 数据集。",
               "workers": "在 N 个工作进程的本地 Dask 集群上结算；写出 Parquet 数据集。",
               "partitions": "与 --dask/--workers 一起：按参保人编号哈希分区（默认：每个工作进程 4 个）。"}),
    "lsp": ("为编辑器（VS Code、Neovim、Helix …）在标准输入输出上运行语言服务器。",
            {"stdio": "通过标准输入和输出通信（默认方式；因编辑器会传入此选项而接受）。"}),
    "sample-claims": ("写出 COUNT 份政策接受的随机结算单，同一 --seed 结果相同。",
                      {"count": "多少份。", "seed": "同一种子得到同样的结算单。",
                       "output": "一个文件夹（每份一个 .json）、.jsonl 或 .parquet 文件；"
                                 "默认：JSON 行输出到标准输出。",
                       "scheme": "只生成此 person.scheme（默认：政策接受的每一种）。",
                       "kind": "只生成此 visit.kind（默认：政策接受的每一种）。",
                       "start": "第一份结算单的日期。", "days": "把日期分布在这么多天内（默认 365）。"}),
}
COMMON = {"config": "配置文件（默认：从政策所在文件夹向上查找 yibao.toml 或 "
                     "pyproject.toml 的 [tool.yibao]）。",
          "lang": "输出和提示的语言（默认：配置文件、YIBAO_LANG 或系统区域设置）。",
          "help": "显示本帮助并退出。", "version": "显示版本并退出。"}


def translate_help(command: click.Command, name: str, ctx: click.Context | None = None) -> Callable[[], None]:
    """Put the Chinese help on ``command`` for one ``--help``; returns what puts the English back."""
    text, options = HELP.get(name, ("", {}))
    saved: list[tuple[object, str, object]] = [(command, "help", command.help),
                                               (command, "options_metavar", command.options_metavar)]
    if text:
        command.help = text
    command.options_metavar = "[选项]"
    if isinstance(command, click.Group):
        saved.append((command, "subcommand_metavar", command.subcommand_metavar))
        command.subcommand_metavar = "命令 [参数]..."
    params = list(command.params)
    helper = command.get_help_option(ctx) if ctx is not None else None
    if helper is not None:  # made once, in the language of the run that first asked for it
        params.append(helper)
    for param in params:
        key = "help" if param is helper else param.name or ""
        words = options.get(key) or COMMON.get(key)
        if isinstance(param, click.Option) and words:
            saved.append((param, "help", param.help))
            param.help = words

    def restore() -> None:
        for obj, attr, value in saved:
            setattr(obj, attr, value)

    return restore
