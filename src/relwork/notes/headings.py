"""Which headings are papers: admin and papers-section words, placeholders, groups."""

from __future__ import annotations

import bisect
import functools
import re

from .document import Doc, Heading
from .labels import is_label

# Word lists that drive the heading rule (compared after norm_words); the label words
# (parts of one paper's note) are in labels.py

#: Headings that are never papers; their sections are skipped (TODO, questions, ...).
ADMIN_WORDS = frozenset(
    "todo todos to-do done doing questions question next plan plans agenda meeting meetings "
    "tasks task goals progress updates update misc miscellaneous log notes note comments "
    "thoughts ideas issues problems remarks feedback reminders schedule deadlines "
    "currently discussion".split()
)
#: Words that make a heading with sub-headings a papers section.
PAPERS_WORDS = frozenset(
    "paper papers reading readings read literature summaries related references articles "
    "publications works bibliography survey".split()
)
#: Headings that stand for "a paper" and take the real title from a Title bullet.
PLACEHOLDER_RE = re.compile(
    r"^(?:new |untitled )?(?:paper|article|publication|reference|title|untitled|entry)"
    r"(?: ?(?:\d+|#\d+|summary|notes?))?$", re.I)
#: A heading's own citation key, arXiv id or DOI ("PPO [@schulman2017proximal]").
_OWN_ID_RE = re.compile(r"\[[^\]]*@[\w]|(?<![\w.@/\\])@[\w:-]*\d|arxiv[:.]|\b10\.\d{4,9}/", re.I)
#: Group headings that are never a paper title when they have no text of their own.
GROUP_ONLY = frozenset(
    "detailed|not sure|unsure|maybe|others|other|misc|to read|skimmed|later|important|"
    "relevant|irrelevant|background|uncategorized|read|unread".split("|"))


def is_admin(h: Heading) -> bool:
    """TODO/Done/Doing/Questions/Notes...: short headings that start with an admin word."""
    words = h.words.split()
    if not words:  # "## 📚", "## ...": a heading without words may still hold papers
        return False
    if len(words) > 4 and not h.raw.rstrip().endswith(":"):
        return False
    first = words[0]
    if first in ADMIN_WORDS or h.words in ("to do", "next steps", "action items"):
        return True
    return len(first) >= 5 and _misspelt_admin(first)


_ADMIN_LONG = [w for w in ADMIN_WORDS if len(w) >= 5]


@functools.lru_cache(maxsize=4096)
def _misspelt_admin(word: str) -> bool:
    """Misspellings such as "quetions to be asked" (cached: headings repeat across notes)."""
    import difflib  # on first use: most headings are decided before this

    return bool(difflib.get_close_matches(word, _ADMIN_LONG, 1, 0.85))


def is_papers(h: Heading) -> bool:
    return any(w in PAPERS_WORDS for w in h.words.split())


def choose_headings(doc: Doc) -> tuple[list[tuple[Heading, tuple[str, ...]]], list[int]]:
    """The paper headings of a file and their group paths (see the README)."""
    hs = doc.headings
    if not hs:
        return [], []
    admin = [is_admin(h) for h in hs]
    label = [is_label(h) for h in hs]
    # a file titled "# Notes" (the one top heading) holds the notes: it is a title, not a
    # section of remarks to skip
    top = min(h.level for h in hs)
    tops = [h for h in hs if h.level == top]
    if len(tops) == 1 and tops[0].children and tops[0].words.split()[:1] in (["notes"], ["note"]):
        admin[tops[0].idx] = False
    blocked = [False] * len(hs)  # under an admin heading
    for h in hs:
        if h.parent is not None and (blocked[h.parent] or admin[h.parent]):
            blocked[h.idx] = True

    # a heading that is a link or carries its own key names a paper: its sub-headings are
    # its sections, whatever they are called
    paper = [h.href is not None or bool(h.text and _OWN_ID_RE.search(h.raw)) for h in hs]
    named = [doc.roles.role_of(h.text) is not None for h in hs]

    def structural(h: Heading) -> list[int]:
        if paper[h.idx] and not admin[h.idx] and not label[h.idx]:
            return []
        return [c for c in h.children if not label[c] and not admin[c] and not named[c]]

    # papers sections: outermost heading naming papers/reading/literature with sub-headings
    roots: list[int] = []
    inside = [False] * len(hs)
    for h in hs:
        if h.parent is not None and inside[h.parent]:
            inside[h.idx] = True
            continue
        if (not admin[h.idx] and not blocked[h.idx] and is_papers(h)
                and not PLACEHOLDER_RE.match(h.text) and structural(h)):
            roots.append(h.idx)
            inside[h.idx] = True
    chosen: list[tuple[Heading, tuple[str, ...]]] = []
    if roots:
        candidates = [h for h in hs if inside[h.idx] and h.idx not in roots]
    else:
        candidates = hs
    # the document title (the one heading at the top level) is not a group
    doc_title = tops[0].idx if len(tops) == 1 and tops[0].children else None
    taken = [False] * len(hs)  # inside a paper already chosen: a section of it
    for h in candidates:
        if h.parent is not None and taken[h.parent]:
            taken[h.idx] = True
            continue
        if not h.text or admin[h.idx] or label[h.idx] or blocked[h.idx] or structural(h):
            continue
        has_text = has_content(doc, h)
        if not has_text and h.href is None:
            if h.words in GROUP_ONLY or not roots:
                continue
        group: list[str] = []
        p = h.parent
        while p is not None and p not in roots:
            if p != doc_title and not label[p]:
                group.append(hs[p].text)
            p = hs[p].parent
        if not group and p is not None and names_a_topic(hs[p]):
            group.append(hs[p].text)  # "Off-policy actor-critic: reading list"
        chosen.append((h, tuple(reversed(group))))
        taken[h.idx] = True
    return chosen, roots


#: Words of a papers-section heading that say nothing about what its papers are about.
_PLAIN_SECTION_WORDS = PAPERS_WORDS | frozenset(
    "work list lists on the of for my our to in a an and with this new week weekly "
    "conclusion conclusions notes note summary log logs journal backlog queue inbox".split())


def names_a_topic(h: Heading) -> bool:
    """A papers section that names its topic ("Off-policy actor-critic: reading list"),
    not just "Papers" or "Conclusion on papers": its papers' group."""
    return any(w not in _PLAIN_SECTION_WORDS and not w.isdigit() for w in h.words.split())


def has_content(doc: Doc, h: Heading) -> bool:
    lo = bisect.bisect_left(doc.starts, h.end)
    for b in doc.blocks[lo:]:
        if b.start >= h.section_end:
            break
        if b.kind not in ("hr", "heading"):
            return True
    return False
