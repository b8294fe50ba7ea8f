"""The columnar backend's compiled parts (``compiler/columnar_c.py``, ``codegen_columnar_c.py``)
give, to the fen, what the generated NumPy code gives, or decline and let that code run: on sampled
claims of every bundled policy (and the scalar path's answer), on arbitrary int64 columns near
the limits (NumPy's wrap-around, floor division, rounding), on enum codes no table row matches
(the same failures), and on buffers of every wrong kind (never a crash)."""

from __future__ import annotations

import os
import sys
import sysconfig
from functools import cache
from pathlib import Path
from typing import Any

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from yibao.compiler import columnar_c
from yibao.compiler.codegen_columnar import generate_columnar
from yibao.compiler.codegen_columnar_c import generate_c_layers, generate_c_params
from yibao.compiler.columnar_settle import batch_from_claims, settle_batch
from yibao.compiler.loader import compile_policy
from yibao.compiler.loader_columnar import columnar_module
from yibao.compiler.runtime_columnar import Wave

from yibao.sampling import sample_policy_claims

from .test_codegen_columnar import CLAIM_POLICIES, _policy, _scalar, _variants

I64 = np.int64
BENCH = Path(__file__).resolve().parents[2] / "benchmarks"
# The bundled policies' parts that run as NumPy code, and the construct that keeps them there.
# The whole step (``step``) runs where both do and the classification has the fused form.
DECLINED = {
    "assistance_on_platform_results": {"params": "dated versions", "layers": "`given` layer",
                                       "step": "parameters run as NumPy code (no C form: a parameter with"},
    "implants_and_platform_split": {"step": "no fused form"},
    "remote_followup": {"layers": "MemberOf", "step": "MemberOf"},
    "resident_outpatient": {"params": "not a number", "step": "no fused form"},
    "poverty_inpatient": {"params": "not a number", "layers": "claim's own field", "step": "not a number"},
    "two_diseases_outpatient": {"params": "not a number", "step": "no fused form"},
    "out_of_area": {"params": "divides", "layers": "outside 0%..100%", "step": "divides"},
}
REFORM = {"params": "claim's own field", "layers": "outside 0%..100%",  # reform2023/resident_inpatient
          "step": "claim's own field"}
COMPILED = {"params": None, "layers": None, "step": None}

# Every construct the C layers take, in every rounding mode: a table that can match no row (its
# rows cover the value sets, with no `_, _`), a ceiling after the deductible with a yearly limit
# on deductibles, `when` with `and`/`not`, caps per year and per visit, bands with computed rates,
# `min`/`max`, a division by a literal.
EDGES = """\
policy t.clayers "C层" / "C layers"
  effective 2024-01-01
  rounding half_even

source doc "文件" / "document"

parameter ded "起付线" / "deductible": money
  cite doc
  table visit.level, visit.region
    1 | primary, local -> 300.00
    1 | primary, _     -> 400.00
    2, _               -> 500.00
    3, _               -> 800.00

parameter share "比例" / "share": rate
  cite doc
  table visit.referral
    none -> 85%
    _    -> 70%

parameter top "限额" / "limit": money
  cite doc
  value 30000.00 * 3 / 7

classify "分类" / "classify"
  cite doc
  category A -> in scope
  category B -> first self pay 10%
  category C -> out of scope

layer basic "基本" / "basic"
  cite doc
  base in_scope
  ceiling top per year after deductible
  deductible ded per year, at most 1200.00 per year
  rate share
  cap 20000.00 per year
  rounding down

layer extra "补充" / "extra"
  cite doc
  when basic.paid > 100.00 and not (remaining < 50.00)
  base remaining
  rate 33.3%
  cap 5000.00 per visit
  rounding up

layer band "大病" / "critical"
  cite doc
  base unpaid
  bands per year
    0.00 to 1000.00    -> 0%
    1000.00 to 5000.00 -> share
    above 5000.00      -> min(share, 55.5%)

layer last "兜底" / "last"
  cite doc
  base remaining
  fixed max(remaining * 2 / 3 - 10.00, 0.00) per visit
  rounding half_even
"""


@cache
def _edges() -> Any:
    return compile_policy(EDGES, "edges.yb")


@cache
def _bench() -> Any:
    sys.path.insert(0, str(BENCH))
    import columnar  # type: ignore[import-not-found]

    return columnar.policy()


def _settle(module: Any, claims: list[Any], own_person: bool, compiled: bool,
            monkeypatch: pytest.MonkeyPatch) -> Any:
    b = batch_from_claims(claims, module)
    if own_person:
        b.person_id = np.array([f"u{i}" for i in range(b.n)])
    with monkeypatch.context() as m:
        m.setattr(columnar_c, "MIN_CLAIMS", 0)  # every wave compiled, however small
        if not compiled:
            m.setattr(module, "KERNELS", None)
        return settle_batch(module, b, keep_going=True)


def _same(got: Any, numpy: Any, policy: Any) -> None:
    for name in ("total", "out_of_scope", "first_self_pay", "in_scope", "person"):
        assert np.array_equal(getattr(got, name), getattr(numpy, name)), name
    for name in policy.layers:
        assert np.array_equal(got.payers[name], numpy.payers[name]), name
    for name in policy.accumulators:
        assert np.array_equal(got.ytd[name], numpy.ytd[name]), name
    assert {i: str(e) for i, e in got.errors.items()} == {i: str(e) for i, e in numpy.errors.items()}


@pytest.mark.parametrize("path", CLAIM_POLICIES, ids=lambda p: f"{p.parent.name}/{p.stem}")
def test_compiled_equals_numpy_equals_scalar(path: Any, monkeypatch: pytest.MonkeyPatch) -> None:
    policy = _policy(str(path))
    module = columnar_module(policy)
    want = REFORM if path.parent.name == "reform2023" and path.stem == "resident_inpatient" else \
        DECLINED.get(path.stem, {})
    declined = columnar_c.declined(module)
    for part in ("params", "layers", "step"):
        assert (declined[part] is None) == (part not in want), (part, declined[part])
        if part in want:
            assert want[part] in str(declined[part])
    claims = _variants(policy, sample_policy_claims(policy, 100, seed=5), 3, seed=8)
    for own_person in (True, False):  # each claim its own person; persons with several claims (waves)
        got = _settle(module, claims, own_person, True, monkeypatch)
        _same(got, _settle(module, claims, own_person, False, monkeypatch), policy)
    scalar = _scalar(policy, claims)
    assert [(tuple(int(got.payers[x][i]) for x in policy.layers), int(got.person[i]))
            for i in range(len(claims)) if i not in got.errors] == \
        [s[:2] for i, s in enumerate(scalar) if i not in got.errors]


def test_the_benchmark_policy_runs_compiled(monkeypatch: pytest.MonkeyPatch) -> None:
    """CI has a C compiler: the benchmark policy's parameters and layers must not silently fall
    back to NumPy, and the kernels must take the batch a reader makes."""
    pol = _bench()
    module = columnar_module(pol)
    assert columnar_c.compiler() is not None
    assert columnar_c.declined(module) == COMPILED
    claims = sample_policy_claims(pol, 300, seed=2)
    b = batch_from_claims([pol.claim(c) for c in claims], module)
    monkeypatch.setattr(columnar_c, "MIN_CLAIMS", 0)
    assert module.KERNELS.params(b) is not None
    env = module.prepare(b)
    ytd = {a: b.ytd[a] for a in module.ACCUMULATORS}
    assert columnar_c.run(module, b.n, env, ytd) is not None
    b.person_id = np.array([f"u{i}" for i in range(b.n)])  # distinct persons: the whole step compiled
    assert columnar_c.step(module, b, ytd) is not None
    with monkeypatch.context() as m:
        m.setenv("YIBAO_COLUMNAR_C", "0")
        off = columnar_c.Kernels(module)
        assert off.declined() == dict.fromkeys(COMPILED, "YIBAO_COLUMNAR_C=0")
        assert off.params(b) is None


def test_the_edges_policy_compiled_equals_numpy_and_scalar(monkeypatch: pytest.MonkeyPatch) -> None:
    policy = _edges()
    module = columnar_module(policy)
    assert columnar_c.declined(module) == COMPILED
    claims = _variants(policy, sample_policy_claims(policy, 150, seed=3), 3, seed=4)
    for own_person in (True, False):  # the whole step; the layers' loop by waves
        got = _settle(module, claims, own_person, True, monkeypatch)
        _same(got, _settle(module, claims, own_person, False, monkeypatch), policy)
    scalar = _scalar(policy, claims)  # each person's claims in turn, as the waves settle them
    assert [(tuple(int(got.payers[x][i]) for x in policy.layers), int(got.person[i]))
            for i in range(len(claims))] == [s[:2] for s in scalar]


_LIMITS = (-(2**63), -(2**63) + 1, -(2**62), -(10**12), -1, 0, 1, 2, 3, 499_999, 500_000, 10**12,
           2**62, 2**63 - 2, 2**63 - 1)
_VALUES = st.one_of(st.sampled_from(_LIMITS), st.integers(-(2**63), 2**63 - 1), st.integers(-10**7, 10**9))
N = 24


@cache
def _wave(which: str) -> tuple[Any, Any, Any]:
    policy = _edges() if which == "edges" else _bench()
    module = columnar_module(policy)
    claims = [policy.claim(c) for c in sample_policy_claims(policy, N, seed=9)]
    return policy, module, batch_from_claims(claims, module)


@settings(max_examples=60, deadline=None)
@given(which=st.sampled_from(("edges", "bench")), data=st.data())
def test_layers_on_arbitrary_int64_columns(which: str, data: Any) -> None:
    """Every column the layers read, anywhere in int64 (sums that wrap, products past the range,
    INT64_MIN): the C loop and the NumPy code agree on every claim, bit for bit."""
    _, module, b = _wave(which)
    env = {k: np.array(data.draw(st.lists(_VALUES, min_size=N, max_size=N)), dtype=I64)
           for k in module.prepare(b)}
    ytd = {a: np.array(data.draw(st.lists(_VALUES, min_size=N, max_size=N)), dtype=I64)
           for a in module.ACCUMULATORS}
    kernel = module.KERNELS.layers()
    assert kernel is not None
    got = kernel(N, env, ytd)
    assert got is not None
    with np.errstate(all="ignore"):
        paid, new = module.settle_layers(Wave(b, np.arange(N)), env, ytd)
    for x, y in zip(got[0], paid, strict=True):
        assert np.array_equal(x, y)
    for a in module.ACCUMULATORS:
        assert np.array_equal(got[1][a], new[a]), a
    person = env["total"].copy()  # as runtime_columnar._settled works it out
    for value in paid:
        person -= value
    assert np.array_equal(got[2], person)


@settings(max_examples=40, deadline=None)
@given(codes=st.lists(st.tuples(st.integers(-128, 127), st.integers(-2, 4), st.integers(-2, 5)),
                      min_size=N, max_size=N))
def test_tables_on_any_codes_fail_as_numpy_fails(codes: list[tuple[int, int, int]]) -> None:
    """Enum codes outside the value sets (no row of a table matches): the same parameters and the
    same failures, with the scalar path's message, in the same order."""
    policy, module, _ = _wave("edges")
    out = []
    for compiled in (True, False):
        b = batch_from_claims([policy.claim(c) for c in sample_policy_claims(policy, N, seed=9)], module)
        for k, (level, region, referral) in enumerate(codes):
            b.level[k], b.region[k], b.referral[k] = level, region, referral
        with pytest.MonkeyPatch.context() as m:
            m.setattr(columnar_c, "MIN_CLAIMS", 0)
            if not compiled:
                m.setattr(module, "KERNELS", None)
            b.errors = {}
            env = module.prepare(b)
        out.append(({k: v for k, v in env.items() if k.startswith("p_")},
                    {i: str(e) for i, e in b.errors.items()}))
    (cp, ce), (np_, ne) = out
    assert ce == ne
    for k in np_:
        assert np.array_equal(cp[k], np_[k]), k


def test_wrong_buffers_are_left_to_numpy() -> None:
    """A column of another dtype, not contiguous, or of another length: None, never a crash."""
    _, module, b = _wave("bench")
    env = module.prepare(b)
    ytd = {a: np.zeros(N, dtype=I64) for a in module.ACCUMULATORS}
    kernel = module.KERNELS.layers()
    assert kernel is not None and kernel(N, env, ytd) is not None
    for bad in (np.zeros(N, dtype=np.int32), np.zeros(2 * N, dtype=I64)[::2], np.zeros(N - 1, dtype=I64),
                [0] * N, None):
        assert kernel(N, env, {**ytd, "basic.paid": bad}) is None
        assert kernel(N, {**env, "total": bad}, ytd) is None
    params = module.KERNELS.param_kernel()
    assert params is not None and params(b, module.INFO) is not None
    saved = b.level
    try:
        for bad in (saved.astype(I64), np.repeat(saved, 2)[::2], saved[:-1]):
            b.level = bad
            assert params(b, module.INFO) is None
    finally:
        b.level = saved


def test_a_compile_failure_is_a_reason_not_a_crash(monkeypatch: pytest.MonkeyPatch) -> None:
    got = columnar_c.build("this is not C;\n")
    assert isinstance(got, str) and got.startswith("the C compiler failed")
    if os.path.isabs((sysconfig.get_config_var("CC") or "cc").split()[0]):
        return  # Python's compiler is named by its path: an empty PATH does not hide it
    monkeypatch.setenv("PATH", "")  # no compiler to be found
    assert columnar_c.compiler() is None
    assert columnar_c.build("/* another source */\n") == "no C compiler found"


def test_the_generated_c_reads_as_the_snapshot(snapshot_txt: Any) -> None:
    """The benchmark policy's parameters and layers as C: deterministic, no policy text (layers
    are indices, columns their place in the inputs)."""
    checked = _bench().checked
    layers, inputs, outputs = generate_c_layers(checked)
    module = columnar_module(_bench())
    params, pin, fails = generate_c_params(checked, [checked.params[x] for x in module.C_PARAMS])
    assert (layers, params) == (generate_c_layers(checked)[0], generate_c_params(
        checked, [checked.params[x] for x in module.C_PARAMS])[0])
    assert [name for _, name in fails] == ["deductible", "rate"]  # the tables that can match no row
    assert '"' not in layers + params and "critical" not in layers and "annual_cap" not in params
    assert "KERNELS.params(c)" in generate_columnar(checked)
    assert f"{layers}\n{params}\n{inputs}\n{outputs}\n{pin}\n" == snapshot_txt


def _big_table_policy() -> Any:
    """EDGES with its deductible a table of 96 rows, one per (level, region, referral, scheme)."""
    import itertools

    rows = [f"    {lv}, {rg}, {rf}, {sc} -> {100 + 10 * k}.00"
            for k, (lv, rg, rf, sc) in enumerate(itertools.product(
                ("1", "2", "3", "primary"), ("local", "in_province", "out_of_province"),
                ("none", "referred", "registered", "emergency"), ("employee", "resident")))]
    head, rest = EDGES.split("  table visit.level, visit.region\n", 1)
    rest = rest.split("\n\n", 1)[1]
    return compile_policy(head + "  table visit.level, visit.region, visit.referral, person.scheme\n"
                          + "\n".join(rows) + "\n\n" + rest, "big.yb")


def test_a_table_past_63_rows_compiled_equals_numpy(monkeypatch: pytest.MonkeyPatch) -> None:
    """More rows than a 64-bit word has bits: a select per row, the same values and failures."""
    policy = _big_table_policy()
    module = columnar_module(policy)
    assert columnar_c.declined(module) == COMPILED
    checked = policy.checked
    source = generate_c_params(checked, [checked.params[x] for x in module.C_PARAMS])[0]
    assert "int row = 96;" in source and "__builtin_ctzll" in source  # the big table; the small one
    claims = _variants(policy, sample_policy_claims(policy, 150, seed=6), 3, seed=2)
    for own_person in (True, False):
        out = []
        for compiled in (True, False):
            b = batch_from_claims(claims, module)
            b.referral[::7] = 9  # no row of either table matches: the claim fails at the first
            if own_person:
                b.person_id = np.array([f"u{i}" for i in range(b.n)])
            with monkeypatch.context() as m:
                m.setattr(columnar_c, "MIN_CLAIMS", 0)
                if not compiled:
                    m.setattr(module, "KERNELS", None)
                out.append(settle_batch(module, b, keep_going=True))
        assert out[0].errors
        _same(out[0], out[1], policy)
