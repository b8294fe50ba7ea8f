"""``yibao lsp`` as an editor uses it: a real client over stdio, one server for the whole module."""

from __future__ import annotations

import re
import shutil
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from yibao.lsp.client import LspClient

ROOT = Path(__file__).resolve().parents[2]
JIUJIANG = ROOT / "policies" / "jiujiang" / "resident_inpatient.yb"
REFORM = ROOT / "policies" / "reform2023" / "resident_inpatient.yb"


def uri(path: Path) -> str:
    return path.resolve().as_uri()


def position(text: str, needle: str, offset: int = 0, nth: int = 0) -> dict[str, int]:
    """The LSP position (UTF-16 columns) of the ``nth`` ``needle`` in ``text``, plus ``offset``."""
    at = -1
    for _ in range(nth + 1):
        at = text.index(needle, at + 1)
    at += offset
    line = text.count("\n", 0, at)
    column = at - (text.rfind("\n", 0, at) + 1)
    prefix = text.split("\n")[line][:column]
    return {"line": line, "character": len(prefix.encode("utf-16-le")) // 2}


def open_doc(client: LspClient, path: Path, text: str | None = None, version: int = 1) -> str:
    text = path.read_text(encoding="utf-8") if text is None else text
    client.notify("textDocument/didOpen", {"textDocument": {
        "uri": uri(path), "languageId": "yibao", "version": version, "text": text}})
    return text


@pytest.fixture(scope="module")
def client() -> Iterator[LspClient]:
    yibao = Path(sys.executable).with_name("yibao")
    c = LspClient([str(yibao), "lsp"], cwd=str(ROOT))
    result = c.request("initialize", {"processId": None, "rootUri": uri(ROOT), "capabilities": {}})
    caps = result["capabilities"]
    assert caps["hoverProvider"] and caps["definitionProvider"] and caps["referencesProvider"]
    assert caps["documentSymbolProvider"] and caps["documentFormattingProvider"]
    assert "." in caps["completionProvider"]["triggerCharacters"]
    c.notify("initialized", {})
    yield c
    if c.proc.poll() is None:
        c.proc.kill()
    c.proc.wait(5)


def test_an_error_is_published_at_its_range(client: LspClient, tmp_path: Path) -> None:
    broken = tmp_path / "broken.yb"
    text = JIUJIANG.read_text(encoding="utf-8").replace("  rate rate\n", "  rate rat\n")
    broken.write_text(text, encoding="utf-8")
    open_doc(client, broken, text)
    diags = client.diagnostics(uri(broken))
    errors = [d for d in diags if d["severity"] == 1]
    assert len(errors) == 1, diags
    start = position(text, "  rate rat\n", offset=7)
    assert errors[0]["range"] == {"start": start, "end": {**start, "character": start["character"] + 3}}
    assert "unknown name `rat`" in errors[0]["message"] or "`rat`" in errors[0]["message"]
    assert "did you mean `rate`?" in errors[0]["message"]
    assert errors[0]["source"] == "yibao" and re.fullmatch(r"Y\d{4}", errors[0]["code"])

    # fixing the buffer clears the error (a warning-free policy publishes nothing)
    client.notify("textDocument/didChange", {"textDocument": {"uri": uri(broken), "version": 2},
                                             "contentChanges": [{"text": JIUJIANG.read_text("utf-8")}]})
    assert client.diagnostics(uri(broken), version=2) == []


def test_diagnostics_follow_the_projects_language(client: LspClient, tmp_path: Path) -> None:
    """A policy under a `yibao.toml` saying `lang = "zh"` gets its diagnostics in Chinese, code kept."""
    (tmp_path / "yibao.toml").write_text('lang = "zh"\n', encoding="utf-8")
    broken = tmp_path / "zh.yb"
    text = JIUJIANG.read_text(encoding="utf-8").replace("  rate rate\n", "  rate rat\n")
    broken.write_text(text, encoding="utf-8")
    open_doc(client, broken, text)
    (error,) = [d for d in client.diagnostics(uri(broken)) if d["severity"] == 1]
    assert "`rat`" in error["message"] and "unknown name" not in error["message"]
    assert re.search(r"[\u4e00-\u9fff]", error["message"]), error["message"]
    assert re.fullmatch(r"Y\d{4}", error["code"])


def test_rapid_changes_end_with_the_diagnostics_of_the_last_text(client: LspClient, tmp_path: Path) -> None:
    path = tmp_path / "typing.yb"
    good = JIUJIANG.read_text("utf-8")
    open_doc(client, path, good)
    client.diagnostics(uri(path))
    for version in range(2, 8):  # typed fast: broken texts, then the good one
        text = good if version == 7 else good.replace("  rate rate\n", f"  rate rat{version}\n")
        client.notify("textDocument/didChange", {"textDocument": {"uri": uri(path), "version": version},
                                                 "contentChanges": [{"text": text}]})
    assert client.diagnostics(uri(path), version=7) == []
    client.notifications.clear()  # what came before the last text's diagnostics
    client.request("textDocument/documentSymbol", {"textDocument": {"uri": uri(path)}})  # a round trip
    late = [n for n in client.notifications if n["params"].get("uri") == uri(path)]
    assert all(n["params"].get("version") == 7 for n in late), late  # nothing stale after the last


def test_hover_on_a_parameter_shows_labels_type_values_and_citation(client: LspClient) -> None:
    text = open_doc(client, JIUJIANG)
    assert client.diagnostics(uri(JIUJIANG)) == []
    at = position(text, "deductible deductible per year", offset=len("deductible "))
    hover = client.request("textDocument/hover", {"textDocument": {"uri": uri(JIUJIANG)}, "position": at})
    value = hover["contents"]["value"]
    assert hover["contents"]["kind"] == "markdown"
    for expected in ("parameter `deductible`", "money", "起付线 / deductible",
                     "table visit.region, visit.level, visit.referral", "cites `jj2020` 二(三)一"):
        assert expected in value, value

    field = position(text, "visit.level", offset=7)
    hover = client.request("textDocument/hover", {"textDocument": {"uri": uri(JIUJIANG)}, "position": field})
    assert "`primary` 基层医疗机构" in hover["contents"]["value"]


def test_definition_of_a_layers_parameter(client: LspClient) -> None:
    text = open_doc(client, JIUJIANG)
    at = position(text, "cap annual_cap per year", offset=len("cap "))
    found = client.request("textDocument/definition",
                           {"textDocument": {"uri": uri(JIUJIANG)}, "position": at})
    start = position(text, "parameter annual_cap", offset=len("parameter "))
    assert found == [{"uri": uri(JIUJIANG), "range": {
        "start": start, "end": {**start, "character": start["character"] + len("annual_cap")}}}]

    refs = client.request("textDocument/references", {
        "textDocument": {"uri": uri(JIUJIANG)}, "position": start, "context": {"includeDeclaration": True}})
    assert sorted(r["range"]["start"]["line"] for r in refs) == [start["line"], at["line"]]


def test_definition_across_extends_lands_in_the_base(client: LspClient) -> None:
    text = open_doc(client, REFORM)
    at = position(text, "then deductible / 2", offset=len("then "))
    found = client.request("textDocument/definition", {"textDocument": {"uri": uri(REFORM)}, "position": at})
    base = JIUJIANG.read_text(encoding="utf-8")
    assert found[0]["uri"] == uri(JIUJIANG)
    assert found[0]["range"]["start"] == position(base, "parameter deductible", offset=len("parameter "))

    at = position(text, '"../jiujiang/resident_inpatient.yb"', offset=5)  # on the `extends` path
    found = client.request("textDocument/definition", {"textDocument": {"uri": uri(REFORM)}, "position": at})
    assert [f["uri"] for f in found] == [uri(JIUJIANG)]


def test_an_error_in_the_base_is_shown_on_the_extends_line(client: LspClient, tmp_path: Path) -> None:
    base = tmp_path / "base.yb"
    base.write_text(JIUJIANG.read_text("utf-8").replace("  rate rate\n", "  rate rate +\n"), encoding="utf-8")
    reform = tmp_path / "reform.yb"
    text = REFORM.read_text("utf-8").replace('"../jiujiang/resident_inpatient.yb"', '"base.yb"')
    reform.write_text(text, encoding="utf-8")
    open_doc(client, reform, text)
    errors = [d for d in client.diagnostics(uri(reform)) if d["severity"] == 1]
    assert errors, "the base's error reaches the reform"
    line = text.split("\n").index('  extends "base.yb"')
    assert errors[0]["range"]["start"] == {"line": line, "character": 2}
    where = JIUJIANG.read_text("utf-8").split("\n").index("  rate rate") + 1
    assert f"{base}:{where}:" in errors[0]["message"] and "unexpected end of line" in errors[0]["message"]


def test_completion_after_visit_dot_while_the_line_is_unfinished(client: LspClient, tmp_path: Path) -> None:
    path = tmp_path / "typing.yb"
    shutil.copy(JIUJIANG, path)
    text = open_doc(client, path)
    client.diagnostics(uri(path))
    typed = text.replace("  base in_scope\n", "  when visit.\n  base in_scope\n")
    client.notify("textDocument/didChange", {"textDocument": {"uri": uri(path), "version": 2},
                                             "contentChanges": [{"text": typed}]})
    assert any(d["severity"] == 1 for d in client.diagnostics(uri(path), version=2))  # it does not parse
    at = position(typed, "  when visit.\n", offset=len("  when visit."))
    result = client.request("textDocument/completion", {
        "textDocument": {"uri": uri(path)}, "position": at,
        "context": {"triggerKind": 2, "triggerCharacter": "."}})
    labels = {item["label"] for item in result["items"]}
    assert {"kind", "level", "region", "referral", "facility"} <= labels
    assert "category" not in labels  # a person's field, not the visit's

    # while the buffer does not parse, hover reads the last version that did
    at = position(typed, "cap annual_cap per year", offset=len("cap "))
    hover = client.request("textDocument/hover", {"textDocument": {"uri": uri(path)}, "position": at})
    assert "parameter `annual_cap`" in hover["contents"]["value"]

    at = position(typed, "  base in_scope\n", offset=2)  # a new word at the start of a layer line
    result = client.request("textDocument/completion", {"textDocument": {"uri": uri(path)}, "position": at})
    labels = {item["label"] for item in result["items"]}
    assert {"base", "deductible", "rate", "cap", "cite"} <= labels and "parameter" not in labels


def test_document_symbols_outline_the_policy(client: LspClient) -> None:
    open_doc(client, JIUJIANG)
    found = client.request("textDocument/documentSymbol", {"textDocument": {"uri": uri(JIUJIANG)}})
    names = [s["name"] for s in found]
    assert names == ["jiujiang.resident_inpatient", "jj2020", "person.category", "classify",
                     "deductible", "rate", "annual_cap", "basic"]
    enum = found[2]
    assert [c["name"] for c in enum["children"]] == ["normal", "low_income", "poverty", "extreme_poverty"]


def test_symbols_of_a_long_line_with_wide_characters_are_in_utf_16_units(client: LspClient,
                                                                           tmp_path: Path) -> None:
    """A name after a character beyond the Basic Multilingual Plane (two UTF-16 units) is placed in
    the client's units, on a line of 3,000 members (each placed without counting the line again:
    the outline of such a line took 11 s); every range lies within the text."""
    text = JIUJIANG.read_text(encoding="utf-8").replace('normal "普通参保人员"', 'normal "𠀀普通参保人员"')
    line = next(x for x in text.split("\n") if x.startswith("enum person.category"))
    text = text.replace(line, line + "".join(f' | m{i} "成员{i}"' for i in range(3000)))
    wide = tmp_path / "wide.yb"
    wide.write_text(text, encoding="utf-8")
    open_doc(client, wide, text)
    assert client.diagnostics(uri(wide)) == []
    found = client.request("textDocument/documentSymbol", {"textDocument": {"uri": uri(wide)}})
    members = next(s for s in found if s["name"] == "person.category")["children"]
    assert len(members) == 3004
    low = next(m for m in members if m["name"] == "low_income")
    assert low["selectionRange"]["start"] == position(text, "low_income")
    last = members[-1]
    assert last["name"] == "m2999" and last["selectionRange"]["start"] == position(text, " m2999 ", offset=1)
    widths = [len(x.encode("utf-16-le")) // 2 for x in text.split("\n")]
    for s in (*found, *members):
        for end in ("start", "end"):
            at = s["range"][end]
            assert at["line"] < len(widths) and at["character"] <= widths[at["line"]]


def test_formatting_is_yibao_fmts_layout(client: LspClient, tmp_path: Path) -> None:
    from yibao.dsl.fmt import format_source

    path = tmp_path / "messy.yb"
    canonical = JIUJIANG.read_text("utf-8")
    messy = canonical.replace("  rate rate\n", "  rate    rate\n").replace("base in_scope", "base   in_scope")
    assert messy != canonical and format_source(messy, str(path)) == canonical
    open_doc(client, path, messy)
    client.diagnostics(uri(path))
    edits = client.request("textDocument/formatting", {"textDocument": {"uri": uri(path)},
                                                       "options": {"tabSize": 2, "insertSpaces": True}})
    lines = messy.split("\n")
    assert edits == [{"range": {"start": {"line": 0, "character": 0},
                                "end": {"line": len(lines) - 1, "character": len(lines[-1])}},
                      "newText": canonical}]
    open_doc(client, JIUJIANG)  # already canonical: nothing to change
    assert client.request("textDocument/formatting", {"textDocument": {"uri": uri(JIUJIANG)},
                                                      "options": {"tabSize": 2, "insertSpaces": True}}) == []


def test_shutdown_and_exit(client: LspClient) -> None:
    assert client.request("shutdown", None) is None
    client.notify("exit", None)
    assert client.proc.wait(5) == 0
