"""Looking up the papers of many entries: each entry's query from its ids and metadata,
a result already in the user's bib matched there, the others given keys and written to
``lookup.bib`` in one atomic write; problems naming the note's file:line."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path

from bibtexparser.model import Entry as BibEntry

from ..bib import BibIndex
from ..config import Config
from ..ids import identifier_citation, normalize_title
from ..model import Entry, IdentifierCitation, LookupOutcome, Problem, Source
from .bibfile import entry_for, owned, read_entries, write_entries
from .decide import preferred, works
from .finder import Found, find_paper
from .keys import detect_style, make_key
from .paper import Paper
from .session import Session, settings_from_config

#: called with (n, total, what): the paper being looked up, or the service being asked
Progress = Callable[[int, int, str], None]


@dataclass
class LookupRun:
    """What a lookup of several entries did: one outcome each, the keys written to
    ``path``, the problems, the requests made and the answers taken from the cache."""

    outcomes: list[LookupOutcome] = field(default_factory=list)
    problems: list[Problem] = field(default_factory=list)
    written: list[str] = field(default_factory=list)
    path: Path | None = None
    requests: int = 0
    cache_hits: int = 0

    def counts(self) -> dict[str, int]:
        return count_outcomes(self.outcomes)


def count_outcomes(outcomes: Sequence[LookupOutcome]) -> dict[str, int]:
    """How many outcomes are found, in-bib, review, not-found, failed; and cached."""
    counts = dict.fromkeys(("found", "in-bib", "review", "not-found", "failed", "cached"), 0)
    for outcome in outcomes:
        counts[outcome.status] += 1
        counts["cached"] += outcome.cached
    return counts


def _year(value: object) -> int | None:
    text = str(value).strip() if value is not None else ""
    return int(text) if text.isdigit() and len(text) == 4 else None


def _authors(value: object) -> tuple[str, ...]:
    if isinstance(value, str):
        value = value.split(" and ") if " and " in value else [value]
    return tuple(str(a) for a in value) if isinstance(value, list) else ()


@dataclass(frozen=True)
class LookupRequest:
    """One paper to look up: a DOI, an arXiv id or a title (the strongest given is used),
    what the note says of its authors and year, and the note's file:line. A note entry
    makes one (``request_for``); so can a ``[@doi:…]`` or ``[@arxiv:…]`` citation."""

    title: str = ""
    doi: str | None = None
    arxiv: str | None = None
    authors: tuple[str, ...] = ()
    year: int | None = None
    source: Source | None = None
    #: the citation as written (``doi:10.1/x``) when the request is for a ``[@doi:...]`` or
    #: ``[@arxiv:...]`` citation rather than for a note's own paper
    cited: str = ""


def _own_id(entry: Entry, kind: str) -> str | None:
    """The entry's first ``kind`` id that is not only in its text: a summary may link to
    other papers, so an id from the body alone never decides which paper this is. A
    ``[@doi:...]``/``[@arxiv:...]`` citation in the heading or front matter counts too."""
    weak = entry.weak_ids.get(kind, [])
    own = next((v for v in entry.ids.get(kind, []) if v not in weak), None)
    if own is not None:
        return own
    weak_keys = entry.weak_ids.get("key", [])
    for key in entry.ids.get("key", []):
        cited = identifier_citation(key)
        if cited is not None and cited.kind == kind and key not in weak_keys:
            return cited.value
    return None


def request_for(entry: Entry) -> LookupRequest:
    """The request for a note entry: its DOI, arXiv id, title, authors and year."""
    return LookupRequest(entry.title, _own_id(entry, "doi"), _own_id(entry, "arxiv"),
                         _authors(entry.meta.get("authors")), _year(entry.meta.get("year")),
                         entry.source)


def identifier_requests(citations: Sequence[IdentifierCitation],
                        asked: Sequence[LookupRequest] = ()) -> list[LookupRequest]:
    """One request per identifier of ``citations`` (``[@doi:...]``, ``[@arxiv:...]`` no bib
    entry carries) that ``asked`` does not already look up, at the line citing it. Only
    the identifier is asked for, never a title: the note around it is another paper."""
    seen = {("doi", r.doi) for r in asked if r.doi} | {("arxiv", r.arxiv) for r in asked
                                                        if r.arxiv}
    found = []
    for citation in citations:
        if (citation.kind, citation.value) in seen:
            continue
        seen.add((citation.kind, citation.value))
        found.append(LookupRequest(
            doi=citation.value if citation.kind == "doi" else None,
            arxiv=citation.value if citation.kind == "arxiv" else None,
            source=citation.source, cited=citation.written))
    return found


def lookup_one(session: Session, request: LookupRequest) -> Found:
    """``find_paper`` for one request."""
    return find_paper(session, doi=request.doi, arxiv=request.arxiv, title=request.title,
                      authors=request.authors, year=request.year, source=request.source)


def in_bib(index: BibIndex, paper: Paper) -> str | None:
    """The key of ``paper`` in ``index`` (same DOI, arXiv id or title), else None."""
    for table, value in ((index.by_doi, paper.doi), (index.by_arxiv, paper.arxiv),
                         (index.by_title, normalize_title(paper.title))):
        if value and table.get(value):
            return table[value][0]
    return None


def lookup_entries(entries: Sequence[Entry], index: BibIndex, config: Config, *,
                   session: Session | None = None, accept_review: bool = False,
                   progress: Progress | None = None) -> LookupRun:
    """Look up each of the note ``entries`` online (see ``lookup_requests``)."""
    return lookup_requests([request_for(e) for e in entries], index, config, session=session,
                           accept_review=accept_review, progress=progress)


def lookup_requests(requests: Sequence[LookupRequest], index: BibIndex, config: Config, *,
                    session: Session | None = None, accept_review: bool = False,
                    progress: Progress | None = None) -> LookupRun:
    """Look up each request online and write what is found to ``config.lookup_bib``
    (nothing is written when nothing new is found); one outcome per request, in order.
    ``session`` defaults to one made from the config; ``progress`` hears of each paper
    and of each service asked for it."""
    own = session is None
    path = config.resolve(config.lookup_bib)
    run = LookupRun(path=path)
    total = len(requests)
    current_n, current_title = [0], [""]
    if session is None:
        session = Session(settings_from_config(config))
    if progress is not None:
        say = progress
        session.on_request = lambda service: say(current_n[0], total,
                                                 f"{current_title[0]} (asking {service})")
    existing, problem = _existing(path, config)
    if problem is not None:
        run.problems.append(problem)
    taken = set(index.records) | {e.key for e in existing}
    ours = {e.key for e in existing}  # the user's keys set the style, not relwork's
    style = detect_style(r for r in index.records.values() if r.key not in ours)
    new: list[BibEntry] = []
    new_papers: dict[str, Paper] = {}
    try:
        for n, request in enumerate(requests, 1):
            shown = request.title or request.doi or request.arxiv or ""
            current_n[0], current_title[0] = n, shown
            if progress is not None:
                progress(n, total, shown)
            found = lookup_one(session, request)
            paper = found.paper
            if paper is None and accept_review and found.outcome.acceptable and found.review:
                paper = preferred(works(found.review)[0])
                found.outcome.reason += " (accepted with --accept-review)"
            if paper is not None:
                _place(found, paper, index, new_papers, taken, style, new)
            run.outcomes.append(found.outcome)
            run.problems += _problems(found, config, written=problem is None,
                                      cited=request.cited)
    finally:
        run.requests, run.cache_hits = session.requests, session.cache_hits
        if own:
            session.close()
    if new and problem is None:
        write_entries(path, existing + new)
        run.written = [e.key for e in new]
    return run


def _existing(path: Path, config: Config) -> tuple[list[BibEntry], Problem | None]:
    """The entries already in ``lookup.bib``, and why it must not be rewritten (a file
    relwork did not write, or one with a block it cannot read), if so."""
    shown = config.display(path)
    existing, broken = read_entries(path)
    if not owned(path):
        return existing, Problem(
            "warning", f"lookup.bib is {shown}, a file relwork did not write; nothing found "
            "online is written to it", config.where("lookup_bib"),
            "point 'lookup.bib' in relwork.yaml to a file of its own (default bib/lookup.bib)",
            "lookup-bib-foreign")
    if broken:
        return existing, Problem(
            "warning", f"{shown} has a block relwork cannot read (line {broken[0]}); nothing "
            "found online is written until it is fixed", Source(shown, broken[0]),
            "fix the entry there, or delete the file to start it afresh", "lookup-bib-broken")
    return existing, None


def _place(found: Found, paper: Paper, index: BibIndex, new_papers: dict[str, Paper],
           taken: set[str], style: str, new: list[BibEntry]) -> None:
    """Give ``paper`` its key: the user's (already in the bib), one written this run, or a
    new one added to ``new``."""
    outcome = found.outcome
    outcome.paper = paper.candidate(100.0)
    key = in_bib(index, paper)
    if key is None:
        key = next((k for k, p in new_papers.items()
                    if (paper.doi and p.doi == paper.doi)
                    or normalize_title(p.title) == normalize_title(paper.title)), None)
    if key is not None:
        outcome.key = key
        if key not in new_papers:
            outcome.status = "in-bib"
            outcome.reason = f"already in the bibliography as {key}"
        else:
            outcome.status = "found"
        return
    key = make_key(paper, style, taken)
    taken.add(key)
    new_papers[key] = paper
    new.append(entry_for(paper, key))
    outcome.status, outcome.key = "found", key


def _problems(found: Found, config: Config, *, written: bool, cited: str = "") -> list[Problem]:
    outcome = found.outcome
    where = outcome.source
    target = config.display(config.lookup_bib)
    if outcome.status == "found":
        done = f"written to {target}" if written else f"not written ({target} is not writable)"
        return [Problem("info", f"found online: {outcome.key} ({outcome.reason}), {done}",
                        where, None, "lookup-found")]
    if outcome.status == "in-bib" and cited:
        # the citation names an identifier the entry lacks, so it still resolves to nothing
        label = "DOI" if outcome.kind == "doi" else "arXiv id"
        field_name = "doi" if outcome.kind == "doi" else "eprint"
        return [Problem("warning", f"[@{cited}] is {outcome.key} in the bibliography "
                        f"(found online: {outcome.reason}), whose entry has no such {label}",
                        where, f"cite [@{outcome.key}], or add {field_name} = "
                        f"{{{outcome.value}}} to that entry", "lookup-in-bib-cited")]
    if outcome.status == "in-bib":
        return [Problem("info", f"found online; {outcome.reason}", where, None,
                        "lookup-in-bib")]
    if outcome.status == "review":
        shown = "; ".join(
            f"'{c.title}' ({', '.join(c.authors[:2])}{' et al.' if len(c.authors) > 2 else ''}"
            f"{', ' + str(c.year) if c.year else ''}{', ' + c.venue if c.venue else ''}, "
            f"{c.service}, {c.score:.0f})" for c in outcome.candidates[:3])
        return [Problem("warning", f"online lookup needs review: {outcome.reason}; "
                        f"candidates: {shown}", where,
                        "add the right paper's DOI or arXiv id to the note, or use "
                        "--accept-review" if outcome.acceptable else
                        "add the paper's DOI or arXiv id to the note", "lookup-review")]
    if outcome.status == "failed":
        return [Problem("warning", f"online lookup failed: {outcome.reason}", where,
                        "try again later, or use --offline to build without it",
                        "lookup-failed")]
    # info: the build's own "no entry in the bibliography" warning already says it
    return [Problem("info", f"not found online: {outcome.reason}", where,
                    "add the paper's DOI or arXiv id to the note", "lookup-not-found")]
