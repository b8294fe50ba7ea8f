"""The Chinese catalogue of policy diagnostics: whole, and names kept as typed."""

from __future__ import annotations

import re

from yibao.dsl.diagnostics_zh import MESSAGES, summary, zh

SLOT = re.compile(r"\{(\w+)\}")


def test_every_template_carries_its_slots_over() -> None:
    for en, text in MESSAGES:
        assert set(SLOT.findall(text)) <= set(SLOT.findall(en)), en  # a slot the Chinese drops is allowed
    assert len({en for en, _ in MESSAGES}) == len(MESSAGES), "each template once"


def test_names_in_backticks_stay_as_typed_and_phrases_inside_are_translated() -> None:
    assert zh("layer `rate` gives `rate` twice") == "支付层 `rate` 给出了两次 `rate`"
    assert zh("parameter `cap` has no citation") == "参数 `cap` 没有引用依据"
    assert zh("a cap must be money, not a rate") == "封顶线 应为金额，而不是比例"
    assert zh("unexpected `x`; expected `,`, `->` or `|`") == "此处不应出现`x`；应为`,`、`->`或`|`"
    assert zh("a message no check writes") == "a message no check writes"  # shown, never hidden
    assert summary(2, 1) == "发现 2 个错误和 1 个警告"
