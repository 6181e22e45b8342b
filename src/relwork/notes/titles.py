"""Heading and metadata text -> clean titles and comparable words."""

from __future__ import annotations

import re

from .identifiers import ID_RE

_NUMBERING_RE = re.compile(r"^(?:\d{1,3}[.)]|[ivx]{1,4}\.|[A-Z]\))[ \t]+")
_TRAIL_PUNCT = " \t:;,-–—=*_#"


def clean_title(text: str) -> str:
    """'styleclip:' -> 'styleclip'; drops numbering, citations and decoration."""
    if "@" in text or "\\" in text:
        text = ID_RE.sub(
            lambda m: m.group(0) if m.group("arxivurl") or m.group("arxivpfx")
            or m.group("doi") else "", text)
    text = " ".join(text.split())
    text = text.strip(_TRAIL_PUNCT)
    text = _NUMBERING_RE.sub("", text)
    if text.endswith("()"):
        text = text[:-2].rstrip()
    return text.strip(_TRAIL_PUNCT)


def norm_words(text: str) -> str:
    """Lower-cased words of ``text`` joined by single spaces, for the word lists."""
    return " ".join(re.sub(r"[^\w;&+-]+", " ", text.lower()).split())


def strip_md(text: str) -> str:
    """'**x**', '_x_', '`x`', '[x](y)' -> plain text, for metadata values."""
    text = text.strip()
    if "](" not in text:
        text = text.strip("*_` ")
    return text
