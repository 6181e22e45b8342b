"""Building entries: a paper heading's section or a one-paper file -> Entry."""

from __future__ import annotations

import bisect
import re
from dataclasses import dataclass, field
from typing import Any

from ..model import Entry, Point, Problem, Source
from .document import Block, Doc, Heading
from .headings import PLACEHOLDER_RE, is_admin
from .identifiers import add_link, scan_ids
from .kinds import OnePaper, title_from_file_name
from .labels import LABEL_RE, is_label
from .meta import META_RE, apply_meta
from .roles import Role
from .summary import TLDR_RE, SummaryLines, cut_to_budget, pick_lines
from .titles import clean_title, norm_words, strip_md


def heading_entry(
    doc: Doc, h: Heading, group: tuple[str, ...], *, in_papers: bool,
    end: int | None = None,
) -> Entry | None:
    """The entry of paper heading ``h``: its section, or up to ``end`` (a one-paper file)."""
    entry = make_entry(doc, h.text, doc.src(h.start), group, h.end,
                       h.section_end if end is None else end, title_line=h.start, heading=h)
    if entry is None:
        return None
    if PLACEHOLDER_RE.match(h.text) and entry.title == h.text:
        doc.result.problems.append(Problem(
            "warning", f"heading '{h.text}' looks like a placeholder but has no Title bullet",
            entry.source, "add '* **Title**: <the paper's title>' under it", "placeholder",
        ))
    return entry


def one_paper_entry(doc: Doc, paper: OnePaper) -> Entry | None:
    """The one entry of a one-paper file: every heading but the title's is a section."""
    if paper.heading is not None:
        return heading_entry(doc, paper.heading, (), in_papers=False, end=len(doc.lines))
    return make_entry(doc, paper.link_title, doc.src(paper.line), (), paper.line + 1,
                      len(doc.lines), title_line=paper.line, link=paper.link)


def make_entry(
    doc: Doc, title: str, source: Source, group: tuple[str, ...], start: int, end: int,
    *, title_line: int, heading: Heading | None = None,
    front: dict[str, Any] | None = None, link: str | None = None,
) -> Entry | None:
    """An Entry for the lines [start, end): body, points, metadata and identifiers."""
    if not title.strip():  # a heading that is only a citation, "## [@key2020]"
        title = (heading.raw.strip() if heading is not None else "") \
            or title_from_file_name(doc.path)
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
    if link:
        add_link(entry, link)
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
    parts = Parts()
    for b in doc.blocks[lo:]:
        if b.start >= end:
            break
        if b.start < skip_until:
            continue
        if b.kind == "heading":
            sub = _heading_at(doc, b.start)
            skip.update(range(b.start, b.end))
            if sub is None:
                continue
            role = doc.roles.role_of(sub.text)
            if role == "private" or (role is None and is_admin(sub) and not is_label(sub)):
                # Notes, Questions, Thoughts, See also...: never part of the entry
                skip_until = min(sub.section_end, end)
                skip.update(range(b.end, skip_until))
                _left_out(doc, sub, skip_until)
            else:
                parts.sections.append((sub, role))
            continue
        if b.kind == "callout":
            _callout(doc, b, parts, skip, replaced)
            if doc.roles.callout_role(b.content) == "private":
                skip_until = min(b.end, end)
            continue
        parts.blocks.append((b, len(parts.sections)))
        if b.kind == "code":
            code_lines.update(range(b.start, b.end))
        elif b.kind == "hr":
            hr_lines.update(range(b.start, b.end))
        elif b.kind == "item":
            items.append(b)
        elif b.kind == "paragraph":
            _paragraph(doc, entry, b, skip, replaced, item_label, result.problems)
            first = replaced.get(b.start, lines[b.start])
            tldr = TLDR_RE.match(first)
            if b.start not in skip and (tldr or item_label.get(b.start) in ("Tl;dr", "Tldr")):
                if tldr:
                    replaced[b.start] = tldr.group(1) + first[tldr.end():]
                parts.tldr.append(b)
            elif item_label.get(b.start) == "Description" and b.first_in_item:
                parts.described.append(b)

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
    if doc.budget is None:  # 'summary: full': the whole note but its private text
        entry.summary, entry.summary_lines = entry.body, list(entry.body_lines)
    else:
        whole = summary_lines(doc, parts, skip, replaced, end, front)
        summary = cut_to_budget(whole, doc.budget)
        entry.summary = "\n".join(t for t, _ in summary)
        entry.summary_lines = [n for _, n in summary]
        _report_cut(doc, entry, whole, summary, doc.budget)

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


_QUOTE_RE = re.compile(r"^[ \t]*>[ \t]?")


@dataclass
class Parts:
    """What the walk over an entry's blocks found for its summary."""

    #: sub-headings kept (summary and detail sections) with their role
    sections: list[tuple[Heading, Role | None]] = field(default_factory=list)
    #: kept blocks, each with the number of kept sub-headings before it (0: the lead)
    blocks: list[tuple[Block, int]] = field(default_factory=list)
    tldr: list[Block] = field(default_factory=list)  # paragraphs starting "TLDR;"
    described: list[Block] = field(default_factory=list)  # "Description:" points
    callouts: list[Block] = field(default_factory=list)  # summary callouts ([!abstract])


def _callout(doc: Doc, b: Block, parts: Parts, skip: set[int],
             replaced: dict[int, str]) -> None:
    """An Obsidian callout: its header never shows; a private kind is left out whole, the
    others lose their quote markers; abstract/summary/tldr ones are summary candidates."""
    role = doc.roles.callout_role(b.content)
    skip.add(b.start)
    if role == "private":
        skip.update(range(b.start, b.end))
        count = doc.orig[b.end - 1] - doc.orig[b.start] + 1 if b.end > b.start else 1
        doc.result.dropped.append(Problem(
            "info", f"private text left out: callout [!{b.content}] "
            f"({count} line{'s' if count > 1 else ''})", doc.src(b.start), None, "private"))
        return
    for i in range(b.start + 1, min(b.end, len(doc.lines))):
        replaced[i] = _QUOTE_RE.sub("", doc.lines[i], count=1)
    if role == "summary":
        parts.callouts.append(b)


def summary_lines(doc: Doc, parts: Parts, skip: set[int], replaced: dict[int, str],
                  end: int, front: dict[str, Any] | None) -> SummaryLines:
    """The entry's summary before the cut (see summary.py for the order)."""
    lines, orig = doc.lines, doc.orig

    def take(lo: int, hi: int) -> SummaryLines:
        return pick_lines(lines, orig, [i for i in range(lo, min(hi, len(lines)))
                                        if i not in skip], replaced)

    if front is not None and isinstance(front.get("summary"), str) and front["summary"].strip():
        where = front.get("__lines__", {}).get("summary", front["__line__"])
        return [(" ".join(front["summary"].split()), where)]
    found: list[tuple[int, SummaryLines]] = []
    for k, (h, role) in enumerate(parts.sections):
        if role != "summary":
            continue
        stop = min(h.section_end, end)
        for c in h.children:  # the summary's own text, not its sub-sections
            stop = min(stop, doc.headings[c].start)
        text = take(h.end, stop)
        if text:
            found.append((doc.roles.priority(h.text) * 2 + (k > 0), text))
    for b in parts.callouts:  # a note's own section of the same kind comes first
        text = take(b.start + 1, b.end)
        if text:
            found.append((doc.roles.priority(b.content) * 2 + 1, text))
    if parts.tldr:
        b = parts.tldr[0]
        found.append((doc.roles.priority("tl;dr") * 2 + 1, take(b.start, b.end)))
    if found:
        return min(found, key=lambda f: f[0])[1]
    if parts.described:
        out: SummaryLines = []
        for b in parts.described:
            item = next((i for i, _ in parts.blocks if i.kind == "item" and i.start == b.start),
                        b)
            out += take(item.start, item.end)
        return out
    return _first_paragraph_lines(parts, take)


def _first_paragraph_lines(parts: Parts, take: Any) -> SummaryLines:
    """The first kept paragraph, or the first list (all its items) when a list comes first."""
    kept = [(b, n) for b, n in parts.blocks if b.kind in ("paragraph", "item")]
    for i, (b, section) in enumerate(kept):
        text = take(b.start, b.end)
        if not text:
            continue
        if b.kind == "paragraph" and b.depth == 0 and not b.first_in_item:
            following = [nb for nb, ns in kept[i + 1:i + 2]
                         if ns == section and nb.kind == "item"]
            if not text[-1][0].rstrip().endswith(":") or not following:
                return text
            b = following[0]  # "... a minimax game:" introduces the list that follows
        last = b.end
        for nb, nsection in kept[kept.index((b, section)) + 1:]:
            if nsection != section or (
                    nb.kind == "paragraph" and nb.depth == 0 and not nb.first_in_item):
                break
            last = max(last, nb.end)
        return take(kept[i][0].start, last)
    return []


def _report_cut(doc: Doc, entry: Entry, whole: SummaryLines, kept: SummaryLines,
                budget: int) -> None:
    """A summary cut to the word budget: listed with -v at the first line cut, so a point
    left out of the section is never a surprise."""
    words = sum(len(t.split()) for t, _ in whole)
    left = sum(len(t.split()) for t, _ in kept)
    if left >= words:
        return
    at = len(kept) - 1 if kept and kept[-1][0] != whole[len(kept) - 1][0] else len(kept)
    line = whole[min(at, len(whole) - 1)][1]
    doc.result.dropped.append(Problem(
        "info", f"summary of '{entry.title}' cut to the {budget}-word budget: {left} of "
        f"{words} words kept", Source(doc.path, line),
        "start the note with a TL;DR, or set 'summary: full' (or more words) in relwork.yaml",
        "summary-cut"))


def _left_out(doc: Doc, sub: Heading, stop: int) -> None:
    """A private section left out: listed with -v at its heading's line."""
    last = doc.orig[min(stop, len(doc.orig)) - 1] if stop > sub.start else doc.orig[sub.start]
    count = max(last - doc.orig[sub.start] + 1, 1)  # lines of the file, as written
    doc.result.dropped.append(Problem(
        "info", f"private text left out: section '{sub.text}' "
        f"({count} line{'s' if count > 1 else ''})", doc.src(sub.start), None, "private"))


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
            title = title_from_file_name(doc.path)
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
