"""Every policy example in ``docs/language.md`` passes ``yibao check``, as a new user would type it.

A fragment (a `classify` block, a layer, parameters) is checked inside a minimal policy: a header,
the source `doc`, and a plain `classify` block and a `basic` layer where the fragment has none. A
fragment that reads `basic.…` gets the `basic` layer placed before its own. Reforms (`extends`)
are checked where the documented base lies, next to the bundled policies.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest

import yibao

ROOT = Path(__file__).resolve().parents[1]
DOC = ROOT / "docs" / "language.md"
HEAD = 'policy doc.example "示例" / "example"\n  effective 2020-01-01\n\nsource doc "文件" / "document"\n\n'
CLASSIFY = ('classify "费用分类" / "classify"\n  cite doc\n  category A -> in scope\n'
            '  category B -> in scope\n  category B, class implant -> in scope 70%\n'
            '  category C -> out of scope\n\n')
BASIC = 'layer basic "基本" / "basic"\n  cite doc\n  deductible 100.00 per year\n  rate 50%\n\n'


def _blocks() -> list[tuple[int, str]]:
    text = DOC.read_text(encoding="utf-8")
    return [(text.count("\n", 0, m.start()) + 2, m.group(1))
            for m in re.finditer(r"```yibao\n(.*?)```", text, re.S)]


def _policy(block: str) -> str:
    code = "\n".join(line for line in block.splitlines() if not line.startswith("#"))
    if code.lstrip().startswith("policy"):
        return block
    has_layer = re.search(r"(?m)^layer ", code) is not None
    defines_basic = re.search(r"(?m)^layer basic ", code) is not None
    before = BASIC if "basic." in code and not defines_basic else ""
    after = "" if has_layer or before else BASIC
    return HEAD + ("" if re.search(r"(?m)^classify ", code) else CLASSIFY) + before + block + "\n" + after


@pytest.mark.parametrize(("line", "block"), _blocks(), ids=lambda v: str(v) if isinstance(v, int) else "")
def test_the_example_passes_check(line: int, block: str) -> None:
    text = _policy(block)
    if re.search(r"(?m)^  extends ", text):
        pytest.skip("a reform: its base is a bundled policy, checked with the bundled reforms")
    if not re.search(r"(?m)^(classify|layer) ", text):
        pytest.skip("the header alone, shown as part of a larger policy")
    yibao.compile_policy(text, f"docs/language.md:{line}")
