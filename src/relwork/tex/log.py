"""Reading LaTeX, BibTeX and Biber logs into plain ``LogMessage`` records.

``parse_log`` reads a LaTeX ``.log`` (``-file-line-error`` or classic ``!`` errors),
``parse_bibtex_log`` and ``parse_biber_log`` a ``.blg``; ``tex.locate`` maps the records to
the notes and bib entries they are about.
"""

from __future__ import annotations

import os
import re
from collections.abc import Callable
from dataclasses import dataclass

from ..latex.document import PREVIEW_NAME, SECTION_BEGIN, SECTION_END
from ..model import Severity


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


#: ``LogMessage.file`` of a message known to be in the section file
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
    from .layout import deferred, float_too_large, overfull  # layout builds on this module

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
            if current is None or not current.endswith(".tex") or is_preview_main(current):
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
        elif (late := deferred(stripped)) is not None:
            messages.append(late)
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
            too_large = float_too_large(full)  # output later, at a page break: not "where"
            messages.extend([too_large] if too_large else _classify_warning(
                full, warning.group("font") is not None, where, verbose))
            continue
        box = _BOX.match(raw)
        if box:
            i = _skip_block(lines, i + 1)
            first = box.group("a") or box.group("c")
            wide = overfull(box.group("kind"), box.group("box"), box.group("what"),
                            where(int(first) if first else None), int(first) if first else None)
            if wide is not None:
                messages.append(wide)
            elif verbose:
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
        if section_known and (file is None or is_preview_main(file)):
            file, line = SECTION, None  # the preview itself is fine; the section it read is not
    else:
        message = "Emergency stop" + (f" ({detail})" if detail else "")
        hint = None
    return LogMessage("error", "latex", f"LaTeX error: {message}", file, line, hint=hint)


def is_preview_main(path: str) -> bool:
    """Whether a file named in the log is the preview document itself."""
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
