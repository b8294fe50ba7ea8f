"""Write editors/vscode/syntaxes/yibao.tmLanguage.json from the grammar's keywords.

    .venv/bin/python scripts/gen_tmlanguage.py          # (re)write the file
    .venv/bin/python scripts/gen_tmlanguage.py --check  # exit 1 if it is out of date
"""

from __future__ import annotations

import sys
from pathlib import Path

from yibao.output import write_atomic
from yibao.textmate import textmate_json

TARGET = Path(__file__).resolve().parents[1] / "editors" / "vscode" / "syntaxes" / "yibao.tmLanguage.json"


def main(argv: list[str]) -> int:
    text = textmate_json()
    if "--check" in argv:
        current = TARGET.read_text(encoding="utf-8") if TARGET.exists() else ""
        if current != text:
            print(f"{TARGET} is out of date: run scripts/gen_tmlanguage.py", file=sys.stderr)
            return 1
        return 0
    write_atomic(TARGET, text)
    print(TARGET)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
