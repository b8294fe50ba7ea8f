"""The explainer's two views: the clerk's sentences (the default) and the author's formulas and source.

Snapshots at 80×24 and 120×40, in Chinese and English, in both views; a tmux session shows that
a person at a real terminal sees the clerk's sentence.
"""

from __future__ import annotations

import shutil
import subprocess
import sys
import time
import uuid
from pathlib import Path

import pytest
from yibao.tui.app import AUTHOR, CLERK, ExplainApp, ExplainScreen
from yibao.tui.explanation import Explanation, load_explanation
from yibao.tui.widgets import SourceView

from ..conftest import POLICIES, ROOT
from .conftest import JIUJIANG, JIUJIANG_CLAIM
from .test_app import detail_text

DEDUCTIBLE_STEP = 8  # basic fund · deductible: eight presses of n from the first step
NOT_REFERRED = POLICIES / "jiujiang" / "claims" / "level3_out_of_city_not_referred.json"


def _sentences(e: Explanation, lang: str) -> str:
    return "\n".join(e.sentence(sv, lang) for sv in e.steps)


def test_clerk_sentences_say_what_applied_without_policy_syntax(jj: Explanation) -> None:
    text = _sentences(jj, "zh")
    assert "起付线400.00元：市内、二级医院；依据九江市医疗保障局" in text
    for syntax in ("`", "local, 2, _", " = true", "parameter", "basic."):
        assert syntax not in text
    assert "按80%支付" in text or "80%" in text


def test_referral_is_named_only_where_it_decided_a_figure(jiujiang, jj: Explanation) -> None:
    assert "转诊" not in _sentences(jj, "zh") and "转诊" not in jj.letter("zh", "text")
    away = load_explanation(jiujiang, NOT_REFERRED)
    assert "未按规定转诊" in _sentences(away, "zh")
    assert "未按规定转诊" in away.letter("zh", "text")


async def test_v_switches_to_the_author_s_view_and_back(jj: Explanation) -> None:
    app = ExplainApp(jj)
    async with app.run_test(size=(100, 30)) as pilot:
        screen = app.screen
        assert isinstance(screen, ExplainScreen) and screen.view == CLERK
        assert not screen.query_one(SourceView).display
        assert jj.sentence(jj.steps[0], "en") in detail_text(app)
        assert jj.steps[0].step.formula not in detail_text(app)
        await pilot.press("v")
        assert screen.view == AUTHOR and screen.query_one(SourceView).display
        assert jj.steps[0].step.formula in detail_text(app)
        await pilot.press("v")
        assert screen.view == CLERK and app.view == CLERK


@pytest.mark.parametrize("view", [CLERK, AUTHOR])
@pytest.mark.parametrize("lang", ["zh", "en"])
@pytest.mark.parametrize("size", [(80, 24), (120, 40)], ids=["80x24", "120x40"])
def test_snapshot(jj: Explanation, snap_compare, view: str, lang: str, size: tuple[int, int]) -> None:
    assert snap_compare(ExplainApp(jj, lang=lang, view=view), press=["n"] * DEDUCTIBLE_STEP,
                        terminal_size=size)


@pytest.mark.skipif(shutil.which("tmux") is None, reason="tmux is not installed")
def test_a_terminal_shows_the_clerk_sentence() -> None:
    """``yibao explain`` in a real terminal (tmux, 80×24): the first step's sentence, in Chinese."""
    session = f"yibao-{uuid.uuid4().hex[:8]}"
    yibao = Path(sys.executable).with_name("yibao")
    command = f"YIBAO_LANG=zh {yibao} explain {JIUJIANG} {JIUJIANG_CLAIM}"
    subprocess.run(["tmux", "new-session", "-d", "-s", session, "-x", "80", "-y", "24", "-c", str(ROOT),
                    command], check=True)
    try:
        screen = ""
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            screen = subprocess.run(["tmux", "capture-pane", "-p", "-t", session], capture_output=True,
                                    text=True).stdout
            if "退出" in screen and "起付线400.00元" in screen:
                break
            time.sleep(0.5)
        assert "起付线400.00元：市内、二级医院" in screen, screen
        assert "q 退出" in screen  # the whole footer, in Chinese, fits 80 columns
        subprocess.run(["tmux", "send-keys", "-t", session, "q"], check=True)
    finally:
        subprocess.run(["tmux", "kill-session", "-t", session], capture_output=True)
