"""The C claim reader gives exactly the generated Python check's view, or declines; never more.

``claim_reader`` builds a ``Reader`` (C, ``compiler/_claim_reader.c``) per claim policy from the
same tables as the Python check (``claim_fast``). Every test compares the two on the same dict:
the reader's view must equal the check's field by field, with the same types (a ``str`` not a
subclass, an ``int`` not a bool, frozensets and dicts), or be None. On claims decoded from JSON
(exact types only) it must also accept whatever the check accepts. Hostile values must never
crash the process nor run any Python code of the claim's objects. The same reader filling the
slotted ``Claim`` and ``Line`` s (``Policy.read_claim``, what ``settle`` and ``claim`` of a dict
call) must give ``to_claim`` of the check's view, slot by slot with the same types, wherever the
view reader gives the view, and decline wherever it declines.
"""

from __future__ import annotations

import contextlib
import copy
import functools
import gc
import json
import sys
from collections.abc import Callable
from typing import Any

import pytest
from hypothesis import HealthCheck, currently_in_test_context, event, given, settings
from hypothesis import strategies as st
from yibao.compiler import claim_fast, claim_reader
from yibao.compiler.claim_view import ClaimView, LineView, PackedLines, to_claim, unpack_lines
from yibao.compiler.claims import Claim, Line
from yibao.compiler.json_input import decode_json
from yibao.dsl.errors import ClaimError
from yibao.dsl.types import DEFAULT_ENUMS

import yibao
from yibao.fuzzing import load_corpus, make_mutant
from yibao.sampling import sample_policy_claims

from .test_claim_fast import _AMOUNT, _TEXT
from .test_claim_view import _DIVIDE
from .test_claims import good_claim, jiujiang


@functools.cache
def _bundled() -> dict[str, yibao.Policy]:
    corpus = load_corpus()
    return {name: yibao.load_policy(corpus.root / name) for name in sorted(set(corpus.claim_policy.values()))}


def _typed(value: Any) -> Any:
    """``value`` with the exact type of everything in it, to compare types as well as values."""
    name = f"{type(value).__module__}.{type(value).__qualname__}"
    if isinstance(value, Claim | Line):  # slot by slot, in the views' order (``raw`` left out)
        return (name, tuple(_typed(getattr(value, f)) for f in type(value).__slots__ if f != "raw"))
    if isinstance(value, tuple):  # a ClaimView, a LineView, the lines, a split
        return (name, tuple(_typed(v) for v in value))
    if isinstance(value, dict):
        return (name, sorted((_typed(k), _typed(v)) for k, v in value.items()))
    if isinstance(value, frozenset):
        return (name, sorted(_typed(v) for v in value))
    return (name, repr(value))


def _same(policy: yibao.Policy, data: Any, *, exact_types: bool) -> ClaimView | None:
    """The reader's view against the Python check's: equal with every type, or declined (only
    where the check declines too, when ``exact_types``: the data came from JSON)."""
    assert policy.read_view is not None and policy.fast_view is not None and policy.read_claim is not None
    got = policy.read_view.read(data)  # type: ignore[attr-defined]
    claim = policy.read_claim.read(data)  # type: ignore[attr-defined]
    want = policy.fast_view(data)
    if currently_in_test_context():
        event("accepted" if got is not None else "declined")
    assert (claim is None) == (got is None)
    if got is None:
        assert not (exact_types and want is not None), json.dumps(data, ensure_ascii=False, default=str)[:300]
        return None
    assert want is not None, json.dumps(data, ensure_ascii=False, default=str)[:300]
    assert got == want
    assert _typed(got._replace(raw=None)) == _typed(want._replace(raw=None))
    assert got.raw is data and want.raw is data
    assert type(claim) is Claim and all(type(ln) is Line for ln in claim.lines)
    assert claim == to_claim(want) and claim.raw is data
    assert _typed(claim) == _typed(to_claim(want))
    return got


class Level(str):
    """A str subclass: the C reader declines it, the Python check reads it."""


def test_the_extension_is_built_and_is_the_path_settle_dict_takes() -> None:
    """Without a compiler the Python check alone would do: CI must build and use the C reader."""
    assert claim_reader.available()
    policy = jiujiang()
    assert type(policy.read_view).__name__ == "Reader"
    # The Python check remembers each line code it finds clean; the C reader does not. A claim
    # settle(dict) reads in C leaves no trace there, one it declines to the check does.
    seen = policy.fast_view.__globals__["_SEEN_200"]  # type: ignore[union-attr]
    for code, level in (("READ-IN-C", "2"), ("READ-IN-PYTHON", Level("2"))):
        data = good_claim()
        data["lines"][0]["code"] = code
        data["visit"]["level"] = level
        assert policy.settle(data).to_dict() == policy.settle(policy.full_claim(data)).to_dict()
    assert "READ-IN-C" not in seen and "READ-IN-PYTHON" in seen
    calls: list[Any] = []

    def check(data: Any) -> ClaimView | None:  # the real Python check, counted
        calls.append(data)
        return policy.fast_view(data) if policy.fast_view is not None else None

    scope = claim_fast.Scope(
        enums={**DEFAULT_ENUMS, **policy.enums}, year_start=policy.year_start, start=policy._start,
        end=policy._end, accumulators=policy.accumulators, given=policy.given, as_billed=policy.as_billed,
        priced=policy.priced, requires_age="person.age" in policy.requires, applies=policy._applies)
    reader = claim_reader.build(scope, {}, check)
    assert reader is not None
    data = good_claim()
    assert reader(data) == policy.fast_view(data) and calls == []  # read in C: the check not called
    data["visit"]["level"] = Level("2")  # not an exact str: declined, the Python check reads it
    assert reader(data) == policy.fast_view(data) and calls == [data]
    assert reader.read(data) is None  # type: ignore[attr-defined]
    # The reader that fills the Claim: what settle(dict) and claim(dict) call, falling back likewise.
    assert type(policy.read_claim).__name__ == "Reader" and policy.fast_claim is policy.read_claim
    claims = claim_reader.build_claims(scope, {}, claim_fast.claims_of(check))
    assert claims is not None
    calls.clear()
    data = good_claim()
    assert claims(data) == policy.full_claim(data) and calls == []
    data["visit"]["level"] = Level("2")
    assert claims(data) == policy.full_claim(data) and calls == [data]
    settled = policy.settle(good_claim())
    assert type(settled._claim) is Claim and settled.claim == policy.full_claim(good_claim())


def test_every_bundled_feature_is_read_in_c() -> None:
    """The bundled policies between them use the split, unit prices and `given` layers: the
    sampled-claims test below reads each kind of field in C. A policy that requires the age: here."""
    policies = [p for p in _bundled().values() if p.read_view is not None]
    assert any(p.as_billed for p in policies) and any(p.priced for p in policies)
    assert any(p.given for p in policies)
    policy = yibao.compile_policy(_DIVIDE, "divide.yb")
    assert "person.age" in policy.requires
    data = {"id": "c", "date": "2024-01-01", "person": {"id": "p", "scheme": "resident", "age": 7},
            "visit": {"kind": "inpatient", "level": "1", "region": "local"},
            "lines": [{"code": "a", "category": "A", "amount": "10.00"}]}
    assert _same(policy, data, exact_types=True) is not None
    del data["person"]["age"]
    assert _same(policy, data, exact_types=True) is None


def test_sampled_claims_of_every_bundled_policy_are_read_in_c_as_the_check_reads_them() -> None:
    for name, policy in _bundled().items():
        if policy.read_view is None:
            continue
        for data in sample_policy_claims(policy, 40, 5):
            assert _same(policy, data, exact_types=True) is not None, name


@given(code=_TEXT, name=_TEXT | st.text(min_size=995, max_size=1005, alphabet="床a\U0001f600"),
       amount=_AMOUNT, unit_price=st.none() | _AMOUNT, item_class=st.none() | _TEXT,
       ytd=st.none() | _AMOUNT, disease=_TEXT)
@settings(deadline=None, max_examples=300, database=None)
def test_texts_and_amounts_are_read_in_c_as_the_check_reads_them(
        code: str, name: str, amount: str, unit_price: str | None, item_class: str | None, ytd: str | None,
        disease: str) -> None:
    """Surrogates (in 2- and 4-byte strings), lengths, NUL, the amount pattern and limits, in C as in
    the Python check (``test_claim_fast`` draws the same texts and amounts)."""
    data = good_claim()
    line = {"code": code, "name": name, "category": "B", "amount": amount, "unit_price": unit_price}
    if item_class is not None:
        line["class"] = item_class
    data["lines"][1] = line
    data["visit"]["diseases"] = ["I21", disease]
    if ytd is not None:
        data["year_to_date"] = {"basic.paid": ytd}
    _same(jiujiang(), data, exact_types=True)


@functools.cache
def _corpus() -> Any:
    return load_corpus()


@given(index=st.integers(min_value=0, max_value=2**31))
@settings(deadline=None, max_examples=200, database=None, suppress_health_check=[HealthCheck.too_slow])
def test_mutated_claims_are_read_as_the_check_reads_them(index: int) -> None:
    corpus = _corpus()
    mutant = make_mutant("claim", 13, index, corpus, heavy=False)
    policy = _bundled().get(corpus.claim_policy.get(mutant.origin, ""))
    if policy is None or policy.read_view is None:
        return
    try:
        data = decode_json(mutant.data)
    except ClaimError:
        return
    _same(policy, data, exact_types=True)


class Loud:
    """A key or value whose methods must never run inside the reader."""

    ran: list[str] = []  # noqa: RUF012  (shared on purpose: any instance's call is recorded)

    def __init__(self, value: Any = "resident") -> None:
        self.value = value

    def __eq__(self, other: Any) -> bool:
        Loud.ran.append("__eq__")
        return bool(other == self.value)

    def __hash__(self) -> int:
        Loud.ran.append("__hash__")
        return hash(self.value)

    def __len__(self) -> int:
        Loud.ran.append("__len__")
        return 1


class Text(str):
    def __eq__(self, other: Any) -> bool:
        Loud.ran.append("Text.__eq__")
        return str.__eq__(self, other)

    __hash__ = str.__hash__


class Mapping(dict):  # type: ignore[type-arg]
    def __getitem__(self, key: Any) -> Any:
        Loud.ran.append("Mapping.__getitem__")
        return dict.__getitem__(self, key)


def _cyclic() -> list[Any]:
    loop: list[Any] = []
    loop.append(loop)
    return loop


def _deep(n: int) -> Any:
    value: Any = "x"
    for _ in range(n):
        value = [value]
    return value


_HOSTILE = st.sampled_from([
    None, True, False, 0, -1, 1, 2, 3, 2**63, -(2**63) - 1, 10**400, 1.5, float("nan"), float("inf"),
    "", "\x00", "A\x00", "\ud800", "a\udfff", "\U0001f600", "\U0001f600\udbff", "\U0001f600\ue000",
    "床" * 1001, "a" * 201, "12.34", "1.5",
    "0000000001.00", "99999999.99", "100000000.00", "1e3", "１２.００", "-1.00", "+1.00", " 1.00",
    "2024-02-30", "2024-03-18", "9999-12-31", b"bytes", [], {}, [1], {"a": 1}, (1,), frozenset({"I21"}),
    Text("resident"), Text("A"), Text("2024-03-18"), Mapping(), Loud(), Loud(2),
]) | st.builds(_cyclic) | st.builds(_deep, st.integers(1, 2_000)) | st.integers() | st.text(max_size=8)

_PLACES: list[tuple[str, ...]] = [
    ("id",), ("date",), ("person",), ("person", "id"), ("person", "scheme"), ("person", "category"),
    ("person", "age"), ("visit",), ("visit", "kind"), ("visit", "level"), ("visit", "region"),
    ("visit", "referral"), ("visit", "admission_no"), ("visit", "diseases"), ("lines",),
    ("lines", 0), ("lines", 0, "code"), ("lines", 0, "name"), ("lines", 0, "category"),
    ("lines", 0, "class"), ("lines", 0, "amount"), ("lines", 0, "unit_price"), ("lines", 0, "self_pay"),
    ("year_to_date",), ("year_to_date", "year"), ("year_to_date", "basic.deductible"), ("paid",),
    ("visit", "diseases", 0),
]


def _put(data: Any, place: tuple[Any, ...], value: Any) -> None:
    target = data
    for step in place[:-1]:
        target = target[step]
    target[place[-1]] = value


@given(changes=st.lists(st.tuples(st.sampled_from(_PLACES), _HOSTILE), min_size=1, max_size=3),
       key=st.none() | st.sampled_from([1, (1,), Loud("id"), Text("id"), Text("zzz"), "zzz", None]))
@settings(deadline=None, max_examples=300, database=None)
def test_hostile_values_are_declined_or_read_alike_and_run_no_code_of_theirs(
        changes: list[tuple[tuple[str, ...], Any]], key: Any) -> None:
    data = good_claim()
    data["year_to_date"] = {"year": 2024, "basic.deductible": "10.00"}
    if key is not None:  # a key that is not a str, a str subclass, or not a field's
        data["visit" if key != "zzz" else "person"][key] = "x"
    for place, value in changes:
        with contextlib.suppress(TypeError, KeyError, IndexError):  # gone: the claim is broken enough
            _put(data, place, value)
    Loud.ran.clear()
    reader, claims = jiujiang().read_view, jiujiang().read_claim
    assert reader is not None and claims is not None
    got = reader.read(data)  # type: ignore[attr-defined]
    assert (claims.read(data) is None) == (got is None)  # type: ignore[attr-defined]
    assert Loud.ran == []
    if got is not None:
        _same(jiujiang(), data, exact_types=False)


def test_large_and_odd_claims_do_not_crash() -> None:
    policy = jiujiang()
    assert policy.read_view is not None
    read = policy.read_view.read  # type: ignore[attr-defined]
    data = good_claim()
    data["lines"] = [dict(data["lines"][0]) for _ in range(10_000)]  # the most lines a claim may have
    assert _same(policy, data, exact_types=True) is not None
    data["lines"].append(dict(data["lines"][0]))
    assert read(data) is None and policy.fast_view(data) is None  # type: ignore[misc]
    data = good_claim()
    data["lines"][0]["amount"] = "99999999.99"
    data["lines"] = data["lines"] * 200  # one line object many times, a total over the limit
    assert read(data) == policy.fast_view(data)  # type: ignore[misc]
    for odd in ([], "claim", None, 5, {1: 2}, {"id": "x"}, {**good_claim(), "extra": 1}):
        assert read(odd) is None and policy.fast_view(odd) is None  # type: ignore[misc]
        assert policy.read_claim.read(odd) is None  # type: ignore[union-attr]
    with pytest.raises(TypeError):
        policy.read_view()  # type: ignore[call-arg]


def test_a_bad_table_is_refused_when_the_reader_is_built() -> None:
    from yibao.compiler import _claim_reader  # type: ignore[attr-defined]

    unknown_kind = (99, "k", False, None, 0, 0, 0, None, None, None)
    names = ClaimView._fields
    for spec in ((), (1, 2, 3, 4, 5, 6, 7, 8),
                 (((), (unknown_kind,)), ClaimView, 23, {}, len, 0, -1, len),
                 ((("k", "k"), ()), ClaimView, 23, {}, len, 0, -1, len)):  # a key twice
        with pytest.raises(ValueError):
            _claim_reader.Reader(spec)

    class Plain:  # a class with a __dict__ and no slots
        pass

    class Made:  # slots, but a __new__ of its own
        __slots__ = names

        def __new__(cls) -> Made:
            return super().__new__(cls)

    class Sub(Claim):  # the Claim's slots are not a subclass's own
        __slots__ = ()

    for record in (dict, (Claim, names[:-1]), (Claim, (*names[:-1], "nope")), (Claim, (*names[:-1], "id")),
                   (Claim, [*names]), (Claim, (*names[:-1], 5)), (Plain, names), (Made, names), (Sub, names),
                   (LineView, names), (Claim, names, None), (int, names)):
        with pytest.raises(ValueError, match="claim reader spec"):
            _claim_reader.Reader(((("k",), ()), record, 23, {}, len, 0, -1, len))
    assert _claim_reader.Reader(((("k",), ()), (Claim, names), 23, {}, len, 0, -1, len)).read({}) is None


def _rss_kb() -> int:
    with open("/proc/self/statm") as f:
        return int(f.read().split()[1]) * 4


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="reads /proc")
def test_no_reference_is_leaked() -> None:
    """Borrowed references: an input's refcount is unchanged after many reads. Owned ones: the
    resident memory stays flat over 60,000 reads, accepted and declined (tracemalloc cannot see C)."""
    policy = jiujiang()
    read_view: Callable[[Any], Any] = policy.read_view.read  # type: ignore[union-attr]
    read_claim: Callable[[Any], Any] = policy.read_claim.read  # type: ignore[union-attr]

    read_settle: Callable[[Any, Any], Any] = policy.read_claim.read_settle  # type: ignore[union-attr]

    def read(data: Any) -> Any:  # every reader: a view, a Claim, then a Claim summed and settled
        view = read_view(data)
        if view is not None:
            view = read_claim(data)
        settled = read_settle(data, policy.module.settle_sums)
        assert (settled is None) == (view is None)
        return view

    good = good_claim()
    good["year_to_date"] = {"year": 2023, "basic.deductible": "10.00"}  # another year: dropped
    bad = copy.deepcopy(good)
    bad["lines"][1]["amount"] = "1.5"  # declined after the first line was read
    code = good["lines"][0]["code"]
    before = sys.getrefcount(code), sys.getrefcount(good), sys.getrefcount(good["lines"])
    for _ in range(1_000):
        assert read(good) is not None and read(bad) is None
    gc.collect()
    assert (sys.getrefcount(code), sys.getrefcount(good), sys.getrefcount(good["lines"])) == before
    for _ in range(10_000):
        read(good), read(bad)
    start = _rss_kb()
    for _ in range(30_000):
        read(good), read(bad)
    assert _rss_kb() - start < 1_024  # a leaked view a read would be ~30 MB


def _line_sums(claim: Claim) -> tuple[int, int]:
    """Out of scope and first self-pay of Jiujiang's classification (A in, B 10% half-up, C out)."""
    out = sum(ln.amount for ln in claim.lines if ln.category == "C")
    return out, sum((ln.amount + 5) // 10 for ln in claim.lines if ln.category == "B")


@pytest.mark.skipif(not claim_reader.available(), reason="the C reader is not built")
def test_read_sums_sums_the_lines_by_the_policy_line_rules() -> None:
    """``read_sums`` gives the claim the full path validates and its lines' sums by LINE_RULES — at
    the limits too — its lines left flat until read; what it declines it declines as ``read``."""
    policy = jiujiang()
    reader = policy.read_claim
    assert policy.module.LINE_RULES == ((0, 0, 1, 0), (2, 1, 10, 0), (1, 0, 1, 0))
    edge = good_claim()
    edge["lines"] = [{"code": "B", "category": "B", "amount": "99999999.99"}] * 10 + [
        {"code": "C", "category": "C", "amount": "99999999.99"},
        {"code": "A", "category": "A", "amount": "0.00"},
        {"code": "B5", "category": "B", "amount": "0.05"}, {"code": "B4", "category": "B", "amount": "0.04"}]
    for data in (good_claim(), edge, *sample_policy_claims(policy, 50, 1301)):
        claim, out, fsp = reader.read_sums(data)  # type: ignore[union-attr]
        assert type(claim.lines) is PackedLines and unpack_lines(claim) is claim
        want = policy.full_claim(data)
        assert claim == want and all(type(ln) is Line for ln in claim.lines)
        assert (out, fsp) == _line_sums(want)
        assert reader.read_settle(data, lambda *got: got)[1:] == (out, fsp)  # type: ignore[union-attr]
    assert _line_sums(policy.full_claim(edge)) == (9_999_999_999, 10_000_000_001)
    for broken in ({**good_claim(), "lines": []}, {**good_claim(), "lines": ["A"]},
                   {**good_claim(), "lines": [{"category": "D", "amount": "1.00", "code": "x"}]},
                   {**edge, "lines": edge["lines"] * 1000}, [good_claim()]):  # too many lines; not a dict
        assert reader.read(broken) is None  # type: ignore[union-attr]
        assert reader.read_sums(broken) is None  # type: ignore[union-attr]
        assert reader.read_settle(broken, print) is None  # type: ignore[union-attr]
    no_rules = claim_reader.build_claims(policy_scope(policy), {})
    assert no_rules is not None and no_rules.read_sums(good_claim()) is None  # type: ignore[attr-defined]


def policy_scope(policy: yibao.Policy, *, applies_when: bool = True) -> claim_fast.Scope:
    """The scope ``Policy`` builds its readers from; without ``applies_when`` its readers call
    ``applies`` rather than test its conjuncts in C (``claim_reader.coverage``)."""
    return claim_fast.Scope(
        enums={**DEFAULT_ENUMS, **policy.enums}, year_start=policy.year_start, start=policy._start,
        end=policy._end, accumulators=policy.accumulators, given=policy.given, as_billed=policy.as_billed,
        priced=policy.priced, requires_age="person.age" in policy.requires, applies=policy._applies,
        applies_when=policy.ast.header.applies if applies_when else None)
