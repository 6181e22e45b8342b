"""The arXiv API: one paper by id (``/api/query?id_list=``), read from its Atom feed,
with ``arxiv:doi`` and ``arxiv:journal_ref`` pointing to the published version."""

from __future__ import annotations

import xml.etree.ElementTree as ET

from ..ids import normalize_arxiv, normalize_doi
from .http import ServiceClient, ServiceError
from .paper import Paper, clean_text, year_of
from .parse import xml_body

NAME = "arxiv"
_ATOM = "{http://www.w3.org/2005/Atom}"
_ARXIV = "{http://arxiv.org/schemas/atom}"


def by_id(client: ServiceClient, arxiv_id: str) -> Paper | None:
    """The paper with ``arxiv_id`` (version dropped), or None when arXiv has none."""
    response = client.get("/api/query", {"id_list": arxiv_id, "max_results": "1"},
                          accept="application/atom+xml")
    root = xml_body(NAME, response)
    for entry in root.findall(f"{_ATOM}entry"):
        entry_id = entry.findtext(f"{_ATOM}id", "")
        title = clean_text(entry.findtext(f"{_ATOM}title", ""))
        if "/api/errors" in entry_id:
            summary = clean_text(entry.findtext(f"{_ATOM}summary", ""))
            raise ServiceError(NAME, "http", f"arXiv refused the query: {summary or title}")
        if normalize_arxiv(entry_id) != arxiv_id:
            continue
        if not title:
            raise ServiceError(NAME, "format", f"the record {arxiv_id} has no title")
        return _paper(entry, arxiv_id, title)
    return None


def _paper(entry: ET.Element, arxiv_id: str, title: str) -> Paper:
    authors = [clean_text(a.findtext(f"{_ATOM}name", "")) for a in entry.findall(f"{_ATOM}author")]
    doi = normalize_doi(entry.findtext(f"{_ARXIV}doi", "") or "")
    journal_ref = clean_text(entry.findtext(f"{_ARXIV}journal_ref", "") or "")
    primary = entry.find(f"{_ARXIV}primary_category")
    fields = {"eprint": arxiv_id, "archiveprefix": "arXiv",
              "url": f"https://arxiv.org/abs/{arxiv_id}"}
    if primary is not None and primary.get("term"):
        fields["primaryclass"] = str(primary.get("term"))
    return Paper(title=title, authors=[a for a in authors if a],
                 year=year_of(entry.findtext(f"{_ATOM}published", "")), venue="arXiv",
                 kind="misc", service=NAME, doi=doi, arxiv=arxiv_id, ref=arxiv_id,
                 preprint=True, fields=fields, journal_ref=journal_ref)
