/* The claim reader's table: the tuples ``claim_reader.spec`` builds (Python) turned into the C
 * structures of claim_reader.h once, when a Reader is built; anything malformed is a ValueError. */
#include "claim_reader.h"

long long cr_as_ll(PyObject *o, const char *what) {
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
    f->kind = (int)cr_as_ll(PyTuple_GET_ITEM(t, 0), "kind");
    f->key = PyTuple_GET_ITEM(t, 1);
    f->required = PyObject_IsTrue(PyTuple_GET_ITEM(t, 2));
    f->dflt = PyTuple_GET_ITEM(t, 3) == Py_None ? NULL : PyTuple_GET_ITEM(t, 3);
    f->limit = cr_as_ll(PyTuple_GET_ITEM(t, 4), "limit");
    f->minimum = cr_as_ll(PyTuple_GET_ITEM(t, 5), "minimum");
    f->slot = (Py_ssize_t)cr_as_ll(PyTuple_GET_ITEM(t, 6), "slot");
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
        f->digits = (int)cr_as_ll(extra, "digits");
        if (PyErr_Occurred()) return -1;
        if (f->digits < 1 || f->digits > 15) goto bad;
        return 0;
    case K_CODES:  /* extra: the most characters of an item */
        f->big = cr_as_ll(extra, "item limit");
        return PyErr_Occurred() ? -1 : 0;
    case K_DATE:  /* extra: (day slot, year slot) */
        if (!PyTuple_Check(extra) || PyTuple_GET_SIZE(extra) != 2) goto bad;
        for (int i = 0; i < 2; i++) {
            f->s[i] = (Py_ssize_t)cr_as_ll(PyTuple_GET_ITEM(extra, i), "slot");
            if (PyErr_Occurred()) return -1;
            if (f->s[i] < 0 || f->s[i] >= width) goto bad;
        }
        return 0;
    case K_OBJECT:  /* extra: the object's (keys, fields), into the same slots */
        return cr_parse_obj(r, extra, &f->obj, width);
    case K_SPLIT:  /* extra: (the four keys, digits, the line's amount slot) */
        if (!PyTuple_Check(extra) || PyTuple_GET_SIZE(extra) != 3) goto bad;
        f->o[0] = PyTuple_GET_ITEM(extra, 0);
        if (!PyTuple_Check(f->o[0]) || PyTuple_GET_SIZE(f->o[0]) != 4) goto bad;
        for (int i = 0; i < 4; i++) {
            if (!PyUnicode_CheckExact(PyTuple_GET_ITEM(f->o[0], i))) goto bad;
        }
        f->digits = (int)cr_as_ll(PyTuple_GET_ITEM(extra, 1), "digits");
        f->s[0] = (Py_ssize_t)cr_as_ll(PyTuple_GET_ITEM(extra, 2), "slot");
        if (PyErr_Occurred()) return -1;
        if (f->digits < 1 || f->digits > 15 || f->s[0] < 0 || f->s[0] >= width) goto bad;
        return 0;
    case K_LINES: {
        /* extra: (line object, LineView, its width, priced or None, category, class, unit price,
         * split and amount slots of a line, the claim's total slot, the most a total may be) */
        if (!PyTuple_Check(extra) || PyTuple_GET_SIZE(extra) != 11) goto bad;
        f->o[0] = PyTuple_GET_ITEM(extra, 1);
        if (!PyType_Check(f->o[0]) || !PyType_IsSubtype((PyTypeObject *)f->o[0], &PyTuple_Type)) goto bad;
        Py_ssize_t lw = (Py_ssize_t)cr_as_ll(PyTuple_GET_ITEM(extra, 2), "width");
        if (PyErr_Occurred()) return -1;
        if (lw < 1 || lw > MAX_SLOTS) goto bad;
        f->s[7] = lw;
        f->o[1] = PyTuple_GET_ITEM(extra, 3) == Py_None ? NULL : PyTuple_GET_ITEM(extra, 3);
        if (f->o[1] && !PyFrozenSet_CheckExact(f->o[1])) goto bad;
        for (int i = 0; i < 5; i++) {
            f->s[i] = (Py_ssize_t)cr_as_ll(PyTuple_GET_ITEM(extra, 4 + i), "slot");
            if (PyErr_Occurred()) return -1;
            if (f->s[i] < 0 || f->s[i] >= lw) goto bad;
        }
        f->s[5] = (Py_ssize_t)cr_as_ll(PyTuple_GET_ITEM(extra, 9), "slot");
        f->big = cr_as_ll(PyTuple_GET_ITEM(extra, 10), "total limit");
        if (PyErr_Occurred()) return -1;
        if (f->s[5] < 0 || f->s[5] >= width) goto bad;
        return cr_parse_obj(r, PyTuple_GET_ITEM(extra, 0), &f->obj, lw);
    }
    case K_YTD:
        /* extra: ("year", accumulators, most entries, latest year, digits, ytd_year, ytd_ignored,
         * ytd_periods and the claim's year slots) */
        if (!PyTuple_Check(extra) || PyTuple_GET_SIZE(extra) != 9) goto bad;
        f->o[0] = PyTuple_GET_ITEM(extra, 0);
        f->o[1] = PyTuple_GET_ITEM(extra, 1);
        if (!PyUnicode_CheckExact(f->o[0]) || !PyFrozenSet_CheckExact(f->o[1])) goto bad;
        f->big = cr_as_ll(PyTuple_GET_ITEM(extra, 2), "entries");
        f->minimum = cr_as_ll(PyTuple_GET_ITEM(extra, 3), "year");  /* the latest year */
        f->digits = (int)cr_as_ll(PyTuple_GET_ITEM(extra, 4), "digits");
        for (int i = 0; i < 4; i++) {
            f->s[i] = (Py_ssize_t)cr_as_ll(PyTuple_GET_ITEM(extra, 5 + i), "slot");
            if (PyErr_Occurred()) return -1;
            if (f->s[i] < 0 || f->s[i] >= width) goto bad;
        }
        if (f->digits < 1 || f->digits > 15) goto bad;
        return 0;
    case K_PAID:  /* extra: (given layers, their count, digits) */
        if (!PyTuple_Check(extra) || PyTuple_GET_SIZE(extra) != 3) goto bad;
        f->o[0] = PyTuple_GET_ITEM(extra, 0);
        if (!PyFrozenSet_CheckExact(f->o[0])) goto bad;
        f->big = cr_as_ll(PyTuple_GET_ITEM(extra, 1), "count");
        f->digits = (int)cr_as_ll(PyTuple_GET_ITEM(extra, 2), "digits");
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

/* An object spec: (keys, fields), the keys a tuple of distinct str (tried in that order). */
int cr_parse_obj(Reader *r, PyObject *spec, Obj *obj, Py_ssize_t width) {
    if (!PyTuple_Check(spec) || PyTuple_GET_SIZE(spec) != 2 || !PyTuple_CheckExact(PyTuple_GET_ITEM(spec, 0))
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
        if (!PyUnicode_CheckExact(k) || obj->nkeys == MAX_KEYS || h == -1 || find_key(obj, k, h) >= 0) {
            Py_DECREF(it);
            PyErr_SetString(PyExc_ValueError, "claim reader spec: at most 16 keys, distinct, each a str");
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
