"""What ``openfisca_compare.py`` (yibao's environment) hands ``openfisca_rules.py`` (OpenFisca's):
the claim arrays in a ``.npz`` file, and the hand-written NumPy function both processes time.

NumPy only, so that both environments import it (and yibao's tests check the hand-off). Both
time with ``Best``: wall time, and CPU time, which leaves out waiting for a core on a loaded machine.
"""

from __future__ import annotations
import __future__

import ast
import json
import time
import types
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np

HERE = Path(__file__).resolve().parent
ENUM_FIELDS = ("visit.region", "visit.level", "visit.referral")
YTD = ("basic.deductible", "basic.paid", "critical.base")
OUTPUTS = ("basic", "critical", "person_pays")


def read(path: Path) -> tuple[dict[str, np.ndarray], dict[str, list[str]], tuple[np.ndarray, ...]]:
    """The arrays of a hand-off file, the enums' value names (a code is an index into them), and
    yibao's columnar results for ``OUTPUTS``."""
    with np.load(path) as npz:
        a = {key: npz[key] for key in npz.files}
    names = json.loads(str(a.pop("enums")))
    want = tuple(a.pop(f"want:{name}") for name in OUTPUTS)
    return a, names, want


def hand_numpy_from(path: Path = HERE / "columnar.py") -> Callable[..., tuple[np.ndarray, ...]]:
    """``hand_numpy``, compiled from ``columnar.py``'s own source, with the constants it reads
    from ``hand_rules``: the same function in both processes (``columnar.py`` imports yibao,
    which OpenFisca's environment does not have)."""
    import hand_rules  # the constants it reads: no yibao in it, so OpenFisca's environment has it

    tree = ast.parse(path.read_text(encoding="utf-8"), str(path))
    body = [node for node in tree.body if isinstance(node, ast.FunctionDef) and node.name == "hand_numpy"]
    code = compile(ast.Module(body=body, type_ignores=[]), str(path), "exec",
                   flags=__future__.annotations.compiler_flag, dont_inherit=True)
    namespace: dict[str, Any] = {"np": np, "ANNUAL_CAP": hand_rules.ANNUAL_CAP, "BANDS": hand_rules.BANDS}
    exec(code, namespace)  # the repository's own benchmark source, read above
    return namespace["hand_numpy"]


def batch_of(a: dict[str, np.ndarray]) -> types.SimpleNamespace:
    """The columns ``hand_numpy`` reads, under the names ``Batch`` gives them."""
    return types.SimpleNamespace(
        n=len(a["line_offsets"]) - 1, line_amount=a["line_amount"], line_category=a["line.category"],
        line_offsets=a["line_offsets"], level=a["visit.level"], region=a["visit.region"],
        referral=a["visit.referral"],
        ytd={key.removeprefix("ytd:"): value for key, value in a.items() if key.startswith("ytd:")})


class Best:
    """Each path's best wall and best CPU seconds over the rounds (each kept apart: the two
    minima may come from different rounds)."""

    def __init__(self) -> None:
        self.wall: dict[str, float] = {}
        self.cpu: dict[str, float] = {}

    def time(self, key: str, fn: Callable[[], Any]) -> Any:
        wall, cpu = time.perf_counter(), time.process_time()
        out = fn()
        self.add(key, time.perf_counter() - wall, time.process_time() - cpu)
        return out

    def add(self, key: str, wall: float, cpu: float) -> None:
        self.wall[key] = min(self.wall.get(key, float("inf")), wall)
        self.cpu[key] = min(self.cpu.get(key, float("inf")), cpu)

    def as_json(self) -> dict[str, dict[str, float]]:
        return {"wall": self.wall, "cpu": self.cpu}
