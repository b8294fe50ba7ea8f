/* One bill line's rule, the one definition in C of what ``line_pass.fused_table`` says a category
 * does to a line: used by the columnar fused line pass (_line_pass.c), by the claim reader
 * (claim_reader_read.c), which sums a claim's lines while it reads them, and by the columnar step
 * compiled at run time (``codegen_columnar_step``: it includes this file with LINE_RULE_NO_PYTHON
 * defined, the rules as constants; installed as package data).
 *
 * A rule is ``(op, p, q, mode)``: op 0 in scope, 1 out of scope, 2 a first self-pay share, 3 a share
 * in scope; the share is amount × p / q rounded by ``mode`` exactly as ``ExprEmitter.round_mul``
 * writes it for a non-negative amount. Every figure is checked against int64: where one would leave
 * it, the functions return 0 and the caller declines (the Python or NumPy code then gives the
 * answer, exactly). */
#ifndef YIBAO_LINE_RULE_H
#define YIBAO_LINE_RULE_H

#ifndef LINE_RULE_NO_PYTHON  /* the columnar step's run-time C takes the rule without Python's API */
#define PY_SSIZE_T_CLEAN
#include <Python.h>
#endif
#include <stdint.h>
#include <string.h>

enum { OP_IN = 0, OP_OUT = 1, OP_SHARE = 2, OP_IN_SHARE = 3 };
enum { M_HALF_UP = 0, M_DOWN = 1, M_HALF_EVEN = 2, M_UP = 3 };
#define N_CATEGORIES 16

typedef struct {
    int op, mode;
    int64_t p, q;
} Rule;

/* The share of a non-negative amount, as ``round_mul`` writes it; 0 when a figure on the way would
 * leave int64. */
static inline int rule_share(const Rule *r, int64_t a, int64_t *out) {
    int64_t n;
    if (__builtin_mul_overflow(a, r->p, &n)) return 0;
    if (r->q == 1) {
        *out = n;
        return 1;
    }
    switch (r->mode) {
    case M_HALF_UP:
        if (r->q % 2 == 0) {
            if (__builtin_add_overflow(n, r->q / 2, &n)) return 0;
            *out = n / r->q;
        } else {
            if (__builtin_mul_overflow(n, (int64_t)2, &n) || __builtin_add_overflow(n, r->q, &n)) return 0;
            *out = n / (2 * r->q);
        }
        return 1;
    case M_DOWN:
        *out = n / r->q;
        return 1;
    case M_HALF_EVEN: {
        int64_t k = n / r->q, rem = n % r->q;
        *out = k + ((2 * rem > r->q) || (2 * rem == r->q && k % 2 == 1));
        return 1;
    }
    case M_UP:
        *out = n / r->q + (n % r->q != 0);
        return 1;
    }
    return 0;
}

/* One line of non-negative amount ``a`` under rule ``r`` added to its claim's out-of-scope ``*so``
 * and first self-pay ``*sf``; 0 where a figure would leave int64 (the sums then mean nothing). */
static inline int rule_add(const Rule *r, int64_t a, int64_t *so, int64_t *sf) {
    if (r->op == OP_IN) return 1;
    if (r->op == OP_OUT) return !__builtin_add_overflow(*so, a, so);
    int64_t part;
    if (!rule_share(r, a, &part)) return 0;
    if (r->op == OP_IN_SHARE) part = a - part;
    return !__builtin_add_overflow(*sf, part, sf);
}

#ifndef LINE_RULE_NO_PYTHON
/* ``table`` (a tuple of at most 16 ``(op, p, q, mode)``) into ``rules``, which the caller set to in
 * scope first (a category without a rule is in scope); -1 with a ValueError if it is none. */
static inline int rule_parse_table(PyObject *table, Rule *rules) {
    if (!PyTuple_Check(table) || PyTuple_GET_SIZE(table) > N_CATEGORIES) {
        PyErr_SetString(PyExc_ValueError, "line rules: a tuple of at most 16 rules");
        return -1;
    }
    for (Py_ssize_t k = 0; k < PyTuple_GET_SIZE(table); k++) {
        PyObject *row = PyTuple_GET_ITEM(table, k);
        Rule *r = &rules[k];
        if (!PyTuple_Check(row) || !PyArg_ParseTuple(row, "iLLi", &r->op, &r->p, &r->q, &r->mode)) {
            if (!PyErr_Occurred() || PyErr_ExceptionMatches(PyExc_TypeError)) {
                PyErr_Clear();
                PyErr_SetString(PyExc_ValueError, "line rules: each rule is (op, p, q, mode)");
            }
            return -1;
        }
        if (r->op < OP_IN || r->op > OP_IN_SHARE || r->mode < M_HALF_UP || r->mode > M_UP || r->p < 0
            || r->q < 1) {
            PyErr_SetString(PyExc_ValueError, "line rules: an unknown op or mode, or a bad share");
            return -1;
        }
    }
    return 0;
}

/* Every category in scope: what a code without a rule gets. */
#endif

static inline void rule_defaults(Rule *rules) {
    memset(rules, 0, N_CATEGORIES * sizeof(Rule));
    for (int k = 0; k < N_CATEGORIES; k++) rules[k].q = 1;
}

#endif
