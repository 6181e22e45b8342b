"""Line arithmetic shared by the notes modules: where lines start, how far one is indented."""

from __future__ import annotations


def indent_of(line: str) -> int:
    """Columns of leading white space (tabs count to the next multiple of 4)."""
    return len(line) - len(line.lstrip(" \t")) if "\t" not in line else len(
        line.expandtabs(4)) - len(line.expandtabs(4).lstrip(" "))


def line_starts(text: str) -> list[int]:
    """Offset in ``text`` where each line starts (for bisect)."""
    starts = [0]
    pos = text.find("\n")
    while pos >= 0:
        starts.append(pos + 1)
        pos = text.find("\n", pos + 1)
    return starts
