"""Mapping log diagnostics back to the note file:line or the bib entry they came from."""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from ..config import display_path
from ..model import Problem, Source
from .log import SECTION, LogMessage, is_preview_main


@dataclass(frozen=True)
class BibSpan:
    """Where one entry of a ``.bib`` starts and ends (1-based lines, as BibTeX reads it)."""

    key: str
    start: int
    end: int


def scan_bib(text: str) -> list[BibSpan]:
    """Entries of a ``.bib`` by brace counting, the way BibTeX delimits them.

    An entry whose braces never balance runs to the end of the file, so a line BibTeX
    complains about at the end of the file still falls inside the broken entry.
    """
    spans: list[BibSpan] = []
    pos, n = 0, len(text)
    head = re.compile(r"@\s*(\w+)\s*([{(])\s*([^,\s})]*)")
    while True:
        at = text.find("@", pos)
        if at < 0:
            break
        found = head.match(text, at)
        if not found:
            pos = at + 1
            continue
        kind, opener, key = found.group(1).lower(), found.group(2), found.group(3)
        closer = "}" if opener == "{" else ")"
        depth, j = 0, found.start(2)
        end = n
        while j < n:
            ch = text[j]
            if ch == "{" or (opener == "(" and ch == "(" and depth == 0):
                depth += 1
            elif ch == "}" or (closer == ")" and ch == ")" and depth == 1):
                depth -= 1
                if depth == 0:
                    end = j
                    break
            j += 1
        if kind not in ("comment", "preamble", "string"):
            last = end if end < n else max(n - 1, 0)  # unclosed: the file's last line
            spans.append(BibSpan(key, text.count("\n", 0, at) + 1, text.count("\n", 0, last) + 1))
        pos = end + 1 if end < n else n
    return spans


def _bbl_key_at(text: str, line: int) -> str | None:
    """The ``\\bibitem`` key whose item contains ``line`` of a ``.bbl``."""
    key = None
    for found in re.finditer(r"\\bibitem\s*(?:\[.*?\])?\s*\{([^}]+)\}", text, re.S):
        if text.count("\n", 0, found.start()) + 1 > line:
            break
        key = found.group(1)
    return key


class Locator:
    """Maps ``LogMessage`` locations to the user's files.

    Section lines go through ``line_map`` to the note line that produced them; compiled
    ``.bib`` lines and keys go through ``bib_index.records[key].source`` to the user's own
    ``.bib``; everything else is shown as the generated file and line.
    """

    def __init__(self, *, section: Path, line_map: Sequence[Source | None], bib: Path | None,
                 bib_index: Any = None, main: Path | None = None, bbl: Path | None = None):
        self.section = section
        self.line_map = list(line_map)
        self.bib = bib
        self.bib_index = bib_index
        self.main = main
        self.section_lines = read_lines(section)
        bib_text = "\n".join(read_lines(bib)) if bib else ""
        self.spans = scan_bib(bib_text)
        self.bbl_text = "\n".join(read_lines(bbl)) if bbl else ""

    def problem(self, msg: LogMessage) -> Problem:
        """``msg`` as a Problem naming the note or bib entry it is about.

        The generated file and line (section, compiled .bib, .bbl) is added to the message
        in parentheses when the Problem's source is somewhere else.
        """
        if msg.code in ("bibtex", "biber", "bbl") and msg.file != SECTION:
            source, context = self._bib_source(msg)
        else:
            source, generated = self._tex_source(msg)
            context = str(generated) if generated and generated != source else ""
        message = msg.message + (f" ({context})" if context else "")
        return Problem(msg.severity, message, source, msg.hint, f"compile-{msg.code}")

    def _tex_source(self, msg: LogMessage) -> tuple[Source | None, Source | None]:
        line = msg.line
        in_section = msg.file == SECTION
        citation = msg.code in ("cite-undefined", "missing-entry") and msg.key
        if citation and (line is None or not in_section):
            line = self._find_line(lambda text: _cites(text, msg.key or ""))
            in_section = line is not None
        if msg.needle and line is None:
            line = self._find_line(lambda text: (msg.needle or "") in text)
            in_section = line is not None
        if in_section:
            shown = Source(display_path(self.section), line or 0)
            mapped = self.line_map[line - 1] if line and 0 < line <= len(self.line_map) else None
            return (mapped or shown), shown
        if msg.file is None:
            return None, None
        path = msg.file
        if self.main is not None and is_preview_main(path):
            path = display_path(self.main)
        elif path.startswith("./"):
            path = path[2:]
        source = Source(path, line or 0)
        return source, source

    def _bib_source(self, msg: LogMessage) -> tuple[Source | None, str]:
        """The user's bib entry for a bib tool message, and where it was in the generated files.

        A compiled-.bib line is mapped to the entry containing it, the entry's key to
        ``bib_index.records[key].source``; without a record, the compiled .bib is named.
        """
        key = msg.key
        bib_shown = display_path(self.bib) if self.bib else "references.bib"
        span: BibSpan | None = None
        context: list[str] = []
        if msg.bbl_line is not None:
            key = key or _bbl_key_at(self.bbl_text, msg.bbl_line)
            if msg.file:
                context.append(f"{msg.file.removeprefix('./')}:{msg.bbl_line}")
        if msg.bib_line is not None:
            span = self._span_at(msg.bib_line)
            key = key or (span.key if span else None)
            context.append(f"{bib_shown}:{msg.bib_line}")
        if key:
            span = span or next((s for s in self.spans if s.key == key), None)
            context.insert(0, f"entry '{key}'")
            user = self._user_source(key)
            if user is not None:
                return user, ", ".join(context)
        if span is not None:
            return Source(bib_shown, span.start), ", ".join(context)
        line = msg.bib_line or 0
        return Source(bib_shown, line), ", ".join(c for c in context if c != f"{bib_shown}:{line}")

    def _user_source(self, key: str) -> Source | None:
        """Where the entry ``key`` is in the user's own .bib (a record, or a failed block)."""
        records = getattr(self.bib_index, "records", None) or {}
        record = records.get(key)
        if record is not None and isinstance(getattr(record, "source", None), Source):
            return record.source
        for block in getattr(self.bib_index, "failed", None) or ():
            if getattr(block, "key", None) == key and isinstance(block.source, Source):
                return block.source
        return None

    def _span_at(self, line: int) -> BibSpan | None:
        inside = [s for s in self.spans if s.start <= line <= s.end]
        if inside:
            return inside[-1]
        before = [s for s in self.spans if s.start <= line]
        return before[-1] if before else None

    def _find_line(self, test: Callable[[str], bool]) -> int | None:
        return next((n for n, text in enumerate(self.section_lines, 1) if test(text)), None)


def _cites(text: str, key: str) -> bool:
    """Whether a LaTeX line cites ``key`` (in any \\cite-like command)."""
    for found in re.finditer(r"\\\w*cite\w*\*?(?:\[[^\]]*\])*\{([^}]*)\}", text):
        if key in (k.strip() for k in found.group(1).split(",")):
            return True
    return False


def read_lines(path: Path | None) -> list[str]:
    """The lines of a generated file; none when it is missing."""
    if path is None or not path.is_file():
        return []
    return path.read_text(encoding="utf-8", errors="replace").splitlines()
