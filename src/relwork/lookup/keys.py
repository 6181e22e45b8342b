"""Citation keys for papers found online: in the style of the user's bib where it can tell
(Google Scholar ``vahdat2021score``, Better BibTeX ``vahdatScorebasedGenerativeModeling2021``,
``Vahdat2021``, DBLP ``DBLP:conf/nips/VahdatKK21``), else ``authorYEARword``."""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable

from ..ids import family_key, is_valid_key, normalize_title
from ..model import BibRecord
from .paper import Paper

STYLES = ("authoryearword", "authorTitleYear", "AuthorYear", "dblp")
_STOP = frozenset("a an the of for in on with and to via by from using is are at as "
                  "towards toward into".split())


def _words(title: str, *, join_hyphens: bool = False) -> list[str]:
    # Better BibTeX joins "Score-based" into one word (Scorebased); Google Scholar splits it
    if join_hyphens:
        title = title.replace("-", "")
    return [w for w in normalize_title(title).split() if w not in _STOP]


def _fold(name: str) -> str:
    return "".join(ch for ch in name if ch.isalnum())


def key_in_style(style: str, family: str, year: int | None, title: str, ref: str = "") -> str:
    """The key ``style`` gives a work (``family``: the first author's family key)."""
    words = [_fold(w) for w in _words(title, join_hyphens=style == "authorTitleYear")]
    words = [w for w in words if w]
    year_text = str(year) if year else ""
    if style == "dblp" and ref:
        return f"DBLP:{ref}"
    if style == "authorTitleYear":
        return family + "".join(w.capitalize() for w in words[:3]) + year_text
    if style == "AuthorYear":
        return family.capitalize() + year_text
    return family + year_text + (words[0] if words else "")


def detect_style(records: Iterable[BibRecord], sample: int = 2000) -> str:
    """The key style most keys of ``records`` follow (at least 3 and a third of those
    checked); ``authoryearword`` when none does."""
    counts: Counter[str] = Counter()
    checked = 0
    for record in records:
        if not record.authors or not record.year or not record.title:
            continue
        checked += 1
        family = _fold(family_key(record.authors[0]))
        key = record.key.rstrip("abcdefgh") if record.key[-1:].isalpha() and \
            record.key[-2:-1].isdigit() else record.key
        if key.startswith("DBLP:"):
            counts["dblp"] += 1
        for style in STYLES[:3]:
            if key == key_in_style(style, family, record.year, record.title):
                counts[style] += 1
                break
        if checked >= sample:
            break
    if not counts:
        return "authoryearword"
    style, n = counts.most_common(1)[0]
    return style if n >= 3 and n * 3 >= checked else "authoryearword"


def make_key(paper: Paper, style: str, taken: set[str]) -> str:
    """A key for ``paper`` in ``style`` that is not in ``taken`` (a, b, ... appended)."""
    family = _fold(family_key(paper.authors[0])) if paper.authors else "anon"
    base = key_in_style(style, family or "anon", paper.year, paper.title,
                        paper.ref if paper.service == "dblp" else "")
    if not is_valid_key(base):
        base = key_in_style("authoryearword", family or "anon", paper.year, paper.title)
    folded = {k.casefold() for k in taken}  # BibTeX keys clash regardless of case
    key, n = base, 0
    while key.casefold() in folded:
        key = base + "abcdefghijklmnopqrstuvwxyz"[n % 26] * (1 + n // 26)
        n += 1
    return key
