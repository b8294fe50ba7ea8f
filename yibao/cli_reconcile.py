"""``yibao reconcile POLICY PLATFORM_DATA``: the audit (稽核) of the platform's settlements.

The engine is ``yibao/national/reconcile.py``; this is the command's glue: reading visits as they
stream, a progress bar on a terminal, the text or JSON report, and the exit status
(``--fail-on-difference``: 1 when any visit differs or is rejected).
"""

from __future__ import annotations

import json
import sys
from contextlib import nullcontext
from pathlib import Path
from typing import TYPE_CHECKING, Any

import click

if TYPE_CHECKING:
    from rich.console import Console

from yibao.cli_config import configured
from yibao.config import Config

EXISTING = click.Path(exists=True, dir_okay=False, path_type=Path)


def register(main: click.Group) -> None:
    """Add ``reconcile`` to the ``yibao`` command group."""

    @main.command()
    @click.argument("policy", type=EXISTING)
    @click.argument("platform_data", metavar="PLATFORM_DATA", type=click.Path(exists=True, allow_dash=True))
    @click.option(
        "--area",
        type=EXISTING,
        help="The pooling area's mapping (TOML); default: the bundled area that lists the policy.",
    )
    @click.option("--json", "as_json", is_flag=True, help="Print the report as JSON.")
    @click.option("--fail-on-difference", is_flag=True, help="Exit 1 if any visit differs or is rejected.")
    @click.option(
        "--show",
        type=click.IntRange(min=0),
        default=20,
        show_default=True,
        help="Differing or rejected visits to describe in the text report (all in --json).",
    )
    @click.option(
        "--progress/--no-progress",
        default=None,
        help="Show a progress bar (default: when standard error is a terminal).",
    )
    @configured
    def reconcile(
        policy: Path,
        platform_data: str,
        area: Path | None,
        as_json: bool,
        fail_on_difference: bool,
        show: int,
        progress: bool | None,
        cfg: Config,
    ) -> None:
        """Recompute every settlement in PLATFORM_DATA under POLICY and compare it to the fen.

        PLATFORM_DATA holds national visits (docs/national.md): JSON lines, one visit a line (read as
        it streams), a JSON file of a visit or a list of visits, a folder of such files, or -.
        Each visit is recomputed from its line split (feedetail_result) and opening cuminfo.
        """
        from yibao.compiler.loader import load_policy
        from yibao.national.areas import area_for
        from yibao.national.reconcile import Summary, describe, read_visits, reconcile_stream

        compiled = load_policy(policy)
        mapping = area_for(compiled.id, area)
        from rich.console import Console  # Rich when the command runs, not at start-up

        err = Console(stderr=True, highlight=False, soft_wrap=True)
        show_bar = progress if progress is not None else err.is_terminal
        total = (
            None
            if platform_data == "-" or Path(platform_data).is_dir()
            else Path(platform_data).stat().st_size
        )
        summary = Summary()
        out = sys.stdout
        shown = 0
        if as_json:
            out.write('{"visits": [')
        first = True
        with _bar(show_bar, err, total) as tick:
            for result, size in reconcile_stream(compiled, mapping, read_visits(platform_data)):
                summary.add(result)
                tick(size)
                if result.status == "matched":
                    continue
                if as_json:
                    out.write(
                        ("\n  " if first else ",\n  ") + json.dumps(result.to_dict(), ensure_ascii=False)
                    )
                    first = False
                elif shown < show:
                    out.write(describe(result) + "\n\n")
                    shown += 1
        if as_json:
            out.write(
                '\n], "summary": ' + json.dumps(summary.to_dict(), ensure_ascii=False, indent=2) + "}\n"
            )
        else:
            hidden = summary.differing + summary.rejected - shown
            if hidden > 0:
                out.write(
                    f"({hidden} more differing or rejected visits not shown; --json lists them all)\n\n"
                )
            out.write(summary.format() + "\n")
        if fail_on_difference and (summary.differing or summary.rejected):
            sys.exit(1)


def _bar(show: bool, err: Console, total: int | None) -> Any:
    """A context giving ``tick(bytes)``: a rich progress bar over the input's bytes, or nothing."""
    if not show:
        return nullcontext(lambda _size: None)
    from rich.progress import BarColumn, DownloadColumn, Progress, TextColumn, TimeRemainingColumn

    class _Ctx:
        def __enter__(self) -> Any:
            self.p = Progress(
                TextColumn("reconciling"),
                BarColumn(),
                DownloadColumn(),
                TimeRemainingColumn(),
                console=err,
                transient=True,
            )
            self.p.__enter__()
            task = self.p.add_task("reconcile", total=total)
            return lambda size: self.p.advance(task, size)

        def __exit__(self, *exc: Any) -> None:
            self.p.__exit__(*exc)

    return _Ctx()
