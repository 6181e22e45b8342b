"""Obsidian syntax in a note, before parsing: highlights, inline tags, block ids, embeds and
Dataview inline fields.

``==text==`` becomes emphasis, ``#tag`` in the text is dropped from the prose, a block id
``^abc123`` at the end of a line vanishes, an embed ``![[file.png]]`` / ``![[Note]]`` is
dropped with a warning at its line, and ``Key:: value`` lines are metadata (returned for the
front matter). Callouts are read by ``entries`` (their kind gives the section's role) and
wikilinks by ``wikilinks`` (they need every note of the project). Lines keep their count.
"""

from __future__ import annotations

import re
from typing import Any

from ..model import Problem, Source

_HIGHLIGHT_RE = re.compile(r"==(?=\S)([^=\n]+?)(?<=\S)==")
_TAG_RE = re.compile(r"(?<![\w&/#`])#[A-Za-z][\w/-]*")
_BLOCK_ID_RE = re.compile(r"[ \t]+\^[A-Za-z0-9-]+[ \t]*$")
_EMBED_RE = re.compile(r"!\[\[([^\]\n]+)\]\]")
_FIELD_RE = re.compile(r"^[ \t]*(?:[-*+][ \t]+)?([A-Za-z][\w -]{0,30}?)::[ \t]*(.*?)[ \t]*$")
_HEADING_RE = re.compile(r"^[ \t]{0,3}#{1,6}(?:[ \t]|$)")
#: callout header: "> [!abstract]", "> [!tip]- Title" (foldable), "> [!note]+ Title"
CALLOUT_RE = re.compile(r"^[ \t]*>[ \t]*\[!([A-Za-z-]+)\][+-]?[ \t]*(.*?)[ \t]*$")


def obsidian_lines(
    lines: list[str], orig: list[int], path: str, problems: list[Problem]
) -> tuple[list[str], dict[str, Any]]:
    """The lines with Obsidian markup resolved, and the inline fields found (key -> value,
    with ``__lines__`` their note lines, ``__tags__`` the inline tags in order)."""
    fields: dict[str, Any] = {}
    field_lines: dict[str, int] = {}
    out: list[str] = []
    tags: list[str] = []
    fence = ""
    for ln, no in zip(lines, orig, strict=True):
        opens = ln.lstrip()[:3]
        if fence or opens in ("```", "~~~"):
            fence = "" if fence and opens == fence else (fence or opens)
            out.append(ln)
            continue
        if "::" in ln and (m := _FIELD_RE.match(ln)) and m.group(2):
            key = m.group(1).strip()
            fields.setdefault(key, m.group(2))
            field_lines.setdefault(key.lower(), no)
            out.append("")
            continue
        if "![[" in ln:
            for m in _EMBED_RE.finditer(ln):
                problems.append(Problem(
                    "warning", f"embed {m.group(0)} dropped: the section cannot show it",
                    Source(path, no), "write the point in words, or leave it out", "embed"))
            ln = _EMBED_RE.sub("", ln).rstrip()
        if "==" in ln:
            ln = _HIGHLIGHT_RE.sub(r"*\1*", ln)
        if "#" in ln and not _HEADING_RE.match(ln):
            for tag in _TAG_RE.findall(ln):
                if tag[1:] not in tags:
                    tags.append(tag[1:])
            ln = _TAG_RE.sub("", ln)
            ln = re.sub(r"(?<=\S)[ \t]{2,}(?=\S)", " ", ln).rstrip()
        if "^" in ln:
            ln = _BLOCK_ID_RE.sub("", ln)
        out.append(ln)
    if fields:
        fields["__lines__"] = field_lines
    if tags:
        fields["__tags__"] = tags
    return out, fields
