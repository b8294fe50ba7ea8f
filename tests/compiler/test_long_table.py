"""LongTable draws exactly what Rich's Table draws (text and styles), only faster for long tables."""

from __future__ import annotations

import io
import json
import random
from pathlib import Path

import pytest
from rich.console import Console
from rich.table import Table
from rich.text import Text
from yibao.compiler import long_table
from yibao.compiler.loader import load_policy
from yibao.compiler.long_table import LongTable
from yibao.compiler.report import settlement_view

from yibao.fuzzing import policy_of_claim
from yibao.sampling import long_claim

POLICIES = Path(__file__).resolve().parents[2] / "policies"
CLAIMS = sorted(p for p in POLICIES.glob("*/claims/**/*.json"))
WORDS = ["血常规", "很长的中文药品名称注射液", "item", "blood count", "X00001", "1,234.56", "0.00", "/", "—",
         "a" * 30, "超长" * 20, "é", "e\u0301", "☕", "❤\ufe0f", "[b]x[/b]", ":pill:", "tab\there", "",
         "trailing ", " leading", "two  spaces", "ｆｕｌｌ", "\u3000", "x\u200by"]


def draw(renderable: object, width: int, terminal: bool) -> str:
    out = io.StringIO()
    console = Console(file=out, width=width, force_terminal=terminal, color_system="truecolor" if terminal
                      else None, highlight=False)
    console.print(renderable)
    return out.getvalue()


def random_table(rng: random.Random, rows: int) -> Table:
    table = Table(title="Bill lines", title_justify="left", show_edge=rng.random() < 0.2,
                  pad_edge=rng.random() < 0.5)
    ncols = rng.randint(1, 7)
    for i in range(ncols):
        table.add_column(f"col {i}" if rng.random() < 0.8 else "a much longer header",
                         justify=rng.choice(["left", "right"]), no_wrap=rng.random() < 0.3,
                         overflow=rng.choice(["fold", "ellipsis", "crop"]),
                         max_width=rng.choice([None, None, 12]), min_width=rng.choice([None, 8]),
                         ratio=rng.choice([None, 1]))
    for _ in range(rows):
        cells: list[object] = []
        for _ in range(ncols):
            text = " ".join(rng.choice(WORDS) for _ in range(rng.randint(0, 4)))
            if rng.random() < 0.2:
                text += "\n" + rng.choice(WORDS)
            kind = rng.random()
            cells.append(text if kind < 0.1 else Text(text, style="green") if kind < 0.15 else Text(text))
        table.add_row(*cells)
    return table


@pytest.mark.parametrize("seed", range(40))
def test_random_tables_are_drawn_as_rich_draws_them(seed: int) -> None:
    rng = random.Random(seed)
    table = random_table(rng, rng.randint(1, 30))
    for width in (12, 30, 80, 120, 200):
        for terminal in (False, True):
            assert draw(LongTable(table, threshold=0), width, terminal) == draw(table, width, terminal)


@pytest.mark.parametrize("claim", CLAIMS, ids=lambda p: str(p.relative_to(POLICIES)))
def test_bundled_claims_fast_or_not(claim: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    policy = load_policy(policy_of_claim(claim, POLICIES))
    s = policy.settle(json.loads(claim.read_text(encoding="utf-8")), trace=True)
    for width in (80, 120):
        view = settlement_view(s, trace=True, width=width, policy=policy, lang="zh")
        monkeypatch.setattr(long_table, "THRESHOLD", 10**9)
        slow = draw(view, width, True)
        monkeypatch.setattr(long_table, "THRESHOLD", 0)
        assert draw(view, width, True) == slow


def test_a_long_bill_fast_or_not(monkeypatch: pytest.MonkeyPatch) -> None:
    policy = load_policy(POLICIES / "jiujiang" / "resident_inpatient.yb")
    data = long_claim(400)
    data["lines"][3]["name"] = "[/b] :pill: 名\t称"  # markup and a tab: shown as written, drawn by Rich
    s = policy.settle(data, trace=True)
    for width in (60, 80, 120, 200):
        view = settlement_view(s, trace=True, width=width, policy=policy)
        monkeypatch.setattr(long_table, "THRESHOLD", 10**9)
        slow = draw(view, width, False)
        monkeypatch.undo()
        assert draw(view, width, False) == slow
    assert "[/b] :pill:" in slow


def test_ten_thousand_lines() -> None:
    """The longest bill a claim may have draws (its first 500 lines, the rest counted)."""
    policy = load_policy(POLICIES / "jiujiang" / "resident_inpatient.yb")
    s = policy.settle(long_claim(10_000), trace=True)
    text = draw(settlement_view(s, trace=True, width=120, policy=policy), 120, False)
    assert "LONG-10000" in text and "X00499" in text and "X00500" not in text
    assert "… 9,500 more lines" in text
