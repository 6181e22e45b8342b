"""Identifier rules, one implementation each: DOIs, arXiv ids, citation keys, family names
and titles, normalised so that values from notes, bib files and the command line compare.

Every stage that reads or compares one of these calls the function here; ``tests/test_ids.py``
holds a table of the awkward cases (trailing punctuation, brackets, versions, URL forms,
"et al.", von particles).
"""

from __future__ import annotations

import re

from .model import IdentifierCitation
from .text import fold_words, latex_to_text, lazy_pattern

# --------------------------------------------------------------------------- DOI

_DOI_PREFIX = lazy_pattern(
    r"^\s*(?:https?://)?(?:(?:dx\.)?doi\.org/|doi:[ \t]*)?(?=10\.)", re.IGNORECASE)
#: The characters of real DOIs as found in notes and bibs: a brace, quote or '@' ends one.
_DOI_BODY = lazy_pattern(r"10\.\d{4,9}/[-._;()/:A-Za-z0-9<>\[\]+#*~]*")
_CLOSERS = {")": "(", "]": "[", "}": "{", ">": "<"}


def normalize_doi(text: str) -> str | None:
    """The DOI in ``text``, lower case, without URL or ``doi:`` prefix and without trailing
    sentence punctuation or unbalanced closing brackets; None when there is none.

    ``https://doi.org/10.1000/XYZ).`` -> ``10.1000/xyz``; ``doi:10.1/a(b)`` -> ``10.1/a(b)``.
    """
    text = text.replace("\\_", "_").strip()
    m = _DOI_PREFIX().match(text)
    start = m.end() if m else text.find("10.")
    if start < 0:
        return None
    found = _DOI_BODY().match(text, start) or _DOI_BODY().search(text)
    if not found:
        return None
    doi = found.group(0)
    while doi:
        last = doi[-1]
        if last in ".,;:'\"":
            doi = doi[:-1]
        elif last in _CLOSERS and doi.count(last) > doi.count(_CLOSERS[last]):
            doi = doi[:-1]
        else:
            break
    prefix, slash, suffix = doi.partition("/")
    return doi.lower() if slash and suffix else None


# --------------------------------------------------------------------------- arXiv

_ARXIV_CORE = r"(\d{4}\.\d{4,5}|[a-z][a-z\-]*(?:\.[A-Za-z]{2})?/\d{7})"
_ARXIV_IN_TEXT = lazy_pattern(r"(?<![\w./])" + _ARXIV_CORE + r"(?:v\d+)?(?![\w])", re.IGNORECASE)
_ARXIV_EXACT = lazy_pattern(
    r"^(?:https?://)?(?:www\.|export\.)?(?:arxiv\.org/(?:abs|pdf|html)/|arxiv:)?[ \t]*"
    + _ARXIV_CORE + r"(?:v\d+)?(?:\.pdf)?/?$", re.IGNORECASE)
_ARXIV_URL = lazy_pattern(r"arxiv\.org/(?:abs|pdf|html)/" + _ARXIV_CORE, re.IGNORECASE)
_ARXIV_DOI = lazy_pattern(r"^10\.48550/arxiv\." + _ARXIV_CORE, re.IGNORECASE)


def _arxiv_form(found: str) -> str:
    # new-style ids are digits; old-style subject classes keep their case (math.GT/0309136)
    head, slash, number = found.partition("/")
    if not slash:
        return found
    archive, dot, sub = head.partition(".")
    return archive.lower() + (dot + sub.upper() if dot else "") + "/" + number


def normalize_arxiv(text: str) -> str | None:
    """The arXiv id in ``text``, version dropped: ``arXiv:1603.08983v2``,
    ``https://arxiv.org/pdf/1603.08983.pdf``, ``10.48550/arXiv.1603.08983`` -> ``1603.08983``;
    ``cs/0112017`` stays. None when ``text`` holds no arXiv id."""
    text = text.strip()
    if "10.48550/" in text and (doi := normalize_doi(text)):
        return arxiv_of_doi(doi)
    m = _ARXIV_URL().search(text) or _ARXIV_IN_TEXT().search(text)
    return _arxiv_form(m.group(1)) if m else None


def exact_arxiv(text: str) -> str | None:
    """``text`` when it is nothing but an arXiv id (bare, ``arXiv:``-prefixed or an arXiv URL),
    as ``normalize_arxiv`` gives it; None for prose that merely mentions one."""
    m = _ARXIV_EXACT().match(text.strip())
    return _arxiv_form(m.group(1)) if m else None


def arxiv_of_doi(doi: str) -> str | None:
    """The arXiv id behind an arXiv DOI (``10.48550/arXiv.1603.08983``), else None."""
    m = _ARXIV_DOI().match(doi.strip())
    return _arxiv_form(m.group(1)) if m else None


# --------------------------------------------------------------------------- citation keys

#: Characters that end a key in ``\cite{...}``, BibTeX or biber, or that BibTeX rejects.
_KEY_BAD = frozenset(" \t\r\n{}(),\\%#~\"=")


def is_valid_key(key: str) -> bool:
    """True when ``key`` can stand in ``\\cite{}`` and be read by BibTeX and biber: no
    whitespace, braces, parentheses, comma, backslash, ``%``, ``#``, ``~``, ``"`` or ``=``,
    and at least one letter or digit."""
    return bool(key) and not any(ch in _KEY_BAD for ch in key) and any(
        ch.isalnum() for ch in key)


def strip_key_punctuation(key: str) -> tuple[str, str]:
    """Split trailing sentence punctuation off a key as pandoc does (``@key.`` ends before
    the ``.``): ``("key", ".")``."""
    stripped = key.rstrip(".:,;?/-#$%&~<>+")
    return stripped, key[len(stripped):]


# --------------------------------------------------------------------------- names

_ET_AL = lazy_pattern(r"(?:^|[\s,]+)(?:et\.?\s*al(?:ii|ia)?\b\.?|and\s+others|others)\s*$",
                      re.IGNORECASE)


def _starts_lower(word: str) -> bool:
    """BibTeX's von test: the first letter at brace depth 0 (or of a special char) is lower."""
    if word.startswith("{\\"):
        plain = latex_to_text(word)
        return bool(plain) and plain[0].islower()
    for ch in word:
        if ch == "{":
            return False
        if ch.isalpha():
            return ch.islower()
    return False


def family_of_words(words: list[str]) -> str:
    """The family name of a name written "First von Last" (as words): the von part starts
    at the first lower-case word after the first one; else the last word."""
    if len(words) == 1:
        return words[0]
    for i in range(1, len(words) - 1):
        if _starts_lower(words[i]):
            return " ".join(words[i:])
    return words[-1]


def family_name(name: str) -> str:
    """The family name of one person, case kept: ``Pang, Bo``, ``Bo Pang`` and ``Pang et
    al.`` -> ``Pang``; ``Laurens van der Maaten`` -> ``van der Maaten``; ``et al.`` and
    ``others`` alone name nobody -> ``""``."""
    name = _ET_AL().sub("", name.strip()).strip(" ,;")
    if "," in name:
        return " ".join(name.split(",", 1)[0].split())
    words = name.split()
    return family_of_words(words) if words else ""


def family_key(name: str) -> str:
    """The last word of ``family_name(name)`` folded to ASCII lower case, comparable across
    name styles: ``van der Schaar, M.`` -> ``schaar``, ``Björn Ommer`` -> ``ommer``."""
    words = family_name(name).split()
    if not words:
        return ""
    return normalize_title(words[-1]).replace(" ", "")


# --------------------------------------------------------------------------- titles


def normalize_title(text: str) -> str:
    """A title reduced for comparison: LaTeX and braces removed, casefolded, accents to
    ASCII, punctuation to spaces, whitespace collapsed. ``"{PULSE}: Self-Supervised"`` ->
    ``"pulse self supervised"``."""
    if "\\" in text or "{" in text or "$" in text:
        text = latex_to_text(text)
    return fold_words(text)


# --------------------------------------------------------------------------- identifier citations

#: The prefixes of an identifier written as a citation key, as Manubot reads them.
IDENTIFIER_PREFIXES: tuple[str, ...] = ("doi", "arxiv")


def identifier_citation(key: str) -> IdentifierCitation | None:
    """The identifier a citation key names (``doi:10.1145/1``, ``arxiv:1603.08983v2``,
    case-insensitive prefix), normalised; None for an ordinary key or an unreadable id."""
    prefix, colon, rest = key.partition(":")
    kind = prefix.lower()
    if not colon or kind not in IDENTIFIER_PREFIXES or not rest.strip():
        return None
    value = normalize_doi(rest) if kind == "doi" else exact_arxiv(rest)
    return IdentifierCitation(kind, value, key) if value else None
