"""``lookup.bib``: the entries of the papers found online, written with bibtexparser's
writer, from the service's own BibTeX where it has one (else from its metadata), with the
key chosen here, the DOI and the arXiv id, and no ``note``; replaced atomically."""

from __future__ import annotations

import re
from pathlib import Path

import bibtexparser
from bibtexparser.model import Entry, Field

from ..infra.files import GENERATED_MARK, write_atomic
from ..latex.escape import escape_latex
from ..text import braces_balanced
from .paper import Paper

HEADER = (f"% {GENERATED_MARK}: papers found online ('relwork lookup', 'relwork build "
          "--lookup').\n% relwork rewrites this file: put corrections in your own .bib "
          "(its entries win).\n")
#: fields of a service's BibTeX that are about the service, not the paper
_DROP = frozenset({"timestamp", "biburl", "bibsource", "note", "abstract", "keywords", "file",
                   "eprinttype", "eprintclass", "annote", "language", "month"})
#: fields whose value is an identifier or a URL: never escaped
_VERBATIM = frozenset({"doi", "url", "eprint", "archiveprefix", "primaryclass"})
_SPECIAL = {"\\": r"\textbackslash{}", "{": "", "}": "", "&": r"\&", "%": r"\%", "#": r"\#",
            "_": r"\_", "$": r"\$", "~": r"\textasciitilde{}", "^": r"\textasciicircum{}"}
_UNESCAPED = re.compile(r"(?<!\\)([&%#])")
_URL_BAD = re.compile(r"[^A-Za-z0-9\-._~:/?#\[\]@!$&'()*+,;=%]")


def _ascii(text: str) -> str:
    """Non-ASCII characters as braced LaTeX (``ø`` -> ``{\\o{}}``), so the entry compiles
    with pdflatex too and BibTeX sorts and abbreviates the names right."""
    if text.isascii():
        return text
    return "".join(ch if ch.isascii() else "{" + escape_latex(ch) + "}" for ch in text)


def _plain(text: str) -> str:
    return _ascii("".join(_SPECIAL.get(c, c) for c in " ".join(text.split())))


def _value(name: str, text: str) -> str:
    """``text`` (plain) as a braced field value that compiles."""
    text = " ".join(text.split())
    if name in _VERBATIM:
        text = _URL_BAD.sub("", text)
    elif name == "pages":
        text = re.sub(r"\s*[-\u2013]+\s*", "--", _plain(text))
    else:
        text = _plain(text)
    return "{" + text + "}"


def _service_value(name: str, raw: str) -> str | None:
    """A value from a service's BibTeX, braced, with stray ``& % #`` escaped; None when it
    cannot be made safe (unbalanced braces)."""
    raw = raw.strip()
    if raw.startswith('"') and raw.endswith('"'):
        raw = "{" + raw[1:-1] + "}"
    elif not raw.startswith("{"):
        raw = "{" + raw + "}"
    inner = " ".join(raw[1:-1].split())
    if not braces_balanced(inner):
        return None
    if name not in _VERBATIM:
        inner = _ascii(_UNESCAPED.sub(r"\\\1", inner))
    return "{" + inner + "}"


def entry_for(paper: Paper, key: str) -> Entry:
    """The BibTeX entry of ``paper`` under ``key``: the service's BibTeX when it parses,
    else built from the metadata; with doi, eprint and archivePrefix when known."""
    fields: dict[str, str] = {}
    kind = paper.kind
    parsed = bibtexparser.parse_string(paper.bibtex, parse_stack=[]) if paper.bibtex else None
    if parsed is not None and parsed.entries:
        own = parsed.entries[0]
        kind = own.entry_type.lower()
        for f in own.fields:
            name = f.key.lower()
            if name in _DROP or name in fields:
                continue
            value = _service_value(name, str(f.value))
            if value is not None:
                fields[name] = value
    if "title" not in fields or "author" not in fields:
        fields = _from_metadata(paper)
        kind = paper.kind
    if paper.doi and "doi" not in fields:
        fields["doi"] = _value("doi", paper.doi)
    if paper.arxiv:
        fields.setdefault("eprint", _value("eprint", paper.arxiv))
        fields["archiveprefix"] = "{arXiv}"
    order = ["author", "title", "journal", "booktitle", "volume", "number", "pages", "year",
             "publisher"]
    names = sorted(fields, key=lambda n: (order.index(n) if n in order else len(order)))
    return Entry(kind, key, [Field(n, fields[n]) for n in names])


def _from_metadata(paper: Paper) -> dict[str, str]:
    fields = {"author": _value("author", " and ".join(paper.authors)),
              "title": _value("title", paper.title)}
    for name, value in paper.fields.items():
        if value and name not in fields:
            fields[name] = _value(name, value)
    if paper.year:
        fields["year"] = "{" + str(paper.year) + "}"
    return fields


def owned(path: Path) -> bool:
    """True when ``path`` is missing or starts with relwork's header: a file relwork may
    rewrite. A user's own .bib named as ``lookup.bib`` is never touched."""
    try:
        with path.open(encoding="utf-8", errors="replace") as handle:
            return GENERATED_MARK in handle.readline()
    except FileNotFoundError:
        return True
    except OSError:
        return False


def read_entries(path: Path) -> tuple[list[Entry], list[int]]:
    """The entries of an existing ``lookup.bib`` (none when it is missing) and the lines of
    the blocks that cannot be read (a rewrite would lose them; line 1: not UTF-8)."""
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        return [], []
    except (OSError, UnicodeDecodeError):
        return [], [1]
    library = bibtexparser.parse_string(text, parse_stack=[])
    broken = [(block.start_line or 0) + 1 for block in library.failed_blocks]
    return list(library.entries), broken


def _key_order(entry: Entry) -> str:
    return entry.key.casefold()


def write_entries(path: Path, entries: list[Entry]) -> None:
    """Write ``entries`` (sorted by key) to ``path`` atomically, with the header."""
    library = bibtexparser.Library()
    ordered: list[Entry] = sorted(entries, key=_key_order)
    library.add(list(ordered))
    body = bibtexparser.write_string(library, unparse_stack=[])
    write_atomic(path, HEADER + "\n" + body.strip() + "\n")
