"""Private text: HTML comments, %%...%% and lines starting with the private marker."""

from __future__ import annotations

import bisect
import re
from collections.abc import Callable

from ..model import Problem, Source
from .lines import indent_of, line_starts

_COMMENT_RE = re.compile(r"<!--.*?(?:-->|\Z)|%%.*?%%", re.S)
_LIST_ITEM_RE = re.compile(r"^([ \t]*)((?:[-*+]|\d{1,9}[.)])[ \t]+)?")


def strip_private(
    lines: list[str], start: int, path: str, marker: str, dropped: list[Problem]
) -> tuple[list[str], list[int]]:
    """Remove comments and private-marker lines; returns kept lines and their line numbers."""
    body = lines[start:]
    orig = list(range(start + 1, len(lines) + 1))
    text = "\n".join(body)
    if "<!--" in text or "%%" in text:
        starts = line_starts(text)

        def cut(m: re.Match[str]) -> str:
            n = m.group(0).count("\n")
            line = orig[bisect.bisect_right(starts, m.start()) - 1]
            kind = "HTML comment" if m.group(0).startswith("<") else "%%comment%%"
            dropped.append(Problem(
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
        def starts_with_marker(rest: str, _item: bool) -> str | None:
            return f"line starting with '{marker}'" if rest.startswith(marker) else None

        body, orig = drop_blocks(body, orig, path, starts_with_marker, dropped)
    return body, orig


def drop_blocks(
    lines: list[str], orig: list[int], path: str, test: Callable[[str, bool], str | None],
    dropped: list[Problem],
) -> tuple[list[str], list[int]]:
    """Drop each line for which ``test`` (given the line without its indent and list
    marker, and whether it starts a list item) names a kind, with the lines continuing
    its paragraph or list item. Lines inside fenced code are kept."""
    out_lines: list[str] = []
    out_orig: list[int] = []
    i, n = 0, len(lines)
    fence = ""
    while i < n:
        ln = lines[i]
        opens = ln.lstrip()[:3]
        if fence or opens in ("```", "~~~"):  # code is never private text
            fence = "" if fence and opens == fence else (fence or opens)
            out_lines.append(ln)
            out_orig.append(orig[i])
            i += 1
            continue
        m = _LIST_ITEM_RE.match(ln)
        rest = ln[m.end():] if m else ln
        kind = test(rest, bool(m and m.group(2))) if rest.strip() else None
        if kind is None:
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
                if is_item and k < n and indent_of(lines[k]) >= content_col > indent:
                    j = k
                    continue
                break
            ind = indent_of(nxt)
            nm = _LIST_ITEM_RE.match(nxt)
            starts_block = nxt.lstrip().startswith(("#", "```", "~~~", ">")) or bool(
                nm and nm.group(2))
            if starts_block and ind <= indent:
                break
            if is_item and ind < content_col and starts_block:
                break
            j += 1
        count = j - i
        dropped.append(Problem(
            "info",
            f"private text left out: {kind} ({count} line{'s' if count > 1 else ''})",
            Source(path, orig[i]), None, "private",
        ))
        i = j
    return out_lines, out_orig
