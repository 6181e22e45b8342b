"""Views of a note body for templates: the body as prose, its paragraphs before and after
the list, its points, and the note line behind each body line."""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass

from ..model import Entry, Source
from ..notes.summary import ABBREVIATIONS

_ITEM_RE = re.compile(r"^\s*(?:[-*+]|\d{1,9}[.)])(?:\s+|$)")
_FENCE_RE = re.compile(r"^\s*(```|~~~)")
#: a sentence that starts in lower case after one that ended: "... input. more a new method"
_LOWER_START_RE = re.compile(r"(?<=[a-z0-9)])(\.[ \t]+)([a-z]{2,})(?=[\s,;:])")


def _capitalise_sentences(line: str) -> str:
    """Capitalise the plain lower-case word that starts a sentence inside a paragraph line
    (not after an abbreviation such as 'e.g.' or 'approx.', nor a word such as 'word2vec')."""
    def fix(m: re.Match[str]) -> str:
        word = re.split(r"[\s(\[]", line[: m.start()])[-1].lower()
        if word in ABBREVIATIONS or len(word) < 2 or "$" in line[: m.start()].split(".")[-1]:
            return m.group(0)
        return m.group(1) + m.group(2)[0].upper() + m.group(2)[1:]
    return _LOWER_START_RE.sub(fix, line)


def _classify(lines: Sequence[str]) -> list[str]:
    """Per body line: 'item' (starts a list item), 'cont' (continues one), 'text', 'blank'."""
    kinds: list[str] = []
    in_item = after_blank = False
    for line in lines:
        if not line.strip():
            kinds.append("blank")
            after_blank = True
            continue
        if _ITEM_RE.match(line):
            kinds.append("item")
            in_item = True
        elif in_item and (not after_blank or line.startswith((" ", "\t"))):
            kinds.append("cont")
        else:
            kinds.append("text")
            in_item = False
        after_blank = False
    return kinds


def strip_label(text: str, label: str | None) -> str:
    """'Description: text' -> 'text' when the note marked 'Description' as the item's label."""
    if not label:
        return text
    pattern = rf"^\s*(\*\*|__)?{re.escape(label)}(\*\*|__)?\s*:(\*\*|__)?\s*"
    return re.sub(pattern, "", text, count=1, flags=re.IGNORECASE)


def _end_sentence(line: str, mark: str = ".") -> str:
    """End a list item that runs into the next one in prose with ``mark`` ('.' or ',')."""
    stripped = line.rstrip()
    return stripped + mark if stripped and (stripped[-1].isalnum() or stripped[-1] in ")*_`") \
        else stripped


def _item_endings(lines: Sequence[str], kinds: Sequence[str]) -> dict[int, str]:
    """For the last line of each list item: ',' when the item and the next one are parts of
    one sentence, so a list reads as prose ("HER, Atari, MuJoCo." rather than "HER.
    Atari."): a run of short items (three words or fewer), or the items under a header item
    ending in ':'. Other items end with '.' (the default)."""
    starts = [i for i, k in enumerate(kinds) if k == "item"]
    last: dict[int, int] = {}
    words: dict[int, list[str]] = {}
    for i in starts:
        j = i
        while j + 1 < len(kinds) and kinds[j + 1] == "cont":
            j += 1
        last[i] = j
        words[i] = " ".join(_ITEM_RE.sub("", lines[k], count=1) for k in range(i, j + 1)).split()
    indent = {i: len(lines[i]) - len(lines[i].lstrip()) for i in starts}

    def short(i: int) -> bool:
        return 0 < len(words[i]) <= 3 and words[i][-1][-1:] not in ".!?:;"

    endings: dict[int, str] = {}
    header_at: list[int] = []  # indents of open "...:" header items
    for n, i in enumerate(starts):
        nxt = starts[n + 1] if n + 1 < len(starts) and all(
            k != "text" for k in kinds[last[i] + 1:starts[n + 1]]) else None
        while header_at and header_at[-1] >= indent[i]:
            header_at.pop()
        text = " ".join(words[i])
        if text.endswith(":") and nxt is not None and indent[nxt] > indent[i]:
            header_at.append(indent[i])
            continue
        sibling = nxt is not None and indent[nxt] == indent[i]
        if sibling and (header_at or (short(i) and nxt is not None and short(nxt))):
            endings[last[i]] = ","
    return endings


@dataclass
class BodyViews:
    prose: str  # the whole body as one paragraph (list markers and labels removed)
    text: str  # only the non-list paragraphs
    before: str  # the non-list paragraphs before the first list item
    after: str  # ... and after it
    points: list[tuple[str, Source]]


def body_line_numbers(entry: Entry) -> list[int]:
    """The 1-based note line of each line of ``entry.body``.

    Private text and metadata bullets are cut out of the body, so ``body_line + i`` can
    drift: use ``entry.body_lines`` when the notes reader gave them, else anchor each list
    item on its point's own line and count on from there.
    """
    lines = entry.body.split("\n")
    if len(entry.body_lines) == len(lines):
        return list(entry.body_lines)
    numbers = [(entry.body_line or entry.source.line + 1) + i for i in range(len(lines))]
    items = [i for i, kind in enumerate(_classify(lines)) if kind == "item"]
    if entry.points and len(items) == len(entry.points):
        anchors = dict(zip(items, (p.source.line for p in entry.points), strict=True))
        for i in range(len(lines)):
            if i in anchors:
                numbers[i] = anchors[i]
            elif i > 0:
                numbers[i] = numbers[i - 1] + 1
    return numbers


def body_views(entry: Entry) -> BodyViews:
    """Markdown views of a note body that keep one line per note line (for the line map)."""
    lines = entry.body.split("\n")
    numbers = body_line_numbers(entry)
    labels = {p.source.line: p.label for p in entry.points if p.label}
    kinds = _classify(lines)
    fenced = any(_FENCE_RE.match(line) for line in lines)
    endings = _item_endings(lines, kinds)
    prose: list[str] = []
    text: list[str] = []
    derived: list[tuple[list[str], Source]] = []
    for i, (line, kind) in enumerate(zip(lines, kinds, strict=True)):
        number = numbers[i]
        if kind == "item":
            body = strip_label(_ITEM_RE.sub("", line, count=1), labels.get(number))
            derived.append(([body.strip()], Source(entry.source.path, number)))
            before = next((p.rstrip() for p in reversed(prose) if p.strip()), "")
            if not fenced and before.endswith((".", "!", "?")):
                body = body[:1].upper() + body[1:]  # the item now starts a sentence
        elif kind == "cont":
            body = line.strip()
            if derived:
                derived[-1][0].append(body)
        else:
            body = line if fenced else line.strip()
        if kind in ("item", "cont") and not fenced:
            if i + 1 >= len(kinds) or kinds[i + 1] != "cont":
                body = _end_sentence(body, endings.get(i, "."))
            prose.append(body)
            text.append("")
        else:
            if not fenced and kind == "text":
                body = _capitalise_sentences(body)
                if i + 1 >= len(kinds) or kinds[i + 1] != "text":  # a paragraph's last line
                    body = _end_sentence(body)
            prose.append(line if fenced else body)
            text.append(line if fenced else body)
    points = [(" ".join(parts), src) for parts, src in derived]
    first = kinds.index("item") if "item" in kinds else len(kinds)
    head = [line if i < first else "" for i, line in enumerate(text)]
    tail = [line if i >= first else "" for i, line in enumerate(text)]
    return BodyViews("\n".join(prose), "\n".join(text), "\n".join(head), "\n".join(tail),
                      points)

