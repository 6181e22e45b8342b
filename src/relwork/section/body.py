"""Views of a note body for templates: the body as prose, its paragraphs before and after
the list, its points, and the note line behind each body line."""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass

from ..model import Entry, Source

_ITEM_RE = re.compile(r"^\s*(?:[-*+]|\d{1,9}[.)])(?:\s+|$)")
_FENCE_RE = re.compile(r"^\s*(```|~~~)")


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


def _end_sentence(line: str) -> str:
    """Add a full stop to a list item that runs into the next one in prose."""
    stripped = line.rstrip()
    return stripped + "." if stripped and (stripped[-1].isalnum() or stripped[-1] in ")*_`") \
        else stripped


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
                body = _end_sentence(body)
            prose.append(body)
            text.append("")
        else:
            prose.append(line if fenced else body)
            text.append(line if fenced else body)
    points = [(" ".join(parts), src) for parts, src in derived]
    first = kinds.index("item") if "item" in kinds else len(kinds)
    head = [line if i < first else "" for i, line in enumerate(text)]
    tail = [line if i >= first else "" for i, line in enumerate(text)]
    return BodyViews("\n".join(prose), "\n".join(text), "\n".join(head), "\n".join(tail),
                      points)

