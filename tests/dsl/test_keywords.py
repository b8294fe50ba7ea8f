"""The keywords are the grammar's: every word in ``grammar.lark``'s literals, and nothing else."""

from __future__ import annotations

import re
from importlib import resources

from yibao.dsl import keywords


def _literal_words() -> set[str]:
    grammar = resources.files("yibao.dsl").joinpath("grammar.lark").read_text(encoding="utf-8")
    code = "\n".join(line.split("//")[0] for line in grammar.splitlines())
    return {w for lit in re.findall(r'"([^"\\]*)"', code) for w in lit.split() if re.fullmatch("[a-z]+", w)}


def test_the_keywords_are_the_words_of_the_grammars_literals() -> None:
    assert set(keywords.keywords()) | set(keywords.constants()) == _literal_words()
    assert keywords.constants() == ("false", "true")


def test_each_keyword_either_only_starts_a_line_or_can_stand_inside_one() -> None:
    assert set(keywords.statement_only()) | set(keywords.inner_keywords()) == set(keywords.keywords())
    assert not set(keywords.statement_only()) & set(keywords.inner_keywords())
    assert {"rate", "base", "parameter", "cite"} <= set(keywords.statement_only())
    assert {"when", "per", "value", "deductible", "in"} <= set(keywords.inner_keywords())


def test_what_can_begin_a_line_in_each_block() -> None:
    blocks = keywords.block_keywords()
    assert {"parameter", "layer", "source", "enum", "check", "classify", "amend", "field"} == set(blocks[""])
    assert {"base", "rate", "cap", "deductible", "cite", "assume", "when", "bands"} <= set(blocks["layer"])
    assert set(blocks["source"]) == {"document", "file"}
    assert {"value", "table", "from", "exception", "cite"} <= set(blocks["parameter"])


def test_what_can_follow_a_keyword() -> None:
    f = keywords.followers()
    assert set(f["per"]) >= {"year", "visit"} and "starts" in f["year"]
    assert "deductible" not in f["deductible"] and "if" in f["deductible"]
