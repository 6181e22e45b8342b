"""Stub BibTeX entries for papers missing from the bibliography, marked as missing and
naming the note's file:line, with keys and values that cannot break the ``.bib``."""

from __future__ import annotations

import re
import zlib

from ..ids import family_name, normalize_arxiv, normalize_doi, normalize_title
from ..model import BibRecord, Entry
from ..text import braces_balanced

_STOP = frozenset("a an the of for in on with and to via by from using is are at as".split())
_BIBTEX_SPECIAL = {"\\": r"\textbackslash{}", "{": "", "}": "", "&": r"\&", "%": r"\%",
                   "#": r"\#", "_": r"\_", "$": r"\$", "~": r"\textasciitilde{}",
                   "^": r"\textasciicircum{}"}


def _bibtex_text(text: str) -> str:
    """Plain text as a BibTeX field value: LaTeX specials escaped, braces dropped (balanced)."""
    text = re.sub(r"\[([^\]]*)\]\([^)]*\)", r"\1", text)  # Markdown link -> its text
    text = re.sub(r"[*`]+", "", text)
    return "".join(_BIBTEX_SPECIAL.get(c, c) for c in " ".join(text.split()))


_SAFE_DOI = re.compile(r"[-._;()/:a-z0-9]+")
_URL_KEEP = re.compile(r"[^A-Za-z0-9\-._~:/?#\[\]@!$&'()*+,;=%]")


def _url_text(url: str) -> str:
    """A URL with every character outside RFC 3986's set percent-encoded (braces, backslash,
    quotes, spaces): nothing in it can end a BibTeX field or start a TeX command."""
    return _URL_KEEP.sub(lambda m: "".join(f"%{b:02X}" for b in m.group(0).encode()), url)


def _field(text: str) -> str:
    """``{text}`` as a BibTeX field value that ends where it should: one line, braces
    balanced (else all dropped), so note text can never close the field or start an entry."""
    text = " ".join(text.split())
    if not braces_balanced(text):
        text = text.replace("{", "").replace("}", "")
    return "{" + text + "}"


def stub_key(entry: Entry) -> str:
    """A BibTeX-safe key for a paper missing from the bib: ``missing_learining_deep_latent``."""
    words = [w for w in normalize_title(entry.title).split() if w not in _STOP]
    year = entry.meta.get("year")
    tail = words[:4] + ([str(year)] if isinstance(year, (int, str)) and str(year).isdigit()
                        else [])
    if not words:
        tail = [f"{zlib.crc32(str(entry.source).encode()):08x}"]  # stable across runs
    return "missing_" + "_".join(tail)


def make_stub(entry: Entry) -> BibRecord:
    """A ``@misc`` record for ``entry`` marked as missing from the bibliography.

    The key is derived from the title (``missing_<words>``, BibTeX-safe); ``raw`` is the
    entry text ready to write; its ``note`` says it is missing and names the note's file:line.
    """
    key = stub_key(entry)
    title = " ".join(entry.title.split()) or "Untitled"
    fields: dict[str, str] = {"title": _field(_bibtex_text(title))}
    authors = entry.meta.get("authors") or []
    if isinstance(authors, str):
        authors = [authors]
    names = [str(a).strip() for a in authors if str(a).strip()]
    if names:
        fields["author"] = _field(_bibtex_text(" and ".join(names)))
    year = entry.meta.get("year")
    year_int = int(year) if isinstance(year, (int, str)) and str(year).isdigit() else None
    if year_int:
        fields["year"] = _field(str(year_int))
    doi = next((d for d in (normalize_doi(x) for x in entry.ids.get("doi", [])) if d), None)
    if doi and not _SAFE_DOI.fullmatch(doi):
        doi = None  # not a DOI's characters: never written into the .bib
    arxiv = next((a for a in (normalize_arxiv(x) for x in entry.ids.get("arxiv", [])) if a),
                 None)
    if doi:
        fields["doi"] = _field(doi)
    if arxiv:
        fields["eprint"] = _field(arxiv)
        fields["archiveprefix"] = "{arXiv}"
    urls = entry.ids.get("url", [])
    if urls:
        fields["url"] = _field(_url_text(urls[0]))
    fields["note"] = _field("relwork: missing from bibliography, see "
                            + _bibtex_text(str(entry.source)))
    width = max(len(name) for name in fields)
    body = ",\n".join(f"  {name.ljust(width)} = {value}" for name, value in fields.items())
    raw = f"@misc{{{key},\n{body}\n}}"
    return BibRecord(
        key=key, type="misc", fields=fields, source=entry.source, raw=raw, title=title,
        title_norm=normalize_title(title), authors=[family_name(n) for n in names], year=year_int,
        doi=doi, arxiv=arxiv, shorttitle_norm="")
