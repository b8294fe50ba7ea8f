"""``yibao render`` and the letter path of ``yibao explain --format``: documents from policies.

Kept apart from ``cli.py`` so that the command group there only registers them.
"""

from __future__ import annotations

import sys
from pathlib import Path
from typing import TYPE_CHECKING, Any

import click

from yibao.cli_config import configured
from yibao.cli_types import EXISTING, OUTPUT
from yibao.config import Config
from yibao.dsl.errors import YibaoError
from yibao.messages import error_text, say
from yibao.output import write_atomic

if TYPE_CHECKING:
    from yibao.compiler.loader import Policy

FORMATS = click.Choice(["md", "html"])
LANGS = click.Choice(["zh", "en"])


def load_claim_json(path: Path) -> Any:
    """A claim file, read as ``yibao settle`` reads it (imported on first use, as the compiler is)."""
    from yibao.compiler.json_input import load_claim_json as load

    return load(path)


def load_policy(path: Path) -> Policy:
    """The compiler, imported when a command needs it (not for ``--help`` or ``--version``)."""
    from yibao.compiler.loader import load_policy as load

    return load(path)


class ExampleError(YibaoError):
    """A worked example of the document that the policy cannot settle: no document is written."""


def write_output(text: str, output: Path | None) -> None:
    """Standard output, or the file written whole (never half a document on failure)."""
    if output is None:
        click.echo(text, nl=False)
        return
    write_atomic(output, text)


def settled_examples(compiled: Policy, paths: list[Path]) -> list[tuple[str, Any]]:
    """The worked examples as (file stem, claim), each checked to settle.

    A document that published "Not settled" in place of an example would state less than
    the policy does, so a claim that fails stops the render, naming the claim and the reason.
    """
    examples = []
    for path in paths:
        data = load_claim_json(path)
        try:
            compiled.settle(data, trace=True, source=str(path))
        except YibaoError as err:
            raise ExampleError(f"{compiled.ast.path}: the worked example {path} cannot be settled, "
                               f"so no document was written:\n{err}") from None
        examples.append((path.stem, data))
    return examples


def _fail(err: YibaoError, lang: str = "en") -> None:
    click.echo(error_text(err, lang), err=True)
    sys.exit(1)


def write_letter(policy: Path, claim: Path, fmt: str, cfg: Config, output: Path | None, *,
                 show_id: bool = False) -> None:
    """``yibao explain POLICY CLAIM --format md|html|text``: the explanation letter for the insured person.

    In the configuration's language, with its bureau's letterhead; the person's ID is masked
    unless ``show_id`` (``--show-id``) or the configuration's ``mask_ids = false``.
    """
    from yibao.compiler.render import render_letter

    lang = cfg.lang
    if claim.is_dir():
        raise click.UsageError(say("explain.folder", lang))
    try:
        compiled = load_policy(policy)
        settlement = compiled.settle(load_claim_json(claim), trace=True, source=str(claim))
    except YibaoError as err:
        _fail(err, lang)
        return
    write_output(render_letter(settlement, lang, fmt, policy=compiled, show_id=cfg.show_id(show_id),
                               bureau=cfg.bureau), output)


def register(main: click.Group) -> None:
    """Add ``render`` to the ``yibao`` command group."""

    @main.command()
    @click.argument("policy", type=EXISTING)
    @click.option("--format", "fmt", type=FORMATS, default="md", show_default=True,
                  help="Markdown, or one standalone HTML page.")
    @click.option("-o", "--output", type=OUTPUT,
                  help="Write the document to this file instead of standard output.")
    @click.option("--changes", is_flag=True,
                  help="For a reform: only the table of what it changes against its base.")
    @click.option("--claims", "claims_dir", type=click.Path(exists=True, file_okay=False, path_type=Path),
                  help="Folder of sample claims for the worked examples (default: the policy's own, "
                       "claims/<policy>/ or claims/ next to it).")
    @configured
    def render(policy: Path, fmt: str, output: Path | None, changes: bool, claims_dir: Path | None,
               cfg: Config) -> None:
        """Write POLICY as a document: its rules as a policy text, with worked examples.

        The examples are the policy's sample claims settled by the compiled policy.
        """
        from yibao.compiler.render import render_changes, render_policy, sample_claims

        lang = cfg.lang
        try:
            compiled = load_policy(policy)
            if changes:
                if compiled.ast.base is None:
                    raise click.ClickException(say("render.no_base", lang, path=policy))
                text = render_changes(compiled, lang, fmt)
            else:
                paths = (sorted(claims_dir.glob("*.json")) if claims_dir is not None
                         else [Path(p) for p in sample_claims(compiled.ast.path)])
                text = render_policy(compiled, lang, fmt, claims=settled_examples(compiled, paths))
        except YibaoError as err:
            _fail(err, lang)
            return
        write_output(text, output)
