"""The compiled settle step (``compiler/codegen_columnar_step.py``, ``columnar_c.StepKernel``) gives,
to the fen, what ``prepare`` and the layers give, or declines having recorded nothing: on claims
with any enum codes (the tables' failures), any amounts (negative, past 2^32) and claims without
lines; its line sums equal the fused line pass's under every kind of line rule; a wrong buffer is
left to NumPy; the source is deterministic and holds no policy text. (The bundled policies' step
against NumPy and the scalar path: ``test_columnar_c.py``.)"""

from __future__ import annotations

from functools import cache
from typing import Any

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from yibao.compiler import columnar_c, columnar_settle, line_pass
from yibao.compiler.codegen_columnar_step import LIMIT, generate_c_step
from yibao.compiler.columnar_settle import batch_from_claims, settle_batch
from yibao.compiler.line_rules import MODES, OPS
from yibao.compiler.loader_columnar import columnar_module

from yibao.sampling import sample_policy_claims

from .test_columnar_c import _bench, _edges, _same

I64 = np.int64
N = 24
_AMOUNTS = st.one_of(st.integers(0, 10**7), st.sampled_from((0, 1, 4, 5, 9, LIMIT // 7, LIMIT - 1, LIMIT)),
                     st.integers(-(2**40), 2**40))


@cache
def _claims(which: str) -> tuple[Any, Any, list[Any]]:
    policy = _edges() if which == "edges" else _bench()
    claims = [policy.claim(c) for c in sample_policy_claims(policy, N, seed=11)]
    return policy, columnar_module(policy), claims


def _batch(module: Any, claims: list[Any], persons: int = N) -> Any:
    """The claims of ``persons`` persons: N, each its own (one step); fewer, claims in waves."""
    b = batch_from_claims(claims, module)
    b.person_id = np.array([f"u{i % persons}" for i in range(b.n)])
    return b


def _settled(module: Any, b: Any, compiled: bool) -> Any:
    with pytest.MonkeyPatch.context() as m:
        m.setattr(columnar_c, "MIN_CLAIMS", 0)
        if not compiled:
            m.setattr(module, "KERNELS", None)
        return settle_batch(module, b, keep_going=True)


@settings(max_examples=40, deadline=None)
@given(which=st.sampled_from(("edges", "bench")), data=st.data())
def test_the_step_equals_numpy_on_any_claims(which: str, data: Any) -> None:
    policy, module, claims = _claims(which)
    persons = data.draw(st.sampled_from((N, 5)))
    out = []
    codes = data.draw(st.lists(st.tuples(st.integers(-3, 5), st.integers(-3, 5), st.integers(-3, 5)),
                               min_size=N, max_size=N))
    odd = data.draw(st.booleans())  # amounts anywhere, a claim without lines
    lines = len(batch_from_claims(claims, module).line_amount)
    amounts = data.draw(st.lists(_AMOUNTS if odd else st.integers(0, 10**7), min_size=lines, max_size=lines))
    empty = data.draw(st.integers(0, N - 2)) if odd else None
    for compiled in (True, False):
        b = _batch(module, claims, persons)
        b.level[:], b.region[:], b.referral[:] = (np.array(x, dtype=np.int8)
                                                  for x in zip(*codes, strict=True))
        b.line_amount = np.array(amounts, dtype=I64)
        b.total = None  # summed from the lines, as a batch without the reader's sums
        if empty is not None:  # its lines go to the next claim
            b.line_offsets[empty + 1] = b.line_offsets[empty]
        if compiled and not odd:  # the step takes it
            b.person_code()
            own = {a: b.ytd.get(a, np.zeros(N, dtype=I64)) for a in module.ACCUMULATORS}
            assert columnar_settle._stepped(module, b, module.KERNELS.step_kernel(), own) is not None
            b.errors, b.followers = {}, {}
        out.append(_settled(module, b, compiled))
    _same(out[0], out[1], policy)


# Every kind of rule: out of scope, a first self-pay share and a share in scope, in every rounding
# mode, with q even, odd and 1, and the largest share (100%).
TABLES = (
    ((OPS["in_scope"], 0, 1, 0), (OPS["first_self_pay"], 1, 10, MODES["half_up"]),
     (OPS["out_of_scope"], 0, 1, 0)),
    ((OPS["first_self_pay"], 1, 3, MODES["half_up"]), (OPS["in_scope_share"], 2, 7, MODES["down"]),
     (OPS["first_self_pay"], 5, 8, MODES["half_even"])),
    ((OPS["in_scope_share"], 1, 6, MODES["up"]), (OPS["first_self_pay"], 1, 1, MODES["half_even"]),
     (OPS["first_self_pay"], 3, 1000, MODES["half_up"])),
)


@settings(max_examples=40, deadline=None)
@given(table=st.sampled_from(TABLES), data=st.data())
def test_the_step_sums_lines_as_the_line_pass(table: Any, data: Any) -> None:
    _, module, claims = _claims("bench")
    kernel = columnar_c._step(module, table)
    assert isinstance(kernel, columnar_c.StepKernel), kernel
    b = _batch(module, claims)
    lines = len(b.line_amount)
    b.line_amount = np.array(data.draw(st.lists(_AMOUNTS, min_size=lines, max_size=lines)), dtype=I64)
    b.line_category = np.array(data.draw(st.lists(st.integers(-128, 127) | st.integers(0, 3), min_size=lines,
                                                  max_size=lines)), dtype=np.int8)
    b.total = None
    got = kernel(b, {a: b.ytd[a] for a in module.ACCUMULATORS}, module.INFO)
    want = line_pass.line_sums(b, table)
    if got is None:  # declined: only for a negative amount or one of 2^32 fen or more
        assert b.line_amount.min() < 0 or b.line_amount.max() > LIMIT
        return
    assert want is not None
    oos, fsp, total = want
    assert np.array_equal(got[3], oos) and np.array_equal(got[4], fsp) and np.array_equal(got[6], total)
    assert np.array_equal(got[5], total - oos - fsp)


def test_wrong_buffers_are_left_to_numpy() -> None:
    """A column of another dtype, not contiguous, or of another length: None, never a crash."""
    _, module, claims = _claims("bench")
    kernel = module.KERNELS.step_kernel()
    assert kernel is not None
    b = _batch(module, claims)
    ytd = {a: b.ytd[a] for a in module.ACCUMULATORS}
    assert kernel(b, ytd, module.INFO) is not None
    for name in ("line_amount", "line_category", "line_offsets", "level", "total"):
        saved = getattr(b, name)
        for bad in (saved.astype(np.int32), np.repeat(saved, 2)[::2], saved[:-1]):
            setattr(b, name, bad)
            assert kernel(b, ytd, module.INFO) is None, name
        setattr(b, name, saved)
    for bad in (np.zeros(N, dtype=np.int32), np.zeros(N - 1, dtype=I64), None):
        assert kernel(b, {**ytd, "basic.paid": bad}, module.INFO) is None
    assert not b.errors  # declining records nothing


def test_the_step_source_reads_as_the_snapshot(snapshot_txt: Any) -> None:
    """The benchmark policy's step as C: deterministic, no policy text."""
    module = columnar_module(_bench())
    checked = module.CHECKED
    params = [checked.params[x] for x in module.C_PARAMS]
    source, g = generate_c_step(checked, module.LINE_RULES, params)
    assert source == generate_c_step(checked, module.LINE_RULES, params)[0]
    assert '"' not in source and "critical" not in source and "annual_cap" not in source
    assert (g.enums, g.ytd, g.outputs) == (("region", "level", "referral"), tuple(module.ACCUMULATORS), 11)
    assert f"{source}\n{g.enums}\n{g.ytd}\n{g.outputs}\n" == snapshot_txt
