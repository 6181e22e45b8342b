"""Parsing one note file's text into entries: the order of the notes stage's steps."""

from __future__ import annotations

from ..model import Problem, Source
from .asides import drop_asides
from .document import Doc, markdown_parser, scan_blocks
from .entries import heading_entry, make_entry, one_paper_entry, single_note
from .frontmatter import front_matter, is_single_note
from .headings import choose_headings
from .kinds import one_paper, papers_sections, title_from_file_name
from .meta import merge_file_meta
from .obsidian import obsidian_lines
from .private import strip_private
from .result import NotesResult
from .roles import DEFAULT_ROLES, Roles


def parse_note(
    text: str, path: str, *, private_marker: str = "!!", roles: Roles = DEFAULT_ROLES,
    summary_words: int | None = 70,
) -> NotesResult:
    """Parse one Markdown note file's text into entries (``path`` is used in Sources only).

    Handles a weekly report with a papers section, one note per paper with YAML front
    matter, link headings, placeholder headings with metadata bullets, and several notes
    per file. ``roles`` names the sections of a note; ``summary_words`` is the budget of
    each entry's summary (None: all of it). Never raises for bad input: problems come
    back in the result.
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
    lines, orig = drop_asides(lines, orig, path, result.dropped)
    lines, fields = obsidian_lines(lines, orig, path, result.problems)
    inline_tags = fields.pop("__tags__", [])
    if fields:  # Dataview inline fields (Title:: ..., Citekey:: ...) are front matter too
        front = dict(front or {"__line__": fields["__lines__"][next(iter(fields["__lines__"]))],
                               "__title_line__": fields["__lines__"].get("title", 1)})
        for key, value in fields.items():
            if key != "__lines__" and key.lower() not in {k.lower() for k in front}:
                front[key.lower()] = value
        if "title" in fields["__lines__"]:
            front["__title_line__"] = fields["__lines__"]["title"]
    tokens = markdown_parser().parse("\n".join(lines))
    blocks, headings = scan_blocks(tokens)
    doc = Doc(path, lines, orig, blocks, [b.start for b in blocks], headings, result,
              roles, summary_words)

    chosen, roots = choose_headings(doc)
    sections = papers_sections(doc, roots)
    paper = one_paper(doc, sections)
    one = True
    if front is not None and is_single_note(front, has_papers_section=bool(sections)):
        single_note(doc, front)
    elif paper is not None:
        entry = one_paper_entry(doc, paper)
        if entry is not None:
            result.entries.append(entry)
            if front:
                merge_file_meta(entry, front)
    else:
        one = not roots  # a lone paper heading outside any papers section
        for h, group in chosen:
            entry = heading_entry(doc, h, group, in_papers=bool(roots))
            if entry is not None:
                result.entries.append(entry)
        if not headings and front is None and any(s.strip() for s in lines):
            # A file without headings is one note named after the file (Obsidian style)
            title = title_from_file_name(path)
            entry = make_entry(doc, title, doc.src(0), (), 0, len(lines), title_line=-1)
            if entry is not None:
                result.entries.append(entry)
        if front:
            for entry in result.entries:
                merge_file_meta(entry, front)
    if inline_tags and one and len(result.entries) == 1:  # #tags in a one-paper note
        tags = list(result.entries[0].meta.get("tags", []))
        result.entries[0].meta["tags"] = tags + [t for t in inline_tags if t not in tags]
    result.dropped.sort(key=lambda p: p.source.line if p.source else 0)
    result.kinds[path] = ("none" if not result.entries
                          else "one-paper" if one and len(result.entries) == 1 else "collection")
    if not result.entries and not any(p.severity == "error" for p in result.problems):
        # an Obsidian vault holds concept notes and plans besides its literature notes
        vault_note = front is not None or "[[" in text
        result.problems.append(Problem(
            "info" if vault_note else "warning", "no paper entries found in this file",
            Source(path, 1),
            "put each paper under its own heading, e.g. under '## Papers' "
            "(see the README, 'Writing notes')",
            "no-entries",
        ))
    return result
