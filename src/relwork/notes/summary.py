"""A paper's summary: which part of its note it is, and the cut to a word budget.

The summary is the first of: the ``summary:`` front-matter field; a ``TL;DR`` section or a
paragraph starting ``TLDR;``; another summary section (Summary, Abstract, Key idea, ...); the
"Description:"-labelled points; the note's first paragraph (or first list). It is cut at
whole sentences to the budget (the first sentence is always kept).
"""

from __future__ import annotations

import re
from collections.abc import Sequence

#: "TLDR;", "TL;DR:", "**TL;DR**" at the start of a paragraph: a summary marker, not text.
TLDR_RE = re.compile(
    r"^([ \t]*(?:>[ \t]*)*)(?:\*\*|__)?(?:tl;?dr|tl\s*;\s*dr)(?:\*\*|__)?[ \t]*[;:,.-]?"
    r"(?:\*\*|__)?[ \t]*", re.I)
ABBREVIATIONS = _ABBREVIATIONS = frozenset(
    "e.g i.e et al etc vs cf fig figs eq eqs sec resp approx aux no nos ch vol pp ref refs "
    "dr mr ms prof st def thm lem prop".split())
_END_RE = re.compile(r"[.!?][\"'”’)\]*_]*(?=\s|$)")
_ITEM_RE = re.compile(r"^[ \t]*(?:[-*+]|\d{1,9}[.)])[ \t]")

SummaryLines = list[tuple[str, int]]  # (Markdown line, note line)


def cut_to_budget(lines: SummaryLines, budget: int | None) -> SummaryLines:
    """``lines`` cut after the last whole sentence that keeps the words within ``budget``
    (None: no cut); the first sentence is kept whatever its length."""
    while lines and not lines[-1][0].strip():
        lines = lines[:-1]
    if budget is None or not lines:
        return lines
    text = "\n".join(t for t, _ in lines)
    ends = sentence_ends(text)
    if not ends:
        return lines
    if _ITEM_RE.match(text):
        # a list of points: whole points, and half the budget more (points are terse); when
        # whole points would leave less than half the budget, the next point is cut at a
        # sentence instead (a long second point must not leave only the first)
        items = _item_ends(text) or ends
        budget += budget // 2
        cut = _cut_at(items, text, budget)
        if len(text[:cut].split()) < budget // 2:
            cut = _cut_at(sorted(set(items) | set(ends)), text, budget)
    else:
        cut = _cut_at(ends, text, budget)
    if cut >= ends[-1]:
        return lines
    out: SummaryLines = []
    pos = 0
    for t, no in lines:
        if pos >= cut:
            break
        out.append((t[: max(cut - pos, 0)].rstrip() if pos + len(t) > cut else t, no))
        pos += len(t) + 1
    while out and not out[-1][0].strip():
        out.pop()
    return out


def _cut_at(ends: Sequence[int], text: str, budget: int) -> int:
    """The last of ``ends`` whose text keeps within ``budget`` words (the first, always)."""
    cut = ends[0]
    for end in ends:
        if len(text[:end].split()) > budget:
            break
        cut = end
    return cut


def sentence_ends(text: str) -> list[int]:
    """Offsets just after each sentence of Markdown ``text``: after '.', '!' or '?' that end
    a sentence (not 'e.g.', 'et al.', '4.9'), at the end of a list item and of a paragraph."""
    ends: list[int] = []
    for m in _END_RE.finditer(text):
        before = text[: m.start()]
        word = re.split(r"[\s(\[]", before)[-1].lower().rstrip(".")
        if m.group(0)[0] == "." and (word in _ABBREVIATIONS or len(word) == 1):
            continue
        after = text[m.end():].lstrip(" \t")
        if after and after[0] != "\n" and after[0].islower():
            continue  # "approx. five", "vs. the": not a sentence end
        ends.append(m.end())
    # a list item or a paragraph ends a sentence even without a full stop
    pos = 0
    lines = text.split("\n")
    for i, line in enumerate(lines):
        pos_end = pos + len(line)
        nxt = lines[i + 1] if i + 1 < len(lines) else ""
        if line.strip() and (not nxt.strip() or _ITEM_RE.match(nxt) or i + 1 == len(lines)):
            ends.append(pos_end)
        pos = pos_end + 1
    return sorted(set(e for e in ends if text[:e].strip()))


def _item_ends(text: str) -> list[int]:
    """Offsets just after each top-level list item of ``text``."""
    ends: list[int] = []
    pos = 0
    lines = text.split("\n")
    indent = len(lines[0]) - len(lines[0].lstrip())
    for i, line in enumerate(lines):
        pos_end = pos + len(line)
        nxt = lines[i + 1] if i + 1 < len(lines) else ""
        top = _ITEM_RE.match(nxt) and len(nxt) - len(nxt.lstrip()) <= indent
        if line.strip() and (top or i + 1 == len(lines)):
            ends.append(pos_end)
        pos = pos_end + 1
    return ends


def first_sentence(text: str) -> str:
    """The first sentence of Markdown ``text`` (all of it when it has one)."""
    ends = sentence_ends(text)
    return text[: ends[0]].strip() if ends else text.strip()


def pick_lines(lines: Sequence[str], orig: Sequence[int], indices: Sequence[int],
               replaced: dict[int, str]) -> SummaryLines:
    """The kept lines at ``indices`` as (text, note line), blank lines at the ends trimmed."""
    out = [(replaced.get(i, lines[i]), orig[i]) for i in indices]
    while out and not out[0][0].strip():
        out.pop(0)
    while out and not out[-1][0].strip():
        out.pop()
    return out
