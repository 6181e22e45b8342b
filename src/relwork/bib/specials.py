"""Raw TeX specials in the fields BibTeX prints: a title ``PAC-Bayes & Margins`` stops the
paper with "Misplaced alignment tab character &". Found per cited entry, at its field's line.

relwork copies entries verbatim and never edits the user's ``.bib``, so such an entry is
reported (an error: the paper would not compile) with the place to fix it.
"""

from __future__ import annotations

import re
from collections.abc import Iterable

from ..model import BibRecord, Problem, Source
from .index import BibIndex
from .values import field_text

#: fields the usual styles (plainnat, biblatex's standard styles) typeset as text
PRINTED_FIELDS = frozenset("""
title booktitle journal journaltitle maintitle eventtitle subtitle titleaddon series note
publisher address location school institution organization howpublished edition chapter
author editor volume number pages type venue addendum
""".split())
#: commands whose argument is verbatim (a URL): specials in it are fine
_VERBATIM = re.compile(r"\\(?:url|path|nolinkurl|href)\s*\{[^{}]*\}")
_SPECIAL = re.compile(r"[&#%_^$]")
_WHAT = {"&": "&", "#": "#", "%": "%", "_": "_ outside math", "^": "^ outside math",
         "$": "an unmatched $"}


def first_special(value: str) -> str | None:
    """The first raw special in a field's value as BibTeX reads it (``&``, ``#``, ``%``,
    ``_`` or ``^`` outside math, an unmatched ``$``); None when it typesets."""
    if _SPECIAL.search(value) is None:  # most fields: nothing to look at closely
        return None
    value = _VERBATIM.sub("", value)
    math = False
    i = 0
    while i < len(value):
        c = value[i]
        if c == "\\":
            if value[i + 1: i + 2] in ("(", ")"):
                math = value[i + 1] == "("  # \( ... \) is math as $ ... $ is
            i += 2  # an escaped character (\&, \_, \%) or a command name's first letter
            continue
        if c == "$":
            math = not math
        elif c in "&#%" or (c in "_^" and not math):
            return c
        i += 1
    return "$" if math else None


def _field_line(record: BibRecord, name: str) -> int:
    """The line of ``name =`` in the record's file (the entry's line when not found)."""
    m = re.search(rf"(?im)^[^\n]*?\b{re.escape(name)}\s*=", record.raw)
    if m is None:
        return record.source.line
    return record.source.line + record.raw.count("\n", 0, m.end())


def raw_specials(record: BibRecord, macros: dict[str, str] | None = None) -> list[Problem]:
    """One error per printed field of ``record`` with a raw special, at the field's line;
    ``macros`` (lowercase @string name -> raw value) are expanded as BibTeX does."""
    found = []
    for name, raw in record.fields.items():
        if name.lower() not in PRINTED_FIELDS:
            continue
        special = first_special(field_text(raw, macros))
        if special is None:
            continue
        escaped = "\\$...$" if special == "$" else "\\" + special
        found.append(Problem(
            "error", f"{record.key}: the {name.lower()} has {_WHAT[special]}, which stops "
            "LaTeX when the bibliography is typeset", Source(record.source.path,
                                                             _field_line(record, name)),
            f"write {escaped} in the .bib entry (relwork copies entries verbatim and never "
            "edits your .bib)" if special != "$" else
            "close the formula with $ or write \\$ in the .bib entry", "bib-raw-special"))
    return found


def cited_specials(index: BibIndex, keys: Iterable[str]) -> list[Problem]:
    """``raw_specials`` of each cited key found in ``index`` (each key once)."""
    macros = {name: macro.value for name, macro in index.strings.items()}
    found: list[Problem] = []
    for key in dict.fromkeys(keys):
        record = index.records.get(key)
        if record is not None:
            found += raw_specials(record, macros)
    return found
