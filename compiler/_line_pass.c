/* The columnar backend's fused line pass in C: one loop over a batch's bill lines that classifies
 * each line by its category and adds its out-of-scope and first self-pay amounts (and its amount)
 * to its claim's sums, with no temporary arrays.
 *
 * ``line_sums(table, category, amount, offsets, oos, fsp, total)`` is generic: ``table`` is what
 * ``line_pass.fused_table`` derives from the policy's ``classify`` (the same plan entries the NumPy
 * code is generated from), one ``(op, p, q, mode)`` per category code: op 0 in scope, 1 out of
 * scope, 2 a first self-pay share, 3 a share in scope; the share is amount × p / q rounded by
 * ``mode`` exactly as ``ExprEmitter.round_mul`` writes it for a non-negative amount.
 *
 * Exactness: the generated NumPy code computes the same figures in int64; wherever they agree with
 * exact integer arithmetic this pass gives them. Anything else -- a buffer of another type, layout
 * or length, offsets that do not start at 0, end at the last line and rise (a claim without lines,
 * which NumPy's ``reduceat`` does not sum as empty), a negative amount, a product or sum past int64
 * (where NumPy wraps) -- and it returns False having promised nothing: the NumPy code runs instead
 * and gives today's answer (the outputs, fresh arrays of the caller's, then mean nothing). Nothing
 * here calls Python code; buffers are released on every path.
 */
#define PY_SSIZE_T_CLEAN
#include <Python.h>
#include <stdint.h>
#include <string.h>

#include "line_rule.h"  /* the per-line rule, shared with the claim reader */

/* A buffer of the given item size and one of the formats, C-contiguous, one-dimensional. Returns 1
 * when got (release it), 0 when the object is not such a buffer (no error set), -1 never. */
static int get_buffer(PyObject *obj, Py_buffer *view, Py_ssize_t itemsize, const char *formats, int writable) {
    int flags = PyBUF_C_CONTIGUOUS | PyBUF_FORMAT | (writable ? PyBUF_WRITABLE : 0);
    if (PyObject_GetBuffer(obj, view, flags) < 0) {
        PyErr_Clear();
        return 0;
    }
    const char *f = view->format ? view->format : "B";
    const uint16_t one = 1;
    const char native = *(const char *)&one ? '<' : '>';  /* a byte order named is this machine's */
    if (*f == '=' || *f == '@' || *f == native || (*f == '!' && native == '>')) f++;
    if (view->ndim != 1 || view->itemsize != itemsize || strlen(f) != 1 || strchr(formats, *f) == NULL) {
        PyBuffer_Release(view);
        return 0;
    }
    return 1;
}

/* One claim's sums, every figure checked against int64; 0 (declined) where NumPy would not give
 * them exactly. */
static int claim_checked(const Rule *rules, const int8_t *cat, const int64_t *amt, int64_t start, int64_t end,
                         int64_t *so_, int64_t *sf_, int64_t *st_) {
    int64_t so = 0, sf = 0, st = 0;
    for (int64_t j = start; j < end; j++) {
        int64_t a = amt[j];
        if (a < 0 || __builtin_add_overflow(st, a, &st)) return 0;
        uint8_t code = (uint8_t)cat[j];
        if (code < N_CATEGORIES && !rule_add(&rules[code], a, &so, &sf)) return 0;
    }
    *so_ = so;
    *sf_ = sf;
    *st_ = st;
    return 1;
}

/* The same rules without a branch per line, for the usual claims: every amount within 0 .. limit,
 * so that amount × P + H < 2^32 and is divided by Q exactly as a multiplication by ceil(2^64 / Q)
 * (Lemire, Kaser and Kurz, "Faster remainder by direct computation", 2019), and a claim's sums
 * (fewer than 2^31 lines of less than 2^32 fen) stay within int64. A share is floor((a × P + H) / Q):
 * ``round_mul``'s half-up and down forms (P = p, H = q / 2 or 0, Q = q; P = 2p, H = q, Q = 2q for an
 * odd q; P = 2p, H = 0, Q = 2 for q = 1). */
typedef struct {
    uint64_t out_mask, share_mask, keep_mask, sign, P, H, M;
} Fast;

static int fast_rules(const Rule *rules, Fast *fast, uint64_t *limit) {
    *limit = UINT32_MAX;
    memset(fast, 0, 256 * sizeof(Fast));  /* a code without a rule: in scope */
    for (int k = 0; k < N_CATEGORIES; k++) {
        const Rule *r = &rules[k];
        Fast *f = &fast[k];
        if (r->op == OP_OUT) f->out_mask = UINT64_MAX;
        if (r->op != OP_SHARE && r->op != OP_IN_SHARE) continue;
        uint64_t p = (uint64_t)r->p, q = (uint64_t)r->q, Q;
        if (q == 1) {
            f->P = 2 * p, f->H = 0, Q = 2;
        } else if (r->mode == M_DOWN) {
            f->P = p, f->H = 0, Q = q;
        } else if (r->mode == M_HALF_UP) {
            if (q % 2 == 0) f->P = p, f->H = q / 2, Q = q;
            else f->P = 2 * p, f->H = q, Q = 2 * q;
        } else {
            return 0;  /* half-even, up: the checked path */
        }
        if (Q >= ((uint64_t)1 << 32) || f->P >= ((uint64_t)1 << 32) || f->H >= ((uint64_t)1 << 32)) return 0;
        f->M = UINT64_MAX / Q + 1;
        f->share_mask = UINT64_MAX;
        f->keep_mask = r->op == OP_IN_SHARE ? UINT64_MAX : 0;  /* in scope p: a - part */
        f->sign = r->op == OP_IN_SHARE ? UINT64_MAX : 1;      /* -1 or 1 */
        uint64_t room = f->P ? (UINT32_MAX - f->H) / f->P : UINT32_MAX;
        if (room < *limit) *limit = room;
    }
    return 1;
}

/* Every claim's sums; 0 (declined) at the first thing NumPy would not sum exactly. */
static int run(const Rule *rules, const int8_t *cat, const int64_t *amt, const int64_t *off, Py_ssize_t n,
               int64_t lines, int64_t *oos, int64_t *fsp, int64_t *tot) {
    Fast local[256];
    uint64_t limit = 0;
    int quick = lines < ((int64_t)1 << 31) && fast_rules(rules, local, &limit);
    int64_t end = 0;  /* off[0], checked: each offset is read once, so lines read stay within bounds */
    for (Py_ssize_t i = 0; i < n; i++) {
        int64_t start = end;
        end = off[i + 1];
        if (end <= start || end > lines) return 0;  /* a claim without lines, or past the last line */
        int64_t so = 0, sf = 0, st = 0;
        if (quick) {
            uint64_t uo = 0, uf = 0, ut = 0, big = 0;
            for (int64_t j = start; j < end; j++) {
                uint64_t a = (uint64_t)amt[j];
                const Fast *f = &local[(uint8_t)cat[j]];
                big |= a > limit;  /* also a negative amount */
                uint64_t x = a & f->share_mask;
                uint64_t part = (uint64_t)(((unsigned __int128)(x * f->P + f->H) * f->M) >> 64);
                ut += a;
                uo += a & f->out_mask;
                uf += (x & f->keep_mask) + part * f->sign;
            }
            if (!big) {
                oos[i] = (int64_t)uo, fsp[i] = (int64_t)uf;
                if (tot) tot[i] = (int64_t)ut;
                continue;
            }
        }
        if (!claim_checked(rules, cat, amt, start, end, &so, &sf, &st)) return 0;
        oos[i] = so;
        fsp[i] = sf;
        if (tot) tot[i] = st;
    }
    return 1;
}

static PyObject *line_sums(PyObject *Py_UNUSED(self), PyObject *args) {
    PyObject *table, *category, *amount, *offsets, *oos, *fsp, *total;
    if (!PyArg_ParseTuple(args, "OOOOOOO", &table, &category, &amount, &offsets, &oos, &fsp, &total)) return NULL;
    Rule rules[N_CATEGORIES];
    rule_defaults(rules);  /* a code without a rule: in scope, as no NumPy row selects it */
    if (rule_parse_table(table, rules) < 0) return NULL;
    Py_buffer b[6];
    PyObject *objs[6] = {category, amount, offsets, oos, fsp, total};
    const Py_ssize_t sizes[6] = {1, 8, 8, 8, 8, 8};
    const char *formats[6] = {"b", "ql", "ql", "ql", "ql", "ql"};
    int got = 0, ok = 1;
    for (; got < 6; got++) {
        if (got == 5 && total == Py_None) break;
        if (!get_buffer(objs[got], &b[got], sizes[got], formats[got], got >= 3)) {
            ok = 0;
            break;
        }
    }
    if (ok) {
        Py_ssize_t lines = b[0].shape[0], n = b[2].shape[0] - 1;
        const int64_t *off = (const int64_t *)b[2].buf;
        ok = b[1].shape[0] == lines && n >= 0 && b[3].shape[0] == n && b[4].shape[0] == n
             && (total == Py_None || b[5].shape[0] == n) && off[0] == 0 && off[n] == lines;
        if (ok && n > 0) {
            int64_t *t = total == Py_None ? NULL : (int64_t *)b[5].buf;
            Py_BEGIN_ALLOW_THREADS
            ok = run(rules, (const int8_t *)b[0].buf, (const int64_t *)b[1].buf, off, n, (int64_t)lines,
                     (int64_t *)b[3].buf, (int64_t *)b[4].buf, t);
            Py_END_ALLOW_THREADS
        }
    }
    for (int k = 0; k < got; k++) PyBuffer_Release(&b[k]);
    return PyBool_FromLong(ok);
}

static PyMethodDef methods[] = {
    {"line_sums", line_sums, METH_VARARGS,
     "line_sums(table, category, amount, offsets, oos, fsp, total): fill each claim's out-of-scope and "
     "first self-pay sums (and its bill, unless total is None); False where it declines."},
    {NULL, NULL, 0, NULL},
};

static struct PyModuleDef module = {PyModuleDef_HEAD_INIT, "_line_pass",
                                    "The columnar backend's fused line pass.", -1, methods,
                                    NULL, NULL, NULL, NULL};

PyMODINIT_FUNC PyInit__line_pass(void) { return PyModule_Create(&module); }
