"""Trace steps: the compiled policy records raw figures; this turns them into steps.

Recording is a tuple append on the traced path; formatting happens only when a
person (the CLI, the explainer, a snapshot) reads the trace.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Callable, Sequence
from functools import cache
from typing import Any, NamedTuple

from .claims import Claim
from .money import money_display, rate_display
from .runtime import PolicyMeta

_SLOT = re.compile(r"\{(\d+):([mrcdtb])\}")


class Input(NamedTuple):
    """A parameter a step read, with the value and the version that applied."""

    name: str
    zh: str
    en: str
    value: str
    effective_from: str | None
    branch: str | None  # the table row or exception that gave the value


class Step(NamedTuple):
    index: int
    rule: str
    kind: str
    zh: str
    en: str
    citation: str
    file: str
    line: int
    end_line: int
    formula: str
    formula_zh: str  # the same formula, in Chinese
    result: str | None
    inputs: tuple[Input, ...]
    claim_line: int | None  # index of the bill line the step is about

    def label(self, lang: str = "zh") -> str:
        return self.zh if lang == "zh" else self.en

    def formula_in(self, lang: str = "zh") -> str:
        return self.formula_zh if lang == "zh" else self.formula

    def to_dict(self) -> dict[str, Any]:
        d = self._asdict()
        d["inputs"] = [i._asdict() for i in self.inputs]
        return d


def _date(ordinal: int) -> str:
    return dt.date.fromordinal(ordinal).isoformat()


def _bool(value: object) -> str:
    return "true" if value else "false"


_FORMATTERS: dict[str, Callable[[Any], str]] = {
    "m": money_display, "r": rate_display, "d": _date, "b": _bool, "c": str, "t": str,
}


def fmt_value(value: Any, code: str) -> str:
    return _FORMATTERS[code](value)


@cache
def _compiled(template: str) -> tuple[tuple[str, int, Callable[[Any], str]], ...]:
    """A template as (literal text, slot, formatter) triples, parsed once per template."""
    parts = []
    pos = 0
    for m in _SLOT.finditer(template):
        parts.append((template[pos : m.start()], int(m.group(1)), _FORMATTERS[m.group(2)]))
        pos = m.end()
    parts.append((template[pos:], -1, str))
    return tuple(parts)


def _fill(template: str, values: Sequence[Any]) -> str:
    out = []
    for literal, slot, fmt in _compiled(template):
        out.append(literal)
        if slot >= 0:
            out.append(fmt(values[slot]))
    return "".join(out)


def render_steps(
    meta: PolicyMeta, claim: Claim, records: Sequence[tuple[int, tuple[Any, ...]]]
) -> list[Step]:
    """Format recorded figures into steps; parameter steps become the inputs of later steps."""
    params: dict[str, Input] = {}
    steps: list[Step] = []
    for site_id, values in records:
        site = meta.sites[site_id]
        inputs = tuple(params[name] for name in site.inputs if name in params)
        line, end_line, file = site.line, site.end_line, site.file or meta.file
        citation = site.cite
        if site.kind == "parameter":
            info = meta.params[site.rule.split(":", 1)[1]]
            value, version, exception, row = values
            start, rows = info.versions[version] if version >= 0 else ("", ())
            branch = None
            if exception >= 0:
                ex_name, ex_zh, ex_en, rows, citation = info.exceptions[exception]
                branch = f"exception {ex_name} ({ex_zh} / {ex_en})"
                if row >= 0:
                    branch += f", row `{rows[row][0]}`"
                start = ""
            elif row >= 0:
                branch = f"row `{rows[row][0]}`"
            # The step points at the row (or value) that gave the figure.
            if rows:
                entry = rows[max(row, 0)]
                line = end_line = entry[1]
                file = entry[2] if len(entry) > 2 else meta.file
            params[info.name] = Input(info.name, info.zh, info.en, fmt_value(value, info.type),
                                      start or None, branch)
            inputs = (params[info.name],)
        claim_line = values[0] if site.kind == "classify" else None
        result = fmt_value(values[site.result], site.result_code) if site.result >= 0 else None
        formula = _fill(site.template, values)
        steps.append(Step(
            index=len(steps), rule=site.rule, kind=site.kind, zh=site.zh, en=site.en,
            citation=citation, file=file, line=line, end_line=end_line,
            formula=formula, formula_zh=_fill(site.template_zh, values) if site.template_zh else formula,
            result=result, inputs=inputs,
            claim_line=claim_line,
        ))
    return steps
