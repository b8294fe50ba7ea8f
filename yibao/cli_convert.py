"""``yibao convert IN OUT``: claims from one format to another (``yibao/formats.py``), in chunks."""

from __future__ import annotations

from pathlib import Path

import click

from yibao.formats import CHUNK, FORMATS, guess

_NAMES = click.Choice(sorted(FORMATS))


@click.command()
@click.argument("source", type=click.Path(exists=True, path_type=Path))
@click.argument("target", type=click.Path(path_type=Path))
@click.option("--from", "src_format", type=_NAMES, default=None,
              help="The format of SOURCE (default: by its name).")
@click.option("--to", "dst_format", type=_NAMES, default=None,
              help="The format of TARGET (default: by its name).")
@click.option("--chunk", type=click.IntRange(1), default=CHUNK, show_default=True,
              help="Claims read and written at a time.")
def convert(source: Path, target: Path, src_format: str | None, dst_format: str | None, chunk: int) -> None:
    """Convert claims in SOURCE to TARGET: json (one claim or an array), jsonl, parquet (a .parquet
    file, or a folder: a dataset). Amounts are exact (int64 fen in Parquet)."""
    from yibao.cli import reports_errors

    @reports_errors
    def run() -> None:
        reader = guess(source, src_format, reading=True)
        writer = guess(target, dst_format, reading=False)
        writer.write(target, reader.read(source, chunk))

    run()


def register(group: click.Group) -> None:
    """Add ``convert`` to the ``yibao`` group."""
    group.add_command(convert)
