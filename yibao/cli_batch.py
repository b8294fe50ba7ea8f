"""``yibao batch POLICY CLAIMS -o OUT``: a file of claims settled in chunks (engine in ``yibao/batch.py``)."""

from __future__ import annotations

import sys
from pathlib import Path

import click

from yibao.cli_config import configured
from yibao.config import Config
from yibao.formats import CHUNK, FORMATS

_OUT = click.Path(path_type=Path)


@click.command()
@click.argument("policy", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.argument("claims", type=click.Path(exists=True, path_type=Path))
@click.option("-o", "--output", type=_OUT, required=True,
              help="Settlements: .jsonl, .json, .parquet, or a folder (a Parquet dataset).")
@click.option("--engine", type=click.Choice(["columnar", "scalar"]), default="columnar", show_default=True,
              help="columnar: NumPy over whole chunks; scalar: one claim at a time (the reference).")
@click.option("--from", "src_format", type=click.Choice(sorted(FORMATS)), default=None,
              help="The format of CLAIMS (default: by its name; a folder is a Parquet dataset).")
@click.option("--closing", "closing_out", type=_OUT, default=None,
              help="Also write each person's closing year_to_date per insurance year here.")
@click.option("--trace-claim", "trace_claims", multiple=True, metavar="ID",
              help="Also write this claim's traced settlement, with per-line shares (repeatable).")
@click.option("--traces", "traces_out", type=_OUT, default=None,
              help="The JSON-lines file the --trace-claim settlements go to.")
@click.option("--chunk", type=click.IntRange(1), default=CHUNK, show_default=True,
              help="Claims read at a time (a chunk is extended to finish its last person).")
@click.option("--sort", is_flag=True,
              help="Sort the claims by person first (reads them all into memory); else they must be sorted.")
@click.option("--dask", "scheduler", default=None, metavar="ADDRESS",
              help="Settle on a Dask cluster (scheduler address); writes a partitioned Parquet dataset.")
@click.option("--workers", type=click.IntRange(1), default=None,
              help="Settle on a local Dask cluster of N worker processes; writes a Parquet dataset.")
@click.option("--partitions", type=click.IntRange(1), default=None,
              help="With --dask/--workers: partitions by hash of person id (default: 4 per worker).")
@configured
def batch(policy: Path, claims: Path, output: Path, engine: str, src_format: str | None,
          closing_out: Path | None, trace_claims: tuple[str, ...], traces_out: Path | None, chunk: int,
          sort: bool, scheduler: str | None, workers: int | None, partitions: int | None,
          cfg: Config) -> None:
    """Settle every claim in CLAIMS under POLICY into OUTPUT, each person's claims in date order
    with year_to_date carried from claim to claim (CLAIMS sorted by person id, or --sort)."""
    from yibao.cli import _stderr, reports_errors
    from yibao.messages import current_lang, say

    if trace_claims and traces_out is None:
        raise click.UsageError(say("usage.traces", current_lang()))
    on_dask = scheduler is not None or workers is not None
    if on_dask and (closing_out or trace_claims or engine != "columnar" or sort):
        raise click.UsageError(say("usage.dask", current_lang()))
    if not on_dask and partitions is not None:
        raise click.UsageError(say("usage.partitions", current_lang()))

    @reports_errors
    def go() -> None:
        from yibao.compiler.loader import load_policy

        compiled = load_policy(policy)
        if on_dask:
            from yibao.batch_dask import run_dask

            s = run_dask(compiled, claims, output, scheduler=scheduler, workers=workers,
                         partitions=partitions, src_format=src_format, chunk=chunk)
        else:
            from yibao import batch as engine_mod

            with _progress(claims, src_format) as advance:
                s = engine_mod.run(compiled, claims, output, engine=engine, src_format=src_format,
                                   chunk=chunk, sort=sort, closing_out=closing_out, trace_claims=trace_claims,
                                   traces_out=traces_out, progress=advance)
        rate = f", {s.claims / s.seconds:,.0f} claims/s" if s.seconds > 0 else ""
        _stderr().print(f"settled {s.claims:,} claims of {s.persons:,} persons in {s.seconds:.2f} s{rate} "
                        f"→ {output}", markup=False)

    go()


class _progress:
    """A Rich progress bar on a terminal (standard error); nothing otherwise."""

    def __init__(self, claims: Path, src_format: str | None) -> None:
        self.on = sys.stderr.isatty()
        self.total = _count(claims) if self.on else None

    def __enter__(self):  # type: ignore[no-untyped-def]
        if not self.on:
            return None
        from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

        self.bar = Progress(TextColumn("settling"), BarColumn(), MofNCompleteColumn(), TimeElapsedColumn(),
                            transient=True)
        self.bar.start()
        task = self.bar.add_task("claims", total=self.total)
        return lambda n: self.bar.advance(task, n)

    def __exit__(self, *exc: object) -> None:
        if self.on:
            self.bar.stop()


def _count(claims: Path) -> int | None:
    """How many claims a Parquet input holds (its metadata); None when it cannot be told cheaply."""
    from yibao.formats import parquet_files

    if claims.suffix not in ("", ".parquet"):
        return None
    try:
        import pyarrow.parquet as pq

        return sum(pq.ParquetFile(f).metadata.num_rows for f in parquet_files(claims))
    except Exception:  # not Parquet after all: the reader reports it
        return None


def register(group: click.Group) -> None:
    """Add ``batch`` to the ``yibao`` group."""
    group.add_command(batch)
