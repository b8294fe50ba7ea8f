"""The person's ID is masked in every human-facing output, whole only with ``--show-id``; JSON keeps it."""

from __future__ import annotations

import io
import json

import pytest
from click.testing import CliRunner
from rich.console import Console
from yibao.compiler.masking import mask_id, person_id
from yibao.compiler.render import render_letter
from yibao.compiler.report import settlement_view
from yibao.tui.explanation import build_explanation

import yibao
from yibao.cli import main

from ..conftest import POLICIES

POLICY = POLICIES / "jiujiang" / "resident_inpatient.yb"
CLAIM = POLICIES / "jiujiang" / "claims" / "level2_local.json"
FULL = "360402199001011234"
MASKED = "3604**********1234"


def test_mask_rule() -> None:
    assert mask_id("371521195403120027") == "3715**********0027"
    assert mask_id("37152119540312X") == "3715*******312X"  # the old 15-digit number
    assert mask_id("AB12345678") == "********78"
    assert mask_id("p12") == "*12"
    assert mask_id("p1") == "**" and mask_id("") == "" and mask_id(None) == ""
    assert person_id(FULL) == MASKED and person_id(FULL, show_id=True) == FULL


@pytest.fixture(scope="module")
def settlement():
    policy = yibao.load_policy(POLICY)
    return policy, policy.settle(json.loads(CLAIM.read_text(encoding="utf-8")), trace=True)


def table(s, **kw) -> str:
    console = Console(width=160, file=io.StringIO(), record=True, color_system=None)
    console.print(settlement_view(s, **kw))
    return console.export_text()


@pytest.mark.parametrize("lang", ["zh", "en"])
def test_every_human_facing_output_masks_the_id(settlement, lang: str) -> None:
    policy, s = settlement
    masked = [render_letter(s, lang, fmt, policy=policy) for fmt in ("md", "html", "text")]
    masked += [table(s, lang=lang), build_explanation(s, policy).letter(lang, "text"),
               build_explanation(s, policy).letter(lang, "markdown")]
    for text in masked:
        assert FULL not in text
        assert MASKED in text.replace("\\*", "*")
    whole = [render_letter(s, lang, "md", policy=policy, show_id=True), table(s, lang=lang, show_id=True),
             build_explanation(s, policy, show_id=True).letter(lang, "text")]
    for text in whole:
        assert FULL in text
    assert MASKED not in s.to_json(trace=True)  # machine-facing: never masked


def test_cli_show_id() -> None:
    runner = CliRunner()
    for args in (["settle", str(POLICY), str(CLAIM)], ["explain", str(POLICY), str(CLAIM), "--text"],
                 ["explain", str(POLICY), str(CLAIM), "--format", "md"]):
        masked = runner.invoke(main, args)
        assert masked.exit_code == 0, masked.output
        assert FULL not in masked.output and MASKED in masked.output.replace("\\*", "*")
        whole = runner.invoke(main, [*args, "--show-id"])
        assert whole.exit_code == 0, whole.output
        assert FULL in whole.output
    machine = runner.invoke(main, ["settle", str(POLICY), str(CLAIM), "--json", "--trace"])
    assert machine.exit_code == 0 and "*" * 10 not in machine.output
