"""The AST nodes' shared ``__eq__``, ``__hash__`` and ``__repr__`` (``ast.node``) mean what
``@dataclass(frozen=True, slots=True)`` would have generated for each class."""

from __future__ import annotations

import dataclasses

import pytest
from yibao.dsl import ast
from yibao.dsl.parser import parse_file

from ..conftest import POLICIES


def _twin(cls: type) -> type:
    """The class as ``dataclass`` alone would make it: the same fields, its own generated methods."""
    specs = [(f.name, f.type, dataclasses.field(repr=f.repr, compare=f.compare))
             for f in dataclasses.fields(cls)]
    return dataclasses.make_dataclass(cls.__qualname__, specs, frozen=True, slots=True)


def _nodes() -> list[object]:
    found: list[object] = []
    for path in (POLICIES / "liaocheng" / "poverty_inpatient.yb",
                 POLICIES / "reform2023" / "county_package.yb"):
        policy = parse_file(path)
        found += [policy, *ast.walk(policy)]
        for node in list(ast.walk(policy)):
            found += [v for f in dataclasses.fields(node) for v in [getattr(node, f.name)]
                      if isinstance(v, ast.Span | ast.Label)]
    return found


def test_every_node_class_is_a_frozen_dataclass_with_slots() -> None:
    classes = [c for c in vars(ast).values() if isinstance(c, type) and c.__module__ == ast.__name__
               and dataclasses.is_dataclass(c)]
    assert len(classes) > 40
    for cls in classes:
        assert cls.__eq__ is ast._eq and cls.__hash__ is ast._hash and cls.__repr__ is ast._repr, cls
        assert "__slots__" in vars(cls) and cls.__dataclass_params__.frozen, cls  # type: ignore[attr-defined]


def test_eq_hash_and_repr_are_the_dataclass_ones() -> None:
    nodes = _nodes()
    assert {type(n) for n in nodes} >= {ast.Policy, ast.Layer, ast.Parameter, ast.Span, ast.Label}
    twins: dict[type, type] = {}
    for node in nodes:
        twin = twins.setdefault(type(node), _twin(type(node)))
        values = {f.name: getattr(node, f.name) for f in dataclasses.fields(node)}
        made = twin(**values)
        assert repr(node) == repr(made)
        assert hash(node) == hash(made)
        same = dataclasses.replace(node)
        assert node == same and hash(node) == hash(same)
        assert node != made  # another class: not equal, as between two dataclasses
    policy = parse_file(POLICIES / "jiujiang" / "resident_inpatient.yb")
    other = dataclasses.replace(policy, text="", texts={})  # fields with compare=False
    assert other == policy and hash(other) == hash(policy)
    assert dataclasses.replace(policy.header, name="x") != policy.header


def test_nodes_stay_frozen() -> None:
    span = ast.Span("f.yb", 1, 1, 1, 2)
    with pytest.raises(dataclasses.FrozenInstanceError):
        span.line = 2  # type: ignore[misc]
