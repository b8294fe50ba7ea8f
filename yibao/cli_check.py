"""``yibao check``: every error and warning of each policy, for a person (text), a program (json)
or a CI run (GitHub workflow annotations); ``--explain CODE`` prints what a code means."""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import TYPE_CHECKING, Any

import click

from yibao.cli_config import configured
from yibao.config import Config
from yibao.dsl import codes
from yibao.dsl.errors import Diagnostic, PolicyError
from yibao.messages import say

if TYPE_CHECKING:
    from yibao.dsl.checks import CheckedPolicy

FORMATS = click.Choice(["text", "json", "github"])


def checked_policy(path: Path) -> CheckedPolicy:
    """What ``yibao check`` runs of ``load_policy``: parse, check, and generate the module (the code
    generator refuses what it cannot compile with a positioned diagnostic), imported when a policy
    is checked (not for ``--explain``, ``--help``). It does not load the generated module or build
    its claim readers: they find nothing wrong with a policy, and took a tenth of the command's time."""
    from yibao.compiler.codegen import generate
    from yibao.dsl.checks import check
    from yibao.dsl.parser import parse_file

    checked = check(parse_file(path))
    generate(checked)
    return checked


class _Stderr:
    """Rich's console on standard error, made (and Rich imported) only when there is a report."""

    def __init__(self) -> None:
        self._console: Any = None

    def print(self, text: str, **options: Any) -> None:
        if self._console is None:
            from rich.console import Console

            self._console = Console(stderr=True, highlight=False, soft_wrap=True)
        self._console.print(text, **options)


def _escape(value: str, *, prop: bool = False) -> str:
    """A workflow command's data (or property value): ``%``, CR and LF (and ``:`` ``,``) encoded."""
    value = value.replace("%", "%25").replace("\r", "%0D").replace("\n", "%0A")
    return value.replace(":", "%3A").replace(",", "%2C") if prop else value


def github_annotation(d: Diagnostic) -> str:
    """``::error file=…,line=…,col=…,endLine=…,endColumn=…,title=Y0301::message`` for a workflow log."""
    s = d.span
    props = [f"file={_escape(s.file, prop=True)}", f"line={max(s.line, 1)}", f"col={max(s.column, 1)}"]
    if s.end_line >= s.line > 0:
        props += [f"endLine={s.end_line}", f"endColumn={max(s.end_column, 1)}"]
    props.append(f"title={_escape(f'{d.code.id} {d.code.slug}', prop=True)}")
    message = d.message + (f"\nhint: {d.hint}" if d.hint else "")
    return f"::{d.severity} {','.join(props)}::{_escape(message)}"


def _diagnostics(path: Path, lang: str = "en") -> tuple[list[Diagnostic], str | None, str]:
    """(diagnostics, the text report, the ``ok:`` line or "") for one policy file."""
    try:
        checked = checked_policy(path)
    except PolicyError as e:
        return list(e.diagnostics), e.format(lang), ""
    policy = checked.policy
    warnings = sorted(checked.warnings, key=lambda w: (w.span.file, w.span.line, w.span.column))
    text = "\n\n".join(w.format(policy.texts.get(w.span.file, policy.text), lang) for w in warnings)
    ok = say("check.ok", lang, path=path, params=len(policy.parameters), layers=len(policy.layers))
    return warnings, text or None, ok


def explain(code: str) -> None:
    """Print a code's page (its meaning, a wrong and a right example); exit 2 for no such code."""
    from yibao.diagnostic_pages import page

    found = codes.lookup(code)
    if found is None:
        raise click.BadParameter(f"no diagnostic code {code!r}; codes run from Y0101 to "
                                 f"{max(codes.CODES)} (docs/diagnostics/index.md)", param_hint="--explain")
    click.echo(page(found))


def register(main: click.Group) -> None:
    @main.command()
    @click.argument("policies", nargs=-1, type=click.Path(exists=True, dir_okay=False, path_type=Path))
    @click.option("--format", "fmt", type=FORMATS, default="text", show_default=True,
                  help="text for people (on stderr); json: an array of diagnostics on stdout; "
                       "github: workflow annotations on stdout.")
    @click.option("--strict", is_flag=True, help="Warnings fail the check too (exit 1).")
    @click.option("--explain", "code", metavar="CODE", help="Print what a diagnostic code means, with "
                  "a wrong and a right example, and exit.")
    @configured
    def check(policies: tuple[Path, ...], fmt: str, strict: bool, code: str | None, cfg: Config) -> None:
        """Parse and check POLICY files; print every error and warning with its code and line.

        Exits 1 if any file has an error (or, with --strict, a warning); every file is checked.
        """
        if code is not None:
            explain(code)
            return
        if not policies:
            raise click.UsageError(say("check.none", cfg.lang))
        err = _Stderr()
        failed = False
        found: list[Diagnostic] = []
        for path in policies:
            diags, text, ok = _diagnostics(path, cfg.lang)
            failing = [d for d in diags if d.severity == "error" or strict]
            failed = failed or bool(failing)
            found.extend(diags)
            if fmt != "text":
                continue
            if text:
                err.print(text, markup=False)
            if ok and failing:
                err.print(say("check.strict", cfg.lang, path=path, n=len(failing)), markup=False)
            elif ok:
                click.echo(ok)
        if fmt == "json":
            click.echo(json.dumps([d.to_dict(cfg.lang) for d in found], ensure_ascii=False, indent=2))
        elif fmt == "github":
            for d in found:
                click.echo(github_annotation(d))
        sys.exit(1 if failed else 0)
