"""Asides: lines of a note meant for its writer or a reader, never for the paper.

``TODO:``/``FIXME``/``???`` lines, "Link to the paper/code" bullets and bullets that are only
a link, images (their captions included), and a short paragraph that asks its reader a
question in the first person ("Are these fine? If so I will polish them on Overleaf.").
Each is cut out before parsing, like private text, and listed with ``-v`` at file:line.
"""

from __future__ import annotations

import re

from ..model import Problem, Source
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
              and (i == 0 or not lines[i - 1].strip())):
            j = i
            while j < n and lines[j].strip() and not _BLOCK_START_RE.match(lines[j]):
                j += 1
            if _is_note_to_reader(" ".join(lines[i:j])):
                for k in range(i, j):
                    keep[k] = False
                count = j - i
                dropped.append(Problem(
                    "info", f"private text left out: a question to the reader "
                    f"({count} line{'s' if count > 1 else ''})",
                    Source(path, orig[i]), None, "private"))
            i = j
            continue
        i += 1
    return ([ln for ln, k in zip(lines, keep, strict=True) if k],
            [no for no, k in zip(orig, keep, strict=True) if k])


def _is_note_to_reader(paragraph: str) -> bool:
    """A short paragraph that asks a question and speaks in the first person."""
    words = paragraph.split()
    return (0 < len(words) <= _NOTE_TO_READER_WORDS and bool(_QUESTION_RE.search(paragraph))
            and bool(_FIRST_PERSON_RE.search(paragraph)))
