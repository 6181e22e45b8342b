"""Semantic Scholar's Graph API: the paper whose title best matches a query
(``/graph/v1/paper/search/match``); a 404 means no title matched."""

from __future__ import annotations

from typing import Any

from ..ids import normalize_arxiv, normalize_doi
from .http import ServiceClient, ServiceError
from .paper import Paper, clean_name, clean_text, year_of
from .parse import json_body

NAME = "semanticscholar"
FIELDS = "title,authors,year,venue,externalIds,publicationTypes,journal"
#: the environment variable holding an API key (sent as ``x-api-key``)
KEY_ENV = "SEMANTIC_SCHOLAR_API_KEY"


def match(client: ServiceClient, title: str) -> list[Paper]:
    """The best title match for ``title`` (a list of zero or one paper)."""
    response = client.get("/graph/v1/paper/search/match", {"query": title, "fields": FIELDS})
    if response.status == 404 and not response.is_html():
        return []
    data = json_body(NAME, response)
    rows = data.get("data") if isinstance(data, dict) else None
    if not isinstance(rows, list):
        raise ServiceError(NAME, "format", "the answer has no 'data' list")
    return [_paper(row) for row in rows if isinstance(row, dict)]


def _paper(row: dict[str, Any]) -> Paper:
    title = clean_text(str(row.get("title") or ""))
    if not title:
        raise ServiceError(NAME, "format", f"the record {row.get('paperId', '')} has no title")
    ids = row.get("externalIds") if isinstance(row.get("externalIds"), dict) else {}
    assert isinstance(ids, dict)
    arxiv = normalize_arxiv(str(ids.get("ArXiv", ""))) if ids.get("ArXiv") else None
    doi = normalize_doi(str(ids.get("DOI", ""))) if ids.get("DOI") else None
    venue = str(row.get("venue") or "")
    journal = row.get("journal") if isinstance(row.get("journal"), dict) else {}
    assert isinstance(journal, dict)
    types = row.get("publicationTypes") or []
    preprint = not venue or venue.lower() in ("arxiv.org", "arxiv") or (
        doi is not None and doi.startswith("10.48550/"))
    kind = ("misc" if preprint else "article" if "JournalArticle" in types
            else "inproceedings")
    fields = {"volume": str(journal.get("volume") or ""),
              "pages": " ".join(str(journal.get("pages") or "").split())}
    fields["journal" if kind == "article" else "booktitle"] = venue
    authors = [clean_name(str(a.get("name", ""))) for a in row.get("authors") or []
               if isinstance(a, dict)]
    return Paper(title=title, authors=[a for a in authors if a], year=year_of(row.get("year")),
                 venue=venue, kind=kind, service=NAME, doi=doi, arxiv=arxiv,
                 ref=str(row.get("paperId", "")), preprint=preprint, fields=fields)
