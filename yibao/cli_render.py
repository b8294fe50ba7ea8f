"""``yibao render`` and the letter path of ``yibao explain --format``: documents from policies.

Kept apart from ``cli.py`` so that the command group there only registers them.
"""

from __future__ import annotations

import sys
from pathlib import Path

import click

from yibao.compiler.claims import load_claim_json
from yibao.compiler.loader import load_policy
from yibao.dsl.errors import YibaoError

FORMATS = click.Choice(["md", "html"])
LANGS = click.Choice(["zh", "en"])
EXISTING = click.Path(exists=True, dir_okay=False, path_type=Path)
OUTPUT = click.Path(dir_okay=False, writable=True, path_type=Path)


def write_output(text: str, output: Path | None) -> None:
    """Standard output, or the file written whole (never half a document on failure)."""
    if output is None:
        click.echo(text, nl=False)
        return
    tmp = output.with_suffix(output.suffix + ".tmp")
    tmp.write_text(text, encoding="utf-8")
    tmp.replace(output)


def _fail(err: YibaoError) -> None:
    click.echo(str(err), err=True)
    sys.exit(1)


def write_letter(policy: Path, claim: Path, fmt: str, lang: str, output: Path | None) -> None:
    """``yibao explain POLICY CLAIM --format md|html``: the explanation letter for the insured person."""
    from yibao.compiler.render import render_letter

    if claim.is_dir():
        raise click.UsageError("--format writes the letter for one claim: give a claim file, not a folder")
    try:
        compiled = load_policy(policy)
        settlement = compiled.settle(load_claim_json(claim), trace=True, source=str(claim))
    except YibaoError as err:
        _fail(err)
        return
    write_output(render_letter(settlement, lang, fmt, policy=compiled), output)


def register(main: click.Group) -> None:
    """Add ``render`` to the ``yibao`` command group."""

    @main.command()
    @click.argument("policy", type=EXISTING)
    @click.option("--lang", type=LANGS, default="en", show_default=True, help="Language of the document.")
    @click.option("--format", "fmt", type=FORMATS, default="md", show_default=True,
                  help="Markdown, or one standalone HTML page.")
    @click.option("-o", "--output", type=OUTPUT,
                  help="Write the document to this file instead of standard output.")
    @click.option("--changes", is_flag=True,
                  help="For a reform: only the table of what it changes against its base.")
    @click.option("--claims", "claims_dir", type=click.Path(exists=True, file_okay=False, path_type=Path),
                  help="Folder of sample claims for the worked examples (default: the policy's own, "
                       "claims/<policy>/ or claims/ next to it).")
    def render(policy: Path, lang: str, fmt: str, output: Path | None, changes: bool,
               claims_dir: Path | None) -> None:
        """Write POLICY as a document: its rules as a policy text, with worked examples.

        The examples are the policy's sample claims settled by the compiled policy.
        """
        from yibao.compiler.render import load_claims, render_changes, render_policy

        try:
            compiled = load_policy(policy)
            if changes:
                if compiled.ast.base is None:
                    raise click.ClickException(f"{policy} is not a reform: it extends no base policy, "
                                               "so there are no changes to list")
                text = render_changes(compiled, lang, fmt)
            else:
                claims = load_claims(sorted(claims_dir.glob("*.json"))) if claims_dir is not None else None
                text = render_policy(compiled, lang, fmt, claims=claims)
        except YibaoError as err:
            _fail(err)
            return
        write_output(text, output)
