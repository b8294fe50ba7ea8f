/* The claim reader's tables in C: what ``claim_reader.spec`` (Python) becomes when a Reader is built
 * (claim_reader_spec.c), and what reading a claim walks (claim_reader_read.c). */
#ifndef YIBAO_CLAIM_READER_H
#define YIBAO_CLAIM_READER_H

#define PY_SSIZE_T_CLEAN
#include <Python.h>
#include <stddef.h>

#include "line_rule.h"

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
#define MAX_MAKERS 4

#if PY_VERSION_HEX >= 0x030C0000
#define CR_T_OBJECT_EX Py_T_OBJECT_EX
#define CR_READONLY Py_READONLY
#else
#include <structmember.h>
#define CR_T_OBJECT_EX T_OBJECT_EX
#define CR_READONLY READONLY
#endif

/* What an object's slots are made into: a tuple subclass (``ClaimView``, ``LineView``) filled item by
 * item, or a slotted class (``Claim``, ``Line``) filled at its members' offsets, as ``to_claim`` fills
 * it through their descriptors (``object.__new__``, no ``__init__``). */
typedef struct {
    PyTypeObject *type;           /* borrowed from the spec */
    Py_ssize_t n;                 /* slots */
    int slotted;                  /* 0: a tuple subclass */
    Py_ssize_t offset[MAX_SLOTS]; /* slotted: where slot i goes */
} Maker;

typedef struct Field Field;

#define MAX_KEYS 16
#define MAX_MEMBERS 16

/* An object's allowed keys, each with its hash, and its fields (each reading the value of one key,
 * the split four). */
typedef struct {
    PyObject *keys;   /* tuple of the keys allowed (borrowed from the spec) */
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
    PyObject *member[MAX_MEMBERS];  /* enum: the same values (borrowed), compared without hashing */
    int nmembers;       /* enum: 0 when the set has more than MAX_MEMBERS values (then hashed) */
    PyObject *numbers;  /* enum: dict int -> str, or NULL */
    int digits;         /* amount: most digits before the point */
    Obj obj;            /* object: its fields; lines: a line's fields */
    Py_ssize_t s[8];    /* kind-specific slots (below) */
    const Maker *maker; /* lines: what a line is made into */
    PyObject *o[4];     /* kind-specific objects (below) */
    long long big;      /* lines: the most a claim's total may be */
};

/* One conjunct of ``applies when`` the reader tests itself (``claim_reader.coverage``): the value in
 * ``slot`` is (``want``) or is not among ``member`` (borrowed from the spec). */
#define MAX_COVER 8
typedef struct {
    Py_ssize_t slot;
    int want, n;
    PyObject *member[MAX_COVER];
} Cover;

typedef struct {
    PyObject_HEAD
    vectorcallfunc vectorcall;
    PyObject *spec;      /* keeps every borrowed object alive */
    PyObject *fallback;  /* called with the data when the reader declines; may be None */
    PyObject *dates, *date_reader, *applies;  /* applies: NULL when ``cover`` says it */
    Cover cover[MAX_COVER];
    int ncover;
    Maker makers[MAX_MAKERS];  /* [0]: the claim's; then the lines' */
    int nmakers;
    Py_ssize_t width, raw_slot, age_slot;
    Obj claim;
    Field *all;          /* every Field, for freeing */
    Py_ssize_t nall, cap;
    /* The policy's line rules (``line_pass.fused_table``), when it has them: each line read is also
     * summed by them (``read_sums``). ``cats`` are the category codes' values (borrowed). */
    int nrules;
    Rule rules[N_CATEGORIES];
    PyObject *cats[N_CATEGORIES];
    /* The sums of the claim being read: set by read_lines, taken by cr_read_claim's caller before any
     * Python code runs (the date reader runs before the lines, ``applies`` after the sums are taken). */
    int64_t oos, fsp;
    /* ``read_sums`` leaves a claim's lines as one ``PackedLines`` (borrowed from the spec): their
     * fields line after line, made into ``Line`` s when somebody reads them (``claim_view.py``). */
    PyTypeObject *packed;
    int packing;
    /* While packing, a line's amounts stay their texts in the flat tuple (``unpack_lines`` reads them
     * into fen); their fen is here, by the line slot, for the sums and the split. */
    long long fen[MAX_SLOTS];
} Reader;

/* Two exact str equal (no Python code: their kinds and code units compared). */
static inline int str_eq(PyObject *a, PyObject *b) {
    if (a == b) return 1;
    Py_ssize_t n = PyUnicode_GET_LENGTH(a);
    if (n != PyUnicode_GET_LENGTH(b) || PyUnicode_KIND(a) != PyUnicode_KIND(b)) return 0;
    return memcmp(PyUnicode_DATA(a), PyUnicode_DATA(b), (size_t)n * PyUnicode_KIND(a)) == 0;
}

/* The hash of exact str ``k``: the one it caches (computed on first use). */
static inline Py_hash_t str_hash(PyObject *k) {
#if PY_VERSION_HEX < 0x030E0000
    Py_hash_t h = ((PyASCIIObject *)k)->hash;
    if (h != -1) return h;
#endif
    return PyObject_Hash(k);
}

/* Where exact str ``k`` (of hash ``h``) is among ``obj``'s keys, trying ``from`` first and going
 * round from there (a dict usually gives its keys in the table's order), or -1. */
static inline Py_ssize_t find_key_from(const Obj *obj, PyObject *k, Py_hash_t h, Py_ssize_t from) {
    for (Py_ssize_t i = from; i < obj->nkeys; i++) {
        if (obj->hash[i] == h && str_eq(obj->key[i], k)) return i;
    }
    for (Py_ssize_t i = 0; i < from; i++) {
        if (obj->hash[i] == h && str_eq(obj->key[i], k)) return i;
    }
    return -1;
}

/* Where exact str ``k`` (of hash ``h``) is among ``obj``'s keys, or -1. */
static inline Py_ssize_t find_key(const Obj *obj, PyObject *k, Py_hash_t h) {
    for (Py_ssize_t i = 0; i < obj->nkeys; i++) {
        if (obj->hash[i] == h && str_eq(obj->key[i], k)) return i;
    }
    return -1;
}

/* claim_reader_spec.c: a Python int of the spec as a C one (a ValueError if it is none). */
long long cr_as_ll(PyObject *o, const char *what);
/* claim_reader_spec.c: a record spec (a tuple subclass, or ``(slotted class, slot names)``) of
 * ``width`` slots into a new maker of ``r``; NULL with a ValueError if it is none. */
const Maker *cr_parse_maker(Reader *r, PyObject *spec, Py_ssize_t width);
/* claim_reader_spec.c: an object spec ``(keys, fields)`` into ``obj``, its slots below ``width``. */
int cr_parse_obj(Reader *r, PyObject *spec, Obj *obj, Py_ssize_t width);

/* claim_reader_read.c: the view of ``data``, or NULL with no error set (declined). With ``sums``
 * (the reader has line rules) also its out-of-scope and first self-pay by them, in sums[0], sums[1]. */
PyObject *cr_read_claim(Reader *r, PyObject *data, int64_t *sums);

#endif
