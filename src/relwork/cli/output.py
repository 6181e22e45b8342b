"""Terminal output: match tables, problem lists, the summary line, colour and spinners.

Colour only when writing to a terminal (``use_color``) and ``NO_COLOR`` is unset; the same
text without escape codes when piped. Every function returns a string for the commands to
print, except the progress helpers, which draw on stderr only when it is a terminal.
"""

from __future__ import annotations

import contextlib
import itertools
import os
import sys
import threading
from collections.abc import Iterable, Iterator, Sequence
from typing import IO, Any, TypeVar

import click

from ..infra.cache import IGNORED
from ..model import BuildResult, Match, Problem

T = TypeVar("T")

_STATUS_COLOR = {"matched": "green", "review": "yellow", "unmatched": "red"}
_SEVERITY_COLOR = {"error": "red", "warning": "yellow", "info": "cyan"}
_TITLE_WIDTH = 44  # titles are cut to this width unless verbose


def use_color(stream: IO[Any] | None = None) -> bool:
    """True when ``stream`` (default stdout) is a terminal and ``NO_COLOR`` is not set."""
    if os.environ.get("NO_COLOR"):
        return False
    stream = sys.stdout if stream is None else stream
    try:
        return bool(stream.isatty())
    except (AttributeError, ValueError):  # closed or not a real stream
        return False


def _style(text: str, color: bool, **styles: Any) -> str:
    return click.style(text, **styles) if color and text else text


def _narrow(text: str) -> bool:
    """True when every character of ``text`` takes one column: printable text below U+0300
    (ASCII, accented Latin; combining marks start at U+0300), Greek letters (U+0370-U+03FF)
    and general punctuation (U+2010-U+205E: dashes, curly quotes, the ellipsis)."""
    if not text.isprintable():
        return False
    if text.isascii() or max(text, default="") < "\u0300":
        return True
    return all(c < "\u0300" or "\u0370" <= c <= "\u03ff" or "\u2010" <= c <= "\u205e"
               for c in text)


def text_width(text: str) -> int:
    """Columns ``text`` takes in a terminal (wcwidth: wide characters count 2, combining
    marks and emoji modifiers 0). Narrow text (``_narrow``), and the ellipsis ``_cut``
    adds, skip the library: most tables never import it."""
    if _narrow(text[:-1] if text.endswith("\u2026") else text):
        return len(text)
    import wcwidth  # on first use: ~30 ms of import

    return int(wcwidth.width(text))


def _cut(text: str, width: int) -> str:
    """``text`` on one line, shortened with an ellipsis to at most ``width`` columns."""
    text = " ".join(text.split())
    if text_width(text) <= width:
        return text
    if _narrow(text):
        return text[: width - 1].rstrip() + "\u2026"
    import wcwidth

    # a wide character split at the edge becomes a space, which rstrip removes
    return str(wcwidth.clip(text, 0, width - 1)).rstrip() + "\u2026"


def _pad(text: str, width: int, used: int | None = None) -> str:
    """``text`` padded to ``width`` columns; ``used``: its width when already measured."""
    return text + " " * max(0, width - (text_width(text) if used is None else used))


def format_table(
    header: Sequence[str],
    rows: Sequence[Sequence[str]],
    *,
    color: bool,
    styles: Sequence[dict[int, dict[str, Any]] | None] | None = None,
    right: Sequence[int] = (),
) -> list[str]:
    """Aligned columns (two spaces apart); ``styles[i]`` colours row ``i`` cell by cell
    after padding, so escape codes never break the alignment."""
    # each cell measured once: the column widths and the padding both use these
    measured = [[text_width(cell) for cell in cells] for cells in (header, *rows)]
    widths = [max(m[i] for m in measured) for i in range(len(header))]

    def line(cells: Sequence[str], used: Sequence[int],
             cell_styles: dict[int, dict[str, Any]]) -> str:
        out = []
        for i, cell in enumerate(cells):
            last = i == len(cells) - 1
            if i in right:
                padded = " " * (widths[i] - used[i]) + cell
            else:
                padded = cell if last else _pad(cell, widths[i], used[i])
            out.append(_style(padded, color, **cell_styles.get(i, {})))
        return "  ".join(out).rstrip()

    head = line(header, measured[0], {i: {"bold": True} for i in range(len(header))})
    lines = [head]
    for n, row in enumerate(rows):
        style: dict[int, dict[str, Any]] = (styles[n] if styles and n < len(styles) else None) or {}
        lines.append(line(row, measured[n + 1], style))
    return lines


def format_matches(matches: Sequence[Match], *, color: bool, verbose: bool) -> str:
    """A table of matches: file:line, title, key, method, score, status.

    Under each unmatched entry (and each review entry when ``verbose``) its best three
    candidates; with ``verbose`` full titles and the reason of each match. Ends with the
    counts line.
    """
    if not matches:
        return "no paper entries found in the notes (see 'relwork entries')"
    title_width = 10_000 if verbose else _TITLE_WIDTH
    header = ["where", "title", "key", "method", "score", "status"]
    rows = []
    for m in matches:
        rows.append([
            str(m.entry.source), _cut(m.entry.title, title_width), m.key or "-",
            m.method if m.method != "none" else "-",
            f"{m.score:.0f}" if m.key or m.score else "-", m.status,
        ])
    styles: list[dict[int, dict[str, Any]] | None] = [
        {5: {"fg": _STATUS_COLOR.get(m.status, "white"), "bold": m.status != "matched"}}
        for m in matches
    ]
    table = format_table(header, rows, color=color, styles=styles, right=(4,))
    lines = [table[0]]
    for m, row_text in zip(matches, table[1:], strict=True):
        lines.append(row_text)
        if verbose and m.reason:
            lines.append(_style(f"    {m.reason}", color, dim=True))
        if m.status == "unmatched" or (verbose and m.status == "review"):
            cands = m.candidates[:3]
            if not cands:
                lines.append(_style("    no candidate in the bibliography", color, dim=True))
            kwidths = [text_width(c.key) for c in cands]
            kwidth = max(kwidths, default=0)
            for c, used in zip(cands, kwidths, strict=True):
                lines.append(f"    ? {_pad(c.key, kwidth, used)}  {c.score:3.0f}  "
                             f"{_cut(c.title, title_width + 20)}")
    lines.append(counts_text(matches, color=color))
    return "\n".join(lines)


#: nouns whose plural is not the singular plus "s"
_PLURALS = {"entry": "entries"}


def plural(count: int, noun: str) -> str:
    """``count`` and ``noun`` in the right number: "1 entry", "2 entries", "0 findings"."""
    return f"{count} {noun if count == 1 else _PLURALS.get(noun, noun + 's')}"


def counts_text(matches: Sequence[Match], *, color: bool = False) -> str:
    """"8 entries: 2 matched, 0 review, 0 unmatched" (counts coloured when not zero)."""
    counts = {"matched": 0, "review": 0, "unmatched": 0}
    stubbed = 0
    for m in matches:
        if m.method == "stub":  # cited through a placeholder: not a match
            stubbed += 1
            continue
        counts[m.status] = counts.get(m.status, 0) + 1
    parts = []
    for status in ("matched", "review", "unmatched"):
        text = f"{counts[status]} {status}"
        parts.append(_style(text, color and counts[status] > 0, fg=_STATUS_COLOR[status]))
    if stubbed:
        parts.append(_style(f"{stubbed} stubbed", color, fg=_STATUS_COLOR["unmatched"]))
    return f"{plural(len(matches), 'entry')}: {', '.join(parts)}"


def format_problems(problems: Sequence[Problem], *, color: bool, verbose: bool) -> str:
    """One line per problem, in file:line order: ``file:line: severity: message (hint)``.

    ``info`` problems only when ``verbose`` (except a cache file that was ignored: the user
    should know a project folder carried one); ``verbose`` also appends the code [lint-...].
    """
    shown = [p for p in problems if verbose or p.severity != "info" or p.code == IGNORED]
    # problems without a place (global ones) first, then by file and line
    shown.sort(key=lambda p: (p.source is not None, p.source.path if p.source else "",
                              p.source.line if p.source else 0))
    lines = []
    for p in shown:
        where = _style(f"{p.source}:", color, bold=True) + " " if p.source else ""
        severity = _style(f"{p.severity}:", color, fg=_SEVERITY_COLOR.get(p.severity),
                          bold=p.severity == "error")
        text = f"{where}{severity} {p.message}"
        if p.hint:
            text += " " + _style(f"({p.hint})", color, dim=True)
        if verbose and p.code:
            text += " " + _style(f"[{p.code}]", color, dim=True)
        lines.append(text)
    return "\n".join(lines)


def summary_line(result: BuildResult, config_problems: Sequence[Problem] = ()) -> str:
    """One line: "8 entries: 2 matched, 0 review, 0 unmatched -> latex/related_work.tex, ...".

    Adds the number of errors (and that nothing was written) or of warnings when there are
    any, counting those of the configuration (``config_problems``, printed before the
    build) too.
    """
    text = counts_text(result.matches)
    problems = [*config_problems, *result.problems]
    errors = sum(1 for p in problems if p.severity == "error")
    warnings = sum(1 for p in problems if p.severity == "warning")
    if result.outputs:
        text += " -> " + ", ".join(result.outputs)
    if errors:
        text += f"; {plural(errors, 'error')}"
        if not result.outputs:
            text += ", nothing written"
    if warnings:
        text += f"; {plural(warnings, 'warning')}"
    return text


def match_to_json(m: Match) -> dict[str, Any]:
    """A match as plain JSON data (``relwork check --format json``)."""
    return {
        "file": m.entry.source.path,
        "line": m.entry.source.line,
        "title": m.entry.title,
        "group": list(m.entry.group),
        "key": m.key,
        "method": m.method,
        "score": round(float(m.score), 1),
        "status": m.status,
        "reason": m.reason,
        "candidates": [{"key": c.key, "title": c.title, "score": round(float(c.score), 1)}
                       for c in m.candidates[:3]],
    }


# --- progress ----------------------------------------------------------------------------


def _show_progress(quiet: bool, stream: IO[Any] | None) -> bool:
    stream = sys.stderr if stream is None else stream
    try:
        return not quiet and bool(stream.isatty())
    except (AttributeError, ValueError):
        return False


@contextlib.contextmanager
def progress(
    items: Iterable[T],
    *,
    label: str,
    quiet: bool = False,
    length: int | None = None,
    stream: IO[Any] | None = None,
) -> Iterator[Iterable[T]]:
    """Iterate ``items`` with a progress bar on stderr when it is a terminal.

    Yields ``items`` unchanged (no output) when piped or ``quiet``::

        with progress(files, label="reading notes", quiet=ctx.quiet) as bar:
            for f in bar: ...
    """
    stream = sys.stderr if stream is None else stream
    if not _show_progress(quiet, stream):
        yield items
        return
    with click.progressbar(items, label=label, length=length, file=stream) as bar:  # type: ignore[arg-type]
        yield bar


@contextlib.contextmanager
def spinner(
    label: str, *, quiet: bool = False, stream: IO[Any] | None = None, interval: float = 0.1
) -> Iterator[Any]:
    """A spinner with ``label`` on stderr while the block runs (terminal only, else silent).

    The yielded object has ``update(label)`` to change the text (e.g. as build's progress
    callback). The line is erased when the block ends.
    """
    stream = sys.stderr if stream is None else stream
    state = _Spinner(label)
    if not _show_progress(quiet, stream):
        yield state
        return
    stop = threading.Event()

    def spin() -> None:
        for frame in itertools.cycle("|/-\\"):
            stream.write(f"\r{frame} {state.label}\033[K")
            stream.flush()
            if stop.wait(interval):
                break

    thread = threading.Thread(target=spin, daemon=True)
    thread.start()
    try:
        yield state
    finally:
        stop.set()
        thread.join()
        stream.write("\r\033[K")
        stream.flush()


class _Spinner:
    def __init__(self, label: str) -> None:
        self.label = label

    def update(self, label: str) -> None:
        self.label = label

    __call__ = update
