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
from rich.console import Console

from yibao.dsl.errors import PolicyError, YibaoError
from yibao.dsl.fmt import format_source
from yibao.dsl.parser import read_policy_text
from yibao.output import write_atomic


def _count(n: int, noun: str) -> str:
    return f"{n} {noun}{'' if n == 1 else 's'}"


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
def fmt(paths: tuple[Path, ...], check: bool, show_diff: bool) -> None:
    """Lay out POLICY files (folders: every *.yb below) in the canonical form, comments kept.

    A file is rewritten whole or not at all, and only when the result parses to the same policy.
    """
    err = Console(stderr=True, highlight=False, soft_wrap=True)
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
            err.print(f"would reformat {path}", markup=False)
        elif not show_diff:
            try:
                write_atomic(path, new)
            except YibaoError as e:
                err.print(str(e), markup=False)
                failed += 1
                changed -= 1
                continue
            err.print(f"reformatted {path}", markup=False)
    verb = "would be reformatted" if check or show_diff else "reformatted"
    summary = [f"{_count(changed, 'file')} {verb}"] if changed else []
    summary += [f"{_count(unchanged, 'file')} already formatted"] if unchanged else []
    summary += [f"{_count(failed, 'file')} could not be formatted"] if failed else []
    err.print(", ".join(summary) or "no policy files", markup=False)
    sys.exit(1 if failed or (check and changed) else 0)


def register(group: click.Group) -> None:
    """Add ``yibao fmt`` to the ``yibao`` group."""
    group.add_command(fmt)
