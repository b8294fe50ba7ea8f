"""The VS Code extension's files: JSON that parses, a TextMate grammar generated from the grammar's
keywords (and up to date), and the same keywords as the Pygments lexer."""

from __future__ import annotations

import json
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from yibao.dsl import keywords

from yibao.highlight import WORD_OPERATORS, YibaoLexer
from yibao.textmate import textmate_grammar, textmate_json

ROOT = Path(__file__).resolve().parents[1]
VSCODE = ROOT / "editors" / "vscode"
GRAMMAR = VSCODE / "syntaxes" / "yibao.tmLanguage.json"


def _alternatives(pattern: str) -> set[str]:
    """The words of the first ``(a|b|c)`` group of a TextMate match."""
    m = re.search(r"\(((?:[a-z_]+\|)*[a-z_]+)\)", pattern)
    assert m, pattern
    return set(m.group(1).split("|"))


def test_json_files_parse_and_agree() -> None:
    package = json.loads((VSCODE / "package.json").read_text(encoding="utf-8"))
    json.loads((VSCODE / "language-configuration.json").read_text(encoding="utf-8"))
    grammar = json.loads(GRAMMAR.read_text(encoding="utf-8"))
    (lang,) = package["contributes"]["languages"]
    (contributed,) = package["contributes"]["grammars"]
    assert lang["id"] == contributed["language"] == "yibao" and ".yb" in lang["extensions"]
    assert contributed["scopeName"] == grammar["scopeName"]
    assert (VSCODE / contributed["path"]).resolve() == GRAMMAR
    assert package["main"] == "./extension.js" and "vscode-languageclient" in package["dependencies"]


def test_the_grammar_file_is_generated_and_up_to_date() -> None:
    assert GRAMMAR.read_text(encoding="utf-8") == textmate_json()
    script = subprocess.run([sys.executable, str(ROOT / "scripts" / "gen_tmlanguage.py"), "--check"],
                            capture_output=True, text=True)
    assert script.returncode == 0, script.stderr


def test_keywords_are_the_grammars_and_the_lexers() -> None:
    repo = textmate_grammar()["repository"]
    assert _alternatives(repo["line-start"]["match"]) == set(keywords.keywords())
    inner = next(p for p in repo["expression"]["patterns"] if p["name"] == "keyword.other.yibao")
    assert _alternatives(inner["match"]) == set(keywords.inner_keywords()) - set(WORD_OPERATORS)
    # the lexer reads the same words: each is a keyword to it exactly where the TextMate grammar says
    for word in keywords.keywords():
        first = next(t for t, v in YibaoLexer().get_tokens(f"  {word} x\n") if v == word)
        assert "Keyword" in str(first) or "Operator.Word" in str(first), word


def test_every_pattern_compiles() -> None:
    def patterns(node: object) -> list[str]:
        if isinstance(node, dict):
            own = [node[k] for k in ("match", "begin", "end") if k in node]
            return own + [p for v in node.values() for p in patterns(v)]
        if isinstance(node, list):
            return [p for v in node for p in patterns(v)]
        return []

    found = patterns(textmate_grammar())
    assert len(found) > 15
    for p in found:
        re.compile(p)  # the patterns keep to what Oniguruma and Python's re read alike


@pytest.mark.skipif(shutil.which("node") is None, reason="node is not installed")
def test_extension_js_is_valid_javascript() -> None:
    result = subprocess.run(["node", "--check", str(VSCODE / "extension.js")], capture_output=True, text=True)
    assert result.returncode == 0, result.stderr
