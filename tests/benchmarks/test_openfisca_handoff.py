"""The OpenFisca comparison's hand-off (``benchmarks/openfisca_handoff.py``): what OpenFisca's
environment gets must let it reproduce yibao's settlement, since it checks OpenFisca against it
before timing. OpenFisca itself is not installed here (it has its own virtualenv)."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import numpy as np
from yibao.compiler import columnar_format as F
from yibao.compiler.columnar_settle import settle_batch
from yibao.compiler.loader_columnar import columnar_module

BENCH = Path(__file__).resolve().parents[2] / "benchmarks"
sys.path.insert(0, str(BENCH))
import columnar as C  # noqa: E402
import openfisca_compare as O  # noqa: E402
import openfisca_handoff as H  # noqa: E402


def test_hand_numpy_from_source_settles_the_handed_off_arrays_as_yibao_does(tmp_path: Path) -> None:
    pol = C.policy()
    module = columnar_module(pol)
    base = F.claims_to_table((str(i), c) for i, c in enumerate(C.base_claims(pol, 300)))
    batch = O.claims_batch(pol, module, base, 900)
    settled = settle_batch(module, batch)
    path = tmp_path / "claims.npz"
    np.savez(path, **O.arrays(batch, settled, module))

    arrays, names, want = H.read(path)
    got = H.hand_numpy_from()(H.batch_of(arrays), names)

    assert len(want[0]) == 900
    assert want[0].sum() > 0 and want[1].sum() > 0  # both layers pay on some claims
    for x, y in zip(got, want, strict=True):
        assert x.dtype == np.int64
        np.testing.assert_array_equal(x, y)
    assert names["line.category"] == ["A", "B", "C"]


def test_compare_without_an_openfisca_environment_says_how_to_make_one(tmp_path: Path) -> None:
    res = subprocess.run([sys.executable, str(BENCH / "openfisca_compare.py"), "--python",
                          str(tmp_path / "none" / "python")], capture_output=True, text=True, check=False)
    assert res.returncode == 1
    assert "make bench-openfisca" in res.stderr
    assert "Traceback" not in res.stderr
