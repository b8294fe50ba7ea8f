"""Rendered documents: policies, reforms' changes and letters, as Markdown and HTML.

Snapshots hold one file per bundled policy and language; the figures in them come
from the compiled policy, a policy string cannot inject markup, the HTML parses
strictly and renders in Chromium, and one changed value changes only what shows it.
"""

from __future__ import annotations

import difflib
import itertools
import json
import re
import shutil
from decimal import Decimal
from functools import cache
from pathlib import Path

import html5lib
import pytest
from click.testing import CliRunner
from rich.cells import cell_len
from syrupy.extensions.single_file import SingleFileSnapshotExtension, WriteMode
from yibao.compiler.masking import person_id
from yibao.compiler.money import money_display
from yibao.compiler.render import (
    LETTER_WIDTH,
    load_claims,
    md_escape,
    render_changes,
    render_letter,
    render_policy,
)
from yibao.compiler.render_policy import sample_claims
from yibao.compiler.render_text import money_plain, zh_numeral

import yibao
from yibao.cli import main

from ..conftest import POLICIES, ROOT

BUNDLED = sorted(p.relative_to(ROOT / POLICIES).as_posix() for p in (ROOT / POLICIES).rglob("*.yb"))
REFORMS = ["reform2023/resident_inpatient.yb", "reform2023/resident_outpatient.yb"]
LANGS = ("zh", "en")


class MarkdownSnapshot(SingleFileSnapshotExtension):
    _write_mode = WriteMode.TEXT
    _file_extension = file_extension = "md"  # syrupy 4 reads the first name, later ones the second


class HtmlSnapshot(SingleFileSnapshotExtension):
    _write_mode = WriteMode.TEXT
    _file_extension = file_extension = "html"


@pytest.fixture
def snapshot_md(snapshot):
    return snapshot.use_extension(MarkdownSnapshot)


@pytest.fixture
def snapshot_html(snapshot):
    return snapshot.use_extension(HtmlSnapshot)


@cache
def compiled(name: str) -> yibao.Policy:
    return yibao.load_policy(POLICIES / name)


def ident(name: str) -> str:
    return name.removesuffix(".yb").replace("/", "-")


def parse_html(text: str) -> None:
    """html5lib's strict parser raises on any parse error."""
    html5lib.HTMLParser(strict=True).parse(text)


# ---------------------------------------------------------------- snapshots


@pytest.mark.parametrize("lang", LANGS)
@pytest.mark.parametrize("name", BUNDLED, ids=ident)
def test_policy_markdown(name: str, lang: str, snapshot_md) -> None:
    assert render_policy(compiled(name), lang, "md") == snapshot_md


@pytest.mark.parametrize("lang", LANGS)
@pytest.mark.parametrize("name", BUNDLED, ids=ident)
def test_policy_html(name: str, lang: str, snapshot_html) -> None:
    page = render_policy(compiled(name), lang, "html")
    parse_html(page)
    assert page == snapshot_html


@pytest.mark.parametrize("lang", LANGS)
@pytest.mark.parametrize("name", REFORMS, ids=ident)
def test_reform_changes(name: str, lang: str, snapshot_md, snapshot_html) -> None:
    policy = compiled(name)
    page = render_changes(policy, lang, "html")
    parse_html(page)
    assert render_changes(policy, lang, "md") == snapshot_md
    assert page == snapshot_html


LETTERS = [
    ("jiujiang/resident_inpatient.yb", "jiujiang/claims/category_b_and_cap.json"),
    ("liaocheng/poverty_inpatient.yb", "liaocheng/claims/poverty_inpatient/re_assistance_cap.json"),
    ("reform2023/alliance_surplus.yb", "reform2023/claims/alliance_surplus/surplus_12_percent.json"),
]


@pytest.mark.parametrize("lang", LANGS)
@pytest.mark.parametrize(("name", "claim"), LETTERS, ids=lambda x: Path(x).stem)
def test_letter(name: str, claim: str, lang: str, snapshot_md, snapshot_html) -> None:
    policy = compiled(name)
    s = policy.settle(json.loads((POLICIES / claim).read_text(encoding="utf-8")), trace=True)
    page = render_letter(s, lang, "html", policy=policy)
    parse_html(page)
    assert render_letter(s, lang, "md", policy=policy) == snapshot_md
    assert page == snapshot_html


@pytest.mark.parametrize("lang", LANGS)
@pytest.mark.parametrize(("name", "claim"), LETTERS, ids=lambda x: Path(x).stem)
def test_text_letter(name: str, claim: str, lang: str) -> None:
    """The plain-text letter: the md letter's model, no markup, lines within the width in cells."""
    policy = compiled(name)
    data = json.loads((POLICIES / claim).read_text(encoding="utf-8"))
    s = policy.settle(data, trace=True)
    text = render_letter(s, lang, "text", policy=policy)
    for fen in (*s.payer_fen, s.person_fen, s.total_fen):
        assert money_display(fen) in text
    masked = person_id(data.get("person", {}).get("id"))
    for markup in ("|---", "| ---", "**", "\\*", "\\[", "<a id=", "&amp;", "## "):
        assert markup not in text.replace(masked, ""), markup  # the mask's own stars aside
    assert max(cell_len(line) for line in text.splitlines()) <= LETTER_WIDTH
    assert not any(line != line.rstrip() for line in text.splitlines())
    if s.meta.input != "record":
        person = str(data["person"]["id"])
        assert person_id(person) in text and person not in text
        assert person in render_letter(s, lang, "text", policy=policy, show_id=True)
        narrow = render_letter(s, lang, "text", policy=policy, width=60)
        assert max(cell_len(line) for line in narrow.splitlines()) <= 60


@pytest.mark.parametrize("lang", LANGS)
def test_policy_strings_show_as_written_in_text(hostile: yibao.Policy, lang: str) -> None:
    text = render_letter(hostile.settle(CLAIM, trace=True), lang, "text", policy=hostile)
    assert "<script>x</script>" in text and "&lt;" not in text and "\\*" not in text
    with pytest.raises(ValueError, match="expected md, html or text"):
        render_letter(hostile.settle(CLAIM, trace=True), lang, "pdf", policy=hostile)
    with pytest.raises(ValueError, match="expected md or html"):
        render_policy(hostile, lang, "text", claims=[])


# ---------------------------------------------------------------- what the documents say


@pytest.mark.parametrize("name", BUNDLED, ids=ident)
def test_figures_come_from_the_compiled_policy(name: str) -> None:
    """Every payer's amount and the person's share of every sample claim are in the document."""
    policy = compiled(name)
    claims = load_claims(sample_claims(policy.ast.path))
    assert claims, f"{name} has no sample claims"
    docs = {lang: render_policy(policy, lang, "md") for lang in LANGS}
    for stem, data in claims:
        s = policy.settle(data)
        anchor = f'<a id="example-{stem.replace("_", "-")}"></a>'
        for text in docs.values():
            section = text.split(anchor, 1)[1].split('<a id="example-', 1)[0]
            for fen in (*s.payer_fen, s.person_fen, s.total_fen):
                assert f"| {md_escape(money_plain(fen))} |" in section, (stem, fen)


def test_chinese_and_english_conventions() -> None:
    policy = compiled("reform2023/resident_outpatient.yb")
    zh = render_policy(policy, "zh", "md")
    en = render_policy(policy, "en", "md")
    # the limit's history: the new figure first, then the old one with its dates
    assert "自2023年1月1日起为400.00元；2020年1月1日至2022年12月31日为300.00元" in zh
    assert "400.00 yuan from 1 January 2023; 300.00 yuan from 1 January 2020 to 31 December 2022" in en
    assert "## 一、适用范围" in zh and "## 1\\. Scope" in en
    assert "城乡居民基本医疗保险" in zh and "resident basic medical insurance" in en
    assert "元" not in en.split('<a id="examples">')[0].replace("九醫保字", "")  # labels, not Chinese units
    assert zh_numeral(12) == "十二" and zh_numeral(20) == "二十" and zh_numeral(3) == "三"


def test_table_cells_by_label_and_wildcards_resolved() -> None:
    zh = render_policy(compiled("jiujiang/resident_inpatient.yb"), "zh", "md")
    # `_, _, none -> 800.00` below the rows for the city: a wildcard stands for what is left
    assert "| 市外省内或省外 | 不限 | 未按规定转诊 | 800.00元 |" in zh
    assert "| 市内 | 一级医院或基层医疗机构 | 不限 | 100.00元 |" in zh


def test_exceptions_and_conditions_read_as_text() -> None:
    zh = render_policy(compiled("liaocheng/poverty_inpatient.yb"), "zh", "md")
    assert "**例外情形（贫困人口）**：人员类别为贫困人口(脱贫享受政策人口)或特困供养人员时，为5,000.00元。" \
        in zh
    assert "每次结算应满足：不属于贫困人口或前序支付后个人负担的政策范围内费用 &lt; 政策范围内费用 × 10%。" \
        in zh


def test_reform_document_names_its_base() -> None:
    policy = compiled("reform2023/resident_inpatient.yb")
    zh = render_policy(policy, "zh", "md")
    assert "**修改的政策**：九江市城乡居民基本医疗保险住院待遇" in zh
    changes = render_changes(policy, "en", "md")
    assert "| basic fund: rate | changed | reimbursement rate | reimbursement rate − cut for stays" in changes
    with pytest.raises(ValueError, match="not a reform"):
        render_changes(compiled("jiujiang/resident_inpatient.yb"), "en", "md")


def test_letter_without_the_policy_still_explains() -> None:
    policy = compiled("jiujiang/resident_inpatient.yb")
    data = json.loads((POLICIES / "jiujiang/claims/level2_local.json").read_text(encoding="utf-8"))
    s = policy.settle(data, trace=True)
    text = render_letter(s, "zh", "md")
    assert "起付线以上的8,600.00元按80%支付，计6,880.00元" in text
    assert "您个人负担2,620.00元" in text
    untraced = render_letter(policy.settle(data), "en", "md")
    assert "made without a trace" in untraced


def test_unknown_language_or_format() -> None:
    policy = compiled("jiujiang/resident_inpatient.yb")
    with pytest.raises(ValueError, match="language"):
        render_policy(policy, "fr", "md")
    with pytest.raises(ValueError, match="format"):
        render_policy(policy, "zh", "pdf")


# ---------------------------------------------------------------- escaping

HOSTILE = """\
policy evil.doc "<script>alert('zh')</script> *粗体* [链接](http://x)" / \
"<script>alert(1)</script> **bold** _x_ | a `b` [c](http://x) # h & &amp;"
  document "<img src=x onerror=alert(1)> | *doc*"
  effective 2020-01-01

source doc "<b>文件</b> \\\\ `x`" / "<i>file</i> ~~gone~~ {#id}"

classify "费用分类 <em>" / "classify </td></tr></table>"
  cite doc "<section>"
  assume "1. not a list | </p><script>alert(2)</script> [x](javascript:alert(3))"
  category A -> in scope
  category B -> first self pay 10%
  category C -> out of scope

parameter cap "<b>上限</b>" / "- cap *star* </li>": money
  assume "> quote\\n## heading\\n| a | b |"
  value 1000.00

layer basic "统筹 <script>" / "basic <script>"
  cite doc
  rate 50%
  cap cap per year
"""

CLAIM = {
    "id": "<script>x</script>", "date": "2024-01-02",
    "person": {"id": "p<1>*", "scheme": "resident"},
    "visit": {"kind": "inpatient", "level": 2, "region": "local"},
    "lines": [{"code": "|c|", "name": "<b>药</b> *x* [y](z)", "category": "A", "amount": "100.00"}],
}


@pytest.fixture(scope="module")
def hostile() -> yibao.Policy:
    return yibao.compile_policy(HOSTILE, "evil.yb")


@pytest.mark.parametrize("lang", LANGS)
def test_policy_strings_are_escaped_in_html(hostile: yibao.Policy, lang: str) -> None:
    pages = [render_policy(hostile, lang, "html", claims=[("evil", CLAIM)]),
             render_letter(hostile.settle(CLAIM, trace=True), lang, "html", policy=hostile)]
    for page in pages:
        parse_html(page)
        assert "<script" not in page and "<img" not in page and "<b>" not in page and "<i>" not in page
        assert "</td></tr></table>" not in page
        assert "&lt;script&gt;" in page


@pytest.mark.parametrize("lang", LANGS)
def test_policy_strings_are_escaped_in_markdown(hostile: yibao.Policy, lang: str) -> None:
    markdown = pytest.importorskip("markdown")
    texts = [render_policy(hostile, lang, "md", claims=[("evil", CLAIM)]),
             render_letter(hostile.settle(CLAIM, trace=True), lang, "md", policy=hostile)]
    for text in texts:
        assert "<script" not in text and "<img" not in text and "<b>" not in text
        assert "&lt;script&gt;" in text
        html = markdown.markdown(text, extensions=["tables"])
        # No markup from the policy: no script, emphasis, links, headings or quotes it wrote.
        assert "<script" not in html and "<img" not in html and "<strong>bold" not in html
        for emphasis in ("<em>粗体", "<strong>bold", "<em>x</em>", "<em>star", "<em>doc", "<code>"):
            assert emphasis not in html
        assert 'href="http://x"' not in html and "javascript:" not in html.split("href=")[0] + "".join(
            part.split('"', 2)[1] for part in html.split("href=")[1:])
        assert "<blockquote>\n<p>quote" not in html and "<h2>heading" not in html
        # tables keep their shape: a `|` in a label does not add a column
        for table in re.findall(r"<table>.*?</table>", html, flags=re.S):
            widths = {row.count("<td") + row.count("<th") for row in re.findall(r"<tr>.*?</tr>", table, re.S)}
            assert len(widths) == 1, table


def test_md_escape() -> None:
    assert md_escape("a*b_c`d[e](f)|g#h\\i") == "a\\*b\\_c\\`d\\[e\\](f)\\|g\\#h\\\\i"
    assert md_escape("<script> & </script>") == "&lt;script&gt; &amp; &lt;/script&gt;"
    assert md_escape("1. item") == "1\\. item"
    assert md_escape("- item") == "\\- item"
    assert md_escape("400.00") == "400.00"
    assert md_escape("line\nbreak") == "line break"
    assert md_escape("~~gone~~") == "\\~\\~gone\\~\\~"
    for brk in ("\r", "\r\n", "\v", "\f", "\x85", "\u2028", "\u2029", "\x1c", "\x1d", "\x1e"):
        assert md_escape(f"a{brk}| b |") == "a \\| b \\|", repr(brk)
    assert md_escape("    code") == " code"  # four blanks would start a code block
    assert md_escape("a\x00b\x1bc") == "abc"


# Line breaks of every kind and Markdown that a bill line or a label might carry.
BREAKS = ("\r", "\n", "\r\n", "\x85", "\u2028", "\u2029", "\v", "\f")
HOSTILE_NAME = "{brk}| 9 | 9 | 9 | 9 | 9 | 9 | 9 | 9 |{brk}# 标题{brk}- 列表{brk}1. 第一{brk}~~删除~~ [链接](http://x)"


def hostile_letter_policy(brk: str) -> yibao.Policy:
    """A policy whose payer's label carries a raw line break (the DSL lets any but \\n stand)."""
    label = f"统筹{brk}| x | y |{brk}## 标题 ~~删~~".replace("\n", "\\n")
    text = f"""\
policy evil.breaks "换行" / "breaks"
  effective 2020-01-01

classify "分类" / "classify"
  assume "a{brk.replace(chr(10), "")}| w |"
  category A -> in scope
  category B -> first self pay 10%
  category C -> out of scope

layer basic "{label}" / "basic{brk.replace(chr(10), "")}| z |"
  assume "b"
  rate 50%
"""
    return yibao.compile_policy(text, "breaks.yb")


@pytest.mark.parametrize("brk", BREAKS, ids=lambda b: "crlf" if b == "\r\n" else f"U+{ord(b):04X}")
@pytest.mark.parametrize("lang", LANGS)
def test_line_breaks_in_names_and_labels_cannot_start_a_row(brk: str, lang: str) -> None:
    markdown = pytest.importorskip("markdown")
    policy = hostile_letter_policy(brk)
    name = HOSTILE_NAME.format(brk=brk)
    claim = {"id": f"C{brk}# id", "date": "2024-01-02",
             "person": {"id": "360402199001011234", "scheme": "resident"},
             "visit": {"kind": "inpatient", "level": 2, "region": "local"},
             "lines": [{"code": f"X{brk}|1|", "name": name, "category": "A", "amount": "100.00"},
                       {"code": "Y", "name": f"~~{brk}~~", "category": "C", "amount": "10.00"}]}
    plain = render_letter(policy.settle(claim, trace=True), lang, "text", policy=policy)
    assert not any(line.startswith(("# ", "#标题", "- 列表", "1. 第一", "| 9")) for line in plain.split("\n"))
    assert max(cell_len(line) for line in plain.split("\n")) <= LETTER_WIDTH
    text = render_letter(policy.settle(claim, trace=True), lang, "md", policy=policy)
    for ch in ("\r", "\x85", "\u2028", "\u2029", "\v", "\f"):
        assert ch not in text and ch not in plain, repr(ch)
    lines = text.split("\n")
    # the bill table: header, rule, two lines and the total, each on one line
    head = next(i for i, ln in enumerate(lines) if ln.startswith("| 编码") or ln.startswith("| Code"))
    table = list(itertools.takewhile(lambda ln: ln.startswith("|"), lines[head:]))
    assert len(table) == 5, table
    assert len({ln.count(" | ") for ln in table}) == 1, table
    assert "\\~\\~删除\\~\\~" in text and "\\[链接\\](http://x)" in text and "\\| 9 \\|" in text
    # no value starts a line of its own: every line is the templates' own
    for ln in lines:
        assert not re.match(r"\s*(\\?#|\\?- 列表|1\\?\. 第一|~~)", ln) or ln.startswith("#"), ln
    assert not any(ln.lstrip().startswith(("# 标题", "## 标题", "- 列表", "1. 第一")) for ln in lines)
    html = markdown.markdown(text, extensions=["tables"])
    assert "<del>" not in html and "<s>" not in html and 'href="http://x"' not in html
    assert "<h1>标题" not in html and "<h2>标题" not in html and "<li>列表" not in html
    for t in re.findall(r"<table>.*?</table>", html, flags=re.S):
        widths = {row.count("<td") + row.count("<th") for row in re.findall(r"<tr>.*?</tr>", t, re.S)}
        assert len(widths) == 1, t


# ---------------------------------------------------------------- one value, one place


def _sections(text: str) -> dict[str, str]:
    """The text between one section's anchor (Markdown) or opening tag (HTML) and the next, by id."""
    parts = re.split(r'(?:<a id="([^"]+)"></a>|<section id="([^"]+)">)', text)
    out = {"": parts[0]}
    for i in range(1, len(parts), 3):
        out[parts[i] or parts[i + 1]] = parts[i + 2]
    return out


@pytest.mark.parametrize(("lang", "fmt"), [("zh", "md"), ("en", "md"), ("zh", "html"), ("en", "html")])
def test_one_changed_value_changes_only_what_shows_it(tmp_path: Path, lang: str, fmt: str) -> None:
    """Raise the local level-2 deductible from 400.00 to 450.00 in a copy of the policy."""
    original = POLICIES / "jiujiang" / "resident_inpatient.yb"
    text = original.read_text(encoding="utf-8")
    row = "    local, 2,           _                                 -> 400.00\n"
    assert text.count(row) == 1
    copy = tmp_path / "resident_inpatient.yb"
    copy.write_text(text.replace(row, row.replace("400.00", "450.00")), encoding="utf-8")
    claims = load_claims(sample_claims(original))
    before = render_policy(yibao.load_policy(original), lang, fmt, claims=claims)
    after = render_policy(yibao.load_policy(copy), lang, fmt, claims=claims)
    if fmt == "html":
        parse_html(after)
    old, new = _sections(before), _sections(after)
    assert old.keys() == new.keys()
    # the deductible's table, and the one example settled at a local level-2 hospital
    assert {k for k in old if old[k] != new[k]} == {"param-deductible", "example-level2-local"}
    table = [(a, b) for a, b in zip(old["param-deductible"].splitlines(),
                                    new["param-deductible"].splitlines(), strict=True) if a != b]
    assert len(table) == 1 and table[0][1] == table[0][0].replace("400", "450")
    s = yibao.load_policy(copy).settle(dict(claims)["level2_local"])
    assert s.payers["basic"] == Decimal("6840.00")  # (9,000 − 450) × 80%
    diff = difflib.unified_diff(old["example-level2-local"].splitlines(),
                                new["example-level2-local"].splitlines(), n=0)
    added = [x for x in diff if x.startswith("+") and not x.startswith("+++")]
    assert any("450" in x for x in added) and any("6,840.00" in x for x in added)
    # every changed line shows the new deductible or a figure that follows from it
    assert all(re.search(r"450|6,840\.00|2,660\.00|8,550\.00|72\\?\.00%|4,104\.00|1,824\.00|912\.00"
                         r"|282|565|1,272|1,296|576|288|2,736", x) for x in added), added


# ---------------------------------------------------------------- HTML in a browser


def test_html_renders_in_headless_chromium(tmp_path: Path) -> None:
    import importlib.util

    spec = importlib.util.spec_from_file_location("screenshot", ROOT / "scripts" / "screenshot.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    if module.find_browser() is None:
        pytest.skip("no Chromium installed (apt-get install -y chromium)")
    html = tmp_path / "policy.html"
    html.write_text(render_policy(compiled("liaocheng/poverty_inpatient.yb"), "zh", "html"), encoding="utf-8")
    png = module.screenshot(html, tmp_path / "policy.png", 1000, 1400)
    data = png.read_bytes()
    assert data.startswith(b"\x89PNG") and len(data) > 20_000  # a page with text, not a blank image


# ---------------------------------------------------------------- the command line


def run(*args: str):
    return CliRunner().invoke(main, list(args))


def test_cli_render_to_a_file(tmp_path: Path) -> None:
    out = tmp_path / "doc.html"
    result = run("render", str(POLICIES / "jiujiang/resident_inpatient.yb"), "--lang", "zh",
                 "--format", "html", "-o", str(out))
    assert result.exit_code == 0, result.output
    page = out.read_text(encoding="utf-8")
    parse_html(page)
    assert page == render_policy(compiled("jiujiang/resident_inpatient.yb"), "zh", "html")


def test_cli_render_markdown_changes_and_claims(tmp_path: Path) -> None:
    result = run("render", str(POLICIES / "reform2023/resident_outpatient.yb"), "--changes")
    assert result.exit_code == 0
    assert result.output == render_changes(compiled("reform2023/resident_outpatient.yb"), "en", "md")
    refused = run("render", str(POLICIES / "jiujiang/resident_inpatient.yb"), "--changes")
    assert refused.exit_code == 1 and "not a reform" in refused.output
    folder = tmp_path / "claims"
    folder.mkdir()
    shutil.copy(POLICIES / "jiujiang/claims/level2_local.json", folder)
    one = run("render", str(POLICIES / "jiujiang/resident_inpatient.yb"), "--claims", str(folder))
    assert one.exit_code == 0 and one.output.count('<a id="example-') == 1


def test_cli_render_reports_policy_errors(tmp_path: Path) -> None:
    broken = tmp_path / "broken.yb"
    broken.write_text("policy x.y \"甲\" / \"a\"\n  effective 2020-01-01\n", encoding="utf-8")
    result = run("render", str(broken))
    assert result.exit_code == 1 and "Traceback" not in result.output


def test_cli_explain_letter(tmp_path: Path) -> None:
    policy = str(POLICIES / "jiujiang/resident_inpatient.yb")
    claim = str(POLICIES / "jiujiang/claims/level2_local.json")
    result = run("explain", policy, claim, "--format", "md", "--lang", "zh")
    assert result.exit_code == 0, result.output
    assert "您个人负担2,620.00元" in result.output
    out = tmp_path / "letter.html"
    result = run("explain", policy, claim, "--format", "html", "--lang", "en", "-o", str(out))
    assert result.exit_code == 0, result.output
    parse_html(out.read_text(encoding="utf-8"))
    text = run("explain", policy, claim, "--format", "text", "--lang", "zh")
    assert text.exit_code == 0, text.output
    assert text.output == render_letter(compiled("jiujiang/resident_inpatient.yb").settle(
        json.loads(Path(claim).read_text(encoding="utf-8")), trace=True), "zh", "text",
        policy=compiled("jiujiang/resident_inpatient.yb"))
    # one letter: --text prints the same letter, then the steps
    as_text = run("explain", policy, claim, "--text", "--lang", "zh").output
    assert as_text.startswith(text.output + "\n计算步骤\n")
    folder = run("explain", policy, str(POLICIES / "jiujiang/claims"), "--format", "md")
    assert folder.exit_code == 2


# ---------------------------------------------------------------- the documentation site


def test_every_bundled_policy_has_a_page_in_the_docs_site() -> None:
    config = (ROOT / "mkdocs.yml").read_text(encoding="utf-8")
    assert "font: false" in config  # no Google Fonts: the site builds and reads offline
    for name in BUNDLED:
        for lang in LANGS:
            page = f"policies/{name.removesuffix('.yb')}.{lang}.md"
            assert page in config, page
            assert (ROOT / "docs" / page).is_file(), page


def test_docs_site_builds_without_loading_anything_from_the_network(tmp_path: Path) -> None:
    pytest.importorskip("material", reason="mkdocs-material is in the `docs` extra: pip install -e '.[docs]'")
    import subprocess
    import sys

    site = tmp_path / "site"
    config = str(ROOT / "mkdocs.yml")
    command = [sys.executable, "-m", "mkdocs", "build", "--quiet", "-f", config, "-d", str(site)]
    result = subprocess.run(command, capture_output=True, text=True,
                            env={"NO_MKDOCS_2_WARNING": "1", "PATH": "/usr/bin:/bin"})
    assert result.returncode == 0, result.stderr
    page = site / "policies" / "jiujiang" / "resident_inpatient.zh.html"
    assert "九江市城乡居民基本医疗保险住院待遇" in page.read_text(encoding="utf-8")
    for html in site.rglob("*.html"):
        text = html.read_text(encoding="utf-8")
        assert not re.search(r"<(?:script|link|img)[^>]*\b(?:src|href)=\"(?:https?:)?//", text), html
        assert "fonts.googleapis" not in text, html


def test_a_letter_with_a_configured_letterhead_in_headless_chromium(tmp_path: Path) -> None:
    """The HTML letter as a browser lays it out: the bureau's name, address and hotline from the
    configuration, the person's ID masked (read back from the DOM Chromium built), and a page drawn."""
    import importlib.util
    import subprocess

    from yibao.compiler.json_input import load_claim_json
    from yibao.compiler.render import render_letter

    from yibao.config import load_config

    spec = importlib.util.spec_from_file_location("screenshot", ROOT / "scripts" / "screenshot.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    browser = module.find_browser()
    if browser is None:
        pytest.skip("no Chromium installed (apt-get install -y chromium)")
    config = tmp_path / "yibao.toml"
    config.write_text('[bureau]\nname = "九江市医疗保障局"\naddress = "九江市浔阳区长虹大道88号"\n'
                      'hotline = "0792-12393"\n', encoding="utf-8")
    policy_path = POLICIES / "jiujiang" / "resident_inpatient.yb"
    claim = POLICIES / "jiujiang" / "claims" / "level2_local.json"
    cfg = load_config(policy_path, explicit=config, lang="zh")
    settled = compiled("jiujiang/resident_inpatient.yb").settle(load_claim_json(claim), trace=True)
    html = tmp_path / "letter.html"
    html.write_text(render_letter(settled, "zh", "html", show_id=cfg.show_id(), bureau=cfg.bureau),
                    encoding="utf-8")
    dom = subprocess.run([browser, *module.FLAGS, f"--user-data-dir={tmp_path / 'profile'}", "--dump-dom",
                          html.resolve().as_uri()], capture_output=True, text=True, timeout=120).stdout
    for shown in ("九江市医疗保障局", "九江市浔阳区长虹大道88号", "0792-12393", "3604**********1234"):
        assert shown in dom, shown
    assert "360402199001011234" not in dom
    png = module.screenshot(html, tmp_path / "letter.png", 1000, 1400)
    assert png.read_bytes().startswith(b"\x89PNG") and png.stat().st_size > 20_000
