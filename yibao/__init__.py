"""yibao: policy-as-code for Chinese basic medical-insurance reimbursement."""

from yibao.compiler.claims import Claim, parse_claim
from yibao.compiler.loader import Policy, compile_policy, load_policy
from yibao.compiler.runtime import Settlement
from yibao.dsl.errors import ClaimError, PolicyError, SettlementError, YibaoError

__version__ = "0.1.0"

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
