"""The language a run speaks before its configuration is read: ``YIBAO_LANG``, else the locale.

Apart from ``yibao/config.py`` (which reads the file, and reports a wrong ``YIBAO_LANG``) so that
Click's first message of a run (``yibao --version``, ``--help``) needs no configuration reader.
"""

from __future__ import annotations

import os
from collections.abc import Mapping

LANGS = ("zh", "en")
ENV_LANG = "YIBAO_LANG"


def locale_lang(environ: Mapping[str, str] | None = None) -> str:
    """``zh`` when the POSIX locale (LC_ALL, LC_MESSAGES, LANG, first one set) is ``zh_*``."""
    env = os.environ if environ is None else environ
    for name in ("LC_ALL", "LC_MESSAGES", "LANG"):
        value = env.get(name, "")
        if value:
            return "zh" if value.lower().startswith("zh") else "en"
    return "en"


def default_lang(environ: Mapping[str, str] | None = None) -> str:
    """The language before any file is read: ``YIBAO_LANG`` when it is zh or en, else the locale
    (another ``YIBAO_LANG`` is an error once the configuration is read: ``config.env_lang``)."""
    env = os.environ if environ is None else environ
    value = env.get(ENV_LANG, "").strip()
    return value if value in LANGS else locale_lang(env)
