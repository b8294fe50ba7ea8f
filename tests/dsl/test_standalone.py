"""The generated parser (dsl/_standalone.py): up to date with the grammar, the same file whatever the
hash seed, and parsing every bundled policy to the tree Lark itself builds from the grammar."""

from __future__ import annotations

import os
import subprocess
import sys
from typing import Any

import lark
import pytest
from yibao.dsl import _standalone, parser, standalone_gen
from yibao.dsl.standalone_gen import grammar_digest, grammar_text, standalone_source

from ..conftest import POLICIES

GENERATED = _standalone.__file__


@pytest.fixture(scope="module")
def source() -> str:
    return standalone_source()


def test_the_generated_parser_is_the_grammars(source: str) -> None:
    assert grammar_digest(grammar_text()) == _standalone.GRAMMAR_SHA256, \
        "dsl/grammar.lark changed: run scripts/gen_parser.py"
    assert lark.__version__ == _standalone.LARK_VERSION, "another Lark: run scripts/gen_parser.py"
    with open(GENERATED, encoding="utf-8") as f:
        assert f.read() == source, "dsl/_standalone.py is out of date: run scripts/gen_parser.py"


def test_the_same_file_under_another_hash_seed(source: str) -> None:
    """Lark numbers states in set order; the generator's canonical order makes the file reproducible."""
    seed = "1" if os.environ.get("PYTHONHASHSEED") != "1" else "2"
    code = "import sys; from yibao.dsl.standalone_gen import standalone_source; " \
           "sys.stdout.write(standalone_source())"
    other = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True,
                           env={**os.environ, "PYTHONHASHSEED": seed}).stdout
    assert other == source


def _shape(node: Any) -> Any:
    """A parse tree as plain tuples: rule names, token types, texts and every position."""
    if hasattr(node, "children"):
        meta = node.meta
        where = (meta.line, meta.column, meta.end_line, meta.end_column) if not meta.empty else None
        return (str(node.data), where, tuple(_shape(c) for c in node.children))
    return (node.type, str(node), node.line, node.column, node.end_line, node.end_column)


def test_every_bundled_policy_parses_as_lark_parses_it() -> None:
    reference = lark.Lark(grammar_text(), postlex=parser.PolicyIndenter(), **standalone_gen.OPTIONS)
    policies = sorted(POLICIES.glob("*/*.yb"))
    assert len(policies) > 5
    for path in policies:
        text = path.read_text(encoding="utf-8")
        assert _shape(parser._lark().parse(text)) == _shape(reference.parse(text)), path
