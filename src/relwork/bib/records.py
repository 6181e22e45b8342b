"""One entry's raw fields -> the normalised views a ``BibRecord`` keeps: plain title,
normalised title and short title, family names, year, DOI and arXiv id."""

from __future__ import annotations

import re

from ..ids import arxiv_of_doi, normalize_arxiv, normalize_doi, normalize_title
from ..text import latex_to_text
from .names import family_names
from .values import field_text

# One parsed entry, compact for pickling (a tuple, interned names): key, type, fields, line,
# raw, title, title_norm, authors, year, doi, arxiv, shorttitle_norm.
RecordTuple = tuple[str, str, dict[str, str], int, str, str, str, list[str],
                     "int | None", "str | None", "str | None", str]

_YEAR_RE = re.compile(r"(?<!\d)(\d{4})(?!\d)")


def _plain(fields: dict[str, str], name: str, macros: dict[str, str]) -> str:
    raw = fields.get(name)
    return field_text(raw, macros) if raw else ""


def derive(key: str, etype: str, fields: dict[str, str], line: int,
           raw: str, macros: dict[str, str]) -> RecordTuple:
    """The normalised views of one entry, as a compact tuple (see ``RecordTuple``)."""
    title = latex_to_text(_plain(fields, "title", macros))
    names = _plain(fields, "author", macros) or _plain(fields, "editor", macros)
    authors = family_names(names) if names else []
    year = None
    ym = _YEAR_RE.search(_plain(fields, "year", macros) or _plain(fields, "date", macros))
    if ym:
        year = int(ym.group(1))
    doi = _doi(_plain(fields, "doi", macros), fields.get("url", ""))
    arxiv = _arxiv(fields, macros, doi)
    short = _plain(fields, "shorttitle", macros)
    if short:
        short_norm = normalize_title(short)
    else:
        head, colon, _rest = title.partition(":")
        short_norm = normalize_title(head) if colon and len(head.split()) <= 3 else ""
    return (key, etype, fields, line, raw, title, normalize_title(title), authors, year, doi,
            arxiv, short_norm)


def _doi(value: str, url: str) -> str | None:
    if value:
        return normalize_doi(value)
    if url and "doi.org/" in url:
        return normalize_doi(url[url.index("doi.org/"):].rstrip("}"))
    return None


def _arxiv(fields: dict[str, str], macros: dict[str, str], doi: str | None) -> str | None:
    eprint = _plain(fields, "eprint", macros)
    if eprint:
        prefix = (_plain(fields, "archiveprefix", macros)
                  or _plain(fields, "eprinttype", macros)).lower()
        found = normalize_arxiv(eprint)
        if found and (prefix in ("", "arxiv") or "arxiv" in prefix):
            return found
    if "arxiv" in fields:
        found = normalize_arxiv(_plain(fields, "arxiv", macros))
        if found:
            return found
    for name in ("journal", "journaltitle", "booktitle", "note", "howpublished", "volume"):
        value = fields.get(name)
        if value and ("arxiv" in value.lower() or name == "volume"):
            text = field_text(value, macros)
            low = text.lower()
            if "arxiv" in low:
                found = normalize_arxiv(text)
                if found:
                    return found
            elif name == "volume" and low.startswith("abs/") and \
                    "corr" in fields.get("journal", "").lower():
                found = normalize_arxiv(text[4:])  # DBLP: journal = {CoRR}, volume = {abs/...}
                if found:
                    return found
    url = fields.get("url", "")
    if url and "arxiv.org/" in url.lower():
        found = normalize_arxiv(url)
        if found:
            return found
    return arxiv_of_doi(doi) if doi else None

