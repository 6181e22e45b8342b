"""A paper as an online service describes it, the one shape every service module returns."""

from __future__ import annotations

import html
import re
from dataclasses import dataclass, field

from ..model import PaperCandidate

_TAG = re.compile(r"<[^>]{1,200}>")
_DBLP_NUMBER = re.compile(r"\s+\d{4}$")


def clean_text(text: str) -> str:
    """Service text as plain text: HTML/JATS tags dropped, entities decoded, spaces joined."""
    return " ".join(html.unescape(_TAG.sub("", text)).split())


def clean_name(name: str) -> str:
    """A person's name without DBLP's homonym number (``Wei Wang 0001`` -> ``Wei Wang``)."""
    return _DBLP_NUMBER.sub("", clean_text(name))


@dataclass
class Paper:
    """One record from a service. ``authors`` are full names as the service gives them;
    ``kind`` is the BibTeX entry type; ``fields`` holds the other BibTeX fields (plain text);
    ``bibtex`` is the service's own BibTeX when it has one; ``preprint`` marks a preprint
    (arXiv, CoRR, posted content)."""

    title: str
    authors: list[str]
    year: int | None
    venue: str
    kind: str
    service: str
    doi: str | None = None
    arxiv: str | None = None
    ref: str = ""
    preprint: bool = False
    fields: dict[str, str] = field(default_factory=dict)
    bibtex: str | None = None
    #: arXiv's journal_ref: the note of a published version, when there is one
    journal_ref: str = ""

    def candidate(self, score: float) -> PaperCandidate:
        return PaperCandidate(
            title=self.title, authors=tuple(self.authors), year=self.year, venue=self.venue,
            score=round(score, 1), service=self.service, doi=self.doi, arxiv=self.arxiv,
            ref=self.ref, preprint=self.preprint)


def year_of(value: object) -> int | None:
    """A four-digit year from ``2021``, ``"2021"`` or ``"2021-06-10T17:.."``; else None."""
    text = str(value).strip() if value is not None else ""
    return int(text[:4]) if len(text) >= 4 and text[:4].isdigit() else None
