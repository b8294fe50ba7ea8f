"""``yibao fmt``: lay out policy files in the one canonical form (``yibao.dsl.fmt``).

Kept apart from ``cli.py``, which only registers it. Exit codes: 0 when every file is (or now
is) formatted, 1 when ``--check`` finds a file that would change or a file cannot be read,
parsed or written (the others are still done), 2 usage.
"""

from __future__ import annotations

import difflib
import sys
from pathlib import Path

import click

from yibao.cli_config import configured
from yibao.config import Config
from yibao.dsl.errors import PolicyError, YibaoError
from yibao.messages import error_text, say
from yibao.output import write_atomic


def policy_files(paths: tuple[Path, ...]) -> list[Path]:
    """The files named, and the ``*.yb`` files under the folders named, each once, in order."""
    found: list[Path] = []
    for path in paths:
        found.extend(sorted(f for f in path.rglob("*.yb") if f.is_file()) if path.is_dir() else [path])
    return list(dict.fromkeys(found))


def _diff(path: Path, old: str, new: str) -> str:
    lines = difflib.unified_diff(old.splitlines(keepends=True), new.splitlines(keepends=True),
                                 f"{path}", f"{path} (formatted)")
    return "".join(line if line.endswith("\n") else line + "\n\\ No newline at end of file\n"
                   for line in lines)


@click.command(name="fmt")
@click.argument("paths", nargs=-1, required=True, type=click.Path(exists=True, path_type=Path))
@click.option("--check", is_flag=True,
              help="Change nothing; list the files that would change and exit 1 if any would.")
@click.option("--diff", "show_diff", is_flag=True,
              help="Change nothing; print what would change as a unified diff.")
@configured
def fmt(paths: tuple[Path, ...], check: bool, show_diff: bool, cfg: Config) -> None:
    """Lay out POLICY files (folders: every *.yb below) in the canonical form, comments kept.

    A file is rewritten whole or not at all, and only when the result parses to the same policy.
    """
    from rich.console import Console  # the formatter, the parser and Rich: for `fmt` only

    from yibao.dsl.fmt import format_source
    from yibao.dsl.parser import read_policy_text

    err = Console(stderr=True, highlight=False, soft_wrap=True)
    lang = cfg.lang
    failed = changed = unchanged = 0
    for path in policy_files(paths):
        try:
            old = read_policy_text(path)
            new = format_source(old, str(path))
        except PolicyError as e:
            err.print(e.format(), markup=False)
            failed += 1
            continue
        if path.read_bytes() == new.encode("utf-8"):
            unchanged += 1
            continue
        changed += 1
        if show_diff:
            click.echo(_diff(path, old, new), nl=False)
        if check:
            err.print(say("fmt.would", lang, path=path), markup=False)
        elif not show_diff:
            try:
                write_atomic(path, new)
            except YibaoError as e:
                err.print(error_text(e, lang), markup=False)
                failed += 1
                changed -= 1
                continue
            err.print(say("fmt.done", lang, path=path), markup=False)
    verb = "fmt.n_would" if check or show_diff else "fmt.n_done"
    summary = [say(verb, lang, n=changed)] if changed else []
    summary += [say("fmt.n_same", lang, n=unchanged)] if unchanged else []
    summary += [say("fmt.n_failed", lang, n=failed)] if failed else []
    err.print(("，" if lang == "zh" else ", ").join(summary) or say("fmt.none", lang), markup=False)
    sys.exit(1 if failed or (check and changed) else 0)


def register(group: click.Group) -> None:
    """Add ``yibao fmt`` to the ``yibao`` group."""
    group.add_command(fmt)
