"""A policy's many parameters as helper functions of bounded size, called from ``settle``.

A policy of a few dozen parameters computes them in line, at the start of ``settle`` and
``settle_traced``. A policy of thousands would make each of those functions (and
``settle_sums``, which repeats ``settle``) thousands of statements long: CPython compiles one
long function more slowly than the same statements in short ones, and emitting the same code
into ``settle`` and ``settle_sums`` doubles the module. Past ``_INLINE_PARAMS`` parameters,
the parameters computed before classification are therefore emitted in groups of about
``_GROUP_LINES`` lines, each a module-level function ``_params_N(c, <the parameters it reads
from earlier groups>)`` returning the parameters that anything outside the group reads
(``_params_traced_N(c, t, …)`` also records each step, in the same order as in line). The fast
groups are shared by ``settle`` and ``settle_sums``.

Each group's lines keep their policy lines in the linemap, so an error raised inside one is
reported at the line of the parameter that raised it, as in line.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

from yibao.dsl import ast
from yibao.dsl.checks import CheckedPolicy
from yibao.dsl.checks_layers import names_in

from .codegen_expr import _FIELDS, _QUANTITY_VARS

# Up to this many parameters before classification are computed in line (every bundled policy):
# readable, and no call in between. More are computed in groups.
_INLINE_PARAMS = 64
# A group closes once it holds this many lines: each function stays short whatever the policy's size.
_GROUP_LINES = 400


def _reads_only_claim(p: ast.Parameter, params: Mapping[str, object]) -> bool:
    """Whether a parameter's code reads nothing of ``settle`` but the claim ``c`` and parameters:
    no quantity, no line field, no result of a layer (those exist only further down ``settle``)."""
    for n in ast.walk(p):
        if isinstance(n, ast.Field):  # a record's or the claim's own field; not a line's, not a layer's
            if n.path[0] != "record" and (n.dotted not in _FIELDS or n.path[0] == "line"):
                return False
        elif isinstance(n, ast.Name) and n.name in _QUANTITY_VARS and n.name not in params:
            return False
    return True


class ParamGroups:
    """Emits a run of parameters in line, or as calls to grouped helper functions."""

    c: CheckedPolicy
    p: ast.Policy
    w: Any  # codegen._Writer
    parameter: Callable[[ast.Parameter, bool], None]

    def init_groups(self) -> None:
        """The groups' state, empty: what each parameter reads, the calls of each run, the group
        functions' lines (with their policy lines) and how many of each kind are numbered."""
        self._only_claim: dict[str, bool] = {}
        self._group_calls: dict[tuple[bool, tuple[str, ...]], list[tuple[str | ast.Parameter, ast.Span]]] = {}
        self.group_lines: list[tuple[str, tuple[str, int]]] = []
        self._group_numbers: dict[bool, int] = {}
        self._outside_reads: tuple[dict[str, set[str]], set[str]] | None = None

    def _group_writer(self) -> Any:
        """A fresh writer of the generator's kind for one group's body, one level in."""
        body = type(self.w)(self.p.path)
        body.depth = 1
        return body

    def _read_outside(self) -> tuple[dict[str, set[str]], set[str]]:
        """Which parameters read each parameter, and which parameters the rest of the policy reads
        (worked out on the first group, kept for the others)."""
        if self._outside_reads is None:
            readers: dict[str, set[str]] = {}
            for name, deps in self.c.param_deps.items():
                for dep in deps:
                    readers.setdefault(dep, set()).add(name)
            rest = (self.p.header, self.p.classify, *self.p.layers, *self.p.checks)
            outside = {n for node in rest if node is not None for n in names_in(node) if n in self.c.params}
            self._outside_reads = (readers, outside)
        return self._outside_reads

    def parameters(self, params: list[ast.Parameter], traced: bool) -> None:
        """``params`` (in dependency order) into the function being written: in line when few,
        else each run of claim-only parameters as calls to groups of bounded size."""
        only_claim = self._only_claim
        for p in params:
            if p.name not in only_claim:
                only_claim[p.name] = _reads_only_claim(p, self.c.params)
        if sum(only_claim[p.name] for p in params) <= _INLINE_PARAMS:
            for p in params:
                self.parameter(p, traced)
            return
        key = (traced, tuple(p.name for p in params))
        calls = self._group_calls.get(key)
        if calls is None:
            calls = self._group_calls[key] = self._groups(params, traced)
        for call, span in calls:
            if isinstance(call, ast.Parameter):  # a parameter left in line
                self.parameter(call, traced)
            else:
                self.w(call, span)

    def _groups(self, params: list[ast.Parameter], traced: bool) -> list[tuple[str | ast.Parameter,
                                                                                ast.Span]]:
        """Write the group functions; return the lines that call them (a parameter: left in line)."""
        helpers = self.group_lines
        calls: list[tuple[str | ast.Parameter, ast.Span]] = []
        run: list[ast.Parameter] = []
        body = self._group_writer()

        def close() -> None:
            nonlocal body
            if run:
                calls.append(self._group(run, body, traced, helpers))
                run.clear()
                body = self._group_writer()

        for p in params:
            if not self._only_claim[p.name]:
                close()
                calls.append((p, p.span))
                continue
            saved, self.w = self.w, body
            try:
                self.parameter(p, traced)
            finally:
                self.w = saved
            run.append(p)
            if len(body.lines) >= _GROUP_LINES:
                close()
        close()
        return calls

    def _group(self, run: list[ast.Parameter], body: Any, traced: bool,
               helpers: list[tuple[str, tuple[str, int]]]) -> tuple[str, ast.Span]:
        """One group's function into ``helpers``; the line of ``settle`` that calls it."""
        readers, outside = self._read_outside()
        members = {p.name for p in run}
        takes = sorted({d for p in run for d in self.c.param_deps[p.name]} - members)
        gives = [p.name for p in run if p.name in outside or readers.get(p.name, set()) - members]
        numbers = self._group_numbers
        numbers[traced] = number = numbers.get(traced, -1) + 1
        name = f"_params_traced_{number}" if traced else f"_params_{number}"
        args = ", ".join(["c", *(["t"] if traced else []), *(f"p_{n}" for n in takes)])
        first, last = (run[0].span.file, run[0].span.line), (run[-1].span.file, run[-1].span.line)
        helpers.append((f"def {name}({args}):", first))
        helpers.append(('    """Parameters in a group of bounded size (see codegen_groups.py)."""', first))
        helpers.extend(zip(body.lines, body.linemap, strict=True))
        results = ", ".join(f"p_{n}" for n in gives)
        returned = f"{results}{',' if len(gives) == 1 else ''}" if gives else "None"
        helpers.append((f"    return {returned}", last))
        helpers.append(("", last))
        helpers.append(("", last))
        call = f"{name}({', '.join(['c', *(['t'] if traced else []), *(f'p_{n}' for n in takes)])})"
        if gives:
            call = f"{results}{',' if len(gives) == 1 else ''} = {call}"
        return call, run[0].span
