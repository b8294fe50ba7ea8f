"""The words of the command line in zh and en, and how an error is told to a person.

The CLI says ``say("key", lang, …)``. A ``ClaimError``'s issues are phrases (``dsl/phrase.py``),
each shown in ``lang`` from its own entry in ``dsl/claims_zh.py``; nothing is recovered from
finished English text.
"""

from __future__ import annotations

from contextvars import ContextVar
from typing import TYPE_CHECKING

from yibao.dsl.claims_zh import os_reason

if TYPE_CHECKING:
    from yibao.dsl.errors import ClaimError

__all__ = ["WORDS", "current_lang", "error_text", "os_reason", "say", "set_lang"]

# key → (zh, en); ``{name}`` slots are filled by ``say``.
WORDS: dict[str, tuple[str, str]] = {
    "usage.claims_once": ("结算单只给一次：作为 CLAIMS 或 --claims PATH", "give the claims once: as CLAIMS or as --claims PATH"),
    "usage.out_once": ("给出 OUT 或 -o，不要两者都给", "give OUT or -o, not both"),
    "usage.national_only": ("--policy 和 --area 只用于国家平台格式（--from/--to national）",
                            "--policy and --area are for the national shapes (--from/--to national)"),
    "usage.paths": ("结算单文件：IN 和 OUT 都应是路径（yibao convert claims.jsonl claims.parquet）",
                    "claim files: give IN and OUT as paths (yibao convert claims.jsonl claims.parquet)"),
    "usage.traces": ("--trace-claim 需要 --traces FILE（JSON 行）来写出计算步骤",
                     "--trace-claim needs --traces FILE (JSON lines) to write the traces to"),
    "usage.dask": ("--dask/--workers 用列式引擎结算并在每个分区内排序；--closing、--trace-claim、--engine scalar "
                   "和 --sort 只用于单进程",
                   "--dask/--workers settle with the columnar engine and sort each partition; "
                   "--closing, --trace-claim, --engine scalar and --sort are for one process"),
    "usage.partitions": ("--partitions 只与 --dask 或 --workers 一起用", "--partitions is for --dask or --workers"),
    "usage.direction": ("--from {src} --to {dst}：请选择其一：{choices}", "--from {src} --to {dst}: choose one of {choices}"),
    "usage.needs_policy": ("--from {src} --to {dst} 需要 --policy", "--from {src} --to {dst} needs --policy"),
    "usage.policy_or_area": ("请给出 --policy 或 --area：统筹区的编码来自其中之一",
                             "give --policy or --area: the pooling area's codes come from one of them"),
    "check.ok": ("通过：{path}（{params} 个参数，{layers} 个支付层）",
                 "ok: {path} ({params} parameter{params_s}, {layers} layer{layers_s})"),
    "check.none": ("请给出一个或多个政策文件（或 --explain CODE）", "give one or more POLICY files (or --explain CODE)"),
    "check.strict": ("{path}：{n} 个警告，--strict 使其视为失败", "{path}: {n} warning{n_s}, which --strict makes fail"),
    "fmt.would": ("将重排 {path}", "would reformat {path}"),
    "fmt.done": ("已重排 {path}", "reformatted {path}"),
    "fmt.n_would": ("{n} 个文件将被重排", "{n} file{n_s} would be reformatted"),
    "fmt.n_done": ("{n} 个文件已重排", "{n} file{n_s} reformatted"),
    "fmt.n_same": ("{n} 个文件已是规范格式", "{n} file{n_s} already formatted"),
    "fmt.n_failed": ("{n} 个文件无法重排", "{n} file{n_s} could not be formatted"),
    "fmt.none": ("没有政策文件", "no policy files"),
    "serve.start": ("yibao serve：{n} 个政策，地址 http://{host}:{port}（OpenAPI：/docs）",
                    "yibao serve: {n} policies on http://{host}:{port} (OpenAPI: /docs)"),
    "test.none": ("在 {where} 下没有找到政策测试（*.tests.json）", "no policy tests (*.tests.json) found under {where}"),
    "test.error": ("错误 {path}", "ERROR {path}"),
    "test.file": ("{path}（{policy}）：{cases} 个用例，{status}", "{path} ({policy}): {cases} case{cases_s}, {status}"),
    "test.ok": ("全部通过", "ok"),
    "test.status_pass": ("通过", "PASS"),
    "test.status_fail": ("失败", "FAIL"),
    "test.status_error": ("错误", "ERROR"),
    "test.failed": ("{bad}/{n} 个失败", "{bad} of {n} failed"),
    "test.coverage": ("规则覆盖率", "Rule coverage"),
    "test.summary": ("通过 {passed} 个，失败 {failed} 个，错误 {errors} 个", "{passed} passed"),
    "test.low": ("{policy} 的覆盖率为 {percent}%，低于 --min-coverage {min}%",
                 "coverage of {policy} is {percent}%, below --min-coverage {min}%"),
    "sample.wrote": ("已写入 {n} 份结算单：{path}", "wrote {n} claims to {path}"),
    "sample.json": ("{path}：结算单应写入文件夹、.jsonl 或 .parquet 文件",
                    "{path}: write claims to a folder, a .jsonl or a .parquet file"),
    "settle.both": ("--json 与 --jsonl 只能选一个", "--json and --jsonl: choose one"),
    "explain.output": ("-o 用于写说明函：请同时给出 --format md、html 或 text",
                       "-o writes a letter: give --format md, html or text too"),
    "explain.folder": ("--format 为一份结算单写说明函：请给出结算单文件，而不是文件夹",
                       "--format writes the letter for one claim: give a claim file, not a folder"),
    "render.no_base": ("{path} 不是改革方案：它没有基础政策，因此没有可列出的变更",
                       "{path} is not a reform: it extends no base policy, so there are no changes to list"),
    "internal": ("内部错误：{kind}：{message}——请将您运行的命令报告给 yibao 维护者",
                 "internal error: {kind}: {message} — please report this to the yibao maintainers with "
                 "the command you ran"),
    "progress.settling": ("结算中", "settling"),
    "progress.reconciling": ("稽核中", "reconciling"),
    "reconcile.hidden": ("（另有 {n} 次不一致或未通过校验的就诊未列出；--json 列出全部）",
                         "({n} more differing or rejected visits not shown; --json lists them all)"),
    "diff.scalar": ("注意：{reason}；改用逐单（scalar）引擎结算", "note: {reason}; settling with the scalar engine"),
    "diff.whole": ("注意：{where}：{reason}；改为整体读取 JSON 结算单",
                   "note: {where}: {reason}; reading the claims whole as JSON"),
    "rejected.claim": ("结算单未通过校验", "claim rejected"),
    "rejected.record": ("记录未通过校验", "record rejected"),
    "write.cannot": ("无法写入 {path}：{reason}", "cannot write {path}: {reason}"),
}


def say(key: str, lang: str, **slots: object) -> str:
    """The message ``key`` in ``lang``; ``{n_s}`` slots give English plurals for numbers ``n``."""
    zh, en = WORDS[key]
    extra = {f"{k}_s": ("" if v == 1 else "s") for k, v in slots.items() if isinstance(v, int)}
    return (zh if lang == "zh" else en).format(**slots, **extra)


def _claim_error(err: ClaimError, lang: str) -> str:
    what = "record" if err.what == "record" else "claim"
    head = f"{err.source}：" if err.source else ""
    body = "\n".join(f"  {i.path}：{i.text(lang)}" for i in err.issues)
    return f"{head}{say('rejected.' + what, lang)}\n{body}"


def error_text(err: BaseException, lang: str) -> str:
    """What a person is told about ``err`` in ``lang``.

    Policy diagnostics keep their positions, codes and layout, their messages in ``lang``; claim
    checks and OS reasons are translated; anything else is shown as it was raised.
    """
    from yibao.dsl.errors import ClaimError, PolicyError, SettlementError  # not for `yibao --version`

    if isinstance(err, PolicyError):
        return err.format(lang)
    if lang == "zh":
        if isinstance(err, ClaimError):
            return _claim_error(err, lang)
        if isinstance(err, SettlementError):
            return err.text(lang)
        from yibao.output import OutputError

        if isinstance(err, OutputError):
            return say("write.cannot", lang, path=err.path, reason=os_reason(err.reason))
    return str(err)


_current: ContextVar[str | None] = ContextVar("yibao_lang", default=None)


def set_lang(lang: str | None) -> None:
    """The language of this run's messages, once the configuration has been read (None: not yet)."""
    _current.set(lang)


def current_lang() -> str:
    """This run's language: as configured, or (before the file is read) ``YIBAO_LANG`` or the locale."""
    lang = _current.get()
    if lang is not None:
        return lang
    from yibao.lang import default_lang

    return default_lang()
