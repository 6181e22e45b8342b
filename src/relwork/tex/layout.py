"""Layout problems that LaTeX reports only as warnings but that break the user's paper: a
float too large for the page (its last rows are lost), a line sticking out of the column by
more than ``OVERFULL_LIMIT``, floats pushed past the section (after the References)."""

from __future__ import annotations

import re

from ..latex.document import FLOATS_DEFERRED
from .log import SECTION, LogMessage

#: overfull boxes wider than this (in pt) are warnings; smaller ones stay info (verbose)
OVERFULL_LIMIT = 10.0
#: where a float of the section starts: the note line a float problem is mapped to
FLOAT_NEEDLE = "\\begin{table"

_FLOAT_TOO_LARGE = re.compile(r"Float too large for page by (?P<by>[\d.]+pt)")
_OVERFULL = re.compile(r"(?P<pt>[\d.]+)pt too (?:wide|high)")


def float_too_large(text: str) -> LogMessage | None:
    """The warning for LaTeX's "Float too large for page by ...", else None."""
    found = _FLOAT_TOO_LARGE.search(text)
    if found is None:
        return None
    return LogMessage(
        "warning", "float-too-large",
        f"a float of the section is too large for the page by {found.group('by')}: its last "
        "lines are cut off", SECTION, needle=FLOAT_NEEDLE,
        hint="shorten the table (fewer papers, a shorter key idea), or use a template that "
        "breaks across pages")


def overfull(kind: str, box: str, what: str, file: str | None,
             line: int | None) -> LogMessage | None:
    """A warning for an overfull box in the section wider than ``OVERFULL_LIMIT``."""
    found = _OVERFULL.match(what)
    if kind != "Overfull" or file != SECTION or found is None:
        return None
    if float(found.group("pt")) <= OVERFULL_LIMIT:
        return None
    return LogMessage(
        "warning", "overfull", f"a line sticks out of the column by {found.group('pt')}pt "
        f"(overfull \\{box}box)", file, line,
        hint="a long word, URL or formula does not fit the line: reword it, or allow a break "
        "(a hyphenation hint \\- in the note)")


def deferred(line_text: str) -> LogMessage | None:
    """The warning for the preview's marker: floats wait for a page after the section."""
    if not line_text.endswith(FLOATS_DEFERRED):
        return None
    return LogMessage(
        "warning", "float-deferred", "a float of the section is placed after the end of the "
        "section (in a two-column paper: after the References)", SECTION, needle=FLOAT_NEEDLE,
        hint="use a layout without floats (the built-in table template has none), or place "
        "the float with [!htbp] near the start of the section")
