"""Which notes a file holds: one paper (with sections) or a collection of papers.

A file is about one paper when it has paper front matter (decided in ``frontmatter``), or
when, outside any papers section, it opens with a bare ``[Title](link)`` line, or its only
paper heading (a link, a heading carrying its own ``[@key]``/arXiv id/DOI, or a ``# Paper``
placeholder) is its first heading, or its first heading is the one heading that is neither
a section name (Summary, Notes, Method, ...) nor inside such a section. Then every other
heading, at any level and also as a sibling, is a section of that paper.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

from ..model import Entry, Problem
from .document import Doc, Heading
from .headings import PLACEHOLDER_RE, is_admin
from .identifiers import scan_ids
from .labels import is_label
from .titles import clean_title

_LINK_LINE_RE = re.compile(r"^[ \t]*\[([^\]\n]+)\]\(<?([^)\s>]+)>?(?:[ \t]+\"[^\"]*\")?\)[ \t]*$")
_DATE_PREFIX_RE = re.compile(r"^\d{4}-\d{1,2}-\d{1,2}[-_ ]+")


@dataclass
class OnePaper:
    """Where a one-paper file names its paper: a heading, or a first-line link."""

    heading: Heading | None = None
    link_title: str = ""
    link: str = ""
    line: int = 0  # index of the link line in the kept lines


def papers_sections(doc: Doc, roots: list[int]) -> list[int]:
    """The papers sections that hold papers: not a paper's own private section named like
    one ("## Related Work" of a blog post about a paper, "References", "See also")."""
    return [r for r in roots if doc.roles.role_of(doc.headings[r].text) != "private"]


def one_paper(doc: Doc, roots: list[int]) -> OnePaper | None:
    """The paper of a one-paper file, or None for a collection (see the module doc);
    ``roots``: the file's papers sections (``papers_sections``)."""
    hs = doc.headings
    if roots:
        return None  # a papers section ("Conclusion on papers", "Reading list")
    first = next((i for i, ln in enumerate(doc.lines) if ln.strip()), None)
    if first is not None and (not hs or first < hs[0].start):
        m = _LINK_LINE_RE.match(doc.lines[first])
        if m and "://" in m.group(2) or (m and m.group(2).startswith("www.")):
            return OnePaper(None, clean_title(m.group(1)), m.group(2), first)
    if not hs:
        return None
    papers = [h for h in hs if is_paper_heading(doc, h)]
    if papers:
        return OnePaper(hs[0]) if len(papers) == 1 and papers[0] is hs[0] else None
    sectioned = [False] * len(hs)
    for h in hs:
        sectioned[h.idx] = is_section_name(doc, h) or (
            h.parent is not None and sectioned[h.parent])
    others = [h for h in hs if not sectioned[h.idx]]
    if len(hs) > 1 and len(others) == 1 and others[0] is hs[0]:
        return OnePaper(hs[0])
    return None


def is_section_name(doc: Doc, h: Heading) -> bool:
    """Summary, Notes, Method, TODO, ...: a heading that names a part of a note."""
    return doc.roles.role_of(h.text) is not None or is_admin(h) or is_label(h)


def is_paper_heading(doc: Doc, h: Heading) -> bool:
    """A heading that names a paper by itself: a link, its own key/arXiv id/DOI, or a
    ``# Paper`` placeholder."""
    if is_section_name(doc, h) and not PLACEHOLDER_RE.match(h.text):
        return False
    if h.href is not None or PLACEHOLDER_RE.match(h.text):
        return True
    if not any(c in h.raw for c in "@\\") and "arxiv" not in h.raw.lower() \
            and "10." not in h.raw:
        return False
    scratch = Entry(h.text, doc.src(h.start))
    problems: list[Problem] = []
    scan_ids(scratch, h.raw, [h.start], doc.src, problems)
    return bool(scratch.ids)


def title_from_file_name(path: str) -> str:
    """'2019-03-04-diverse-beam-search.md' -> 'Diverse beam search'."""
    stem = _DATE_PREFIX_RE.sub("", Path(path).stem)
    words = " ".join(re.sub(r"[-_]+", " ", stem).split())
    return words[:1].upper() + words[1:]
