"""``--config`` and ``--lang`` on every command: the run's ``Config`` (``yibao/config.py``).

``configured`` adds both options to a command, reads the configuration nearest the policy the
command was given (or the current folder), makes its language the language of every message
of the run (``yibao.messages``), and passes it to the command as ``cfg``.
"""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps
from pathlib import Path
from typing import TYPE_CHECKING, Any, TypeVar

import click

from yibao.messages import set_lang

if TYPE_CHECKING:
    from yibao.config import Config

F = TypeVar("F", bound=Callable[..., Any])

# The arguments a command names its policy by, first found wins: the file the config is looked for from.
POLICY_ARGUMENTS = ("policy", "old", "policies", "paths")


def _start(kwargs: dict[str, Any]) -> Path | None:
    for name in POLICY_ARGUMENTS:
        value = kwargs.get(name)
        if isinstance(value, tuple | list):
            value = value[0] if value else None
        if value is not None:
            return Path(value)
    return None


def configured(func: F) -> F:
    """Add ``--config`` and ``--lang`` to a command; it receives the resolved ``cfg``."""

    @wraps(func)
    def wrapper(*args: Any, config: Path | None, lang: str | None, **kwargs: Any) -> Any:
        from yibao.config import load_config  # when a command runs: not for `--version`, `--help`

        cfg = load_config(_start(kwargs), explicit=config, lang=lang)
        set_lang(cfg.lang)
        click.get_current_context().meta["yibao.config"] = cfg
        return func(*args, cfg=cfg, **kwargs)

    wrapper = click.option("--lang", type=click.Choice(["zh", "en"]), default=None,
                           help="Language of the output and messages (default: the configuration, "
                                "YIBAO_LANG, or the locale).")(wrapper)
    wrapper = click.option("--config", type=click.Path(dir_okay=False, path_type=Path), default=None,
                           help="The configuration file (default: yibao.toml or pyproject.toml's "
                                "[tool.yibao], found from the policy's folder up).")(wrapper)
    return wrapper  # type: ignore[return-value]


def current_config() -> Config:
    """The run's configuration (defaults when the command read none)."""
    from yibao.config import Config

    ctx = click.get_current_context(silent=True)
    cfg = ctx.meta.get("yibao.config") if ctx is not None else None
    return cfg if isinstance(cfg, Config) else Config()
