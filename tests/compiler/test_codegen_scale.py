"""Big policies compile and load: a table of 10,000 rows, a policy of 10,000 parameters.

An if/elif chain of thousands of rows overflows CPython's own parser and compiler, so long
tables are generated as flat lookups; these tests settle claims through them and check the
first matching row wins, as in a short table, with the row named in the trace.

The 10,000-item policies are built as ASTs (one parsed item copied, its spans moved to where
the copy's text is), so the tests exercise the checker, the generator and the loader, not the
parser; a smaller policy goes through the parser end to end. How the time grows with size is
measured by ``benchmarks/policy_scale.py``, not asserted here (speed is never a timed test).
"""

from __future__ import annotations

import dataclasses
import sys
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
from yibao.compiler import codegen_tables
from yibao.compiler.codegen import generate
from yibao.compiler.loader import Policy, compile_policy
from yibao.dsl import ast
from yibao.dsl.checks import check
from yibao.dsl.parser import parse

sys.path.insert(0, str(Path(__file__).resolve().parents[2] / "benchmarks"))
from policy_scale import params_text  # the benchmark's policy: the test and the benchmark read one text

HEAD = '''\
policy big.policy "大" / "big"
  effective 2020-01-01

source doc "文件" / "document"

classify "分类" / "classify"
  cite doc
  category A -> in scope
  category B -> in scope
  category C -> out of scope
'''

SIDE = 110  # regions × categories: 12,100 pairs, 10,000 and more rows


_FIELDS: dict[type, tuple[str, ...]] = {}


def _moved(node: Any, lines: int) -> Any:
    """A copy of an AST node ``lines`` further down the file."""
    if isinstance(node, ast.Span):
        return ast.Span(node.file, node.line + lines, node.column, node.end_line + lines, node.end_column)
    if isinstance(node, tuple):
        return tuple(_moved(x, lines) for x in node)
    cls = type(node)
    names = _FIELDS.get(cls)
    if names is None:
        is_node = dataclasses.is_dataclass(node) and not isinstance(node, type)
        names = _FIELDS[cls] = tuple(f.name for f in dataclasses.fields(node)) if is_node else ()
    if not names:
        return node
    return cls(*(_moved(getattr(node, n), lines) for n in names))


# ---------------------------------------------------------------- a long table
def table_rows(side: int, base_every: int = 0) -> list[tuple[str, str, str]]:
    """(region pattern, category pattern, value) per row, first match wins, none shadowed.

    ``r0, _`` and ``_, k0`` come first and take every r0 and k0 claim; one pair in seven has no
    row of its own and falls to its region's ``rN, _`` row, or for r1 to the last, ``_, _``.
    With ``base_every``, every so many rows' value is a parameter, not a constant.
    """
    rows = [("r0", "_", "99%"), ("_", "k0 | z0", "98%")]
    for i in range(1, side):
        for j in range(1, side):
            if (i * side + j) % 7:
                parameter = base_every and len(rows) % base_every == 0
                value = "base_rate" if parameter else f"{(i * 7 + j) % 90 + 1}%"
                rows.append((f"r{i}", f"k{j} | z{j}" if j == 3 else f"k{j}", value))
    rows += [(f"r{i}", "_", "95%") for i in range(2, side)]
    rows.append(("_", "_", "97%"))
    return rows


def percent(value: str) -> int:
    return 33 if value == "base_rate" else int(value[:-1])


def table_text(rows: list[tuple[str, str, str]], side: int) -> str:
    enums = ("enum visit.region = " + " | ".join(f"r{i}" for i in range(side)) + "\n"
             "enum person.category = " + " | ".join(f"k{j} | z{j}" if j in (0, 3) else f"k{j}"
                                                  for j in range(side)) + "\n")
    body = "\n".join(f"    {a}, {b} -> {v}" for a, b, v in rows)
    return (HEAD + "\n" + enums + '''
layer basic "统筹" / "basic"
  cite doc
  rate rate

parameter base_rate "基准" / "base rate": rate
  cite doc
  value 33%

parameter rate "比例" / "rate": rate
  cite doc
  table visit.region, person.category
''' + body + "\n")


def table_policy(side: int) -> tuple[ast.Policy, list[tuple[str, str, str]], int]:
    """The AST of the policy with a long table, and its rows; the line of its first row."""
    rows = table_rows(side)
    text = table_text(rows, side)
    small = parse(table_text(rows[:1], side), "big.yb")
    first = small.parameters[1].versions[0].definition
    assert isinstance(first, ast.Table)
    row0 = first.rows[0]

    def pattern(p: ast.Pattern, written: str, column: int) -> ast.Pattern:
        alternatives = None if written == "_" else tuple(a.strip() for a in written.split("|"))
        return dataclasses.replace(p, alternatives=alternatives, span=dataclasses.replace(
            p.span, column=column, end_column=column + len(written)))

    built = []
    for n, (a, b, v) in enumerate(rows):
        r = _moved(row0, n)
        width = len(f"    {a}, {b} -> {v}")
        built.append(dataclasses.replace(
            r, patterns=(pattern(r.patterns[0], a, 5), pattern(r.patterns[1], b, 7 + len(a))),
            value=dataclasses.replace(r.value, value=Decimal(percent(v))),
            span=dataclasses.replace(r.span, end_column=width + 1)))
    table = dataclasses.replace(first, rows=tuple(built))
    version = dataclasses.replace(small.parameters[1].versions[0], definition=table)
    param = dataclasses.replace(small.parameters[1], versions=(version,))
    policy = dataclasses.replace(small, parameters=(small.parameters[0], param), text=text,
                                 texts={"big.yb": text})
    return policy, rows, row0.span.line


def first_match(rows: list[tuple[str, str, str]], region: str, category: str) -> int:
    for n, (a, b, _) in enumerate(rows):
        if a in ("_", region) and (b == "_" or category in [x.strip() for x in b.split("|")]):
            return n
    raise AssertionError("no row")


def claim(region: str, category: str, amount: str = "100.00") -> dict[str, Any]:
    return {
        "id": f"{region}-{category}", "date": "2024-01-01",
        "person": {"id": "p", "scheme": "resident", "category": category},
        "visit": {"kind": "inpatient", "level": 1, "region": region},
        "lines": [{"code": "a", "category": "A", "amount": amount}],
    }


def test_a_table_of_10000_rows_compiles_loads_and_settles() -> None:
    policy_ast, rows, line0 = table_policy(SIDE)
    assert len(rows) > 10_000
    checked = check(policy_ast)
    policy = Policy(checked, generate(checked))
    assert ".get((c.region, c.category), " in policy.source
    kinds = set()
    for region, category in [("r0", "k5"), ("r2", "k0"), ("r2", "z0"), ("r2", "k4"), ("r1", "k6"),
                             ("r1", "k7"), ("r109", "k109"), ("r109", "k3"), ("r57", "z3"), ("r58", "k98"),
                             ("r3", "k1"), ("r1", "k2")]:
        n = first_match(rows, region, category)
        kinds.add("r0, _" if n == 0 else "_, k0" if n == 1 else "_, _" if n == len(rows) - 1
                  else "rN, _" if rows[n][1] == "_" else "exact")
        s = policy.settle(claim(region, category), trace=True)
        assert s.payer_fen == (percent(rows[n][2]) * 100,), (region, category, rows[n])
        assert policy.settle(claim(region, category)).payer_fen == s.payer_fen
        step = next(st for st in s.trace if st.rule == "parameter:rate")
        assert step.line == line0 + n
        assert step.inputs[0].branch == f"row `{rows[n][0]}, {rows[n][1]}`"
    assert kinds == {"r0, _", "_, k0", "_, _", "rN, _", "exact"}


@pytest.mark.parametrize("form", ["dicts", "search"])
def test_a_long_table_through_the_parser_agrees_with_the_chain(form, monkeypatch) -> None:
    """The same table as an if/elif chain and as a long table's lookup: the same settlements.

    Some rows' values are a parameter: those are computed in the lookup's tree of ``if ri < …``.
    """
    side = 30
    text = table_text(table_rows(side, base_every=5), side)
    monkeypatch.setattr(codegen_tables, "_CHAIN_ROWS", 10**6)
    chain = compile_policy(text, "big.yb")
    monkeypatch.setattr(codegen_tables, "_CHAIN_ROWS", 0)
    monkeypatch.setattr(codegen_tables, "_EXPANSION", 8 if form == "dicts" else 0)
    flat = compile_policy(text, "big.yb")
    assert ("_row(c)" in flat.source) == (form == "search")
    assert "_values" not in flat.source and "if ri < " in flat.source
    paid = set()
    for i in range(side):
        for j in range(side):
            c = claim(f"r{i}", f"k{j}" if j % 2 else f"z{j}" if j in (0, 3) else f"k{j}")
            a, b = flat.settle(c, trace=True), chain.settle(c, trace=True)
            assert a.to_json() == b.to_json()
            paid.add(a.payer_fen)
    assert len(paid) > 50


# ---------------------------------------------------------------- many parameters
def params_policy(n: int) -> ast.Policy:
    """The AST of ``params_text(n)``: its second parameter copied, renamed and moved down."""
    small = parse(params_text(2), "many.yb")
    p1 = small.parameters[1]
    per = p1.span.line - small.parameters[0].span.line  # lines per parameter
    params = [small.parameters[0], p1]
    for i in range(2, n):
        p = _moved(p1, per * (i - 1))
        value = p.versions[0].definition
        assert isinstance(value, ast.Value) and isinstance(value.expr, ast.BinOp)
        left = dataclasses.replace(value.expr.left, name=f"p{i - 1}")
        expr = dataclasses.replace(value.expr, left=left)
        version = dataclasses.replace(p.versions[0], definition=dataclasses.replace(value, expr=expr))
        params.append(dataclasses.replace(p, name=f"p{i}", label=ast.Label(f"参数{i}", f"parameter {i}",
                                                                             p.label.span),
                                          versions=(version,)))
    layer = small.layers[0]
    assert layer.deductible is not None
    ded = dataclasses.replace(layer.deductible.expr, name=f"p{n // 2 - 1}")
    cap = dataclasses.replace(layer.caps[0].expr, name=f"p{n - 1}")
    layer = dataclasses.replace(layer, deductible=dataclasses.replace(layer.deductible, expr=ded),
                                caps=(dataclasses.replace(layer.caps[0], expr=cap),))
    text = params_text(n)
    return dataclasses.replace(small, parameters=tuple(params), layers=(layer,), text=text,
                               texts={"many.yb": text})


def test_a_policy_of_10000_parameters_compiles_loads_and_settles() -> None:
    n = 10_000
    checked = check(params_policy(n))
    policy = Policy(checked, generate(checked))
    # deductible p4999 = 5,000.00; cap p9999 = 10,000.00
    s = policy.settle(claim("local", "normal", "30000.00"), trace=True)
    assert s.payer_fen == (1_000_000,)
    s = policy.settle(claim("local", "normal", "12000.00"))
    assert s.payer_fen == (350_000,)
    # The traced path records every parameter (rendering 10,000 steps is left out: it is slow).
    site = next(i for i, x in enumerate(policy.meta.sites) if x.rule == "parameter:p9999")
    records = policy.settle(claim("local", "normal"), trace=True).records
    assert records is not None
    assert [values[0] for sid, values in records if sid == site] == [1_000_000]


def test_parameters_through_the_parser() -> None:
    policy = compile_policy(params_text(300), "many.yb")
    assert policy.settle(claim("local", "normal", "400.00")).payer_fen == (12_500,)  # (400 - 150) × 50%


# ---------------------------------------------------------------- long expressions
def test_a_sum_of_10000_terms_and_a_long_else_if_chain() -> None:
    """Parentheses nest at most a few levels: CPython's parser stops at 200, its compiler soon after."""
    n = 10_000
    terms = " + ".join(["2.00"] * n) + " - 1.00 - 1.00"
    choice = "if person.age > 100 then 1.00 else " * 50 + "0.00"
    text = HEAD + f'''
parameter cap "封顶" / "cap": money
  cite doc
  value {terms}

parameter extra "额外" / "extra": money
  cite doc
  value {choice}

layer basic "统筹" / "basic"
  cite doc
  rate 50%
  cap cap + extra + 0.50 per visit
'''
    policy = compile_policy(text, "long.yb")
    assert "cap = (p_cap + p_extra + 50)" in policy.source  # a short sum stays one flat sum
    assert "(1.00 if" not in policy.source and " else 100 if " in policy.source
    c = claim("local", "normal", "100000.00")
    c["person"]["age"] = 30
    assert policy.settle(c).payer_fen == (2 * n * 100 - 200 + 50,)
    c["person"]["age"] = 101
    assert policy.settle(c, trace=True).payer_fen == (2 * n * 100 - 200 + 150,)
