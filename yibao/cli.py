"""The ``yibao`` command. Exit codes: 0 ok, 1 policy, claim or output errors, 2 usage, 3 internal error."""

from __future__ import annotations

import errno
import gc
import os
import sys
from collections.abc import Callable
from functools import cache, wraps
from importlib import import_module
from pathlib import Path
from typing import TYPE_CHECKING, Any, TypeVar

import click

from yibao import __version__
from yibao import cli_zh as _cli_zh
from yibao.cli_config import configured
from yibao.cli_types import EXISTING, LETTER_FORMATS, OUTPUT
from yibao.messages import current_lang, error_text, os_reason, say, set_lang

if TYPE_CHECKING:
    from rich.console import Console

    from yibao.compiler.loader import Policy
    from yibao.config import Config

F = TypeVar("F", bound=Callable[..., Any])

INTERRUPTED = 130  # 128 + SIGINT, as a shell reports a program stopped by Ctrl-C
PIPE_CLOSED = 141  # 128 + SIGPIPE, as a shell reports `cat big | head -1`
INTERNAL = 3


def load_policy(path: str | Path) -> Policy:
    """The compiler, imported when a command needs it: ``--version`` and ``--help`` start without it."""
    from yibao.compiler.loader import load_policy as load

    return load(path)


def _stderr() -> Console:
    from rich.console import Console  # Rich only when there is something to print

    return Console(stderr=True, highlight=False, soft_wrap=True)


def _yibao_error() -> type[Exception]:
    """yibao's own error class, imported when an exception is matched against it (an ``except``
    clause is evaluated only then), not when ``yibao`` starts."""
    from yibao.dsl.errors import YibaoError

    return YibaoError


def reports_errors(func: F) -> F:
    """Turn yibao's errors into a message on stderr and exit status 1, never a traceback."""

    @wraps(func)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        try:
            return func(*args, **kwargs)
        except _yibao_error() as err:
            _stderr().print(error_text(err, current_lang()), markup=False)
            sys.exit(1)

    return wrapper  # type: ignore[return-value]


def _quiet_stdout() -> None:
    """The reader of standard output has gone (``yibao … | head``): send what is left to devnull,
    so that Python's flush at exit does not complain (the SIGPIPE note of the ``signal`` docs)."""
    try:
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
    except (OSError, ValueError, AttributeError):
        pass  # no real file descriptor (tests): nothing will be flushed there


def _Stdout(**options: Any) -> Console:
    """Rich's console for standard output, leaving a closed pipe to the group (status 141),
    rather than exiting 1 itself. Rich is imported on first output, not at start-up."""
    return _stdout_class()(**options)


@cache
def _stdout_class() -> type[Console]:
    from rich.console import Console

    class Stdout(Console):
        def on_broken_pipe(self) -> None:
            self.quiet = True
            raise BrokenPipeError(errno.EPIPE, os.strerror(errno.EPIPE))

    return Stdout


# Commands kept in modules of their own, each defined by that module's ``register(main)``: the module
# is imported when one of its commands runs (or ``--help`` lists them all), so that a command
# starts without importing every other command (Click's "lazily loading subcommands" pattern).
LAZY_COMMANDS: dict[str, str] = {
    "check": "yibao.cli_check",  # `yibao check`
    "test": "yibao.cli_policy",  # `yibao test`, `yibao diff`, `yibao sample-claims`
    "diff": "yibao.cli_policy",
    "sample-claims": "yibao.cli_policy",
    "render": "yibao.cli_render",  # `yibao render`
    # `yibao convert`: claim file formats, and the national platform's shapes (yibao/cli_national.py)
    "convert": "yibao.cli_convert",
    "batch": "yibao.cli_batch",  # `yibao batch`
    "fmt": "yibao.cli_fmt",  # `yibao fmt`
    "schema": "yibao.cli_schema",  # `yibao schema`
    "lsp": "yibao.cli_lsp",  # `yibao lsp`
    "reconcile": "yibao.cli_reconcile",  # `yibao reconcile`
    "serve": "yibao.cli_serve",  # `yibao serve`
}


class YibaoGroup(click.Group):
    """The command group, which turns whatever a command raises into an exit status and at most
    one message: no Python traceback reaches the person at the terminal.

    Click's own exits and usage errors (status 2) pass through unchanged. ``YIBAO_DEBUG=1``
    re-raises an unexpected exception, for its traceback.
    """

    def list_commands(self, ctx: click.Context) -> list[str]:
        return sorted({*self.commands, *LAZY_COMMANDS})

    def get_command(self, ctx: click.Context, cmd_name: str) -> click.Command | None:
        """The command (its module registered on first use), with its help in Chinese when the run's
        language is zh (put back at the end)."""
        if cmd_name not in self.commands and cmd_name in LAZY_COMMANDS:
            import_module(LAZY_COMMANDS[cmd_name]).register(self)
        command = super().get_command(ctx, cmd_name)
        if command is not None and current_lang() == "zh":
            self._restore.append(_cli_zh.translate_help(command, cmd_name, ctx))
        return command

    _restore: list[Callable[[], None]] = []  # noqa: RUF012 -- the English help to put back after the run

    def main(self, *args: Any, **kwargs: Any) -> Any:
        """Run, then put back the English help (a usage error shows its usage after the command ends).

        Each run starts without a language (a previous run in the same process, a test, set one).
        """
        set_lang(None)
        try:
            return super().main(*args, **kwargs)
        finally:
            while self._restore:
                self._restore.pop()()
            set_lang(None)

    def get_help(self, ctx: click.Context) -> str:
        if current_lang() != "zh":
            return super().get_help(ctx)
        restore = _cli_zh.translate_help(self, "", ctx)
        try:
            return super().get_help(ctx)
        finally:
            restore()

    def invoke(self, ctx: click.Context) -> Any:
        try:
            try:
                return super().invoke(ctx)
            finally:
                sys.stdout.flush()  # a closed pipe shows here, not in Python's flush at exit
        except (click.exceptions.Exit, click.ClickException, click.Abort, SystemExit):
            raise
        except KeyboardInterrupt:
            sys.exit(INTERRUPTED)
        except BrokenPipeError:
            _quiet_stdout()
            sys.exit(PIPE_CLOSED)
        except _yibao_error() as err:
            _stderr().print(error_text(err, current_lang()), markup=False)
            sys.exit(1)
        except OSError as err:
            lang = current_lang()
            where = f"{err.filename}{'：' if lang == 'zh' else ': '}" if err.filename else ""
            click.echo(f"{where}{os_reason(err.strerror or str(err), lang)}", err=True)
            sys.exit(1)
        except Exception as err:
            if os.environ.get("YIBAO_DEBUG", "") not in ("", "0"):
                raise
            message = " ".join(str(err).split())
            click.echo(say("internal", current_lang(), kind=type(err).__name__, message=message), err=True)
            sys.exit(INTERNAL)


@click.group(cls=YibaoGroup, context_settings={"help_option_names": ["-h", "--help"]})
# The version as yibao says it (not looked up in the installed packages' metadata at every start)
@click.version_option(version=__version__, package_name="yibao")
def main() -> None:
    """yibao: medical-insurance reimbursement policies as code."""


@main.command(name="compile")
@click.argument("policy", type=EXISTING)
@click.option("-o", "--output", type=OUTPUT,
              help="Write the module to this file instead of standard output.")
@reports_errors
@configured
def compile_(policy: Path, output: Path | None, cfg: Config) -> None:
    """Print the Python module that POLICY compiles to."""
    source = load_policy(policy).source
    if output is None:
        click.echo(source, nl=False)
    else:
        from yibao.output import write_atomic

        write_atomic(output, source)  # never half a module, never a device replaced


@main.command()
@click.argument("policy", type=EXISTING)
@click.argument("claims", metavar="CLAIMS", type=click.Path(exists=True, allow_dash=True))
@click.option("--json", "as_json", is_flag=True, help="Print the settlement(s) as JSON.")
@click.option("--jsonl", "as_jsonl", is_flag=True, help="Print one settlement a line (JSON lines).")
@click.option("--trace", is_flag=True, help="Include every step of the settlement.")
@click.option("--lines", "lines", is_flag=True, default=None,
              help="JSON: include each bill line's share (included with --trace anyway).")
@click.option("--show-id", is_flag=True, help="Show the person's ID number whole (masked by default).")
@reports_errors
@configured
def settle(policy: Path, claims: str, as_json: bool, as_jsonl: bool, trace: bool, lines: bool | None,
           show_id: bool, cfg: Config) -> None:
    """Settle CLAIMS under POLICY: a claim file, a JSON array or JSON lines of claims, a folder, or -.

    Several claims are settled person by person in date order, each carrying year_to_date to
    the next (as Policy.settle_many does); the closing year-to-date figures follow.
    """
    from yibao import cli_settle

    if as_json and as_jsonl:
        raise click.UsageError(say("settle.both", cfg.lang))
    lang, show_id = cfg.lang, cfg.show_id(show_id)
    compiled = load_policy(policy)
    items, single = cli_settle.read_many(claims)
    if single and not as_jsonl:
        source, data = items[0]
        result = compiled.settle(data, trace=trace, source=source)
        if as_json:
            click.echo(result.to_json(trace=trace, lines=lines))
            return
        _print_views(compiled, [result], lang, trace, show_id)
        return
    people = cli_settle.settle_people(compiled, items, trace)
    if as_json:
        click.echo(cli_settle.as_json(people, trace, lines))
    elif as_jsonl:
        for line in cli_settle.as_jsonl(people, trace, lines):
            click.echo(line)
    else:
        _print_views(compiled, [s for _, settled in people for s in settled], lang, trace, show_id,
                     closing=cli_settle.closing_rows(people, show_id, lang, compiled))


def _print_views(compiled: Any, results: list[Any], lang: str, trace: bool, show_id: bool,
                 closing: list[tuple[str, str, str]] | None = None) -> None:
    """The settlement tables, and for several claims the closing year-to-date figures."""
    from rich.table import Table
    from rich.text import Text

    from yibao.compiler.report import settlement_view

    out = _Stdout(highlight=False)
    if not out.is_terminal:
        out = _Stdout(highlight=False, width=120)  # pipes and files get a fixed, readable width
    for result in results:
        out.print(settlement_view(result, lang=lang, trace=trace, width=out.width, policy=compiled,
                                  show_id=show_id))
    if closing is not None:
        zh = lang == "zh"
        table = Table(title="年度累计（结算后）" if zh else "Year to date after these claims",
                      title_justify="left", show_edge=False)
        for header, right in ((("参保人", "person"), False), (("累计项", "accumulator"), False),
                              (("金额", "amount"), True)):
            table.add_column(header[0] if zh else header[1], justify="right" if right else "left")
        for row in closing:
            table.add_row(*(Text(cell) for cell in row))  # Text: a claim's values are not markup
        out.print(table)


@main.command()
@click.argument("policy", type=EXISTING)
@click.argument("claim", type=click.Path(path_type=Path))
@click.option("--text", "as_text", is_flag=True,
              help="Print the explanation as plain text instead of opening the app.")
@click.option("--format", "fmt", type=LETTER_FORMATS, default=None,
              help="Write a settlement explanation letter for the insured person (Markdown, HTML or "
                   "plain text).")
@click.option("-o", "--output", type=OUTPUT, help="With --format: write the letter to this file.")
@click.option("--show-id", is_flag=True, help="Show the person's ID number whole (masked by default).")
@reports_errors
@configured
def explain(policy: Path, claim: Path, as_text: bool, fmt: str | None, output: Path | None, show_id: bool,
            cfg: Config) -> None:
    """Explain how CLAIM (a JSON file, or a folder of claims) is settled under POLICY, step by step.

    Opens an app in a terminal; prints the explanation as text when --text is given or
    standard output is not a terminal.
    """
    if fmt is not None:
        from yibao.cli_render import write_letter

        write_letter(policy, claim, fmt, cfg, output, show_id=show_id)
        return
    if output is not None:
        raise click.UsageError(say("explain.output", cfg.lang))
    from yibao.tui.command import explain as run_explain

    sys.exit(run_explain(policy, claim, text=as_text, lang=cfg.lang, out=lambda s: click.echo(s, nl=False),
                         err=lambda s: _stderr().print(s, markup=False), show_id=cfg.show_id(show_id),
                         config=cfg))


# Click's own messages in Chinese for a zh run (yibao/cli_zh.py)
_cli_zh.install()


def run() -> None:
    """The ``yibao`` console script: ``main``, then leave without the interpreter's last garbage
    collection, which would walk every object of the run (a tenth of ``yibao check``'s time) only
    to free memory the process gives back anyway. ``gc.freeze`` moves what is left out of the
    collector's reach; exit handlers (``atexit``, ``weakref.finalize``) still run as ever."""
    try:
        main()
    finally:
        gc.freeze()


if __name__ == "__main__":  # pragma: no cover
    run()
