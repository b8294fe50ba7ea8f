"""Rule coverage: which of a policy's rules the settled claims exercised, read from their traces.

``yibao test --coverage`` counts, per policy, the table rows, exceptions, bands,
classification rows, caps and layers that fired while its test cases were settled.
The rule table is built from the compiled policy's metadata and counted from the
traced settlements alone, so it is its own job, apart from running and reporting the
cases (``policytest.py``).
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from yibao.compiler import phrases
from yibao.compiler.constructs import CONSTRUCTS, PARAMETER, Construct
from yibao.compiler.loader import Policy
from yibao.compiler.runtime import Settlement
from yibao.compiler.text_width import pad

if TYPE_CHECKING:
    from yibao.policytest import TestRun

__all__ = ["Coverage", "Rule", "coverage_json"]


@dataclass
class Rule:
    """A rule that can fire or not: a table row, an exception, a band, a layer, …"""

    kind: str  # row / version / exception / classify / band / cap / ceiling / layer / skip
    label: str
    file: str
    line: int
    hits: int = 0
    label_zh: str = ""  # the rule in Chinese, for the report under ``lang zh`` (JSON keeps ``label``)

    def text(self, lang: str) -> tuple[str, str]:
        """(kind, label) as the report shows them in ``lang``."""
        if lang == "zh":
            return KINDS_ZH.get(self.kind, self.kind), self.label_zh or self.label
        return self.kind, self.label


# The rule kinds in Chinese; the JSON's ``kind`` stays the English key.
KINDS_ZH = {"row": "表格行", "version": "版本", "exception": "例外", "classify": "分类", "band": "分段",
            "cap": "限额", "ceiling": "封顶线", "layer": "支付层", "skip": "不适用"}


class Coverage:
    """Which of a policy's rules the settled claims exercised, read from their traces.

    Rows and exceptions come from the parameter steps' recorded (version, exception, row);
    bands, classification rows and layers from which steps were recorded at all; caps and
    ceilings count only when they bound. Plain one-value parameters are not listed: they
    always apply.
    """

    def __init__(self, policy: Policy, path: str = "") -> None:
        self.policy_id = policy.id
        self.path = path or str(policy.ast.path)
        meta = policy.meta
        self.meta = meta
        self.rules: dict[tuple[Any, ...], Rule] = {}
        self.claims = 0

        def rule(key: tuple[Any, ...], kind: str, label: str, entry: tuple[Any, ...], label_zh: str) -> None:
            """``entry`` is a row (keys, line[, file]) or a site's (line, file)."""
            self.rules[key] = Rule(kind, label, (entry[2] if len(entry) > 2 else "") or meta.file, entry[1],
                                   label_zh=label_zh)

        for name, info in meta.params.items():
            multi = len(info.versions) > 1
            for v, (start, rows) in enumerate(info.versions):
                since, since_zh = (f" (from {start})", f"（自 {start} 起）") if multi else ("", "")
                for r, row in enumerate(rows):
                    if row[0]:
                        rule(("row", name, v, r), "row", f"{name}: row `{row[0]}`{since}", row,
                             f"{name}：表格行 `{row[0]}`{since_zh}")
                    elif multi:
                        rule(("version", name, v), "version", f"{name}: from {start}", row,
                             f"{name}：自 {start} 起")
            for x, (ex, zh, en, rows, _cite) in enumerate(info.exceptions):
                rule(("exception", name, x), "exception", f"{name}: exception {ex} ({en})",
                     rows[0] if rows else ("", info.line), f"{name}：例外 {ex}（{zh}）")
                for r, row in enumerate(rows):
                    if row[0]:
                        rule(("exrow", name, x, r), "row", f"{name}: exception {ex}, row `{row[0]}`", row,
                             f"{name}：例外 {ex}，表格行 `{row[0]}`")
        # The rules a step counts for: each construct names its rule kind (``Construct.coverage``)
        # and its label (phrases.py, ``coverage``); ``hit`` tells whether a recorded step counts.
        self._counted: dict[int, Construct] = {}
        for sid, site in enumerate(meta.sites):
            c = CONSTRUCTS[site.construct]
            if c.coverage is None:
                continue
            context = {"layer": site.layer, "rule": site.rule, "label": site.en,
                       "category": site.en.removeprefix("classify ")}
            label = phrases.fill(phrases.phrase(c.name, "coverage", "en"), {}, str, context)
            # in Chinese a layer is named by its label, as the letters name it
            context_zh = {"layer": site.zh, "rule": site.rule, "label": site.zh, "category": site.zh}
            label_zh = phrases.fill(phrases.phrase(c.name, "coverage", "zh"), {}, str, context_zh)
            rule(("site", sid), c.coverage, label, ("", site.line, site.file), label_zh)
            self._counted[sid] = c

    def add(self, s: Settlement) -> None:
        """Count what one traced settlement exercised."""
        if s.records is None:
            raise ValueError("coverage needs settlements made with trace=True")
        self.claims += 1
        sites = self.meta.sites
        counted = self._counted
        hit: set[tuple[Any, ...]] = set()
        for sid, values in s.records:
            c = counted.get(sid)
            if c is not None:
                if c.hit(c.named(values)):
                    hit.add(("site", sid))
            elif sites[sid].construct == PARAMETER.name:
                name = sites[sid].subject
                p = PARAMETER.named(values)
                v, x, r = p["version"], p["exception"], p["row"]
                if x >= 0:
                    hit.update({("exception", name, x), ("exrow", name, x, r)})
                else:
                    hit.update({("row", name, v, r), ("version", name, v)})
        for key in hit:
            rule = self.rules.get(key)
            if rule is not None:
                rule.hits += 1

    @property
    def total(self) -> int:
        return len(self.rules)

    @property
    def covered(self) -> int:
        return sum(1 for r in self.rules.values() if r.hits)

    @property
    def percent(self) -> float:
        return 100.0 * self.covered / self.total if self.total else 100.0

    def ordered(self) -> list[Rule]:
        """Rules in the order of the policy text: the policy's own file first, then its bases."""
        return sorted(self.rules.values(), key=lambda r: (r.file != self.meta.file, r.file, r.line))

    def missed(self) -> list[Rule]:
        return [r for r in self.ordered() if not r.hits]

    def to_dict(self) -> dict[str, Any]:
        return {
            "policy": self.policy_id,
            "file": self.path,
            "claims": self.claims,
            "rules": self.total,
            "covered": self.covered,
            "percent": round(self.percent, 2),
            "items": [{"kind": r.kind, "rule": r.label, "file": r.file, "line": r.line, "hits": r.hits}
                      for r in self.ordered()],
        }

    def format(self, *, all_rules: bool = False, lang: str = "en") -> str:
        """One line per policy, then the rules that never fired (or every rule with its count)."""
        if lang == "zh":
            out = [f"{self.policy_id}（{self.path}）：{self.covered}/{self.total} 条规则，"
                   f"{self.percent:.1f}%，共 {self.claims} 份结算单"]
        else:
            out = [f"{self.policy_id} ({self.path}): {self.covered}/{self.total} rules, {self.percent:.1f}%"
                   f" over {self.claims} claim{'s' if self.claims != 1 else ''}"]
        shown = self.ordered() if all_rules else self.missed()
        if shown:
            head = {("zh", True): "  全部规则：", ("zh", False): "  从未触发：",
                    ("en", True): "  every rule:", ("en", False): "  never fired:"}
            out.append(head[("zh" if lang == "zh" else "en", all_rules)])
            for r in shown:
                hits = f"{r.hits:>5}  " if all_rules else ""
                kind, label = r.text(lang)
                out.append(f"    {hits}{r.file}:{r.line}  {pad(kind, 9)} {label}")
        return "\n".join(out) + "\n"


def coverage_json(run: TestRun) -> str:
    """Every policy's coverage of a test run, as the JSON of ``--coverage-json``."""
    data = {"policies": [c.to_dict() for c in run.coverage.values()]}
    return json.dumps(data, ensure_ascii=False, indent=2)
