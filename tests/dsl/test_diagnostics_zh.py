"""The Chinese catalogue of policy diagnostics: whole, keyed by template, names kept as typed."""

from __future__ import annotations

import ast as pyast
import re
from pathlib import Path

from yibao.dsl.claims_zh import MESSAGES as CLAIMS
from yibao.dsl.diagnostics_zh import MESSAGES, summary
from yibao.dsl.phrase import Items, Names, P

ROOT = Path(__file__).resolve().parents[2]
SLOT = re.compile(r"\{(\w+)\}")
SOURCES = [*(ROOT / "dsl").glob("*.py"), ROOT / "compiler" / "codegen_expr.py"]


def test_every_template_carries_its_slots_over() -> None:
    for en, text in MESSAGES:
        assert set(SLOT.findall(text)) <= set(SLOT.findall(en)), en  # a slot the Chinese drops is allowed
    assert len({en for en, _ in MESSAGES}) == len(MESSAGES), "each template once"


def test_arguments_are_rendered_in_each_language_and_names_stay_as_typed() -> None:
    twice = P("layer `{name}` gives `{key}` twice", name="rate", key="rate")
    assert (twice.en(), twice.zh()) == ("layer `rate` gives `rate` twice", "支付层 `rate` 给出了两次 `rate`")
    must = P("{what} must be {want}, not {got}", what=P("a cap"), want=P("money"), got=P("a rate"))
    assert (must.en(), must.zh()) == ("a cap must be money, not a rate", "封顶线应为金额，而不是比例")
    expected = Items(("`,`", "`->`", "`|`"))
    unexpected = P("unexpected {found}; expected {expected}", found="`x`", expected=expected)
    assert unexpected.en() == "unexpected `x`; expected `,`, `->` or `|`"
    assert unexpected.zh() == "此处不应出现`x`；应为`,`、`->`或`|`"
    modes = P("unknown rounding `{mode}`; expected one of {modes}", mode="up",
              modes=Names(("half_up", "down")))
    assert modes.en() == "unknown rounding `up`; expected one of half_up, down"
    assert "`half_up`、`down`" in modes.zh()
    assert P("a message no check writes").zh() == "a message no check writes"  # shown, never hidden
    assert summary(2, 1) == "发现 2 个错误和 1 个警告"


def _calls(path: Path) -> list[pyast.Call]:
    return [n for n in pyast.walk(pyast.parse(path.read_text(encoding="utf-8"))) if isinstance(n, pyast.Call)]


def test_every_phrase_written_in_the_checks_has_its_chinese() -> None:
    """A new check's message without Chinese fails here, not in front of a clerk."""
    known = {en for en, _ in MESSAGES} | {en for en, _ in CLAIMS}  # dsl/errors.py also words settling
    missing, checked = [], 0
    for path in SOURCES:
        for node in _calls(path):
            if pyast.unparse(node.func) != "P":
                continue
            template = node.args[0]
            assert isinstance(template, pyast.Constant) and isinstance(template.value, str), \
                f"{path.name}:{node.lineno}: a phrase's template is a literal, the catalogue's key"
            checked += 1
            if template.value not in known:
                missing.append(f"{path.name}:{node.lineno}: {template.value}")
            given = {k.arg for k in node.keywords}
            assert set(SLOT.findall(template.value)) == given, f"{path.name}:{node.lineno}: slots {given}"
    assert checked > 250, checked  # the walk found the checks' phrases
    assert not missing, "\n".join(missing)


def test_no_diagnostic_is_written_as_finished_text() -> None:
    """A message or hint written as a string or f-string could not be shown in Chinese: every one is
    a phrase (or a value computed from phrases)."""
    written = []
    for path in SOURCES:
        for node in _calls(path):
            name = pyast.unparse(node.func)
            if not name.endswith(("report", "_fail", "Diagnostic")):
                continue
            for arg in [*node.args[2:4], *(k.value for k in node.keywords if k.arg in ("message", "hint"))]:
                phrased = {id(x) for c in pyast.walk(arg) if isinstance(c, pyast.Call)
                           and pyast.unparse(c.func) in ("P", "suggest") for x in pyast.walk(c)}
                text = [n for n in pyast.walk(arg) if id(n) not in phrased and (isinstance(n, pyast.JoinedStr)
                        or (isinstance(n, pyast.Constant) and isinstance(n.value, str)))]
                if text:
                    written.append(f"{path.name}:{node.lineno}: {pyast.unparse(arg)[:80]}")
    assert not written, "\n".join(written)
