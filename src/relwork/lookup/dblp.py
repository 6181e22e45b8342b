"""DBLP: publication search (``/search/publ/api?q=&format=json``) and a record's BibTeX
(``/rec/{key}.bib``). DBLP lists a paper's preprint (CoRR) and its published version as two
records; an author list of one is an object, not a list."""

from __future__ import annotations

import re
from typing import Any

from ..ids import arxiv_of_doi, normalize_arxiv, normalize_doi, normalize_title
from .http import ServiceClient, ServiceError
from .paper import Paper, clean_name, clean_text, year_of
from .parse import json_body

NAME = "dblp"
_KINDS = {"Journal Articles": "article", "Conference and Workshop Papers": "inproceedings",
          "Parts in Books or Collections": "incollection", "Books and Theses": "book"}
_INFORMAL = ("Informal Publications", "Informal and Other Publications")
_KEY = re.compile(r"[A-Za-z0-9/_\-.]+")


def search(client: ServiceClient, title: str, hits: int = 10) -> list[Paper]:
    """The publications DBLP finds for ``title`` (at most ``hits``)."""
    # plain words: DBLP gives '|', '-', '$' and '*' a meaning in queries
    query = normalize_title(title)
    response = client.get("/search/publ/api", {"q": query, "format": "json", "h": str(hits)})
    data = json_body(NAME, response)
    try:
        found = data["result"]["hits"]
    except (KeyError, TypeError):
        raise ServiceError(NAME, "format", "the answer has no 'result.hits'") from None
    rows = found.get("hit", []) if isinstance(found, dict) else []
    if isinstance(rows, dict):
        rows = [rows]
    papers = []
    for row in rows:
        info = row.get("info") if isinstance(row, dict) else None
        if isinstance(info, dict):
            papers.append(_paper(info))
    return papers


def bibtex(client: ServiceClient, key: str) -> str | None:
    """DBLP's own BibTeX of the record ``key``; None when it has none."""
    if not _KEY.fullmatch(key) or ".." in key:
        return None
    response = client.get(f"/rec/{key}.bib", accept="application/x-bibtex")
    if response.status != 200 or response.is_html() or "@" not in response.body:
        return None
    return response.body.strip()


def _names(info: dict[str, Any]) -> list[str]:
    block = info.get("authors")
    people = block.get("author", []) if isinstance(block, dict) else []
    if isinstance(people, (dict, str)):  # one author: an object, not a list
        people = [people]
    names = []
    for person in people:
        name = person.get("text", "") if isinstance(person, dict) else str(person)
        if name:
            names.append(clean_name(str(name)))
    return names


def _paper(info: dict[str, Any]) -> Paper:
    title = clean_text(str(info.get("title", ""))).rstrip(".")
    key = str(info.get("key", ""))
    if not title:
        raise ServiceError(NAME, "format", f"the record {key or '(no key)'} has no title")
    venue = info.get("venue", "")
    venue = ", ".join(map(str, venue)) if isinstance(venue, list) else str(venue)
    kind_name = str(info.get("type", ""))
    ee = info.get("ee", "")
    links = [str(e) for e in ee] if isinstance(ee, list) else [str(ee)]
    arxiv = next((a for a in (normalize_arxiv(u) for u in links if "arxiv.org" in u) if a),
                 None)
    preprint = kind_name in _INFORMAL or venue == "CoRR" or key.startswith("journals/corr/")
    doi = normalize_doi(str(info.get("doi", "")))
    if doi and arxiv_of_doi(doi):  # CoRR records carry arXiv's DOI: the eprint says it
        arxiv, doi = arxiv or arxiv_of_doi(doi), None
    if arxiv is None and preprint:
        arxiv = normalize_arxiv(str(info.get("volume", "")).removeprefix("abs/"))
    return Paper(title=title, authors=_names(info), year=year_of(info.get("year")),
                 venue=venue, kind="misc" if preprint else _KINDS.get(kind_name, "misc"),
                 service=NAME, doi=doi, arxiv=arxiv, ref=key, preprint=preprint,
                 fields={"pages": str(info.get("pages", "")), "volume":
                         str(info.get("volume", ""))})
