"""Plain data shared by the pipeline stages.

Every stage takes and returns these objects; none of them does I/O.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Literal

Severity = Literal["error", "warning", "info"]
Status = Literal["matched", "review", "unmatched"]
Method = Literal["key", "doi", "arxiv", "alias", "title", "shorttitle", "fuzzy", "stub", "none"]

#: Identifier kinds an entry can carry, strongest first.
ID_KINDS: tuple[str, ...] = ("key", "doi", "arxiv", "url")


@dataclass(frozen=True, order=True)
class Source:
    """A place in a user's file: ``path`` as the user gave it, ``line`` 1-based."""

    path: str
    line: int = 0

    def __str__(self) -> str:
        return f"{self.path}:{self.line}" if self.line else self.path


@dataclass(frozen=True)
class Problem:
    """Something wrong or noteworthy in the input, kept as data and reported together."""

    severity: Severity
    message: str
    source: Source | None = None
    hint: str | None = None
    code: str = ""
    #: the citation key the problem is about, when it is about one bib entry ("" if none)
    key: str = ""

    def __str__(self) -> str:
        where = f"{self.source}: " if self.source else ""
        text = f"{where}{self.severity}: {self.message}"
        if self.hint:
            text += f" ({self.hint})"
        return text


@dataclass
class Point:
    """One list item of a note: its text (Markdown), an optional leading label."""

    text: str
    source: Source
    label: str | None = None
    depth: int = 0


@dataclass
class Entry:
    """One summarised paper found in the notes.

    ``ids`` maps an identifier kind (see ``ID_KINDS``) to the values found, in order
    of appearance, e.g. ``{"arxiv": ["1603.08983"], "key": ["graves2016adaptive"]}``.
    ``meta`` holds authors (list of str), year (int), tags (list of str), status and any
    unknown front-matter keys. ``body`` is the Markdown to render; ``body_line`` is the
    1-based line of its first line in ``source.path``.
    """

    title: str
    source: Source
    group: tuple[str, ...] = ()
    ids: dict[str, list[str]] = field(default_factory=dict)
    meta: dict[str, Any] = field(default_factory=dict)
    body: str = ""
    body_line: int = 0
    points: list[Point] = field(default_factory=list)
    #: 1-based note line of each line of ``body`` (empty: ``body_line`` + index); needed
    #: because private text and metadata bullets are cut out of the body.
    body_lines: list[int] = field(default_factory=list)
    #: the part of ``ids`` found only in the summary's text (``[@key]``, links), not in its
    #: heading, front matter or metadata: a summary may cite other papers, so these are
    #: weak evidence of which paper the entry is about
    weak_ids: dict[str, list[str]] = field(default_factory=dict)
    #: the part of ``body`` that goes into the section: the note's TL;DR or summary
    #: section, its ``summary:`` field, its "Description:" points or its first paragraph,
    #: cut at whole sentences to the configured budget (Markdown, labels removed)
    summary: str = ""
    #: 1-based note line of each line of ``summary``
    summary_lines: list[int] = field(default_factory=list)

    def first_id(self, kind: str) -> str | None:
        values = self.ids.get(kind)
        return values[0] if values else None

    def add_id(self, kind: str, value: str) -> None:
        values = self.ids.setdefault(kind, [])
        if value not in values:
            values.append(value)


@dataclass
class BibRecord:
    """One BibTeX entry: raw field strings as written, plus cheap normalised views."""

    key: str
    type: str
    fields: dict[str, str]
    source: Source
    raw: str = ""
    title: str = ""
    title_norm: str = ""
    authors: list[str] = field(default_factory=list)  # family names, in order
    year: int | None = None
    doi: str | None = None
    arxiv: str | None = None
    shorttitle_norm: str = ""


@dataclass(frozen=True)
class IdentifierCitation:
    """A citation that names a paper by identifier instead of a bib key: ``[@doi:10.1/x]``
    -> ``kind`` "doi", ``value`` "10.1/x" (normalised); ``written`` is the key as written;
    ``source`` the note line it was found on (when known)."""

    kind: str
    value: str
    written: str
    source: Source | None = None


@dataclass(frozen=True)
class Work:
    """Bib entries that are one paper (a preprint and its published version, one paper in
    two files, a Zotero duplicate): ``keys`` in bibliography order, ``preferred`` the one
    cited; ``why`` says what joined them ("same DOI", "same arXiv id", "same title")."""

    keys: tuple[str, ...]
    preferred: str
    why: tuple[str, ...] = ()

    @property
    def others(self) -> tuple[str, ...]:
        return tuple(k for k in self.keys if k != self.preferred)


@dataclass(frozen=True)
class Candidate:
    key: str
    title: str
    score: float


@dataclass
class Match:
    """How one entry was matched to the bibliography."""

    entry: Entry
    key: str | None
    method: Method
    score: float
    status: Status
    candidates: list[Candidate] = field(default_factory=list)
    reason: str = ""
    #: a review that --accept-review (match.accept_review) would cite: one clear candidate,
    #: no contradicting evidence
    acceptable: bool = False
    #: the entry is listed under ``not_in_bib`` in relwork.yaml: left out, not reported
    not_in_bib: bool = False
    #: a bib block that could not be read and has this paper's title (fix it, then it matches)
    broken: Source | None = None
    #: identifier citations (``[@doi:...]``, ``[@arxiv:...]``) of the note that no bib
    #: entry carries; an online look-up may add them
    missing_ids: list[IdentifierCitation] = field(default_factory=list)

    @property
    def cited(self) -> bool:
        return self.status == "matched" and self.key is not None


LookupStatus = Literal["found", "in-bib", "review", "not-found", "failed"]


@dataclass(frozen=True)
class PaperCandidate:
    """A paper an online service returned for a query, as ``relwork review`` shows it."""

    title: str
    authors: tuple[str, ...] = ()
    year: int | None = None
    venue: str = ""
    score: float = 0.0
    service: str = ""
    doi: str | None = None
    arxiv: str | None = None
    #: the service's own id of the record (a DBLP key, a Semantic Scholar paper id)
    ref: str = ""
    preprint: bool = False


@dataclass
class LookupOutcome:
    """What an online lookup made of one paper: the query (``kind`` doi/arxiv/title and its
    ``value``), where it was asked for, the outcome, the bib ``key`` written (``found``) or
    matched (``in-bib``), the ``candidates`` (``review``) and why."""

    kind: str
    value: str
    source: Source | None
    status: LookupStatus
    key: str | None = None
    paper: PaperCandidate | None = None
    candidates: list[PaperCandidate] = field(default_factory=list)
    reason: str = ""
    #: every answer it needed came from the response cache
    cached: bool = False
    #: a review --accept-review takes: one candidate and nothing contradicting it
    acceptable: bool = False


@dataclass(frozen=True)
class Package:
    """``\\usepackage[options]{name}`` as data, so callers never parse it back from text."""

    name: str
    options: tuple[str, ...] = ()

    def usepackage(self) -> str:
        """The preamble line, e.g. ``\\usepackage[backend=biber]{biblatex}``."""
        options = f"[{','.join(self.options)}]" if self.options else ""
        return f"\\usepackage{options}{{{self.name}}}"


@dataclass
class BuildResult:
    """What a build made: the section and its bibliography as text, the packages the
    section needs, the entries and their matches, the files written, the problems found.

    ``tex`` and ``bib`` are exactly what the build writes (or, without ``write``, would
    write) to the configured outputs; both are empty when the build stopped before
    rendering (a bibliography that cannot be read).
    """

    tex: str = ""
    bib: str = ""
    #: LaTeX packages the paper's preamble must load for ``tex``, in loading order
    packages: list[Package] = field(default_factory=list)
    entries: list[Entry] = field(default_factory=list)
    matches: list[Match] = field(default_factory=list)
    outputs: list[str] = field(default_factory=list)
    problems: list[Problem] = field(default_factory=list)
    cited_keys: list[str] = field(default_factory=list)
    line_map: list[Source | None] = field(default_factory=list)
    notes_read: list[str] = field(default_factory=list)
    #: what the online lookup (build --lookup) made of each unmatched paper
    lookups: list[LookupOutcome] = field(default_factory=list)

    @property
    def errors(self) -> list[Problem]:
        return [p for p in self.problems if p.severity == "error"]

    def counts(self) -> dict[str, int]:
        counts = {"entries": len(self.matches), "matched": 0, "review": 0, "unmatched": 0}
        for m in self.matches:
            counts[m.status] += 1
        return counts
