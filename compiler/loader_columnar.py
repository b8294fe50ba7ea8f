"""A compiled policy's columnar module: generated once per ``Policy``, executed like the scalar one.

Kept apart from ``loader.py`` (the scalar path) so that loading a policy never imports NumPy;
like it, this executes generated code only.
"""

from __future__ import annotations

import linecache
import types
from typing import Any

from .codegen_columnar import generate_columnar
from .columnar_c import Kernels
from .columnar_failures import PolicyLines

_CACHE: dict[int, types.ModuleType] = {}


def columnar_module(policy: Any) -> types.ModuleType:
    """The columnar module of a ``loader.Policy``; raises ``ColumnarUnsupported`` naming the
    construct that has no columnar form."""
    cached = getattr(policy, "_columnar_module", None)
    if cached is not None:
        return cached
    source = generate_columnar(policy.checked)
    filename = f"<yibao columnar {policy.ast.path.replace(chr(0), '')}>"
    code = compile(source, filename, "exec")
    module = types.ModuleType(f"yibao_columnar_{abs(hash(source)):x}")
    module.__file__ = filename
    linecache.cache[filename] = (len(source), None, source.splitlines(True), filename)
    exec(code, module.__dict__)  # the generated module only
    module.INFO = PolicyLines(policy.ast.path, dict(policy.ast.texts) or {policy.ast.path: policy.ast.text})
    module.GIVEN = tuple(policy.given)
    module.CHECKED = policy.checked  # for its compiled parts, generated and built on first use
    module.KERNELS = Kernels(module)
    policy._columnar_module = module
    return module
