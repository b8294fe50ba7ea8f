"""Syntax errors in an author's words: whatever is typed into a policy, the report is positioned,
coded, and free of the grammar's regular expressions."""

from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st
from yibao.dsl import codes
from yibao.dsl.checks import check
from yibao.dsl.code_examples import BASE
from yibao.dsl.errors import PolicyError
from yibao.dsl.parser import parse

# What an author's keyboard slips in: quotes, tabs, blanks, new lines, full-width punctuation.
TYPED = st.text(alphabet='"\t \n：，（）％“”¥#\\-a1', min_size=1, max_size=4)


@settings(max_examples=150, deadline=None)
@given(at=st.integers(min_value=0, max_value=len(BASE)), typed=TYPED)
def test_any_slip_is_reported_at_a_place_in_the_file_with_a_code(at: int, typed: str) -> None:
    text = BASE[:at] + typed + BASE[at:]
    try:
        check(parse(text, "slip.yb"))
    except PolicyError as err:
        lines = text.splitlines()
        for d in err.diagnostics:
            assert codes.CODES[d.code.id] is d.code
            assert 1 <= d.span.line <= len(lines) + 1 and d.span.column >= 1
            assert "(?:" not in d.message and "\\d" not in d.message  # no lexer regex
        assert f"{err.diagnostics[0].severity}[{err.diagnostics[0].code.id}]" in err.format()


def test_a_terminal_s_pattern_is_named_not_shown() -> None:
    text = BASE.replace('layer basic "统筹基金" / "basic fund"', 'layer basic "统筹基金" / "basic fund" x')
    try:
        parse(text, "p.yb")
    except PolicyError as err:
        (d,) = err.diagnostics
        assert d.code is codes.SYNTAX
        assert "`before` or `after`" in d.message and "(?:" not in d.message
    else:
        raise AssertionError("a word after a layer's label must be refused")
