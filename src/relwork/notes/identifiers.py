"""Citation keys, DOIs, arXiv ids and links found in note text (the rules live in relwork.ids)."""

from __future__ import annotations

import bisect
import re
from collections.abc import Callable

from ..ids import arxiv_of_doi, exact_arxiv, is_valid_key, normalize_arxiv, normalize_doi
from ..model import Entry, Problem, Source
from .lines import line_starts

_KEY_CHARS = r"[\w][\w:.#$%&+?<>~/-]*"
#: [..@key..] groups (pandoc, [[@key]]), \cite{...}, arXiv, DOI, bare @key.
ID_RE = re.compile(
    r"(?P<bracket>\[[^\[\]\n]*?(?<![\w.@/])-?@[^\[\]\n]*\])"
    r"|(?P<cite>\\[A-Za-z]*cite[A-Za-z]*\*?(?:\[[^\]\n]*\]){0,2}\{(?P<citekeys>[^{}\n]*)\})"
    r"|(?P<arxivurl>arxiv\.org/(?:abs|pdf|html)/(?P<ax1>\d{4}\.\d{4,5}|[a-z-]+(?:\.[A-Z]{2})?/\d{7})"
    r"(?:v\d+)?)"
    r"|(?P<arxivpfx>\barxiv:[ \t]*(?P<ax2>\d{4}\.\d{4,5}|[a-z-]+(?:\.[A-Z]{2})?/\d{7})(?:v\d+)?)"
    r"|(?P<doi>\b10\.\d{4,9}/[-._;()/:A-Za-z0-9]+)"  # no braces, quotes, '@'
    r"|(?P<bare>(?<![\w.@/\\])@(?P<barekey>" + _KEY_CHARS + r"))",
    re.I)
_IN_BRACKET_RE = re.compile(r"(?<![\w.@/])-?@(\{[^}\n]*\}|[^\s,;\]|#]+)")  # [[@k|shown]]
_INLINE_CODE_RE = re.compile(r"(`+)(?!`).*?(?<!`)\1(?!`)")


def scan_ids(
    entry: Entry, text: str, line_idx: list[int], src: Callable[[int], Source],
    problems: list[Problem],
) -> None:
    """Citation keys, arXiv ids and DOIs in ``text`` (whose lines are ``line_idx``; ``src``
    gives a line's Source); a key BibTeX cannot hold adds an error to ``problems``."""
    if "`" in text:
        text = _INLINE_CODE_RE.sub(lambda m: " " * len(m.group(0)), text)
    starts: list[int] | None = None

    def where(pos: int) -> Source:
        nonlocal starts
        if starts is None:
            starts = line_starts(text)
        k = bisect.bisect_right(starts, pos) - 1
        idx = line_idx[k] if 0 <= k < len(line_idx) else (line_idx[0] if line_idx else 0)
        return src(idx) if idx >= 0 else entry.source

    for m in ID_RE.finditer(text):
        if m.group("bracket"):
            for km in _IN_BRACKET_RE.finditer(m.group("bracket")):
                key = km.group(1)
                if key.startswith("{") and key.endswith("}"):
                    key = key[1:-1]
                else:
                    key = key.rstrip(".:;?!")
                add_key(entry, key, where(m.start()), problems)
        elif m.group("cite") is not None:
            for key in m.group("citekeys").split(","):
                key = key.strip()
                if key:
                    add_key(entry, key, where(m.start()), problems)
        elif m.group("ax1") or m.group("ax2"):
            found = m.group("ax1") or m.group("ax2")
            entry.add_id("arxiv", normalize_arxiv(found) or found)
        elif m.group("doi"):
            doi = normalize_doi(m.group("doi"))
            if doi:
                add_doi(entry, doi)
        elif m.group("barekey"):
            key = m.group("barekey").rstrip(".:;?!/")
            after = text[m.end():m.end() + 1]
            # bare @name counts only when it looks like a key (has a digit), not a decorator
            if any(ch.isdigit() for ch in key) and after != "(":
                add_key(entry, key, where(m.start()), problems)


def add_key(entry: Entry, key: str, where: Source, problems: list[Problem]) -> None:
    """Add ``key`` to the entry's keys, or an error to ``problems`` when BibTeX can't hold it."""
    if not key:
        return
    if not is_valid_key(key):
        problems.append(Problem(
            "error", f"citation key '{key}' is not valid in BibTeX", where,
            "keys cannot contain spaces, braces, commas, backslashes or '%'; "
            "use the key exactly as it is in your .bib", "bad-key",
        ))
        return
    entry.add_id("key", key)


def add_doi(entry: Entry, doi: str) -> None:
    entry.add_id("doi", doi)
    arxiv = arxiv_of_doi(doi)
    if arxiv:
        entry.add_id("arxiv", arxiv)


def add_link(entry: Entry, href: str) -> None:
    """A paper link: url, plus the arXiv id or DOI it names."""
    href = href.strip().strip("<>")
    if not href:
        return
    arxiv = exact_arxiv(href)
    if arxiv:
        entry.add_id("arxiv", arxiv)
    elif "10." in href and (doi := normalize_doi(href)):
        add_doi(entry, doi)
    elif "arxiv.org/" in href.lower() and (arxiv := normalize_arxiv(href)):
        entry.add_id("arxiv", arxiv)
    if "://" in href or href.startswith("www."):
        entry.add_id("url", href)
