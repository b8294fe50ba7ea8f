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


/* A slotted class's member for ``name``: an object slot of the class itself (in its own dict, so
 * no Python code runs to find it), writable, within the instance. Its offset, or -1. */
static Py_ssize_t slot_offset(PyTypeObject *t, PyObject *name) {
    PyObject *d = t->tp_dict == NULL ? NULL : PyDict_GetItemWithError(t->tp_dict, name);
    if (d == NULL || !Py_IS_TYPE(d, &PyMemberDescr_Type)) return -1;
    PyMemberDef *m = ((PyMemberDescrObject *)d)->d_member;
    if (m->type != CR_T_OBJECT_EX || (m->flags & CR_READONLY) || m->offset < (Py_ssize_t)sizeof(PyObject)
        || m->offset + (Py_ssize_t)sizeof(PyObject *) > t->tp_basicsize
        || ((PyMemberDescrObject *)d)->d_common.d_type != t) {
        return -1;
    }
    return m->offset;
}

const Maker *cr_parse_maker(Reader *r, PyObject *spec, Py_ssize_t width) {
    if (r->nmakers == MAX_MAKERS) {
        PyErr_SetString(PyExc_ValueError, "claim reader spec: too many record types");
        return NULL;
    }
    Maker *m = &r->makers[r->nmakers];
    memset(m, 0, sizeof(*m));
    m->n = width;
    if (PyType_Check(spec)) {  /* a view: a tuple subclass without fields of its own */
        m->type = (PyTypeObject *)spec;
        if (!PyType_IsSubtype(m->type, &PyTuple_Type) || m->type->tp_basicsize != PyTuple_Type.tp_basicsize) {
            PyErr_SetString(PyExc_ValueError, "claim reader spec: a view is a tuple subclass");
            return NULL;
        }
        r->nmakers++;
        return m;
    }
    PyObject *names = PyTuple_Check(spec) && PyTuple_GET_SIZE(spec) == 2 ? PyTuple_GET_ITEM(spec, 1) : NULL;
    if (names == NULL || !PyType_Check(PyTuple_GET_ITEM(spec, 0)) || !PyTuple_CheckExact(names)
        || PyTuple_GET_SIZE(names) != width) {
        PyErr_SetString(PyExc_ValueError, "claim reader spec: a record is a view type or (class, slot names)");
        return NULL;
    }
    m->type = (PyTypeObject *)PyTuple_GET_ITEM(spec, 0);
    m->slotted = 1;
    /* made as ``object.__new__`` makes it: a class of no items, no __new__ of its own, not abstract */
    if (m->type->tp_itemsize != 0 || m->type->tp_alloc != PyType_GenericAlloc
        || m->type->tp_new != PyBaseObject_Type.tp_new || (m->type->tp_flags & Py_TPFLAGS_IS_ABSTRACT)
        || !(m->type->tp_flags & Py_TPFLAGS_HAVE_GC)) {
        PyErr_SetString(PyExc_ValueError, "claim reader spec: a record class must be a plain slotted class");
        return NULL;
    }
    for (Py_ssize_t i = 0; i < width; i++) {
        PyObject *name = PyTuple_GET_ITEM(names, i);
        m->offset[i] = PyUnicode_CheckExact(name) ? slot_offset(m->type, name) : -1;
        if (PyErr_Occurred()) return NULL;
        for (Py_ssize_t j = 0; j < i && m->offset[i] >= 0; j++) {
            if (m->offset[j] == m->offset[i]) m->offset[i] = -1;
        }
        if (m->offset[i] < 0) {
            PyErr_Format(PyExc_ValueError, "claim reader spec: %R is not a slot of its own of %R, or is named twice",
                         name, m->type);
            return NULL;
        }
    }
    r->nmakers++;
    return m;
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
    case K_ENUM:  /* extra: the same values as a tuple, in the value set's order (tried in it) */
        if (!f->values || !PyTuple_Check(extra) || PyTuple_GET_SIZE(extra) != PySet_GET_SIZE(f->values)) goto bad;
        for (Py_ssize_t i = 0; i < PyTuple_GET_SIZE(extra); i++) {
            PyObject *v = PyTuple_GET_ITEM(extra, i);
            int in = PyUnicode_CheckExact(v) && READY(v) == 0 ? PySet_Contains(f->values, v) : 0;
            if (in < 0) return -1;
            if (!in) goto bad;
            if (i < MAX_MEMBERS) f->member[i] = v;
        }
        f->nmembers = PyTuple_GET_SIZE(extra) <= MAX_MEMBERS ? (int)PyTuple_GET_SIZE(extra) : 0;
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
        /* extra: (line object, a line's record (LineView, or (Line, names)), its width, priced or
         * None, category, class, unit price, split and amount slots of a line, the claim's total
         * slot, the most a total may be) */
        if (!PyTuple_Check(extra) || PyTuple_GET_SIZE(extra) != 11) goto bad;
        Py_ssize_t lw = (Py_ssize_t)cr_as_ll(PyTuple_GET_ITEM(extra, 2), "width");
        if (PyErr_Occurred()) return -1;
        if (lw < 1 || lw > MAX_SLOTS) goto bad;
        f->s[7] = lw;
        f->maker = cr_parse_maker(r, PyTuple_GET_ITEM(extra, 1), lw);
        if (f->maker == NULL) return -1;
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
