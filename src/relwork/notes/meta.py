"""Metadata of a paper: front-matter values and 'Key: value' bullets -> ids and meta."""

from __future__ import annotations

import re
from datetime import date, datetime
from typing import Any

from ..ids import exact_arxiv, normalize_doi
from ..model import Entry, Problem, Source
from .identifiers import add_doi, add_key, add_link
from .titles import clean_title, strip_md

#: Metadata bullets/lines: key -> what it sets.
META_KEYS = {
    "title": "title",
    "authors": "authors", "author": "authors", "creators": "authors",
    "link": "url", "links": "url", "url": "url", "paper": "url", "pdf": "url",
    "year": "year", "date": "date", "published": "published",
    "tags": "tags", "tag": "tags", "keywords": "tags", "topics": "tags",
    "doi": "doi", "arxiv": "arxiv", "eprint": "arxiv",
    "key": "key", "citekey": "key", "cite key": "key", "citation key": "key",
    "bibkey": "key", "bibtex key": "key", "citation_key": "key", "id": "key",
    "status": "status", "venue": "venue", "journal": "venue", "conference": "venue",
    "booktitle": "venue",
}
_META_ALT = "|".join(sorted((re.escape(w) for w in META_KEYS), key=len, reverse=True))
META_RE = re.compile(
    r"^[ \t]*(?:>[ \t]*)*(?:(?:[-*+]|\d{1,9}[.)])[ \t]+)?"
    r"(?:\*\*|__)?(" + _META_ALT + r")[ \t]*(?:\*\*|__)?[ \t]*:[ \t]*(?:\*\*|__)?[ \t]*"
    r"(.*?)[ \t]*$", re.I)

_LINK_RE = re.compile(r"\]\(([^)\s]+)\)|<([^>\s]+)>|(\S+://\S+|\S*(?:doi|arxiv)\S*)", re.I)
_EXPLICIT_KEY = frozenset(
    ("citekey", "cite key", "citation key", "bibkey", "bibtex key", "citation_key"))


def _bullet_is_meta(lk: str, kind: str, value: str) -> bool:
    """Is 'Key: value' in the text really metadata, or prose such as 'Paper: great idea'?"""
    plain = strip_md(value)
    if kind in ("title", "authors", "tags", "venue"):
        return bool(plain)
    if kind == "year":
        return _year(plain) is not None
    if kind in ("date", "published"):
        return any(ch.isdigit() for ch in plain)
    if kind == "status":
        return 0 < len(plain.split()) <= 3
    if kind == "key":
        return lk in _EXPLICIT_KEY or (" " not in plain.strip("[]@ ") and bool(plain))
    if kind == "doi":
        return normalize_doi(plain) is not None
    if kind == "arxiv":
        return exact_arxiv(plain) is not None
    if kind == "url":
        # a link, perhaps with a word or two ("paper", "code"); a sentence that mentions a
        # link ("Links: the project page and the code are online") is prose
        rest = re.sub(r"\[[^\]]*\]\([^)]*\)|<[^>\s]+>|\S+://\S+", " ", plain)
        return _LINK_RE.search(plain) is not None and len(rest.split()) <= 3
    return False


def apply_meta(
    entry: Entry, key: str, value: Any, where: Source, problems: list[Problem],
    *, from_front: bool = False,
) -> bool:
    """Put one front-matter value or metadata bullet into the entry.

    Returns False (and changes nothing) for a bullet line that is prose, not metadata.
    """
    lk = key.lower().strip()
    kind = META_KEYS.get(lk) if (from_front or lk in META_KEYS) else None
    if from_front and lk in ("url", "link", "links", "pdf"):
        kind = "url"
    if from_front and lk in ("date", "published", "venue", "paper"):
        kind = None  # in front matter these keep their own meaning
    if kind is None:
        entry.meta[key] = value
        return True
    if not from_front and not _bullet_is_meta(lk, kind, str(value)):
        return False
    if kind == "title":
        title = clean_title(strip_md(str(value)))
        if title:
            if entry.title != title:
                entry.meta.setdefault("heading", entry.title)  # keep the short name
            entry.title = title
            if not from_front:
                entry.source = where
    elif kind == "authors":
        entry.meta["authors"] = _split_authors(value)
    elif kind == "year":
        year = _year(value)
        if year is not None:
            entry.meta["year"] = year
        else:
            problems.append(Problem(
                "warning", f"year '{value}' is not a year; ignored", where,
                "write a four-digit year such as 2019", "meta",
            ))
    elif kind == "tags":
        entry.meta["tags"] = _split_tags(value)
    elif kind == "status":
        entry.meta["status"] = strip_md(str(value))
    elif kind == "key":
        for k in value if isinstance(value, list) else [value]:
            add_key(entry, strip_md(str(k)).strip("[]@ "), where, problems)
    elif kind == "doi":
        for v in value if isinstance(value, list) else [value]:
            doi = normalize_doi(strip_md(str(v)))
            if doi:
                add_doi(entry, doi)
    elif kind == "arxiv":
        for v in value if isinstance(value, list) else [value]:
            arxiv = exact_arxiv(strip_md(str(v)))
            if arxiv:
                entry.add_id("arxiv", arxiv)
    elif kind == "url":
        for v in value if isinstance(value, list) else [value]:
            link = _LINK_RE.search(strip_md(str(v)))
            if link:
                add_link(entry, next(g for g in link.groups() if g))
    else:
        entry.meta[kind] = strip_md(str(value)) if not from_front else value
    return True


def merge_file_meta(entry: Entry, front: dict[str, Any]) -> None:
    """Front matter of a multi-paper file (no title/ids): its tags etc. apply to each paper."""
    for key, value in front.items():
        if key.startswith("__"):
            continue
        if key.lower() in ("tags", "tag", "keywords"):
            tags = list(entry.meta.get("tags", []))
            tags += [t for t in _split_tags(value) if t not in tags]
            entry.meta["tags"] = tags
        elif key.lower() == "status":
            entry.meta.setdefault("status", str(value))


def _split_authors(value: Any) -> list[str]:
    if isinstance(value, list):
        return [_person(v) for v in value if _person(v)]
    text = strip_md(str(value))
    if " and " in text:
        parts = text.split(" and ")
    elif ";" in text:
        parts = text.split(";")
    else:
        parts = [p.strip() for p in text.split(",")]
        single = all(p and " " not in p for p in parts)
        if single and len(parts) % 2 == 0:  # "Smith, John" or "Smith, J., Doe, Jane"
            parts = [f"{parts[i]}, {parts[i + 1]}" for i in range(0, len(parts), 2)]
    return [p.strip(" .") for p in parts if p.strip(" .")]


def _person(value: Any) -> str:
    """A name, or a Zotero creator {firstName, lastName} / {name} as 'Last, First'."""
    if isinstance(value, dict):
        last, first = value.get("lastName") or value.get("name") or "", value.get("firstName")
        return f"{last}, {first}".strip(", ") if first else str(last).strip()
    return str(value).strip()


def _split_tags(value: Any) -> list[str]:
    if isinstance(value, list):
        items = [str(v) for v in value]
    else:
        text = strip_md(str(value))
        items = text.split(",") if "," in text else text.split()
    return [t.strip().lstrip("#") for t in items if t.strip().lstrip("#")]


def _year(value: Any) -> int | None:
    if isinstance(value, (date, datetime)):
        return value.year
    if isinstance(value, int) and not isinstance(value, bool):
        return value if 1000 <= value <= 2999 else None
    m = re.search(r"\b(1[5-9]\d\d|2\d\d\d)\b", str(value))
    return int(m.group(1)) if m else None
