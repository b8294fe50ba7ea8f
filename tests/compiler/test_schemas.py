"""The JSON Schemas: published as generated, and every bundled claim, record, test file and
settlement is valid against its schema (checked by a small validator of the keywords they use)."""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

import pytest
from yibao.compiler import schemas

import yibao
from yibao.fuzzing import load_corpus

ROOT = Path(__file__).resolve().parents[2]
TYPES = {"string": str, "integer": int, "boolean": bool, "object": dict, "array": list}


def problems(value: Any, schema: dict[str, Any], path: str = "$") -> list[str]:
    """Where ``value`` breaks ``schema`` (the draft 2020-12 keywords yibao's schemas use)."""
    out: list[str] = []
    kinds = schema.get("type")
    if kinds is not None:
        names = [kinds] if isinstance(kinds, str) else kinds
        ok = any(isinstance(value, TYPES[n]) and not (n == "integer" and isinstance(value, bool))
                 for n in names)
        if not ok:
            return [f"{path}: {type(value).__name__} is not {names}"]
    if "enum" in schema and value not in schema["enum"]:
        out.append(f"{path}: {value!r} not in enum")
    if "anyOf" in schema and all(problems(value, alt, path) for alt in schema["anyOf"]):
        firsts = [problems(value, a, path)[:1] for a in schema["anyOf"]]
        out.append(f"{path}: matches none of anyOf: {firsts}")
    if isinstance(value, str):
        if "pattern" in schema and not re.search(schema["pattern"], value):
            out.append(f"{path}: {value!r} does not match {schema['pattern']}")
        if len(value) > schema.get("maxLength", len(value)):
            out.append(f"{path}: too long")
    number = isinstance(value, int) and not isinstance(value, bool)
    if number and not schema.get("minimum", value) <= value <= schema.get("maximum", value):
        out.append(f"{path}: {value} out of range")
    if isinstance(value, list):
        if not schema.get("minItems", 0) <= len(value) <= schema.get("maxItems", len(value)):
            out.append(f"{path}: {len(value)} items")
        for i, item in enumerate(value):
            out += problems(item, schema.get("items", {}), f"{path}[{i}]")
    if isinstance(value, dict):
        props = schema.get("properties", {})
        out += [f"{path}.{k}: required" for k in schema.get("required", []) if k not in value]
        for key, needs in schema.get("dependentRequired", {}).items():
            if key in value:
                out += [f"{path}.{k}: required with {key}" for k in needs if k not in value]
        if len(value) > schema.get("maxProperties", len(value)):
            out.append(f"{path}: too many keys")
        extra = schema.get("additionalProperties", True)
        for key, item in value.items():
            if key in props:
                out += problems(item, props[key], f"{path}.{key}")
            elif extra is False:
                out.append(f"{path}.{key}: not allowed")
            elif isinstance(extra, dict):
                out += problems(item, extra, f"{path}.{key}")
    return out


@pytest.mark.parametrize("name", schemas.NAMES)
def test_the_published_schemas_are_the_generated_ones(name: str) -> None:
    published = (ROOT / "docs" / "schemas" / f"{name}.json").read_text(encoding="utf-8")
    assert published == schemas.schema_text(name), f"run `yibao schema {name} -o docs/schemas/{name}.json`"
    assert json.loads(published)["$schema"].endswith("2020-12/schema")


def _claims_of(data: Any) -> list[Any]:
    return data if isinstance(data, list) else [data]


def test_every_bundled_claim_and_record_is_valid_and_settles_to_a_valid_settlement() -> None:
    corpus = load_corpus()
    claim, record, settlement = (schemas.schema(n) for n in ("claim", "record", "settlement"))
    policies: dict[str, yibao.Policy] = {}
    for name, owner in sorted(corpus.claim_policy.items()):
        policy = policies.get(owner) or policies.setdefault(owner, yibao.load_policy(corpus.root / owner))
        for data in _claims_of(json.loads(corpus.claims[name])):
            assert problems(data, record if policy.input == "record" else claim) == [], name
            try:
                settled = policy.settle(data, trace=True)
            except yibao.YibaoError:
                continue  # a sample of a refusal (its schema check above still holds)
            for lines in (False, True):
                assert problems(json.loads(settled.to_json(lines=lines)), settlement) == [], name


def test_every_bundled_test_file_is_valid() -> None:
    tests = schemas.schema("tests")
    files = sorted((ROOT / "policies").rglob("*.tests.json"))
    assert files
    for path in files:
        assert problems(json.loads(path.read_text(encoding="utf-8")), tests) == [], path


@pytest.mark.parametrize(("change", "where"), [
    (lambda d: d["lines"][0].update(amount="12.345"), "$.lines[0].amount"),
    (lambda d: d["lines"][0].update(self_pay="1.00"), "$.lines[0].over_limit"),
    (lambda d: d["visit"].update(level="9"), "$.visit.level"),
    (lambda d: d.update(lnes=[]), "$.lnes"),
    (lambda d: d["person"].pop("scheme"), "$.person.scheme"),
])
def test_the_claim_schema_refuses_what_the_validator_refuses(change: Any, where: str) -> None:
    data = json.loads((ROOT / "policies/jiujiang/claims/level2_local.json").read_text(encoding="utf-8"))
    assert problems(data, schemas.schema("claim")) == []
    change(data)
    assert any(p.startswith(where) for p in problems(data, schemas.schema("claim"))), problems(
        data, schemas.schema("claim"))
    with pytest.raises(yibao.ClaimError):
        yibao.parse_claim(data)


def test_a_policy_s_own_value_sets_enter_its_claim_schema() -> None:
    policy = yibao.load_policy(ROOT / "policies/jiujiang/resident_outpatient.yb")
    levels = schemas.schema("claim", policy.enums)["properties"]["visit"]["properties"]["level"]["enum"]
    assert set(policy.enums["visit.level"]) <= set(levels)
