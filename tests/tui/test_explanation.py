"""The explanation model: figures as the settlement holds them, navigation, search and the letters."""

from __future__ import annotations

import pytest
from rich.cells import cell_len
from yibao.compiler.json_input import load_claim_json
from yibao.compiler.money import money_display
from yibao.compiler.render import LETTER_WIDTH
from yibao.compiler.text_width import clip_middle, wrap
from yibao.tui.explanation import build_explanation, claim_files, load_explanation

import yibao

from ..conftest import POLICIES
from .conftest import JIUJIANG_CLAIM


def test_letter_en(jj, snapshot_txt) -> None:
    assert jj.letter("en") == snapshot_txt


def test_letter_zh(jj, snapshot_txt) -> None:
    assert jj.letter("zh") == snapshot_txt


def test_letter_markdown_zh(jj, snapshot_txt) -> None:
    assert jj.letter("zh", "markdown") == snapshot_txt


def test_letter_rejects_unknown_language_and_format(jj) -> None:
    with pytest.raises(ValueError):
        jj.letter("fr")
    with pytest.raises(ValueError):
        jj.letter("en", "pdf")


def test_figures_are_the_settlement_s(lc) -> None:
    s = lc.settlement
    values = {f.key: f.value for f in lc.totals}
    assert values["total"] == money_display(s.total_fen)
    assert values["person"] == money_display(s.person_fen)
    assert values["in_scope"] == money_display(s.in_scope_fen)
    for layer, fen in zip(s.meta.layers, s.payer_fen, strict=True):
        assert values[f"payer:{layer.name}"] == money_display(fen)
    assert values["share"] == f"{s.reimbursed_share * 100:.2f}%"
    assert [f.ok for f in lc.totals if f.key.startswith("check:")] == list(s.check_results)
    for row, share in zip(lc.lines, s.lines, strict=True):
        assert row.amount == money_display(share.amount)
        assert row.out_of_scope == money_display(share.out_of_scope)
        assert row.first_self_pay == money_display(share.first_self_pay)
        assert row.payers == tuple(money_display(p) for p in share.payers)
        assert row.person == money_display(share.person)


def test_steps_are_the_trace_in_order(lc) -> None:
    trace = lc.settlement.trace
    assert [sv.step for sv in lc.steps] == trace
    kinds = [sv.step.kind for sv in lc.steps]
    assert kinds.index("classify") < kinds.index("layer") < kinds.index("band") < kinds.index("person")
    band = next(sv for sv in lc.steps if sv.step.rule == "critical.band2")
    assert band.title("en") == "critical-illness insurance · band 2"
    assert band.title("zh") == "大病保险 · 第 2 段"
    deductible = next(sv for sv in lc.steps if sv.step.rule == "basic.deductible")
    assert deductible.title("zh") == "基本医疗保险统筹基金 · 起付线"
    assert deductible.inputs[0].effective_from == "2019-12-06"
    assert "given by row" in deductible.inputs[0].describe("en")
    assert "表格行" in deductible.inputs[0].describe("zh")


def test_first_step_of_each_line(lc) -> None:
    for row in lc.lines:
        first = lc.first_step_of_line(row.index)
        assert first is not None
        assert lc.steps[first].claim_line == row.index
        assert all(sv.claim_line != row.index for sv in lc.steps[:first])
    assert lc.first_step_of_line(99) is None


def test_search_wraps_round_and_reads_both_languages(lc) -> None:
    band2 = lc.search("band 2")
    assert lc.steps[band2].step.rule == "critical.band2"
    assert lc.search("band", band2 + 1) == band2 + 1  # band 3
    assert lc.search("band 2", band2 + 1) == band2  # wrapped round
    assert lc.steps[lc.search("第3段")].step.rule == "critical.band3"
    assert lc.search("no such words") is None
    assert lc.search("   ") is None


def test_source_text_of_a_step(lc) -> None:
    sv = lc.steps[lc.search("band 2")]
    lines = lc.source_text(sv).split("\n")
    assert "threshold to 100000.00" in lines[sv.step.line - 1]


def test_reform_steps_read_the_base_file() -> None:
    policy = yibao.load_policy(POLICIES / "reform2023" / "resident_inpatient.yb")
    claim = POLICIES / "reform2023" / "claims" / "resident_inpatient" / "referred_up_pays_the_difference.json"
    e = load_explanation(policy, claim)
    files = {sv.step.file for sv in e.steps}
    assert "policies/jiujiang/resident_inpatient.yb" in files
    for sv in e.steps:
        assert sv.step.line <= len(e.source_text(sv).split("\n"))


def test_record_policy_has_no_bill_lines() -> None:
    policy = yibao.load_policy(POLICIES / "reform2023" / "alliance_surplus.yb")
    e = load_explanation(policy, POLICIES / "reform2023" / "claims" / "alliance_surplus"
                         / "surplus_12_percent.json")
    assert e.lines == ()
    text = e.letter("en")
    assert "Record" in text and "line by line" not in text
    assert "carried into next year's package" in text


@pytest.mark.parametrize("stem", ["jiujiang/resident_inpatient", "liaocheng/poverty_inpatient",
                                  "referral_pilot/out_of_area", "jiujiang/resident_outpatient"])
def test_every_bundled_claim_explains(stem: str) -> None:
    policy = yibao.load_policy(POLICIES / f"{stem}.yb")
    folder = POLICIES / stem.split("/")[0] / "claims"
    sub = folder / stem.split("/")[1]
    for path in claim_files(sub if sub.is_dir() else folder):
        s = policy.settle(load_claim_json(path), trace=True)
        e = build_explanation(s, policy)
        for lang in ("zh", "en"):
            letter = e.letter(lang)
            assert all(money_display(fen) in letter for fen in s.payer_fen)
            assert money_display(s.person_fen) in letter
            assert max(cell_len(line) for line in letter.splitlines()) <= LETTER_WIDTH


def test_claim_files_prefers_the_folder_s_own(tmp_path) -> None:
    own = claim_files(POLICIES / "jiujiang" / "claims")
    assert JIUJIANG_CLAIM in own
    assert all(p.parent == POLICIES / "jiujiang" / "claims" for p in own)
    nested = claim_files(POLICIES / "liaocheng" / "claims")
    assert len(nested) == 10 and all(p.parent.parent == POLICIES / "liaocheng" / "claims" for p in nested)
    assert claim_files(tmp_path) == []


def test_wrap_keeps_punctuation_and_width() -> None:
    text = "聊城市卫生健康委《解决贫困人口基本医疗有保障突出问题实施方案》(2019) 二(五)12; assumption: cut"
    lines = wrap(text, 30)
    assert all(cell_len(line) <= 30 for line in lines)
    assert "".join(lines).replace(" ", "") == text.replace(" ", "")
    assert not any(line[0] in ")》;," for line in lines)
    assert wrap("", 10) == [""]


def test_clip_middle_keeps_the_end_of_a_title() -> None:
    assert clip_middle("critical-illness insurance · band 2", 24) == "critical-illne… · band 2"
    assert cell_len(clip_middle("critical-illness insurance · band 2", 24)) <= 24
    assert clip_middle("统筹基金支付 · 年度最高支付限额", 24) == "统筹… · 年度最高支付限额"
    assert clip_middle("short", 20) == "short"
    assert clip_middle("no separator in this long title", 10) == "no separa…"


def test_the_person_s_label_is_the_construct_s_own(lc) -> None:
    """The summary's person figure, the letter's bill table and the trace's site all say what
    ``compiler/phrases.py`` calls the person's share; the bar's short English is its short label."""
    from yibao.compiler import phrases

    person = next(f for f in lc.summary if f.key == "person")
    assert (person.label("zh"), person.label("en")) == phrases.labels("person", heading=True)
    short = phrases.label("person", "en", role="label_short", heading=True)
    assert person.label("en", short=True) == "Person pays" == short
    total = next(f for f in lc.summary if f.key == "total")
    assert (total.label("en"), total.label("en", short=True), total.label("zh", short=True)) == \
        ("Total cost", "Total", "总费用")
    site = next(s for s in lc.settlement.trace if s.kind == "person")
    assert (site.zh, site.en) == phrases.labels("person")
