"""The settle table (compiler/report.py): a long bill shows its first lines and says how many follow."""

from __future__ import annotations

import io

from rich.console import Console
from yibao.compiler.report import MAX_SHOWN_LINES, settlement_view

import yibao
from yibao.sampling import long_claim

POLICY = "policies/jiujiang/resident_inpatient.yb"


def text(renderable: object) -> str:
    console = Console(file=io.StringIO(), width=120, color_system=None)
    console.print(renderable)
    return console.file.getvalue()  # type: ignore[attr-defined]


def test_a_long_bill_shows_its_first_lines_and_counts_the_rest() -> None:
    policy = yibao.load_policy(POLICY)
    s = policy.settle(long_claim(MAX_SHOWN_LINES + 250))
    out = text(settlement_view(s, policy=policy))
    assert f"\n {MAX_SHOWN_LINES} " in out or f"\n{MAX_SHOWN_LINES} " in out
    assert f"\n{MAX_SHOWN_LINES + 1} " not in out and f"\n {MAX_SHOWN_LINES + 1} " not in out
    assert "… 250 more lines, in the totals below; --json lists every line" in out
    assert "Total cost" in out  # the totals still cover every line


def test_a_bill_within_the_limit_is_shown_whole() -> None:
    policy = yibao.load_policy(POLICY)
    out = text(settlement_view(policy.settle(long_claim(30)), policy=policy))
    assert "more lines" not in out


def test_the_trace_table_leaves_out_the_classification_of_lines_not_shown() -> None:
    policy = yibao.load_policy(POLICY)
    s = policy.settle(long_claim(MAX_SHOWN_LINES + 40), trace=True)
    out = text(settlement_view(s, policy=policy, trace=True))
    assert "the classification of 40 more lines; --json --trace lists every step" in out
    assert "basic.pays" in out  # the layers' steps after the lines are all there
