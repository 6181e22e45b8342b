"""Crossref's REST API: a work by DOI (``/works/{doi}``), its BibTeX
(``/works/{doi}/transform/application/x-bibtex``) and a bibliographic search
(``/works?query.bibliographic=``), read from the documented JSON message format."""

from __future__ import annotations

import urllib.parse
from typing import Any, NoReturn

from ..ids import arxiv_of_doi, normalize_doi
from .http import ServiceClient, ServiceError
from .paper import Paper, clean_name, clean_text, year_of
from .parse import json_body

NAME = "crossref"

_KINDS = {"journal-article": "article", "proceedings-article": "inproceedings",
          "book-chapter": "incollection", "book": "book", "posted-content": "misc",
          "report": "techreport", "dissertation": "phdthesis"}


def by_doi(client: ServiceClient, doi: str) -> Paper | None:
    """The work with ``doi``, or None when Crossref does not know it (404)."""
    response = client.get(f"/works/{urllib.parse.quote(doi, safe='/')}")
    if response.status == 404:
        return None
    data = json_body(NAME, response)
    message = data.get("message") if isinstance(data, dict) else None
    if not isinstance(message, dict):
        raise_format("the answer has no 'message' object")
    return paper_of(message)


def bibtex(client: ServiceClient, doi: str) -> str | None:
    """Crossref's own BibTeX of ``doi``; None when it has none."""
    response = client.get(f"/works/{urllib.parse.quote(doi, safe='/')}"
                          "/transform/application/x-bibtex", accept="application/x-bibtex")
    if response.status != 200 or "@" not in response.body or response.is_html():
        return None
    return response.body.strip()


def search(client: ServiceClient, title: str, rows: int = 5) -> list[Paper]:
    """The best ``rows`` works for a bibliographic query of ``title``."""
    response = client.get("/works", {"query.bibliographic": title, "rows": str(rows)})
    data = json_body(NAME, response)
    message = data.get("message") if isinstance(data, dict) else None
    items = message.get("items") if isinstance(message, dict) else None
    if not isinstance(items, list):
        raise_format("the answer has no 'message.items' list")
    return [paper_of(item) for item in items if isinstance(item, dict) and item.get("title")]


def raise_format(why: str) -> NoReturn:
    raise ServiceError(NAME, "format", why)


def paper_of(message: dict[str, Any]) -> Paper:
    """A ``Paper`` from one Crossref work object."""
    titles = message.get("title")
    title = clean_text(str(titles[0])) if isinstance(titles, list) and titles else ""
    if not title:
        raise_format(f"the record {message.get('DOI', '')} has no title")
    authors = []
    for person in message.get("author") or []:
        if not isinstance(person, dict):
            continue
        name = " ".join(str(person.get(k, "")) for k in ("given", "family")).strip()
        authors.append(clean_name(name or str(person.get("name", ""))))
    year = None
    for date_key in ("published-print", "published-online", "issued", "published", "created"):
        parts = (message.get(date_key) or {}).get("date-parts") or [[None]]
        if isinstance(parts, list) and parts and isinstance(parts[0], list) and parts[0]:
            year = year_of(parts[0][0])
            if year:
                break
    containers = message.get("container-title") or []
    venue = clean_text(str(containers[0])) if containers else ""
    kind = _KINDS.get(str(message.get("type", "")), "misc")
    doi = normalize_doi(str(message.get("DOI", "")))
    fields = {"volume": str(message.get("volume", "")), "number": str(message.get("issue", "")),
              "pages": str(message.get("page", "")), "publisher":
              clean_text(str(message.get("publisher", "")))}
    if kind == "article":
        fields["journal"] = venue
    elif kind in ("inproceedings", "incollection"):
        fields["booktitle"] = venue
    return Paper(title=title, authors=[a for a in authors if a], year=year, venue=venue,
                 kind=kind, service=NAME, doi=doi, arxiv=arxiv_of_doi(doi or ""),
                 ref=doi or "", preprint=kind == "misc" or bool(arxiv_of_doi(doi or "")),
                 fields={k: v for k, v in fields.items() if v})
