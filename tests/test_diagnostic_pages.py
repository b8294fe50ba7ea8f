"""docs/diagnostics/ is what scripts/diagnostic_pages.py makes from the registry: one page a code."""

from __future__ import annotations

import importlib.util
from pathlib import Path

from yibao.dsl import codes

from yibao.diagnostic_pages import page, pages

ROOT = Path(__file__).resolve().parent.parent


def _script():
    path = ROOT / "scripts" / "diagnostic_pages.py"
    spec = importlib.util.spec_from_file_location("diagnostic_pages_script", path)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_the_pages_in_docs_are_up_to_date() -> None:
    expected = pages()
    assert set(expected) == {"index.md", *(f"{c}.md" for c in codes.CODES)}
    assert _script().stale(expected) == [], "run: python scripts/diagnostic_pages.py"


def test_a_page_shows_the_checker_s_own_words() -> None:
    text = page(codes.RATE_RANGE)
    assert text.startswith("# Y0302 `rate-out-of-range`")
    assert "example.yb:12:9: error[Y0302]: a rate must lie between 0% and 100%, not 800%" in text
    assert "-  value 800%\n+  value 80%" in text  # the right example, as the line it changes
    assert "/tmp" not in text and "yibao-example-" not in text


def test_the_index_links_every_code_and_the_docs_link_the_index() -> None:
    index = pages()["index.md"]
    for code in codes.CODES.values():
        assert f"[{code.id}]({code.id}.md)" in index
    assert "diagnostics/index.md" in (ROOT / "mkdocs.yml").read_text(encoding="utf-8")
