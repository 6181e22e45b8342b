"""One note's Markdown as blocks with line ranges and a heading tree."""

from __future__ import annotations

import functools
import re
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from ..model import Source
from .result import NotesResult
from .roles import DEFAULT_ROLES, Roles
from .titles import clean_title, norm_words

if TYPE_CHECKING:
    from markdown_it import MarkdownIt
    from markdown_it.token import Token


_CALLOUT_RE = re.compile(r"^\[!([A-Za-z-]+)\]")
#: code spans and inline math in a line of Markdown: text that is the writer's own symbols
VERBATIM_RE = re.compile(r"(`+)[^`\n]+?\1|\$\$[^$\n]+?\$\$|\$[^$\s][^$\n]*?\$")


@functools.cache
def markdown_parser() -> MarkdownIt:
    """One parser for all files (building it costs more than parsing a note)."""
    from markdown_it import MarkdownIt

    # inline parsing is only needed for headings (inline_title asks for it): skipping
    # it for every paragraph halves the parse time
    return MarkdownIt("commonmark").enable(["table", "strikethrough"]).disable("inline")


@dataclass
class Heading:
    """A heading and its place in the tree (lines are indices into the kept lines)."""

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
class Block:
    """A block of the note (paragraph, list item, code, ...) and its line range."""

    kind: str            # paragraph | item | code | hr | html | heading | table | callout
    start: int
    end: int
    depth: int = 0       # list nesting (items, paragraphs inside items)
    content: str = ""    # inline source (paragraphs)
    first_in_item: bool = False


@dataclass
class Doc:
    """One note being parsed: its kept lines, blocks, headings, and the result so far."""

    path: str
    lines: list[str]     # kept lines (private text removed)
    orig: list[int]      # 1-based original line number of each kept line
    blocks: list[Block]
    starts: list[int]    # block start lines, for bisect
    headings: list[Heading]
    result: NotesResult
    roles: Roles = DEFAULT_ROLES
    #: words of each entry's summary (None: the whole summary)
    budget: int | None = 70

    def src(self, idx: int) -> Source:
        """The Source of kept line ``idx``: the line number in the file as written."""
        if not self.orig:
            return Source(self.path, 1)
        idx = min(max(idx, 0), len(self.orig) - 1)
        return Source(self.path, self.orig[idx])


def scan_blocks(tokens: list[Token]) -> tuple[list[Block], list[Heading]]:
    """One walk over the block tokens: blocks with line ranges, and the heading tree."""
    blocks: list[Block] = []
    headings: list[Heading] = []
    list_depth = 0
    item_fresh = False  # the next paragraph is the first one of a list item
    n = len(tokens)
    i = 0
    while i < n:
        t = tokens[i]
        ty = t.type
        if ty == "heading_open" and t.map:
            inline = tokens[i + 1]
            text, href = inline_title(inline)
            blocks.append(Block("heading", t.map[0], t.map[1]))
            headings.append(Heading(
                len(headings), int(t.tag[1]), t.map[0], t.map[1], text, norm_words(text),
                href, inline.content))
            i += 3
            continue
        if ty in ("bullet_list_open", "ordered_list_open"):
            list_depth += 1
        elif ty in ("bullet_list_close", "ordered_list_close"):
            list_depth -= 1
        elif ty == "list_item_open" and t.map:
            blocks.append(Block("item", t.map[0], t.map[1], list_depth - 1))
            item_fresh = True
        elif ty == "paragraph_open" and t.map:
            blocks.append(Block("paragraph", t.map[0], t.map[1], max(list_depth - 1, 0),
                                 tokens[i + 1].content, item_fresh))
            item_fresh = False
        elif ty in ("fence", "code_block") and t.map:
            blocks.append(Block("code", t.map[0], t.map[1], max(list_depth - 1, 0)))
            item_fresh = False
        elif ty == "hr" and t.map:
            blocks.append(Block("hr", t.map[0], t.map[1]))
        elif ty == "blockquote_open" and t.map and i + 2 < n and t.level == 0:
            callout = _CALLOUT_RE.match(tokens[i + 2].content or "")
            if callout:  # Obsidian "> [!abstract] Title": content is its kind
                blocks.append(Block("callout", t.map[0], t.map[1], content=callout.group(1)))
        elif ty == "html_block" and t.map:
            blocks.append(Block("html", t.map[0], t.map[1]))
        elif ty == "table_open" and t.map:
            blocks.append(Block("table", t.map[0], t.map[1]))
        i += 1
    # heading tree: parents by level, section ends at the next heading of level <= own
    stack: list[Heading] = []
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


def inline_title(inline: Token) -> tuple[str, str | None]:
    """Plain text of a heading and the target of its first link."""
    parts: list[str] = []
    href: str | None = None
    children: list[Token] = list(inline.children or [])
    if not children and inline.content:
        md = markdown_parser()
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
    return clean_title("".join(parts)), href
