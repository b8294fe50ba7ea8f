"""Malformed and huge policies: a positioned ``PolicyError`` every time, never a traceback (issue 9).

No timings here: the big inputs are sized so that a return to quadratic parsing or to recursion per
term shows up as a slow suite or a ``RecursionError``, while the whole file stays a few seconds.
"""

from __future__ import annotations

import os
import sys
from decimal import Decimal
from pathlib import Path

import pytest
from yibao.dsl import ast
from yibao.dsl.checks import check
from yibao.dsl.errors import PolicyError
from yibao.dsl.parser import MAX_DIGITS, MAX_NESTING, parse, parse_file
from yibao.dsl.types import MONEY

HEAD = '''\
policy t.robust "测试" / "test"
  effective 2020-01-01

source doc "文件" / "document"

classify "费用分类" / "classify"
  cite doc
  category A -> in scope
  category B -> first self pay 10%
  category C -> out of scope
'''
HEAD_LINES = HEAD.count("\n")

LAYER = '''
layer basic "统筹" / "basic"
  cite doc
  rate 80%
  cap {cap} per year
'''
CAP_LINE = HEAD_LINES + 5  # the line of `cap …` in HEAD + LAYER
CAP_COL = len("  cap ") + 1


def policy_with_cap(cap: str) -> str:
    return HEAD + LAYER.format(cap=cap)


def error_of(text: str, path: str = "t.yb") -> PolicyError:
    with pytest.raises(PolicyError) as info:
        check(parse(text, path))
    err = info.value
    err.format().encode("utf-8")  # printable, whatever the input held
    return err


def only(err: PolicyError) -> tuple[int, int, str, str | None]:
    errors = [d for d in err.diagnostics if d.severity == "error"]
    assert len(errors) == 1, err.format()
    d = errors[0]
    return d.span.line, d.span.column, d.message, d.hint


# ---------------------------------------------------------------- indentation


def test_a_dedent_to_no_enclosing_block_is_positioned() -> None:
    text = HEAD + '\nsource other "其他" / "other"\n    document "x"\n  file "y"\n'
    line, col, message, hint = only(error_of(text))
    assert (line, col) == (HEAD_LINES + 4, 3)
    assert message == "this line is indented 2 columns, which matches no enclosing block"
    assert hint == "indent it as the block it belongs to: 4 or 0 columns"


def test_a_tiny_file_with_a_bad_dedent() -> None:
    text = 'policy a "b"\n  rounding x\n y\n'
    message = "this line is indented 1 column, which matches no enclosing block"
    assert only(error_of(text))[:3] == (3, 2, message)


# ---------------------------------------------------------------- nesting


@pytest.mark.parametrize(("kind", "build"), [
    ("unary minus", lambda n: "-" * n + "1.00"),
    ("if", lambda n: "if true then 1.00 else " * n + "2.00"),
    ("call", lambda n: "min(1.00, " * n + "2.00" + ")" * n),
    ("bracketed product", lambda n: "1.00 * (" * n + "2" + ")" * n),
])
def test_expressions_nested_too_deep(kind: str, build) -> None:
    check(parse(policy_with_cap(build(MAX_NESTING - 1)), "t.yb"))  # at the limit: fine
    err = error_of(policy_with_cap(build(300)))
    line, col, message, hint = only(err)  # one report for the whole expression
    assert line == CAP_LINE and col > CAP_COL
    assert message == f"expression nested deeper than {MAX_NESTING} levels"
    assert hint and "parameter" in hint


def test_not_nested_too_deep() -> None:
    text = HEAD + LAYER.format(cap="1.00").replace("rate 80%", "when " + "not " * 300 + "true\n  rate 80%")
    line, col, message, _ = only(error_of(text))
    assert line == CAP_LINE - 1 and col == len("  when ") + 1 + 4 * MAX_NESTING
    assert message.startswith("expression nested deeper")


def test_parentheses_alone_make_no_nesting() -> None:
    check(parse(policy_with_cap("(" * 300 + "1.00" + ")" * 300), "t.yb"))


def test_a_bracketed_chain_is_one_level() -> None:
    check(parse(policy_with_cap("(" * 300 + "1.00" + " + 1.00)" * 300), "t.yb"))


def test_a_sum_of_ten_thousand_terms_on_one_line() -> None:
    policy = parse(policy_with_cap(" + ".join(["1.00"] * 10_000)), "t.yb")
    cap = policy.layers[0].caps[0].expr
    assert cap.span.end_column - cap.span.column == len(" + ".join(["1.00"] * 10_000))
    checked = check(policy)
    assert checked.type_of(cap) == MONEY
    assert sum(1 for n in ast.walk(cap) if isinstance(n, ast.Number)) == 10_000


def test_a_long_difference_is_one_level_and_a_long_product_is_not() -> None:
    """A sum is written flat in the generated code; each product or quotient nests (and may round)."""
    check(parse(policy_with_cap("1.00" + " - 0.01" * 3_000), "t.yb"))
    check(parse(policy_with_cap("1.00" + " * 1" * (MAX_NESTING - 1)), "t.yb"))
    _, _, message, _ = only(error_of(policy_with_cap("1.00" + " * 1" * 3_000 + " - 0.01" * 3_000)))
    assert message == f"expression nested deeper than {MAX_NESTING} levels"


def test_walk_needs_no_recursion() -> None:
    span = ast.Span("t.yb", 1, 1, 1, 2)
    node: ast.Expr = ast.Number(Decimal(1), span)
    for _ in range(sys.getrecursionlimit() * 3):
        node = ast.BinOp("+", node, ast.Number(Decimal(1), span), span)
    nodes = list(ast.walk(node))
    assert len(nodes) == sys.getrecursionlimit() * 6 + 1
    assert nodes[0] is node and isinstance(nodes[-1], ast.Number)


# ---------------------------------------------------------------- numbers


def test_a_number_of_4301_digits() -> None:
    line, col, message, hint = only(error_of(policy_with_cap("1" * 4301 + ".00")))
    assert (line, col) == (CAP_LINE, CAP_COL)
    assert message == "a number of 4303 digits is too long"
    assert hint and f"at most {MAX_DIGITS} digits" in hint


def test_a_percentage_of_5000_digits() -> None:
    text = HEAD + LAYER.format(cap="1.00").replace("rate 80%", "rate 8" + "0" * 4999 + "%")
    line, col, message, _ = only(error_of(text))
    assert (line, col, message) == (CAP_LINE - 1, len("  rate ") + 1, "a number of 5000 digits is too long")


def test_the_longest_number_allowed() -> None:
    check(parse(policy_with_cap("9" * (MAX_DIGITS - 2) + ".99"), "t.yb"))


def test_every_long_number_is_reported() -> None:
    err = error_of(policy_with_cap(" + ".join(["1" * 30] * 3)))
    assert [d.span.column for d in err.diagnostics] == [CAP_COL, CAP_COL + 33, CAP_COL + 66]


# ---------------------------------------------------------------- fractional bare numbers

RECORD = '''\
policy t.record "测试" / "test"
  effective 2022-01-01
  input record
  amount record.package

source doc "文件" / "document"

field package "打包资金" / "package": money
  cite doc

layer basic "统筹" / "basic"
  cite doc
  base total
  bands per year
    0.00 to record.package * 1.5 -> 50%
    above record.package * 1.5 -> 60%
'''


def test_a_fractional_factor_in_a_band_bound() -> None:
    err = error_of(RECORD)
    assert [(d.span.line, d.span.column) for d in err.diagnostics] == [(15, 30), (16, 28)]
    d = err.diagnostics[0]
    assert d.message == "`1.5` has decimals, but here it is a plain number, not money"
    assert d.hint and "`* 3 / 2`" in d.hint


def test_whole_factors_and_divisors_are_fine() -> None:
    check(parse(RECORD.replace("* 1.5", "* 3 / 2"), "t.yb"))


def test_a_fractional_divisor() -> None:
    line, col, message, _ = only(error_of(policy_with_cap("total / 1.5")))
    assert (line, col) == (CAP_LINE, CAP_COL + len("total / "))
    assert message.startswith("`1.5` has decimals")


@pytest.mark.parametrize(("cap", "money_side"), [
    ("10.00 * 2", "left"), ("2 * 10.00", "right"), ("10 * 2", "left"), ("10.00 / 4", "left"),
])
def test_one_side_of_a_product_of_bare_numbers_is_money(cap: str, money_side: str) -> None:
    """`cap 10.00 * 2` is 20.00 yuan: the money side is scaled to fen, the plain factor is not."""
    checked = check(parse(policy_with_cap(cap), "t.yb"))
    e = checked.policy.layers[0].caps[0].expr
    assert isinstance(e, ast.BinOp) and checked.type_of(e) == MONEY
    money, plain = (e.left, e.right) if money_side == "left" else (e.right, e.left)
    assert checked.type_of(money) == MONEY and checked.type_of(plain).name == "number"


# ---------------------------------------------------------------- characters


def test_a_lone_surrogate_passed_to_parse() -> None:
    text = HEAD + '\nsource x "\ud800" / "x"\n' + LAYER.format(cap="1.00")
    line, col, message, hint = only(error_of(text))
    assert (line, col) == (HEAD_LINES + 2, len('source x "') + 1)
    assert message == "a lone surrogate '\\ud800', which is not a character"
    assert hint == "the text was decoded wrongly; a policy is UTF-8 text"
    assert "source x \"\ufffd\"" in error_of(text).format()


def test_a_nul_byte() -> None:
    text = policy_with_cap("1.00") + "# a comment \x00 with a NUL\n"
    line, col, message, _ = only(error_of(text))
    assert (line, col, message) == (CAP_LINE + 1, len("# a comment ") + 1, "a NUL character in the policy")
    assert "# a comment \u2400 with a NUL" in error_of(text).format()


def test_a_nul_in_an_extends_path() -> None:
    text = 'policy a "b" / "c"\n  extends "base\x00.yb"\n'
    assert only(error_of(text))[:3] == (2, len('  extends "base') + 1, "a NUL character in the policy")


# ---------------------------------------------------------------- files and extends


def reform_of(extends: str) -> str:
    return f'policy r "改革" / "reform"\n  extends "{extends}"\n'


def test_an_extends_path_too_long(tmp_path: Path) -> None:
    line, col, message, _ = only(error_of(reform_of("x" * 5000 + ".yb"), str(tmp_path / "r.yb")))
    assert (line, col) == (2, 3)
    assert message.startswith("cannot read the base policy `xxx") and message.endswith(": File name too long")
    assert len(message) < 200


def test_an_extends_naming_a_folder(tmp_path: Path) -> None:
    (tmp_path / "base").mkdir()
    line, col, message, _ = only(error_of(reform_of("base"), str(tmp_path / "r.yb")))
    assert (line, col) == (2, 3) and message.startswith("the base policy `base` is a folder")


def test_an_extends_base_that_is_not_utf8(tmp_path: Path) -> None:
    (tmp_path / "base.yb").write_bytes(b'policy b "b" / "b"\n  document "\xe9"\n')
    line, col, message, hint = only(error_of(reform_of("base.yb"), str(tmp_path / "r.yb")))
    assert (line, col) == (2, 3)
    assert message == ("cannot read the base policy `base.yb`: it is not UTF-8 text "
                       "(byte 0xe9 at line 2, column 13)")
    assert hint == "save it as UTF-8"


@pytest.mark.skipif(not hasattr(os, "geteuid") or os.geteuid() == 0, reason="root reads any file")
def test_an_extends_base_without_permission(tmp_path: Path) -> None:
    base = tmp_path / "base.yb"
    base.write_text("policy b\n", encoding="utf-8")
    base.chmod(0)
    try:
        line, col, message, _ = only(error_of(reform_of("base.yb"), str(tmp_path / "r.yb")))
    finally:
        base.chmod(0o600)
    assert (line, col, message) == (2, 3, "cannot read the base policy `base.yb`: Permission denied")


def test_a_policy_file_that_is_not_utf8(tmp_path: Path) -> None:
    path = tmp_path / "p.yb"
    path.write_bytes('policy a "标签" / "b"\n  document "'.encode() + b'\xff"\n')
    with pytest.raises(PolicyError) as info:
        parse_file(path)
    d = info.value.diagnostics[0]
    assert (d.span.line, d.span.column) == (2, 13)
    assert d.message == "cannot read policy: it is not UTF-8 text (byte 0xff at line 2, column 13)"
    assert '   2 |   document "\ufffd"' in info.value.format()


def test_a_folder_given_as_a_policy(tmp_path: Path) -> None:
    with pytest.raises(PolicyError) as info:
        parse_file(tmp_path)
    assert info.value.diagnostics[0].message == "cannot read policy: it is a folder, not a policy file"


# ---------------------------------------------------------------- size


def test_an_enum_of_ten_thousand_members_on_one_line() -> None:
    members = " | ".join(f"m{i}" for i in range(10_000))
    text = HEAD + f"\nenum person.category = {members}\n" + LAYER.format(cap="1.00")
    policy = parse(text, "t.yb")
    last = policy.enums[0].members[-1]
    column = len(f"enum person.category = {members}") - len("m9999") + 1
    assert (last.span.line, last.span.column) == (HEAD_LINES + 2, column)
    assert (last.span.end_line, last.span.end_column) == (last.span.line, last.span.column + len("m9999"))
    assert len(check(policy).enums["person.category"]) == 10_000


def test_an_enum_with_thousands_of_duplicates() -> None:
    members = " | ".join(["a", "b"] * 2_500)
    text = HEAD + f"\nenum person.category = {members}\n" + LAYER.format(cap="1.00")
    err = error_of(text)
    assert len(err.diagnostics) == 5_000 and err.format().endswith("5000 errors found")


def test_a_long_chain_of_parameters() -> None:
    """Each parameter reads the next: a dependency chain far deeper than Python's recursion limit."""
    n = 2_000
    values = [f"p{i + 1} + 1.00" for i in range(n - 1)] + ["1.00"]
    params = "".join(f'\nparameter p{i} "参数" / "param": money\n  cite doc\n  value {v}\n'
                     for i, v in enumerate(values))
    checked = check(parse(HEAD + params + LAYER.format(cap="p0"), "t.yb"))
    assert [p.name for p in checked.param_order[:2]] == [f"p{n - 1}", f"p{n - 2}"]
    assert checked.reads(checked.policy.layers[0])[0] == f"p{n - 1}"
    assert len(checked.reads(checked.policy.layers[0])) == n


def test_a_cycle_of_parameters_is_still_found() -> None:
    params = "".join(f'\nparameter p{i} "参数" / "param": money\n  cite doc\n  value p{(i + 1) % 3}\n'
                     for i in range(3))
    err = error_of(HEAD + params + LAYER.format(cap="p0"))
    assert [d.message for d in err.diagnostics if d.severity == "error"] == [
        "parameters depend on each other in a cycle: p0 → p1 → p2 → p0"]


def test_a_long_line_is_shown_round_its_error() -> None:
    err = error_of(policy_with_cap(" + ".join(["1.00"] * 2_000) + " + nothing"))
    shown = err.format().splitlines()
    assert shown[0].endswith("error[Y0201]: unknown name `nothing`")
    assert shown[1].startswith(f"{CAP_LINE:>4} | …") and shown[1].endswith("+ nothing per year")
    assert shown[2].index("^") == shown[1].index("nothing") and len(shown[1]) < 200


def test_a_long_chain_of_exceptions_over_each_other() -> None:
    """`e0 over e1`, `e1 over e2`, …: priority is found without recursion, and in a linear number of steps."""
    n = 1_200
    over = [f" over e{i + 1}" for i in range(n - 1)] + [""]
    exceptions = "".join(f'  exception e{i} "例外" / "exception"{o} when person.age > {i}\n    value {i}.00\n'
                         for i, o in enumerate(over))
    text = HEAD + f'\nparameter p "参数" / "param": money\n  cite doc\n  value 1.00\n{exceptions}'
    checked = check(parse(text + LAYER.format(cap="p"), "t.yb"))
    ordered = checked.policy.parameters[0].exceptions_by_priority()
    assert [e.name for e in ordered[:2]] == ["e0", "e1"] and len(ordered) == n


@pytest.mark.parametrize("char", ["\u017f", "\u212a", "\u0130", "\u0131"])
def test_names_are_ascii(char: str) -> None:
    """ſ matches `s` case-insensitively, and Python folds `p_ſ` into `p_s`: two parameters, one variable."""
    param = f'\nparameter {char}x "参数" / "param": money\n  cite doc\n  value 1.00\n'
    text = HEAD + param + LAYER.format(cap="1.00")
    line, col, message, _ = only(error_of(text))
    assert (line, col, message) == (HEAD_LINES + 2, len("parameter ") + 1, f"unexpected character {char!r}")


def test_a_line_too_long_to_be_a_policy() -> None:
    """A megabyte line (a 9,000-term `or` chain, say) is refused before any time goes into parsing."""
    from yibao.dsl.parser import MAX_LINE_CHARS

    chain = " or ".join(["visit.kind == inpatient"] * (MAX_LINE_CHARS // 20))
    text = HEAD + LAYER.format(cap="1.00").replace("rate 80%", f"when {chain}\n  rate 80%")
    line, col, message, hint = only(error_of(text))
    assert line == CAP_LINE - 1 and col == MAX_LINE_CHARS + 1
    assert message.startswith(f"line {line} is ") and message.endswith(f"at most {MAX_LINE_CHARS:,}")
    assert hint and "parameters" in hint
