/* Reading one claim through the Reader's tables (claim_reader.h): each object's entries in one
 * pass, each field by its kind, exactly as the generated Python check reads it. A value is accepted
 * only of an exact type; anything else declines (0), and the Python check reads the claim. */
#include "claim_reader.h"

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
    Py_ssize_t pos = 0, next = 0;
    PyObject *k, *v;
    while (PyDict_Next(d, &pos, &k, &v)) {
        Py_ssize_t at = -1;
        if (PyUnicode_CheckExact(k)) {
            Py_hash_t h = str_hash(k);
            if (h == -1) PyErr_Clear();
            else at = find_key_from(obj, k, h, next);
        }
        next = at + 1 == obj->nkeys ? 0 : at + 1;
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
static int read_split(const Reader *r, const Field *f, PyObject **vals, PyObject **slots) {
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
    long long whole;
    if (r->packing) {  /* the amount kept as its text: its fen beside it */
        if (amount == NULL || !PyUnicode_CheckExact(amount)) return DECLINE;
        whole = r->fen[f->s[0]];
    } else {
        if (amount == NULL || !PyLong_CheckExact(amount)) return DECLINE;
        whole = PyLong_AsLongLong(amount);
        if (whole == -1 && PyErr_Occurred()) return FAIL;
    }
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

/* ``m``'s record holding ``items`` (stolen): a slotted class filled at its offsets (every slot is
 * set before any other allocation could run the garbage collector), or a view. */
static PyObject *make_record(const Maker *m, PyObject **items) {
    Py_ssize_t n = m->n;
    if (m->slotted) {
        PyObject *o = m->type->tp_alloc(m->type, 0);  /* zeroed, as object.__new__ makes it */
        if (o == NULL) return NULL;
        for (Py_ssize_t i = 0; i < n; i++) {
            *(PyObject **)((char *)o + m->offset[i]) = items[i];
            items[i] = NULL;
        }
        return o;
    }
    PyObject *type = (PyObject *)m->type;
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

/* A line of category ``cat`` (an exact str of the category's value set) and amount ``fen`` (0 ..
 * MAX_LINE_FEN) added to the claim's sums by the policy's rule for its category (line_rule.h); a
 * category without a code is in scope, as the columnar pass takes it. 0 where a sum would leave int64
 * (never within the reader's limits: the claim is then declined, and the Python check reads it). */
static inline int add_line(const Reader *r, PyObject *cat, long long fen, int64_t *oos, int64_t *fsp) {
    for (int k = 0; k < r->nrules; k++) {
        if (str_eq(r->cats[k], cat)) return fen >= 0 && rule_add(&r->rules[k], (int64_t)fen, oos, fsp);
    }
    return 1;
}

/* A ``PackedLines`` (``claim_view.py``) of ``size`` items, to be filled; ``packed_done`` gives it
 * once filled. Made as ``make_record`` makes a view: the type's own allocation before 3.14, else a
 * tuple made into one by ``tuple.__new__`` (the documented way). */
static PyObject *packed_new(PyTypeObject *type, Py_ssize_t size) {
#if PY_VERSION_HEX < 0x030E0000
    return type->tp_alloc(type, size);
#else
    (void)type;
    return PyTuple_New(size);
#endif
}

static PyObject *packed_done(PyTypeObject *type, PyObject *filled) {  /* steals ``filled`` */
#if PY_VERSION_HEX < 0x030E0000
    (void)type;
    return filled;
#else
    PyObject *args = PyTuple_Pack(1, filled);
    Py_DECREF(filled);
    if (args == NULL) return NULL;
    PyObject *packed = PyTuple_Type.tp_new(type, args, NULL);
    Py_DECREF(args);
    return packed;
#endif
}

/* The lines read through ``read_obj``. References are held to the list and to each line while
 * they are read: an allocation may run the garbage collector, and a finalizer could change them. */
static int read_lines(Reader *r, const Field *f, PyObject *raw, PyObject **slots) {
    if (raw == NULL || !PyList_CheckExact(raw)) return DECLINE;
    Py_ssize_t n = PyList_GET_SIZE(raw);
    if (n == 0 || n > f->limit) return DECLINE;
    Py_ssize_t lw = f->s[7];
    PyObject *lines = r->packing ? packed_new(r->packed, n * lw) : PyTuple_New(n);
    if (lines == NULL) return FAIL;
    Py_INCREF(raw);
    PyObject *ls[MAX_SLOTS] = {NULL};
    long long total = 0;
    int64_t oos = 0, fsp = 0;
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
        long long fen = r->packing ? r->fen[f->s[4]] : PyLong_AsLongLong(ls[f->s[4]]);
        if (fen == -1 && PyErr_Occurred()) {
            got = FAIL;
            break;
        }
        total += fen;  /* at most 10^4 lines of < 10^10 fen: no overflow */
        if (r->nrules && !add_line(r, ls[f->s[0]], fen, &oos, &fsp)) {
            got = DECLINE;
            break;
        }
        for (Py_ssize_t j = 0; j < lw; j++) {
            if (ls[j] == NULL) {
                PyErr_SetString(PyExc_SystemError, "claim reader: a line field left unset");
                got = FAIL;
                break;
            }
        }
        if (got != OK) break;
        if (r->packing) {  /* the line's fields, in its record's order, moved into the flat tuple */
            for (Py_ssize_t j = 0; j < lw; j++) {
                PyTuple_SET_ITEM(lines, i * lw + j, ls[j]);
                ls[j] = NULL;
            }
            continue;
        }
        PyObject *view = make_record(f->maker, ls);
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
    if (r->packing && (lines = packed_done(r->packed, lines)) == NULL) return FAIL;
    PyObject *t = PyLong_FromLongLong(total);
    if (t == NULL) {
        Py_DECREF(lines);
        return FAIL;
    }
    put(slots, f->slot, lines);
    put(slots, f->s[5], t);
    r->oos = oos;
    r->fsp = fsp;
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
    if (raw == NULL || raw == Py_None) {  /* the table's one empty frozenset: immutable, shared */
        if (f->dflt == NULL || !PyFrozenSet_CheckExact(f->dflt)) return DECLINE;
        put_new(slots, f->slot, f->dflt);
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

/* The member of an enum's value set equal to exact str ``v``, or NULL: code units compared, no hash
 * computed (a value read from JSON has none yet). */
static inline PyObject *member_of(const Field *f, PyObject *v) {
    if (READY(v) < 0) {
        PyErr_Clear();
        return NULL;
    }
    Py_ssize_t n = PyUnicode_GET_LENGTH(v);
    int kind = PyUnicode_KIND(v);
    const void *data = PyUnicode_DATA(v);
    for (int i = 0; i < f->nmembers; i++) {
        PyObject *m = f->member[i];
        if (m == v) return m;
        if (PyUnicode_GET_LENGTH(m) == n && PyUnicode_KIND(m) == kind
            && memcmp(PyUnicode_DATA(m), data, (size_t)n * (size_t)kind) == 0) return m;
    }
    return NULL;
}

static int read_field(Reader *r, const Field *f, PyObject **vals, PyObject **slots) {
    if (f->kind == K_CONST) {
        put_new(slots, f->slot, f->dflt ? f->dflt : Py_None);
        return OK;
    }
    if (f->kind == K_SPLIT) return read_split(r, f, vals, slots);
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
            if (f->nmembers) {  /* the set's own (interned) value in the slot, as equal as ``v`` */
                PyObject *m = member_of(f, v);
                if (m == NULL) return DECLINE;
                put_new(slots, f->slot, m);
                return OK;
            }
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
        if (r->packing) {  /* read_sums: the text kept (no int made and freed), its fen in ``r->fen`` */
            if (!amount_fen(v, f->digits, f->limit, &r->fen[f->slot])) return DECLINE;
            put_new(slots, f->slot, v);
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
/* Whether the claim read into ``slots`` passes the reader's ``applies when`` conjuncts: each slot's
 * value, a str (an enum's) or None, among its members or not, as ``==`` / ``in`` compare them. */
static int covered(const Reader *r, PyObject **slots) {
    for (int i = 0; i < r->ncover; i++) {
        const Cover *c = &r->cover[i];
        PyObject *v = slots[c->slot];
        int in = 0;
        if (v != NULL && PyUnicode_CheckExact(v)) {
            for (int k = 0; k < c->n && !in; k++) in = str_eq(c->member[k], v);
        }
        if (in != c->want) return 0;
    }
    return 1;
}

PyObject *cr_read_claim(Reader *r, PyObject *data, int64_t *sums) {
    if (!PyDict_CheckExact(data)) return NULL;
    PyObject *slots[MAX_SLOTS] = {NULL};
    PyObject *view = NULL;
    r->oos = r->fsp = 0;
    r->packing = sums != NULL;  /* the lines as one flat tuple (read_sums), not a record each */
    int got = read_obj(r, &r->claim, data, slots);
    r->packing = 0;
    if (sums != NULL) {  /* taken before ``applies`` (Python) runs */
        sums[0] = r->oos;
        sums[1] = r->fsp;
    }
    if (got == OK && r->age_slot >= 0 && slots[r->age_slot] == Py_None) got = DECLINE;
    if (got == OK && r->applies == NULL && !covered(r, slots)) got = DECLINE;  /* the Python check says why */
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
    if (got == OK) view = make_record(&r->makers[0], slots);
    clear_slots(slots, r->width);
    if (view != NULL && r->applies != NULL) {
        PyObject *yes = PyObject_CallOneArg(r->applies, view);
        int applies = yes == NULL ? -1 : PyObject_IsTrue(yes);
        Py_XDECREF(yes);
        if (applies <= 0) Py_CLEAR(view);  /* not covered, or it failed: the Python check says */
    }
    if (PyErr_Occurred()) PyErr_Clear();  /* declined; the Python check and full path say why */
    return view;
}
