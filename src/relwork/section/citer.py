"""Citation LaTeX for one citation style: natbib, biblatex or plain BibTeX ``\\cite``."""

from __future__ import annotations

from collections import ChainMap
from collections.abc import Iterable, Mapping, MutableMapping
from typing import Protocol, cast

from ..errors import TemplateError
from ..ids import is_valid_key
from ..latex import Latex
from ..model import BibRecord
from .fields import bib_to_latex

#: cite style -> (narrative, parenthetical, bare) command; plain builds the narrative itself.
CITE_COMMANDS: dict[str, tuple[str, str, str]] = {
    "natbib": ("\\citet", "\\citep", "\\cite"),
    "biblatex": ("\\textcite", "\\parencite", "\\cite"),
    "plain": ("\\cite", "\\cite", "\\cite"),
}


class IndexLike(Protocol):
    """What rendering needs from ``bib.BibIndex``: records by key."""

    @property
    def records(self) -> Mapping[str, BibRecord]: ...


class Citer:
    """Citation LaTeX for one cite style (natbib, biblatex or plain) and one bibliography.

    ``narrative(keys)`` gives "Karras et al. (2019)"-style citations, ``parenthetical(keys)``
    bracketed ones, ``cite(keys)`` a bare \\cite; several keys share one command. For the
    plain style the narrative names come from the bib authors. ``inline`` is the callback
    for ``latex.md_to_latex(cite=...)``. Keys that are not BibTeX-safe raise ``ValueError``.
    """

    def __init__(self, style: str, index: IndexLike | None = None, *,
                 engine: str = "pdflatex", extra: Mapping[str, BibRecord] | None = None):
        if style not in CITE_COMMANDS:
            raise TemplateError(f"unknown cite style '{style}'",
                                hint=f"use one of: {', '.join(CITE_COMMANDS)}")
        self.style = style
        self.engine = engine
        self.index = index
        # ``extra`` first (stubs), then the index's records, made only when asked for
        # (a ChainMap only reads the maps after its first)
        self.records: Mapping[str, BibRecord] = ChainMap(dict(extra or {}), *(
            [cast(MutableMapping[str, BibRecord], index.records)] if index is not None else []))

    def _keys(self, keys: str | Iterable[str]) -> list[str]:
        items = [keys] if isinstance(keys, str) else list(keys)
        out: list[str] = []
        for key in items:
            key = str(key).strip()
            if not is_valid_key(key):
                raise ValueError(f"citation key {key!r} is not BibTeX-safe")
            if key not in out:
                out.append(key)
        if not out:
            raise ValueError("no citation key given")
        return out

    def _command(self, which: int, keys: list[str], prenote: str = "",
                 postnote: str = "") -> Latex:
        """``\\cmd[pre][post]{keys}``; notes are trusted LaTeX (escaped by the caller)."""
        command = CITE_COMMANDS[self.style][which]
        lead = ""
        if prenote and self.style == "plain":  # \cite has no prenote argument
            lead, prenote = f"{prenote} ", ""
        if prenote:
            command += f"[{prenote}][{postnote}]"
        elif postnote:
            command += f"[{postnote}]"
        return Latex(f"{lead}{command}{{{','.join(keys)}}}")

    def names(self, key: str) -> Latex:
        """'Karras', 'Karras and Laine' or 'Karras et al.' from the bib authors ('' if none)."""
        record = self.records.get(key)
        authors = [bib_to_latex(a, self.engine) for a in (record.authors if record else [])]
        authors = [a for a in authors if a]
        if not authors:
            return Latex("")
        if len(authors) == 1:
            return authors[0]
        if len(authors) == 2:
            return Latex(f"{authors[0]} and {authors[1]}")
        return Latex(f"{authors[0]} et al.")

    def narrative(self, keys: str | Iterable[str]) -> Latex:
        """Citation used as a sentence's subject: \\citet / \\textcite / 'Names~\\cite'."""
        found = self._keys(keys)
        return self._command(0, found) if self.style != "plain" else self._plain(found)

    def _plain(self, keys: list[str], postnote: str = "") -> Latex:
        """'Karras et al.~\\cite{a} and Vahdat et al.~\\cite{b}' (postnote on the last)."""
        parts = []
        for i, key in enumerate(keys):
            names = self.names(key)
            cite = self._command(0, [key], "", postnote if i == len(keys) - 1 else "")
            parts.append(f"{names}~{cite}" if names else cite)
        if len(parts) == 1:
            return Latex(parts[0])
        return Latex(", ".join(parts[:-1]) + " and " + parts[-1])

    def parenthetical(self, keys: str | Iterable[str]) -> Latex:
        """Citation in brackets: \\citep / \\parencite / \\cite, one command for all keys."""
        return self._command(1, self._keys(keys))

    def cite(self, keys: str | Iterable[str]) -> Latex:
        """A bare \\cite{...} for all keys."""
        return self._command(2, self._keys(keys))

    def inline(self, keys: list[str], mode: str, prenote: str = "", postnote: str = "") -> str:
        """Callback for ``md_to_latex``: mode "t" narrative, anything else parenthetical.

        ``prenote``/``postnote`` ("see", "p. 3") arrive escaped from ``md_to_latex``.
        """
        found = self._keys(keys)
        if mode != "t":
            return self._command(1, found, prenote, postnote)
        if self.style != "plain":
            return self._command(0, found, prenote, postnote)
        text = self._plain(found, postnote)
        return Latex(f"{prenote} {text}") if prenote else text

