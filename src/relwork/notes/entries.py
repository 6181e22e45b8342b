"""Building entries: a paper heading's section or a one-paper file -> Entry."""

from __future__ import annotations

import bisect
from pathlib import Path
from typing import Any

from ..model import Entry, Point, Problem, Source
from .document import Block, Doc, Heading
from .headings import PLACEHOLDER_RE, is_admin
from .identifiers import add_link, scan_ids
from .labels import LABEL_RE, is_label
from .meta import META_RE, apply_meta
from .titles import clean_title, norm_words, strip_md


def heading_entry(
    doc: Doc, h: Heading, group: tuple[str, ...], *, in_papers: bool
) -> Entry | None:
    entry = make_entry(doc, h.text, doc.src(h.start), group, h.end, h.section_end,
                        title_line=h.start, heading=h)
    if entry is None:
        return None
    if PLACEHOLDER_RE.match(h.text) and entry.title == h.text:
        doc.result.problems.append(Problem(
            "warning", f"heading '{h.text}' looks like a placeholder but has no Title bullet",
            entry.source, "add '* **Title**: <the paper's title>' under it", "placeholder",
        ))
    return entry


def make_entry(
    doc: Doc, title: str, source: Source, group: tuple[str, ...], start: int, end: int,
    *, title_line: int, heading: Heading | None = None,
    front: dict[str, Any] | None = None,
) -> Entry | None:
    """An Entry for the lines [start, end): body, points, metadata and identifiers."""
    entry = Entry(title=title, source=source, group=group)
    result = doc.result
    lines = doc.lines
    # front matter and heading link ids come first: they name the paper itself
    if front is not None:
        for key, value in front.items():
            if not key.startswith("__"):
                apply_meta(entry, key, value, Source(doc.path, front["__line__"]),
                           result.problems,
                            from_front=True)
    if heading is not None:
        if heading.href:
            add_link(entry, heading.href)
        scan_ids(entry, heading.raw, [title_line], doc.src, result.problems)

    skip: set[int] = set()
    replaced: dict[int, str] = {}
    code_lines: set[int] = set()
    hr_lines: set[int] = set()
    skip_until = -1
    lo = bisect.bisect_left(doc.starts, start)
    item_label: dict[int, str] = {}
    items: list[Block] = []
    for b in doc.blocks[lo:]:
        if b.start >= end:
            break
        if b.start < skip_until:
            continue
        if b.kind == "heading":
            sub = _heading_at(doc, b.start)
            skip.update(range(b.start, b.end))
            if sub is not None and is_admin(sub) and not is_label(sub):
                # a TODO/questions sub-section inside a paper is not part of its summary
                skip_until = min(sub.section_end, end)
                skip.update(range(b.end, skip_until))
            continue
        if b.kind == "code":
            code_lines.update(range(b.start, b.end))
        elif b.kind == "hr":
            hr_lines.update(range(b.start, b.end))
        elif b.kind == "item":
            items.append(b)
        elif b.kind == "paragraph":
            _paragraph(doc, entry, b, skip, replaced, item_label, result.problems)

    # points: list items that are not metadata
    for it in items:
        if it.start in skip:
            continue
        para = _first_paragraph(doc, it)
        text = ""
        if para is not None:
            text = para.content
            label = item_label.get(para.start)
            if label is not None:
                m = LABEL_RE.match(text)
                if m:
                    text = text[m.end():]
        entry.points.append(Point(" ".join(text.split()), doc.src(it.start),
                                  item_label.get(it.start), it.depth))

    # body: the kept lines in range, trimmed of blank and rule lines at both ends
    body_idx = [i for i in range(start, min(end, len(lines))) if i not in skip]
    while body_idx and (not lines[body_idx[0]].strip() or body_idx[0] in hr_lines):
        body_idx.pop(0)
    while body_idx and (not lines[body_idx[-1]].strip() or body_idx[-1] in hr_lines):
        body_idx.pop()
    entry.body = "\n".join(replaced.get(i, lines[i]) for i in body_idx)
    entry.body_line = doc.orig[body_idx[0]] if body_idx else 0
    # exact note line of every body line: private lines and metadata were cut out
    entry.body_lines = [doc.orig[i] for i in body_idx]

    # identifiers in the body, outside code
    scan = [("" if i in code_lines else replaced.get(i, lines[i])) for i in body_idx]
    if any("@" in s or "arxiv" in s.lower() or "10." in s or "\\" in s for s in scan):
        own = {kind: set(values) for kind, values in entry.ids.items()}
        scan_ids(entry, "\n".join(scan), body_idx, doc.src, result.problems)
        for kind, values in entry.ids.items():
            weak = [v for v in values if v not in own.get(kind, ())]
            if weak:
                entry.weak_ids[kind] = weak
    return entry


def _heading_at(doc: Doc, line: int) -> Heading | None:
    for h in doc.headings:  # few headings per file
        if h.start == line:
            return h
    return None


def _first_paragraph(doc: Doc, item: Block) -> Block | None:
    k = bisect.bisect_left(doc.starts, item.start)
    for b in doc.blocks[k:k + 4]:
        if b.kind == "paragraph" and b.start == item.start:
            return b
    return None


def _paragraph(
    doc: Doc, entry: Entry, b: Block, skip: set[int], replaced: dict[int, str],
    item_label: dict[int, str], problems: list[Problem],
) -> None:
    """Metadata lines of a paragraph go to ids/meta; a leading label is cut from the text."""
    lines = doc.lines
    for i in range(b.start, b.end):
        ln = lines[i]
        colon = ln.find(":")
        if 0 < colon < 40:
            m = META_RE.match(ln)
            if m and m.group(2) and apply_meta(entry, m.group(1), m.group(2), doc.src(i),
                                                problems):
                skip.add(i)
                if b.first_in_item and i == b.start:
                    # the whole list item is metadata (continuation lines included)
                    skip.update(range(b.start, b.end))
                    return
    first = b.start
    if first in skip:
        return
    ln = lines[first]
    colon = ln.find(":")
    if 0 < colon < 40:
        m = LABEL_RE.match(ln)
        if m:
            label = m.group(2)
            label = label[:1].upper() + label[1:].lower()
            item_label[first] = label
            replaced[first] = m.group(1) + ln[m.end():]


def single_note(doc: Doc, front: dict[str, Any]) -> None:
    """A file with paper front matter is one entry; its first heading may repeat the title."""
    hs = doc.headings
    title = front.get("title")
    start = 0
    title_src = Source(doc.path, front["__title_line__"])
    first = hs[0] if hs else None
    if not title:
        if first is not None and not is_admin(first) and not is_label(first):
            title, title_src, start = first.text, doc.src(first.start), first.end
        else:
            title = Path(doc.path).stem.replace("_", " ")
    else:
        title = clean_title(strip_md(str(title)))
        if first is not None and first.start == _first_text_line(doc) and (
                norm_words(first.text) == norm_words(title) or first.level == 1):
            start = first.end  # a '# Title' heading repeating the title is not body
    front = {k: v for k, v in front.items() if k.lower() != "title"}
    entry = make_entry(doc, str(title), title_src, (), start, len(doc.lines),
                        title_line=-1, front=front)
    if entry is not None:
        doc.result.entries.append(entry)


def _first_text_line(doc: Doc) -> int:
    for i, ln in enumerate(doc.lines):
        if ln.strip():
            return i
    return 0
