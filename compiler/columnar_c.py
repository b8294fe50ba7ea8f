"""The columnar backend's C layers: a policy's ``settle_layers`` as one compiled loop over the
claims (``codegen_columnar_c``), built with the system C compiler on first use, loaded with
``ctypes``, kept per process per generated source.

``columnar_settle._in_blocks`` calls ``run`` for a wave of at least ``MIN_CLAIMS`` claims; where
it returns None the generated NumPy code settles them, to the same fen. It is None when the policy
has a construct without a C form, ``YIBAO_COLUMNAR_C=0`` is set, no compiler is found or the
compile fails (each policy's reason: ``declined(module)``), or a column is not a C-contiguous
int64 array of the wave's length. The compiled library lives in a private temporary directory
(``mkdtemp``: 0700, this process's own), removed at exit; there is no cache on disk.
"""

from __future__ import annotations

import atexit
import ctypes
import hashlib
import os
import shlex
import shutil
import subprocess
import sysconfig
import tempfile
import threading
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from .codegen_columnar_c import CUnsupported, generate_c_layers, generate_c_params
from .codegen_columnar_step import generate_c_step
from .columnar_failures import fail, no_row
from .line_rules import Rule

MIN_CLAIMS = 4096  # a smaller wave is NumPy's: the compile (once per process) would not pay
FLAGS = ("-O2", "-fwrapv", "-shared", "-fPIC")
_HEADER = Path(__file__).resolve().parent / "line_rule.h"  # the step includes it (package data)
try:
    _HEADER_TEXT = _HEADER.read_bytes()  # part of every source's key
except OSError:  # not installed: the step's compile fails, and the NumPy code runs
    _HEADER_TEXT = b""
I64 = np.int64
Layers = tuple[list[np.ndarray], dict[str, np.ndarray], np.ndarray]  # payers, new year_to_date, person


@dataclass
class Kernel:
    """A compiled ``yibao_settle_layers`` and the columns it reads and writes."""

    func: Any
    inputs: tuple[str, ...]  # env names, or "ytd <accumulator>"
    layers: tuple[str, ...]
    accumulators: tuple[str, ...]

    def __call__(self, n: int, env: dict[str, Any], ytd: dict[str, Any]) -> Layers | None:
        """The payers, the new year_to_date and the person's share of n claims; None where a column
        is not one the kernel can read in place (the NumPy code then runs)."""
        cols = []
        for name in self.inputs:
            col = ytd.get(name[4:]) if name.startswith("ytd ") else env.get(name)
            if isinstance(col, np.ndarray) and col.dtype == np.bool_ and col.shape == (n,):
                col = col.astype(I64)  # a yes/no parameter: 0 or 1, as NumPy's arithmetic reads it
            if not (isinstance(col, np.ndarray) and col.dtype == I64 and col.shape == (n,)
                    and col.flags.c_contiguous):
                return None
            cols.append(col)
        outs = [np.empty(n, dtype=I64) for _ in (*self.layers, *self.accumulators, "person")]
        ins = (ctypes.c_void_p * max(len(cols), 1))(*(c.ctypes.data for c in cols))
        out = (ctypes.c_void_p * max(len(outs), 1))(*(o.ctypes.data for o in outs))
        self.func(ctypes.c_int64(n), ins, out)
        k = len(self.layers)
        return outs[:k], dict(zip(self.accumulators, outs[k:-1], strict=True)), outs[-1]


_LOCK = threading.Lock()
_BUILT: dict[str, Any] = {}  # source hash → the loaded library, or the reason it is not
_DIR: list[str] = []


def _workdir() -> Path:
    if not _DIR:
        _DIR.append(tempfile.mkdtemp(prefix="yibao-c-"))  # 0700
        atexit.register(shutil.rmtree, _DIR[0], True)
    return Path(_DIR[0])


def compiler() -> list[str] | None:
    """The C compiler Python was built with (``sysconfig``'s CC), else ``cc``; None if neither runs."""
    cc = shlex.split(sysconfig.get_config_var("CC") or "") or ["cc"]
    if shutil.which(cc[0]) is None:
        cc = ["cc"]
        if shutil.which("cc") is None:
            return None
    return cc


def build(source: str) -> Any:
    """The library of ``source``, compiled once per process; a ``str`` says why there is none."""
    key = hashlib.sha256(source.encode() + _HEADER_TEXT).hexdigest()  # and what it may include
    with _LOCK:
        got = _BUILT.get(key)
        if got is None:
            got = _BUILT[key] = _compile(source, key)
    return got


def _compile(source: str, key: str) -> Any:
    """The loaded library (``ctypes.CDLL``), or why there is none."""
    cc = compiler()
    if cc is None:
        return "no C compiler found"
    try:
        folder = _workdir()
        src, lib = folder / f"{key}.c", folder / f"{key}.so"
        src.write_text(source, encoding="ascii")  # the generator writes ASCII only
    except (OSError, UnicodeError) as e:
        return f"no place to compile: {e}"
    try:
        done = subprocess.run([*cc, *FLAGS, "-I", str(_HEADER.parent), "-o", str(lib), str(src)],
                              capture_output=True, text=True, timeout=120, check=False)
    except (OSError, subprocess.SubprocessError) as e:
        return f"the C compiler did not run: {e}"
    if done.returncode:
        return f"the C compiler failed: {done.stderr.strip()[:500]}"
    try:
        return ctypes.CDLL(str(lib))
    except OSError as e:
        return f"the compiled code did not load: {e}"


class Kernels:
    """A columnar module's compiled parts, each built on first use: the parameters ``prepare``
    computes first (``params``) and the layers (``layers``); where one has none, why (``declined``)."""

    def __init__(self, module: Any) -> None:
        self.module = module
        self._layers: Kernel | str | None = None
        self._params: ParamsKernel | str | None = None
        self._step: StepKernel | str | None = None

    def declined(self) -> dict[str, str | None]:
        """Per part, why it runs as NumPy code (None: it runs compiled); ``step`` is the whole step
        for claims of distinct persons, which runs instead of the other two where it runs."""
        self.layers()
        self.param_kernel()
        self.step_kernel()
        return {part: got if isinstance(got, str) else None
                for part, got in (("params", self._params), ("layers", self._layers), ("step", self._step))}

    def step_kernel(self) -> StepKernel | None:
        if self._step is None:
            self._step = _step(self.module)
        return self._step if isinstance(self._step, StepKernel) else None

    def layers(self) -> Kernel | None:
        if self._layers is None:
            self._layers = _layers(self.module)
        return self._layers if isinstance(self._layers, Kernel) else None

    def param_kernel(self) -> ParamsKernel | None:
        if self._params is None:
            self._params = _params(self.module)
        return self._params if isinstance(self._params, ParamsKernel) else None

    def params(self, c: Any) -> list[np.ndarray] | None:
        """The early parameters of the claims ``c`` (``module.C_PARAMS``, in order), their tables'
        failures recorded as the NumPy code records them; None where that code must run."""
        if c.n < MIN_CLAIMS:
            return None
        k = self.param_kernel()
        return None if k is None else k(c, self.module.INFO)


@dataclass
class ParamsKernel:
    """A compiled ``yibao_params``: the enum columns it reads, the tables that can match no row."""

    func: Any
    inputs: tuple[str, ...]
    count: int
    failures: list[tuple[tuple[str, int], str]]  # per table (code k + 1): its site and message

    def __call__(self, c: Any, info: Any) -> list[np.ndarray] | None:
        n = c.n
        cols = [getattr(c, name) for name in self.inputs]
        if not all(isinstance(x, np.ndarray) and x.dtype == np.int8 and x.shape == (n,)
                   and x.flags.c_contiguous for x in cols):
            return None
        outs = [np.empty(n, dtype=I64) for _ in range(self.count)]
        failed = np.empty(n, dtype=np.uint8)
        ins = (ctypes.c_void_p * max(len(cols), 1))(*(x.ctypes.data for x in cols))
        out = (ctypes.c_void_p * max(len(outs), 1))(*(o.ctypes.data for o in outs))
        self.func(ctypes.c_int64(n), ins, out, ctypes.c_void_p(failed.ctypes.data))
        if failed.any():  # rare: in table order, as the NumPy code fails them
            for k, (site, reason) in enumerate(self.failures, 1):
                fail(c, failed == k, site, reason, info)
        return outs


def _loaded(source: str, name: str, argtypes: tuple[Any, ...]) -> Any:
    lib = build(source)
    if isinstance(lib, str):
        return lib
    func = getattr(lib, name)
    func.argtypes = argtypes
    func.restype = None
    return func


def _checked(module: Any) -> Any:
    if os.environ.get("YIBAO_COLUMNAR_C", "1") == "0":
        return "YIBAO_COLUMNAR_C=0"
    checked = getattr(module, "CHECKED", None)
    return "the module was not made by the loader" if checked is None else checked


def _layers(module: Any) -> Kernel | str:
    checked = _checked(module)
    if isinstance(checked, str):
        return checked
    try:
        source, inputs, outputs = generate_c_layers(checked)
    except CUnsupported as e:
        return f"no C form: {e}"
    func = _loaded(source, "yibao_settle_layers", (ctypes.c_int64, ctypes.c_void_p, ctypes.c_void_p))
    if isinstance(func, str):
        return func
    layers = tuple(module.LAYERS)
    return Kernel(func, inputs, layers, outputs[len(layers):])


def _params(module: Any) -> ParamsKernel | str:
    checked = _checked(module)
    if isinstance(checked, str):
        return checked
    names = getattr(module, "C_PARAMS", None)
    if names is None:  # the generator found no C form: which construct lacks one
        from .codegen_columnar import ColumnarGenerator

        late = ColumnarGenerator(checked).quantity_params()
        names = [p.name for p in checked.param_order if p.name not in late]
        if not names:
            return "no parameters computed before the classification"
    try:
        source, inputs, failures = generate_c_params(checked, [checked.params[x] for x in names])
    except CUnsupported as e:
        return f"no C form: {e}"
    if getattr(module, "C_PARAMS", None) is None:  # never: the module's generator decided by this call
        return "the columnar module computes its parameters in NumPy code"
    func = _loaded(source, "yibao_params", (ctypes.c_int64, ctypes.c_void_p, *(ctypes.c_void_p,) * 2))
    if isinstance(func, str):
        return func
    sites = [((span.file, int(span.line)), no_row(name, int(span.line))) for span, name in failures]
    return ParamsKernel(func, inputs, len(names), sites)


Step = tuple[list[np.ndarray], dict[str, np.ndarray], np.ndarray, np.ndarray, np.ndarray, np.ndarray,
             np.ndarray]  # payers, new year_to_date, person, out of scope, first self-pay, in scope, bill


def _int_column(x: Any, dtype: Any, n: int) -> bool:
    return isinstance(x, np.ndarray) and x.dtype == dtype and x.shape == (n,) and x.flags.c_contiguous


@dataclass
class StepKernel:
    """A compiled ``yibao_settle_step`` (``codegen_columnar_step``): the lines, the parameters and
    the layers of a batch's claims (or of one wave of them) in one loop; what it reads and writes."""

    func: Any
    enums: tuple[str, ...]  # batch enum columns (int8)
    ytd: tuple[str, ...]  # accumulators read, in the order of its `in`
    layers: tuple[str, ...]
    accumulators: tuple[str, ...]
    outputs: int
    failures: list[tuple[tuple[str, int], str]]  # per table (code k + 1): its site and message

    def __call__(self, c: Any, ytd: dict[str, np.ndarray], info: Any, idx: np.ndarray | None = None
                 ) -> Step | None:
        """The settlement columns of the claims ``idx`` of the batch ``c`` (None: all, in order),
        starting from ``ytd`` (theirs, in that order), the parameters' failures recorded as the NumPy
        code records them; None, having recorded nothing, where the NumPy code must run."""
        m, lines = c.n, len(c.line_amount)
        n = m if idx is None else len(idx)
        cols = [getattr(c, name) for name in self.enums]
        ins = [ytd.get(a) for a in self.ytd]
        total = c.total
        if not (all(_int_column(x, np.int8, m) for x in cols) and all(_int_column(x, I64, n) for x in ins)
                and _int_column(c.line_category, np.int8, lines) and _int_column(c.line_amount, I64, lines)
                and _int_column(c.line_offsets, I64, m + 1) and (idx is None or _int_column(idx, I64, n))
                and (total is None or _int_column(total, I64, m))):
            return None
        # a column each (one block of them all measured slower at 10^6 claims: a fresh mapping each time)
        outs = [np.empty(n, dtype=I64) for _ in range(self.outputs - (total is not None))]
        failed = np.empty(n, dtype=np.uint8)
        en = (ctypes.c_void_p * max(len(cols), 1))(*(x.ctypes.data for x in cols))
        inp = (ctypes.c_void_p * max(len(ins), 1))(*(x.ctypes.data for x in ins))
        out = (ctypes.c_void_p * self.outputs)(*(o.ctypes.data for o in outs))  # the bill's NULL when given
        bill = None if total is None else total.ctypes.data
        if not self.func(n, m, lines, None if idx is None else idx.ctypes.data, c.line_category.ctypes.data,
                         c.line_amount.ctypes.data, c.line_offsets.ctypes.data, bill, en, inp, out,
                         failed.ctypes.data):
            return None
        if failed.any():  # rare: in table order, as the NumPy code fails them
            claims = c if idx is None else c.take(idx)
            for k, (site, reason) in enumerate(self.failures, 1):
                fail(claims, failed == k, site, reason, info)
        k, a = len(self.layers), len(self.accumulators)
        ytd_out = dict(zip(self.accumulators, outs[k:k + a], strict=True))
        person, oos, fsp, in_scope = outs[k + a:k + a + 4]
        return outs[:k], ytd_out, person, oos, fsp, in_scope, total if total is not None else outs[-1]


def _step(module: Any, table: tuple[Rule, ...] | None = None) -> StepKernel | str:
    """The module's step kernel, or why it has none; with the line rules ``table`` instead of the
    module's own when given (a test's)."""
    checked = _checked(module)
    if isinstance(checked, str):
        return checked
    table = table or getattr(module, "LINE_RULES", None)
    if table is None:
        return "the classification has no fused form (line_rules.fused_table)"
    names = getattr(module, "C_PARAMS", None)
    if names is None and checked.params:
        return f"the parameters run as NumPy code ({_params(module)})"
    if set(names or ()) != set(checked.params):
        return "a parameter computed after the classification"
    try:
        source, g = generate_c_step(checked, table, [checked.params[x] for x in names or ()])
    except CUnsupported as e:
        return f"no C form: {e}"
    func = _loaded(source, "yibao_settle_step", (*(ctypes.c_int64,) * 3, *(ctypes.c_void_p,) * 9))
    if isinstance(func, str):
        return func
    func.restype = ctypes.c_int
    sites = [((span.file, int(span.line)), no_row(name, int(span.line))) for span, name in g.failures]
    layers, accumulators = tuple(module.LAYERS), tuple(module.ACCUMULATORS)
    return StepKernel(func, g.enums, g.ytd, layers, accumulators, g.outputs, sites)


def step_kernel(module: Any, n: int) -> StepKernel | None:
    """The compiled step for a batch of n claims; None where ``prepare`` and the layers must run."""
    kernels = getattr(module, "KERNELS", None)
    return None if n < MIN_CLAIMS or kernels is None else kernels.step_kernel()


def step(module: Any, batch: Any, ytd: dict[str, np.ndarray]) -> Step | None:
    """The whole settle step of a batch of claims of distinct persons, compiled; None where
    ``prepare`` and the layers must run instead."""
    k = step_kernel(module, batch.n)
    return None if k is None else k(batch, ytd, module.INFO)


def declined(module: Any) -> dict[str, str | None]:
    """Per compiled part of a loaded columnar module, why it runs as NumPy code (None: compiled)."""
    return module.KERNELS.declined()


def run(module: Any, n: int, env: dict[str, Any], ytd: dict[str, Any]) -> Layers | None:
    """``settle_layers`` of n claims by the C layers, and what the person pays (the bill less
    every payer); None where the NumPy code must run instead."""
    kernels = getattr(module, "KERNELS", None)
    if n < MIN_CLAIMS or kernels is None:
        return None
    k = kernels.layers()
    return None if k is None else k(n, env, ytd)
