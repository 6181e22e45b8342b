"""A heading without the citation people add to it ("(Vaswani et al., 2017)", "[ICML 2017]"),
plus the authors and year that citation names."""

from __future__ import annotations

import re

_YEAR = r"(?:19|20)\d{2}"
_NAME = r"[A-Z][\w'’-]+"
_TRAIL_GROUP = re.compile(r"\s*[(\[]([^()\[\]]*)[)\]]\s*$")
_LEAD_GROUP = re.compile(rf"^\s*[(\[]([^()\[\]]*{_YEAR}[^()\[\]]*)[)\]]\s*[-:–—.]?\s*")
_LEAD_CITE = re.compile(
    rf"^({_NAME}(?:\s+(?:et\s+al\.?|(?:and|&)\s+{_NAME}))?),?\s+\(?({_YEAR})[a-z]?\)?\s*[-:–—.]\s+")
_TRAIL_CITE = re.compile(
    rf"\s+[-–—]\s+({_NAME}(?:\s+(?:et\s+al\.?|(?:and|&)\s+{_NAME}))?),?\s+\(?({_YEAR})[a-z]?\)?$")


def _cite_authors(text: str) -> list[str]:
    """Family names in a citation-like text: "Kingma & Ba, 2015" -> ["Kingma", "Ba"]."""
    text = re.sub(rf"{_YEAR}[a-z]?|et\s+al\.?", " ", text)
    names = re.split(r"\s*(?:,|;|&|\band\b)\s*", text)
    return [n.split()[-1] for n in names if n.strip() and re.match(_NAME, n.strip())]


def split_heading(title: str) -> tuple[str, list[str], int | None]:
    """A heading without the citation people add to it, plus the authors and year found.

    ``"Attention is all you need (Vaswani et al., 2017)"`` -> ``("Attention is all you
    need", ["Vaswani"], 2017)``; also ``"[ICML 2017] ..."``, ``"Kingma and Welling 2014 -
    ..."`` and ``"... - Ho et al. 2020"``. Other headings come back unchanged.
    """
    text = title.strip()
    authors: list[str] = []
    year: int | None = None
    m = _TRAIL_GROUP.search(text)
    if m and re.search(rf"\b{_YEAR}\b|\bet\s+al\b", m.group(1)) and m.start() >= 3:
        text, inner = text[:m.start()].rstrip(" ,.-–—"), m.group(1)
        authors = _cite_authors(inner.split(",")[0] if re.search(_YEAR, inner) else inner)
        found = re.search(rf"\b({_YEAR})\b", inner)
        year = int(found.group(1)) if found else None
    m = _TRAIL_GROUP.search(text)
    if m and m.start() >= 3 and len(m.group(1).split()) <= 2 and \
            re.fullmatch(r"[\w.+-]*[A-Z0-9][\w.+ -]*", m.group(1).strip()):
        text = text[:m.start()].rstrip()  # a nickname: "... Transformer (T5)", "(GPT-2)"
    for pattern in (_LEAD_GROUP, _LEAD_CITE, _TRAIL_CITE):
        m = pattern.search(text)
        if m is None or len(text) - len(m.group(0)) < 3:
            continue
        if pattern is _LEAD_GROUP:
            found = re.search(rf"({_YEAR})", m.group(1))
            year = year or (int(found.group(1)) if found else None)
        else:
            authors = authors or _cite_authors(m.group(1))
            year = year or int(m.group(2))
        text = (text[m.end():] if m.start() == 0 else text[:m.start()]).strip()
    if authors and all(a.lower() in {"icml", "neurips", "nips", "iclr", "cvpr", "arxiv"}
                       for a in authors):
        authors = []  # "(ICML 2017)" names a venue, not authors
    return text, authors, year

