/* The fast accept path's claim reader in C: table-driven, one per policy.
 *
 * ``Reader(spec, fallback)`` is built once per policy from the table ``claim_reader.spec`` derives
 * from ``claim_fields.CLAIM`` and the policy's ``Scope`` -- the same tables the generated Python
 * check (``claim_fast.build_view``) reads. ``reader.read(data)`` returns exactly the ``ClaimView``
 * that check returns, or None ("declined") for anything unusual; ``reader(data)`` calls
 * ``fallback(data)`` (the Python check) when it declines.
 *
 * Nothing here runs user Python code: every value is accepted only if it is of an exact type (str,
 * int, dict, list), and a dict key is compared only once it is known to be an exact str. The reader
 * never recurses into a value: its depth is the field table's. The only Python it calls is the
 * policy's own date reader and ``applies`` function, once per claim, and (``read_settle``,
 * ``Settler``) the generated ``settle_sums``.
 *
 * Files: claim_reader.h (the tables), claim_reader_spec.c (the spec → tables), claim_reader_read.c
 * (reading a claim), this one (the type and the module).
 */
#include "claim_reader.h"

static PyObject *Reader_vectorcall(PyObject *self, PyObject *const *args, size_t nargsf, PyObject *kwnames) {
    Reader *r = (Reader *)self;
    if (PyVectorcall_NARGS(nargsf) != 1 || kwnames != NULL) {
        PyErr_SetString(PyExc_TypeError, "Reader takes one claim");
        return NULL;
    }
    PyObject *view = cr_read_claim(r, args[0], NULL);
    if (view != NULL) return view;
    if (r->fallback == Py_None) Py_RETURN_NONE;
    return PyObject_CallOneArg(r->fallback, args[0]);
}

static PyObject *Reader_read(PyObject *self, PyObject *data) {
    PyObject *view = cr_read_claim((Reader *)self, data, NULL);
    if (view != NULL) return view;
    Py_RETURN_NONE;
}

/* ``(claim, out_of_scope, first_self_pay)``: the claim and its lines summed by the policy's line
 * rules as they were read, or None (declined, or a reader without rules). The claim's ``lines`` are
 * a ``PackedLines``: ``claim_view.unpack_lines`` makes them ``Line`` s before anybody else sees it. */
static PyObject *Reader_read_sums(PyObject *self, PyObject *data) {
    Reader *r = (Reader *)self;
    int64_t sums[2];
    if (r->nrules == 0) Py_RETURN_NONE;
    PyObject *claim = cr_read_claim(r, data, sums);
    if (claim == NULL) Py_RETURN_NONE;
    PyObject *oos = PyLong_FromLongLong(sums[0]);
    PyObject *fsp = oos == NULL ? NULL : PyLong_FromLongLong(sums[1]);
    PyObject *got = fsp == NULL ? NULL : PyTuple_Pack(3, claim, oos, fsp);
    Py_DECREF(claim);
    Py_XDECREF(oos);
    Py_XDECREF(fsp);
    return got;
}

/* ``settle(claim, out_of_scope, first_self_pay)`` of the claim ``read_sums`` reads: what ``settle``
 * returns, NULL with its error set, or NULL with none when declined. */
static PyObject *read_and_settle(Reader *r, PyObject *data, PyObject *settle) {
    int64_t sums[2];
    if (r->nrules == 0) return NULL;
    PyObject *claim = cr_read_claim(r, data, sums);
    if (claim == NULL) return NULL;
    PyObject *call[3] = {claim, PyLong_FromLongLong(sums[0]), PyLong_FromLongLong(sums[1])};
    PyObject *got = call[1] == NULL || call[2] == NULL ? NULL : PyObject_Vectorcall(settle, call, 3, NULL);
    for (int i = 0; i < 3; i++) Py_XDECREF(call[i]);
    return got;
}

/* ``read_settle(data, settle)``: ``read_and_settle``'s result, its error, or None when declined:
 * ``Policy.settle`` without a tuple in between. */
static PyObject *Reader_read_settle(PyObject *self, PyObject *const *args, Py_ssize_t nargs) {
    Reader *r = (Reader *)self;
    if (r->vectorcall == NULL || nargs != 2) {
        PyErr_SetString(PyExc_TypeError, r->vectorcall == NULL ? "Reader not initialised"
                                                                : "read_settle(data, settle)");
        return NULL;
    }
    PyObject *got = read_and_settle(r, args[0], args[1]);
    if (got == NULL && !PyErr_Occurred()) Py_RETURN_NONE;
    return got;
}

/* spec[8], when given: ``(categories, rules, PackedLines)``, the line category values in their codes'
 * order, ``line_rules.fused_table``'s rules by those codes, and the flat tuple type ``read_sums``
 * leaves the lines in; None: no sums. */
static int parse_rules(Reader *r, PyObject *spec) {
    r->nrules = 0;
    rule_defaults(r->rules);
    if (PyTuple_GET_SIZE(spec) < 9 || PyTuple_GET_ITEM(spec, 8) == Py_None) return 0;
    PyObject *given = PyTuple_GET_ITEM(spec, 8);
    PyObject *cats = PyTuple_Check(given) && PyTuple_GET_SIZE(given) == 3 ? PyTuple_GET_ITEM(given, 0) : NULL;
    PyObject *packed = cats == NULL ? NULL : PyTuple_GET_ITEM(given, 2);
    if (cats == NULL || !PyTuple_CheckExact(cats) || PyTuple_GET_SIZE(cats) > N_CATEGORIES || !PyType_Check(packed)
        || !PyType_IsSubtype((PyTypeObject *)packed, &PyTuple_Type)
        || ((PyTypeObject *)packed)->tp_basicsize != PyTuple_Type.tp_basicsize) {
        PyErr_SetString(PyExc_ValueError, "claim reader spec: line rules are (categories, rules, packed lines)");
        return -1;
    }
    r->packed = (PyTypeObject *)packed;  /* borrowed: the spec holds it */
    if (rule_parse_table(PyTuple_GET_ITEM(given, 1), r->rules) < 0) return -1;
    for (Py_ssize_t k = 0; k < PyTuple_GET_SIZE(cats); k++) {
        PyObject *cat = PyTuple_GET_ITEM(cats, k);
        if (!PyUnicode_CheckExact(cat) || READY(cat) < 0) {
            PyErr_SetString(PyExc_ValueError, "claim reader spec: a line category is a str");
            return -1;
        }
        r->cats[k] = cat;  /* borrowed: the spec holds it */
    }
    r->nrules = (int)PyTuple_GET_SIZE(cats);
    return r->nrules > 0 ? 0 : -1;
}

/* spec[7] as a tuple: ``claim_reader.coverage``'s conjuncts ``(slot, members, want)``, tested in C
 * in place of calling ``applies``. */
static int parse_cover(Reader *r, PyObject *cover) {
    Py_ssize_t n = PyTuple_GET_SIZE(cover);
    if (n > MAX_COVER) goto bad;
    for (Py_ssize_t i = 0; i < n; i++) {
        PyObject *t = PyTuple_GET_ITEM(cover, i);
        if (!PyTuple_Check(t) || PyTuple_GET_SIZE(t) != 3) goto bad;
        Cover *c = &r->cover[i];
        c->slot = (Py_ssize_t)cr_as_ll(PyTuple_GET_ITEM(t, 0), "slot");
        if (PyErr_Occurred()) return -1;
        PyObject *members = PyTuple_GET_ITEM(t, 1);
        if (c->slot < 0 || c->slot >= r->width || !PyTuple_Check(members) || PyTuple_GET_SIZE(members) > MAX_COVER
            || !PyBool_Check(PyTuple_GET_ITEM(t, 2))) goto bad;
        c->want = PyTuple_GET_ITEM(t, 2) == Py_True;
        c->n = (int)PyTuple_GET_SIZE(members);
        for (int k = 0; k < c->n; k++) {
            PyObject *m = PyTuple_GET_ITEM(members, k);
            if (!PyUnicode_CheckExact(m) || READY(m) < 0) goto bad;
            c->member[k] = m;
        }
    }
    r->ncover = (int)n;
    return 0;
bad:
    if (!PyErr_Occurred()) PyErr_SetString(PyExc_ValueError, "claim reader spec: applies is (slot, members, want) each");
    return -1;
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
    /* (claim object, the claim's record (ClaimView, or (Claim, names)), width, dates, date reader,
     * raw slot, age slot or -1, applies[, line rules]) */
    if (PyTuple_GET_SIZE(spec) != 8 && PyTuple_GET_SIZE(spec) != 9) {
        PyErr_SetString(PyExc_ValueError, "claim reader spec: an 8- or 9-tuple");
        return -1;
    }
    r->width = (Py_ssize_t)cr_as_ll(PyTuple_GET_ITEM(spec, 2), "width");
    r->dates = PyTuple_GET_ITEM(spec, 3);
    r->date_reader = PyTuple_GET_ITEM(spec, 4);
    r->raw_slot = (Py_ssize_t)cr_as_ll(PyTuple_GET_ITEM(spec, 5), "raw slot");
    r->age_slot = (Py_ssize_t)cr_as_ll(PyTuple_GET_ITEM(spec, 6), "age slot");
    r->applies = PyTuple_GET_ITEM(spec, 7);
    r->ncover = 0;
    if (PyTuple_Check(r->applies)) {
        if (parse_cover(r, r->applies) < 0) return -1;
        r->applies = NULL;
    }
    if (PyErr_Occurred()) return -1;
    if (r->width < 1 || r->width > MAX_SLOTS || !PyDict_CheckExact(r->dates) || !PyCallable_Check(r->date_reader)
        || (r->applies != NULL && !PyCallable_Check(r->applies)) || r->raw_slot < 0 || r->raw_slot >= r->width || r->age_slot < -1
        || r->age_slot >= r->width || (fallback != Py_None && !PyCallable_Check(fallback))) {
        PyErr_SetString(PyExc_ValueError, "claim reader spec: bad width, dates or callables");
        return -1;
    }
    r->nall = 0;  /* a Reader whose first __init__ failed may be initialised again */
    r->nmakers = 0;
    r->cap = 4 * MAX_FIELDS;
    r->all = PyMem_Calloc((size_t)r->cap, sizeof(Field));
    if (r->all == NULL) {
        PyErr_NoMemory();
        return -1;
    }
    if (cr_parse_maker(r, PyTuple_GET_ITEM(spec, 1), r->width) == NULL
        || cr_parse_obj(r, PyTuple_GET_ITEM(spec, 0), &r->claim, r->width) < 0 || parse_rules(r, spec) < 0) {
        if (!PyErr_Occurred()) PyErr_SetString(PyExc_ValueError, "claim reader spec: no line categories");
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

static PyObject *Reader_read_sums_guarded(PyObject *self, PyObject *data) {
    if (((Reader *)self)->vectorcall == NULL) {
        PyErr_SetString(PyExc_TypeError, "Reader not initialised");
        return NULL;
    }
    return Reader_read_sums(self, data);
}

static PyMethodDef Reader_methods[] = {
    {"read", Reader_read_guarded, METH_O,
     "read(data) -> ClaimView | None: the view the Python check gives, or None (declined)."},
    {"read_settle", (PyCFunction)(void (*)(void))Reader_read_settle, METH_FASTCALL,
     "read_settle(data, settle) -> settle(claim, out_of_scope, first_self_pay) of what read_sums reads, "
     "or None (declined)."},
    {"read_sums", Reader_read_sums_guarded, METH_O,
     "read_sums(data) -> (claim, out_of_scope, first_self_pay) | None: the claim and its lines summed by "
     "the policy's line rules (spec[8]); None when declined or the reader has no rules."},
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

/* ``Settler(reader, settle, rest)``: ``Policy.settle`` with its common case in C, as the policy's own
 * ``settle`` attribute. A dict claim alone (no trace, no source) is read and settled by
 * ``read_and_settle``; anything else, a claim it declines, or a settlement that raises an
 * ``Exception`` (settled again there, so its error is located) is ``rest(*args, **kwargs)``, the
 * Python method. No Python frame stands between the caller and the reader. */
typedef struct {
    PyObject_HEAD
    vectorcallfunc vectorcall;
    PyObject *reader, *settle, *rest, *dict;
} Settler;

static PyObject *Settler_vectorcall(PyObject *self, PyObject *const *args, size_t nargsf, PyObject *kwnames) {
    Settler *s = (Settler *)self;
    if (s->rest == NULL) {  /* cleared by the garbage collector breaking a cycle */
        PyErr_SetString(PyExc_TypeError, "Settler cleared");
        return NULL;
    }
    if (PyVectorcall_NARGS(nargsf) == 1 && kwnames == NULL && PyDict_CheckExact(args[0])) {
        PyObject *got = read_and_settle((Reader *)s->reader, args[0], s->settle);
        if (got != NULL) return got;
        if (PyErr_Occurred()) {
            if (!PyErr_ExceptionMatches(PyExc_Exception)) return NULL;  /* KeyboardInterrupt and the like */
            PyErr_Clear();
        }
    }
    return PyObject_Vectorcall(s->rest, args, nargsf, kwnames);
}

static PyObject *Settler_new(PyTypeObject *type, PyObject *args, PyObject *kwds) {
    PyObject *reader, *settle, *rest;
    if (kwds != NULL && PyDict_GET_SIZE(kwds) != 0) {
        PyErr_SetString(PyExc_TypeError, "Settler(reader, settle, rest)");
        return NULL;
    }
    if (!PyArg_ParseTuple(args, "O!OO:Settler", &ReaderType, &reader, &settle, &rest)) return NULL;
    if (((Reader *)reader)->vectorcall == NULL || !PyCallable_Check(settle) || !PyCallable_Check(rest)) {
        PyErr_SetString(PyExc_TypeError, "Settler(reader, settle, rest): an initialised Reader and two callables");
        return NULL;
    }
    Settler *s = (Settler *)type->tp_alloc(type, 0);
    if (s == NULL) return NULL;
    Py_INCREF(reader);
    Py_INCREF(settle);
    Py_INCREF(rest);
    s->reader = reader;
    s->settle = settle;
    s->rest = rest;
    s->vectorcall = Settler_vectorcall;
    return (PyObject *)s;
}

static int Settler_traverse(PyObject *self, visitproc visit, void *arg) {
    Settler *s = (Settler *)self;
    Py_VISIT(s->reader);
    Py_VISIT(s->settle);
    Py_VISIT(s->rest);
    Py_VISIT(s->dict);
    return 0;
}

static int Settler_clear(PyObject *self) {
    Settler *s = (Settler *)self;
    Py_CLEAR(s->reader);
    Py_CLEAR(s->settle);
    Py_CLEAR(s->rest);
    Py_CLEAR(s->dict);
    return 0;
}

static void Settler_dealloc(PyObject *self) {
    PyObject_GC_UnTrack(self);
    Settler_clear(self);
    Py_TYPE(self)->tp_free(self);
}

static PyObject *Settler_repr(PyObject *self) {  /* the method's: it stands for it */
    Settler *s = (Settler *)self;
    return s->rest == NULL ? PyUnicode_FromString("<Settler cleared>") : PyObject_Repr(s->rest);
}

static PyObject *Settler_call(PyObject *self, PyObject *args, PyObject *kwds) {
    return PyVectorcall_Call(self, args, kwds);
}

static PyGetSetDef Settler_getset[] = {
    {"__dict__", PyObject_GenericGetDict, PyObject_GenericSetDict, NULL, NULL},  /* functools.wraps */
    {NULL, NULL, NULL, NULL, NULL},
};

static PyTypeObject SettlerType = {
    PyVarObject_HEAD_INIT(NULL, 0)
    .tp_name = "yibao.compiler._claim_reader.Settler",
    .tp_basicsize = sizeof(Settler),
    .tp_dealloc = Settler_dealloc,
    .tp_vectorcall_offset = offsetof(Settler, vectorcall),
    .tp_call = Settler_call,
    .tp_repr = Settler_repr,
    .tp_getattro = PyObject_GenericGetAttr,
    .tp_setattro = PyObject_GenericSetAttr,
    .tp_dictoffset = offsetof(Settler, dict),
    .tp_getset = Settler_getset,
    .tp_flags = Py_TPFLAGS_DEFAULT | Py_TPFLAGS_HAVE_GC | Py_TPFLAGS_HAVE_VECTORCALL,
    .tp_doc = "Settler(reader, settle, rest): a policy's settle, its dict claims read and settled in C.",
    .tp_traverse = Settler_traverse,
    .tp_clear = Settler_clear,
    .tp_new = Settler_new,
};

static struct PyModuleDef module = {
    PyModuleDef_HEAD_INIT, "_claim_reader",
    "The fast accept path's claim reader in C (see claim_reader.py).", -1, NULL,
};

PyMODINIT_FUNC PyInit__claim_reader(void) {
    if (PyType_Ready(&ReaderType) < 0 || PyType_Ready(&SettlerType) < 0) return NULL;
    PyObject *m = PyModule_Create(&module);
    if (m == NULL) return NULL;
    Py_INCREF(&ReaderType);
    if (PyModule_AddObject(m, "Reader", (PyObject *)&ReaderType) < 0) {
        Py_DECREF(&ReaderType);
        Py_DECREF(m);
        return NULL;
    }
    Py_INCREF(&SettlerType);
    if (PyModule_AddObject(m, "Settler", (PyObject *)&SettlerType) < 0) {
        Py_DECREF(&SettlerType);
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
