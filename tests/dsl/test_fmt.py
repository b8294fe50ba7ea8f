"""``yibao fmt``: the canonical layout, kept comments, idempotence, the same AST, and the command."""

from __future__ import annotations

import random
import re
from pathlib import Path

import pytest
from click.testing import CliRunner
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from yibao.dsl.errors import PolicyError
from yibao.dsl.fmt import first_difference, format_source
from yibao.dsl.parser import parse_own

from yibao.cli import main
from yibao.fuzzing import load_corpus, make_mutant

POLICIES = sorted(str(p) for p in Path("policies").rglob("*.yb"))
TEXTS = {p: Path(p).read_text(encoding="utf-8") for p in POLICIES}
_STRING = re.compile(r'"(?:[^"\\\n]|\\.)*"')


def _code_and_comment(line: str) -> tuple[str, str]:
    """A line split before its comment (a ``#`` outside strings)."""
    i = 0
    while i < len(line):
        if line[i] == '"':
            m = _STRING.match(line, i)
            assert m
            i = m.end()
        elif line[i] == "#":
            return line[:i].rstrip(), line[i:]
        else:
            i += 1
    return line, ""


def _mess_code(code: str, rnd: random.Random) -> str:
    """The same tokens with other spaces: runs of blanks changed, some added, some removed."""
    pieces = []
    last = 0
    for m in _STRING.finditer(code):
        pieces.append((code[last:m.start()], False))
        pieces.append((m.group(), True))
        last = m.end()
    pieces.append((code[last:], False))
    out = []
    for text, is_string in pieces:
        if is_string:
            out.append(text)
            continue
        text = re.sub(r"per (?=year|visit|month|quarter)", "per\0", text)  # one token, one space
        text = re.sub(r" +", lambda _: rnd.choice([" ", "  ", "\t", "   ", " \t "]), text)
        text = re.sub(r", ", lambda _: rnd.choice([",", ", ", " ,  "]), text)
        text = re.sub(r" -> ", lambda _: rnd.choice(["->", " -> ", "   ->  "]), text)
        text = re.sub(r"\(", lambda _: rnd.choice(["(", "( "]), text)
        text = re.sub(r"\)", lambda _: rnd.choice([")", " )"]), text)
        text = re.sub(r"(?<=[a-z_])\.(?=[a-z_])", lambda _: rnd.choice([".", " . "]), text)
        out.append(text.replace("\0", " "))
    return "".join(out)


def messy(canonical: str, rnd: random.Random) -> str:
    """A deliberately messy copy of a canonical policy: other indentation (tabs too), spacing,
    blank lines, trailing blanks and line endings, misaligned tables; the same tokens and comments."""
    columns = [0]
    for _ in range(8):
        columns.append(columns[-1] + rnd.choice([1, 2, 3, 4, 8]))
    lines = canonical.split("\n")[:-1]
    out: list[str] = ["" for _ in range(rnd.randint(0, 2))]
    brackets = 0
    for i, line in enumerate(lines):
        if not line:
            nxt = lines[i + 1] if i + 1 < len(lines) else ""
            prev = next(p for p in reversed(lines[:i]) if p)
            may_drop = nxt[:1] not in ("", " ", "#") and not prev.startswith("#")
            out.extend([""] * rnd.randint(0 if may_drop else 1, 3))
            continue
        depth = (len(line) - len(line.lstrip(" "))) // 2
        code, comment = _code_and_comment(line.strip())
        if brackets > 0:  # a continuation line: any indentation will do
            lead = " " * rnd.randint(0, 12)
        else:
            lead = "\t" if columns[depth] == 8 and rnd.random() < 0.5 else " " * columns[depth]
        brackets += code.count("(") - code.count(")")
        if code:
            text = _mess_code(code, rnd)
            if comment:
                text += " " * rnd.randint(1, 5) + comment
        else:
            text = comment
        ending = rnd.choice(["", "", " ", "\t  "]) + rnd.choice(["\n", "\n", "\r\n"])
        out.append(lead + text + ending)
        nxt = lines[i + 1] if i + 1 < len(lines) else ""
        if code and nxt.startswith(" " * (2 * depth + 2)) and rnd.random() < 0.3:
            out.append("\n" * rnd.randint(1, 2))  # blank lines at the start of a block
    text = "".join(s if s.endswith("\n") else s + "\n" for s in out)
    text += "\n" * rnd.randint(0, 2)
    return text if rnd.random() < 0.8 else text.rstrip("\n")


# ---------------------------------------------------------------------------- the bundled policies


@pytest.mark.parametrize("path", POLICIES)
def test_every_bundled_policy_is_formatted(path: str) -> None:
    assert format_source(TEXTS[path], path) == TEXTS[path]


@pytest.mark.parametrize("path", POLICIES)
def test_a_messy_copy_formats_to_the_bundled_file(path: str) -> None:
    mess = messy(TEXTS[path], random.Random(path))
    assert mess != TEXTS[path]
    formatted = format_source(mess, path)
    assert formatted == TEXTS[path]
    assert first_difference(parse_own(mess, path), parse_own(formatted, path)) is None


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(path=st.sampled_from(POLICIES), rnd=st.randoms(use_true_random=False))
def test_any_messy_copy_formats_to_the_bundled_file(path: str, rnd: random.Random) -> None:
    assert format_source(messy(TEXTS[path], rnd), path) == TEXTS[path]


COMMENT = st.text(st.sampled_from('abc 中文 #"\\()-/'), max_size=12).map(lambda s: ("# " + s).rstrip())


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(path=st.sampled_from(POLICIES), data=st.data())
def test_comments_anywhere_are_kept_and_formatting_twice_changes_nothing(path: str,
                                                                         data: st.DataObject) -> None:
    lines = TEXTS[path].split("\n")[:-1]
    added: list[str] = []
    for _ in range(data.draw(st.integers(1, 6), label="comments")):
        comment = data.draw(COMMENT)
        at = data.draw(st.integers(0, len(lines) - 1))
        if data.draw(st.booleans(), label="own line") or not lines[at] or "#" in lines[at]:
            lines.insert(at + 1, " " * data.draw(st.integers(0, 9), label="column") + comment)
        else:
            lines[at] += " " * data.draw(st.integers(1, 4)) + comment
        added.append(comment)
    text = "\n".join(lines) + "\n"
    once = format_source(text, path)
    assert format_source(once, path) == once
    assert first_difference(parse_own(text, path), parse_own(once, path)) is None
    kept = [c.strip() for c in once.split("\n")]
    for comment in added:  # each comment is still there, whole, on a line of its own or after code
        assert any(line == comment or line.endswith("  " + comment) for line in kept), comment


@settings(max_examples=30, deadline=None, suppress_health_check=[HealthCheck.too_slow], database=None)
@given(index=st.integers(min_value=0, max_value=2**31))
def test_a_mutated_policy_is_formatted_twice_the_same_or_refused_with_a_position(index: int) -> None:
    """The fuzzer's mutants (``yibao.fuzzing``): a parse error, or a layout that is a fixed point."""
    mutant = make_mutant("policy", 14, index, CORPUS, heavy=False)
    text = mutant.data if isinstance(mutant.data, str) else mutant.data.decode("utf-8", "replace")
    try:
        once = format_source(text, "mutant.yb")
    except PolicyError as err:
        assert err.diagnostics and err.diagnostics[0].span.line >= 1
        return
    assert format_source(once, "mutant.yb") == once


CORPUS = load_corpus()


# ---------------------------------------------------------------------------- the layout


SMALL = """\
# a policy in disorder
policy   demo.small "小" /"small"
    rounding half_up
    effective 2020-01-01
    document "文件"

source doc  "文件"/ "document"
layer basic "统筹" / "basic"   # the only layer
    cap   limit  per year
    rate  if visit.level==3 then -(-60%) else max( 50%,rate_floor )
    # the base, as written
    base in_scope
    cite doc
    deductible (if visit.referral == referred
                  # after a referral
        then 300.00
      else 600.00) per visit
classify "分类" / "classify"
    cite doc
    category A -> in scope
    category B -> first self pay 10%
    category C -> out of scope



parameter limit "限额" / "limit": money
    cite doc
    table visit.region,visit.level
        local,1|primary->1000.00
        _,_   ->   2000.00   # elsewhere
      # end of the table
parameter rate_floor "下限" / "floor": rate
    cite doc
    value 50%
"""

SMALL_FORMATTED = """\
# a policy in disorder
policy demo.small "小" / "small"
  document "文件"
  effective 2020-01-01
  rounding half_up

source doc "文件" / "document"

layer basic "统筹" / "basic"  # the only layer
  cite doc
  # the base, as written
  base in_scope
  deductible (if visit.referral == referred
    # after a referral
    then 300.00
    else 600.00) per visit
  rate if visit.level == 3 then -(-60%) else max(50%, rate_floor)
  cap limit per year

classify "分类" / "classify"
  cite doc
  category A -> in scope
  category B -> first self pay 10%
  category C -> out of scope

parameter limit "限额" / "limit": money
  cite doc
  table visit.region, visit.level
    local, 1 | primary -> 1000.00
    _,     _           -> 2000.00  # elsewhere
    # end of the table

parameter rate_floor "下限" / "floor": rate
  cite doc
  value 50%
"""


def test_the_canonical_layout() -> None:
    assert format_source(SMALL, "small.yb") == SMALL_FORMATTED
    assert format_source(SMALL_FORMATTED, "small.yb") == SMALL_FORMATTED


def test_minus_binary_and_unary_and_calls() -> None:
    text = SMALL_FORMATTED.replace("value 50%", "value rate_floor_base -  -  5%")
    text += 'parameter rate_floor_base "基" / "base": rate\n  cite doc\n  value min (60%,-(1%) )\n'
    out = format_source(text, "small.yb")
    assert "  value rate_floor_base - -5%\n" in out
    assert "  value min(60%, -(1%))\n" in out


def test_a_reform_formats_without_its_base() -> None:
    text = ('policy r.x "改" / "reform"\n    extends "nowhere/base.yb"\namend limit\n    cite doc\n'
            "    from 2023-01-01 value 1.00\n")
    assert format_source(text, "r.yb") == (
        'policy r.x "改" / "reform"\n  extends "nowhere/base.yb"\n\namend limit\n  cite doc\n'
        "  from 2023-01-01 value 1.00\n")


def test_a_policy_that_does_not_parse_is_the_usual_error() -> None:
    with pytest.raises(PolicyError) as info:
        format_source(SMALL.replace("rate  if", "rate  iff"), "small.yb")
    assert "small.yb:10:" in str(info.value)


def test_first_difference_names_the_statement_that_differs() -> None:
    other = SMALL_FORMATTED.replace("-> 2000.00", "-> 2000.01")
    where = first_difference(parse_own(SMALL_FORMATTED, "a.yb"), parse_own(other, "a.yb"))
    assert where is not None and where.line == 30
    assert first_difference(parse_own(SMALL, "a.yb"), parse_own(SMALL_FORMATTED, "a.yb")) is None


# ---------------------------------------------------------------------------- the command


def run(*args: str):
    return CliRunner().invoke(main, ["fmt", *args])


def test_fmt_check_lists_what_would_change_and_changes_nothing(tmp_path: Path) -> None:
    (tmp_path / "sub").mkdir()
    (tmp_path / "sub" / "small.yb").write_text(SMALL, encoding="utf-8")
    (tmp_path / "ok.yb").write_text(SMALL_FORMATTED, encoding="utf-8")
    result = run("--check", str(tmp_path))
    assert result.exit_code == 1
    assert f"would reformat {tmp_path / 'sub' / 'small.yb'}" in result.output
    assert "ok.yb" not in result.output.replace("already", "")
    assert (tmp_path / "sub" / "small.yb").read_text(encoding="utf-8") == SMALL
    assert run("--check", str(tmp_path / "ok.yb")).exit_code == 0


def test_fmt_diff_prints_a_unified_diff(tmp_path: Path) -> None:
    path = tmp_path / "small.yb"
    path.write_text(SMALL, encoding="utf-8")
    result = CliRunner().invoke(main, ["fmt", "--diff", str(path)])
    assert result.exit_code == 0
    assert result.stdout.startswith(f"--- {path}\n+++ {path} (formatted)\n@@ ")
    assert "-policy   demo.small" in result.stdout and "+policy demo.small" in result.stdout
    assert path.read_text(encoding="utf-8") == SMALL
    assert run("--diff", "--check", str(path)).exit_code == 1


def test_fmt_rewrites_and_then_has_nothing_to_do(tmp_path: Path) -> None:
    path = tmp_path / "small.yb"
    path.write_bytes(SMALL.replace("\n", "\r\n").encode("utf-8"))
    result = run(str(path))
    assert result.exit_code == 0
    assert path.read_text(encoding="utf-8") == SMALL_FORMATTED
    assert "1 file reformatted" in result.output
    assert "1 file already formatted" in run(str(tmp_path)).output


def test_fmt_leaves_a_broken_file_alone_and_does_the_others(tmp_path: Path) -> None:
    broken = tmp_path / "broken.yb"
    broken.write_text(SMALL.replace("rate  if", "rate  iff"), encoding="utf-8")
    good = tmp_path / "good.yb"
    good.write_text(SMALL, encoding="utf-8")
    result = run(str(tmp_path))
    assert result.exit_code == 1
    assert "broken.yb:10:" in result.output and "Traceback" not in result.output
    assert broken.read_text(encoding="utf-8") == SMALL.replace("rate  if", "rate  iff")
    assert good.read_text(encoding="utf-8") == SMALL_FORMATTED
    assert "1 file could not be formatted" in result.output


RECORD = """\
policy demo.fund "基金分配" / "fund split"
  effective 2022-01-01
  input record
  amount record.raised

source plan "改革方案" / "reform plan"

field raised "筹资总额" / "funds raised": money
  cite plan "一"
field counties "县区数" / "number of counties": count


field audited "已审计" / "audited": bool
layer reserve "风险金" / "risk reserve"
  cite plan "一"
  rate 1%
"""


def test_record_fields_may_stay_together_other_blocks_get_one_blank_line() -> None:
    out = format_source(RECORD, "fund.yb")
    assert out == RECORD.replace("count\n\n\n", "count\n\n").replace("bool\nlayer", "bool\n\nlayer")
    assert format_source(out, "fund.yb") == out


def test_layer_statements_in_the_order_the_layer_applies_them() -> None:
    head = ('policy demo.order "序" / "order"\n  effective 2020-01-01\n\nsource doc "文件" / "document"\n\n'
            'classify "分类" / "classify"\n  cite doc\n  category A -> in scope\n  category B -> in scope\n'
            '  category C -> out of scope\n\nlayer basic "统筹" / "basic"\n')
    messy = "  rate 50%\n  {ceiling}\n  deductible 600.00 per year\n  base in_scope\n  cite doc\n"
    plain = format_source(head + messy.format(ceiling="ceiling 8000.00 per year"))
    after = format_source(head + messy.format(ceiling="ceiling 8000.00 per year after deductible"))
    assert plain == head + ("  cite doc\n  base in_scope\n  ceiling 8000.00 per year\n"
                            "  deductible 600.00 per year\n  rate 50%\n")
    assert after == head + ("  cite doc\n  base in_scope\n  deductible 600.00 per year\n"
                            "  ceiling 8000.00 per year after deductible\n  rate 50%\n")


def test_blank_lines_inside_a_block_at_most_one_and_none_at_its_start() -> None:
    text = SMALL_FORMATTED.replace('parameter rate_floor "下限" / "floor": rate\n  cite doc\n',
                                   'parameter rate_floor "下限" / "floor": rate\n\n\n  cite doc\n\n\n\n')
    assert format_source(text, "small.yb") == SMALL_FORMATTED.replace(
        'parameter rate_floor "下限" / "floor": rate\n  cite doc\n',
        'parameter rate_floor "下限" / "floor": rate\n  cite doc\n\n')
