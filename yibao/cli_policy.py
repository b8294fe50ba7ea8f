"""``yibao test``, ``yibao diff`` and ``yibao sample-claims``: the commands for policy teams.

They live here and are added to the ``yibao`` group by ``yibao.cli``, so that the group's
module stays small. Exit codes as everywhere: 0 ok, 1 failures or policy/claim errors,
2 usage (Click's own).
"""

from __future__ import annotations

import datetime as dt
import sys
from itertools import chain
from pathlib import Path
from typing import Any

import click

from yibao.cli_config import configured
from yibao.config import Config
from yibao.dsl.errors import YibaoError
from yibao.messages import error_text, say
from yibao.output import output_path, write_atomic

EXISTING = click.Path(exists=True, dir_okay=False, path_type=Path)
OUTPUT = click.Path(path_type=Path, allow_dash=True)  # yibao.output checks it when writing
CLAIMS_PATH = click.Path(exists=True, path_type=Path)


def _stderr() -> Any:
    from rich.console import Console  # Rich only when there is something to print

    return Console(stderr=True, highlight=False, soft_wrap=True)


def _fail(message: str) -> None:
    _stderr().print(message, markup=False)
    sys.exit(1)


# ---------------------------------------------------------------------------- yibao test


@click.command(name="test")
@click.argument("paths", nargs=-1, type=click.Path(exists=True, path_type=Path))
@click.option("--junit", "junit", type=OUTPUT,
              help="Also write the results as JUnit XML to this file (for CI systems).")
@click.option("--coverage", is_flag=True, help="Report which rules the tests exercised, per policy.")
@click.option("--coverage-json", type=OUTPUT,
              help="Write the coverage report as JSON to this file ('-' for standard output).")
@click.option("--min-coverage", type=click.FloatRange(0, 100), metavar="N",
              help="Fail (exit 1) if any policy's rule coverage is below N percent.")
@click.option("-v", "--verbose", is_flag=True, help="List every case, and every rule in the coverage report.")
@configured
def test_command(paths: tuple[Path, ...], junit: Path | None, coverage: bool, coverage_json: Path | None,
                 min_coverage: float | None, verbose: bool, cfg: Config) -> None:
    """Run the policy tests (*.tests.json) under PATHS (default: the current folder).

    A PATH may be a test file, a folder, or a policy (.yb): its tests/<name>.tests.json.
    With ``--coverage-json -`` standard output carries the JSON alone; the report goes to stderr.
    """
    from yibao.coverage import coverage_json as coverage_text
    from yibao.policytest import discover, format_failure, run_tests, write_junit

    lang = cfg.lang
    json_out = coverage_json is not None and str(coverage_json) == "-"

    def echo(text: str = "", nl: bool = True) -> None:
        click.echo(text, nl=nl, err=json_out)  # the JSON owns standard output when it goes there

    targets = paths or (Path("."),)
    if not discover(targets):
        _fail(say("test.none", lang, where=", ".join(map(str, targets))))
    want_coverage = coverage or coverage_json is not None or min_coverage is not None
    run = run_tests(targets, coverage=want_coverage)
    for f in run.files:
        if f.error:
            echo(say("test.error", lang, path=f.path) + "\n"
                 + "\n".join("  " + line for line in f.error.splitlines()))
            continue
        bad = sum(not c.ok for c in f.cases)
        status = say("test.ok", lang) if not bad else say("test.failed", lang, bad=bad, n=len(f.cases))
        echo(say("test.file", lang, path=f.path, policy=f.policy_id, cases=len(f.cases), status=status))
        if verbose:
            for c in f.cases:
                echo(f"  {say('test.status_' + c.status, lang):<5} {c.case.name}")
    failures = [(c, f) for f in run.files for c in f.cases if not c.ok]
    if failures:
        echo()
        for c, f in failures:
            echo(format_failure(c, f, lang))
    echo(run.summary() if lang != "zh" else say("test.summary", lang, passed=run.count("pass"),
                                                 failed=run.count("fail"),
                                                 errors=run.count("error") + run.file_errors))
    if junit is not None:
        with output_path(junit, parents=True) as name:  # whole, or the old report stays
            write_junit(run, name)
    low = []
    if want_coverage:
        if coverage or min_coverage is not None:
            echo("\n" + say("test.coverage", lang))
            for cov in run.coverage.values():
                echo(cov.format(all_rules=verbose, lang=lang), nl=False)
        if coverage_json is not None:
            text = coverage_text(run)
            if json_out:
                click.echo(text)
            else:
                write_atomic(coverage_json, text + "\n")
        if min_coverage is not None:
            low = [c for c in run.coverage.values() if c.percent < min_coverage]
            for c in low:
                echo(say("test.low", lang, policy=c.policy_id, percent=f"{c.percent:.1f}",
                         min=f"{min_coverage:g}"))
    sys.exit(0 if run.ok and not low else 1)


# ---------------------------------------------------------------------------- yibao diff


@click.command(name="diff")
@click.argument("old", type=EXISTING)
@click.argument("new", type=EXISTING)
@click.argument("claims_arg", required=False, type=CLAIMS_PATH, metavar="[CLAIMS]")
@click.option("--claims", "claims", type=CLAIMS_PATH,
              help="A folder of JSON claims, a JSON-lines file, a Parquet file or dataset folder "
                   "(or give it as CLAIMS).")
@click.option("--json", "as_json", is_flag=True, help="Print the report as JSON.")
@click.option("--all-changes", is_flag=True,
              help="With --json, list every changed claim, not only the largest (memory grows with them).")
@click.option("--top", type=click.IntRange(0), default=10, show_default=True,
              help="How many of the largest changes to show, each with the first step that differs.")
@click.option("--fail-on-change", is_flag=True,
              help="Exit 1 if any claim settles differently (or one policy refuses what the other settles).")
@click.option("--engine", type=click.Choice(["columnar", "scalar"]), default="columnar", show_default=True,
              help="Settle chunks with the columnar backend (the scalar path where it has no form).")
@click.option("--chunk", type=click.IntRange(1), default=None, help="Claims read at a time (default 65,536).")
@click.option("--sort", "sort", is_flag=True,
              help="Read the claims whole and sort them by person (input larger than a chunk must be "
                   "sorted by person id otherwise).")
@click.option("--from", "src_format", help="The claims' format when the name does not say it.")
@click.option("--progress/--no-progress", default=None,
              help="Show a progress counter (default: on a terminal).")
@configured
def diff_command(old: Path, new: Path, claims_arg: Path | None, claims: Path | None, as_json: bool,
                 all_changes: bool, top: int, fail_on_change: bool, engine: str, chunk: int | None,
                 sort: bool, src_format: str | None, progress: bool | None, cfg: Config) -> None:
    """Settle every claim of CLAIMS under OLD and NEW policies and report what changes.

    Claims stream in chunks; each person's claims are settled in date order, carrying
    year_to_date, so input larger than one chunk must be sorted by person id (or --sort).
    """
    import json

    from yibao.compiler.loader import load_policy
    from yibao.formats import CHUNK
    from yibao.impact_run import diff_path

    if (claims is None) == (claims_arg is None):
        from yibao.messages import current_lang

        raise click.UsageError(say("usage.claims_once", current_lang()))
    claims = claims or claims_arg
    assert claims is not None
    err = _stderr()
    show = progress if progress is not None else err.is_terminal
    kw = {"top": top, "all_changes": all_changes and as_json, "old_path": str(old), "new_path": str(new),
          "chunk": chunk or CHUNK, "sort": sort, "engine": engine, "src_format": src_format}
    try:
        before = load_policy(old)
        after = load_policy(new)
        if show:
            from rich.progress import Progress, SpinnerColumn, TextColumn, TimeElapsedColumn

            label = say("progress.settling", cfg.lang) + " {task.completed:,}"
            columns = (SpinnerColumn(), TextColumn(label), TimeElapsedColumn())
            with Progress(*columns, console=err, transient=True) as bar:
                task = bar.add_task("diff", total=None)

                def tick(n: int) -> None:
                    bar.update(task, completed=n)

                impact, notes = diff_path(before, after, claims, progress=tick, **kw)
        else:
            impact, notes = diff_path(before, after, claims, **kw)
    except YibaoError as error:
        _fail(error_text(error, cfg.lang))
        return
    for key, slots in notes:
        err.print(say(key, cfg.lang, **slots), markup=False)
    if as_json:
        click.echo(json.dumps(impact.to_dict(all_changes=all_changes), ensure_ascii=False, indent=2))
    else:
        click.echo(impact.format(cfg.lang), nl=False)
    changed = impact.changed or impact.refused_by_one
    sys.exit(1 if fail_on_change and changed else 0)


# ---------------------------------------------------------------------------- yibao sample-claims


@click.command(name="sample-claims")
@click.argument("policy", type=EXISTING)
@click.option("-n", "count", type=click.IntRange(0), default=100, show_default=True, help="How many claims.")
@click.option("--seed", type=int, default=1, show_default=True, help="The same seed gives the same claims.")
@click.option("-o", "--output", type=OUTPUT,
              help="A folder (one .json a claim), a .jsonl or a .parquet file; "
                   "default: JSON lines on stdout.")
@click.option("--scheme", help="Only this person.scheme (default: every scheme the policy accepts).")
@click.option("--kind", help="Only this visit.kind (default: every kind the policy accepts).")
@click.option("--start", type=click.DateTime(["%Y-%m-%d"]), help="First claim date (default: 2024-01-01 "
              "or the policy's first day).")
@click.option("--days", type=click.IntRange(1), help="Spread dates over this many days (default 365).")
@configured
def sample_claims_command(policy: Path, count: int, seed: int, output: Path | None, scheme: str | None,
                          kind: str | None, start: dt.datetime | None, days: int | None, cfg: Config) -> None:
    """Write COUNT random claims that POLICY accepts, reproducible by --seed.

    Claims are drawn with NumPy a block at a time straight into the columnar claim table,
    validated and written in chunks (memory flat in COUNT); a .parquet file holds that table
    (docs/columnar.md), the JSON outputs the same claims.
    """
    from yibao.compiler.loader import load_policy
    from yibao.sampling_stream import sample_chunks, write_chunks

    if output is not None and output.suffix == ".json":
        raise click.UsageError(say("sample.json", cfg.lang, path=output))
    try:
        compiled = load_policy(policy)
    except YibaoError as err:
        _fail(error_text(err, cfg.lang))
        return
    try:
        chunks = sample_chunks(compiled, count, seed, scheme=scheme, kind=kind,
                               start=start.date() if start else None, days=days)
        first = next(chunks, None)  # a scheme or kind the policy does not take is refused before writing
        written = write_chunks(chain([first] if first is not None else [], chunks),
                               None if output is None or str(output) == "-" else output)
    except ValueError as err:
        raise click.UsageError(str(err)) from None
    if output is not None and str(output) != "-":
        _stderr().print(say("sample.wrote", cfg.lang, n=written, path=output), markup=False)


COMMANDS = (test_command, diff_command, sample_claims_command)


def register(group: click.Group) -> None:
    """Add these commands to the ``yibao`` group."""
    for command in COMMANDS:
        group.add_command(command)
