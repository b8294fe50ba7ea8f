"""A diagnostic's sentence as a key and its arguments, so that each language renders it.

A check writes ``P("unknown rounding `{mode}`; expected one of {modes}", mode=m, modes=Names(…))``:
the English template is the key of its Chinese in ``diagnostics_zh.MESSAGES`` (a claim's issues:
``claims_zh.MESSAGES``), and the arguments stay apart from the words. English is the template
filled in; Chinese is the catalogue's template filled in with each argument in Chinese — a
``Phrase`` argument (``a rate``, ``parameter `cap```) by its own entry, ``Items`` as a list
joined by 、 and 或, ``Names`` as names in backticks; text and numbers stay as written (names are
shown as typed). Nothing is ever recovered from finished English text.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import cache
from typing import Any

__all__ = ["Items", "Names", "P", "Phrase", "en", "zh"]

_SLOT = re.compile(r"\{(\w+)\}")
_CJK_GAP = re.compile(r"(?<=[\u4e00-\u9fff]) (?=[\u4e00-\u9fff])")


@dataclass(frozen=True, slots=True)
class Phrase:
    """A sentence or a phrase of a diagnostic: its English template and its arguments."""

    template: str
    args: tuple[tuple[str, Any], ...] = ()

    def en(self) -> str:
        return _fill(self.template, self.args, en)

    def zh(self) -> str:
        text = _catalogue().get(self.template)
        if text is None:  # not in the catalogue: shown in English, never hidden (a test keeps it whole)
            return self.en()
        return _CJK_GAP.sub("", _fill(text, self.args, zh))  # a phrase put in before Chinese: no gap

    def __str__(self) -> str:
        return self.en()


@dataclass(frozen=True, slots=True)
class Items:
    """Alternatives, ``a, b or c``: each item a ``Phrase`` or a name."""

    items: tuple[Any, ...]
    cut: bool = False  # more follow than are listed: ``a, b, …``

    def en(self) -> str:
        shown = [en(i) for i in self.items]
        if self.cut:
            return ", ".join(shown) + ", …"
        return shown[0] if len(shown) == 1 else ", ".join(shown[:-1]) + " or " + shown[-1]

    def zh(self) -> str:
        shown = [zh(i) for i in self.items]
        if self.cut:
            return "、".join(shown) + "……"
        return "、".join(shown[:-1]) + ("或" if len(shown) > 1 else "") + shown[-1]

    def __str__(self) -> str:
        return self.en()


@dataclass(frozen=True, slots=True)
class Names:
    """Names of the language or the claim (rounding modes, enum values): ``a, b``; in Chinese
    each in backticks."""

    names: tuple[str, ...]

    def en(self) -> str:
        return ", ".join(self.names)

    def zh(self) -> str:
        return "、".join(f"`{n}`" for n in self.names)

    def __str__(self) -> str:
        return self.en()


def P(template: str, **args: Any) -> Phrase:
    """A phrase: its English template (the catalogue key) and the values of its ``{slots}``."""
    return Phrase(template, tuple(args.items()))


def en(value: Any) -> str:
    """A message, phrase or argument in English."""
    return _phrase_of(value).en() if _is_phrase(value) else str(value)


def zh(value: Any) -> str:
    """A message, phrase or argument in Chinese; text that is not a phrase stays as written."""
    return _phrase_of(value).zh() if _is_phrase(value) else str(value)


def _is_phrase(value: Any) -> bool:
    return isinstance(value, Phrase | Items | Names) or isinstance(getattr(value, "phrase", None), Phrase)


def _phrase_of(value: Any) -> Phrase | Items | Names:
    """A phrase as it is, or what a value names itself by (a type: ``Type.phrase``)."""
    return value if isinstance(value, Phrase | Items | Names) else value.phrase


def _fill(template: str, args: tuple[tuple[str, Any], ...], lang: Any) -> str:
    given = dict(args)
    return _SLOT.sub(lambda m: lang(given[m.group(1)]) if m.group(1) in given else m.group(0), template)


@cache
def _catalogue() -> dict[str, str]:
    from .claims_zh import MESSAGES as CLAIMS
    from .claims_zh import OS_REASONS
    from .diagnostics_zh import MESSAGES

    return {**dict(MESSAGES), **dict(CLAIMS), **OS_REASONS}
