"""``yibao convert``: claims from one format to another.

One command for two kinds of conversion, told apart by ``--from``/``--to``:

- the claim file formats of ``yibao/formats.py`` (json, jsonl, parquet and any registered one):
  ``yibao convert IN OUT``, in chunks, the formats by the names or ``--from``/``--to``;
- the national platform's shapes (``--from yibao|national``, ``--to yibao|national|settlement``,
  ``yibao/cli_national.py``): ``yibao convert INPUT --from … --to … [--policy P] [-o OUT]``.
"""

from __future__ import annotations

from pathlib import Path

import click

from yibao.cli_config import configured
from yibao.cli_national import FORMATS as NATIONAL_FORMATS
from yibao.cli_national import national_convert
from yibao.config import Config
from yibao.dsl.errors import ClaimError
from yibao.formats import CHUNK, FORMATS, guess

NATIONAL = tuple(NATIONAL_FORMATS.choices)
_NAMES = click.Choice(sorted(FORMATS) + list(NATIONAL))
EXISTING = click.Path(exists=True, dir_okay=False, path_type=Path)


@click.command()
@click.argument("source", metavar="IN", type=click.Path(exists=True, allow_dash=True))
@click.argument("target", metavar="[OUT]", required=False, type=click.Path(path_type=Path))
@click.option("--from", "src_format", type=_NAMES, default=None,
              help="The format of IN (default: by its name): json, jsonl, parquet; or yibao / national "
                   "(the national platform's shapes).")
@click.option("--to", "dst_format", type=_NAMES, default=None,
              help="The format of OUT (default: by its name): json, jsonl, parquet; or yibao, national, "
                   "settlement (the platform's setlinfo, setldetail, cuminfo).")
@click.option("--chunk", type=click.IntRange(1), default=CHUNK, show_default=True,
              help="Claims read and written at a time (claim file formats).")
@click.option("--policy", type=EXISTING,
              help="National shapes: the policy (required for yibao → national and for settlement).")
@click.option("--area", type=EXISTING, help="National shapes: the pooling area's mapping (TOML).")
@click.option("-o", "--output", type=click.Path(path_type=Path, allow_dash=True),
              help="Write here (the same as OUT).")
@configured
def convert(source: str, target: Path | None, src_format: str | None, dst_format: str | None, chunk: int,
            policy: Path | None, area: Path | None, output: Path | None, cfg: Config) -> None:
    """Convert claims in IN to OUT: json (one claim or an array), jsonl, parquet (a .parquet file,
    or a folder: a dataset), amounts exact (int64 fen in Parquet); or, with --from/--to yibao,
    national or settlement, between yibao claims and the national platform's shapes."""
    from yibao.cli import reports_errors
    from yibao.messages import current_lang, say

    if target is not None and output is not None:
        raise click.UsageError(say("usage.out_once", current_lang()))
    out = target if target is not None else output
    if src_format in NATIONAL or dst_format in NATIONAL:
        reports_errors(national_convert)(source, src_format, dst_format, policy, area, out)
        return
    if policy is not None or area is not None:
        raise click.UsageError(say("usage.national_only", current_lang()))
    if out is None or str(out) == "-" or source == "-":
        raise click.UsageError(say("usage.paths", current_lang()))

    @reports_errors
    def run() -> None:
        src = Path(source)
        reader = guess(src, src_format, reading=True)
        writer = guess(out, dst_format, reading=False)
        try:
            writer.write(out, reader.read(src, chunk))
        except ClaimError as err:  # rows the writer refuses: named by the file they were read from
            if err.source is not None:
                raise
            raise type(err)(err.issues, source, what=err.what) from None

    run()


def register(group: click.Group) -> None:
    """Add ``convert`` to the ``yibao`` group."""
    group.add_command(convert)
