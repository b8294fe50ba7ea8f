/* The fast accept path's claim reader in C: table-driven, one per policy.
 *
 * ``Reader(spec, fallback)`` is built once per policy from the table ``claim_reader.spec`` derives
 * from ``claim_fields.CLAIM`` and the policy's ``Scope`` -- the same tables the generated Python
 * check (``claim_fast.build_view``) reads. ``reader.read(data)`` returns exactly the ``ClaimView``
 * that check returns, or None ("declined") for anything unusual; ``reader(data)`` calls
 * ``fallback(data)`` (the Python check) when it declines.
 *
 * Nothing here runs user Python code: every value is accepted only if it is of an exact type (str,
 * int, dict, list), and dict keys are compared only once all of them are known to be exact str.
 * The reader never recurses into a value: its depth is the field table's. The only Python it calls
 * is the policy's own date reader and ``applies`` function, once per claim.
 */
#define PY_SSIZE_T_CLEAN
#include <Python.h>
#include <stddef.h>

enum {
    K_TEXT = 1, K_ENUM, K_INT, K_AMOUNT, K_DATE, K_CODES, K_OBJECT, K_LINES, K_YTD, K_PAID, K_SPLIT,
    K_CONST,
};

#if PY_VERSION_HEX < 0x030C0000
#define READY(s) PyUnicode_READY(s)
#else
#define READY(s) 0  /* every str is ready from 3.12 on */
#endif

#define MAX_SLOTS 64
#define MAX_FIELDS 32

typedef struct Field Field;

#define MAX_KEYS 16

/* An object's allowed keys, each with its hash, and its fields (each reading the value of one key,
 * the split four). */
typedef struct {
    PyObject *keys;   /* frozenset of the keys allowed (borrowed from the spec) */
    Py_ssize_t nkeys;
    PyObject *key[MAX_KEYS];
    Py_hash_t hash[MAX_KEYS];
    Py_ssize_t n;
    Field *fields;
} Obj;

struct Field {
    int kind;
    int required;
    PyObject *key;      /* str */
    Py_ssize_t at;      /* the key's place in its object's ``key`` */
    PyObject *dflt;     /* value when absent or null; NULL: none */
    long long limit, minimum;
    Py_ssize_t slot;
    PyObject *values;   /* enum: frozenset of str */
    PyObject *numbers;  /* enum: dict int -> str, or NULL */
    int digits;         /* amount: most digits before the point */
    Obj obj;            /* object: its fields; lines: a line's fields */
    Py_ssize_t s[8];    /* kind-specific slots (below) */
    PyObject *o[4];     /* kind-specific objects (below) */
    long long big;      /* lines: the most a claim's total may be */
};

typedef struct {
    PyObject_HEAD
    vectorcallfunc vectorcall;
    PyObject *spec;      /* keeps every borrowed object alive */
    PyObject *fallback;  /* called with the data when the reader declines; may be None */
    PyObject *view_type, *dates, *date_reader, *applies;
    Py_ssize_t width, raw_slot, age_slot;
    Obj claim;
    Field *all;          /* every Field, for freeing */
    Py_ssize_t nall, cap;
} Reader;

/* ------------------------------------------------------------------ spec → C structures */

static long long as_ll(PyObject *o, const char *what) {
    long long v = PyLong_AsLongLong(o);
    if (v == -1 && PyErr_Occurred()) {
        PyErr_Format(PyExc_ValueError, "claim reader spec: %s is not a small int", what);
    }
    return v;
}

static Field *new_fields(Reader *r, Py_ssize_t n) {
    if (r->nall + n > r->cap) {
        PyErr_SetString(PyExc_ValueError, "claim reader spec: too many fields");
        return NULL;
    }
    Field *f = r->all + r->nall;
    r->nall += n;
    return f;
}

static int parse_obj(Reader *r, PyObject *spec, Obj *obj, Py_ssize_t width);

/* Two exact str equal (no Python code: their kinds and code units compared). */
static inline int str_eq(PyObject *a, PyObject *b) {
    if (a == b) return 1;
    Py_ssize_t n = PyUnicode_GET_LENGTH(a);
    if (n != PyUnicode_GET_LENGTH(b) || PyUnicode_KIND(a) != PyUnicode_KIND(b)) return 0;
    return memcmp(PyUnicode_DATA(a), PyUnicode_DATA(b), (size_t)n * PyUnicode_KIND(a)) == 0;
}

/* Where exact str ``k`` (of hash ``h``) is among ``obj``'s keys, or -1. */
static inline Py_ssize_t find_key(const Obj *obj, PyObject *k, Py_hash_t h) {
    for (Py_ssize_t i = 0; i < obj->nkeys; i++) {
        if (obj->hash[i] == h && str_eq(obj->key[i], k)) return i;
    }
    return -1;
}

static Py_ssize_t key_at(const Obj *obj, PyObject *k) {
    Py_hash_t h = PyObject_Hash(k);
    if (h == -1) {
        PyErr_Clear();
        return -1;
    }
    return find_key(obj, k, h);
}

/* A field spec: (kind, key, required, default, limit, minimum, slot, values, numbers, extra). */
static int parse_field(Reader *r, PyObject *t, Field *f, Py_ssize_t width) {
    if (!PyTuple_Check(t) || PyTuple_GET_SIZE(t) != 10) {
        PyErr_SetString(PyExc_ValueError, "claim reader spec: a field is a 10-tuple");
        return -1;
    }
    memset(f, 0, sizeof(*f));
    f->kind = (int)as_ll(PyTuple_GET_ITEM(t, 0), "kind");
    f->key = PyTuple_GET_ITEM(t, 1);
    f->required = PyObject_IsTrue(PyTuple_GET_ITEM(t, 2));
    f->dflt = PyTuple_GET_ITEM(t, 3) == Py_None ? NULL : PyTuple_GET_ITEM(t, 3);
    f->limit = as_ll(PyTuple_GET_ITEM(t, 4), "limit");
    f->minimum = as_ll(PyTuple_GET_ITEM(t, 5), "minimum");
    f->slot = (Py_ssize_t)as_ll(PyTuple_GET_ITEM(t, 6), "slot");
    f->values = PyTuple_GET_ITEM(t, 7) == Py_None ? NULL : PyTuple_GET_ITEM(t, 7);
    f->numbers = PyTuple_GET_ITEM(t, 8) == Py_None ? NULL : PyTuple_GET_ITEM(t, 8);
    PyObject *extra = PyTuple_GET_ITEM(t, 9);
    if (PyErr_Occurred()) return -1;
    if (!PyUnicode_CheckExact(f->key) || f->slot < 0 || f->slot >= width || f->limit < 0) {
        PyErr_SetString(PyExc_ValueError, "claim reader spec: bad key, slot or limit");
        return -1;
    }
    if (f->values && !PyFrozenSet_CheckExact(f->values)) goto bad;
    if (f->numbers && !PyDict_CheckExact(f->numbers)) goto bad;
    switch (f->kind) {
    case K_TEXT: case K_INT: case K_CONST:
        return 0;
    case K_ENUM:
        if (!f->values) goto bad;
        return 0;
    case K_AMOUNT:
        f->digits = (int)as_ll(extra, "digits");
        if (PyErr_Occurred()) return -1;
        if (f->digits < 1 || f->digits > 15) goto bad;
        return 0;
    case K_CODES:  /* extra: the most characters of an item */
        f->big = as_ll(extra, "item limit");
        return PyErr_Occurred() ? -1 : 0;
    case K_DATE:  /* extra: (day slot, year slot) */
        if (!PyTuple_Check(extra) || PyTuple_GET_SIZE(extra) != 2) goto bad;
        for (int i = 0; i < 2; i++) {
            f->s[i] = (Py_ssize_t)as_ll(PyTuple_GET_ITEM(extra, i), "slot");
            if (PyErr_Occurred()) return -1;
            if (f->s[i] < 0 || f->s[i] >= width) goto bad;
        }
        return 0;
    case K_OBJECT:  /* extra: the object's (keys, fields), into the same slots */
        return parse_obj(r, extra, &f->obj, width);
    case K_SPLIT:  /* extra: (the four keys, digits, the line's amount slot) */
        if (!PyTuple_Check(extra) || PyTuple_GET_SIZE(extra) != 3) goto bad;
        f->o[0] = PyTuple_GET_ITEM(extra, 0);
        if (!PyTuple_Check(f->o[0]) || PyTuple_GET_SIZE(f->o[0]) != 4) goto bad;
        for (int i = 0; i < 4; i++) {
            if (!PyUnicode_CheckExact(PyTuple_GET_ITEM(f->o[0], i))) goto bad;
        }
        f->digits = (int)as_ll(PyTuple_GET_ITEM(extra, 1), "digits");
        f->s[0] = (Py_ssize_t)as_ll(PyTuple_GET_ITEM(extra, 2), "slot");
        if (PyErr_Occurred()) return -1;
        if (f->digits < 1 || f->digits > 15 || f->s[0] < 0 || f->s[0] >= width) goto bad;
        return 0;
    case K_LINES: {
        /* extra: (line object, LineView, its width, priced or None, category, class, unit price,
         * split and amount slots of a line, the claim's total slot, the most a total may be) */
        if (!PyTuple_Check(extra) || PyTuple_GET_SIZE(extra) != 11) goto bad;
        f->o[0] = PyTuple_GET_ITEM(extra, 1);
        if (!PyType_Check(f->o[0]) || !PyType_IsSubtype((PyTypeObject *)f->o[0], &PyTuple_Type)) goto bad;
        Py_ssize_t lw = (Py_ssize_t)as_ll(PyTuple_GET_ITEM(extra, 2), "width");
        if (PyErr_Occurred()) return -1;
        if (lw < 1 || lw > MAX_SLOTS) goto bad;
        f->s[7] = lw;
        f->o[1] = PyTuple_GET_ITEM(extra, 3) == Py_None ? NULL : PyTuple_GET_ITEM(extra, 3);
        if (f->o[1] && !PyFrozenSet_CheckExact(f->o[1])) goto bad;
        for (int i = 0; i < 5; i++) {
            f->s[i] = (Py_ssize_t)as_ll(PyTuple_GET_ITEM(extra, 4 + i), "slot");
            if (PyErr_Occurred()) return -1;
            if (f->s[i] < 0 || f->s[i] >= lw) goto bad;
        }
        f->s[5] = (Py_ssize_t)as_ll(PyTuple_GET_ITEM(extra, 9), "slot");
        f->big = as_ll(PyTuple_GET_ITEM(extra, 10), "total limit");
        if (PyErr_Occurred()) return -1;
        if (f->s[5] < 0 || f->s[5] >= width) goto bad;
        return parse_obj(r, PyTuple_GET_ITEM(extra, 0), &f->obj, lw);
    }
    case K_YTD:
        /* extra: ("year", accumulators, most entries, latest year, digits, ytd_year, ytd_ignored,
         * ytd_periods and the claim's year slots) */
        if (!PyTuple_Check(extra) || PyTuple_GET_SIZE(extra) != 9) goto bad;
        f->o[0] = PyTuple_GET_ITEM(extra, 0);
        f->o[1] = PyTuple_GET_ITEM(extra, 1);
        if (!PyUnicode_CheckExact(f->o[0]) || !PyFrozenSet_CheckExact(f->o[1])) goto bad;
        f->big = as_ll(PyTuple_GET_ITEM(extra, 2), "entries");
        f->minimum = as_ll(PyTuple_GET_ITEM(extra, 3), "year");  /* the latest year */
        f->digits = (int)as_ll(PyTuple_GET_ITEM(extra, 4), "digits");
        for (int i = 0; i < 4; i++) {
            f->s[i] = (Py_ssize_t)as_ll(PyTuple_GET_ITEM(extra, 5 + i), "slot");
            if (PyErr_Occurred()) return -1;
            if (f->s[i] < 0 || f->s[i] >= width) goto bad;
        }
        if (f->digits < 1 || f->digits > 15) goto bad;
        return 0;
    case K_PAID:  /* extra: (given layers, their count, digits) */
        if (!PyTuple_Check(extra) || PyTuple_GET_SIZE(extra) != 3) goto bad;
        f->o[0] = PyTuple_GET_ITEM(extra, 0);
        if (!PyFrozenSet_CheckExact(f->o[0])) goto bad;
        f->big = as_ll(PyTuple_GET_ITEM(extra, 1), "count");
        f->digits = (int)as_ll(PyTuple_GET_ITEM(extra, 2), "digits");
        if (PyErr_Occurred()) return -1;
        if (f->digits < 1 || f->digits > 15) goto bad;
        return 0;
    default:
        break;
    }
bad:
    if (!PyErr_Occurred()) {
        PyErr_Format(PyExc_ValueError, "claim reader spec: bad field %R", f->key);
    }
    return -1;
}

/* An object spec: (keys, fields). */
static int parse_obj(Reader *r, PyObject *spec, Obj *obj, Py_ssize_t width) {
    if (!PyTuple_Check(spec) || PyTuple_GET_SIZE(spec) != 2 || !PyFrozenSet_CheckExact(PyTuple_GET_ITEM(spec, 0))
        || !PyTuple_Check(PyTuple_GET_ITEM(spec, 1))) {
        PyErr_SetString(PyExc_ValueError, "claim reader spec: an object is (keys, fields)");
        return -1;
    }
    obj->keys = PyTuple_GET_ITEM(spec, 0);
    obj->nkeys = 0;
    PyObject *it = PyObject_GetIter(obj->keys), *k;
    if (it == NULL) return -1;
    while ((k = PyIter_Next(it)) != NULL) {
        Py_DECREF(k);  /* the frozenset holds it */
        Py_hash_t h = PyObject_Hash(k);
        if (!PyUnicode_CheckExact(k) || obj->nkeys == MAX_KEYS || h == -1) {
            Py_DECREF(it);
            PyErr_SetString(PyExc_ValueError, "claim reader spec: at most 16 keys, each a str");
            return -1;
        }
        obj->key[obj->nkeys] = k;
        obj->hash[obj->nkeys++] = h;
    }
    Py_DECREF(it);
    if (PyErr_Occurred()) return -1;
    PyObject *fields = PyTuple_GET_ITEM(spec, 1);
    obj->n = PyTuple_GET_SIZE(fields);
    obj->fields = new_fields(r, obj->n);
    if (obj->fields == NULL) return -1;
    for (Py_ssize_t i = 0; i < obj->n; i++) {
        Field *f = &obj->fields[i];
        if (parse_field(r, PyTuple_GET_ITEM(fields, i), f, width) < 0) return -1;
        f->at = key_at(obj, f->key);
        if (f->kind == K_SPLIT) {
            for (int j = 0; j < 4; j++) {
                f->s[1 + j] = key_at(obj, PyTuple_GET_ITEM(f->o[0], j));
                if (f->s[1 + j] < 0) f->at = -1;
            }
        }
        if (f->at < 0 && f->kind != K_CONST) {
            PyErr_Format(PyExc_ValueError, "claim reader spec: %R is not among its object's keys", f->key);
            return -1;
        }
    }
    return 0;
}

/* ------------------------------------------------------------------ reading values */

#define DECLINE 0
#define OK 1
#define FAIL (-1)  /* a Python error is set (memory): the caller declines too, after clearing it */

static inline void put(PyObject **slots, Py_ssize_t i, PyObject *value) {  /* steals value */
    PyObject *old = slots[i];
    slots[i] = value;
    Py_XDECREF(old);
}

static inline void put_new(PyObject **slots, Py_ssize_t i, PyObject *value) {  /* borrows value */
    Py_INCREF(value);
    put(slots, i, value);
}

/* Each value of ``d`` at its key's place in ``obj`` (a new reference each), in one pass over its
 * entries: 0 (declined, nothing kept) unless every key is an exact str among the object's keys,
 * as the Python check's ``KEYS.issuperset(d)``. Comparing exact str runs no user code. */
static int gather(const Obj *obj, PyObject *d, PyObject **vals) {
    Py_ssize_t pos = 0;
    PyObject *k, *v;
    while (PyDict_Next(d, &pos, &k, &v)) {
        Py_ssize_t at = -1;
        if (PyUnicode_CheckExact(k)) {
            Py_hash_t h = PyObject_Hash(k);  /* cached in the str */
            if (h == -1) PyErr_Clear();
            else at = find_key(obj, k, h);
        }
        if (at < 0) {
            for (Py_ssize_t i = 0; i < obj->nkeys; i++) Py_CLEAR(vals[i]);
            return 0;
        }
        Py_INCREF(v);
        Py_XSETREF(vals[at], v);
    }
    return 1;
}

/* A str the full path keeps as it is: at most ``limit`` code points, none a surrogate (where
 * ``str.encode()`` fails). */
static int text_ok(PyObject *s, long long limit) {
    if (!PyUnicode_CheckExact(s) || READY(s) < 0) {
        PyErr_Clear();
        return 0;
    }
    Py_ssize_t n = PyUnicode_GET_LENGTH(s);
    if (n > limit) return 0;
    int kind = PyUnicode_KIND(s);
    if (kind == PyUnicode_1BYTE_KIND) return 1;
    const void *data = PyUnicode_DATA(s);
    unsigned surrogates = 0;  /* no early exit: the compiler vectorises the scan */
    if (kind == PyUnicode_2BYTE_KIND) {
        const Py_UCS2 *p = (const Py_UCS2 *)data;
        for (Py_ssize_t i = 0; i < n; i++) surrogates |= (p[i] & 0xF800u) == 0xD800u;
    } else {
        const Py_UCS4 *p = (const Py_UCS4 *)data;
        for (Py_ssize_t i = 0; i < n; i++) surrogates |= (p[i] & 0xFFFFF800u) == 0xD800u;
    }
    return !surrogates;
}

/* Yuan as the Python check's ``_AMOUNT_*`` pattern reads it, ``[0-9]{1,digits}\.[0-9]{2}``, to
 * fen no more than ``limit``. */
static int amount_fen(PyObject *s, int digits, long long limit, long long *out) {
    if (!PyUnicode_CheckExact(s) || READY(s) < 0) {
        PyErr_Clear();
        return 0;
    }
    if (!PyUnicode_IS_ASCII(s)) return 0;
    Py_ssize_t n = PyUnicode_GET_LENGTH(s);
    if (n < 4 || n > (Py_ssize_t)digits + 3) return 0;
    const char *p = (const char *)PyUnicode_1BYTE_DATA(s);
    if (p[n - 3] != '.') return 0;
    long long v = 0;  /* at most 17 digits: no overflow */
    for (Py_ssize_t i = 0; i < n; i++) {
        if (i == n - 3) continue;
        unsigned char c = (unsigned char)p[i];
        if (c < '0' || c > '9') return 0;
        v = v * 10 + (c - '0');
    }
    if (v > limit) return 0;
    *out = v;
    return 1;
}

static int read_amount(PyObject *value, int digits, long long limit, PyObject **slots, Py_ssize_t slot) {
    long long fen;
    if (!amount_fen(value, digits, limit, &fen)) return DECLINE;
    PyObject *got = PyLong_FromLongLong(fen);
    if (got == NULL) return FAIL;
    put(slots, slot, got);
    return OK;
}

static int read_obj(Reader *r, const Obj *obj, PyObject *d, PyObject **slots);
static int read_fields(Reader *r, const Obj *obj, PyObject **vals, PyObject **slots);

/* A bill line's split: all four amounts or none, adding up to the line's amount. */
static int read_split(const Field *f, PyObject **vals, PyObject **slots) {
    int any = 0;
    for (int i = 0; i < 4; i++) any |= vals[f->s[1 + i]] != NULL;
    if (!any) {
        put_new(slots, f->slot, Py_None);
        return OK;
    }
    long long parts[4], sum = 0;
    for (int i = 0; i < 4; i++) {
        PyObject *v = vals[f->s[1 + i]];
        if (v == NULL || !amount_fen(v, f->digits, f->limit, &parts[i])) return DECLINE;
        sum += parts[i];
    }
    PyObject *amount = slots[f->s[0]];
    if (amount == NULL || !PyLong_CheckExact(amount)) return DECLINE;
    long long whole = PyLong_AsLongLong(amount);
    if (whole == -1 && PyErr_Occurred()) return FAIL;
    if (sum != whole) return DECLINE;
    PyObject *t = PyTuple_New(4);
    if (t == NULL) return FAIL;
    for (int i = 0; i < 4; i++) {
        PyObject *p = PyLong_FromLongLong(parts[i]);
        if (p == NULL) {
            Py_DECREF(t);
            return FAIL;
        }
        PyTuple_SET_ITEM(t, i, p);
    }
    put(slots, f->slot, t);
    return OK;
}

/* A view of ``type`` (a tuple subclass without fields of its own) holding ``items`` (stolen). */
static PyObject *make_view(PyObject *type, PyObject **items, Py_ssize_t n) {
#if PY_VERSION_HEX < 0x030E0000
    PyObject *view = ((PyTypeObject *)type)->tp_alloc((PyTypeObject *)type, n);
    if (view == NULL) return NULL;
    for (Py_ssize_t i = 0; i < n; i++) {
        PyTuple_SET_ITEM(view, i, items[i]);
        items[i] = NULL;
    }
    return view;
#else  /* the documented way: tuple.__new__(type, items) */
    PyObject *t = PyTuple_New(n);
    if (t == NULL) return NULL;
    for (Py_ssize_t i = 0; i < n; i++) {
        PyTuple_SET_ITEM(t, i, items[i]);
        items[i] = NULL;
    }
    PyObject *args = PyTuple_Pack(1, t);
    Py_DECREF(t);
    if (args == NULL) return NULL;
    PyObject *view = PyTuple_Type.tp_new((PyTypeObject *)type, args, NULL);
    Py_DECREF(args);
    return view;
#endif
}

static void clear_slots(PyObject **slots, Py_ssize_t n) {
    for (Py_ssize_t i = 0; i < n; i++) Py_CLEAR(slots[i]);
}

/* The lines read through ``read_obj``. References are held to the list and to each line while
 * they are read: an allocation may run the garbage collector, and a finalizer could change them. */
static int read_lines(Reader *r, const Field *f, PyObject *raw, PyObject **slots) {
    if (raw == NULL || !PyList_CheckExact(raw)) return DECLINE;
    Py_ssize_t n = PyList_GET_SIZE(raw);
    if (n == 0 || n > f->limit) return DECLINE;
    PyObject *lines = PyTuple_New(n);
    if (lines == NULL) return FAIL;
    Py_INCREF(raw);
    PyObject *ls[MAX_SLOTS] = {NULL};
    Py_ssize_t lw = f->s[7];
    long long total = 0;
    int got = OK;
    for (Py_ssize_t i = 0; i < n; i++) {
        if (i >= PyList_GET_SIZE(raw)) {  /* changed under us (a finalizer): declined */
            got = DECLINE;
            break;
        }
        got = read_obj(r, &f->obj, PyList_GET_ITEM(raw, i), ls);
        if (got != OK) break;
        if (f->o[1] != NULL && ls[f->s[2]] == Py_None && ls[f->s[3]] == Py_None) {
            /* a line a `classify` row prices needs its unit price (or its split) */
            PyObject *pair = PyTuple_Pack(2, ls[f->s[0]], ls[f->s[1]]);
            if (pair == NULL) {
                got = FAIL;
                break;
            }
            int priced = PySet_Contains(f->o[1], pair);
            Py_DECREF(pair);
            if (priced == 0) {
                pair = PyTuple_Pack(2, ls[f->s[0]], Py_None);
                if (pair == NULL) {
                    got = FAIL;
                    break;
                }
                priced = PySet_Contains(f->o[1], pair);
                Py_DECREF(pair);
            }
            if (priced != 0) {
                got = priced < 0 ? FAIL : DECLINE;
                break;
            }
        }
        long long fen = PyLong_AsLongLong(ls[f->s[4]]);
        if (fen == -1 && PyErr_Occurred()) {
            got = FAIL;
            break;
        }
        total += fen;  /* at most 10^4 lines of < 10^10 fen: no overflow */
        for (Py_ssize_t j = 0; j < lw; j++) {
            if (ls[j] == NULL) {
                PyErr_SetString(PyExc_SystemError, "claim reader: a line field left unset");
                got = FAIL;
                break;
            }
        }
        if (got != OK) break;
        PyObject *view = make_view(f->o[0], ls, lw);
        if (view == NULL) {
            got = FAIL;
            break;
        }
        PyTuple_SET_ITEM(lines, i, view);
    }
    clear_slots(ls, lw);
    Py_DECREF(raw);
    if (got == OK && total > f->big) got = DECLINE;
    if (got != OK) {
        Py_DECREF(lines);
        return got;
    }
    PyObject *t = PyLong_FromLongLong(total);
    if (t == NULL) {
        Py_DECREF(lines);
        return FAIL;
    }
    put(slots, f->slot, lines);
    put(slots, f->s[5], t);
    return OK;
}

static int read_ytd_entries(const Field *f, PyObject *raw, PyObject *ytd, PyObject **slots, PyObject **year) {
    Py_ssize_t pos = 0;
    PyObject *k, *v;
    int got = OK;
    Py_INCREF(raw);
    while (got == OK && PyDict_Next(raw, &pos, &k, &v)) {
        if (!PyUnicode_CheckExact(k)) {
            got = DECLINE;
        } else if (PyUnicode_Compare(k, f->o[0]) == 0) {  /* "year" */
            int overflow = 1;
            long long y = PyLong_CheckExact(v) ? PyLong_AsLongLongAndOverflow(v, &overflow) : 0;
            if (overflow || y < 1 || y > f->minimum) {
                got = DECLINE;
            } else {
                put_new(slots, f->s[0], v);
                *year = v;
            }
        } else {
            int in = PySet_Contains(f->o[1], k);
            long long fen;
            if (in <= 0) {
                got = in < 0 ? FAIL : DECLINE;
            } else if (!amount_fen(v, f->digits, f->limit, &fen)) {
                got = DECLINE;
            } else {
                PyObject *value = PyLong_FromLongLong(fen);
                if (value == NULL || PyDict_SetItem(ytd, k, value) < 0) got = FAIL;
                Py_XDECREF(value);
            }
        }
    }
    Py_DECREF(raw);
    return got;
}

static int read_ytd(const Field *f, PyObject *raw, PyObject **slots) {
    PyObject *ytd = PyDict_New();
    PyObject *periods = PyDict_New();
    if (ytd == NULL || periods == NULL) goto fail;
    put(slots, f->slot, ytd);  /* the slots own them from here */
    put(slots, f->s[2], periods);
    put_new(slots, f->s[0], Py_None);
    PyObject *year = NULL;  /* borrowed from the ytd_year slot, which holds it */
    if (raw != NULL && raw != Py_None) {
        if (!PyDict_CheckExact(raw) || PyDict_GET_SIZE(raw) > f->big) return DECLINE;
        int got = read_ytd_entries(f, raw, ytd, slots, &year);
        if (got != OK) return got;
    }
    /* year_to_date stated for another insurance year than the claim's: dropped */
    int ignored = 0;
    if (year != NULL && PyDict_GET_SIZE(ytd) > 0) {
        PyObject *claim_year = slots[f->s[3]];
        if (claim_year == NULL) return DECLINE;
        int same = PyObject_RichCompareBool(year, claim_year, Py_EQ);
        if (same < 0) return FAIL;
        if (!same) {
            PyObject *empty = PyDict_New();
            if (empty == NULL) return FAIL;
            put(slots, f->slot, empty);
            ignored = 1;
        }
    }
    put_new(slots, f->s[1], ignored ? Py_True : Py_False);
    return OK;
fail:
    Py_XDECREF(ytd);
    Py_XDECREF(periods);
    return FAIL;
}

static int read_paid(const Field *f, PyObject *raw, PyObject **slots) {
    PyObject *paid = PyDict_New();
    if (paid == NULL) return FAIL;
    put(slots, f->slot, paid);
    if (f->big == 0) {  /* nothing may be given: absent, null or {} */
        if (raw == NULL || raw == Py_None) return OK;
        return PyDict_CheckExact(raw) && PyDict_GET_SIZE(raw) == 0 ? OK : DECLINE;
    }
    if (raw == NULL || !PyDict_CheckExact(raw) || PyDict_GET_SIZE(raw) != f->big) return DECLINE;
    Py_ssize_t pos = 0;
    PyObject *k, *v;
    while (PyDict_Next(raw, &pos, &k, &v)) {
        if (!PyUnicode_CheckExact(k)) return DECLINE;
        int in = PySet_Contains(f->o[0], k);
        if (in <= 0) return in < 0 ? FAIL : DECLINE;
        long long fen;
        if (!amount_fen(v, f->digits, f->limit, &fen)) return DECLINE;
        PyObject *value = PyLong_FromLongLong(fen);
        if (value == NULL) return FAIL;
        int bad = PyDict_SetItem(paid, k, value);
        Py_DECREF(value);
        if (bad) return FAIL;
    }
    return OK;
}

static int read_date(Reader *r, const Field *f, PyObject *raw, PyObject **slots) {
    if (raw == NULL || !PyUnicode_CheckExact(raw)) return DECLINE;
    PyObject *day = PyDict_GetItemWithError(r->dates, raw);  /* remembered: no call */
    if (day == NULL && PyErr_Occurred()) return FAIL;
    if (day != NULL && day != Py_None) {
        Py_INCREF(day);
    } else {
        day = PyObject_CallOneArg(r->date_reader, raw);
        if (day == NULL) return FAIL;
    }
    if (!PyTuple_CheckExact(day) || PyTuple_GET_SIZE(day) != 3) {
        Py_DECREF(day);
        return DECLINE;
    }
    put_new(slots, f->slot, PyTuple_GET_ITEM(day, 0));
    put_new(slots, f->s[0], PyTuple_GET_ITEM(day, 1));
    put_new(slots, f->s[1], PyTuple_GET_ITEM(day, 2));
    Py_DECREF(day);
    return OK;
}

static int read_codes(const Field *f, PyObject *raw, PyObject **slots) {
    if (raw == NULL || raw == Py_None) {
        PyObject *empty = PyFrozenSet_New(NULL);
        if (empty == NULL) return FAIL;
        put(slots, f->slot, empty);
        return OK;
    }
    if (!PyList_CheckExact(raw) || PyList_GET_SIZE(raw) > f->limit) return DECLINE;
    for (Py_ssize_t i = 0; i < PyList_GET_SIZE(raw); i++) {
        if (!text_ok(PyList_GET_ITEM(raw, i), f->big)) return DECLINE;
    }
    PyObject *codes = PyFrozenSet_New(raw);  /* exact str items: hashing runs no user code */
    if (codes == NULL) return FAIL;
    put(slots, f->slot, codes);
    return OK;
}

static int read_field(Reader *r, const Field *f, PyObject **vals, PyObject **slots) {
    if (f->kind == K_CONST) {
        put_new(slots, f->slot, f->dflt ? f->dflt : Py_None);
        return OK;
    }
    if (f->kind == K_SPLIT) return read_split(f, vals, slots);
    PyObject *v = vals[f->at];  /* held by ``vals`` */
    if (v == NULL && f->required) return DECLINE;
    switch (f->kind) {
    case K_TEXT:
        if (v == NULL || v == Py_None) {
            if (f->required) return DECLINE;
            put_new(slots, f->slot, f->dflt ? f->dflt : Py_None);
            return OK;
        }
        if (!text_ok(v, f->limit)) return DECLINE;
        put_new(slots, f->slot, v);
        return OK;
    case K_ENUM:
        if (v == NULL || v == Py_None) {
            if (f->dflt == NULL) return DECLINE;
            put_new(slots, f->slot, f->dflt);
            return OK;
        }
        if (PyUnicode_CheckExact(v)) {
            int in = PySet_Contains(f->values, v);
            if (in <= 0) return in < 0 ? FAIL : DECLINE;
            put_new(slots, f->slot, v);
            return OK;
        }
        if (PyLong_CheckExact(v) && f->numbers != NULL) {  /* a JSON integer level: its digits */
            PyObject *named = PyDict_GetItemWithError(f->numbers, v);
            if (named == NULL) return PyErr_Occurred() ? FAIL : DECLINE;
            put_new(slots, f->slot, named);
            return OK;
        }
        return DECLINE;
    case K_INT: {
        if (v == NULL || v == Py_None) {
            put_new(slots, f->slot, f->dflt ? f->dflt : Py_None);
            return OK;
        }
        if (!PyLong_CheckExact(v)) return DECLINE;
        int overflow;
        long long n = PyLong_AsLongLongAndOverflow(v, &overflow);
        if (overflow || n < f->minimum || n > f->limit) return DECLINE;
        put_new(slots, f->slot, v);
        return OK;
    }
    case K_AMOUNT:
        if (v == NULL || v == Py_None) {
            if (f->required) return DECLINE;
            put_new(slots, f->slot, Py_None);
            return OK;
        }
        return read_amount(v, f->digits, f->limit, slots, f->slot);
    case K_DATE:
        return read_date(r, f, v, slots);
    case K_CODES:
        return read_codes(f, v, slots);
    case K_OBJECT:
        return read_obj(r, &f->obj, v, slots);
    case K_LINES:
        return read_lines(r, f, v, slots);
    case K_YTD:
        return read_ytd(f, v, slots);
    case K_PAID:
        return read_paid(f, v, slots);
    default:
        PyErr_SetString(PyExc_SystemError, "claim reader: unknown field kind");
        return FAIL;
    }
}

static int read_fields(Reader *r, const Obj *obj, PyObject **vals, PyObject **slots) {
    for (Py_ssize_t i = 0; i < obj->n; i++) {
        int got = read_field(r, &obj->fields[i], vals, slots);
        if (got != OK) return got;
    }
    return OK;
}

/* ``d`` (an exact dict of ``obj``'s keys only) read into ``slots``. Its values are held while they
 * are read: an allocation may run the garbage collector, and a finalizer could change ``d``. */
static int read_obj(Reader *r, const Obj *obj, PyObject *d, PyObject **slots) {
    if (d == NULL || !PyDict_CheckExact(d)) return DECLINE;
    PyObject *vals[MAX_KEYS] = {NULL};
    if (!gather(obj, d, vals)) return DECLINE;
    int got = read_fields(r, obj, vals, slots);
    for (Py_ssize_t i = 0; i < obj->nkeys; i++) Py_XDECREF(vals[i]);
    return got;
}

/* The view, or NULL with no error set: declined. */
static PyObject *read_claim(Reader *r, PyObject *data) {
    if (!PyDict_CheckExact(data)) return NULL;
    PyObject *slots[MAX_SLOTS] = {NULL};
    PyObject *view = NULL;
    int got = read_obj(r, &r->claim, data, slots);
    if (got == OK && r->age_slot >= 0 && slots[r->age_slot] == Py_None) got = DECLINE;
    if (got == OK) {
        put_new(slots, r->raw_slot, data);
        for (Py_ssize_t i = 0; i < r->width; i++) {
            if (slots[i] == NULL) {
                PyErr_SetString(PyExc_SystemError, "claim reader: a claim field left unset");
                got = FAIL;
                break;
            }
        }
    }
    if (got == OK) view = make_view(r->view_type, slots, r->width);
    clear_slots(slots, r->width);
    if (view != NULL) {
        PyObject *yes = PyObject_CallOneArg(r->applies, view);
        int applies = yes == NULL ? -1 : PyObject_IsTrue(yes);
        Py_XDECREF(yes);
        if (applies <= 0) Py_CLEAR(view);  /* not covered, or it failed: the Python check says */
    }
    if (PyErr_Occurred()) PyErr_Clear();  /* declined; the Python check and full path say why */
    return view;
}

/* ------------------------------------------------------------------ the type */

static PyObject *Reader_vectorcall(PyObject *self, PyObject *const *args, size_t nargsf, PyObject *kwnames) {
    Reader *r = (Reader *)self;
    if (PyVectorcall_NARGS(nargsf) != 1 || kwnames != NULL) {
        PyErr_SetString(PyExc_TypeError, "Reader takes one claim");
        return NULL;
    }
    PyObject *view = read_claim(r, args[0]);
    if (view != NULL) return view;
    if (r->fallback == Py_None) Py_RETURN_NONE;
    return PyObject_CallOneArg(r->fallback, args[0]);
}

static PyObject *Reader_read(PyObject *self, PyObject *data) {
    PyObject *view = read_claim((Reader *)self, data);
    if (view != NULL) return view;
    Py_RETURN_NONE;
}

static void Reader_free_fields(Reader *r) {
    PyMem_Free(r->all);
    r->all = NULL;
}

static int Reader_init(PyObject *self, PyObject *args, PyObject *kwds) {
    static char *names[] = {"spec", "fallback", NULL};
    Reader *r = (Reader *)self;
    PyObject *spec, *fallback = Py_None;
    if (!PyArg_ParseTupleAndKeywords(args, kwds, "O!|O", names, &PyTuple_Type, &spec, &fallback)) return -1;
    if (r->spec != NULL) {
        PyErr_SetString(PyExc_TypeError, "a Reader is built once");
        return -1;
    }
    /* (claim object, ClaimView, width, dates, date reader, raw slot, age slot or -1, applies) */
    if (PyTuple_GET_SIZE(spec) != 8) {
        PyErr_SetString(PyExc_ValueError, "claim reader spec: an 8-tuple");
        return -1;
    }
    r->view_type = PyTuple_GET_ITEM(spec, 1);
    r->width = (Py_ssize_t)as_ll(PyTuple_GET_ITEM(spec, 2), "width");
    r->dates = PyTuple_GET_ITEM(spec, 3);
    r->date_reader = PyTuple_GET_ITEM(spec, 4);
    r->raw_slot = (Py_ssize_t)as_ll(PyTuple_GET_ITEM(spec, 5), "raw slot");
    r->age_slot = (Py_ssize_t)as_ll(PyTuple_GET_ITEM(spec, 6), "age slot");
    r->applies = PyTuple_GET_ITEM(spec, 7);
    if (PyErr_Occurred()) return -1;
    if (!PyType_Check(r->view_type) || !PyType_IsSubtype((PyTypeObject *)r->view_type, &PyTuple_Type)
        || r->width < 1 || r->width > MAX_SLOTS || !PyDict_CheckExact(r->dates) || !PyCallable_Check(r->date_reader)
        || !PyCallable_Check(r->applies) || r->raw_slot < 0 || r->raw_slot >= r->width || r->age_slot < -1
        || r->age_slot >= r->width || (fallback != Py_None && !PyCallable_Check(fallback))) {
        PyErr_SetString(PyExc_ValueError, "claim reader spec: bad view type, width, dates or callables");
        return -1;
    }
    r->cap = 4 * MAX_FIELDS;
    r->all = PyMem_Calloc((size_t)r->cap, sizeof(Field));
    if (r->all == NULL) {
        PyErr_NoMemory();
        return -1;
    }
    if (parse_obj(r, PyTuple_GET_ITEM(spec, 0), &r->claim, r->width) < 0) {
        Reader_free_fields(r);
        return -1;
    }
    Py_INCREF(spec);
    r->spec = spec;
    Py_INCREF(fallback);
    r->fallback = fallback;
    r->vectorcall = Reader_vectorcall;
    return 0;
}

static PyObject *Reader_new(PyTypeObject *type, PyObject *args, PyObject *kwds) {
    Reader *r = (Reader *)type->tp_alloc(type, 0);
    if (r != NULL) r->vectorcall = NULL;
    return (PyObject *)r;
}

static PyObject *Reader_call(PyObject *self, PyObject *args, PyObject *kwds) {
    if (((Reader *)self)->vectorcall == NULL) {
        PyErr_SetString(PyExc_TypeError, "Reader not initialised");
        return NULL;
    }
    return PyVectorcall_Call(self, args, kwds);
}

static int Reader_traverse(PyObject *self, visitproc visit, void *arg) {
    Reader *r = (Reader *)self;
    Py_VISIT(r->spec);
    Py_VISIT(r->fallback);
    return 0;
}

static int Reader_clear(PyObject *self) {
    Reader *r = (Reader *)self;
    r->vectorcall = NULL;
    Py_CLEAR(r->spec);
    Py_CLEAR(r->fallback);
    Reader_free_fields(r);
    return 0;
}

static void Reader_dealloc(PyObject *self) {
    PyObject_GC_UnTrack(self);
    Reader_clear(self);
    Py_TYPE(self)->tp_free(self);
}

static PyObject *Reader_read_guarded(PyObject *self, PyObject *data) {
    if (((Reader *)self)->vectorcall == NULL) {
        PyErr_SetString(PyExc_TypeError, "Reader not initialised");
        return NULL;
    }
    return Reader_read(self, data);
}

static PyMethodDef Reader_methods[] = {
    {"read", Reader_read_guarded, METH_O,
     "read(data) -> ClaimView | None: the view the Python check gives, or None (declined)."},
    {NULL, NULL, 0, NULL},
};

static PyTypeObject ReaderType = {
    PyVarObject_HEAD_INIT(NULL, 0)
    .tp_name = "yibao.compiler._claim_reader.Reader",
    .tp_basicsize = sizeof(Reader),
    .tp_dealloc = Reader_dealloc,
    .tp_vectorcall_offset = offsetof(Reader, vectorcall),
    .tp_call = Reader_call,
    .tp_flags = Py_TPFLAGS_DEFAULT | Py_TPFLAGS_HAVE_GC | Py_TPFLAGS_HAVE_VECTORCALL,
    .tp_doc = "Reader(spec, fallback=None): a policy's claim reader; reader(data) -> ClaimView, or "
              "fallback(data) when it declines.",
    .tp_traverse = Reader_traverse,
    .tp_clear = Reader_clear,
    .tp_methods = Reader_methods,
    .tp_init = Reader_init,
    .tp_new = Reader_new,
};

static struct PyModuleDef module = {
    PyModuleDef_HEAD_INIT, "_claim_reader",
    "The fast accept path's claim reader in C (see claim_reader.py).", -1, NULL,
};

PyMODINIT_FUNC PyInit__claim_reader(void) {
    if (PyType_Ready(&ReaderType) < 0) return NULL;
    PyObject *m = PyModule_Create(&module);
    if (m == NULL) return NULL;
    Py_INCREF(&ReaderType);
    if (PyModule_AddObject(m, "Reader", (PyObject *)&ReaderType) < 0) {
        Py_DECREF(&ReaderType);
        Py_DECREF(m);
        return NULL;
    }
    const char *kinds[] = {"TEXT", "ENUM", "INT", "AMOUNT", "DATE", "CODES", "OBJECT", "LINES", "YTD", "PAID",
                           "SPLIT", "CONST"};
    for (int i = 0; i < 12; i++) {
        if (PyModule_AddIntConstant(m, kinds[i], i + 1) < 0) {
            Py_DECREF(m);
            return NULL;
        }
    }
    return m;
}
