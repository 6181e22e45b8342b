"""Obsidian syntax in a note, before parsing: highlights, inline tags, block ids, embeds and
Dataview inline fields.

``==text==`` becomes emphasis, ``#tag`` in the text is dropped from the prose, a block id
``^abc123`` at the end of a line vanishes, an embed ``![[file.png]]`` / ``![[Note]]`` is
dropped with a warning at its line, and ``Key:: value`` lines and ``[key:: value]`` /
``(key:: value)`` fields in a sentence are metadata (returned for the front matter); code
spans and math are left as written. Callouts are read by ``entries`` (their kind gives the
section's role) and wikilinks by ``wikilinks`` (they need every note of the project). Lines
keep their count.
"""

from __future__ import annotations

import functools
import re
from collections.abc import Callable
from typing import Any

from ..model import Problem, Source
from .document import VERBATIM_RE

_HIGHLIGHT_RE = re.compile(r"==(?=\S)([^=\n]+?)(?<=\S)==")
_TAG_RE = re.compile(r"(?<![\w&/#`])#[A-Za-z][\w/-]*")
_BLOCK_ID_RE = re.compile(r"[ \t]+\^[A-Za-z0-9-]+[ \t]*$")
_EMBED_RE = re.compile(r"!\[\[([^\]\n]+)\]\]")
_FIELD_RE = re.compile(r"^[ \t]*(?:[-*+][ \t]+)?([A-Za-z][\w -]{0,30}?)::[ \t]*(.*?)[ \t]*$")
_HEADING_RE = re.compile(r"^[ \t]{0,3}#{1,6}(?:[ \t]|$)")
#: Dataview fields inside a sentence: "[venue:: NeurIPS]" (shown with its key in Obsidian,
#: so metadata only), "(year:: 2021)" (shown as its value); a space after "::" keeps
#: "(std::vector)" prose
_INLINE_FIELD_RE = re.compile(
    r"\[([A-Za-z][\w -]{0,30}?)::[ \t]+([^\]\n]*?)[ \t]*\]"
    r"|\(([A-Za-z][\w -]{0,30}?)::[ \t]+([^)\n]*?)[ \t]*\)")
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
        if "==" in ln or "#" in ln or "::" in ln:
            ln = _outside_verbatim(ln, functools.partial(
                _inline_markup, heading=bool(_HEADING_RE.match(ln)), tags=tags,
                fields=(fields, field_lines, no)))
        if "^" in ln:
            ln = _BLOCK_ID_RE.sub("", ln)
        out.append(ln)
    if fields:
        fields["__lines__"] = field_lines
    if tags:
        fields["__tags__"] = tags
    return out, fields


def _outside_verbatim(line: str, change: Callable[[str], str]) -> str:
    """``line`` with ``change`` applied to the text outside code spans and math; where
    markup was removed, the spaces around it are joined (code keeps its own)."""

    def changed(part: str) -> str:
        new = change(part)
        return new if new == part else re.sub(r"(?<=\S)[ \t]{2,}(?=\S)", " ", new)

    if "`" not in line and "$" not in line:
        out = changed(line)
    else:
        parts, last = [], 0
        for m in VERBATIM_RE.finditer(line):  # "==", "#", "::" there are the text's own
            parts += [changed(line[last:m.start()]), m.group(0)]
            last = m.end()
        parts.append(changed(line[last:]))
        out = "".join(parts)
    return out if out == line else out.rstrip()


def _inline_markup(text: str, *, heading: bool, tags: list[str],
                   fields: tuple[dict[str, Any], dict[str, int], int]) -> str:
    """Highlights, inline tags and inline fields of ``text`` (not code): highlights become
    emphasis, tags are collected and dropped, fields are collected and dropped (``[k:: v]``)
    or shown as their value (``(k:: v)``)."""
    if "==" in text:
        text = _HIGHLIGHT_RE.sub(r"*\1*", text)
    if "#" in text and not heading:
        for tag in _TAG_RE.findall(text):
            if tag[1:] not in tags:
                tags.append(tag[1:])
        text = _TAG_RE.sub("", text)
    if "::" in text:
        found, found_lines, no = fields

        def field(m: re.Match[str]) -> str:
            key, value = (m.group(1), m.group(2)) if m.group(1) else (m.group(3), m.group(4))
            found.setdefault(key.strip(), value)
            found_lines.setdefault(key.strip().lower(), no)
            return "" if m.group(1) else value

        text = _INLINE_FIELD_RE.sub(field, text)
    return text
