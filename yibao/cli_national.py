"""``yibao convert`` between yibao claims and the national platform's shapes (``--from``/``--to``).

The conversions are ``yibao/national/convert.py``; this is the command's glue. The one ``convert``
command is ``yibao/cli_convert.py``: it calls ``national_convert`` when ``--from`` or ``--to`` names
one of ``FORMATS`` here, and converts between the claim file formats (``yibao/formats.py``) otherwise.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

import click

from yibao.messages import error_text

EXISTING = click.Path(exists=True, dir_okay=False, path_type=Path)
FORMATS = click.Choice(["yibao", "national", "settlement"])


def national_convert(source: str, src: str, dst: str, policy: Path | None, area: Path | None,
                     output: Path | None) -> None:
    """Convert INPUT (a JSON file of one item or a list, JSON lines, a folder, or -) between yibao
    claims and national visits, or settle national visits into the platform's settlement shapes.
    ``yibao convert`` (``yibao/cli_convert.py``) calls this for these formats."""
    from yibao.compiler.loader import load_policy
    from yibao.messages import current_lang, say
    from yibao.national.areas import area_for, load_area
    from yibao.national.convert import DIRECTIONS
    from yibao.national.convert import convert as run
    from yibao.national.reconcile import read_visits
    from yibao.output import open_output

    if (src, dst) not in DIRECTIONS:
        choices = "; ".join(f"--from {a} --to {b}" for a, b in DIRECTIONS)
        raise click.UsageError(say("usage.direction", current_lang(), src=src, dst=dst, choices=choices))
    if policy is None and (src, dst) != ("national", "yibao"):
        raise click.UsageError(say("usage.needs_policy", current_lang(), src=src, dst=dst))
    if policy is None and area is None:
        raise click.UsageError(say("usage.policy_or_area", current_lang()))
    compiled = load_policy(policy) if policy is not None else None
    mapping = area_for(compiled.id, area) if compiled is not None else load_area(area)  # type: ignore[arg-type]
    items = [(s, d) for s, d, _ in read_visits(source)]
    single = len(items) == 1 and items[0][0] == str(source) and not str(source).endswith(".jsonl")
    failed = False
    from rich.console import Console  # Rich when the command runs, not at start-up

    err = Console(stderr=True, highlight=False, soft_wrap=True)
    results = []
    for _, item in items:
        if isinstance(item, Exception):
            err.print(error_text(item, current_lang()), markup=False)
            failed = True
    for _s, result in run(
        (src, dst), compiled, mapping, [(s, d) for s, d in items if not isinstance(d, Exception)]
    ):
        if isinstance(result, Exception):
            err.print(error_text(result, current_lang()), markup=False)
            failed = True
        else:
            results.append(result)
    text = (
        json.dumps(results[0], ensure_ascii=False, indent=2) + "\n"
        if single and results
        else "".join(json.dumps(r, ensure_ascii=False) + "\n" for r in results)
    )
    with open_output(output if output is not None else "-") as f:
        f.write(text)
    if failed:
        sys.exit(1)
