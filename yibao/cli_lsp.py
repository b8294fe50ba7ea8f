"""``yibao lsp``: the language server for editors, over standard input and output (docs/editors.md)."""

from __future__ import annotations

import click


def register(main: click.Group) -> None:
    @main.command("lsp")
    @click.option("--stdio", is_flag=True, help="Speak over standard input and output (the default, "
                  "accepted because editors pass it).")
    def lsp(stdio: bool) -> None:
        """Run the language server for editors (VS Code, Neovim, Helix …) on stdin/stdout."""
        from yibao.lsp.server import run  # pygls is loaded only for this command

        run()
