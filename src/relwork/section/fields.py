"""Bib fields as the section prints them: BibTeX text to plain text and to safe LaTeX,
venues (full and short), and the text used for sorting."""

from __future__ import annotations

import re
import unicodedata
from functools import lru_cache

from ..latex import Latex, escape_latex
from ..model import BibRecord
from ..text import latex_to_text


@lru_cache(maxsize=4096)
def bib_to_text(raw: str) -> str:
    """BibTeX field text (braces, accents, macros) -> plain Unicode on one line."""
    return " ".join(latex_to_text(raw).replace("\u00a0", " ").split())


@lru_cache(maxsize=4096)
def bib_to_latex(raw: str, engine: str = "pdflatex") -> Latex:
    """BibTeX field text -> LaTeX that is safe to print (decoded, then escaped)."""
    return Latex(escape_latex(bib_to_text(raw), engine))


def sort_text(text: str) -> str:
    """Plain lower-case ASCII-ish text for sorting (accents dropped)."""
    decomposed = unicodedata.normalize("NFKD", bib_to_text(text))
    return "".join(c for c in decomposed if not unicodedata.combining(c)).casefold()


def record_venue(record: BibRecord) -> str:
    """Where the work appeared (journal, booktitle, ... in that order), "arXiv" for a
    preprint, else ""."""
    fields = {k.lower(): v for k, v in record.fields.items()}
    for name in ("journal", "journaltitle", "booktitle", "howpublished", "school",
                 "institution", "publisher"):
        if fields.get(name):
            return fields[name]
    if record.arxiv or fields.get("archiveprefix", "").lower() == "arxiv":
        return "arXiv"
    return ""


def short_venue(name: str) -> str:
    """'Proceedings of ... Recognition (CVPR)' -> 'CVPR'; 'arXiv preprint arXiv:1312.6114'
    -> 'arXiv'; otherwise the venue itself."""
    m = re.search(r"\(([A-Za-z][A-Za-z0-9&/\- ]{1,15})\)\s*$", name)
    if m:
        return m.group(1)
    if re.search(r"\barxiv\b|^corr$", name.strip(), re.I):
        return "arXiv"  # a preprint: its number is in the bibliography, not the table
    return name

