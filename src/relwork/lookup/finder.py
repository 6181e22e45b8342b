"""Finding one paper online: by DOI (Crossref), by arXiv id (arXiv, then its published
version), or by title (the services in ``lookup.order``), checked by ``decide``."""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass, field

from ..ids import arxiv_of_doi, normalize_arxiv, normalize_doi
from ..model import LookupOutcome, Source
from . import arxiv as arxiv_api
from . import crossref, dblp, semanticscholar
from .decide import Decision, Query, authors_agree, decide, title_agreement
from .http import ServiceError
from .paper import Paper
from .session import Session


@dataclass
class Found:
    """The outcome (``model.LookupOutcome``, without a key yet), the paper to write when
    found, and the papers behind a review's candidates (for --accept-review)."""

    outcome: LookupOutcome
    paper: Paper | None = None
    review: list[Paper] = field(default_factory=list)
    failures: list[ServiceError] = field(default_factory=list)


def find_paper(session: Session, *, doi: str | None = None, arxiv: str | None = None,
               title: str | None = None, authors: tuple[str, ...] = (),
               year: int | None = None, source: Source | None = None) -> Found:
    """Look one paper up. The strongest identifier given is used: a DOI, else an arXiv id
    (both exact), else the title, checked against ``authors`` and ``year``. ``source`` is
    the note's file:line, kept in the outcome for messages."""
    doi = normalize_doi(doi) if doi else None
    if doi and arxiv_of_doi(doi):
        arxiv, doi = arxiv_of_doi(doi), None
    arxiv = normalize_arxiv(arxiv) if arxiv else None
    kind, value = (("doi", doi) if doi else ("arxiv", arxiv) if arxiv
                   else ("title", " ".join((title or "").split())))
    query = Query(kind, value or "", title or "", tuple(authors), year)
    hits_before = session.cache_hits
    requests_before = session.requests
    found = Found(LookupOutcome(kind, value or "", source, "not-found"))
    try:
        if doi:
            _by_doi(session, doi, found)
        elif arxiv:
            _by_arxiv(session, arxiv, found)
        elif query.value:
            _by_title(session, query, found)
        else:
            found.outcome.reason = "no title, DOI or arXiv id to look up"
    except ServiceError as exc:
        found.failures.append(exc)
    if kind != "title" and found.outcome.status == "not-found" and query.title.strip():
        # a DOI Crossref does not register (DataCite, Zenodo) or an id arXiv lacks: the
        # title may still find the paper, by the same precision rules
        missed = found.outcome.reason
        _by_title(session, dataclasses.replace(query, kind="title", value=" ".join(
            query.title.split())), found)
        if found.outcome.status == "not-found":
            found.outcome.reason = f"{missed}; {found.outcome.reason}"
    if found.outcome.status == "not-found" and found.failures:
        found.outcome.status = "failed"
        found.outcome.reason = "; ".join(f"{e.service}: {e.message}" for e in found.failures)
    found.outcome.cached = session.requests == requests_before and \
        session.cache_hits > hits_before
    return found


def _accept(found: Found, paper: Paper, reason: str) -> None:
    found.paper = paper
    found.outcome.status = "found"
    found.outcome.paper = paper.candidate(100.0)
    found.outcome.reason = reason


def _by_doi(session: Session, doi: str, found: Found) -> None:
    paper = crossref.by_doi(session.client("crossref"), doi)
    if paper is None:
        found.outcome.reason = f"Crossref does not know the DOI {doi}"
        return
    paper.bibtex = crossref.bibtex(session.client("crossref"), doi)
    _accept(found, paper, "by its DOI (Crossref)")


def _by_arxiv(session: Session, arxiv: str, found: Found) -> None:
    paper = arxiv_api.by_id(session.client("arxiv"), arxiv)
    if paper is None:
        found.outcome.reason = f"arXiv has no paper {arxiv}"
        return
    published = _published(session, paper, found)
    if published is not None:
        _accept(found, published, "by its arXiv id; the published version")
    else:
        _accept(found, paper, "by its arXiv id (no published version known)")


def _published(session: Session, preprint: Paper, found: Found) -> Paper | None:
    """The published version of an arXiv ``preprint``: through its ``arxiv:doi`` (Crossref),
    else, when it has a ``journal_ref``, a DBLP record of the same work that is no preprint."""
    try:
        if preprint.doi and not arxiv_of_doi(preprint.doi):
            paper = crossref.by_doi(session.client("crossref"), preprint.doi)
            # the authors put arxiv:doi there; a published title may be reworded, so a
            # near title or the same first author is enough to trust it
            if paper is not None and (title_agreement(preprint.title, paper.title) != "none"
                                      or authors_agree(tuple(preprint.authors[:1]),
                                                       paper.authors)):
                paper.arxiv = preprint.arxiv
                paper.bibtex = crossref.bibtex(session.client("crossref"), preprint.doi)
                return paper
        if preprint.journal_ref and "dblp" in session.settings.order:
            query = Query("title", preprint.title, preprint.title, tuple(preprint.authors[:3]))
            decision = decide(query, dblp.search(session.client("dblp"), preprint.title))
            if decision.paper is not None and not decision.paper.preprint:
                paper = decision.paper
                paper.arxiv = paper.arxiv or preprint.arxiv
                paper.bibtex = dblp.bibtex(session.client("dblp"), paper.ref)
                return paper
    except ServiceError as exc:
        found.failures.append(exc)
    return None


def _search(session: Session, service: str, title: str) -> list[Paper]:
    client = session.client(service)
    if service == "dblp":
        return dblp.search(client, title)
    if service == "crossref":
        return crossref.search(client, title)
    return semanticscholar.match(client, title)


def _by_title(session: Session, query: Query, found: Found) -> None:
    """Ask the services in order; decide on everything seen so far, so one service that
    knows only one of two papers with the same title cannot outvote another that knows
    both."""
    seen: list[Paper] = []
    decision = Decision("not-found")
    for service in session.settings.order:
        try:
            seen += _search(session, service, query.value)
        except ServiceError as exc:
            found.failures.append(exc)
            continue
        decision = decide(query, seen)
        if decision.status == "found" and decision.paper is not None:
            paper = decision.paper
            if paper.preprint and paper.arxiv:
                paper = _upgrade(session, paper, found) or paper
            _own_bibtex(session, paper, found)
            _accept(found, paper, f"{decision.reason} ({paper.service})")
            return
    if decision.status == "review":
        _review(found, decision)
    else:
        found.outcome.reason = "no service has a paper with this title"


def _upgrade(session: Session, paper: Paper, found: Found) -> Paper | None:
    """A preprint found by title: its published version through arXiv, when there is one."""
    try:
        record = arxiv_api.by_id(session.client("arxiv"), paper.arxiv or "")
    except ServiceError as exc:
        found.failures.append(exc)
        return None
    if record is None or title_agreement(paper.title, record.title) != "exact":
        return None
    return _published(session, record, found)


def _own_bibtex(session: Session, paper: Paper, found: Found) -> None:
    if paper.bibtex:
        return
    try:
        if paper.service == "dblp" and paper.ref:
            paper.bibtex = dblp.bibtex(session.client("dblp"), paper.ref)
        elif paper.service == "crossref" and paper.doi:
            paper.bibtex = crossref.bibtex(session.client("crossref"), paper.doi)
    except ServiceError as exc:
        found.failures.append(exc)  # the metadata still makes an entry


def _review(found: Found, decision: Decision) -> None:
    papers: list[tuple[Paper, float]] = []
    for paper, score in decision.candidates:
        if not any(p.title == paper.title and p.authors == paper.authors
                   and p.preprint == paper.preprint for p, _ in papers):
            papers.append((paper, score))
    found.outcome.status = "review"
    found.outcome.reason = decision.reason
    found.outcome.candidates = [p.candidate(s) for p, s in papers[:5]]
    found.review = [p for p, _ in papers[:5]]
    found.outcome.acceptable = decision.acceptable and bool(found.review)
