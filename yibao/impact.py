"""The impact of a policy change: settle the same claims under two policies and compare.

``yibao diff OLD.yb NEW.yb --claims PATH`` runs on this module. Every claim is settled
on the fast path under both policies; only the claims shown as the largest changes are
settled again with a trace, to find the first step where the two settlements part. All
sums are integer fen; averages are rounded half-up to the fen only when they are shown.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from decimal import ROUND_HALF_UP, Decimal
from pathlib import Path
from typing import Any

from yibao.compiler.loader import Policy
from yibao.compiler.money import money_display, money_str
from yibao.compiler.text_width import columns
from yibao.compiler.trace import Step
from yibao.dsl.errors import ClaimError, ClaimIssue
from yibao.dsl.phrase import P

__all__ = ["ClaimChange", "Impact", "StepDiff", "diff_policies", "first_difference", "read_claims"]

PERSON = "person"  # the key of the person's figure next to the payers


# ---------------------------------------------------------------------------- reading claims


def _drop_nulls(value: Any) -> Any:
    """Parquet rows carry a null for every field a claim left out; the contract has no nulls."""
    if isinstance(value, dict):
        return {k: _drop_nulls(v) for k, v in value.items() if v is not None}
    if isinstance(value, list):
        return [_drop_nulls(v) for v in value]
    return value


def _parquet_claims(path: Path) -> Iterator[tuple[str, Any]]:
    import pyarrow.parquet as pq

    from yibao.parquet_checks import checked_batch

    try:
        table = pq.read_table(path)
    except Exception as err:  # pyarrow raises several types for a file that is not Parquet
        raise ClaimError([ClaimIssue("$", P("cannot read as Parquet: {reason}", reason=str(err)))],
                         str(path)) from None
    for batch in table.to_batches():  # texts, dictionary indices, dates as a claim can hold them
        checked_batch(batch, path)
    if "person_id" in table.column_names:  # the columnar schema (docs/columnar.md)
        from yibao.compiler.columnar_format import table_to_claims

        for i, claim in enumerate(table_to_claims(table)):
            yield f"{path}[{i}]", claim
        return
    # A single text column ``claim`` holds claims as JSON; otherwise the columns are the claim's fields.
    as_json = table.column_names == ["claim"]
    for i, row in enumerate(table.to_pylist()):
        source = f"{path}[{i}]"
        if as_json:
            try:
                yield source, json.loads(row["claim"])
            except (TypeError, json.JSONDecodeError) as err:
                raise ClaimError([ClaimIssue("claim", P("not valid JSON: {reason}", reason=str(err)))],
                                 source) from None
        else:
            yield source, _drop_nulls(row)


def _jsonl_claims(path: Path) -> Iterator[tuple[str, Any]]:
    """Each line's claim, read as a claim file's bytes are (``decode_json``: UTF-8 or refused at
    its line, repeated keys, NaN, depth), not as text that may not decode."""
    from yibao.compiler.json_input import decode_json

    with path.open("rb") as f:
        for n, line in enumerate(f, 1):
            if not line.strip():
                continue
            where = f"{path}:{n}"
            yield where, decode_json(line, where)  # a byte-order mark allowed, as in a claim file


def read_claims(path: str | Path) -> Iterator[tuple[str, Any]]:
    """(where it came from, claim JSON) for each claim in a folder, a ``.jsonl`` or a ``.parquet`` file.

    A folder is read recursively, ``*.json`` files in name order; a single ``.json`` file
    may hold one claim or a list of claims.
    """
    from yibao.compiler.claims import load_claim_json

    p = Path(path)
    if p.is_dir():
        for file in sorted(p.rglob("*.json")):
            yield str(file), load_claim_json(file)
    elif p.suffix == ".parquet":
        yield from _parquet_claims(p)
    elif p.suffix == ".jsonl":
        yield from _jsonl_claims(p)
    else:
        data = load_claim_json(p)
        if isinstance(data, list):
            for i, item in enumerate(data):
                yield f"{p}[{i}]", item
        else:
            yield str(p), data


# ---------------------------------------------------------------------------- comparing traces


@dataclass(frozen=True)
class StepDiff:
    """The first trace step where two settlements of one claim part (``None`` on a side that ran out)."""

    index: int
    old: Step | None
    new: Step | None

    def to_dict(self) -> dict[str, Any]:
        def side(step: Step | None) -> dict[str, Any] | None:
            if step is None:
                return None
            return {"rule": step.rule, "file": step.file, "line": step.line, "formula": step.formula,
                    "result": step.result,
                    "inputs": [{"name": i.name, "value": i.value, "branch": i.branch} for i in step.inputs]}

        return {"index": self.index, "old": side(self.old), "new": side(self.new)}

    def describe(self, lang: str = "en") -> list[str]:
        """Two lines: the step under the old policy and under the new one."""
        out = []
        zh = lang == "zh"
        for tag, step in (("old", self.old), ("new", self.new)):
            shown = {"old": "旧", "new": "新"}[tag] if zh else tag
            if step is None:
                out.append(f"{shown}: " + (f"（没有第 {self.index + 1} 步）" if zh
                                           else f"(no step {self.index + 1})"))
                continue
            if zh:
                branch = "".join(f" [{i.zh}：{i.branch_zh or i.branch}]" for i in step.inputs if i.branch)
                out.append(f"{shown}：第 {self.index + 1} 步 {step.zh}（{step.file}:{step.line}）："
                           f"{step.formula_zh}{branch}")
                continue
            branch = "".join(f" [{i.name}: {i.branch}]" for i in step.inputs if i.branch)
            out.append(f"{tag}: step {self.index + 1} {step.rule} ({step.file}:{step.line}): "
                       f"{step.formula}{branch}")
        return out


def _computed(step: Step) -> tuple[Any, ...]:
    """What a step computed: its rule, the construct that recorded it, its layer and band, and its
    figures by name (``Step.values``), not the words its formula puts round them."""
    return step.rule, step.construct, step.layer, step.ordinal, step.values, step.result


def first_difference(old: Sequence[Step], new: Sequence[Step]) -> StepDiff | None:
    """The first step whose rule or figures differ; wording and line numbers do not count."""
    for i in range(max(len(old), len(new))):
        a = old[i] if i < len(old) else None
        b = new[i] if i < len(new) else None
        if a is None or b is None or _computed(a) != _computed(b):
            return StepDiff(i, a, b)
    return None


# ---------------------------------------------------------------------------- the comparison


@dataclass
class ClaimChange:
    """One claim whose figures differ between the policies."""

    claim: str
    source: str
    level: str | None
    category: str | None
    old: dict[str, int]  # payer (and ``person``) → fen
    new: dict[str, int]
    step: StepDiff | None = None

    @property
    def delta(self) -> dict[str, int]:
        return {k: self.new.get(k, 0) - self.old.get(k, 0) for k in dict.fromkeys([*self.old, *self.new])}

    @property
    def size(self) -> int:
        """How large the change is: what moved between the payers and the person, in fen."""
        return sum(abs(v) for v in self.delta.values())


@dataclass
class Group:
    """Claims of one hospital level or person category."""

    claims: int = 0
    changed: int = 0
    delta: dict[str, int] = field(default_factory=dict)


@dataclass
class Refusal:
    claim: str
    source: str
    side: str  # "old", "new" or "both"
    message: str


@dataclass
class Impact:
    """What changes when ``new`` replaces ``old`` on a set of claims."""

    old_path: str
    new_path: str
    old_id: str
    new_id: str
    payers: list[str]  # old's layers, then layers only new has
    claims: int = 0
    changed: int = 0
    old_total: dict[str, int] = field(default_factory=dict)
    new_total: dict[str, int] = field(default_factory=dict)
    changes: list[ClaimChange] = field(default_factory=list)  # every changed claim (if kept), in claim order
    largest: list[ClaimChange] = field(default_factory=list)
    by_level: dict[str, Group] = field(default_factory=dict)
    by_category: dict[str, Group] = field(default_factory=dict)
    refused: list[Refusal] = field(default_factory=list)  # the first examples, in claim order
    refused_sides: dict[str, int] = field(default_factory=lambda: dict.fromkeys(("old", "new", "both"), 0))

    @property
    def keys(self) -> list[str]:
        return [*self.payers, PERSON]

    @property
    def settled(self) -> int:
        """Claims settled under both policies."""
        return self.claims - sum(self.refused_sides.values())

    @property
    def refused_by_one(self) -> int:
        """Claims one policy settles and the other refuses: a change too."""
        return self.refused_sides["old"] + self.refused_sides["new"]

    def delta(self, key: str) -> int:
        return self.new_total.get(key, 0) - self.old_total.get(key, 0)

    # ------------------------------------------------------------ machines
    def to_dict(self, *, all_changes: bool = False) -> dict[str, Any]:
        """The report as JSON-ready data; amounts as two-decimal strings, averages to the fen."""

        def figures(d: Mapping[str, int]) -> dict[str, str]:
            return {k: money_str(d.get(k, 0)) for k in self.keys}

        def group(g: Group) -> dict[str, Any]:
            return {"claims": g.claims, "changed": g.changed, "change": figures(g.delta)}

        def change(c: ClaimChange) -> dict[str, Any]:
            return {"claim": c.claim, "source": c.source, "level": c.level, "category": c.category,
                    "old": figures(c.old), "new": figures(c.new), "change": figures(c.delta),
                    "first_difference": c.step.to_dict() if c.step else None}

        data: dict[str, Any] = {
            "old": {"policy": self.old_id, "file": self.old_path},
            "new": {"policy": self.new_id, "file": self.new_path},
            "claims": self.claims,
            "settled": self.settled,
            "changed": self.changed,
            "refused": {**self.refused_sides,
                        "examples": [vars(r) for r in self.refused[:10]]},
            "payers": {
                k: {"old": money_str(self.old_total.get(k, 0)), "new": money_str(self.new_total.get(k, 0)),
                    "change": money_str(self.delta(k)),
                    "mean_per_claim": str(_mean(self.delta(k), self.settled)),
                    "mean_per_changed_claim": str(_mean(self.delta(k), self.changed))}
                for k in self.keys
            },
            "largest": [change(c) for c in self.largest],
            "by_level": {k: group(g) for k, g in self.by_level.items()},
            "by_category": {k: group(g) for k, g in self.by_category.items()},
        }
        if all_changes:
            data["changes"] = [change(c) for c in self.changes]
        return data

    # ------------------------------------------------------------ people
    def format(self, lang: str = "en") -> str:
        """The report as plain text, fixed columns, for a terminal or a CI log (zh or en)."""
        def w(en: str, zh: str) -> str:
            return zh if lang == "zh" else en

        out = [w(f"Impact of {self.new_path} ({self.new_id})", f"{self.new_path}（{self.new_id}）的影响"),
               w(f"  against {self.old_path} ({self.old_id})", f"  对比 {self.old_path}（{self.old_id}）"),
               ""]
        share = f" ({100 * self.changed / self.settled:.2f}%)" if self.settled else ""
        out.append(w(f"{self.changed:,} of {self.settled:,} claims changed{share}",
                     f"{self.settled:,} 份结算单中 {self.changed:,} 份有变化{share}"))
        if self.refused:
            sides = self.refused_sides
            out.append(w(f"refused: {sides['old']:,} by the old policy only, "
                         f"{sides['new']:,} by the new one only, {sides['both']:,} by both",
                         f"被拒绝：仅旧政策 {sides['old']:,} 份，仅新政策 {sides['new']:,} 份，"
                         f"两者 {sides['both']:,} 份"))
            side_zh = {"old": "旧", "new": "新", "both": "两者"}
            for r in self.refused[:5]:
                out.append(f"  {r.claim} ({w(r.side, side_zh[r.side])}): {r.message.splitlines()[0]}")
        out.append("")
        rows = [("", w("old total", "旧合计"), w("new total", "新合计"), w("change", "变化"),
                 w("per claim", "每份"), w("per changed claim", "每份有变化的"))]
        for k in self.keys:
            rows.append((k, money_display(self.old_total.get(k, 0)), money_display(self.new_total.get(k, 0)),
                         _signed(self.delta(k)), _signed_decimal(_mean(self.delta(k), self.settled)),
                         _signed_decimal(_mean(self.delta(k), self.changed))))
        out += columns(rows)
        if self.largest:
            out += ["", w("Largest changes:", "变化最大的结算单：")]
            for c in self.largest:
                level = (w(f"level {c.level}", f"{c.level}级") if c.level else "")
                where = ", ".join(x for x in (level, c.category or "") if x)
                moved = ", ".join(f"{k} {_signed(v)}" for k, v in c.delta.items() if v)
                out.append(f"  {c.claim}" + (f" ({where})" if where else "") + f": {moved}")
                if c.step is not None:
                    out += [f"      {line}" for line in c.step.describe(lang)]
        for title, zh_title, groups in (("hospital level", "医院级别", self.by_level),
                                        ("person category", "人员类别", self.by_category)):
            if not groups:
                continue
            out += ["", w(f"By {title}:", f"按{zh_title}：")]
            rows = [(w(title.split()[-1], zh_title), w("claims", "结算单"), w("changed", "有变化"),
                     *[w(f"{k} change", f"{k} 变化") for k in self.keys])]
            for name, g in groups.items():
                deltas = [_signed(g.delta.get(k, 0)) for k in self.keys]
                rows.append((name, f"{g.claims:,}", f"{g.changed:,}", *deltas))
            out += columns(rows, indent=2)
        return "\n".join(out) + "\n"


def _mean(fen: int, n: int) -> Decimal:
    if n == 0:
        return Decimal("0.00")
    return (Decimal(fen) / Decimal(n) / 100).quantize(Decimal("0.01"), rounding=ROUND_HALF_UP)


def _signed(fen: int) -> str:
    return ("+" if fen > 0 else "") + money_display(fen)


def _signed_decimal(value: Decimal) -> str:
    return ("+" if value > 0 else "") + f"{value:,.2f}"


def diff_policies(
    old: Policy,
    new: Policy,
    claims: Iterable[tuple[str, Any]],
    *,
    top: int = 10,
    old_path: str = "",
    new_path: str = "",
    progress: Callable[[int], None] | None = None,
    all_changes: bool = True,
    chunk: int = 65_536,
    engine: str = "scalar",
) -> Impact:
    """Settle every ``(source, claim)`` under both policies and collect the differences.

    Each person's claims are settled in date order carrying year_to_date (``impact_run``);
    ``progress`` is called with the number of claims done after each chunk. A claim one
    policy refuses (out of its scope, dates or value sets) is counted, not raised.
    """
    from yibao.impact_run import _pairs_chunks, diff_claims, engine_for

    engine, _notes = engine_for(old, new, engine)
    sources: list[str] = []
    records = old.input != "claim" or new.input != "claim"
    chunks = _pairs_chunks(claims, chunk, sources, as_tables=not records)
    return diff_claims(old, new, chunks, sources.__getitem__, top=top, all_changes=all_changes,
                       engine=engine, old_path=old_path, new_path=new_path, progress=progress)
