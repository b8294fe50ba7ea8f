"""Write dsl/_standalone.py, the policy parser without Lark, from dsl/grammar.lark.

    .venv/bin/python scripts/gen_parser.py          # (re)write the file after changing the grammar
    .venv/bin/python scripts/gen_parser.py --check  # exit 1 if it is out of date
"""

from __future__ import annotations

import sys
from pathlib import Path

from yibao.dsl.standalone_gen import standalone_source

from yibao.output import write_atomic

TARGET = Path(__file__).resolve().parents[1] / "dsl" / "_standalone.py"


def main(argv: list[str]) -> int:
    text = standalone_source()
    if "--check" in argv:
        current = TARGET.read_text(encoding="utf-8") if TARGET.exists() else ""
        if current != text:
            print(f"{TARGET} is out of date: run scripts/gen_parser.py", file=sys.stderr)
            return 1
        return 0
    write_atomic(TARGET, text)
    print(TARGET)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
