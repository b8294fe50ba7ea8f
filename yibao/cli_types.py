"""Click parameter types that several commands share, in a module of their own: the commands defined
in ``yibao/cli.py`` name them when ``yibao`` starts, without importing the modules that use them."""

from __future__ import annotations

from pathlib import Path

import click

EXISTING = click.Path(exists=True, dir_okay=False, path_type=Path)
# Any path: yibao.output decides (a file is replaced whole, a device or FIFO written in place,
# a folder or an unwritable file is a one-line error, exit 1).
OUTPUT = click.Path(path_type=Path, allow_dash=True)
LETTER_FORMATS = click.Choice(["md", "html", "text"])  # the letter also as plain text
