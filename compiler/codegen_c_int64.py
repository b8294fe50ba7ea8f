"""NumPy's int64 arithmetic spelt in C, for the columnar backend's generated kernels
(``codegen_columnar_c``, ``codegen_columnar_step``): the helpers every kernel's source starts with
(floor division and modulo as NumPy's, the ``div_*`` rounding helpers of ``runtime_columnar``) and
integer literals made from ``int`` only, so that no policy text can enter the C source.
"""

from __future__ import annotations


class CUnsupported(Exception):
    """A construct with no C form; the message says which (no policy text)."""


PREAMBLE = r"""/* Claim-level rules (the parameters, the layers or the whole step) of a yibao columnar module,
   by yibao-codegen-columnar-c/1.
   Do not edit: generated from the policy. Compiled with -fwrapv: int64 + - * wrap as NumPy's do. */
#include <stdint.h>

typedef int64_t i64;

/* NumPy's int64 floor division and modulo: 0 for a divisor of 0, INT64_MIN // -1 wraps. */
static inline i64 fdiv(i64 a, i64 b) {
    if (b == 0) return 0;
    if (b == -1) return (i64)(0 - (uint64_t)a);
    i64 q = a / b;
    if ((a % b != 0) && ((a < 0) != (b < 0))) q -= 1;
    return q;
}
static inline i64 fmod_(i64 a, i64 b) {
    if (b == 0 || b == -1) return 0;
    i64 r = a % b;
    if (r != 0 && ((r < 0) != (b < 0))) r += b;
    return r;
}
static inline i64 iabs(i64 a) { return a < 0 ? (i64)(0 - (uint64_t)a) : a; }
static inline i64 imin(i64 a, i64 b) { return a < b ? a : b; }
static inline i64 imax(i64 a, i64 b) { return a > b ? a : b; }
/* runtime_columnar's div_half_up, div_half_even, div_down, div_up, step for step. */
static inline i64 div_half_up(i64 n, i64 d) {
    return n >= 0 ? fdiv(2 * n + d, 2 * d) : -fdiv(-2 * n + d, 2 * d);
}
static inline i64 div_half_even(i64 n, i64 d) {
    i64 a = iabs(n), q = fdiv(a, d), r = fmod_(a, d);
    q = q + ((2 * r > d) | ((2 * r == d) & (fmod_(q, 2) == 1)));
    return n >= 0 ? q : -q;
}
static inline i64 div_down(i64 n, i64 d) {
    i64 q = fdiv(iabs(n), d);
    return n >= 0 ? q : -q;
}
static inline i64 div_up(i64 n, i64 d) {
    i64 q = -fdiv(-iabs(n), d);
    return n >= 0 ? q : -q;
}
"""
DIV = {"half_up": "div_half_up", "half_even": "div_half_even", "down": "div_down", "up": "div_up"}


def lit(value: int) -> str:
    """An integer literal of C, from an ``int`` only."""
    v = int(value)
    if not -(2**63) < v < 2**63:
        raise CUnsupported("a number outside int64")
    return f"INT64_C({v})" if v >= 0 else f"(-INT64_C({-v}))"
