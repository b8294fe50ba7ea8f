"""The Chinese catalogue of policy diagnostics: whole, and names kept as typed."""

from __future__ import annotations

import ast as pyast
import re
from pathlib import Path

from yibao.dsl.diagnostics_zh import MESSAGES, summary, zh

ROOT = Path(__file__).resolve().parents[2]
SLOT = re.compile(r"\{(\w+)\}")


def test_every_template_carries_its_slots_over() -> None:
    for en, text in MESSAGES:
        assert set(SLOT.findall(text)) <= set(SLOT.findall(en)), en  # a slot the Chinese drops is allowed
    assert len({en for en, _ in MESSAGES}) == len(MESSAGES), "each template once"


def test_names_in_backticks_stay_as_typed_and_phrases_inside_are_translated() -> None:
    assert zh("layer `rate` gives `rate` twice") == "支付层 `rate` 给出了两次 `rate`"
    assert zh("parameter `cap` has no citation") == "参数 `cap` 没有引用依据"
    assert zh("a cap must be money, not a rate") == "封顶线应为金额，而不是比例"
    assert zh("unexpected `x`; expected `,`, `->` or `|`") == "此处不应出现`x`；应为`,`、`->`或`|`"
    assert zh("a message no check writes") == "a message no check writes"  # shown, never hidden
    assert summary(2, 1) == "发现 2 个错误和 1 个警告"


def _templates(node: pyast.AST) -> str | None:
    """A message argument as its template, ``{}`` for each value put in; None when it is computed."""
    if isinstance(node, pyast.Constant) and isinstance(node.value, str):
        return node.value
    if isinstance(node, pyast.JoinedStr):
        return "".join(v.value if isinstance(v, pyast.Constant) else "{}" for v in node.values)
    if isinstance(node, pyast.BinOp) and isinstance(node.op, pyast.Add):
        a, b = _templates(node.left), _templates(node.right)
        return a + b if a is not None and b is not None else None
    return None


def test_every_message_written_in_the_checks_has_its_chinese() -> None:
    """A new check's message without Chinese fails here, not in front of a clerk."""
    missing, checked = [], 0
    for path in [*(ROOT / "dsl").glob("*.py"), ROOT / "compiler" / "codegen_expr.py"]:
        for node in pyast.walk(pyast.parse(path.read_text(encoding="utf-8"))):
            if not isinstance(node, pyast.Call):
                continue
            name = pyast.unparse(node.func)
            if not name.endswith(("report", "_fail", "Diagnostic")):
                continue
            for arg in [*node.args[2:4], *(k.value for k in node.keywords if k.arg in ("message", "hint"))]:
                template = _templates(arg)
                if template is None or template == "{}":  # computed: its parts are checked where made
                    continue
                sample = template.replace("{}", "x")
                checked += 1
                if zh(sample) == sample:
                    missing.append(f"{path.name}:{node.lineno}: {template}")
    assert checked > 150, checked  # the walk found the checks' calls
    assert not missing, "\n".join(missing)
