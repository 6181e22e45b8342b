"""Markdown notes -> ``Entry`` list.

One pass of markdown-it-py per file gives the block tokens with their line ranges; the
heading tree decides which headings are papers (see the README, "Which headings are
papers"), and each paper's section gives its body, points, metadata and identifiers.
Private text (HTML comments, ``%%…%%``, lines starting with the private marker) is cut
out before parsing, with a line map so every ``Source`` still names the original line.
"""

from __future__ import annotations

import bisect
import difflib
import functools
import glob
import os
import re
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

import yaml

from .ids import arxiv_of_doi, exact_arxiv, is_valid_key, normalize_arxiv, normalize_doi
from .model import Entry, Point, Problem, Source

if TYPE_CHECKING:
    from markdown_it import MarkdownIt
    from markdown_it.token import Token

    from .config import Config

NOTE_SUFFIXES = (".md", ".markdown")


@dataclass
class NotesResult:
    """What reading notes gave: the entries in file order, problems, and what was left out.

    ``dropped`` holds one ``info`` Problem per piece of private text that was removed.
    """

    entries: list[Entry] = field(default_factory=list)
    problems: list[Problem] = field(default_factory=list)
    dropped: list[Problem] = field(default_factory=list)

    def extend(self, other: NotesResult) -> None:
        self.entries.extend(other.entries)
        self.problems.extend(other.problems)
        self.dropped.extend(other.dropped)


# ---------------------------------------------------------------------------------------
# Files


def collect_note_files(
    config: Config, paths: Sequence[str] | None = None
) -> tuple[list[Path], list[Problem]]:
    """Note files named by ``paths`` (default: ``config.notes``): files, folders or globs.

    Folders are searched recursively for ``*.md`` and ``*.markdown`` (hidden folders such
    as ``.obsidian`` are skipped). Returns absolute paths, sorted and de-duplicated, and a
    Problem for every path that does not exist or glob that matches nothing.
    """
    from_config = not paths
    items = list(config.notes if from_config else paths or [])
    where = config.where("notes") if from_config else None
    found: dict[str, Path] = {}
    problems: list[Problem] = []
    for item in items:
        target = config.resolve(item)
        if any(ch in item for ch in "*?["):
            hits = [Path(h) for h in glob.glob(str(target), recursive=True)]
            files = [h.resolve() for h in hits
                     if h.is_file() and h.suffix.lower() in NOTE_SUFFIXES]
            for h in hits:
                if h.is_dir():
                    files.extend(_notes_in(h))
            if not files:
                problems.append(Problem(
                    "warning", f"no note files match '{item}'", where,
                    "check the pattern; folders are searched for *.md and *.markdown", "notes",
                ))
        elif target.is_dir():
            files = _notes_in(target)
            if not files:
                problems.append(Problem(
                    "warning", f"no .md or .markdown files in folder '{item}'", where,
                    f"put your paper notes there or change 'notes' in {config.file_name}",
                    "notes",
                ))
        elif target.is_file():
            files = [target.resolve()]
        else:
            problems.append(Problem(
                "error", f"note path not found: '{item}'", where,
                f"fix the path in 'notes' ({config.file_name}) or on the command line", "notes",
            ))
            continue
        for f in files:  # resolved already (symbolic links followed)
            found.setdefault(os.path.normcase(str(f)), f)
    return sorted(found.values(), key=lambda p: str(p)), problems


def _notes_in(folder: Path) -> list[Path]:
    """Note files below ``folder``, resolved: the walk starts at the resolved folder and
    does not follow links to folders, so only a file that is itself a link needs resolving
    (one stat instead of one per path component: watch lists the folder every rebuild)."""
    files = []
    for dirpath, dirnames, filenames in os.walk(folder.resolve()):
        dirnames[:] = [d for d in dirnames if not d.startswith(".")]  # .git, .obsidian, .trash
        for name in filenames:
            if name.lower().endswith(NOTE_SUFFIXES) and not name.startswith("."):
                path = os.path.join(dirpath, name)
                # a link is followed, unless it leads nowhere: then the name in the folder
                # is what the user knows
                link = os.path.islink(path) and os.path.exists(path)
                files.append(Path(path).resolve() if link else Path(path))
    return files


#: absolute path -> (text, (mtime_ns, size) before it was read) of the files read_notes
#: read last: the tone check reads the note files again for markers and exact lines, and
#: takes the text from here while the file's stamp is unchanged
texts_read: dict[str, tuple[str, tuple[int, int]]] = {}


def read_notes(
    files: Sequence[Path],
    config: Config,
    *,
    cache: dict[tuple[str, str], tuple[bytes, NotesResult]] | None = None,
    shown_paths: Sequence[str] | None = None,
) -> NotesResult:
    """Read and parse every file; paths in Sources are shown as ``config.display`` gives.

    A file that cannot be read or is not UTF-8 becomes an error Problem; the other files
    are still read. ``cache`` (kept by a long-running caller such as watch) maps a file
    to its last content and parse, so an unchanged file is not parsed again.
    ``shown_paths``: ``config.display`` of each file, when the caller has it already.
    """
    result = NotesResult()
    marker = getattr(config, "private_marker", "!!")
    names = list(shown_paths) if shown_paths is not None and len(shown_paths) == len(files) \
        else [config.display(path) for path in files]
    for path, shown in zip(files, names, strict=True):
        try:
            st = os.stat(path)  # before reading: a later change shows in the stamp
            stamp: tuple[int, int] | None = (st.st_mtime_ns, st.st_size)
        except OSError:
            stamp = None
        try:
            data = Path(path).read_bytes()
        except OSError as exc:
            result.problems.append(Problem(
                "error", f"cannot read note file: {exc.strerror or exc}", Source(shown),
                "check that the file exists and is readable", "notes-read",
            ))
            continue
        try:
            text = data.decode("utf-8")
        except UnicodeDecodeError as exc:
            line = data.count(b"\n", 0, exc.start) + 1
            result.problems.append(Problem(
                "error",
                f"{Path(shown).name} is not UTF-8: byte offset {exc.start} "
                f"(0x{data[exc.start]:02x}) cannot be decoded; the file was skipped",
                Source(shown, line),
                "save the file as UTF-8 (e.g. 'iconv -f latin1 -t utf-8')", "encoding",
            ))
            continue
        if stamp is not None:
            texts_read[os.path.abspath(path)] = (text, stamp)
        slot = (shown, marker)
        hit = cache.get(slot) if cache is not None else None
        if hit is not None and hit[0] == data:
            result.extend(hit[1])
            continue
        parsed = parse_note(text, shown, private_marker=marker)
        if cache is not None:
            cache[slot] = (data, parsed)
        result.extend(parsed)
    return result


# ---------------------------------------------------------------------------------------
# Word lists that drive the heading rule (compared after _norm_words)

#: Headings that are never papers; their sections are skipped (TODO, questions, ...).
ADMIN_WORDS = frozenset(
    "todo todos to-do done doing questions question next plan plans agenda meeting meetings "
    "tasks task goals progress updates update misc miscellaneous log notes note comments "
    "thoughts ideas issues problems remarks feedback reminders schedule deadlines "
    "currently discussion".split()
)
#: Headings inside a paper that name a part of its summary; folded into the paper's body.
LABEL_WORDS = frozenset(
    "summary abstract description descriptions notes note method methods methodology result "
    "results conclusion conclusions idea ideas contribution contributions motivation approach "
    "limitation limitations takeaway takeaways strengths weaknesses pros cons comment comments "
    "highlights annotations background problem experiments experiment overview tldr tl;dr "
    "key main thoughts discussion evaluation related analysis".split()
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
#: Group headings that are never a paper title when they have no text of their own.
GROUP_ONLY = frozenset(
    "detailed|not sure|unsure|maybe|others|other|misc|to read|skimmed|later|important|"
    "relevant|irrelevant|background|uncategorized|read|unread".split("|"))

#: Leading labels recognised on a paragraph or list item ("Description: ...").
LABELS = (
    "description", "summary", "conclusion", "conclusions", "note", "notes", "idea", "ideas",
    "key idea", "main idea", "method", "methods", "approach", "result", "results",
    "contribution", "contributions", "motivation", "problem", "limitation", "limitations",
    "takeaway", "takeaways", "abstract", "tl;dr", "tldr", "pros", "cons", "comment",
    "comments", "strengths", "weaknesses", "experiments", "background",
)
_LABEL_ALT = "|".join(sorted((re.escape(w) for w in LABELS), key=len, reverse=True))
# prefix (indent, quote, list marker) + optional bold label + colon
_LABEL_RE = re.compile(
    r"^([ \t]*(?:>[ \t]*)*(?:(?:[-*+]|\d{1,9}[.)])[ \t]+)?)"
    r"(?:\*\*|__)?(" + _LABEL_ALT + r")[ \t]*(?:\*\*|__)?[ \t]*:[ \t]*(?:\*\*|__)?[ \t]*",
    re.I)

#: Metadata bullets/lines: key -> what it sets.
META_KEYS = {
    "title": "title",
    "authors": "authors", "author": "authors",
    "link": "url", "links": "url", "url": "url", "paper": "url", "pdf": "url",
    "year": "year", "date": "date", "published": "published",
    "tags": "tags", "tag": "tags", "keywords": "tags", "topics": "tags",
    "doi": "doi", "arxiv": "arxiv", "eprint": "arxiv",
    "key": "key", "citekey": "key", "cite key": "key", "citation key": "key",
    "bibkey": "key", "bibtex key": "key", "citation_key": "key", "id": "key",
    "status": "status", "venue": "venue", "journal": "venue", "conference": "venue",
    "booktitle": "venue",
}
_META_ALT = "|".join(sorted((re.escape(w) for w in META_KEYS), key=len, reverse=True))
_META_RE = re.compile(
    r"^[ \t]*(?:>[ \t]*)*(?:(?:[-*+]|\d{1,9}[.)])[ \t]+)?"
    r"(?:\*\*|__)?(" + _META_ALT + r")[ \t]*(?:\*\*|__)?[ \t]*:[ \t]*(?:\*\*|__)?[ \t]*"
    r"(.*?)[ \t]*$", re.I)

# ---------------------------------------------------------------------------------------
# Identifiers in text

_KEY_CHARS = r"[\w][\w:.#$%&+?<>~/-]*"
#: [..@key..] groups (pandoc, [[@key]]), \cite{...}, arXiv, DOI, bare @key.
_ID_RE = re.compile(
    r"(?P<bracket>\[[^\[\]\n]*?(?<![\w.@/])-?@[^\[\]\n]*\])"
    r"|(?P<cite>\\[A-Za-z]*cite[A-Za-z]*\*?(?:\[[^\]\n]*\]){0,2}\{(?P<citekeys>[^{}\n]*)\})"
    r"|(?P<arxivurl>arxiv\.org/(?:abs|pdf|html)/(?P<ax1>\d{4}\.\d{4,5}|[a-z-]+(?:\.[A-Z]{2})?/\d{7})"
    r"(?:v\d+)?)"
    r"|(?P<arxivpfx>\barxiv:[ \t]*(?P<ax2>\d{4}\.\d{4,5}|[a-z-]+(?:\.[A-Z]{2})?/\d{7})(?:v\d+)?)"
    r"|(?P<doi>\b10\.\d{4,9}/[-._;()/:A-Za-z0-9]+)"  # no braces, quotes, '@'
    r"|(?P<bare>(?<![\w.@/\\])@(?P<barekey>" + _KEY_CHARS + r"))",
    re.I)
_IN_BRACKET_RE = re.compile(r"(?<![\w.@/])-?@(\{[^}\n]*\}|[^\s,;\]]+)")
_INLINE_CODE_RE = re.compile(r"(`+)(?!`).*?(?<!`)\1(?!`)")

# ---------------------------------------------------------------------------------------
# Private text

_COMMENT_RE = re.compile(r"<!--.*?(?:-->|\Z)|%%.*?%%", re.S)
_LIST_ITEM_RE = re.compile(r"^([ \t]*)((?:[-*+]|\d{1,9}[.)])[ \t]+)?")
_NUMBERING_RE = re.compile(r"^(?:\d{1,3}[.)]|[ivx]{1,4}\.|[A-Z]\))[ \t]+")
_TRAIL_PUNCT = " \t:;,-–—=*_#"

_MD: MarkdownIt | None = None


def _markdown() -> MarkdownIt:
    """One parser for all files (building it costs more than parsing a note)."""
    global _MD
    if _MD is None:
        from markdown_it import MarkdownIt

        # inline parsing is only needed for headings (_inline_title asks for it): skipping
        # it for every paragraph halves the parse time
        _MD = MarkdownIt("commonmark").enable(["table", "strikethrough"]).disable("inline")
    return _MD


# ---------------------------------------------------------------------------------------
# Parsing one note


@dataclass
class _Heading:
    idx: int            # index in the heading list
    level: int
    start: int          # first line (index into kept lines)
    end: int            # first line after the heading itself
    text: str           # cleaned title text
    words: str          # normalised words, for the word lists
    href: str | None    # link target when the heading is a link
    raw: str            # inline source of the heading
    parent: int | None = None
    children: list[int] = field(default_factory=list)
    section_end: int = 0  # first line of the next heading of the same or higher level


@dataclass
class _Block:
    kind: str            # paragraph | item | code | hr | html | heading | table | quote
    start: int
    end: int
    depth: int = 0       # list nesting (items, paragraphs inside items)
    content: str = ""    # inline source (paragraphs)
    first_in_item: bool = False


@dataclass
class _Doc:
    path: str
    lines: list[str]     # kept lines (private text removed)
    orig: list[int]      # 1-based original line number of each kept line
    blocks: list[_Block]
    starts: list[int]    # block start lines, for bisect
    headings: list[_Heading]
    result: NotesResult

    def src(self, idx: int) -> Source:
        if not self.orig:
            return Source(self.path, 1)
        idx = min(max(idx, 0), len(self.orig) - 1)
        return Source(self.path, self.orig[idx])


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

    front, body_start = _front_matter(all_lines, path, result)
    lines, orig = _strip_private(all_lines, body_start, path, private_marker, result)
    tokens = _markdown().parse("\n".join(lines))
    blocks, headings = _scan(tokens)
    doc = _Doc(path, lines, orig, blocks, [b.start for b in blocks], headings, result)

    chosen, roots = _choose_headings(doc)
    if front is not None and _is_single_note(front, has_papers_section=bool(roots)):
        _single_note(doc, front)
    else:
        for h, group in chosen:
            entry = _heading_entry(doc, h, group, in_papers=bool(roots))
            if entry is not None:
                result.entries.append(entry)
        if not headings and front is None and any(s.strip() for s in lines):
            # A file without headings is one note named after the file (Obsidian style)
            title = Path(path).stem.replace("_", " ")
            entry = _make_entry(doc, title, doc.src(0), (), 0, len(lines), title_line=-1)
            if entry is not None:
                result.entries.append(entry)
        if front:
            for entry in result.entries:
                _merge_file_meta(entry, front)
    result.dropped.sort(key=lambda p: p.source.line if p.source else 0)
    if not result.entries and not any(p.severity == "error" for p in result.problems):
        result.problems.append(Problem(
            "warning", "no paper entries found in this file", Source(path, 1),
            "put each paper under its own heading, e.g. under '## Papers' "
            "(see the README, 'Writing notes')",
            "no-entries",
        ))
    return result


# --- front matter ----------------------------------------------------------------------


def _front_matter(
    lines: list[str], path: str, result: NotesResult
) -> tuple[dict[str, Any] | None, int]:
    """YAML front matter between ``---`` lines at the top: (mapping, first body line)."""
    if not lines or lines[0].rstrip() != "---":
        return None, 0
    end = -1
    for i in range(1, len(lines)):
        if lines[i].rstrip() in ("---", "..."):
            end = i
            break
    if end < 0:
        return None, 0
    yaml_text = "\n".join(lines[1:end])
    first = next((ln for ln in lines[1:end] if ln.strip() and not ln.startswith("#")), "")
    if first and not _YAML_KEY_RE.match(first):
        return None, 0  # a rule and a setext heading, not front matter
    try:
        data = yaml.load(yaml_text, Loader=_YAML_LOADER) if yaml_text.strip() else {}
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        line = mark.line + 2 if mark is not None else 1
        why = getattr(exc, "problem", None) or str(exc).splitlines()[0]
        result.problems.append(Problem(
            "error", f"invalid YAML front matter: {why}", Source(path, line),
            "fix the YAML between the '---' lines (quote titles that contain ': ')",
            "front-matter",
        ))
        return {}, end + 1
    if data is None:
        data = {}
    if not isinstance(data, dict):
        result.problems.append(Problem(
            "warning", "front matter is not a mapping of keys to values; ignored",
            Source(path, 1), "write it as 'key: value' lines", "front-matter",
        ))
        return {}, end + 1
    title_line = 0
    for i in range(1, end):
        if lines[i].lower().startswith("title:"):
            title_line = i + 1
            break
    data = {str(k): v for k, v in data.items()}
    data["__line__"] = 1
    data["__title_line__"] = title_line or 1
    return data, end + 1


_YAML_KEY_RE = re.compile(r"^[\w\"'][^:]*:(?:\s|$)")
_YAML_LOADER = getattr(yaml, "CSafeLoader", yaml.SafeLoader)  # libyaml is ~10x faster

_PAPER_KEYS = frozenset(
    "citekey key id doi arxiv authors author year citation_key bibkey eprint".split())


def _is_single_note(front: dict[str, Any], *, has_papers_section: bool) -> bool:
    """Front matter that describes a paper makes the whole file one entry.

    A title alone (a Jekyll post "Week 5 reading") does not when the file has a papers
    section: then the headings are the papers and the front matter is about the file.
    """
    keys = {k.lower() for k in front}
    if keys & _PAPER_KEYS:
        return True
    return "title" in keys and not has_papers_section


# --- private text ----------------------------------------------------------------------


def _strip_private(
    lines: list[str], start: int, path: str, marker: str, result: NotesResult
) -> tuple[list[str], list[int]]:
    """Remove comments and private-marker lines; returns kept lines and their line numbers."""
    body = lines[start:]
    orig = list(range(start + 1, len(lines) + 1))
    text = "\n".join(body)
    if "<!--" in text or "%%" in text:
        line_starts = _line_starts(text)

        def cut(m: re.Match[str]) -> str:
            n = m.group(0).count("\n")
            line = orig[bisect.bisect_right(line_starts, m.start()) - 1]
            kind = "HTML comment" if m.group(0).startswith("<") else "%%comment%%"
            result.dropped.append(Problem(
                "info", f"private text left out: {kind} ({n + 1} line{'s' if n else ''})",
                Source(path, line), None, "private",
            ))
            # \0 marks lines touched by a cut: dropped when nothing else is left on them
            return "\0" + "\n\0" * n

        text = _COMMENT_RE.sub(cut, text)
        body = text.split("\n")
        kept_lines, kept_orig = [], []
        for ln, no in zip(body, orig, strict=True):
            if "\0" in ln:
                ln = ln.replace("\0", "").rstrip()
                if not ln.strip():
                    continue
            kept_lines.append(ln)
            kept_orig.append(no)
        body, orig = kept_lines, kept_orig
    if marker and marker in text:
        body, orig = _drop_marker_lines(body, orig, path, marker, result)
    return body, orig


def _drop_marker_lines(
    lines: list[str], orig: list[int], path: str, marker: str, result: NotesResult
) -> tuple[list[str], list[int]]:
    """Drop lines starting with ``marker`` and the lines continuing their paragraph/item."""
    out_lines: list[str] = []
    out_orig: list[int] = []
    i, n = 0, len(lines)
    while i < n:
        ln = lines[i]
        m = _LIST_ITEM_RE.match(ln)
        rest = ln[m.end():] if m else ln
        if not rest.startswith(marker):
            out_lines.append(ln)
            out_orig.append(orig[i])
            i += 1
            continue
        indent = len(m.group(1).expandtabs(4)) if m else 0
        is_item = bool(m and m.group(2))
        content_col = len(ln[: m.end()].expandtabs(4)) if m and is_item else indent
        j = i + 1
        while j < n:
            nxt = lines[j]
            if not nxt.strip():
                # a blank line ends a paragraph; an item continues with indented lines
                k = j
                while k < n and not lines[k].strip():
                    k += 1
                if is_item and k < n and _indent(lines[k]) >= content_col > indent:
                    j = k
                    continue
                break
            ind = _indent(nxt)
            nm = _LIST_ITEM_RE.match(nxt)
            starts_block = nxt.lstrip().startswith(("#", "```", "~~~", ">")) or bool(
                nm and nm.group(2))
            if starts_block and ind <= indent:
                break
            if is_item and ind < content_col and starts_block:
                break
            j += 1
        count = j - i
        result.dropped.append(Problem(
            "info",
            f"private text left out: line starting with '{marker}' "
            f"({count} line{'s' if count > 1 else ''})",
            Source(path, orig[i]), None, "private",
        ))
        i = j
    return out_lines, out_orig


def _indent(line: str) -> int:
    return len(line) - len(line.lstrip(" \t")) if "\t" not in line else len(
        line.expandtabs(4)) - len(line.expandtabs(4).lstrip(" "))


def _line_starts(text: str) -> list[int]:
    starts = [0]
    pos = text.find("\n")
    while pos >= 0:
        starts.append(pos + 1)
        pos = text.find("\n", pos + 1)
    return starts


# --- tokens -> blocks and headings -----------------------------------------------------


def _scan(tokens: list[Token]) -> tuple[list[_Block], list[_Heading]]:
    """One walk over the block tokens: blocks with line ranges, and the heading tree."""
    blocks: list[_Block] = []
    headings: list[_Heading] = []
    list_depth = 0
    item_fresh = False  # the next paragraph is the first one of a list item
    n = len(tokens)
    i = 0
    while i < n:
        t = tokens[i]
        ty = t.type
        if ty == "heading_open" and t.map:
            inline = tokens[i + 1]
            text, href = _inline_title(inline)
            blocks.append(_Block("heading", t.map[0], t.map[1]))
            headings.append(_Heading(
                len(headings), int(t.tag[1]), t.map[0], t.map[1], text, _norm_words(text),
                href, inline.content))
            i += 3
            continue
        if ty in ("bullet_list_open", "ordered_list_open"):
            list_depth += 1
        elif ty in ("bullet_list_close", "ordered_list_close"):
            list_depth -= 1
        elif ty == "list_item_open" and t.map:
            blocks.append(_Block("item", t.map[0], t.map[1], list_depth - 1))
            item_fresh = True
        elif ty == "paragraph_open" and t.map:
            blocks.append(_Block("paragraph", t.map[0], t.map[1], max(list_depth - 1, 0),
                                 tokens[i + 1].content, item_fresh))
            item_fresh = False
        elif ty in ("fence", "code_block") and t.map:
            blocks.append(_Block("code", t.map[0], t.map[1], max(list_depth - 1, 0)))
            item_fresh = False
        elif ty == "hr" and t.map:
            blocks.append(_Block("hr", t.map[0], t.map[1]))
        elif ty == "html_block" and t.map:
            blocks.append(_Block("html", t.map[0], t.map[1]))
        elif ty == "table_open" and t.map:
            blocks.append(_Block("table", t.map[0], t.map[1]))
        i += 1
    # heading tree: parents by level, section ends at the next heading of level <= own
    stack: list[_Heading] = []
    for h in headings:
        while stack and stack[-1].level >= h.level:
            stack.pop().section_end = h.start
        if stack:
            h.parent = stack[-1].idx
            stack[-1].children.append(h.idx)
        stack.append(h)
    total = max((b.end for b in blocks), default=0)
    for h in stack:
        h.section_end = max(total, h.end)
    return blocks, headings


def _inline_title(inline: Token) -> tuple[str, str | None]:
    """Plain text of a heading and the target of its first link."""
    parts: list[str] = []
    href: str | None = None
    children: list[Token] = list(inline.children or [])
    if not children and inline.content:
        md = _markdown()
        md.inline.parse(inline.content, md, {}, children)
    for c in children:
        # text_special: escapes and entities ("\\$" -> "$", "&amp;" -> "&"); the text_join
        # rule that would fold them into text does not run here
        if c.type in ("text", "code_inline", "text_special"):
            parts.append(c.content)
        elif c.type in ("softbreak", "hardbreak"):
            parts.append(" ")
        elif c.type == "link_open" and href is None:
            target = c.attrs.get("href")
            href = str(target) if target else None
        elif c.type == "image":
            parts.append(c.content)
    return _clean_title("".join(parts)), href


def _clean_title(text: str) -> str:
    """'styleclip:' -> 'styleclip'; drops numbering, citations and decoration."""
    if "@" in text or "\\" in text:
        text = _ID_RE.sub(
            lambda m: m.group(0) if m.group("arxivurl") or m.group("arxivpfx")
            or m.group("doi") else "", text)
    text = " ".join(text.split())
    text = text.strip(_TRAIL_PUNCT)
    text = _NUMBERING_RE.sub("", text)
    if text.endswith("()"):
        text = text[:-2].rstrip()
    return text.strip(_TRAIL_PUNCT)


def _norm_words(text: str) -> str:
    return " ".join(re.sub(r"[^\w;&+-]+", " ", text.lower()).split())


# --- which headings are papers ---------------------------------------------------------


def _is_admin(h: _Heading) -> bool:
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
    return bool(difflib.get_close_matches(word, _ADMIN_LONG, 1, 0.85))


def _is_label(h: _Heading) -> bool:
    """'Summary', 'Method overview', 'Experiments on WMT': a part of one paper's note."""
    words = h.words.split()
    if not words or len(words) > 4:
        return False
    if words[0] in ("key", "main", "my", "personal"):
        return len(words) > 1 and words[1] in LABEL_WORDS | {"ideas", "points", "findings"}
    return words[0] in LABEL_WORDS or h.words == "tl dr"


def _is_papers(h: _Heading) -> bool:
    return any(w in PAPERS_WORDS for w in h.words.split())


def _choose_headings(doc: _Doc) -> tuple[list[tuple[_Heading, tuple[str, ...]]], list[int]]:
    """The paper headings of a file and their group paths (see the README)."""
    hs = doc.headings
    if not hs:
        return [], []
    admin = [_is_admin(h) for h in hs]
    label = [_is_label(h) for h in hs]
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

    def structural(h: _Heading) -> list[int]:
        return [c for c in h.children if not label[c] and not admin[c]]

    # papers sections: outermost heading naming papers/reading/literature with sub-headings
    roots: list[int] = []
    inside = [False] * len(hs)
    for h in hs:
        if h.parent is not None and inside[h.parent]:
            inside[h.idx] = True
            continue
        if (not admin[h.idx] and not blocked[h.idx] and _is_papers(h)
                and not PLACEHOLDER_RE.match(h.text) and structural(h)):
            roots.append(h.idx)
            inside[h.idx] = True
    chosen: list[tuple[_Heading, tuple[str, ...]]] = []
    if roots:
        candidates = [h for h in hs if inside[h.idx] and h.idx not in roots]
    else:
        candidates = hs
    # the document title (the one heading at the top level) is not a group
    doc_title = tops[0].idx if len(tops) == 1 and tops[0].children else None
    for h in candidates:
        if not h.text or admin[h.idx] or label[h.idx] or blocked[h.idx] or structural(h):
            continue
        has_text = _has_content(doc, h)
        if not has_text and h.href is None:
            if h.words in GROUP_ONLY or not roots:
                continue
        group: list[str] = []
        p = h.parent
        while p is not None and p not in roots:
            if p != doc_title and not label[p]:
                group.append(hs[p].text)
            p = hs[p].parent
        chosen.append((h, tuple(reversed(group))))
    return chosen, roots


def _has_content(doc: _Doc, h: _Heading) -> bool:
    lo = bisect.bisect_left(doc.starts, h.end)
    for b in doc.blocks[lo:]:
        if b.start >= h.section_end:
            break
        if b.kind not in ("hr", "heading"):
            return True
    return False


# --- building entries ------------------------------------------------------------------


def _heading_entry(
    doc: _Doc, h: _Heading, group: tuple[str, ...], *, in_papers: bool
) -> Entry | None:
    entry = _make_entry(doc, h.text, doc.src(h.start), group, h.end, h.section_end,
                        title_line=h.start, heading=h)
    if entry is None:
        return None
    if PLACEHOLDER_RE.match(h.text) and entry.title == h.text:
        doc.result.problems.append(Problem(
            "warning", f"heading '{h.text}' looks like a placeholder but has no Title bullet",
            entry.source, "add '* **Title**: <the paper's title>' under it", "placeholder",
        ))
    return entry


def _make_entry(
    doc: _Doc, title: str, source: Source, group: tuple[str, ...], start: int, end: int,
    *, title_line: int, heading: _Heading | None = None,
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
                _apply_meta(entry, key, value, Source(doc.path, front["__line__"]), result,
                            from_front=True)
    if heading is not None:
        if heading.href:
            _add_link(entry, heading.href)
        _scan_ids(entry, heading.raw, [title_line], doc, result)

    skip: set[int] = set()
    replaced: dict[int, str] = {}
    code_lines: set[int] = set()
    hr_lines: set[int] = set()
    skip_until = -1
    lo = bisect.bisect_left(doc.starts, start)
    item_label: dict[int, str] = {}
    items: list[_Block] = []
    for b in doc.blocks[lo:]:
        if b.start >= end:
            break
        if b.start < skip_until:
            continue
        if b.kind == "heading":
            sub = _heading_at(doc, b.start)
            skip.update(range(b.start, b.end))
            if sub is not None and _is_admin(sub) and not _is_label(sub):
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
            _paragraph(doc, entry, b, skip, replaced, item_label, result)

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
                m = _LABEL_RE.match(text)
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
        _scan_ids(entry, "\n".join(scan), body_idx, doc, result)
        for kind, values in entry.ids.items():
            weak = [v for v in values if v not in own.get(kind, ())]
            if weak:
                entry.weak_ids[kind] = weak
    return entry


def _heading_at(doc: _Doc, line: int) -> _Heading | None:
    for h in doc.headings:  # few headings per file
        if h.start == line:
            return h
    return None


def _first_paragraph(doc: _Doc, item: _Block) -> _Block | None:
    k = bisect.bisect_left(doc.starts, item.start)
    for b in doc.blocks[k:k + 4]:
        if b.kind == "paragraph" and b.start == item.start:
            return b
    return None


def _paragraph(
    doc: _Doc, entry: Entry, b: _Block, skip: set[int], replaced: dict[int, str],
    item_label: dict[int, str], result: NotesResult,
) -> None:
    """Metadata lines of a paragraph go to ids/meta; a leading label is cut from the text."""
    lines = doc.lines
    for i in range(b.start, b.end):
        ln = lines[i]
        colon = ln.find(":")
        if 0 < colon < 40:
            m = _META_RE.match(ln)
            if m and m.group(2) and _apply_meta(entry, m.group(1), m.group(2), doc.src(i),
                                                result):
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
        m = _LABEL_RE.match(ln)
        if m:
            label = m.group(2)
            label = label[:1].upper() + label[1:].lower()
            item_label[first] = label
            replaced[first] = m.group(1) + ln[m.end():]


# --- metadata and identifiers ----------------------------------------------------------


_LINK_RE = re.compile(r"\]\(([^)\s]+)\)|<([^>\s]+)>|(\S+://\S+|\S*(?:doi|arxiv)\S*)", re.I)
_EXPLICIT_KEY = frozenset(
    ("citekey", "cite key", "citation key", "bibkey", "bibtex key", "citation_key"))


def _bullet_is_meta(lk: str, kind: str, value: str) -> bool:
    """Is 'Key: value' in the text really metadata, or prose such as 'Paper: great idea'?"""
    plain = _strip_md(value)
    if kind in ("title", "authors", "tags", "venue"):
        return bool(plain)
    if kind == "year":
        return _year(plain) is not None
    if kind in ("date", "published"):
        return any(ch.isdigit() for ch in plain)
    if kind == "status":
        return 0 < len(plain.split()) <= 3
    if kind == "key":
        return lk in _EXPLICIT_KEY or (" " not in plain.strip("[]@ ") and bool(plain))
    if kind == "doi":
        return normalize_doi(plain) is not None
    if kind == "arxiv":
        return exact_arxiv(plain) is not None
    if kind == "url":
        # a link, perhaps with a word or two ("paper", "code"); a sentence that mentions a
        # link ("Links: the project page and the code are online") is prose
        rest = re.sub(r"\[[^\]]*\]\([^)]*\)|<[^>\s]+>|\S+://\S+", " ", plain)
        return _LINK_RE.search(plain) is not None and len(rest.split()) <= 3
    return False


def _apply_meta(
    entry: Entry, key: str, value: Any, where: Source, result: NotesResult,
    *, from_front: bool = False,
) -> bool:
    """Put one front-matter value or metadata bullet into the entry.

    Returns False (and changes nothing) for a bullet line that is prose, not metadata.
    """
    lk = key.lower().strip()
    kind = META_KEYS.get(lk) if (from_front or lk in META_KEYS) else None
    if from_front and lk in ("url", "link", "links", "pdf"):
        kind = "url"
    if from_front and lk in ("date", "published", "venue", "paper"):
        kind = None  # in front matter these keep their own meaning
    if kind is None:
        entry.meta[key] = value
        return True
    if not from_front and not _bullet_is_meta(lk, kind, str(value)):
        return False
    if kind == "title":
        title = _clean_title(_strip_md(str(value)))
        if title:
            if entry.title != title:
                entry.meta.setdefault("heading", entry.title)  # keep the short name
            entry.title = title
            if not from_front:
                entry.source = where
    elif kind == "authors":
        entry.meta["authors"] = _split_authors(value)
    elif kind == "year":
        year = _year(value)
        if year is not None:
            entry.meta["year"] = year
        else:
            result.problems.append(Problem(
                "warning", f"year '{value}' is not a year; ignored", where,
                "write a four-digit year such as 2019", "meta",
            ))
    elif kind == "tags":
        entry.meta["tags"] = _split_tags(value)
    elif kind == "status":
        entry.meta["status"] = _strip_md(str(value))
    elif kind == "key":
        for k in value if isinstance(value, list) else [value]:
            _add_key(entry, _strip_md(str(k)).strip("[]@ "), where, result)
    elif kind == "doi":
        for v in value if isinstance(value, list) else [value]:
            doi = normalize_doi(_strip_md(str(v)))
            if doi:
                _add_doi(entry, doi)
    elif kind == "arxiv":
        for v in value if isinstance(value, list) else [value]:
            arxiv = exact_arxiv(_strip_md(str(v)))
            if arxiv:
                entry.add_id("arxiv", arxiv)
    elif kind == "url":
        for v in value if isinstance(value, list) else [value]:
            link = _LINK_RE.search(_strip_md(str(v)))
            if link:
                _add_link(entry, next(g for g in link.groups() if g))
    else:
        entry.meta[kind] = _strip_md(str(value)) if not from_front else value
    return True


def _merge_file_meta(entry: Entry, front: dict[str, Any]) -> None:
    """Front matter of a multi-paper file (no title/ids): its tags etc. apply to each paper."""
    for key, value in front.items():
        if key.startswith("__"):
            continue
        if key.lower() in ("tags", "tag", "keywords"):
            tags = list(entry.meta.get("tags", []))
            tags += [t for t in _split_tags(value) if t not in tags]
            entry.meta["tags"] = tags
        elif key.lower() == "status":
            entry.meta.setdefault("status", str(value))


def _single_note(doc: _Doc, front: dict[str, Any]) -> None:
    """A file with paper front matter is one entry; its first heading may repeat the title."""
    hs = doc.headings
    title = front.get("title")
    start = 0
    title_src = Source(doc.path, front["__title_line__"])
    first = hs[0] if hs else None
    if not title:
        if first is not None and not _is_admin(first) and not _is_label(first):
            title, title_src, start = first.text, doc.src(first.start), first.end
        else:
            title = Path(doc.path).stem.replace("_", " ")
    else:
        title = _clean_title(_strip_md(str(title)))
        if first is not None and first.start == _first_text_line(doc) and (
                _norm_words(first.text) == _norm_words(title) or first.level == 1):
            start = first.end  # a '# Title' heading repeating the title is not body
    front = {k: v for k, v in front.items() if k.lower() != "title"}
    entry = _make_entry(doc, str(title), title_src, (), start, len(doc.lines),
                        title_line=-1, front=front)
    if entry is not None:
        doc.result.entries.append(entry)


def _first_text_line(doc: _Doc) -> int:
    for i, ln in enumerate(doc.lines):
        if ln.strip():
            return i
    return 0


def _scan_ids(
    entry: Entry, text: str, line_idx: list[int], doc: _Doc, result: NotesResult
) -> None:
    """Citation keys, arXiv ids and DOIs in ``text`` (whose lines are ``line_idx``)."""
    if "`" in text:
        text = _INLINE_CODE_RE.sub(lambda m: " " * len(m.group(0)), text)
    starts: list[int] | None = None

    def where(pos: int) -> Source:
        nonlocal starts
        if starts is None:
            starts = _line_starts(text)
        k = bisect.bisect_right(starts, pos) - 1
        idx = line_idx[k] if 0 <= k < len(line_idx) else (line_idx[0] if line_idx else 0)
        return doc.src(idx) if idx >= 0 else entry.source

    for m in _ID_RE.finditer(text):
        if m.group("bracket"):
            for km in _IN_BRACKET_RE.finditer(m.group("bracket")):
                key = km.group(1)
                if key.startswith("{") and key.endswith("}"):
                    key = key[1:-1]
                else:
                    key = key.rstrip(".:;?!")
                _add_key(entry, key, where(m.start()), result)
        elif m.group("cite") is not None:
            for key in m.group("citekeys").split(","):
                key = key.strip()
                if key:
                    _add_key(entry, key, where(m.start()), result)
        elif m.group("ax1") or m.group("ax2"):
            found = m.group("ax1") or m.group("ax2")
            entry.add_id("arxiv", normalize_arxiv(found) or found)
        elif m.group("doi"):
            doi = normalize_doi(m.group("doi"))
            if doi:
                _add_doi(entry, doi)
        elif m.group("barekey"):
            key = m.group("barekey").rstrip(".:;?!/")
            after = text[m.end():m.end() + 1]
            # bare @name counts only when it looks like a key (has a digit), not a decorator
            if any(ch.isdigit() for ch in key) and after != "(":
                _add_key(entry, key, where(m.start()), result)


def _add_key(entry: Entry, key: str, where: Source, result: NotesResult) -> None:
    if not key:
        return
    if not is_valid_key(key):
        result.problems.append(Problem(
            "error", f"citation key '{key}' is not valid in BibTeX", where,
            "keys cannot contain spaces, braces, commas, backslashes or '%'; "
            "use the key exactly as it is in your .bib", "bad-key",
        ))
        return
    entry.add_id("key", key)


def _add_doi(entry: Entry, doi: str) -> None:
    entry.add_id("doi", doi)
    arxiv = arxiv_of_doi(doi)
    if arxiv:
        entry.add_id("arxiv", arxiv)


def _add_link(entry: Entry, href: str) -> None:
    """A paper link: url, plus the arXiv id or DOI it names."""
    href = href.strip().strip("<>")
    if not href:
        return
    arxiv = exact_arxiv(href)
    if arxiv:
        entry.add_id("arxiv", arxiv)
    elif "10." in href and (doi := normalize_doi(href)):
        _add_doi(entry, doi)
    elif "arxiv.org/" in href.lower() and (arxiv := normalize_arxiv(href)):
        entry.add_id("arxiv", arxiv)
    if "://" in href or href.startswith("www."):
        entry.add_id("url", href)




def _strip_md(text: str) -> str:
    """'**x**', '_x_', '`x`', '[x](y)' -> plain text, for metadata values."""
    text = text.strip()
    if "](" not in text:
        text = text.strip("*_` ")
    return text


def _split_authors(value: Any) -> list[str]:
    if isinstance(value, list):
        return [str(v).strip() for v in value if str(v).strip()]
    text = _strip_md(str(value))
    if " and " in text:
        parts = text.split(" and ")
    elif ";" in text:
        parts = text.split(";")
    else:
        parts = [p.strip() for p in text.split(",")]
        single = all(p and " " not in p for p in parts)
        if single and len(parts) % 2 == 0:  # "Smith, John" or "Smith, J., Doe, Jane"
            parts = [f"{parts[i]}, {parts[i + 1]}" for i in range(0, len(parts), 2)]
    return [p.strip(" .") for p in parts if p.strip(" .")]


def _split_tags(value: Any) -> list[str]:
    if isinstance(value, list):
        items = [str(v) for v in value]
    else:
        text = _strip_md(str(value))
        items = text.split(",") if "," in text else text.split()
    return [t.strip().lstrip("#") for t in items if t.strip().lstrip("#")]


def _year(value: Any) -> int | None:
    if isinstance(value, (date, datetime)):
        return value.year
    if isinstance(value, int) and not isinstance(value, bool):
        return value if 1000 <= value <= 2999 else None
    m = re.search(r"\b(1[5-9]\d\d|2\d\d\d)\b", str(value))
    return int(m.group(1)) if m else None


# ---------------------------------------------------------------------------------------
# JSON


def entry_to_json(entry: Entry) -> dict[str, Any]:
    """The JSON shape of ``relwork entries --format json``: file, line, title, group, ids, meta.

    Dates in the metadata become ISO strings; other values that JSON cannot hold become text.
    """
    return {
        "file": entry.source.path,
        "line": entry.source.line,
        "title": entry.title,
        "group": list(entry.group),
        "ids": {k: list(v) for k, v in entry.ids.items()},
        "meta": {str(k): _json_value(v) for k, v in entry.meta.items()},
    }


def _json_value(value: Any) -> Any:
    if value is None or isinstance(value, (bool, int, float, str)):
        return value
    if isinstance(value, (date, datetime)):
        return value.isoformat()
    if isinstance(value, dict):
        return {str(k): _json_value(v) for k, v in value.items()}
    if isinstance(value, (list, tuple, set)):
        return [_json_value(v) for v in value]
    return str(value)
