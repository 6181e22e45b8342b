"""Trusted LaTeX and escaping: plain text, URLs and label keys made safe to write into LaTeX.

Text outside math never becomes a command: every TeX special character is escaped, and
Unicode that pdflatex cannot typeset is converted (``symbols``) or reported. Only relwork's
own output, marked ``Latex`` (or pylatex's ``NoEscape``), is trusted by the templates.
"""

from __future__ import annotations

import re
import sys
import unicodedata
from dataclasses import dataclass
from urllib.parse import quote

from ..model import Severity
from .scripts import is_script, math_base, scripts_latex
from .symbols import (
    ABOVE,
    ACCENTS,
    ASCII_SPECIALS,
    MATH_SYMBOLS,
    NOT_IN_LATIN_MODERN,
    QUOTEDBL,
    SILENT_DROP,
    TEXT_SYMBOLS,
    ZERO_WIDTH_CATS,
    is_emoji,
)

#: superscript letters that are words of their own in text (ordinal indicators ª º)
_NOT_SCRIPTS = frozenset("\u00aa\u00ba")


def scripts_end(text: str, start: int) -> int:
    """End of the run of convertible super/subscript characters at ``start`` (``start``
    when there is none)."""
    end = start
    while (end < len(text) and text[end] not in _NOT_SCRIPTS
           and is_script(text[end], MATH_SYMBOLS.get)):
        end += 1
    return end


def scripts_math(run: str) -> str:
    """Math LaTeX of a run of super/subscript characters (``⁻⁶`` -> ``^{-6}``)."""
    return scripts_latex(run, MATH_SYMBOLS.get)


class Latex(str):
    """A string of trusted LaTeX: templates print it without escaping.

    Like pylatex's ``NoEscape``; ``is_trusted`` accepts both. Concatenating two trusted
    strings stays trusted; anything else gives a plain (untrusted) ``str``.
    """

    __slots__ = ()

    def __add__(self, other: str) -> str:
        joined = str.__add__(self, other)
        return Latex(joined) if is_trusted(other) else joined


def is_trusted(value: object) -> bool:
    """True for ``Latex`` and for pylatex ``NoEscape`` (checked without importing pylatex)."""
    if isinstance(value, Latex):
        return True
    pylatex_utils = sys.modules.get("pylatex.utils")
    no_escape = getattr(pylatex_utils, "NoEscape", None)
    return no_escape is not None and isinstance(value, no_escape)


ENGINES = ("pdflatex", "xelatex", "lualatex")


@dataclass
class CharIssue:
    """A character that could not be typeset: what happened and what to do."""

    char: str
    message: str
    hint: str
    code: str
    severity: Severity = "warning"


def _accented(ch: str) -> str | None:
    """LaTeX accent form of an accented Latin letter (``é`` -> ``\\'{e}``), or None."""
    decomposed = unicodedata.normalize("NFD", ch)
    base, marks = decomposed[0], decomposed[1:]
    if not marks or not all(m in ACCENTS for m in marks):
        return None
    if base.isascii() and base.isalpha():
        body = base
    elif base in TEXT_SYMBOLS and TEXT_SYMBOLS[base].endswith("{}"):
        body = TEXT_SYMBOLS[base][:-2]
    else:
        return None
    if body in ("i", "j") and marks[0] in ABOVE:
        body = "\\" + body
    for mark in marks:
        body = f"{ACCENTS[mark]}{{{body}}}"
    return body


def _text_char(ch: str, engine: str, issues: list[CharIssue]) -> str:
    """Text-mode LaTeX for one non-ASCII (or control) character."""
    cat = unicodedata.category(ch)
    if ch in SILENT_DROP:
        return ""
    if cat == "Cc":
        return " " if ch in "\t\r\x0b\x0c" else ""  # control characters: TeX rejects most
    if ch == "\ufffd":  # the replacement character: the note had a broken or NUL byte
        issues.append(CharIssue(ch, "invalid character (U+FFFD) written as '?'",
                                 "re-save the note as UTF-8", "latex-unicode"))
        return "?"  # lualatex rejects U+FFFD in its input
    if engine != "pdflatex":
        if cat == "Cs":
            issues.append(CharIssue(ch, f"invalid character U+{ord(ch):04X} dropped",
                                     "re-save the note as UTF-8", "latex-unicode"))
            return ""
        if ch in MATH_SYMBOLS and ch not in TEXT_SYMBOLS:
            # math-only symbols (Greek, relations, arrows) are missing from text fonts such
            # as Latin Modern (fontspec's default): typeset them in math, as for pdflatex
            return f"${MATH_SYMBOLS[ch]}$"
        if ch in NOT_IN_LATIN_MODERN:
            return TEXT_SYMBOLS[ch]
        return ch  # letters of any script: the document's font decides
    if ch in TEXT_SYMBOLS:
        return TEXT_SYMBOLS[ch]
    if ch in MATH_SYMBOLS:
        return f"${MATH_SYMBOLS[ch]}$"
    accented = _accented(ch)
    if accented is not None:
        return accented
    if is_emoji(ch):
        issues.append(CharIssue(
            ch, f"emoji {ch!r} (U+{ord(ch):04X}) dropped: pdflatex cannot typeset it",
            "remove it, or build with engine: xelatex/lualatex and an emoji font",
            "latex-emoji"))
        return ""
    if cat in ZERO_WIDTH_CATS:
        return ""
    folded = unicodedata.normalize("NFKC", ch)
    if unicodedata.decomposition(ch).startswith("<circle>") and folded.isascii() \
            and folded.isalnum():
        return f"\\textcircled{{{folded}}}"  # ① -> \textcircled{1}: folding would drop it
    if folded != ch and all(_plain_or_known(c) for c in folded):
        return escape_text(folded, engine, issues)  # NFKC is stable: no deeper recursion
    name = unicodedata.name(ch, f"U+{ord(ch):04X}")
    issues.append(CharIssue(
        ch, f"character {ch!r} ({name}) has no pdflatex form; written as '?'",
        "replace it with LaTeX in math ($...$), or build with engine: xelatex/lualatex",
        "latex-unicode"))
    return "?"


def _plain_or_known(ch: str) -> bool:
    return (ch.isascii() and ch.isprintable()) or ch in TEXT_SYMBOLS or ch in MATH_SYMBOLS \
        or _accented(ch) is not None


def math_char(ch: str, engine: str, issues: list[CharIssue]) -> str:
    """Math-mode LaTeX for one non-ASCII character: symbols become math commands for every
    engine (without unicode-math a raw ``≤`` in math is missing); other characters are
    converted for pdflatex only."""
    if ch in SILENT_DROP or unicodedata.category(ch) == "Cc":
        return " " if ch in "\t\r" else ""
    if ch in MATH_SYMBOLS:
        form = MATH_SYMBOLS[ch]
        return form + " " if form[-1].isalpha() else form
    if engine != "pdflatex":
        return ch
    text = _text_char(ch, engine, issues)
    if "$" in text:  # a compatibility form of a math symbol (ᶿ -> θ): no $ inside math
        return re.sub(r"\$(.*?)\$", r"{\1}", text)
    return f"\\mbox{{{text}}}" if text and text != "?" else text


_SPECIAL_RE = re.compile(r"[\\{}$&#^_~%<>|`\"]|\.\.\.|[^\x20-\x7e\n]")
_RANGE_RE = re.compile(r"(?<![\w.\-–])(\d+)-(\d+)(?![\w\-–]|\.\d)")


def escape_text(text: str, engine: str, issues: list[CharIssue], *, code: bool = False,
            after: str = "") -> str:
    """Escape plain text to LaTeX; ``code`` keeps spaces and literal quotes/dashes.

    ``after`` is the LaTeX already written before this text (to avoid ligatures with it).
    """
    if not text:
        return ""
    if not code and "-" in text:
        text = _RANGE_RE.sub("\\1\u2013\\2", text)  # number ranges take an en dash
    if not code and not _SPECIAL_RE.search(text):
        return text
    out: list[str] = []
    tail = after[-1:] if after else ""
    math_tail = ""  # the last output piece, when it is a $...$ symbol
    i, n = 0, len(text)
    while i < n:
        ch = text[i]
        if code and ch == " ":
            out.append(" " if tail not in (" ", "") or i == 0 and not tail else "\\ ")
            rep = out[-1]
        elif ch in ASCII_SPECIALS:
            rep = ASCII_SPECIALS[ch]
            out.append(rep)
        elif ch == '"':
            rep = QUOTEDBL["pdflatex" if engine == "pdflatex" else "other"]
            out.append(rep)
        elif code and ch == "'":
            rep = r"\textquotesingle{}"
            out.append(rep)
        elif code and ch == "-" and text[i + 1: i + 2] == "-":
            rep = "-{}"
            out.append(rep)
        elif not code and ch == "." and text.startswith("...", i):
            rep = r"\dots{}"
            out.append(rep)
            i += 3
            tail = "}"
            continue
        elif ch.isascii() and (ch.isprintable() or ch == "\n"):
            rep = ch
            out.append(rep)
        elif (end := scripts_end(text, i)) > i:
            # 10⁻⁶ -> $10^{-6}$: the run is one group, with its number or variable
            # a letter run on both sides is a word (H₂O): its letter is not a variable
            word = text[end: end + 1].isalpha()
            base = "" if code else math_base(text[:i], numbers_only=word)
            if base and out[-len(base):] == list(base):
                del out[-len(base):]
                tail = out[-1][-1:] if out else after[-1:]
            else:
                base = ""
            rep = "$" + base + scripts_math(text[i:end]) + "$"
            i = end
            tail, math_tail = _add_math(out, rep, tail, math_tail)
            continue
        elif (ch in ACCENTS and engine == "pdflatex" and out and len(out[-1]) == 1
              and out[-1].isascii() and out[-1].isalpha()):
            # a letter followed by a combining mark (x + U+0303): one accented letter
            rep = _accented(unicodedata.normalize("NFC", out.pop() + ch)) or ""
            if not rep:
                rep = f"{ACCENTS[ch]}{{{text[i - 1]}}}"
            out.append(rep)
        else:
            rep = _text_char(ch, engine, issues)
            if code and rep in ("--", "---", "``", "''", "`", "'"):
                rep = {"`": r"\textasciigrave{}", "'": r"\textquotesingle{}"}.get(rep, ch)
                if rep == ch:
                    rep = _text_char(ch, engine, [])
                    rep = rep.replace("-", "-{}") if rep.startswith("-") else rep
            if rep.startswith(("-", "`")) and tail in ("-", "!", "?"):
                out.append("{}")  # no ligature with what precedes (--- or !` / ?`)
            if rep.startswith("'") and tail == "'":
                out.append("{}")
            if rep.endswith("-") and text[i + 1: i + 2] == "-":
                rep += "{}"
            if not rep:  # a dropped character: what surrounds it stays adjacent
                i += 1
                continue
            if rep.startswith("$"):
                tail, math_tail = _add_math(out, rep, tail, math_tail)
                i += 1
                continue
            math_tail = ""
            out.append(rep)
        if rep:
            tail = rep[-1]
        i += 1
    return "".join(out)


_ENDS_WITH_SCRIPT = re.compile(r"[_^]\{(?:[^{}]|\{[^{}]*\})*\}$")


def _add_math(out: list[str], rep: str, tail: str, math_tail: str) -> tuple[str, str]:
    """Append the formula ``rep`` (``$...$``) to ``out``; return the new (tail, math_tail).

    Adjacent formulas share one pair of dollars (``$\\alpha\\leq\\beta$``, ``$\\alpha^{2}$``):
    ``$\\alpha$$\\leq$`` would open display math. A formula right after other math that
    cannot be joined is separated by ``{}``.
    """
    if math_tail and out and out[-1] == math_tail:
        glue = " " if out[-1][-2].isalpha() and rep[1].isalpha() else ""
        if rep[1] in "^_" and _ENDS_WITH_SCRIPT.search(out[-1][:-1]):
            glue = "{}"  # x² then ² (a dropped joiner between): no double superscript
        out[-1] = out[-1][:-1] + glue + rep[1:]
        return "$", out[-1]
    if tail == "$":
        out.append("{}")
    out.append(rep)
    return "$", rep


def escape_latex(text: str, engine: str = "pdflatex") -> str:
    """Plain text -> LaTeX that typesets the same characters and runs no command.

    Every TeX special is escaped; for pdflatex, Unicode is converted (unknown characters
    become '?'); blank lines are collapsed so the result is safe inside macro arguments.
    """
    check_engine(engine)
    text = re.sub(r"\r\n?", "\n", text)
    text = re.sub(r"\n[ \t]*(?=\n)", "", text)  # blank line = \par, not allowed in arguments
    return Latex(escape_text(text, engine, []))


def check_engine(engine: str) -> None:
    if engine not in ENGINES:
        raise ValueError(f"unknown TeX engine {engine!r}; expected one of {', '.join(ENGINES)}")


# ------------------------------------------------------------------------------ URLs

_URL_KEEP = "/:?=&@!$'()*+,;[]-._#%"


def escape_url(url: str) -> str:
    """A URL made safe as the argument of ``\\href``/``\\url``, even inside other arguments.

    Spaces, braces, backslashes, ``~ ^ | " < >`` and non-ASCII are percent-encoded (an
    equivalent URL); then ``#`` and ``%`` are escaped as ``\\#`` and ``\\%`` (hyperref turns
    them back into ``#``/``%`` in the link).
    """
    encoded = quote(url, safe=_URL_KEEP, errors="surrogatepass")  # broken input: no crash
    return encoded.replace("%", r"\%").replace("#", r"\#").replace("&", r"\&")


# ------------------------------------------------------------------------ label keys

_LABEL_KEY = re.compile(r"[A-Za-z0-9_:.\-+/]+")


def is_label_key(key: str) -> bool:
    """True when ``key`` can be written unescaped as the argument of ``\\label`` or
    ``\\ref``: letters, digits and ``_ : . - + /`` only, at least one character."""
    return _LABEL_KEY.fullmatch(key) is not None
