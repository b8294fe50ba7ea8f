"""What ``yibao explain`` does: the app in a terminal, the explanation as text everywhere else.

Errors are ``YibaoError``s for the CLI to report (stderr, exit 1); the app is only started
once the policy has compiled and, for a single claim, the claim has settled.
"""

from __future__ import annotations

import sys
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, TextIO

from yibao.compiler.loader import load_policy
from yibao.dsl.errors import ClaimError, ClaimIssue, YibaoError
from yibao.dsl.phrase import P

from .explanation import claim_files, load_explanation

if TYPE_CHECKING:
    from yibao.config import Config


def is_interactive(stdout: TextIO | None = None, stdin: TextIO | None = None) -> bool:
    """A terminal on both ends: only then may the app take the screen and the keyboard."""
    out = stdout or sys.stdout
    inp = stdin or sys.stdin
    try:
        return out.isatty() and inp.isatty()
    except (AttributeError, ValueError):
        return False


def explain(policy_path: Path, claim_path: Path, *, text: bool = False, lang: str = "en",
            out: Callable[[str], None] | None = None, err: Callable[[str], None] | None = None,
            interactive: bool | None = None, show_id: bool = False, config: Config | None = None) -> int:
    """Explain CLAIM (a file, or a folder of claims) under POLICY; returns the exit status.

    The person's ID is masked unless ``show_id`` (``--show-id``); ``config`` gives the
    letterhead and the folder the app exports into.
    """
    from yibao.config import Config
    from yibao.messages import error_text

    cfg = config or Config(lang=lang)
    bureau = cfg.bureau
    write = out or sys.stdout.write
    report = err or (lambda s: sys.stderr.write(s + "\n"))
    policy = load_policy(policy_path)
    folder = claim_path.is_dir()
    files = claim_files(claim_path) if folder else []
    if folder and not files:
        raise ClaimError([ClaimIssue("$", P("no claim files (*.json) in this folder"))], str(claim_path))
    if interactive is None:
        interactive = not text and is_interactive()
    if not interactive:
        failed = False
        for i, path in enumerate(files or [claim_path]):
            try:
                explanation = load_explanation(policy, path, show_id=show_id, bureau=bureau)
            except YibaoError as e:
                if not folder:
                    raise
                report(error_text(e, lang))
                failed = True
                continue
            # the letter to the person, then every step as the app shows it
            write(("\n" if i else "") + explanation.letter(lang, "text") + "\n"
                  + explanation.steps_text(lang))
        return 1 if failed else 0

    from .app import ExplainApp

    if folder:
        app = ExplainApp(policy=policy, claims=files, root=claim_path, lang=lang, show_id=show_id,
                         export_dir=cfg.exports(), bureau=bureau, browser=True)
    else:
        app = ExplainApp(load_explanation(policy, claim_path, show_id=show_id, bureau=bureau), lang=lang,
                         show_id=show_id, export_dir=cfg.exports(), bureau=bureau, browser=True)
    app.run()
    return 0
