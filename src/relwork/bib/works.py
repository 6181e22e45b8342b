"""Works: the bib entries that are one paper, grouped, each group with one preferred key.

Entries join when they share an arXiv id (and their titles or first authors agree) or a
DOI (and their titles agree, so a proceedings DOI given to every paper of a volume joins
nothing, not even two papers of one author),
or when their normalised titles are equal, their first authors (or most authors) agree
and their years are within one, unless they carry different arXiv ids or different
(non-arXiv) DOIs: a follow-up with a new arXiv id, a journal extension with another
title, and the same title by other authors stay apart. The preferred key is the one
``prefer`` names, else a published version (a venue or a DOI) over an arXiv-only
preprint, else the first in bib order.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, Protocol

from ..ids import arxiv_of_doi, family_key, identifier_citation
from ..infra import lazy
from ..model import BibRecord, Entry, IdentifierCitation, Problem, Source, Work

#: title similarity (0..100) needed besides a shared arXiv id when first authors differ
_ID_TITLE_SCORE = 80.0
#: ... when they agree (GPipe's arXiv v1 title against its NeurIPS title scores 61)
_RETITLED_SCORE = 50.0
#: title similarity needed besides a shared DOI (whatever the authors)
_DOI_TITLE_SCORE = 90.0


class RecordsLike(Protocol):
    """What grouping needs from ``BibIndex``: records by key, in bib order."""

    @property
    def records(self) -> Mapping[str, BibRecord]: ...


@dataclass
class Works:
    """The same-work groups of one bibliography (only groups of two or more entries)."""

    groups: list[Work] = field(default_factory=list)
    of_key: dict[str, Work] = field(default_factory=dict)
    prefer: tuple[str, ...] = ()
    size: int = 0
    #: DOI / arXiv id -> the keys carrying it, in bib order
    by_doi: dict[str, list[str]] = field(default_factory=dict)
    by_arxiv: dict[str, list[str]] = field(default_factory=dict)
    #: tables other stages derive from these groups, kept with them (the matcher's record
    #: positions, per lookup table object)
    positions: dict[int, Any] = field(default_factory=dict, repr=False, compare=False)

    def preferred(self, key: str) -> str:
        """The key cited for ``key``'s work (``key`` itself when it has no duplicates)."""
        work = self.of_key.get(key)
        return work.preferred if work is not None else key

    def work(self, key: str) -> Work:
        """``key``'s work (a one-entry work when it has no duplicates)."""
        return self.of_key.get(key) or Work((key,), key)

    def resolve(self, citation: IdentifierCitation) -> str | None:
        """The preferred key of the work carrying ``citation``'s DOI or arXiv id, or None."""
        table = self.by_doi if citation.kind == "doi" else self.by_arxiv
        keys = table.get(citation.value)
        return self.preferred(keys[0]) if keys else None


def is_preprint(rec: BibRecord) -> bool:
    """An arXiv-only version: no DOI of its own, and an arXiv (or CoRR) venue, or no venue
    but an arXiv id (or a @misc/@unpublished type)."""
    if rec.doi and not arxiv_of_doi(rec.doi):
        return False
    venue = " ".join(rec.fields.get(name, "") for name in (
        "journal", "journaltitle", "booktitle", "publisher")).lower().strip(" {}")
    if venue:
        return "arxiv" in venue or "corr" in venue.replace("{", " ").replace("}", " ").split()
    return bool(rec.arxiv) or rec.type in ("misc", "unpublished")


def _first_author(rec: BibRecord) -> str:
    return family_key(rec.authors[0]) if rec.authors else ""


def _same_by_arxiv(a: BibRecord, b: BibRecord) -> bool:
    """Two entries with one arXiv id are one paper if their titles or first authors agree
    (an arXiv id names one paper, whose title may change between versions: GPipe)."""
    lead = _first_author(a)
    if lead and lead == _first_author(b):  # a title changed between versions, not another
        return _similar_titles(a, b, _RETITLED_SCORE)  # paper citing this one's id in a note
    return _similar_titles(a, b, _ID_TITLE_SCORE)


def _same_by_doi(a: BibRecord, b: BibRecord) -> bool:
    """Two entries with one DOI are one paper if their titles agree: a proceedings volume's
    DOI, given to each of its papers, may join two papers of one author."""
    return _similar_titles(a, b, _DOI_TITLE_SCORE)


def _similar_titles(a: BibRecord, b: BibRecord, least: float) -> bool:
    if not a.title_norm or not b.title_norm:
        return False
    return a.title_norm == b.title_norm or lazy.fuzz().ratio(a.title_norm, b.title_norm) >= least


def distinct_ids(a: BibRecord, b: BibRecord) -> bool:
    """True when the two entries carry different arXiv ids, or different DOIs that are not
    arXiv DOIs: two papers, whatever their titles say (a follow-up, another venue)."""
    if a.arxiv and b.arxiv and a.arxiv != b.arxiv:
        return True
    return bool(a.doi and b.doi and a.doi != b.doi
                and not (arxiv_of_doi(a.doi) or arxiv_of_doi(b.doi)))


def _same_by_title(a: BibRecord, b: BibRecord) -> bool:
    """Equal titles are one paper when the first authors (or most authors) agree, years are
    within one and no identifier says otherwise."""
    if distinct_ids(a, b):
        return False
    if a.year and b.year and abs(a.year - b.year) > 1:
        return False
    if (a.type == "book") != (b.type == "book"):
        return False  # a book and an article with one title: "Deep Learning"
    lead = _first_author(a)
    if lead and lead == _first_author(b):
        return True
    names_a = {family_key(n) for n in a.authors} - {""}
    names_b = {family_key(n) for n in b.authors} - {""}
    shared = len(names_a & names_b)  # one co-author in common is not enough
    return shared >= 2 and 3 * shared >= 2 * min(len(names_a), len(names_b))


class _Groups:
    """Union-find over record positions."""

    def __init__(self, n: int):
        self.parent = list(range(n))
        self.why: dict[int, set[str]] = {}

    def find(self, i: int) -> int:
        while self.parent[i] != i:
            self.parent[i] = self.parent[self.parent[i]]
            i = self.parent[i]
        return i

    def join(self, i: int, j: int, why: str) -> None:
        a, b = self.find(i), self.find(j)
        if a != b:
            a, b = min(a, b), max(a, b)
            self.parent[b] = a
            self.why.setdefault(a, set()).update(self.why.pop(b, set()))
        self.why.setdefault(a, set()).add(why)


def _join_tables(records: Sequence[BibRecord], groups: _Groups) -> tuple[
        dict[str, list[int]], dict[str, list[int]]]:
    by_doi: dict[str, list[int]] = {}
    by_arxiv: dict[str, list[int]] = {}
    by_title: dict[str, list[int]] = {}
    for i, rec in enumerate(records):
        if rec.doi:
            by_doi.setdefault(rec.doi, []).append(i)
        if rec.arxiv:
            by_arxiv.setdefault(rec.arxiv, []).append(i)
        if rec.title_norm and len(rec.title_norm) > 3:
            by_title.setdefault(rec.title_norm, []).append(i)
    for table, why, same in ((by_doi, "same DOI", _same_by_doi),
                             (by_arxiv, "same arXiv id", _same_by_arxiv),
                             (by_title, "same title and authors", _same_by_title)):
        for members in table.values():
            for pos, i in enumerate(members):
                for j in members[:pos]:
                    if same(records[j], records[i]):
                        groups.join(j, i, why)
                        break
    return by_doi, by_arxiv


def build_works(index: RecordsLike, prefer: Iterable[str] = ()) -> Works:
    """The same-work groups of ``index``; ``prefer`` names keys that win in their work."""
    records = list(index.records.values())
    groups = _Groups(len(records))
    by_doi, by_arxiv = _join_tables(records, groups)
    members: dict[int, list[int]] = {}
    for i in range(len(records)):
        members.setdefault(groups.find(i), []).append(i)
    chosen = tuple(prefer)
    preferred_set = set(chosen)
    works = Works(prefer=chosen, size=len(records))
    for root, indexes in members.items():
        if len(indexes) < 2:
            continue
        keys = tuple(records[i].key for i in indexes)
        named = [k for k in keys if k in preferred_set]
        best = named[0] if named else records[min(
            indexes, key=lambda i: (is_preprint(records[i]), i))].key
        work = Work(keys, best, tuple(sorted(groups.why.get(root, ()))))
        works.groups.append(work)
        for key in keys:
            works.of_key[key] = work
    works.by_doi = {v: [records[i].key for i in ix] for v, ix in by_doi.items()}
    works.by_arxiv = {v: [records[i].key for i in ix] for v, ix in by_arxiv.items()}
    return works


def works_of(index: RecordsLike, prefer: Iterable[str] = ()) -> Works:
    """``build_works`` of ``index``, kept on the index (``BibIndex.works``) while its
    records and ``prefer`` stay the same."""
    chosen = tuple(prefer)
    kept = getattr(index, "works", None)
    if isinstance(kept, Works) and kept.prefer == chosen and kept.size == len(index.records):
        return kept
    works = build_works(index, chosen)
    if hasattr(index, "works"):
        index.works = works
    return works


@dataclass(frozen=True)
class KeyResolution:
    """What a citation key in note text cites: ``key`` is the bib key to write (the
    preferred key of its work), None when no entry has it; ``identifier`` is set when the
    citation names a DOI or arXiv id (``[@doi:...]``) rather than a key."""

    key: str | None
    identifier: IdentifierCitation | None = None


def resolve_cite_key(index: RecordsLike, key: str, prefer: Iterable[str] = ()
                     ) -> KeyResolution:
    """The bib key a citation ``key`` written in a note stands for: an identifier citation
    resolved through the entries' DOIs and arXiv ids, a key replaced by its work's
    preferred key; ``KeyResolution(None)`` for a key no entry has."""
    works = works_of(index, prefer)
    citation = identifier_citation(key)
    if citation is not None:
        return KeyResolution(works.resolve(citation), citation)
    if key in index.records:
        return KeyResolution(works.preferred(key))
    return KeyResolution(None)


def resolve_identifier(index: RecordsLike, key: str, prefer: Iterable[str] = ()
                       ) -> tuple[IdentifierCitation | None, str | None]:
    """A citation key that names an identifier (``doi:...``, ``arxiv:...``): the
    identifier and the preferred key of the work carrying it (None when no entry does).
    ``(None, None)`` for an ordinary key."""
    citation = identifier_citation(key)
    if citation is None:
        return None, None
    return citation, works_of(index, prefer).resolve(citation)


def missing_identifiers(entries: Iterable[Entry], index: RecordsLike,
                        prefer: Iterable[str] = ()) -> list[IdentifierCitation]:
    """The identifier citations (``[@doi:...]``, ``[@arxiv:...]``, in headings, front
    matter or text) of ``entries`` that no bib entry carries, each once per note with the
    note's place (the line that cites it): what an online look-up should fetch."""
    works = works_of(index, prefer)
    found: dict[tuple[str, str, Source], IdentifierCitation] = {}
    for entry in entries:
        for key in entry.ids.get("key", []):
            cited = identifier_citation(key)
            if cited is not None and works.resolve(cited) is None:
                slot = (cited.kind, cited.value, entry.source)
                found.setdefault(slot, IdentifierCitation(cited.kind, cited.value, key,
                                                          _cited_at(entry, key)))
    return list(found.values())


def _cited_at(entry: Entry, key: str) -> Source:
    """The note line of citation ``[@key]``: its line in the summary's text when only the
    text cites it, else the entry's heading (or front matter)."""
    if key not in entry.weak_ids.get("key", []):
        return entry.source
    for n, line in enumerate(entry.body.split("\n")):
        if "@" + key in line:
            number = (entry.body_lines[n] if n < len(entry.body_lines)
                      else entry.body_line + n)
            return Source(entry.source.path, number)
    return entry.source


def prefer_problems(index: RecordsLike, prefer: Iterable[str], where: Source | None = None
                    ) -> list[Problem]:
    """A ``prefer:`` key that no entry has (a typo: the work it meant keeps its usual key)."""
    found = []
    for key in prefer:
        if key not in index.records:
            import difflib  # for the hint: most keys are found

            close = difflib.get_close_matches(key, list(index.records), n=1)
            found.append(Problem(
                "warning", f"prefer names '{key}', which is not in the bibliography", where,
                f"did you mean '{close[0]}'?" if close else "fix the key under 'prefer'",
                "prefer"))
    return found


def duplicate_places(index: RecordsLike, work: Work) -> list[tuple[str, Source]]:
    """Each key of ``work`` with its file:line, in bib order."""
    return [(k, index.records[k].source) for k in work.keys if k in index.records]
