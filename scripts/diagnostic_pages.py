"""Write ``docs/diagnostics/``: one page per diagnostic code and their index, from the registry.

``python scripts/diagnostic_pages.py`` rewrites the pages (and removes pages of codes that are
gone); ``--check`` only says which differ and exits 1, as ``tests/dsl/test_codes.py`` does.
"""

from __future__ import annotations

import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
FOLDER = ROOT / "docs" / "diagnostics"


def stale(expected: dict[str, str]) -> list[str]:
    """Pages that are missing, differ from the registry, or belong to no code."""
    present = {p.name for p in FOLDER.glob("*.md")} if FOLDER.is_dir() else set()
    out = [name for name, text in expected.items()
           if name not in present or (FOLDER / name).read_text(encoding="utf-8") != text]
    return sorted(out + sorted(present - set(expected)))


def main(argv: list[str]) -> int:
    from yibao.diagnostic_pages import pages
    from yibao.output import write_atomic

    expected = pages()
    differ = stale(expected)
    if "--check" in argv:
        for name in differ:
            print(f"docs/diagnostics/{name} is out of date: run python scripts/diagnostic_pages.py")
        return 1 if differ else 0
    FOLDER.mkdir(parents=True, exist_ok=True)
    for name in differ:
        if name in expected:
            write_atomic(FOLDER / name, expected[name])
        else:
            (FOLDER / name).unlink()
    print(f"docs/diagnostics: {len(expected)} pages, {len(differ)} written or removed")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
