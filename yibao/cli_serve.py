"""``yibao serve POLICY...``: run the HTTP service (``yibao/serve.py``) on uvicorn."""

from __future__ import annotations

from pathlib import Path

import click

from yibao.cli_config import configured
from yibao.config import Config
from yibao.messages import say

EXISTING = click.Path(exists=True, dir_okay=False, path_type=Path)


def register(main: click.Group) -> None:
    """Add ``serve`` to the ``yibao`` command group."""

    @main.command()
    @click.argument("policies", nargs=-1, required=True, type=EXISTING)
    @click.option("--host", default="127.0.0.1", show_default=True, help="Address to listen on.")
    @click.option(
        "--port", type=click.IntRange(1, 65535), default=8000, show_default=True, help="Port to listen on."
    )
    @click.option(
        "--area",
        type=EXISTING,
        help="The pooling area's mapping (TOML) for the national endpoints; "
        "default: the bundled area that lists each policy.",
    )
    @configured
    def serve(policies: tuple[Path, ...], host: str, port: int, area: Path | None, cfg: Config) -> None:
        """Serve settle, explain, letter, national settle and reconcile for POLICIES over HTTP.

        The policies are loaded and compiled once, at start (a policy error stops it there, exit 1).
        OpenAPI: /openapi.json and /docs.
        """
        import uvicorn

        from yibao.serve import create_app

        app = create_app(policies, area=area)
        click.echo(say("serve.start", cfg.lang, n=len(policies), host=host, port=port), err=True)
        uvicorn.run(app, host=host, port=port, log_level="warning")
