"""Render a policy as HTML and take a screenshot of it in headless Chromium; print the PNG's path.

    python scripts/screenshot.py [POLICY] [--lang zh|en] [--out FILE.png] [--width 1280] [--height 2000]
                                 [--section SECTION-ID] [--letter CLAIM [--config yibao.toml]]

``--section`` shows only that section (e.g. ``examples`` or ``example-level2-local``) below the
document's header, to look at a part of a long document.

Chromium runs with a fresh profile and without background networking, so taking a
screenshot fetches nothing (the page itself loads nothing either: its CSS is inline).
"""

from __future__ import annotations

import argparse
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
BROWSERS = ("chromium", "chromium-browser", "google-chrome", "google-chrome-stable")
FLAGS = ("--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
         "--disable-component-update", "--no-first-run", "--disable-sync", "--hide-scrollbars")

# Hides every section but one (and the sections around it), for a look at one part of a long page.
ONLY = ("<style>nav.toc, dl.facts.head, main > section:not(#ID):not(:has(#ID)), "
        "section:has(> section#ID) > section:not(#ID) { display: none; }</style>")


def find_browser() -> str | None:
    for name in BROWSERS:
        path = shutil.which(name)
        if path:
            return path
    return None


def screenshot(html: Path, png: Path, width: int = 1280, height: int = 2000, *, timeout: float = 120) -> Path:
    """Load ``html`` in headless Chromium and write a ``width``×``height`` PNG to ``png``."""
    browser = find_browser()
    if browser is None:
        raise RuntimeError("no Chromium found: install it with `apt-get install -y chromium`")
    with tempfile.TemporaryDirectory(prefix="yibao-chromium-") as profile:
        cmd = [browser, *FLAGS, f"--user-data-dir={profile}", f"--window-size={width},{height}",
               f"--screenshot={png}", html.resolve().as_uri()]
        subprocess.run(cmd, check=True, capture_output=True, timeout=timeout)
    if not png.is_file():
        raise RuntimeError(f"Chromium wrote no screenshot to {png}")
    return png


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("policy", nargs="?", default=str(ROOT / "policies/liaocheng/poverty_inpatient.yb"))
    parser.add_argument("--lang", choices=("zh", "en"), default="zh")
    parser.add_argument("--out", type=Path, help="the PNG to write (default: in a new temporary folder)")
    parser.add_argument("--width", type=int, default=1280)
    parser.add_argument("--height", type=int, default=2000)
    parser.add_argument("--section", default="", help="show only the section with this id")
    parser.add_argument("--letter", metavar="CLAIM", help="photograph the explanation letter of this claim, "
                        "with the letterhead of the configuration found from the policy (or --config)")
    parser.add_argument("--config", type=Path, help="with --letter: the configuration file (yibao.toml)")
    args = parser.parse_args(argv)

    from yibao.compiler.json_input import load_claim_json
    from yibao.compiler.loader import load_policy
    from yibao.compiler.render import render_letter, render_policy

    from yibao.config import load_config

    policy = load_policy(args.policy)
    folder = Path(tempfile.mkdtemp(prefix="yibao-screenshot-"))
    html = folder / f"{Path(args.letter or args.policy).stem}.{args.lang}.html"
    if args.letter:
        cfg = load_config(Path(args.policy), explicit=args.config, lang=args.lang)
        settled = policy.settle(load_claim_json(args.letter), trace=True, source=args.letter)
        page = render_letter(settled, args.lang, "html", policy=policy, show_id=cfg.show_id(),
                             bureau=cfg.bureau)
    else:
        page = render_policy(policy, args.lang, "html")
    if args.section:
        page = page.replace("</head>", ONLY.replace("ID", args.section) + "</head>", 1)
    html.write_text(page, encoding="utf-8")
    png = args.out or html.with_suffix(".png")
    print(screenshot(html, png, args.width, args.height))
    return 0


if __name__ == "__main__":
    sys.exit(main())
