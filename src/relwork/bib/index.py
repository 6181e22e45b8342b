"""The bibliography index: records by key with look-up tables, @string macros, preambles,
blocks that failed to parse, and the problems found reading it."""

from __future__ import annotations

from collections.abc import MutableMapping
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from ..model import BibRecord, Problem, Source

if TYPE_CHECKING:
    from .works import Works


@dataclass(frozen=True)
class FailedBlock:
    """A block that could not be parsed: where it starts, its text, why, and its key if seen."""

    source: Source
    raw: str
    error: str
    key: str | None = None
    #: the plain title read from the block's text, as far as it can be ("" if none)
    title: str = ""


@dataclass(frozen=True)
class BibString:
    """An ``@string`` macro: name as written, raw value, the block's exact text and place."""

    name: str
    value: str
    raw: str
    source: Source


@dataclass
class IndexMemo:
    """What other stages work out from one index and keep while it lives, so a
    long-running process (watch) does that work once per bibliography."""

    #: the matching tables (``match.Lookup``)
    lookup: Any = None
    #: words of the titles and author names, lower-cased: the spell check accepts them
    known_words: set[str] | None = None
    #: note Markdown -> LaTeX conversions (section), and the slots this build used
    fragments: dict[Any, Any] | None = None
    fragments_used: set[Any] = field(default_factory=set)
    #: an entry's body split into prose and points (section)
    body_views: dict[Any, Any] = field(default_factory=dict)
    #: the last cited-only bib made: (keys and stubs, text, problems)
    cited_bib: tuple[Any, ...] | None = None


@dataclass
class BibIndex:
    """All records of the bibliography, with look-up tables built from normalised fields.

    ``records`` keeps the first entry of each key; the ``by_*`` tables map a normalised
    DOI / arXiv id / title / short title to the keys having it, in file order (made from
    the records when first used).
    """

    #: key -> record, in bib order (a dict, or the stored index's lazily made records)
    records: MutableMapping[str, BibRecord] = field(default_factory=dict)
    strings: dict[str, BibString] = field(default_factory=dict)  # lowercase name -> macro
    preambles: list[tuple[Source, str]] = field(default_factory=list)
    failed: list[FailedBlock] = field(default_factory=list)
    problems: list[Problem] = field(default_factory=list)
    files: list[str] = field(default_factory=list)
    #: the cache key of all files' content, in order ("" when a file could not be read
    #: or the cache is off): values derived from the index are cached under it
    content_key: str = field(default="", repr=False, compare=False)
    #: what other stages work out from this index and keep while it lives
    memo: IndexMemo = field(default_factory=lambda: IndexMemo(), repr=False, compare=False)
    #: the same-work groups (``bib.works_of``), made on first use
    works: Works | None = field(default=None, repr=False, compare=False)
    _tables: tuple[dict[str, list[str]], ...] | None = field(
        default=None, init=False, repr=False, compare=False)

    def _table(self, slot: int) -> dict[str, list[str]]:
        """One of the look-up tables, all made from the records on first use (only the
        online look-up needs them: matching has its own, see ``match.Lookup``)."""
        if self._tables is None:
            tables: tuple[dict[str, list[str]], ...] = ({}, {}, {}, {})
            by_doi, by_arxiv, by_title, by_short = tables
            for key, rec in self.records.items():
                if rec.doi:
                    by_doi.setdefault(rec.doi, []).append(key)
                if rec.arxiv:
                    by_arxiv.setdefault(rec.arxiv, []).append(key)
                if rec.title_norm:
                    by_title.setdefault(rec.title_norm, []).append(key)
                if rec.shorttitle_norm:
                    by_short.setdefault(rec.shorttitle_norm, []).append(key)
            self._tables = tables
        return self._tables[slot]

    def forget_tables(self) -> None:
        """Records were added: the look-up tables are made again when next used."""
        self._tables = None

    @property
    def by_doi(self) -> dict[str, list[str]]:
        """Normalised DOI -> the keys having it, in bib order."""
        return self._table(0)

    @property
    def by_arxiv(self) -> dict[str, list[str]]:
        """Normalised arXiv id -> the keys having it, in bib order."""
        return self._table(1)

    @property
    def by_title(self) -> dict[str, list[str]]:
        """Normalised title -> the keys having it, in bib order."""
        return self._table(2)

    @property
    def by_short(self) -> dict[str, list[str]]:
        """Normalised short title -> the keys having it, in bib order."""
        return self._table(3)

    def get(self, key: str) -> BibRecord | None:
        """The record with exactly this key, or None."""
        return self.records.get(key)

    def __contains__(self, key: object) -> bool:
        return key in self.records

