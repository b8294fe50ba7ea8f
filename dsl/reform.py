"""Reforms: a policy that ``extends`` another and changes only what a new document changed.

Like an OpenFisca reform, a reform file names its base and then replaces whole
items by name (a parameter, a layer, a check, the classification), adds new ones,
or ``amend``s a base parameter with values from a date. The result is one merged
policy whose nodes keep the spans of the file each came from, so errors, traces
and documents point at the right file. The merged policy remembers its base, so a
renderer can list what the reform changed.
"""

from __future__ import annotations

import os
from collections.abc import Callable
from dataclasses import replace
from pathlib import Path

from . import ast, codes
from .errors import Diagnostic, PolicyError, ReadError, suggest
from .phrase import Names, P


def base_path(policy: ast.Policy) -> str:
    """The base file's path, relative to the reform's folder as written, normalised."""
    assert policy.header.extends is not None
    return os.path.normpath(str(Path(policy.path).parent / policy.header.extends))


def resolve(policy: ast.Policy, load: Callable[[str, tuple[str, ...]], ast.Policy],
            chain: tuple[str, ...] = ()) -> ast.Policy:
    """Apply a reform to its base (loaded with ``load``); a policy without ``extends`` is returned."""
    h = policy.header
    if h.extends is None:
        return policy
    span = h.extends_span or h.span
    path = base_path(policy)
    here = os.path.normpath(policy.path)
    if path in chain or path == here:
        loop = " → ".join([*chain, here, path])
        raise PolicyError([Diagnostic(codes.EXTENDS_LOOP,
                                      span, P("policies extend each other in a loop: {loop}", loop=loop))],
                          policy.texts)
    shown = h.extends if len(h.extends) <= 80 else h.extends[:60] + "…"  # the line itself shows it all
    try:
        is_file, is_dir = Path(path).is_file(), Path(path).is_dir()
    except (OSError, ValueError) as err:  # a name too long, a loop of links…
        reason = err.strerror if isinstance(err, OSError) and err.strerror else str(err)
        raise PolicyError([Diagnostic(codes.BASE_UNREADABLE,
                                      span, P("cannot read the base policy `{name}`: {reason}", name=shown,
                                              reason=reason),
                                      P("the path is relative to this file's folder"))],
                          policy.texts) from None
    if is_dir:
        raise PolicyError([Diagnostic(codes.BASE_UNREADABLE,
                                      span, P("the base policy `{name}` is a folder ({path})", name=h.extends,
                                              path=path),
                                      P("name the policy file in it, e.g. `{example}`",
                                        example="…/resident_inpatient.yb"))],
                          policy.texts)
    if not is_file:
        folder = Path(path).parent
        near = sorted(str(p.name) for p in folder.glob("*.yb")) if folder.is_dir() else []
        hint = suggest(Path(path).name, near) or (
            P("policies in {folder}: {names}", folder=str(folder), names=Names(tuple(near))) if near
            else P("the path is relative to this file's folder"))
        raise PolicyError([Diagnostic(codes.BASE_NOT_FOUND,
                                      span, P("cannot find the base policy `{name}` ({path})", name=h.extends,
                                              path=path), hint)],
                          policy.texts)
    try:
        base = load(path, (*chain, here))
    except ReadError as err:  # there, but unreadable: say so where the reform names it
        hint = "save it as UTF-8" if "UTF-8" in err.reason else None
        raise PolicyError([Diagnostic(codes.BASE_UNREADABLE,
                                      span, P("cannot read the base policy `{name}`: {reason}", name=shown,
                                              reason=err.reason), hint)],
                          policy.texts) from None
    return merge(base, policy)


def _by_name(base: tuple, changes: tuple, key: Callable) -> list:  # type: ignore[type-arg]
    """Base items with same-named changes put in their place, new ones appended."""
    changed = {key(c): c for c in changes}
    out = [changed.pop(key(b), b) for b in base]
    out += [c for c in changes if key(c) in changed]
    return out


def merge(base: ast.Policy, reform: ast.Policy) -> ast.Policy:
    diags: list[Diagnostic] = []
    bh, rh = base.header, reform.header
    header = replace(
        rh,
        document=rh.document or bh.document,
        effective=rh.effective or bh.effective,
        until=rh.until if rh.effective else bh.until,
        until_span=rh.until_span if rh.effective else bh.until_span,
        applies=rh.applies or bh.applies,
        rounding=rh.rounding or bh.rounding,
        input=bh.input,
        amount=rh.amount or bh.amount,
        remainder=rh.remainder or bh.remainder,
        year_start=rh.year_start or bh.year_start,  # a reform keeps its base's insurance year
        year_start_span=rh.year_start_span if rh.year_start else bh.year_start_span,
    )
    params = _by_name(base.parameters, reform.parameters, lambda p: p.name)
    index = {p.name: i for i, p in enumerate(params)}
    for amend in reform.amends:
        if amend.name not in index:
            diags.append(Diagnostic(codes.AMEND_UNKNOWN, amend.span,
                                    P("`amend {name}`: the base policy has no such parameter",
                                      name=amend.name),
                                    suggest(amend.name, index)))
            continue
        params[index[amend.name]] = _amended(params[index[amend.name]], amend)
    layers = _layers(base.layers, reform.layers, diags)
    if diags:
        raise PolicyError(diags, {**base.texts, **reform.texts})
    return ast.Policy(
        header=header,
        sources=tuple(_by_name(base.sources, reform.sources, lambda s: s.name)),
        enums=tuple(_by_name(base.enums, reform.enums, lambda e: e.field.dotted)),
        fields=tuple(_by_name(base.fields, reform.fields, lambda f: f.name)),
        parameters=tuple(params),
        classify=reform.classify or base.classify,
        layers=tuple(layers),
        checks=tuple(_by_name(base.checks, reform.checks, lambda c: c.name)),
        path=reform.path,
        text=reform.text,
        texts={**base.texts, **reform.texts},
        base=base,
    )


def _amended(p: ast.Parameter, amend: ast.Amend) -> ast.Parameter:
    """New dated values replace a version with the same date; exceptions replace by name."""
    versions = {v.start: v for v in p.versions}
    versions.update({v.start: v for v in amend.versions})
    return replace(
        p,
        references=p.references + amend.references,
        versions=tuple(versions[d] for d in sorted(versions)),
        exceptions=tuple(_by_name(p.exceptions, amend.exceptions, lambda e: e.name)),
    )


def _layers(base: tuple[ast.Layer, ...], changes: tuple[ast.Layer, ...],
            diags: list[Diagnostic]) -> list[ast.Layer]:
    out = _by_name(base, tuple(c for c in changes if c.placement is None), lambda x: x.name)
    for layer in changes:
        if layer.placement is None:
            continue
        where, anchor = layer.placement
        out = [x for x in out if x.name != layer.name]
        names = [x.name for x in out]
        if anchor not in names:
            side = P("before") if where == "before" else P("after")
            diags.append(Diagnostic(codes.PLACE_UNKNOWN,
                                    layer.span, P("layer `{name}` is placed {where} `{anchor}`, which is not "
                                                  "a layer", name=layer.name, where=side, anchor=anchor),
                                    suggest(anchor, names)))
            continue
        at = names.index(anchor) + (1 if where == "after" else 0)
        out.insert(at, layer)
    return out
