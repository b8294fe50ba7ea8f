"""The fused line pass (``compiler/line_pass.py``, ``compiler/_line_pass.c``) gives, to the fen, what
the generated NumPy classification gives, or declines and lets that code run: on sampled claims of
every bundled policy, on arbitrary tables and lines against exact integer arithmetic, and on
buffers of every wrong kind (never a crash)."""

from __future__ import annotations

import itertools
import math
from fractions import Fraction
from typing import Any

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from yibao.compiler import columnar_settle, line_pass
from yibao.compiler.codegen_columnar import generate_columnar
from yibao.compiler.columnar_settle import batch_from_claims, settle_batch
from yibao.compiler.loader_columnar import columnar_module
from yibao.compiler.runtime_columnar import choose, row_bits

from yibao.sampling import sample_policy_claims

from ..conftest import POLICIES
from .test_codegen_columnar import CLAIM_POLICIES, _policy, _scalar, _variants

I64 = np.int64
# The bundled policies whose classification has no fused form, and why.
NOT_FUSED = {"implants_and_platform_split": "as billed, class rows", "resident_outpatient": "class, when",
             "two_diseases_outpatient": "class rows"}


def test_the_line_pass_is_built() -> None:
    """CI builds the extension (``make test`` installs it); without it the NumPy code runs."""
    from yibao.compiler import _line_pass  # type: ignore[attr-defined]  # noqa: F401

    assert line_pass.available()


@pytest.mark.parametrize("path", CLAIM_POLICIES, ids=lambda p: f"{p.parent.name}/{p.stem}")
def test_fused_equals_numpy_equals_scalar(path: Any, monkeypatch: pytest.MonkeyPatch) -> None:
    policy = _policy(str(path))
    module = columnar_module(policy)
    source = generate_columnar(policy.checked)
    fused = hasattr(module, "LINE_RULES")
    assert fused == (path.stem not in NOT_FUSED) == ("line_sums(c, LINE_RULES)" in source)
    claims = _variants(policy, sample_policy_claims(policy, 120, seed=5), 3, seed=8)
    batch = batch_from_claims(claims, module)
    if fused:
        assert line_pass.line_sums(batch, module.LINE_RULES) is not None  # the pass ran, not NumPy
    kernel = line_pass._C
    for own_person in (False, True):  # persons with several claims (waves); each claim its own person
        def batch(own_person: bool = own_person) -> Any:
            b = batch_from_claims(claims, module)
            if own_person:
                b.person_id = np.array([f"u{i}" for i in range(b.n)])
            return b

        monkeypatch.setattr(columnar_settle, "BLOCK", 37)  # the layers by blocks of 37 claims
        monkeypatch.setattr(line_pass, "_C", kernel)
        got = settle_batch(module, batch(), keep_going=True)
        monkeypatch.setattr(line_pass, "_C", None)
        monkeypatch.setattr(columnar_settle, "BLOCK", 10**9)  # the NumPy code over the whole batch
        numpy = settle_batch(module, batch(), keep_going=True)
        for name in ("total", "out_of_scope", "first_self_pay", "in_scope", "person"):
            assert np.array_equal(getattr(got, name), getattr(numpy, name)), name
        for name in policy.layers:
            assert np.array_equal(got.payers[name], numpy.payers[name]), name
        for name in policy.accumulators:
            assert np.array_equal(got.ytd[name], numpy.ytd[name]), name
        assert {i: str(e) for i, e in got.errors.items()} == {i: str(e) for i, e in numpy.errors.items()}
    scalar = _scalar(policy, claims)
    assert [(int(got.total[i]), int(got.out_of_scope[i]), int(got.first_self_pay[i]), int(got.in_scope[i]))
            for i in range(len(claims))] == [s[3] for s in scalar]


def test_claims_fail_in_blocks_as_at_once(monkeypatch: pytest.MonkeyPatch) -> None:
    """Layers and parameters that divide by zero, the layers three claims at a time: each claim fails
    or is settled exactly as the scalar path does (the failures' property test, in blocks)."""
    from .test_columnar_failures import (
        _claim_of,
        _dividing,
        test_columnar_fails_and_settles_exactly_the_claims_the_scalar_path_does,
    )
    from .test_columnar_failures import _columnar as _failing_columnar
    from .test_columnar_failures import _scalar as _failing_scalar

    monkeypatch.setattr(columnar_settle, "BLOCK", 3)
    test_columnar_fails_and_settles_exactly_the_claims_the_scalar_path_does()
    policy = _dividing()  # and each claim its own person: one wave, in blocks of the batch itself
    raw = [_claim_of(f"c{i}", f"p{i}", "2024-03-01", age, region=region, level=level,
                     lines=(("A", f"{(1000 + 937 * i) * (1 + k * 10)}.00"),)
                     + ((("B", "80.50"),) if i % 4 == 3 else ()))
           for i, (k, age, region, level) in enumerate(itertools.product(
               (0, 1), (0, 2, 5), ("local", "in_province"), (1, 2, 3)))]
    claims = [policy.claim(c) for c in raw]
    got = _failing_columnar(policy, claims)
    assert sum(x[0] == "error" and ("div.yb:56" in x[1] or "div.yb:60" in x[1]) for x in got) >= 2
    assert got == _failing_scalar(policy, claims)


def test_where_the_pass_declines_the_numpy_code_runs(monkeypatch: pytest.MonkeyPatch) -> None:
    """Amounts no claim can have (past int64 once summed), a line's category no policy knows: the
    settlement is the NumPy code's, wrapped sums and all."""
    policy = _policy(str(POLICIES / "jiujiang" / "resident_inpatient.yb"))
    module = columnar_module(policy)
    claims = _variants(policy, sample_policy_claims(policy, 30, seed=2), 1, seed=1)

    def batch() -> Any:
        b = batch_from_claims(claims, module)
        b.total = None
        b.line_amount[:3] = 2**62  # a claim's sum past int64
        b.line_category[5] = 7
        return b

    assert line_pass.line_sums(batch(), module.LINE_RULES) is None
    got = settle_batch(module, batch(), keep_going=True)
    monkeypatch.setattr(line_pass, "_C", None)
    numpy = settle_batch(module, batch(), keep_going=True)
    for name in ("total", "out_of_scope", "first_self_pay", "person"):
        assert np.array_equal(getattr(got, name), getattr(numpy, name)), name


# ------------------------------------------------------------ the kernel against exact arithmetic
MODES = tuple(line_pass.MODES)


def _share(a: int, p: int, q: int, mode: str) -> int:
    x = Fraction(a * p, q)
    if mode == "down":
        return math.floor(x)
    if mode == "up":
        return math.ceil(x)
    if mode == "half_up":
        return math.floor(x + Fraction(1, 2))
    k = math.floor(x)
    return k + (x - k > Fraction(1, 2) or (x - k == Fraction(1, 2) and k % 2 == 1))


def _exact(table: tuple[Any, ...], cat: list[int], amt: list[int], off: list[int]) -> tuple[list[int], ...]:
    """Each claim's sums in Python integers, as the NumPy code means them."""
    oos, fsp, tot = [], [], []
    for i in range(len(off) - 1):
        so = sf = st_ = 0
        for j in range(off[i], off[i + 1]):
            a, code = amt[j], cat[j] & 0xFF
            st_ += a
            op, p, q, mode = table[code] if code < len(table) else line_pass.IN_SCOPE
            if op == line_pass.OPS["out_of_scope"]:
                so += a
            elif op in (line_pass.OPS["first_self_pay"], line_pass.OPS["in_scope_share"]):
                part = _share(a, p, q, MODES[mode])
                sf += part if op == line_pass.OPS["first_self_pay"] else a - part
        oos.append(so)
        fsp.append(sf)
        tot.append(st_)
    return oos, fsp, tot


_percents = st.integers(0, 1_000_000).map(lambda ppm: Fraction(ppm, 1_000_000))
_rules = st.tuples(st.sampled_from(sorted(line_pass.OPS.values())), _percents, st.integers(0, 3)).map(
    lambda r: (r[0], r[1].numerator, r[1].denominator, r[2]))
_big = st.sampled_from((2**32 - 1, 2**32, 10**12 - 1, 2**62, 2**63 - 1))


@settings(max_examples=300, deadline=None)
@given(st.lists(_rules, min_size=0, max_size=4).map(tuple),
       st.lists(st.lists(st.tuples(st.integers(-2, 5), st.one_of(st.integers(0, 10**7), _big,
                                                                  st.integers(-5, -1))),
                         min_size=0, max_size=6), min_size=0, max_size=8),
       st.booleans())
def test_the_pass_is_exact_or_declines(table: tuple[Any, ...], claims: list[list[tuple[int, int]]],
                                       want_total: bool) -> None:
    cat = [c for lines in claims for c, _ in lines]
    amt = [a for lines in claims for _, a in lines]
    off = [0]
    for lines in claims:
        off.append(off[-1] + len(lines))
    n = len(claims)
    outs = [np.full(n, -99, dtype=I64) for _ in range(3)]
    ok = line_pass._C.line_sums(table, np.array(cat, dtype=np.int8), np.array(amt, dtype=I64),
                                np.array(off, dtype=I64), outs[0], outs[1], outs[2] if want_total else None)
    exact = _exact(table, cat, amt, off)
    if all(claims) and all(0 <= a <= 10**12 for a in amt):
        assert ok  # every bill a validator accepts is summed here (at most 10**12 fen a line)
    if ok:
        assert [list(map(int, o)) for o in outs[:2 + want_total]] == list(exact[:2 + want_total])


@settings(max_examples=200, deadline=None)
@given(st.integers(1, 12), st.data())
def test_choose_is_np_select(k: int, data: Any) -> None:
    n = data.draw(st.integers(0, 40))
    bits = st.lists(st.booleans(), min_size=n, max_size=n)
    conds = [np.array(data.draw(bits), dtype=bool) for _ in range(k)]
    kind = data.draw(st.sampled_from(("int", "bool")))
    value = st.integers(-10**12, 10**12) if kind == "int" else st.booleans()
    values = [data.draw(value) for _ in range(k)]
    default = data.draw(value)
    got, want = choose(n, conds, values, default), np.select(conds, values, default)
    assert got.dtype == want.dtype and np.array_equal(got, want)
    shared = choose(n, conds, values, default, rows=row_bits(n, conds))  # the rows' bits made once
    assert shared.dtype == want.dtype and np.array_equal(shared, want)


# ------------------------------------------------------------ hostile buffers
def _args(n: int = 3, lines: int = 6) -> list[Any]:
    return [np.zeros(lines, dtype=np.int8), np.arange(lines, dtype=I64),
            np.linspace(0, lines, n + 1).astype(I64), np.zeros(n, dtype=I64), np.zeros(n, dtype=I64),
            np.zeros(n, dtype=I64)]


def test_hostile_buffers_are_declined_never_read_past() -> None:
    k = line_pass._C
    table = ((1, 0, 1, 0), (2, 1, 10, 0))
    assert k.line_sums(table, *_args()) is True
    bad = {
        0: [np.zeros(6, dtype=np.int16), np.zeros(6, dtype=np.uint8), np.zeros(12, dtype=np.int8)[::2],
            np.zeros(5, dtype=np.int8), np.zeros((2, 3), dtype=np.int8), [0] * 6, None, "abcdef"],
        1: [np.arange(6, dtype=np.int32), np.arange(6, dtype=float), np.arange(12, dtype=I64)[::2],
            np.arange(7, dtype=I64), b"\0" * 48, np.arange(6, dtype=">i8")],  # the other byte order
        2: [np.array([0, 2, 1, 6]), np.array([1, 2, 4, 6]), np.array([0, 2, 4, 5]), np.array([0, 2, 4, 7]),
            np.array([0, 9, 2, 6]), np.array([0, 2, 2, 6]), np.array([0, 2, 4, 6], dtype=np.int32),
            np.array([], dtype=I64), np.array([0, -4, 4, 6]),
            np.array([0, 2**40, 4, 6])],  # a claim far past the lines: declined before it is read
        3: [np.zeros(3, dtype=I64)[::-1], np.zeros(2, dtype=I64), np.zeros(3, dtype=np.int32), b"\0" * 24],
        5: [np.zeros(4, dtype=I64), np.zeros(3, dtype=float)],
    }
    for slot, values in bad.items():
        for value in values:
            args = _args()
            args[slot] = value
            assert k.line_sums(table, *args) is False, (slot, value)
    readonly = _args()
    readonly[4].setflags(write=False)
    assert k.line_sums(table, *readonly) is False
    empty = [np.zeros(0, dtype=np.int8), np.zeros(0, dtype=I64), np.zeros(1, dtype=I64),
             *(np.zeros(0, dtype=I64) for _ in range(3))]
    assert k.line_sums(table, *empty) is True  # no claims: nothing to sum
    for t in ((1, 2), ((9, 0, 1, 0),), ((2, 1, 0, 0),), ((2, -1, 10, 0),), ((2, 1, 10, 7),),
              ((2, "1", 10, 0),), ((0, 0, 1, 0),) * 17, [(1, 0, 1, 0)], ((2, 2**64, 1, 0),)):
        with pytest.raises((ValueError, OverflowError)):
            k.line_sums(t, *_args())
    with pytest.raises(TypeError):
        k.line_sums(table)
