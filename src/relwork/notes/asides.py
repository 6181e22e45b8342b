"""Asides: lines of a note meant for its writer or a reader, never for the paper.

``TODO:``/``FIXME``/``???`` lines, "Link to the paper/code" bullets and bullets that are only
a link, images (their captions included), a short paragraph that asks its reader a
question in the first person ("Are these fine? If so I will polish them on Overleaf."), and
each sentence in which the writer speaks as "I" ("I don't think it's a generative model"):
a paper's summary never does.
Each is cut out before parsing, like private text, and listed with ``-v`` at file:line.
"""

from __future__ import annotations

import re

from ..model import Problem, Source
from .document import VERBATIM_RE
from .private import drop_blocks

_TODO_RE = re.compile(r"^(?:\*\*|__)?(?:TODO|FIXME|XXX)\b|^\?{2,}")
_LINK_LABEL_RE = re.compile(
    r"^(?:\*\*|__)?(?:links? to (?:the )?[\w ]{1,20}|code|slides|video|talk|blog(?: post)?|"
    r"project(?: page)?|github|repo(?:sitory)?|implementation|website|poster)"
    r"(?:\*\*|__)?[ \t]*:[ \t]*(?:\*\*|__)?", re.I)
_ONLY_LINK_RE = re.compile(r"^(?:\[[^\]]*\]\([^)\s]*\)|<[^>\s]+>|https?://\S+)[ \t.;,]*$")
_IMAGE_RE = re.compile(r"^!\[[^\]]*\]\([^)]*\)[ \t]*$")
_BLOCK_START_RE = re.compile(r"^[ \t]*(?:[-*+]|\d{1,9}[.)]|#|>|\||```|~~~|<)")
_FIRST_PERSON_RE = re.compile(r"(?<![\w'])(?:I|i|me|my|I'll|i'll|I'm|i'm)(?![\w'])")
_QUESTION_RE = re.compile(r"\?(?:\s|$)")
#: the writer as "I": I'm, i'll, I've, I'd, or I/i before a verb a writer uses of themself
#: (not a roman numeral, "Type I and II", "Phase I trains", nor an index, "for i in")
_I_RE = re.compile(
    r"(?<![\w'’_$\\])(?:[Ii]['’](?:m|ll|ve|d)(?![\w'’])|[Ii]\s+(?:am|will|would|think|thought|"
    r"don['’]?t|dont['’]?|do|did|didn['’]?t|have|had|was|can|could|should|guess|feel|need|want|"
    r"still|also|really|like|liked|found|believe|gonna|wonder|might|may|must|just|"
    r"personally|enjoyed|agree|disagree|read|prefer|hope|plan)(?![\w'’]))")
#: lines that are not prose: headings, quotes and callouts, tables, HTML, indented code
_NOT_PROSE_RE = re.compile(r"^(?:[ \t]*(?:#|>|\||<)|    |\t)")
_ITEM_RE = re.compile(r"^[ \t]*(?:[-*+]|\d{1,9}[.)])[ \t]+")
#: a sentence ends at . ! ? before a space, or at a period glued to the next word ("model.but")
_SENTENCE_END_RE = re.compile(r"(?<=[.!?])\s+|(?<=[a-z]{2}\.)(?=[a-z]{2})")
#: a note to a reader is short: longer paragraphs with a question are summaries that ask one
_NOTE_TO_READER_WORDS = 40


def _aside(rest: str, is_item: bool) -> str | None:
    if _TODO_RE.match(rest):
        return f"'{rest.split()[0].strip('*_:')}' line"
    if _IMAGE_RE.match(rest):
        return "image and its caption"
    if is_item and (_LINK_LABEL_RE.match(rest) or _ONLY_LINK_RE.match(rest)):
        return "link bullet"
    return None


def drop_asides(
    lines: list[str], orig: list[int], path: str, dropped: list[Problem]
) -> tuple[list[str], list[int]]:
    """Cut the asides out of the kept lines; returns kept lines and their line numbers."""
    lines, orig = drop_blocks(lines, orig, path, _aside, dropped)
    keep = [True] * len(lines)
    fence = ""
    i, n = 0, len(lines)
    while i < n:
        ln = lines[i]
        opens = ln.lstrip()[:3]
        if fence or opens in ("```", "~~~"):
            fence = "" if fence and opens == fence else (fence or opens)
            i += 1
            continue
        if "???" in ln:  # a line with ??? is a note to self, wherever it sits
            keep[i] = False
            dropped.append(Problem("info", "private text left out: line with '???' (1 line)",
                                   Source(path, orig[i]), None, "private"))
        elif (ln.strip() and not ln[:1].isspace() and not _BLOCK_START_RE.match(ln)
              and (i == 0 or not lines[i - 1].strip() or lines[i - 1].lstrip().startswith("#"))):
            j = i
            while j < n and lines[j].strip() and not _BLOCK_START_RE.match(lines[j]):
                j += 1
            paragraph = " ".join(lines[i:j])
            what = "a question to the reader" if _is_note_to_reader(paragraph) else ""
            if what:
                for k in range(i, j):
                    keep[k] = False
                count = j - i
                dropped.append(Problem(
                    "info", f"private text left out: {what} "
                    f"({count} line{'s' if count > 1 else ''})",
                    Source(path, orig[i]), None, "private"))
            i = j
            continue
        i += 1
    lines = [ln for ln, k in zip(lines, keep, strict=True) if k]
    orig = [no for no, k in zip(orig, keep, strict=True) if k]
    return _drop_first_person(lines, orig, path, dropped)


def _drop_first_person(
    lines: list[str], orig: list[int], path: str, dropped: list[Problem]
) -> tuple[list[str], list[int]]:
    """Cut the sentences in which the writer speaks as "I" out of prose lines and list
    items (a line left empty goes); each is listed at its line."""
    out: list[str] = []
    numbers: list[int] = []
    fence = ""
    for ln, no in zip(lines, orig, strict=True):
        opens = ln.lstrip()[:3]
        if fence or opens in ("```", "~~~"):
            fence = "" if fence and opens == fence else (fence or opens)
        elif ln.strip() and not _NOT_PROSE_RE.match(ln):
            marker = _ITEM_RE.match(ln)
            head, rest = (ln[:marker.end()], ln[marker.end():]) if marker else ("", ln)
            sentences = _SENTENCE_END_RE.split(rest)
            kept = _without_notes_to_self(sentences)
            if len(kept) < len(sentences):
                cut = len(sentences) - len(kept)
                dropped.append(Problem(
                    "info", f"private text left out: a note in the first person "
                    f"({cut} sentence{'s' if cut > 1 else ''})", Source(path, no), None,
                    "private"))
                if not " ".join(kept).strip():
                    continue
                ln = head + " ".join(t.strip() for t in kept if t.strip())
        out.append(ln)
        numbers.append(no)
    return out, numbers


def _is_note_to_reader(paragraph: str) -> bool:
    """A short paragraph that asks a question and speaks in the first person."""
    words = paragraph.split()
    return (0 < len(words) <= _NOTE_TO_READER_WORDS and bool(_QUESTION_RE.search(paragraph))
            and bool(_FIRST_PERSON_RE.search(paragraph)))


def _without_notes_to_self(sentences: list[str]) -> list[str]:
    """``sentences`` without those in the first person, nor the lowercase ones that carry on
    such a sentence ("I don't think so. gonna look again after the meeting.")."""
    kept: list[str] = []
    carrying = False
    for sentence in sentences:
        start = sentence.lstrip()[:1]
        carrying = _is_note_to_self(sentence) or (carrying and start.islower())
        if not carrying:
            kept.append(sentence)
    return kept


def _is_note_to_self(sentence: str) -> bool:
    """A sentence in which the writer speaks as "I" (a plan, a doubt, an opinion)."""
    return bool(_I_RE.search(VERBATIM_RE.sub(" ", sentence)))
