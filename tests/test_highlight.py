"""The Pygments lexer: every bundled policy and every ```yibao fence of the docs lexes cleanly,
and each kind of token gets its type."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from pygments.lexers import get_lexer_by_name, get_lexer_for_filename
from pygments.token import Comment, Error, Keyword, Literal, Name, Number, Operator, String, Whitespace
from yibao.dsl import keywords

from yibao.highlight import YibaoLexer

ROOT = Path(__file__).resolve().parents[1]
POLICIES = sorted((ROOT / "policies").rglob("*.yb"))

def _fences() -> list[tuple[str, str]]:
    """Every ```yibao fence of the docs but the deliberate mistakes under a page's "## Wrong"."""
    out = []
    for path in sorted((ROOT / "docs").rglob("*.md")):
        for section in re.split(r"(?m)^## ", path.read_text(encoding="utf-8")):
            if not section.startswith("Wrong"):
                out += [(path.name, b) for b in re.findall(r"```yibao\n(.*?)```", section, re.S)]
    return out


FENCES = _fences()


def tokens(text: str) -> list[tuple[object, str]]:
    return [(t, v) for t, v in YibaoLexer().get_tokens(text) if t not in Whitespace]


@pytest.mark.parametrize("path", POLICIES, ids=lambda p: str(p.relative_to(ROOT)))
def test_every_bundled_policy_lexes_without_errors(path: Path) -> None:
    text = path.read_text(encoding="utf-8")
    found = list(YibaoLexer().get_tokens(text))
    assert [v for t, v in found if t in Error] == []
    assert "".join(v for _, v in found) == text  # nothing dropped, nothing added


def test_every_yibao_fence_of_the_docs_lexes_without_errors() -> None:
    assert len(FENCES) > 20
    bad = [(name, v) for name, block in FENCES for t, v in YibaoLexer().get_tokens(block) if t in Error]
    assert bad == []


def test_a_wrong_example_shows_its_wrong_character() -> None:
    page = (ROOT / "docs" / "diagnostics" / "Y0102.md").read_text(encoding="utf-8")
    wrong = page.split("## Wrong", 1)[1].split("```yibao\n", 1)[1].split("```", 1)[0]
    assert [v for t, v in YibaoLexer().get_tokens(wrong) if t in Error] == ["¥"]


def test_token_types() -> None:
    text = ('policy a.b "甲" / "a"  # note\n'
            "  effective 2020-01-01\n"
            "  year starts 07-01\n"
            "parameter rate \"比例\" / \"rate\": rate\n"
            "  from 2023-01-01 value if visit.level == 3 and true then 90% else 12.50\n"
            "layer basic \"b\" / \"b\"\n"
            "  rate rate - min(1, 2)\n"
            "  cap total per year\n"
            "  when x ： y\n")
    found = tokens(text)
    assert found[:5] == [(Keyword.Declaration, "policy"), (Name.Namespace, "a.b"), (String.Double, '"甲"'),
                         (Operator, "/"), (String.Double, '"a"')]
    assert (Comment.Single, "# note") in found
    assert (Keyword, "effective") in found and (Literal.Date, "2020-01-01") in found
    assert (Literal.Date, "07-01") in found
    assert found[found.index((Keyword.Declaration, "parameter")) + 1] == (Name.Function, "rate")
    assert (Keyword, "from") in found and (Keyword, "value") in found and (Keyword, "if") in found
    assert (Name.Variable, "visit.level") in found and (Number.Integer, "3") in found
    assert (Operator.Word, "and") in found and (Keyword.Constant, "true") in found
    assert (Number, "90%") in found and (Number.Float, "12.50") in found
    i = found.index((Keyword, "rate"))
    assert found[i + 1] == (Name, "rate")  # `rate` only begins a statement: later on the line a name
    assert (Name.Builtin, "min") in found and (Name.Builtin, "total") in found
    assert (Keyword, "per") in found and (Keyword, "year") in found
    assert tokens("  deductible deductible per year\n")[:2] == [(Keyword, "deductible"), (Name, "deductible")]
    assert tokens("  year starts 07-01\n")[:2] == [(Keyword, "year"), (Keyword, "starts")]
    assert tokens("  bands per year\n")[:3] == [(Keyword, "bands"), (Keyword, "per"), (Keyword, "year")]
    assert (Error, "：") in found  # full-width punctuation is not the language


def test_every_keyword_of_the_grammar_is_a_keyword_at_the_start_of_a_line() -> None:
    for word in keywords.keywords():
        kind = tokens(f"  {word}\n")[0][0]
        assert kind in Keyword or kind in Operator.Word, word
    for word in keywords.inner_keywords():
        assert tokens(f"  x {word}\n")[1][0] in Keyword or tokens(f"  x {word}\n")[1][0] in Operator.Word


def test_registered_with_pygments_by_alias_and_file_name() -> None:
    assert isinstance(get_lexer_by_name("yibao"), YibaoLexer)
    assert isinstance(get_lexer_by_name("yb"), YibaoLexer)
    assert isinstance(get_lexer_for_filename("resident_inpatient.yb"), YibaoLexer)


def test_styled_line_colours_the_words_and_keeps_the_text() -> None:
    from yibao.highlight import styled_line

    line = '  rate rate - cut  # 比例'
    pieces = styled_line(line)
    assert "".join(text for text, _ in pieces) == line
    rates = [s.color for t, s in pieces if t == "rate"]
    assert rates[0] is not None and rates[1] is None  # the keyword is coloured, the parameter is not
    assert dict(pieces)["# 比例"].color is not None
    assert styled_line(line, dark=False) != pieces
