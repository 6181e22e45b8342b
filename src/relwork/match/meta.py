"""The note's own authors and year compared with a bib record's."""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Literal

from ..ids import family_key
from ..model import BibRecord, Entry


def note_authors(entry: Entry) -> list[str]:
    """Family names (folded) of the note's authors, in order."""
    authors = entry.meta.get("authors") or []
    if isinstance(authors, str):
        authors = [a for a in re.split(r"\s+and\s+|;", authors) if a.strip()]
    return [f for f in (family_key(str(a)) for a in authors) if f]


def note_year(entry: Entry) -> int | None:
    """The note's year as a number, or None."""
    year = entry.meta.get("year")
    try:
        return int(year) if year is not None else None
    except (TypeError, ValueError):
        return None


@dataclass(frozen=True)
class MetaVerdict:
    """How the note's authors and year compare with a record's: ``kind`` is "agree",
    "conflict" or "unknown"; ``words`` says it for a reason."""

    kind: Literal["agree", "conflict", "unknown"]
    words: str = ""
    authors_agree: bool = False
    year_agrees: bool = False


def meta_verdict(entry: Entry, rec: BibRecord) -> MetaVerdict:
    """The note's authors/year compared with ``rec``'s (a conflict on either wins)."""
    authors_agree = False
    note_names = set(note_authors(entry))
    bib_names = {family_key(a) for a in rec.authors} - {""}
    if note_names and bib_names:
        if not note_names & bib_names:
            return MetaVerdict("conflict", f"the note's authors ({', '.join(sorted(note_names))}) "
                               f"are not {rec.key}'s ({', '.join(rec.authors[:3])})")
        authors_agree = True
    year = note_year(entry)
    year_agrees = False
    if year and rec.year:
        if abs(year - rec.year) > 1:  # a preprint may be a year older than the paper
            return MetaVerdict("conflict", f"the note says {year} but {rec.key} is from {rec.year}")
        year_agrees = True
    words = ", ".join(w for w, said in (("authors agree", authors_agree),
                                        ("year agrees", year_agrees)) if said)
    return MetaVerdict("agree" if words else "unknown", words, authors_agree, year_agrees)


def meta_overlap(entry: Entry, rec: BibRecord) -> float:
    """How many of the note's authors the record shares, plus 1 for its year (0.5 when a
    year off: a preprint may be a year older), so the same year beats the next one."""
    bib_names = {family_key(a) for a in rec.authors}
    shared = len(set(note_authors(entry)) & bib_names)
    year = note_year(entry)
    if not year or not rec.year or abs(year - rec.year) > 1:
        return float(shared)
    return shared + (1.0 if year == rec.year else 0.5)

