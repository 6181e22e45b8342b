"""A note file as written: silencing markers, its lint setting, the file line of body lines."""

from __future__ import annotations

import os
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from .memory import LintMemory

NO_LINT_RE = re.compile(r"<!--\s*relwork:\s*no-lint\b([^>]*?)-->", re.IGNORECASE)
IGNORE_LINE_RE = re.compile(r"<!--\s*relwork:\s*ignore-line\s*-->\s*$", re.IGNORECASE)


@dataclass
class NoteFile:
    """A note file as written: its lines and what its front matter says about linting."""

    lines: list[str]
    clean: list[str]  # the same lines with comments cut out
    headings: list[int]  # 1-based lines of ATX headings
    lint: object = True  # front matter 'lint' value


_COMMENT = re.compile(r"<!--.*?(?:-->|\Z)|%%.*?%%", re.DOTALL)
_HEADING = re.compile(r" {0,3}#{1,6}(\s|$)")
_LIST_MARK = re.compile(r"^\s*(?:[-*+]|\d{1,9}[.)])?\s*")


def read_note(path: str, texts: Mapping[str, tuple[str, tuple[int, int]]],
              memory: LintMemory) -> NoteFile | None:
    """The note file at ``path``: from ``texts`` (what the notes stage read) while the
    file's stamp is unchanged, else read again; what a text says is kept in ``memory``
    (watch reads it again)."""
    text = note_text(path, texts)
    return None if text is None else note_file(text, memory)


def note_text(path: str, texts: Mapping[str, tuple[str, tuple[int, int]]]) -> str | None:
    """The text of the note file at ``path`` (see ``read_note``); None when unreadable."""
    seen = texts.get(os.path.abspath(path))
    if seen is not None and not seen[0].startswith("\ufeff"):
        try:
            st = os.stat(path)
            if (st.st_mtime_ns, st.st_size) == seen[1]:
                return seen[0]
        except OSError:
            pass
    try:
        return Path(path).read_text(encoding="utf-8-sig", errors="replace")
    except OSError:
        return None


def note_file(text: str, memory: LintMemory) -> NoteFile:
    """What the note file ``text`` says about linting (kept in ``memory``)."""
    memo = memory.notes
    note = memo.get(text)
    if note is None:
        note = _note_file(text)
        if len(memo) > 2000:  # bound memory in very long watch sessions
            memo.clear()
        memo[text] = note
    return note


def _note_file(text: str) -> NoteFile:
    text = text.replace("\r\n", "\n").replace("\r", "\n")
    lines = text.split("\n")
    clean = _COMMENT.sub(lambda m: "\n" * m.group().count("\n"), text).split("\n")
    headings = [i + 1 for i, line in enumerate(lines) if _HEADING.match(line)]
    setting: object = True
    front = re.match(r"---[ \t]*\n(.*?)\n(?:---|\.\.\.)[ \t]*(?:\n|$)", text, re.DOTALL)
    if front and re.search(r"^lint\s*:", front.group(1), re.M):  # parse only when it matters
        import yaml

        try:
            data = yaml.safe_load(front.group(1))
        except yaml.YAMLError:
            data = None
        if isinstance(data, dict) and "lint" in data:
            setting = data["lint"]
    return NoteFile(lines, clean, headings, setting)


def map_lines(body: str, note: NoteFile, first: int) -> list[int]:
    """The file line of each line of ``body`` (the notes stage drops private lines,
    metadata and sub-headings, so the body is not one contiguous range of the file)."""
    mapped: list[int] = []
    cursor = max(first, 1)
    for line in body.split("\n"):
        content = _LIST_MARK.sub("", line, count=1).strip()
        found = 0
        if content:
            probes = [content, content[:24], content[-24:]]
            for k in range(cursor, len(note.clean) + 1):
                if any(p and p in note.clean[k - 1] for p in probes):
                    found = k
                    break
        if found:
            cursor = found + 1
        else:
            found = mapped[-1] + 1 if mapped else first
        mapped.append(found)
    return mapped


def setting_skips(setting: object) -> set[str] | None:
    """Rules a ``lint:`` setting switches off (None: the whole note)."""
    if setting is False or (isinstance(setting, str) and setting.lower() in
                            ("false", "off", "no")):
        return None
    if isinstance(setting, (list, tuple)):
        return {str(r).lower().removeprefix("lint-") for r in setting}
    if isinstance(setting, str) and setting.lower() not in ("true", "on", "yes"):
        return {r.lower().removeprefix("lint-") for r in re.split(r"[\s,]+", setting) if r}
    return set()


def region_end(note: NoteFile, last: int, begin: int, starts: Sequence[int]) -> int:
    """First line after an entry's part of its file: the next heading after its body or
    the next entry, whichever comes first (exclusive, 1-based)."""
    end = len(note.lines) + 1
    for h in note.headings:
        if h > last:
            end = min(end, h)
            break
    for s in starts:
        if s > begin:
            end = min(end, s)
    return max(end, last + 1)
