"""yibao's columnar settle step against the same rules in OpenFisca, on the same claims.

Run: ``make bench-openfisca`` or ``.venv/bin/python benchmarks/openfisca_compare.py
[--sizes 100000 1000000] [--rounds 7] [--base 5000] [--python .venv-openfisca/bin/python]``

OpenFisca lives in its own virtualenv (``--python``), so the two engines run in two processes.
A figure from one process is not compared with one from the other directly: each process also
times the hand-written NumPy function of the same rules (``columnar.hand_numpy``) on the same
arrays, and columnar / OpenFisca is derived from the two same-process ratios:
(columnar / hand NumPy) ÷ (OpenFisca / hand NumPy).

For each size the claims are ``columnar.py``'s: ``--base`` sampled claims repeated with new ids
and a person each, their bills scaled 1–3× (``columnar.tiles``), read into one ``Batch`` by
yibao's Arrow reader. yibao's columnar settlement is checked equal to hand NumPy's on every
claim here, and OpenFisca's (and hand NumPy's again) to it in the OpenFisca process, before
anything is timed. OpenFisca's time is ``simulation.calculate`` of the outputs on a fresh
simulation; building the simulation from the arrays is timed apart. Best of ``--rounds``.
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import tempfile
from pathlib import Path
from typing import Any

import numpy as np
import pyarrow as pa

sys.path.insert(0, str(Path(__file__).resolve().parent))
import columnar as C
from openfisca_handoff import ENUM_FIELDS, YTD, Best
from yibao.compiler import columnar_format as F
from yibao.compiler.columnar_read import read_batch
from yibao.compiler.columnar_settle import CATEGORY_CODES, Settled, settle_batch
from yibao.compiler.loader_columnar import columnar_module
from yibao.compiler.runtime_columnar import Batch

HERE = Path(__file__).resolve().parent
VENV_PYTHON = HERE.parent / ".venv-openfisca" / "bin" / "python"
TARGET = 3.0


def claims_batch(pol: Any, module: Any, base: pa.Table, size: int) -> Batch:
    """``size`` claims, each its own person (so nothing carries from claim to claim), as one batch."""
    return read_batch(pa.concat_tables(list(C.tiles(base, size, chunk=size))), pol, module)


def arrays(batch: Batch, settled: Settled, module: Any) -> dict[str, np.ndarray]:
    """What the OpenFisca process reads: the columns the rules read, the enums' value names, and
    yibao's columnar results (and its in-scope amount and bill, the inputs of the variant that is
    given them)."""
    names = {field: list(module.ENUMS[field]) for field in ENUM_FIELDS}
    names["line.category"] = sorted(CATEGORY_CODES, key=CATEGORY_CODES.__getitem__)
    out = {"enums": np.array(json.dumps(names)), "line_offsets": batch.line_offsets,
           "line_amount": batch.line_amount, "line.category": batch.line_category,
           "visit.region": batch.region, "visit.level": batch.level, "visit.referral": batch.referral,
           "want:basic": settled.payers["basic"], "want:critical": settled.payers["critical"],
           "want:person_pays": settled.person, "given:in_scope": settled.in_scope,
           "given:total": settled.total}
    out.update({f"ytd:{a}": batch.ytd[a] for a in YTD})
    return out


def openfisca_side(python: Path, npz: Path, rounds: int) -> dict[str, Any]:
    res = subprocess.run([str(python), str(HERE / "openfisca_rules.py"), str(npz), "--rounds", str(rounds)],
                         capture_output=True, text=True, check=False)
    if res.returncode:
        raise RuntimeError(res.stderr.strip() or f"exit status {res.returncode}")
    return json.loads(res.stdout)


def one_size(pol: Any, module: Any, base: pa.Table, size: int, args: argparse.Namespace) -> dict[str, Any]:
    batch = claims_batch(pol, module, base, size)
    settled = settle_batch(module, batch)
    hand = C.hand_numpy(batch, module.ENUMS)
    got = (settled.payers["basic"], settled.payers["critical"], settled.person)
    for name, x, y in zip(("basic", "critical", "person"), got, hand, strict=True):
        if not np.array_equal(x, y):
            i = int(np.flatnonzero(x != y)[0])
            raise RuntimeError(f"columnar {name} {x[i]} but hand NumPy {y[i]} for claim {batch.id[i]}")
    best = Best()
    for _ in range(args.rounds):  # the paths take turns, round after round
        best.time("hand", lambda: C.hand_numpy(batch, module.ENUMS))
        best.time("columnar", lambda: settle_batch(module, batch))
    with tempfile.TemporaryDirectory() as tmp:
        npz = Path(tmp) / "claims.npz"
        np.savez(npz, **arrays(batch, settled, module))
        theirs = openfisca_side(args.python, npz, args.rounds)
    return {"claims": batch.n, "lines": int(batch.line_offsets[-1]), "yibao": best.as_json(), **theirs}


ROWS = (  # (path, process, key)
    ("hand-written NumPy", "yibao", "hand"),
    ("yibao columnar settle step", "yibao", "columnar"),
    ("hand-written NumPy", "OpenFisca", "hand"),
    ("OpenFisca calculate, lines as persons", "OpenFisca", "lines_calculate"),
    ("OpenFisca build simulation, lines as persons", "OpenFisca", "lines_build"),
    ("OpenFisca build + calculate, lines as persons", "OpenFisca", "lines_total"),
    ("OpenFisca calculate, in-scope given", "OpenFisca", "given_calculate"),
    ("OpenFisca build simulation, in-scope given", "OpenFisca", "given_build"),
)


def derived(r: dict[str, Any], clock: str, key: str) -> float:
    """columnar / OpenFisca's ``key``, as throughputs: (columnar / hand NumPy) ÷ (OpenFisca /
    hand NumPy), each ratio from one process."""
    ours, theirs = r["yibao"][clock], r[clock]
    return (ours["hand"] / ours["columnar"]) / (theirs["hand"] / theirs[key])


def report(r: dict[str, Any]) -> str:
    """Markdown rows for one size: each path's best wall and CPU time, claims/s (wall), and its
    throughput against hand NumPy in the same process (wall; CPU)."""
    n = r["claims"]
    out = []
    for what, proc, key in ROWS:
        t = r["yibao"] if proc == "yibao" else r
        wall, cpu = t["wall"][key], t["cpu"][key]
        out.append(f"| {n:,} | {what} | {proc} | {wall * 1000:,.1f} | {cpu * 1000:,.1f} | {n / wall:,.0f} | "
                   f"{t['wall']['hand'] / wall:.3g}× | {t['cpu']['hand'] / cpu:.3g}× |")
    for what, key in (("calculate", "lines_calculate"), ("build + calculate", "lines_total"),
                      ("calculate, in-scope given", "given_calculate")):
        out.append(f"| {n:,} | **columnar / OpenFisca {what}, derived** | both | | | | "
                   f"**{derived(r, 'wall', key):.3g}×** | **{derived(r, 'cpu', key):.3g}×** |")
    return "\n".join(out)


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--sizes", type=int, nargs="+", default=[100_000, 1_000_000])
    ap.add_argument("--base", type=int, default=5000, help="sampled claims (default 5000)")
    ap.add_argument("--rounds", type=int, default=7)
    ap.add_argument("--python", type=Path, default=VENV_PYTHON,
                    help="the OpenFisca virtualenv's python (make bench-openfisca creates it)")
    args = ap.parse_args()
    if not args.python.exists():
        print(f"no OpenFisca environment at {args.python}: `make bench-openfisca` creates it "
              "(or give --python)", file=sys.stderr)
        return 1
    pol = C.policy()
    module = columnar_module(pol)
    base = F.claims_to_table((str(i), c) for i, c in enumerate(C.base_claims(pol, args.base)))
    print(f"{args.base:,} sampled claims, tiled to each size; best of {args.rounds} rounds; yibao's "
          "columnar step equal to hand NumPy, and OpenFisca's to both, to the fen on every claim\n")
    header = ("| claims | path | process | best wall ms | best CPU ms | claims/s (wall) | "
              "vs hand NumPy, same process (wall) | (CPU) |\n|---:|---|---|---:|---:|---:|---:|---:|")
    verdicts = []
    for i, size in enumerate(args.sizes):
        try:
            r = one_size(pol, module, base, size, args)
        except RuntimeError as err:
            print(f"{size:,} claims: {err}", file=sys.stderr)
            return 1
        if i == 0:
            print(f"NumPy {np.__version__} (yibao), NumPy {r['numpy']} and openfisca-core {r['openfisca']} "
                  f"(OpenFisca)\n\n{header}")
        print(report(r), flush=True)
        wall, cpu = derived(r, "wall", "lines_calculate"), derived(r, "cpu", "lines_calculate")
        verdicts.append(f"{size:,} claims: columnar / OpenFisca calculate {wall:.2f}× wall, {cpu:.2f}× CPU "
                        f"({'met' if min(wall, cpu) >= TARGET else 'MISSED'}, target ≥ {TARGET:g}× "
                        "by both clocks)")
    print("\n" + "\n".join(verdicts))
    return 0


if __name__ == "__main__":
    sys.exit(main())
