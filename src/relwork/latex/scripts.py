"""Unicode superscript and subscript characters (``⁻⁶``, ``ₙ₊₁``, ``⁽ⁱ⁾``, ``ᵀ``) as LaTeX math.

A run of script characters becomes one math group: ``10⁻⁶`` -> ``$10^{-6}$``, ``aₙ₊₁`` ->
``$a_{n+1}$``. Writing each character on its own (``^{-}^{6}``) is a "Double superscript"
error, and folding them to plain letters (``xₙ`` -> ``xn``) changes the meaning.
Which character is a script, and of what, comes from Unicode's own decomposition
(``<super> 0078`` for ``ˣ``), so every such character is covered, not a hand-made list.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Callable, Iterator
from dataclasses import dataclass

SUPER = "^"
SUB = "_"

#: plain characters that mean the same inside math, besides ASCII letters and digits
_MATH_SIGNS = {"+": "+", "-": "-", "\u2212": "-", "=": "=", "(": "(", ")": ")"}


@dataclass(frozen=True)
class ScriptChar:
    """One script character: ``kind`` ``^`` or ``_`` and its base character (``ⁱ`` -> ``i``)."""

    kind: str
    base: str


def script_char(ch: str) -> ScriptChar | None:
    """The script kind and base of ``ch`` when Unicode says it is a superscript or subscript."""
    if ch.isascii():
        return None
    decomposition = unicodedata.decomposition(ch)
    if decomposition.startswith("<super> "):
        kind = SUPER
    elif decomposition.startswith("<sub> "):
        kind = SUB
    else:
        return None
    codes = decomposition.split()[1:]
    if len(codes) != 1:
        return None
    return ScriptChar(kind, chr(int(codes[0], 16)))


def is_script(ch: str, symbol: Callable[[str], str | None]) -> bool:
    """True for a script character whose base has a faithful math form."""
    info = script_char(ch)
    return info is not None and base_form(info.base, symbol) is not None


def base_form(base: str, symbol: Callable[[str], str | None]) -> str | None:
    """Math LaTeX of a script's base: letters, digits and signs as they are, Greek and other
    symbols through ``symbol`` (the math symbol table); None when there is no faithful form."""
    if base.isascii() and base.isalnum():
        return base
    if base in _MATH_SIGNS:
        return _MATH_SIGNS[base]
    return symbol(base)


def _segments(run: str) -> Iterator[tuple[str, list[str]]]:
    """(kind, base characters) of each stretch of one kind in ``run``."""
    kind, bases = "", list[str]()
    for ch in run:
        info = script_char(ch)
        assert info is not None
        if info.kind != kind and bases:
            yield kind, bases
            bases = []
        kind = info.kind
        bases.append(info.base)
    if bases:
        yield kind, bases


_WORD = re.compile(r"[A-Za-z]{2,}")


def _body(bases: list[str], symbol: Callable[[str], str | None]) -> str:
    """The math inside one ``^{...}`` or ``_{...}``: words of two or more letters upright
    (``ₘₐₓ`` -> ``\\mathrm{max}``), single letters as variables (``ⁱ`` -> ``i``)."""
    out: list[str] = []
    for base in bases:
        form = base_form(base, symbol)
        assert form is not None
        if out and out[-1][-1:].isalpha() and out[-1].startswith("\\") and form[:1].isalpha():
            out.append(" ")  # \beta i, not \betai
        out.append(form)
    body = "".join(out)
    return _WORD.sub(lambda m: "\\mathrm{" + m.group(0) + "}", body) \
        if not any(part.startswith("\\") for part in out) else body


def scripts_latex(run: str, symbol: Callable[[str], str | None]) -> str:
    """Math LaTeX of a run of script characters (``⁻⁶`` -> ``^{-6}``, ``₁²`` -> ``_{1}^{2}``).

    A kind that the base already carries starts a new empty base (``²₁²`` ->
    ``^{2}_{1}{}^{2}``), so the result never has a double superscript or subscript.
    """
    parts: list[str] = []
    used: set[str] = set()
    for kind, bases in _segments(run):
        if kind in used:
            parts.append("{}")
            used.clear()
        used.add(kind)
        parts.append(f"{kind}{{{_body(bases, symbol)}}}")
    return "".join(parts)


#: a base the script group takes into math with it: a number, or a one-letter word
_NUMBER_BASE = re.compile(r"(?<![\w.])\d+(?:\.\d+)?$")
_LETTER_BASE = re.compile(r"(?<![\w.])[A-Za-z]$")


def math_base(before: str, *, numbers_only: bool = False) -> str:
    """The end of ``before`` that belongs in the same formula as a script that follows it:
    a number (``10`` of ``10⁻⁶``) or a one-letter variable (``x`` of ``x⁽ⁱ⁾``); else ``""``
    (a word such as ``Adam²`` stays text and the script follows it as ``$^{2}$``)."""
    m = _NUMBER_BASE.search(before) or (None if numbers_only else _LETTER_BASE.search(before))
    return m.group(0) if m else ""
