"""``yibao schema NAME``: the JSON Schema of a claim, a record, a settlement or a policy-test file.

The schemas come from the field table the validators read (``compiler/claim_fields.py``), through
``compiler/schemas.py``; ``docs/schemas/`` holds the same text for the default value sets.
"""

from __future__ import annotations

from pathlib import Path

import click

NAMES = ("claim", "record", "settlement", "tests")  # compiler.schemas.NAMES, without importing it


def register(main: click.Group) -> None:
    """Add ``schema`` to the ``yibao`` command group."""

    @main.command()
    @click.argument("name", type=click.Choice(NAMES))
    @click.option("--policy", type=click.Path(exists=True, dir_okay=False, path_type=Path),
                  help="Use this policy's value sets (its `enum` declarations) and leave out of "
                       "`required` the claim fields it never reads.")
    @click.option("-o", "--output", type=click.Path(path_type=Path, allow_dash=True),
                  help="Write the schema to this file instead of standard output.")
    def schema(name: str, policy: Path | None, output: Path | None) -> None:
        """Print the JSON Schema of NAME: claim, record, settlement or tests (a *.tests.json file)."""
        from yibao.compiler.schemas import schema_text
        from yibao.output import write_atomic

        enums, unread = None, frozenset()
        if policy is not None:
            from yibao.cli import load_policy

            loaded = load_policy(policy)
            enums, unread = loaded.enums, loaded.unread
        text = schema_text(name, enums, unread)
        if output is None or str(output) == "-":
            click.echo(text, nl=False)
        else:
            write_atomic(output, text)
