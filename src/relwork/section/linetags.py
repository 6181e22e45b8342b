"""Line tags: invisible markers that carry each value's note or bib line through the
template, so every output line of the section maps back to file:line."""

from __future__ import annotations

import re
from collections.abc import Sequence

from ..latex import Latex
from ..model import Source

_TAG_RE = re.compile("\ue000([\ue010-\ue019]+)\ue001")
_STRAY_RE = re.compile("[\ue000-\ue01f]")
_TO_TAG_DIGITS = str.maketrans("0123456789", "".join(chr(0xE010 + d) for d in range(10)))
_FROM_TAG_DIGITS = {v: k for k, v in _TO_TAG_DIGITS.items()}
#: Tag priorities: a line with several tags maps to the most specific one.
NOTE_LINE, NOTE_ENTRY, BIB_ENTRY = 0, 1, 2


class LineTags:
    """Invisible private-use markers that carry a Source through template rendering."""

    def __init__(self) -> None:
        self.sources: list[tuple[int, Source]] = []

    def tag(self, source: Source, priority: int) -> str:
        self.sources.append((priority, source))
        return f"\ue000{str(len(self.sources) - 1).translate(_TO_TAG_DIGITS)}\ue001"

    def mark(self, text: str, lines: Sequence[Source | None], priority: int,
             fallback: Source | None) -> Latex:
        """Prefix each non-blank line of ``text`` with the tag of its Source."""
        if _STRAY_RE.search(text):
            text = _STRAY_RE.sub("", text)
        if "\n" not in text:  # most values are one line (names, titles, citations)
            src = lines[0] if lines and lines[0] is not None else fallback
            return Latex(self.tag(src, priority) + text if src and text.strip() else text)
        out = []
        for i, line in enumerate(text.split("\n")):
            src = lines[i] if i < len(lines) and lines[i] is not None else fallback
            out.append(self.tag(src, priority) + line if line.strip() and src else line)
        return Latex("\n".join(out))

    def untag(self, text: str) -> tuple[list[str], list[Source | None]]:
        """Strip the tags; per line, the Source of its best tag (None when untagged)."""
        lines: list[str] = []
        sources: list[Source | None] = []
        for line in text.split("\n"):
            best: tuple[int, Source] | None = None
            for m in _TAG_RE.finditer(line):
                idx = int(m.group(1).translate(_FROM_TAG_DIGITS))
                cand = self.sources[idx]
                if best is None or cand[0] < best[0]:
                    best = cand
            lines.append(_STRAY_RE.sub("", _TAG_RE.sub("", line)).rstrip())
            sources.append(best[1] if best else None)
        return lines, sources


def capitalize(latex: str) -> str:
    """Upper-case the first letter of (tagged) LaTeX text that starts with a plain letter."""
    m = re.match(r"(\s*(?:\ue000[\ue010-\ue019]+\ue001)*\s*)(.)", latex)
    if m and m.group(2).isalpha() and m.group(2).islower():
        return latex[: m.start(2)] + m.group(2).upper() + latex[m.end(2):]
    return latex

