"""The diagnostic code registry: every code is shown by a real example, and none can be left out."""

from __future__ import annotations

import ast as pyast
from pathlib import Path

import pytest
from yibao.dsl import codes
from yibao.dsl.ast import Span
from yibao.dsl.code_examples import EXAMPLES, UNSHOWN
from yibao.dsl.errors import Diagnostic, PolicyError
from yibao.dsl.parser import parse, parse_file

from yibao.diagnostic_pages import check_example

ROOT = Path(__file__).resolve().parents[2]


def test_every_code_has_an_example_or_says_why_not() -> None:
    for code in codes.CODES.values():
        assert (code in EXAMPLES) != (code in UNSHOWN), code.id
    assert [c.id for c in codes.CODES.values()] == sorted(codes.CODES), "codes are listed in order"
    assert len({c.slug for c in codes.CODES.values()}) == len(codes.CODES)


@pytest.mark.parametrize("code", list(EXAMPLES), ids=lambda c: f"{c.id}-{c.slug}")
def test_the_wrong_example_gives_its_code_and_the_right_one_passes(code: codes.Code) -> None:
    wrong, shown = check_example(EXAMPLES[code].wrong)
    assert code in [d.code for d in wrong], shown
    assert f"{code.severity}[{code.id}]" in shown
    right, shown = check_example(EXAMPLES[code].right)
    assert right == (), shown  # not even a warning


def codes_of(err: pytest.ExceptionInfo[PolicyError]) -> set[str]:
    return {d.code.id for d in err.value.diagnostics}


def test_codes_no_policy_text_can_show(tmp_path: Path) -> None:
    """The codes of UNSHOWN, each produced as it happens."""
    bad = tmp_path / "latin1.yb"
    bad.write_bytes(b'policy p "caf\xe9"\n')
    with pytest.raises(PolicyError) as err:
        parse_file(bad)
    assert codes_of(err) == {"Y0107"}
    with pytest.raises(PolicyError) as err:
        parse_file(tmp_path)
    assert codes_of(err) == {"Y0107"}
    with pytest.raises(PolicyError) as err:
        parse('policy p "a\x00" / "b"\n')
    assert codes_of(err) == {"Y0108"}
    with pytest.raises(PolicyError) as err:
        parse("# " + "x" * 100_001 + "\n")
    assert codes_of(err) == {"Y0109"}
    from yibao.compiler.codegen_expr import _ident

    with pytest.raises(PolicyError) as err:
        _ident("not a name", Span("p.yb", 1, 1, 1, 2))
    assert codes_of(err) == {"Y0115"}
    from yibao.dsl import fmt

    policy = (ROOT / "policies" / "jiujiang" / "resident_inpatient.yb").read_text(encoding="utf-8")
    emit = fmt._emit
    try:  # a formatter that loses a line: the safeguard refuses its result
        fmt._emit = lambda entries, *a, **k: emit(entries[:-1], *a, **k)  # type: ignore[assignment]
        with pytest.raises(PolicyError) as err:
            fmt.format_source(policy, "p.yb")
    finally:
        fmt._emit = emit  # type: ignore[assignment]
    assert codes_of(err) == {"Y0116"}
    assert {codes.UNREADABLE, codes.BAD_CHARACTER, codes.TOO_LONG, codes.COMPILER_REFUSED,
            codes.FORMAT_REFUSED} == set(UNSHOWN)


def test_a_diagnostic_cannot_be_made_without_a_code() -> None:
    span = Span("p.yb", 1, 1, 1, 2)
    with pytest.raises(TypeError):
        Diagnostic(span, "no code")  # type: ignore[call-arg]
    with pytest.raises(TypeError):
        Diagnostic("Y0301", span, "a string is not a code")  # type: ignore[arg-type]
    assert Diagnostic(codes.UNUSED, span, "x").severity == "warning"


def test_every_code_the_source_names_is_in_the_registry() -> None:
    """``codes.X`` anywhere in the package names a registered code (a typo would fail only when
    reached), and every registered code is used somewhere."""
    used: set[str] = set()
    for folder in ("dsl", "compiler", "yibao"):
        for path in (ROOT / folder).rglob("*.py"):
            if path.name in ("codes.py", "code_examples.py"):
                continue
            tree = pyast.parse(path.read_text(encoding="utf-8"))
            for node in pyast.walk(tree):
                if isinstance(node, pyast.Attribute) and isinstance(node.value, pyast.Name) \
                        and node.value.id == "codes" and node.attr.isupper() \
                        and node.attr not in ("CODES", "GROUPS", "ERROR", "WARNING"):
                    found = getattr(codes, node.attr, None)
                    assert isinstance(found, codes.Code), f"{path}: codes.{node.attr}"
                    used.add(node.attr)
    registered = {name for name, value in vars(codes).items() if isinstance(value, codes.Code)}
    assert registered - used == set(), "codes no diagnostic uses"


def test_lookup_by_code_or_slug() -> None:
    assert codes.lookup("y0302") is codes.RATE_RANGE
    assert codes.lookup("rate-out-of-range") is codes.RATE_RANGE
    assert codes.lookup("Y9999") is None
