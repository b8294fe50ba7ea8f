"""Generated code is safe by construction, whatever text a policy, its AST or its path holds.

Every string slot of every bundled policy is filled with hostile text (newlines, CR, NUL,
quotes, backslash escapes, format and template syntax, bidi overrides, lone surrogates) and
its file path with a hostile path; the generated module must then be the very same Python
as the original's, string constants aside, with the same comments and docstrings, and load
without a side effect. The language itself can write some of that text (``\\n`` escapes, a
raw CR); the rest reaches the generator only through the API (an AST built or altered by
hand), which it must survive too.
"""

from __future__ import annotations

import ast as pyast
import dataclasses
import io
import itertools
import json
import re
import tokenize
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from yibao.compiler import codegen_expr, codegen_tables, runtime
from yibao.compiler.codegen import generate
from yibao.compiler.loader import Policy, compile_policy, load_policy
from yibao.dsl import ast
from yibao.dsl.checks import check
from yibao.dsl.errors import PolicyError
from yibao.dsl.parser import parse, parse_file

from ..conftest import POLICIES

BUNDLED = sorted(POLICIES.glob("*/*.yb"))


def hostile_texts(marker: Path) -> tuple[str, ...]:
    """Texts that would run code, or break the module, if pasted into generated source."""
    m = str(marker)
    return (
        f"x\nopen({m!r}, 'w').write('label')\n#",
        f"x\n    open({m!r}, 'w')  # indented as in a function body\n    #",
        f"x\r__import__('builtins').open({m!r}, 'w')\r#",
        "nul \x00 byte",
        "quotes ' \" ''' \"\"\" \\' \\\" end",
        f'""" + open({m!r}, "w").name + """',
        f"''' + open({m!r}, 'w').name + '''",
        "\\N{BULLET} \\x4 \\u00 \\ \\",
        "{0:m} {} {{ }} {% if x %}{{ 7*7 }}{% endif %} {# #}",
        "rtl \u202e )'x'(nepo",
        "lone surrogates \ud800 \udfff",
        "line sep \u2028 para \u2029 ff \x0c vt \x0b nel \x85 fs \x1c",
        "\n\nINJECTED = 1\n",
        "x\\\nINJECTED = 2",
    )


def hostile_path(marker: Path, n: int) -> str:
    """A policy path that would end the module docstring, escape or run code."""
    return f'{marker.parent}/evil{n}"""\nINJECTED = 3\nopen({str(marker)!r}, "w")\n"""\\N{{x}}\\x\r\x00.yb'


# ---------------------------------------------------------------- the hostile AST
def _same_shape(text: str, blob: str) -> str:
    """``text`` with every line replaced by hostile text of the same length: spans stay valid."""
    fill = itertools.cycle(blob)
    return "\n".join("".join(next(fill) for _ in line) for line in text.split("\n"))


def make_hostile(policy: ast.Policy, marker: Path) -> ast.Policy:
    """Every label, citation, assumption, document name, path and source text made hostile.

    A disease name (``"…" in visit.diseases``) is left alone: it is data the claim is matched
    against; the hostile-policy test below puts hostile text there.
    """
    texts = itertools.cycle(hostile_texts(marker))
    paths: dict[str, str] = {}
    # Source text lands in trace templates too: a slot in it must stay text. A slot every six
    # characters, so that most slices of the text hold one.
    blob = "".join("{7:m}" + ch for ch in "".join(hostile_texts(marker)).replace("\n", " "))

    def path(p: str) -> str:
        return paths.setdefault(p, hostile_path(marker, len(paths)))

    def swap(node: Any, owner: type | None = None, name: str = "") -> Any:
        if isinstance(node, str):
            if (owner, name) in {(ast.Span, "file"), (ast.Policy, "path")}:
                return path(node)
            if owner is ast.Policy and name == "text":
                return _same_shape(node, blob)
            if (owner, name) in {(ast.Label, "zh"), (ast.Label, "en"), (ast.Citation, "section"),
                                 (ast.Assumption, "text"), (ast.Source, "document"), (ast.Source, "file"),
                                 (ast.PolicyHeader, "document")}:
                return next(texts)
            return node
        if isinstance(node, tuple):
            return tuple(swap(x, owner, name) for x in node)
        if isinstance(node, dict) and owner is ast.Policy and name == "texts":
            return {path(k): _same_shape(v, blob) for k, v in node.items()}
        if dataclasses.is_dataclass(node) and not isinstance(node, type):
            cls = type(node)
            return dataclasses.replace(node, **{f.name: swap(getattr(node, f.name), cls, f.name)
                                                for f in dataclasses.fields(node)})
        return node

    return swap(policy)


# ---------------------------------------------------------------- what the generator emits
def _calls(tree: pyast.AST) -> set[str]:
    """Every call's callee, as a dotted name; numbers in generated names folded to ``#``."""
    out = set()
    for node in pyast.walk(tree):
        if isinstance(node, pyast.Call):
            parts = []
            f = node.func
            while isinstance(f, pyast.Attribute):
                parts.append(f.attr)
                f = f.value
            parts.append(f.id if isinstance(f, pyast.Name) else type(f).__name__)
            out.add(re.sub(r"\d+", "#", ".".join(reversed(parts))))
    return out


def _shape(tree: pyast.AST) -> str:
    """The module with every string constant blanked: what is left is code."""
    class Blank(pyast.NodeTransformer):
        def visit_Constant(self, node: pyast.Constant) -> pyast.Constant:
            return pyast.Constant("") if isinstance(node.value, str) else node

    return pyast.dump(Blank().visit(tree))


def _comments(source: str) -> list[str]:
    return [t.string for t in tokenize.generate_tokens(io.StringIO(source).readline)
            if t.type == tokenize.COMMENT]


def _docstrings(tree: pyast.AST) -> list[str | None]:
    return [pyast.get_docstring(n, clean=False) for n in pyast.walk(tree)
            if isinstance(n, pyast.Module | pyast.FunctionDef)]


@dataclasses.dataclass
class Emitted:
    calls: set[str]
    nodes: set[str]
    names: set[str]
    attrs: set[str]


def _emitted(sources: list[str]) -> Emitted:
    e = Emitted(set(), set(), set(), set())
    for source in sources:
        tree = pyast.parse(source)
        e.calls |= _calls(tree)
        for node in pyast.walk(tree):
            e.nodes.add(type(node).__name__)
            if isinstance(node, pyast.Name):
                e.names.add(re.sub(r"\d+", "#", node.id))
            if isinstance(node, pyast.Attribute):
                e.attrs.add(node.attr)
    return e


def _forms(monkeypatch: pytest.MonkeyPatch) -> Iterator[str]:
    """Each code form of a table: the if/elif chain, the dicts, the search function."""
    long = codegen_tables._EXPANSION
    for chain, expansion in ((codegen_tables._CHAIN_ROWS, long), (0, long), (0, 0)):
        monkeypatch.setattr(codegen_tables, "_CHAIN_ROWS", chain)
        monkeypatch.setattr(codegen_tables, "_EXPANSION", expansion)
        yield f"chain{chain}-expansion{expansion}"


@pytest.fixture(scope="module")
def bundled_checked() -> dict[Path, Any]:
    return {path: check(parse_file(path)) for path in BUNDLED}


@pytest.fixture(scope="module")
def allowed(bundled_checked) -> Emitted:
    """What the bundled policies' modules call, name and read, in every table form.

    Plus every claim field the generator can read (``c.age``): not every one is in a bundled policy.
    """
    with pytest.MonkeyPatch.context() as mp:
        e = _emitted([generate(c).source for _ in _forms(mp) for c in bundled_checked.values()])
    e.attrs |= {code.split(".")[1] for code in codegen_expr._FIELDS.values()}
    return e


_OWN = re.compile(r"(?:p|l|chk|ded|elig|base|over|yp|yd|yb|ye)_([a-z_][a-z0-9_]*)")


def assert_safe(source: str, allowed: Emitted, hostile: tuple[str, ...], own: set[str] = frozenset()) -> None:
    """Only the generator's own statements, calls and imports; no hostile text in a comment.

    ``own``: the policy's parameter, layer and check names, which its variables are named after.
    """
    tree = pyast.parse(source)
    seen = _emitted([source])
    assert seen.calls <= allowed.calls, seen.calls - allowed.calls
    assert seen.nodes <= allowed.nodes, seen.nodes - allowed.nodes
    for name in seen.names - allowed.names:
        m = _OWN.fullmatch(name)
        assert m is not None and m.group(1) in own, name
    assert seen.attrs <= allowed.attrs, seen.attrs - allowed.attrs
    imports = [n for n in pyast.walk(tree) if isinstance(n, pyast.Import | pyast.ImportFrom)]
    assert len(imports) == 1 and isinstance(imports[0], pyast.ImportFrom)
    assert imports[0].module == "yibao.compiler.runtime" and imports[0].level == 0
    assert {a.name for a in imports[0].names} <= set(runtime.__all__)
    assert all(a.asname is None for a in imports[0].names)
    for comment in _comments(source):
        assert comment.isascii() and comment.isprintable(), comment
        for text in hostile:
            for fragment in re.split(r"\s+", text):
                if len(fragment) > 3:
                    assert fragment not in comment, (fragment, comment)


def assert_no_side_effect(load: Callable[[], Policy], marker: Path) -> Policy:
    policy = load()
    assert not marker.exists(), "loading the module ran policy text"
    assert not hasattr(policy.module, "INJECTED")
    return policy


SLOT = re.compile(r"\{\d+:[a-z]\}")  # a slot of a trace template (compiler/trace.py)


def policy_sites(checked: Any, generated: Any) -> tuple[runtime.Site, ...]:
    return Policy(checked, generated).meta.sites


# ---------------------------------------------------------------- tests
def _claims_of(path: Path) -> list[Any]:
    folder = path.parent / "claims"
    files = sorted((folder / path.stem).glob("*.json"))
    if path.stem == "resident_inpatient" and path.parent.name == "jiujiang":
        files += sorted(folder.glob("*.json"))
    out = []
    for f in files:
        data = json.loads(f.read_text(encoding="utf-8"))
        out += data if isinstance(data, list) else [data]
    return out


@pytest.mark.parametrize("path", BUNDLED, ids=lambda p: f"{p.parent.name}-{p.stem}")
def test_hostile_text_in_every_slot_is_only_data(path, bundled_checked, allowed, tmp_path, monkeypatch):
    marker = tmp_path / "marker"
    original = bundled_checked[path]
    hostile_ast = make_hostile(original.policy, marker)
    hostile = (*hostile_texts(marker), hostile_path(marker, 0))
    for _ in _forms(monkeypatch):
        good = generate(original)
        checked = check(hostile_ast)
        evil = generate(checked)
        assert evil.source == generate(checked).source  # deterministic
        assert_safe(evil.source, allowed, hostile)
        good_tree, evil_tree = pyast.parse(good.source), pyast.parse(evil.source)
        # The same code as the original module's: the hostile text changed string constants only.
        assert _shape(evil_tree) == _shape(good_tree)
        assert _comments(evil.source) == _comments(good.source)
        assert _docstrings(evil_tree) == _docstrings(good_tree)
        # A trace template has the generator's slots only, whatever text it shows.
        for ours, theirs in zip(Policy(original, good).meta.sites, policy_sites(checked, evil), strict=True):
            assert SLOT.findall(theirs.template) == SLOT.findall(ours.template), theirs.template
            assert SLOT.findall(theirs.template_zh) == SLOT.findall(ours.template_zh), theirs.template_zh
        policy = assert_no_side_effect(lambda c=checked, g=evil: Policy(c, g), marker)
        plain = Policy(original, good)
        # Text is carried exactly, as data.
        assert policy.meta.zh == checked.policy.header.label.zh
        assert policy.meta.file == checked.policy.path
        assert [(x.zh, x.en) for x in policy.meta.layers] == [
            (x.label.zh, x.label.en) for x in checked.policy.layers]
        for claim in _claims_of(path):
            s, t = policy.settle(claim, trace=True), plain.settle(claim, trace=True)
            assert (s.payer_fen, s.person_fen, s.ytd) == (t.payer_fen, t.person_fen, t.ytd)
            # Rendering the trace fills only the generator's slots: a `{7:m}` in policy text is text.
            assert [step.result for step in s.trace] == [step.result for step in t.trace]
            s.to_json()
        assert not marker.exists(), "settling ran policy text"


def _escape(text: str) -> str:
    """Hostile text as a string literal of the policy language (escapes: \\\\ \\" \\n)."""
    return '"' + text.replace("\\", "\\\\").replace('"', '\\"').replace("\n", "\\n") + '"'


POLICY = '''\
policy evil.slots {t} / {t}
  document {t}
  effective 2020-01-01

source doc {t} / {t}
  document {t}
  file {t}

enum visit.region = local {t} / {t} | remote {t} / {t}

classify {t} / {t}
  cite doc {t}
  assume {t}
  category A -> in scope
  category B when {t} in visit.diseases -> first self pay 20%
  category B -> in scope
  category C -> out of scope

parameter rate {t} / {t}: rate
  cite doc {t}
  assume {t}
  table visit.region
    local -> 60%
    remote -> 40%
  exception near {t} / {t} when person.age >= 80
    assume {t}
    value 70%

layer basic {t} / {t}
  cite doc {t}
  assume {t}
  rate rate

check fair {t} / {t}
  assume {t}
  holds basic.paid <= total
'''


def test_hostile_text_written_in_the_language(allowed, tmp_path) -> None:
    """What the parser accepts is only data; what it cannot hold (NUL, surrogates) is a PolicyError."""
    marker = tmp_path / "marker"
    claim = {
        "id": "x", "date": "2024-01-01",
        "person": {"id": "p", "scheme": "resident", "age": 85},
        "visit": {"kind": "inpatient", "level": 1, "region": "local"},
        "lines": [{"code": "a", "category": "A", "amount": "10.00"}],
    }
    accepted = 0
    for n, text in enumerate(hostile_texts(marker)):
        source = POLICY.format(t=_escape(text))
        path = hostile_path(marker, n).replace("\x00", "")
        try:
            checked = check(parse(source, path))
        except PolicyError as err:
            assert "\x00" in text or re.search("[\ud800-\udfff]", text), err
            continue
        accepted += 1
        assert checked.policy.header.label.en == text  # the escapes made the hostile text
        generated = generate(checked)
        own = {x.name for x in (*checked.policy.parameters, *checked.policy.layers, *checked.policy.checks)}
        assert_safe(generated.source, allowed, (text, path), own)
        policy = assert_no_side_effect(lambda c=checked, g=generated: Policy(c, g), marker)
        assert policy.meta.en == text and policy.meta.file == path
        s = policy.settle(claim, trace=True)
        assert s.payer_fen == (700,) and s.checks == {"fair": True}
    assert accepted >= len(hostile_texts(marker)) - 2


def test_hostile_file_name(allowed, tmp_path) -> None:
    """A policy file whose very name would end the module docstring and run code."""
    marker = tmp_path / "marker"
    opener = "open(" + " + chr(47) + ".join(repr(part) for part in str(marker).split("/")) + ', "w")'
    name = 'evil"""\nINJECTED = 1\n' + opener + '\n"""\\N{x}\\x\r{{}}.yb'
    path = tmp_path / name
    path.write_text(POLICY.format(t='"ok"'), encoding="utf-8")
    policy = assert_no_side_effect(lambda: load_policy(path), marker)
    assert policy.meta.file == str(path)
    assert_safe(policy.source, allowed, (name,), {"rate", "basic", "fair"})


def test_a_slot_in_a_label_is_shown_not_filled() -> None:
    """A label that reads like a trace slot (``{7:m}``) is text in every formula."""
    source = POLICY.format(t='"ok"').replace('parameter rate "ok"', 'parameter rate "比例{7:m}"')
    policy = compile_policy(source, "slots.yb")
    claim = {
        "id": "x", "date": "2024-01-01", "person": {"id": "p", "scheme": "resident", "age": 30},
        "visit": {"kind": "inpatient", "level": 1, "region": "local"},
        "lines": [{"code": "a", "category": "A", "amount": "10.00"}],
    }
    steps = policy.settle(claim, trace=True).trace
    assert any("{7:m}" in step.zh for step in steps)
    # shown as written, a word joiner (U+2060, invisible) after the brace
    assert any(step.formula_zh.replace("\u2060", "").startswith("比例{7:m} = ") for step in steps)


@pytest.mark.parametrize("where", ["layer", "parameter", "check", "operator", "function", "comparison"])
def test_a_name_or_operator_that_is_not_one_is_refused(where) -> None:
    """Names become identifiers and operators code: from an altered AST they are refused, not pasted."""
    evil = "x\nINJECTED = 1\n"
    checked = check(parse(POLICY.format(t='"ok"'), "names.yb"))
    p = checked.policy
    if where == "layer":
        p = dataclasses.replace(p, layers=(dataclasses.replace(p.layers[0], name=evil),))
    elif where == "parameter":
        param = dataclasses.replace(p.parameters[0], name=evil)
        p = dataclasses.replace(p, parameters=(param,))
        checked = dataclasses.replace(checked, params={evil: param}, param_order=(param,),
                                      param_deps={evil: frozenset()})
    elif where == "check":
        p = dataclasses.replace(p, checks=(dataclasses.replace(p.checks[0], name=evil),))
    else:
        holds = p.checks[0].holds
        assert isinstance(holds, ast.Compare)
        if where == "comparison":
            holds = dataclasses.replace(holds, op="<= (INJECTED := 1) <=")
        elif where == "operator":
            holds = dataclasses.replace(holds, left=ast.BinOp("+ (INJECTED := 1) +", holds.left, holds.left,
                                                              holds.span))
        else:
            holds = dataclasses.replace(holds, left=ast.Call("open", (holds.left,), holds.span))
        p = dataclasses.replace(p, checks=(dataclasses.replace(p.checks[0], holds=holds),))
    with pytest.raises(PolicyError):
        generate(dataclasses.replace(checked, policy=p))
