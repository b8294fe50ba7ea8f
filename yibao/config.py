"""The project configuration: the bureau's working language, letterhead, export folder, ID masking.

A bureau sets these once, in ``yibao.toml`` or the ``[tool.yibao]`` table of ``pyproject.toml``,
so that every command and the explainer speak its language and sign its letters. The file is
found by walking up from the policy file's folder, then from the current folder; ``--config``
names one. The language is, first to last: ``--lang``, ``YIBAO_LANG``, the file's ``lang``,
the locale (``zh_*`` is Chinese, anything else English).

Every key is checked: an unknown key or a value of the wrong type is a ``ConfigError`` naming
the file, the line and the key (exit 1), never a silent default.
"""

from __future__ import annotations

import os
import re
import tomllib
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from yibao.dsl.errors import YibaoError
from yibao.lang import ENV_LANG, LANGS, default_lang, locale_lang

__all__ = ["ENV_LANG", "LANGS", "Bureau", "Config", "ConfigError", "default_lang", "find_config",
           "load_config", "locale_lang"]

FILE = "yibao.toml"
PYPROJECT = "pyproject.toml"
MAX_NOTES = 20  # footer lines on a letter; more is a misplaced document, not notes


class ConfigError(YibaoError):
    """A configuration file that cannot be used: ``file:line: key: reason``."""


@dataclass(frozen=True, slots=True)
class Bureau:
    """Who signs the letters: the bureau's name, address, hotline and footer notes."""

    name: str = ""
    address: str = ""
    hotline: str = ""
    notes: tuple[str, ...] = ()


@dataclass(frozen=True, slots=True)
class Config:
    """The resolved settings of one run; ``path`` is the file they came from (None: defaults)."""

    lang: str = "en"
    bureau: Bureau = field(default_factory=Bureau)
    export_dir: Path | None = None
    mask_ids: bool = True
    path: Path | None = None

    def show_id(self, show_id_flag: bool = False) -> bool:
        """Whether an ID is shown whole: ``--show-id``, or ``mask_ids = false`` in the file."""
        return show_id_flag or not self.mask_ids

    def exports(self) -> Path:
        """The folder the explainer exports into (the current folder when none is set)."""
        return self.export_dir if self.export_dir is not None else Path.cwd()


# ---------------------------------------------------------------------------- the language


def env_lang(environ: Mapping[str, str] | None = None) -> str | None:
    """``YIBAO_LANG`` if set; a value other than zh or en is an error, not a guess."""
    env = os.environ if environ is None else environ
    value = env.get(ENV_LANG, "").strip()
    if not value:
        return None
    if value not in LANGS:
        raise ConfigError(f"{ENV_LANG}={value}: expected zh or en"
                          if locale_lang(env) == "en" else f"{ENV_LANG}={value}：应为 zh 或 en")
    return value


# ---------------------------------------------------------------------------- finding the file


def _has_tool_table(path: Path) -> bool:
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, tomllib.TOMLDecodeError):
        return False  # somebody else's pyproject.toml: not ours to judge
    tool = data.get("tool")
    return isinstance(tool, dict) and "yibao" in tool


def find_config(start: Path) -> Path | None:
    """The nearest ``yibao.toml`` (or ``pyproject.toml`` with ``[tool.yibao]``) at or above ``start``."""
    here = start.resolve()
    if not here.is_dir():
        here = here.parent
    for folder in (here, *here.parents):
        candidate = folder / FILE
        if candidate.is_file():
            return candidate
        project = folder / PYPROJECT
        if project.is_file() and _has_tool_table(project):
            return project
    return None


# ---------------------------------------------------------------------------- reading it

_TOP = {"lang": str, "export_dir": str, "mask_ids": bool, "bureau": dict}
_BUREAU = {"name": str, "address": str, "hotline": str, "notes": list}
_TYPE_NAMES = {str: "a string", bool: "true or false", dict: "a table", list: "a list of strings"}
_TYPE_NAMES_ZH = {str: "字符串", bool: " true 或 false", dict: "表", list: "字符串列表"}


def _line_of(text: str, key: str, table: str | None) -> int:
    """The line a key is written on (its table's line for a missing one; 1 if not found).

    ``tomllib`` keeps no positions, so the key is looked for as ``key =`` under its table's header.
    """
    lines = text.splitlines()
    start = 0
    if table is not None:
        header = re.compile(r"^\s*\[\s*" + re.escape(table).replace(r"\.", r"\s*\.\s*") + r"\s*\]")
        start = next((i for i, line in enumerate(lines) if header.match(line)), -1)
        if start < 0:
            dotted = re.compile(r"^\s*" + re.escape(f"{table.split('.')[-1]}.{key}") + r"\s*=")
            return next((i + 1 for i, line in enumerate(lines) if dotted.match(line)), 1)
    pattern = re.compile(r"^\s*" + re.escape(key) + r"\s*=")
    for i in range(start, len(lines)):
        if i > start and table is not None and lines[i].lstrip().startswith("["):
            break
        if pattern.match(lines[i]):
            return i + 1
    return start + 1 if table is not None else 1


class _Reader:
    """Checks one file's table and says where a problem is, in the reader's language."""

    def __init__(self, path: Path, text: str, root: str | None, lang: str) -> None:
        self.path, self.text, self.root, self.zh = path, text, root, lang == "zh"

    def fail(self, key: str, table: str | None, en: str, zh: str) -> ConfigError:
        full = ".".join(p for p in (table, key) if p)
        where = f"{self.path}:{_line_of(self.text, key, table)}"
        return ConfigError(f"{where}: {full}{'：' if self.zh else ': '}{zh if self.zh else en}")

    def table(self, data: Mapping[str, Any], allowed: Mapping[str, type], table: str | None) -> None:
        for key, value in data.items():
            kind = allowed.get(key)
            if kind is None:
                known = ", ".join(allowed)
                raise self.fail(key, table, f"unknown key; the keys are {known}",
                                f"未知的配置项；可用的配置项为 {known}")
            if not isinstance(value, kind) or (kind is not bool and isinstance(value, bool)):
                raise self.fail(key, table, f"must be {_TYPE_NAMES[kind]}", f"应为{_TYPE_NAMES_ZH[kind]}")


def _read(path: Path, lang: str) -> dict[str, Any]:
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as err:
        reason = err.strerror if isinstance(err, OSError) and err.strerror else str(err)
        raise ConfigError(f"{path}: {'无法读取配置文件' if lang == 'zh' else 'cannot read the configuration'}"
                          f"{'：' if lang == 'zh' else ': '}{reason}") from None
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as err:
        match = re.search(r"\(at line (\d+), column (\d+)\)", str(err))
        where = f"{path}:{match.group(1)}:{match.group(2)}" if match else str(path)
        reason = re.sub(r"\s*\(at line \d+, column \d+\)", "", str(err))
        raise ConfigError(f"{where}: "
                          + (f"不是有效的 TOML（{reason}）" if lang == "zh" else f"not valid TOML: {reason}")
                          ) from None
    root = None
    if path.name == PYPROJECT:
        tool = data.get("tool", {})
        data = tool.get("yibao", {}) if isinstance(tool, dict) else {}
        root = "tool.yibao"
        if not isinstance(data, dict):
            raise _Reader(path, text, None, lang).fail("yibao", "tool", "must be a table", "应为表")
    reader = _Reader(path, text, root, lang)
    reader.table(data, _TOP, root)
    bureau = data.get("bureau", {})
    bureau_table = f"{root}.bureau" if root else "bureau"
    reader.table(bureau, _BUREAU, bureau_table)
    notes = bureau.get("notes", [])
    if not all(isinstance(n, str) for n in notes) or len(notes) > MAX_NOTES:
        raise reader.fail("notes", bureau_table, f"must be a list of at most {MAX_NOTES} strings",
                          f"应为不超过 {MAX_NOTES} 行的字符串列表")
    if "lang" in data and data["lang"] not in LANGS:
        raise reader.fail("lang", root, f"{data['lang']!r} is not zh or en", f"“{data['lang']}”不是 zh 或 en")
    data["_text"] = text
    return data


def load_config(start: Path | None = None, *, explicit: Path | None = None, lang: str | None = None,
                environ: Mapping[str, str] | None = None) -> Config:
    """The settings for a run on the policy at ``start`` (or the current folder).

    ``explicit`` is ``--config`` (must exist); ``lang`` is ``--lang`` (wins over everything).
    """
    env = os.environ if environ is None else environ
    said = env_lang(env)
    early = lang or said or locale_lang(env)  # the language a problem with the file is told in
    path = explicit
    if path is None:
        path = (find_config(start) if start is not None else None) or find_config(Path.cwd())
    elif not path.is_file():
        raise ConfigError(f"{path}: " + ("配置文件不存在" if early == "zh" else "no such configuration file"))
    if path is None:
        return Config(lang=early)
    data = _read(path, early)
    bureau = data.get("bureau", {})
    export = data.get("export_dir")
    export_dir = None
    if export is not None:
        export_dir = Path(os.path.expanduser(export))
        if not export_dir.is_absolute():
            export_dir = path.parent / export_dir  # relative to the file, as a bureau would mean it
    return Config(
        lang=lang or said or data.get("lang") or locale_lang(env),
        bureau=Bureau(bureau.get("name", ""), bureau.get("address", ""), bureau.get("hotline", ""),
                      tuple(bureau.get("notes", ()))),
        export_dir=export_dir,
        mask_ids=data.get("mask_ids", True),
        path=path,
    )
