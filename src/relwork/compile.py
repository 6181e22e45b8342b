"""Compile check: a preview document around the section, latexmk, log parsing.

``compile_preview`` writes ``preview.tex`` next to the section (built with pylatex), runs
latexmk with shell escape off, paranoid file access and a time limit, copies the PDF to
``preview.pdf`` and turns the LaTeX log and the BibTeX/Biber log into ``Problem`` objects
that name the note (or the source ``.bib`` entry) each problem came from.

``parse_log``, ``parse_bibtex_log`` and ``parse_biber_log`` read saved logs into plain
``LogMessage`` records; ``Locator`` maps those to ``Problem`` objects.
"""

from __future__ import annotations

import os
import re
import shutil
import signal
import subprocess
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

from .config import display_path
from .errors import CompileError
from .model import Problem, Severity, Source

CITE_STYLES = ("natbib", "biblatex", "plain")
DOCUMENTS = ("article", "ieee", "acm")
ENGINES = ("pdflatex", "xelatex", "lualatex")

PREVIEW_NAME = "preview"
BUILD_DIR = "build"
#: \typeout markers around the \input, so warnings can be placed in the section reliably
SECTION_BEGIN = "relwork: section begin"
SECTION_END = "relwork: section end"
#: at most this many problems are returned; the rest are counted in one last message
MAX_PROBLEMS = 40

_LATEXMK_ENGINE = {"pdflatex": "-pdf", "xelatex": "-xelatex", "lualatex": "-lualatex"}
_DOCUMENT_CLASS = {"article": "article", "ieee": "IEEEtran", "acm": "acmart"}


@dataclass
class CompileResult:
    """What a preview compile produced.

    ``pdf``: ``<out_dir>/preview.pdf`` when LaTeX produced one; ``pngs``: page images
    (``png=True``); ``problems``: diagnostics mapped to notes and bib entries; ``log_path``:
    the LaTeX log; ``ok``: a PDF was made and no problem is an error.
    """

    pdf: Path | None
    pngs: list[Path] = field(default_factory=list)
    problems: list[Problem] = field(default_factory=list)
    log_path: Path | None = None
    ok: bool = False


@dataclass
class LogMessage:
    """One diagnostic read from a log, before it is mapped to a user's file.

    ``file``/``line``: where the log says it happened (``file`` as written in the log, or
    ``"<section>"`` when the parser knows it is the section file); ``key``: the citation or
    bib key it is about; ``bib_line``: a line of the compiled ``.bib``; ``bbl_line``: a
    line of the ``.bbl``; ``needle``: text to look for in the section when
    the log gives no line (a missing character, a shell command).
    """

    severity: Severity
    code: str
    message: str
    file: str | None = None
    line: int | None = None
    key: str | None = None
    bib_line: int | None = None
    bbl_line: int | None = None
    needle: str | None = None
    hint: str | None = None


SECTION = "<section>"

# --------------------------------------------------------------------------- LaTeX log

_FILE_LINE_ERROR = re.compile(
    r"^(?P<file>(?:\./|/|[A-Za-z]:[\\/])?[^:\s][^:]*?\.\w+):(?P<line>\d+): (?P<msg>.*)$"
)
_BANG_ERROR = re.compile(r"^! (?P<msg>.*)$")
_CONTEXT_LINE = re.compile(r"^l\.(?P<line>\d+) ?(?P<text>.*)$")
_WARNING = re.compile(
    r"^(?:(?:Package|Class) (?P<pkg>[\w.-]+) |LaTeX )(?P<font>Font )?Warning: (?P<msg>.*)$"
)
_BOX = re.compile(
    r"^(?P<kind>Overfull|Underfull) \\(?P<box>[hv])box \((?P<what>[^)]*)\)"
    r"(?: in (?:paragraph|alignment) at lines (?P<a>\d+)--(?P<b>\d+)| detected at line (?P<c>\d+))?"
)
_MISSING_CHAR = re.compile(
    r"^Missing character: There is no (?P<char>.+?)(?: \(U\+(?P<hex>[0-9A-Fa-f]+)\))?"
    r" in font (?P<font>.*?)!$"
)
_CITATION = re.compile(
    r"Citation [`'](?P<key>[^']*)' (?:on page \S+ )?undefined(?: on input line (?P<line>\d+))?"
)
_REFERENCE = re.compile(
    r"Reference [`'](?P<key>[^']+)' on page \S+ undefined(?: on input line (?P<line>\d+))?"
)
_INPUT_LINE = re.compile(r"on input line (\d+)\.?$")
_FILE_OPEN = re.compile(
    r'\("?(?P<file>(?:\./|/|\.\./|[A-Za-z]:[\\/])?[^\s()"{}]*\.[A-Za-z][\w-]*)"?'
)
_UNDEFINED_CS = re.compile(r"(\\(?:[A-Za-z@]+|.))\s*$")
#: messages that are consequences of other messages or rerun chatter, never shown
_NOISE = (
    "There were undefined",
    "There were multiply-defined",
    "Label(s) may have changed",
    "Rerun to get",
    "Please (re)run",
    "Please rerun",
    "Empty bibliography",
    "==> Fatal error occurred",
    "Emergency stop",
    "job aborted",
)
#: TeX's stop when it would have to read the terminal; an error only when it is the only one
_STOPS = ("Emergency stop", "job aborted")
_STOP_DETAIL = re.compile(r"^\*\*\* \((.*)\)\s*$", re.MULTILINE)
_ERROR_HINTS = (
    ("Undefined control sequence",
     "this line uses a LaTeX command that is not defined; remove it, escape the backslash"
     " as \\textbackslash, or load the package that defines it in your paper"),
    ("Unicode character",
     "pdflatex cannot typeset this character: replace it in the note, or use"
     " --engine xelatex (engine: xelatex in relwork.yaml)"),
    ("Missing $ inserted",
     "math symbols (_ ^ and the like) must be inside $...$; put the math in $...$ or escape them"),
    ("Runaway argument",
     "a brace { is not closed on this line; balance the braces"),
    ("Extra }", "a closing brace } has no opening brace; balance the braces"),
    ("Misplaced alignment tab character &", "escape & as \\&"),
    ("File `", "a file or package is missing; install it or remove the \\usepackage/\\input"),
    ("I can't write on file", "the preview may only write files inside its own folder;"
     " remove the \\openout from the note"),
    ("I can't find file", "the file is missing, or outside the preview's folder, which TeX may"
     " not read; remove the \\input from the note"),
)
_SHELL = re.compile(r"^runsystem\((?P<cmd>.*)\)\.\.\.disabled")


def parse_log(
    text: str, *, section: str = "related_work.tex", verbose: bool = False
) -> list[LogMessage]:
    """Diagnostics from a LaTeX ``.log`` (``-file-line-error`` or classic ``!`` errors).

    ``section`` is the section file's name; messages located in it get ``file="<section>"``.
    Over/underfull boxes and font warnings are only returned when ``verbose`` (as info).
    """
    lines = text.splitlines()
    messages: list[LogMessage] = []
    stack: list[str | None] = []  # files TeX has open, innermost last (None: a plain paren)
    markers = SECTION_BEGIN in text
    in_region = False
    stop: tuple[list[str], str | None, int | None] | None = None  # the first Emergency stop
    section_base = os.path.basename(section)

    def where(line: int | None) -> str | None:
        """The file the log is in now: the section, or the innermost open file."""
        current = next((f for f in reversed(stack) if f), None)
        if current and os.path.basename(current) == section_base:
            return SECTION
        if markers and in_region:
            # inside our \input: anything not clearly another .tex file is the section
            if current is None or not current.endswith(".tex") or _is_main(current):
                return SECTION
        return current

    i = 0
    while i < len(lines):
        raw = lines[i]
        stripped = raw.strip()
        if stripped.endswith(SECTION_BEGIN):
            in_region = True
        elif stripped.endswith(SECTION_END):
            in_region = False
        error = _FILE_LINE_ERROR.match(raw)
        header = error or _BANG_ERROR.match(raw)
        if header:
            msg = header.group("msg").strip()
            i, context, context_line = _error_context(lines, i + 1)
            if error:
                file = error.group("file")
                file = SECTION if os.path.basename(file) == section_base else file
                line: int | None = int(error.group("line"))
            else:
                line = context_line
                file = where(line)
            if any(n in msg for n in _STOPS) and stop is None:
                # usually a consequence of an error above; kept in case it is the only one
                stop = (context, file, line)
            if any(n in msg for n in _NOISE):
                continue
            messages.append(_latex_error(_error_message(msg, context), file, line))
            continue
        warning = _WARNING.match(raw)
        if warning:
            i, full = _warning_text(lines, i, warning.group("pkg"))
            messages.extend(_classify_warning(full, warning.group("font") is not None, where,
                                              verbose))
            continue
        box = _BOX.match(raw)
        if box:
            i = _skip_block(lines, i + 1)
            if verbose:
                first = box.group("a") or box.group("c")
                file = where(int(first) if first else None)
                messages.append(LogMessage(
                    "info", "box", f"{box.group('kind')} \\{box.group('box')}box "
                    f"({box.group('what')})", file, int(first) if first else None,
                    hint="a line sticks out of or is too loose in the margin; rewording"
                    " or a hyphenation hint (\\-) fixes it"))
            continue
        shell = _SHELL.match(raw)
        if shell:
            messages.append(LogMessage(
                "warning", "shell-escape", f"shell command not run: {shell.group('cmd')}",
                where(None), None, needle=shell.group("cmd") or None,
                hint="shell escape is off for the preview; remove \\write18 from the note"))
            i += 1
            continue
        missing = _MISSING_CHAR.match(raw)
        if missing:
            char = missing.group("char")
            code = f" (U+{missing.group('hex').upper()})" if missing.group("hex") else ""
            messages.append(LogMessage(
                "warning", "unicode",
                f"the font {missing.group('font')} has no character {char}{code}",
                where(None), None, needle=char,
                hint="the character is missing from the PDF: replace it in the note or load a"
                " font that has it (fontspec \\setmainfont)"))
            i += 1
            continue
        _track_files(raw, stack)
        i += 1
    # citations are undefined on a first run that TeX stopped: they do not explain the stop
    if stop is not None and not any(m.severity == "error" and m.code != "cite-undefined"
                                    for m in messages):
        messages.append(_stop_error(text, *stop, section_known=markers))
    return messages


def _stop_error(text: str, context: list[str], file: str | None, line: int | None, *,
                section_known: bool) -> LogMessage:
    """The one error of a log whose only error is TeX's "Emergency stop" (nonstop mode).

    TeX stops so when it would have to read the terminal: a ``\\read``/``\\typein``, or the
    input ran out before ``\\end{document}``. The log's ``*** (...)`` line says which, when
    it is there; ``<read ...>`` or ``<*>`` in the context says so too.
    """
    found = _STOP_DETAIL.search(text)
    detail = found.group(1).strip() if found else ""
    reading = any(c.startswith("<read") for c in context) or "\\read" in detail
    if reading:
        message = ("TeX stopped at a read from the terminal (\\read or \\typein), which the"
                   " preview cannot answer")
        hint = ("the preview runs without a terminal: remove the \\read or \\typein from the"
                " note or template")
    elif "no legal \\end" in detail or any(c.startswith("<*>") for c in context):
        message = "the document ended before \\end{document} (job aborted, no legal \\end found)"
        hint = ("something in the section swallows or redefines the end of the document (an"
                " unclosed \\iffalse or verbatim, a redefined \\end): remove it from the note"
                " or template")
        if section_known and (file is None or _is_main(file)):
            file, line = SECTION, None  # the preview itself is fine; the section it read is not
    else:
        message = "Emergency stop" + (f" ({detail})" if detail else "")
        hint = None
    return LogMessage("error", "latex", f"LaTeX error: {message}", file, line, hint=hint)


def _is_main(path: str) -> bool:
    return os.path.basename(path) == f"{PREVIEW_NAME}.tex"


def _track_files(line: str, stack: list[str | None]) -> None:
    """Follow TeX's "(file" ... ")" notation so warnings can be attributed to a file."""
    pos = 0
    while pos < len(line):
        ch = line[pos]
        if ch == "(":
            found = _FILE_OPEN.match(line, pos)
            if found:
                stack.append(found.group("file"))
                pos = found.end()
                continue
            stack.append(None)
        elif ch == ")" and stack:
            stack.pop()
        pos += 1


def _error_context(lines: list[str], i: int) -> tuple[int, list[str], int | None]:
    """Lines after an error header up to and including TeX's ``l.N`` context line pair.

    Returns the index to go on from, the context lines and N. Without an ``l.N`` line
    nearby, nothing is consumed (the lines may hold other messages).
    """
    context: list[str] = []
    start, limit = i, min(len(lines), i + 30)
    while i < limit:
        found = _CONTEXT_LINE.match(lines[i])
        if found:
            context.append(lines[i])
            # the next line shows the rest of the input line (indented): skip it
            nxt = i + 1
            if nxt < len(lines) and lines[nxt].startswith(" ") and lines[nxt].strip():
                nxt += 1
            # then TeX's help text up to a blank line: prose whose parentheses would
            # confuse the file tracking
            while (nxt < len(lines) and lines[nxt].strip() and not _FILE_LINE_ERROR.match(
                    lines[nxt]) and not lines[nxt].startswith(("!", "(", ")"))):
                nxt += 1
            return nxt, context, int(found.group("line"))
        if _FILE_LINE_ERROR.match(lines[i]) or _BANG_ERROR.match(lines[i]):
            break
        context.append(lines[i])
        i += 1
    return start, context, None


def _error_message(msg: str, context: list[str]) -> str:
    """The error text, its continuation lines, and the undefined command when there is one."""
    for extra in context:
        text = extra.strip()
        if not text or text.startswith(("See the ", "Type  H", "...")) or not extra.startswith(" "):
            break
        msg += " " + text
    if msg.startswith("Undefined control sequence"):
        # TeX shows the innermost context first; its first line ends with the bad command
        first = next((c for c in context if c.strip() and not c.startswith(" ")), "")
        cs = _UNDEFINED_CS.search(_CONTEXT_LINE.sub(r"\g<text>", first))
        if cs:
            msg = f"Undefined control sequence {cs.group(1)}"
    return msg


def _latex_error(message: str, file: str | None, line: int | None) -> LogMessage:
    message = message.removeprefix("LaTeX Error: ")
    code = "unicode" if "Unicode character" in message else "latex"
    hint = next((h for needle, h in _ERROR_HINTS if needle in message), None)
    if file and file.endswith(".bbl"):
        hint = "a bibliography entry contains LaTeX that fails; fix that field in your .bib"
        return LogMessage("error", "bbl", f"LaTeX error in the bibliography: {message}",
                          file, line, bbl_line=line, hint=hint)
    return LogMessage("error", code, f"LaTeX error: {message}", file, line, hint=hint)


def _warning_text(lines: list[str], i: int, pkg: str | None) -> tuple[int, str]:
    """A warning and its continuation lines (``(pkg)`` prefixed, or up to a blank line)."""
    head = _WARNING.match(lines[i])
    text = head.group("msg") if head else lines[i]
    i += 1
    prefix = f"({pkg})" if pkg else None
    while i < len(lines) and lines[i].strip():
        nxt = lines[i]
        if prefix and nxt.startswith(prefix):
            text += " " + nxt[len(prefix):].strip()
        elif not prefix and not _WARNING.match(nxt) and not nxt.startswith(("(", ")", "[")):
            text += " " + nxt.strip()
        else:
            break
        i += 1
    return i, text


def _classify_warning(text: str, font: bool, where: Callable[[int | None], str | None],
                      verbose: bool) -> list[LogMessage]:
    if any(n in text for n in _NOISE):
        return []
    cite = _CITATION.search(text)
    if cite and not cite.group("key"):
        return []  # biblatex's first pass before biber ran; the real key is reported too
    if cite:
        line = int(cite.group("line")) if cite.group("line") else None
        key = cite.group("key")
        return [LogMessage("error", "cite-undefined", f"citation '{key}' is undefined",
                           where(line), line, key=key,
                           hint="no entry with this key reached the bibliography: fix the key"
                           " in the note or add the entry to your .bib")]
    ref = _REFERENCE.search(text)
    if ref:
        line = int(ref.group("line")) if ref.group("line") else None
        return [LogMessage("info", "ref-undefined", f"reference '{ref.group('key')}' is undefined",
                           where(line), line, key=ref.group("key"),
                           hint="expected in the preview for labels defined elsewhere in your"
                           " paper; otherwise check the label name")]
    found = _INPUT_LINE.search(text)
    line = int(found.group(1)) if found else None
    file = where(line)
    if file != SECTION and not verbose:
        return []  # warnings from the preview's own preamble or classes are noise
    severity: Severity = "warning" if file == SECTION and not font else "info"
    if font and not verbose:
        return []
    return [LogMessage(severity, "latex-warning", f"LaTeX warning: {text}", file, line)]


def _skip_block(lines: list[str], i: int) -> int:
    """Skip the typeset material TeX prints after a box warning (it may hold parentheses)."""
    while i < len(lines) and lines[i].strip():
        i += 1
    return i


# --------------------------------------------------------------------- BibTeX and Biber

_BIBTEX_AT_LINE = re.compile(r"-+line (?P<line>\d+) of file (?P<file>\S+)")
_BIBTEX_WARNING = re.compile(r"^Warning--(?P<msg>.*)$")
_BIBTEX_IN_KEY = re.compile(r"\bin (?P<key>\S+)$")
_BIBTEX_MISSING = re.compile(r'I didn\'t find a database entry for "(?P<key>[^"]+)"')
_BIBER_LINE = re.compile(r"^\[\d+\] [^>]*> (?P<level>INFO|WARN|ERROR) - (?P<msg>.*)$")
_BIBER_SUBSYSTEM = re.compile(r"BibTeX subsystem: (?P<file>.*?), line (?P<line>\d+), (?P<msg>.*)$")
_BIBER_RUNAWAY = re.compile(r"started at line (?P<line>\d+)")
_BIBER_MISSING = re.compile(r"I didn't find a database entry for '(?P<key>[^']+)'")
_BIBER_KEY = re.compile(r"(?:[Ee]ntry|key):? '(?P<key>[^']+)'")


_MALFORMED = ("the entry is malformed (an unbalanced brace, a missing comma or quote);"
              " fix it in your .bib")


def parse_bibtex_log(text: str) -> list[LogMessage]:
    """Errors and warnings from a BibTeX ``.blg``.

    An error names a line of the compiled ``.bib`` (``bib_line``); a warning names a key.
    "I didn't find a database entry" becomes code ``missing-entry`` (the LaTeX log reports
    the same citation with its line, so callers usually drop it).
    """
    lines = text.splitlines()
    messages: list[LogMessage] = []
    for i, raw in enumerate(lines):
        warning = _BIBTEX_WARNING.match(raw)
        if warning:
            msg = warning.group("msg").strip()
            missing = _BIBTEX_MISSING.search(msg)
            if missing:
                messages.append(LogMessage("warning", "missing-entry",
                                           f"no bib entry for '{missing.group('key')}'",
                                           key=missing.group("key")))
                continue
            at = _BIBTEX_AT_LINE.match(lines[i + 1]) if i + 1 < len(lines) else None
            key = _BIBTEX_IN_KEY.search(msg)
            messages.append(LogMessage(
                "warning", "bibtex", f"bibtex: {msg}", key=key.group("key") if key else None,
                bib_line=int(at.group("line")) if at else None,
                hint="complete or correct the entry in your .bib"))
            continue
        at = _BIBTEX_AT_LINE.search(raw)
        if at and not raw.startswith("-"):
            msg = raw[: at.start()].strip()
            hint = _MALFORMED
            if msg.startswith("Repeated entry"):
                hint = "the key is used by two entries; rename or remove one"
            messages.append(LogMessage("error", "bibtex", f"bibtex: {msg}",
                                       bib_line=int(at.group("line")), hint=hint))
            continue
        if raw.startswith(("I couldn't open", "I found no", "Illegal,", "Sorry---")):
            messages.append(LogMessage("error", "bibtex", f"bibtex: {raw.strip()}"))
    return messages


def parse_biber_log(text: str) -> list[LogMessage]:
    """Errors and warnings from a Biber ``.blg`` (INFO lines are skipped)."""
    messages: list[LogMessage] = []
    for raw in text.splitlines():
        found = _BIBER_LINE.match(raw)
        if not found or found.group("level") == "INFO":
            continue
        severity: Severity = "error" if found.group("level") == "ERROR" else "warning"
        msg = found.group("msg").strip()
        if "does not contain any citations" in msg:
            continue  # a section that cites nothing: nothing is wrong with the .bib
        missing = _BIBER_MISSING.search(msg)
        if missing:
            messages.append(LogMessage("warning", "missing-entry",
                                       f"no bib entry for '{missing.group('key')}'",
                                       key=missing.group("key")))
            continue
        sub = _BIBER_SUBSYSTEM.search(msg)
        if sub:
            detail = sub.group("msg")
            line = int(sub.group("line"))
            runaway = _BIBER_RUNAWAY.search(detail)
            messages.append(LogMessage(
                severity, "biber", f"biber: {detail}",
                bib_line=int(runaway.group("line")) if runaway else line, hint=_MALFORMED))
            continue
        key = _BIBER_KEY.search(msg)
        messages.append(LogMessage(severity, "biber", f"biber: {msg}",
                                   key=key.group("key") if key else None,
                                   hint="correct the entry in your .bib"))
    return messages


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


# --------------------------------------------------------------------------- mapping


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
        self.section_lines = _read_lines(section)
        bib_text = "\n".join(_read_lines(bib)) if bib else ""
        self.spans = scan_bib(bib_text)
        self.bbl_text = "\n".join(_read_lines(bbl)) if bbl else ""

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
        if self.main is not None and _is_main(path):
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


def _read_lines(path: Path | None) -> list[str]:
    if path is None or not path.is_file():
        return []
    return path.read_text(encoding="utf-8", errors="replace").splitlines()


# ------------------------------------------------------------------------ preview file


def preview_source(section: str, bib: str, *, cite: str = "natbib", document: str = "article",
                   engine: str = "pdflatex", bibliography: bool = True) -> str:
    r"""LaTeX of the preview document: ``\input{section}`` plus the bibliography ``bib``.

    ``section`` and ``bib`` are names relative to the preview's folder, without extension.
    ``bibliography=False`` leaves out the reference list (a section that cites nothing: BibTeX
    would stop with "I found no \citation commands").
    """
    from pylatex import Command, Document, NoEscape, Package

    _check_choice("cite", cite, CITE_STYLES)
    _check_choice("document", document, DOCUMENTS)
    _check_choice("engine", engine, ENGINES)
    options: list[str] = []
    if document == "ieee":
        options.append("conference")
    elif document == "acm":
        options.append("sigconf")
        if cite != "natbib":
            options.append("natbib=false")  # acmart loads natbib itself unless told not to
    pdf = engine == "pdflatex"
    doc = Document(
        documentclass=_DOCUMENT_CLASS[document], document_options=options or None,
        fontenc="T1" if pdf else None, inputenc="utf8" if pdf else None,
        lmodern=pdf and document != "acm",  # acmart sets its own fonts
        textcomp=False, page_numbers=False, indent=True, microtype=False,
    )
    if not pdf:
        doc.packages.append(Package("fontspec"))
    if cite == "biblatex":
        doc.packages.append(Package("biblatex", options=["backend=biber"]))
    elif cite == "natbib" and document != "acm":
        doc.packages.append(Package("natbib"))
    for name in ("array", "longtable", "booktabs", "tabularx", "xltabular"):
        doc.packages.append(Package(name))
    if document != "acm":  # acmart loads hyperref itself
        doc.packages.append(Package("hyperref"))
    if cite == "biblatex":
        doc.preamble.append(Command("addbibresource", NoEscape(f"{bib}.bib")))
    if document == "acm":
        if pdf:
            # without acmart's Libertine fonts it falls back to bitmap fonts, which
            # microtype's font expansion rejects; Latin Modern is scalable
            doc.preamble.append(NoEscape(r"\IfFileExists{libertine.sty}{}{\usepackage{lmodern}}"))
        doc.preamble.append(NoEscape(r"\settopmatter{printacmref=false}"))
        doc.preamble.append(NoEscape(r"\setcopyright{none}"))
        doc.preamble.append(NoEscape(r"\renewcommand\footnotetextcopyrightpermission[1]{}"))
        doc.preamble.append(NoEscape(r"\title{Related Work preview}"))
    doc.append(NoEscape(r"\typeout{" + SECTION_BEGIN + "}"))
    doc.append(NoEscape(r"\input{" + section + "}"))
    doc.append(NoEscape(r"\par\typeout{" + SECTION_END + "}"))
    if not bibliography:
        pass
    elif cite == "biblatex":
        doc.append(NoEscape(r"\printbibliography"))
    else:
        doc.append(NoEscape(r"\bibliographystyle{" + ("plain" if cite == "plain" else "plainnat")
                            + "}"))
        doc.append(NoEscape(r"\bibliography{" + bib + "}"))
    return str(doc.dumps()) + "\n"


#: a LaTeX comment: % not escaped by a backslash (an even run of backslashes is line breaks)
_COMMENT = re.compile(r"(?<!\\)(?:\\\\)*%.*")
#: any citation command: \cite, \citep, \textcite, \nocite, \footfullcite, ...
_CITE_COMMAND = re.compile(r"\\[A-Za-z]*cite[A-Za-z]*")


def cites_anything(section_text: str) -> bool:
    """Whether a LaTeX section has a citation command outside comments (needs a bibliography).

    Errs towards True (``\\\\cite`` counts), which keeps the bibliography as before.
    """
    return any(_CITE_COMMAND.search(_COMMENT.sub("", line))
               for line in section_text.splitlines())


def _check_choice(name: str, value: str, choices: Sequence[str]) -> None:
    if value not in choices:
        raise CompileError(f"unknown {name} '{value}'", hint=f"use one of: {', '.join(choices)}")


# ------------------------------------------------------------------------------ compile


def compile_preview(
    tex_path: Path,
    bib_path: Path,
    *,
    out_dir: Path,
    cite: str = "natbib",
    document: str = "article",
    engine: str = "pdflatex",
    line_map: Sequence[Source | None] = (),
    bib_index: Any = None,
    timeout: int = 120,
    png: bool = False,
    verbose: bool = False,
    progress: Callable[[str], None] | None = None,
) -> CompileResult:
    """Compile a preview of the section ``tex_path`` with the bibliography ``bib_path``.

    Writes ``out_dir/preview.tex``, runs latexmk in ``out_dir`` (aux files in
    ``out_dir/build/``), copies the PDF to ``out_dir/preview.pdf`` and, with ``png``,
    writes ``out_dir/preview-<n>.png``. ``line_map[i]`` is the note line that produced line
    ``i + 1`` of ``tex_path``; ``bib_index`` (``BibIndex``) maps bib keys to the user's own
    ``.bib``. Problems are returned, not raised; ``CompileError`` is raised only when the
    tools are missing or the inputs cannot be used.
    """
    _check_choice("cite", cite, CITE_STYLES)
    _check_choice("document", document, DOCUMENTS)
    _check_choice("engine", engine, ENGINES)
    say = progress or (lambda _msg: None)
    out_dir = Path(out_dir).resolve()
    tex_path, bib_path = Path(tex_path).resolve(), Path(bib_path).resolve()
    if not tex_path.is_file():
        raise CompileError(f"section file not found: {display_path(tex_path)}",
                           hint="run 'relwork build' first")
    if tex_path.name == f"{PREVIEW_NAME}.tex" and tex_path.parent == out_dir:
        raise CompileError(f"{display_path(tex_path)} would be overwritten by the preview",
                           hint="choose another output.tex name in relwork.yaml")
    for path in (tex_path, bib_path):
        if not re.fullmatch(r"[\w.+-]+", path.stem):
            # \input{...} and \bibliography{...} cannot take spaces or TeX specials
            raise CompileError(f"cannot compile a file named '{path.name}'",
                               source=Source(display_path(path)),
                               hint="use letters, digits, '-', '_' or '.' in output.tex/output.bib")
    latexmk = shutil.which("latexmk")
    tools = [engine] + (["biber"] if cite == "biblatex" else ["bibtex"])
    missing = [t for t in ["latexmk", *tools] if shutil.which(t) is None]
    if latexmk is None or missing:
        raise CompileError(f"cannot compile the preview: {', '.join(missing)} not found",
                           hint="install TeX Live (e.g. apt install texlive-full latexmk biber)"
                           " or build without --compile")
    build = out_dir / BUILD_DIR
    build.mkdir(parents=True, exist_ok=True)
    _clean(build, out_dir, png)
    env = _environment(tex_path.parent, bib_path.parent, out_dir)
    main = out_dir / f"{PREVIEW_NAME}.tex"
    section_text = tex_path.read_text(encoding="utf-8", errors="replace")
    _write_atomic(main, preview_source(tex_path.stem, bib_path.stem, cite=cite,
                                       document=document, engine=engine,
                                       bibliography=cites_anything(section_text)))
    command = [
        latexmk, "-norc", _LATEXMK_ENGINE[engine], "-halt-on-error", "-interaction=nonstopmode",
        "-file-line-error", "-no-shell-escape", f"-outdir={BUILD_DIR}",
        # latexmk passes %O to the engine; keep shell escape off even if a default turns it on
        "-e", f"${engine}='{engine} -no-shell-escape %O %S'",
        main.name,
    ]
    say(f"compiling {display_path(main)} with latexmk {_LATEXMK_ENGINE[engine]} "
        f"(time limit {timeout} s)")
    log_path = build / f"{PREVIEW_NAME}.log"
    problems: list[Problem] = []
    locator = Locator(section=tex_path, line_map=line_map, bib=bib_path, bib_index=bib_index,
                      main=main, bbl=build / f"{PREVIEW_NAME}.bbl")
    output = build / "latexmk.out"
    timed_out = _run(command, out_dir, env, timeout, output)
    locator.bbl_text = "\n".join(_read_lines(build / f"{PREVIEW_NAME}.bbl"))
    log_text = log_path.read_text(encoding="utf-8", errors="replace") if log_path.is_file() else ""
    messages = parse_log(log_text, section=tex_path.name, verbose=verbose)
    blg = build / f"{PREVIEW_NAME}.blg"
    blg_text = blg.read_text(encoding="utf-8", errors="replace") if blg.is_file() else ""
    bib_messages = parse_biber_log(blg_text) if cite == "biblatex" else parse_bibtex_log(blg_text)
    messages = _merge(messages, bib_messages, locator)
    if timed_out:
        problems.append(Problem(
            "error", f"compile timed out after {timeout} s", Source(display_path(main)),
            "a macro in the section may loop forever (like \\def\\x{\\x}\\x); look at the last"
            f" lines of {display_path(log_path)}, or raise compile.timeout in relwork.yaml",
            "compile-timeout"))
    problems += _dedupe(locator.problem(m) for m in messages)
    built_pdf = build / f"{PREVIEW_NAME}.pdf"
    pdf: Path | None = None
    if built_pdf.is_file() and not timed_out:
        pdf = out_dir / f"{PREVIEW_NAME}.pdf"
        _copy_atomic(built_pdf, pdf)
    elif not problems:
        tail = output.read_text(encoding="utf-8", errors="replace").strip().splitlines()[-3:]
        problems.append(Problem("error", "latexmk made no PDF: " + " / ".join(tail),
                                Source(display_path(main)),
                                f"see {display_path(log_path)}", "compile-latexmk"))
    pngs: list[Path] = []
    if png and pdf is not None:
        say("writing PNG page images")
        pngs, png_problem = _pngs(pdf, out_dir, timeout)
        problems += [png_problem] if png_problem else []
    # every message says where to look next, even those without a specific hint
    problems = [p if p.hint else replace(p, hint=f"details in {display_path(log_path)}")
                for p in _order(problems)]
    ok = pdf is not None and not any(p.severity == "error" for p in problems)
    return CompileResult(pdf=pdf, pngs=pngs, problems=problems,
                         log_path=log_path if log_path.is_file() else None, ok=ok)


def _environment(tex_dir: Path, bib_dir: Path, out_dir: Path) -> dict[str, str]:
    """The tools' environment: paranoid file access, no shell escape, unwrapped logs."""
    env = dict(os.environ)
    env.update(
        openin_any="p",  # no reading of dot files, parent folders or absolute paths
        openout_any="p",  # nor writing there
        shell_escape="f",
        max_print_line="10000",  # one log line per message, so the parser sees whole lines
        error_line="254",
        half_error_line="238",
    )
    # the section or bib may live outside out_dir: let TeX's path search find them there
    for var, folder in (("TEXINPUTS", tex_dir), ("BIBINPUTS", bib_dir)):
        if folder != out_dir:
            env[var] = f"{folder}{os.pathsep}{env.get(var, '')}"
    return env


def _clean(build: Path, out_dir: Path, png: bool) -> None:
    """Remove earlier preview outputs, so nothing stale is reported or shown."""
    for old in build.glob(f"{PREVIEW_NAME}.*"):
        if old.is_file():
            old.unlink()
    for old in [out_dir / f"{PREVIEW_NAME}.pdf", *out_dir.glob(f"{PREVIEW_NAME}-*.png")]:
        if old.is_file():
            old.unlink()


def _run(command: list[str], cwd: Path, env: dict[str, str], timeout: int, output: Path) -> bool:
    """Run ``command``; on timeout kill its whole process group. True when it timed out."""
    with output.open("wb") as out:
        proc = subprocess.Popen(command, cwd=cwd, env=env, stdin=subprocess.DEVNULL,
                                stdout=out, stderr=subprocess.STDOUT, start_new_session=True)
        try:
            proc.wait(timeout=timeout)
            return False
        except subprocess.TimeoutExpired:
            _kill_group(proc)
            return True
        except BaseException:
            _kill_group(proc)  # Ctrl-C: do not leave a TeX process running
            raise


def _kill_group(proc: subprocess.Popen[bytes]) -> None:
    """Kill latexmk and everything it started, and wait until they are gone: the engine
    is latexmk's child, so waiting for latexmk alone can return while it still runs."""
    try:
        os.killpg(proc.pid, signal.SIGKILL)
    except ProcessLookupError:
        pass
    proc.wait()
    deadline = time.monotonic() + 5
    while time.monotonic() < deadline:
        try:
            os.killpg(proc.pid, 0)  # still a member alive (or not yet reaped by init)?
        except ProcessLookupError:
            return
        time.sleep(0.02)


def _merge(latex: list[LogMessage], bib: list[LogMessage], locator: Locator) -> list[LogMessage]:
    """Bib tool messages first, then LaTeX's; drop consequences already explained."""
    undefined = {m.key for m in latex if m.code == "cite-undefined"}
    bib = [m for m in bib if not (m.code == "missing-entry" and m.key in undefined)]
    if any(m.severity == "error" for m in bib + latex):
        # LaTeX stopped or the bib tool failed, so keys that are in the .bib look undefined
        in_bib = {s.key for s in locator.spans}
        latex = [m for m in latex if not (m.code == "cite-undefined" and m.key in in_bib)]
    return bib + latex


def _dedupe(problems: Any) -> list[Problem]:
    seen: set[tuple[str, str, str]] = set()
    out: list[Problem] = []
    for p in problems:
        ident = (p.severity, p.message, str(p.source))
        if ident not in seen:
            seen.add(ident)
            out.append(p)
    return out


def _order(problems: list[Problem]) -> list[Problem]:
    """Errors first, then warnings, then info; at most MAX_PROBLEMS."""
    rank = {"error": 0, "warning": 1, "info": 2}
    ordered = sorted(problems, key=lambda p: rank[p.severity])
    if len(ordered) > MAX_PROBLEMS:
        rest = len(ordered) - MAX_PROBLEMS + 1
        ordered = ordered[: MAX_PROBLEMS - 1] + [Problem(
            "info", f"{rest} more compile messages not shown", None,
            "see the LaTeX log in the build folder", "compile-more")]
    return ordered


def _pngs(pdf: Path, out_dir: Path, timeout: int) -> tuple[list[Path], Problem | None]:
    """Page images ``preview-<n>.png`` at 80 dpi via pdftoppm."""
    tool = shutil.which("pdftoppm")
    if tool is None:
        return [], Problem("warning", "pdftoppm not found, no PNG pages written", None,
                           "install poppler-utils", "compile-png")
    try:
        run = subprocess.run([tool, "-png", "-r", "80", pdf.name, PREVIEW_NAME], cwd=out_dir,
                             capture_output=True, text=True, timeout=timeout)
    except subprocess.TimeoutExpired:
        return [], Problem("warning", f"pdftoppm timed out after {timeout} s", None, None,
                           "compile-png")
    if run.returncode != 0:
        return [], Problem("warning", f"pdftoppm failed: {run.stderr.strip()[:200]}",
                           Source(display_path(pdf)), None, "compile-png")
    pages = [(int(m.group(1)), p) for p in out_dir.glob(f"{PREVIEW_NAME}-*.png")
             if (m := re.fullmatch(rf"{PREVIEW_NAME}-(\d+)\.png", p.name))]
    return [p for _, p in sorted(pages)], None


def _write_atomic(path: Path, text: str) -> None:
    tmp = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    tmp.write_text(text, encoding="utf-8")
    os.replace(tmp, path)


def _copy_atomic(src: Path, dest: Path) -> None:
    tmp = dest.with_name(f".{dest.name}.{os.getpid()}.tmp")
    shutil.copyfile(src, tmp)
    os.replace(tmp, dest)


__all__ = [
    "SECTION",
    "CompileResult",
    "LogMessage",
    "Locator",
    "BibSpan",
    "compile_preview",
    "parse_log",
    "parse_bibtex_log",
    "parse_biber_log",
    "preview_source",
    "scan_bib",
]
