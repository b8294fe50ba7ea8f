"""yibao: policy-as-code for Chinese basic medical-insurance reimbursement.

The names below are imported when first used (PEP 562), so that ``yibao --version`` and
``yibao --help`` start without the compiler; ``from yibao import load_policy`` works as ever.
"""

from __future__ import annotations

from importlib import import_module
from typing import TYPE_CHECKING, Any

__version__ = "0.1.0"

_WHERE = {
    "Claim": "yibao.compiler.claims",
    "parse_claim": "yibao.compiler.claims",
    "Policy": "yibao.compiler.loader",
    "compile_policy": "yibao.compiler.loader",
    "load_policy": "yibao.compiler.loader",
    "Settlement": "yibao.compiler.runtime",
    "ClaimError": "yibao.dsl.errors",
    "PolicyError": "yibao.dsl.errors",
    "SettlementError": "yibao.dsl.errors",
    "YibaoError": "yibao.dsl.errors",
}

__all__ = [
    "Claim",
    "ClaimError",
    "Policy",
    "PolicyError",
    "Settlement",
    "SettlementError",
    "YibaoError",
    "compile_policy",
    "load_policy",
    "parse_claim",
]

if TYPE_CHECKING:
    from yibao.compiler.claims import Claim, parse_claim
    from yibao.compiler.loader import Policy, compile_policy, load_policy
    from yibao.compiler.runtime import Settlement
    from yibao.dsl.errors import ClaimError, PolicyError, SettlementError, YibaoError


def __getattr__(name: str) -> Any:
    module = _WHERE.get(name)
    if module is None:
        raise AttributeError(f"module 'yibao' has no attribute {name!r}")
    value = getattr(import_module(module), name)
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return sorted([*globals(), *__all__])
