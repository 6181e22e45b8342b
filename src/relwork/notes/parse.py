"""Parsing one note file's text into entries: the order of the notes stage's steps."""

from __future__ import annotations

from pathlib import Path

from ..model import Problem, Source
from .document import Doc, markdown_parser, scan_blocks
from .entries import heading_entry, make_entry, single_note
from .frontmatter import front_matter, is_single_note
from .headings import choose_headings
from .meta import merge_file_meta
from .private import strip_private
from .result import NotesResult


def parse_note(text: str, path: str, *, private_marker: str = "!!") -> NotesResult:
    """Parse one Markdown note file's text into entries (``path`` is used in Sources only).

    Handles a weekly report with a papers section, one note per paper with YAML front
    matter, link headings, placeholder headings with metadata bullets, and several notes
    per file. Never raises for bad input: problems come back in the result.
    """
    result = NotesResult()
    if text.startswith("\ufeff"):
        text = text[1:]
    if "\r" in text:
        text = text.replace("\r\n", "\n").replace("\r", "\n")
    all_lines = text.split("\n")

    front, body_start = front_matter(all_lines, path, result.problems)
    lines, orig = strip_private(all_lines, body_start, path, private_marker,
                                result.dropped)
    tokens = markdown_parser().parse("\n".join(lines))
    blocks, headings = scan_blocks(tokens)
    doc = Doc(path, lines, orig, blocks, [b.start for b in blocks], headings, result)

    chosen, roots = choose_headings(doc)
    if front is not None and is_single_note(front, has_papers_section=bool(roots)):
        single_note(doc, front)
    else:
        for h, group in chosen:
            entry = heading_entry(doc, h, group, in_papers=bool(roots))
            if entry is not None:
                result.entries.append(entry)
        if not headings and front is None and any(s.strip() for s in lines):
            # A file without headings is one note named after the file (Obsidian style)
            title = Path(path).stem.replace("_", " ")
            entry = make_entry(doc, title, doc.src(0), (), 0, len(lines), title_line=-1)
            if entry is not None:
                result.entries.append(entry)
        if front:
            for entry in result.entries:
                merge_file_meta(entry, front)
    result.dropped.sort(key=lambda p: p.source.line if p.source else 0)
    if not result.entries and not any(p.severity == "error" for p in result.problems):
        result.problems.append(Problem(
            "warning", "no paper entries found in this file", Source(path, 1),
            "put each paper under its own heading, e.g. under '## Papers' "
            "(see the README, 'Writing notes')",
            "no-entries",
        ))
    return result
