"""Markdown -> LaTeX for note bodies, with escaping that note text cannot break out of.

In: the Markdown body of a note (``Entry.body``) and the ``Source`` of its first line.
Out: ``LatexText(text, lines, problems)``: LaTeX that compiles in any preamble that loads
hyperref, one ``Source`` per output line (so TeX diagnostics map back to file:line), and
the problems found (dropped HTML/images, unsafe math, Unicode pdflatex cannot typeset).

Safety model (README, "Safety guarantees"): text outside math never becomes a command: every
TeX special character is escaped. Math is passed through only when it is structurally
balanced and every control word in it is on an allowlist (``MATH_COMMANDS``, plus the
user's own macros given as ``math_macros``); otherwise it is reported and written as
escaped text. Only relwork's own output, marked ``Latex``, is trusted by the templates.

Why an allowlist for math. A formula sits in the body of the user's paper. TeX restores
local assignments at the closing ``$``, so what a formula must not reach is what outlives
its group: global assignments (``\\global``, ``\\globaldefs``, ``\\gdef``, LaTeX counters),
parameters that are global by nature (``\\fontdimen`` - the word spaces of every later
paragraph -, ``\\hyphenchar``, ``\\skewchar``, ``\\mag``, ``\\hyphenation``, ``\\patterns``,
``\\interactionmode``, the page registers), new fonts and commands (``\\font\\x``), hooks
(``\\AtEndDocument``, ``\\AddToHook``, ``\\everypar``), the .aux/.toc/.idx files and the PDF
(``\\label`` can take over a label of the paper, ``\\write``, ``\\special``, links, form
fields), files and programs (``\\input``, ``\\openin``, ``\\write18``), and commands built
from strings (``\\csname``, ``\\UseName``, ``\\expandafter``, ``^^``, ``\\string`` and
``\\detokenize`` tricks). TeX has several hundred primitives and every package adds commands
(``\\pgfkeys`` handlers run code, ``\\patchcmd`` rewrites macros), so a denylist is never
complete: an audit found ``\\fontdimen``, ``\\globaldefs``, ``\\mag``, ``\\font`` and
``\\hyphenation`` passing the old one. The allowlist holds only commands whose whole effect
is typesetting inside the formula: symbols, Greek, operators, ``\\frac``, accents, fonts
(``\\mathbb``, ``\\boldsymbol``), ``\\text``, spacing, delimiters, ``\\operatorname``,
``\\left``/``\\right`` and the math environments. Since catcodes in the document body are the
standard ones, a control word is exactly ``\\`` plus ASCII letters and nothing else can build
one (``^^`` is refused), so scanning the formula sees every command it can run.
The denylist is kept in front of it: a denied name is an error (the note looks hostile
and the build stops), an unknown one a warning (a preamble macro, say ``\\R``: the formula
is written as text; pass ``math_macros`` to allow it). A user macro is trusted like the
preamble that defines it, but a denied name stays denied. ``\\cite`` and ``\\footnote``
are refused in math (citations must go through matching and the citation style;
footnotes break in math) and ``\\ref``/``\\eqref``/``\\pageref`` need a plain label key.
"""

from __future__ import annotations

import inspect
import re
import sys
import unicodedata
from collections.abc import Callable, Collection, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, ClassVar
from urllib.parse import quote

from .ids import is_valid_key, strip_key_punctuation
from .model import Problem, Severity, Source

if TYPE_CHECKING:
    from markdown_it import MarkdownIt
    from markdown_it.token import Token
    from markdown_it.utils import EnvType, OptionsDict

__all__ = [
    "Cite",
    "ENGINES",
    "Latex",
    "LatexRenderer",
    "LatexText",
    "MATH_COMMANDS",
    "MATH_ENVIRONMENTS",
    "MAX_MATH_NESTING",
    "MATH_SYMBOLS",
    "MathCheck",
    "TEXT_SYMBOLS",
    "check_math",
    "escape_latex",
    "escape_url",
    "is_trusted",
    "md_inline_to_latex",
    "md_to_latex",
]

ENGINES = ("pdflatex", "xelatex", "lualatex")

#: ``cite(keys, mode)`` or ``cite(keys, mode, prenote, postnote)`` -> LaTeX (trusted).
#: ``mode`` is ``"p"`` (bracketed, parenthetical) or ``"t"`` (bare ``@key``, narrative).
#: Notes (escaped ``Latex``) are passed only when present, and only to callbacks that take
#: them (4 positional parameters or ``*args``: positionally; ``prenote``/``postnote``
#: keyword-only or ``**kwargs``: by keyword); otherwise they are written around the result.
Cite = Callable[..., str]


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


@dataclass
class LatexText:
    """Rendered LaTeX, the note line of every output line, and the problems found.

    ``text`` is a ``Latex`` (trusted) when made by this module; a plain ``str`` given to
    the constructor stays plain (constructing a LatexText never vouches for its text).
    """

    text: str
    lines: list[Source] = field(default_factory=list)
    problems: list[Problem] = field(default_factory=list)


# --------------------------------------------------------------------------- escaping

_ASCII_SPECIALS: dict[str, str] = {
    "\\": r"\textbackslash{}",
    "{": r"\{",
    "}": r"\}",
    "$": r"\$",
    "&": r"\&",
    "#": r"\#",
    "^": r"\^{}",
    "_": r"\_",
    "~": r"\textasciitilde{}",
    "%": r"\%",
    "<": r"\textless{}",
    ">": r"\textgreater{}",
    "|": r"\textbar{}",
    "`": r"\textasciigrave{}",
}
# OT1 (the default font encoding) has no straight double quote; borrow it from T1.
_QUOTEDBL = {"pdflatex": r"\UseTextSymbol{T1}{\textquotedbl}", "other": r"\textquotedbl{}"}
_T1 = r"\UseTextSymbol{T1}"

#: Unicode -> math-mode LaTeX (written as ``$...$`` in text). Base LaTeX only, no amssymb.
MATH_SYMBOLS: dict[str, str] = {
    "≤": r"\leq", "≥": r"\geq", "≠": r"\neq", "≈": r"\approx", "≡": r"\equiv",
    "∼": r"\sim", "≃": r"\simeq", "≅": r"\cong", "∝": r"\propto", "∞": r"\infty",
    "∈": r"\in", "∉": r"\notin", "∋": r"\ni", "⊂": r"\subset", "⊆": r"\subseteq",
    "⊃": r"\supset", "⊇": r"\supseteq", "∪": r"\cup", "∩": r"\cap", "∅": r"\emptyset",
    "∀": r"\forall", "∃": r"\exists", "∇": r"\nabla", "∂": r"\partial", "∑": r"\sum",
    "∏": r"\prod", "∫": r"\int", "∮": r"\oint", "√": r"\surd", "∘": r"\circ",
    "⊕": r"\oplus", "⊗": r"\otimes", "⊙": r"\odot", "‖": r"\|", "∧": r"\wedge",
    "∨": r"\vee", "≪": r"\ll", "≫": r"\gg", "⋅": r"\cdot", "∗": r"\ast", "∓": r"\mp",
    "→": r"\rightarrow", "←": r"\leftarrow", "↔": r"\leftrightarrow", "⇒": r"\Rightarrow",
    "⇐": r"\Leftarrow", "⇔": r"\Leftrightarrow", "↦": r"\mapsto", "↑": r"\uparrow",
    "↓": r"\downarrow", "⟶": r"\longrightarrow", "⟹": r"\Longrightarrow",
    "⟵": r"\longleftarrow", "⟷": r"\longleftrightarrow", "∣": r"\mid", "⊥": r"\perp",
    "∥": r"\parallel", "≺": r"\prec", "≻": r"\succ", "⪯": r"\preceq", "⪰": r"\succeq",
    "∖": r"\setminus", "⌈": r"\lceil", "⌉": r"\rceil", "⌊": r"\lfloor", "⌋": r"\rfloor",
    "⟨": r"\langle", "⟩": r"\rangle", "ℓ": r"\ell", "ℏ": r"\hbar", "ℑ": r"\Im",
    "ℜ": r"\Re", "ℵ": r"\aleph", "℘": r"\wp", "⊤": r"\top", "⊢": r"\vdash",
    "⊨": r"\models", "⋯": r"\cdots", "⋮": r"\vdots", "⋱": r"\ddots", "∠": r"\angle",
    "△": r"\triangle", "∙": r"\bullet", "÷": r"\div", "′": r"\prime", "″": r"\prime\prime",
    "ℕ": r"\mathbf{N}", "ℤ": r"\mathbf{Z}", "ℚ": r"\mathbf{Q}", "ℝ": r"\mathbf{R}",
    "ℂ": r"\mathbf{C}", "⊓": r"\sqcap", "⊔": r"\sqcup", "∐": r"\coprod", "⋆": r"\star",
    "≍": r"\asymp", "≐": r"\doteq", "⊑": r"\sqsubseteq",
    "α": r"\alpha", "β": r"\beta", "γ": r"\gamma", "δ": r"\delta", "ε": r"\varepsilon",
    "ϵ": r"\epsilon", "ζ": r"\zeta", "η": r"\eta", "θ": r"\theta", "ϑ": r"\vartheta",
    "ι": r"\iota", "κ": r"\kappa", "λ": r"\lambda", "μ": r"\mu", "ν": r"\nu", "ξ": r"\xi",
    "ο": r"o", "π": r"\pi", "ϖ": r"\varpi", "ρ": r"\rho", "ϱ": r"\varrho", "σ": r"\sigma",
    "ς": r"\varsigma", "τ": r"\tau", "υ": r"\upsilon", "φ": r"\varphi", "ϕ": r"\phi",
    "χ": r"\chi", "ψ": r"\psi", "ω": r"\omega", "Γ": r"\Gamma", "Δ": r"\Delta",
    "Θ": r"\Theta", "Λ": r"\Lambda", "Ξ": r"\Xi", "Π": r"\Pi", "Σ": r"\Sigma",
    "Υ": r"\Upsilon", "Φ": r"\Phi", "Ψ": r"\Psi", "Ω": r"\Omega", "Α": r"\mathrm{A}",
    "Β": r"\mathrm{B}", "Ε": r"\mathrm{E}", "Ζ": r"\mathrm{Z}", "Η": r"\mathrm{H}",
    "Ι": r"\mathrm{I}", "Κ": r"\mathrm{K}", "Μ": r"\mathrm{M}", "Ν": r"\mathrm{N}",
    "Ο": r"\mathrm{O}", "Ρ": r"\mathrm{P}", "Τ": r"\mathrm{T}", "Χ": r"\mathrm{X}",
    "₀": r"_{0}", "₁": r"_{1}", "₂": r"_{2}", "₃": r"_{3}", "₄": r"_{4}", "₅": r"_{5}",
    "₆": r"_{6}", "₇": r"_{7}", "₈": r"_{8}", "₉": r"_{9}", "⁰": r"^{0}", "⁴": r"^{4}",
    "⁵": r"^{5}", "⁶": r"^{6}", "⁷": r"^{7}", "⁸": r"^{8}", "⁹": r"^{9}", "ⁿ": r"^{n}",
    "ⁱ": r"^{i}", "⁺": r"^{+}", "⁻": r"^{-}", "₊": r"_{+}", "₋": r"_{-}",
    # also in TEXT_SYMBOLS (which wins in text); these are their forms inside math
    "¹": r"^{1}", "²": r"^{2}", "³": r"^{3}", "×": r"\times", "±": r"\pm", "·": r"\cdot",
    "°": r"^{\circ}", "¬": r"\neg", "µ": r"\mu", "†": r"\dagger", "‡": r"\ddagger",
    "•": r"\bullet", "…": r"\dots", "−": "-", "–": "-", "—": "-", "§": r"\S", "¶": r"\P",
}

#: Unicode -> text-mode LaTeX that works with the default OT1 encoding and with T1.
TEXT_SYMBOLS: dict[str, str] = {
    "“": "``", "”": "''", "‘": "`", "’": "'", "‚": _T1 + r"{\quotesinglbase}",
    "„": _T1 + r"{\quotedblbase}", "«": _T1 + r"{\guillemotleft}",
    "»": _T1 + r"{\guillemotright}", "‹": _T1 + r"{\guilsinglleft}",
    "›": _T1 + r"{\guilsinglright}", "–": "--", "—": "---", "―": "---", "‒": "--",
    "‐": "-", "‑": "-", "−": r"\textminus{}", "…": r"\dots{}", "•": r"\textbullet{}",
    "·": r"\textperiodcentered{}", "°": r"\textdegree{}", "©": r"\textcopyright{}",
    "®": r"\textregistered{}", "™": r"\texttrademark{}", "§": r"\S{}", "¶": r"\P{}",
    "€": r"\texteuro{}", "£": r"\pounds{}", "¥": r"\textyen{}", "¢": r"\textcent{}",
    "¤": r"\textcurrency{}", "¡": r"\textexclamdown{}", "¿": r"\textquestiondown{}",
    "¦": r"\textbrokenbar{}", "¬": r"\textlnot{}", "ª": r"\textordfeminine{}",
    "º": r"\textordmasculine{}", "¹": r"\textonesuperior{}", "²": r"\texttwosuperior{}",
    "³": r"\textthreesuperior{}", "¼": r"\textonequarter{}", "½": r"\textonehalf{}",
    "¾": r"\textthreequarters{}", "×": r"\texttimes{}", "±": r"\textpm{}",
    "µ": r"\textmu{}", "‰": r"\textperthousand{}", "†": r"\textdagger{}",
    "‡": r"\textdaggerdbl{}", "№": r"\textnumero{}", "ß": r"\ss{}", "æ": r"\ae{}",
    "Æ": r"\AE{}", "œ": r"\oe{}", "Œ": r"\OE{}", "ø": r"\o{}", "Ø": r"\O{}", "ł": r"\l{}",
    "Ł": r"\L{}", "ı": r"\i{}", "ȷ": r"\j{}", "đ": _T1 + r"{\dj}", "Đ": _T1 + r"{\DJ}",
    "ð": _T1 + r"{\dh}", "Ð": _T1 + r"{\DH}", "þ": _T1 + r"{\th}", "Þ": _T1 + r"{\TH}",
    "ŋ": _T1 + r"{\ng}", "Ŋ": _T1 + r"{\NG}", "ſ": "s", "⁄": "/", "\u00a0": "~",
    "\u202f": r"\,", "\u2009": r"\,", "\u200a": r"\,", "\u2002": " ", "\u2003": " ",
    "\u2004": " ", "\u2005": " ", "\u2006": " ", "\u2007": " ", "\u2008": " ",
    "\u2028": " ", "\u2029": " ", "\u3000": " ", "\u00ad": r"\-", "¨": r"\textasciidieresis{}",
    "´": r"\textasciiacute{}", "¸": r"\c{}", "ŉ": "'n", "¯": r"\textasciimacron{}",
    "\u2423": r"\textvisiblespace{}",
}

#: Combining mark -> LaTeX accent command (applied to the base letter).
_ACCENTS: dict[str, str] = {
    "\u0300": "\\`", "\u0301": "\\'", "\u0302": "\\^", "\u0303": "\\~", "\u0304": "\\=",
    "\u0306": "\\u", "\u0307": "\\.", "\u0308": '\\"', "\u030a": "\\r", "\u030b": "\\H",
    "\u030c": "\\v", "\u0323": "\\d", "\u0327": "\\c", "\u0331": "\\b",
    "\u0326": "\\textcommabelow", "\u0328": "\\UseTextAccent{T1}{\\k}",
}
# Marks placed above the letter: on i and j they need the dotless forms.
_ABOVE = {"\u0300", "\u0301", "\u0302", "\u0303", "\u0304", "\u0306", "\u0307", "\u0308",
          "\u030a", "\u030b", "\u030c"}
# Punctuation Latin Modern lacks: written as LaTeX for xelatex/lualatex too.
_NOT_IN_LATIN_MODERN = frozenset("\u2015\u2012\u0149")  # horizontal bar, figure dash, ŉ
# Invisible characters dropped without a warning (joiners, variation selectors, BOM).
_SILENT_DROP = {"\u200b", "\u200c", "\u200d", "\u2060", "\ufeff", "\ufe0e", "\ufe0f"}
_ZERO_WIDTH_CATS = {"Cf", "Mn", "Me"}


def _is_emoji(ch: str) -> bool:
    cp = ord(ch)
    return (0x1F000 <= cp <= 0x1FAFF or 0x2600 <= cp <= 0x27BF or 0x2B00 <= cp <= 0x2BFF
            or 0xE0000 <= cp <= 0xE007F or 0x1F1E6 <= cp <= 0x1F1FF)


@dataclass
class _CharIssue:
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
    if not marks or not all(m in _ACCENTS for m in marks):
        return None
    if base.isascii() and base.isalpha():
        body = base
    elif base in TEXT_SYMBOLS and TEXT_SYMBOLS[base].endswith("{}"):
        body = TEXT_SYMBOLS[base][:-2]
    else:
        return None
    if body in ("i", "j") and marks[0] in _ABOVE:
        body = "\\" + body
    for mark in marks:
        body = f"{_ACCENTS[mark]}{{{body}}}"
    return body


def _text_char(ch: str, engine: str, issues: list[_CharIssue]) -> str:
    """Text-mode LaTeX for one non-ASCII (or control) character."""
    cat = unicodedata.category(ch)
    if ch in _SILENT_DROP:
        return ""
    if cat == "Cc":
        return " " if ch in "\t\r\x0b\x0c" else ""  # control characters: TeX rejects most
    if ch == "\ufffd":  # the replacement character: the note had a broken or NUL byte
        issues.append(_CharIssue(ch, "invalid character (U+FFFD) written as '?'",
                                 "re-save the note as UTF-8", "latex-unicode"))
        return "?"  # lualatex rejects U+FFFD in its input
    if engine != "pdflatex":
        if cat == "Cs":
            issues.append(_CharIssue(ch, f"invalid character U+{ord(ch):04X} dropped",
                                     "re-save the note as UTF-8", "latex-unicode"))
            return ""
        if ch in MATH_SYMBOLS and ch not in TEXT_SYMBOLS:
            # math-only symbols (Greek, relations, arrows) are missing from text fonts such
            # as Latin Modern (fontspec's default): typeset them in math, as for pdflatex
            return f"${MATH_SYMBOLS[ch]}$"
        if ch in _NOT_IN_LATIN_MODERN:
            return TEXT_SYMBOLS[ch]
        return ch  # letters of any script: the document's font decides
    if ch in TEXT_SYMBOLS:
        return TEXT_SYMBOLS[ch]
    if ch in MATH_SYMBOLS:
        return f"${MATH_SYMBOLS[ch]}$"
    accented = _accented(ch)
    if accented is not None:
        return accented
    if _is_emoji(ch):
        issues.append(_CharIssue(
            ch, f"emoji {ch!r} (U+{ord(ch):04X}) dropped: pdflatex cannot typeset it",
            "remove it, or build with engine: xelatex/lualatex and an emoji font",
            "latex-emoji"))
        return ""
    if cat in _ZERO_WIDTH_CATS:
        return ""
    folded = unicodedata.normalize("NFKC", ch)
    if folded != ch and all(_plain_or_known(c) for c in folded):
        return _escape(folded, engine, issues)  # NFKC is stable: no deeper recursion
    name = unicodedata.name(ch, f"U+{ord(ch):04X}")
    issues.append(_CharIssue(
        ch, f"character {ch!r} ({name}) has no pdflatex form; written as '?'",
        "replace it with LaTeX in math ($...$), or build with engine: xelatex/lualatex",
        "latex-unicode"))
    return "?"


def _plain_or_known(ch: str) -> bool:
    return (ch.isascii() and ch.isprintable()) or ch in TEXT_SYMBOLS or ch in MATH_SYMBOLS \
        or _accented(ch) is not None


def _math_char(ch: str, engine: str, issues: list[_CharIssue]) -> str:
    """Math-mode LaTeX for one non-ASCII character: symbols become math commands for every
    engine (without unicode-math a raw ``≤`` in math is missing); other characters are
    converted for pdflatex only."""
    if ch in _SILENT_DROP or unicodedata.category(ch) == "Cc":
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


def _escape(text: str, engine: str, issues: list[_CharIssue], *, code: bool = False,
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
        elif ch in _ASCII_SPECIALS:
            rep = _ASCII_SPECIALS[ch]
            out.append(rep)
        elif ch == '"':
            rep = _QUOTEDBL["pdflatex" if engine == "pdflatex" else "other"]
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
        elif (ch in _ACCENTS and engine == "pdflatex" and out and len(out[-1]) == 1
              and out[-1].isascii() and out[-1].isalpha()):
            # a letter followed by a combining mark (x + U+0303): one accented letter
            rep = _accented(unicodedata.normalize("NFC", out.pop() + ch)) or ""
            if not rep:
                rep = f"{_ACCENTS[ch]}{{{text[i - 1]}}}"
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
            if rep.startswith("$") and math_tail and out and out[-1] == math_tail:
                # adjacent symbols share one formula: $\alpha\leq\beta$, not $\alpha$$\leq$...
                glue = " " if out[-1][-2].isalpha() and rep[1].isalpha() else ""
                out[-1] = out[-1][:-1] + glue + rep[1:]
                math_tail = out[-1]
                tail = "$"
                i += 1
                continue
            math_tail = rep if rep.startswith("$") else ""
            out.append(rep)
        if rep:
            tail = rep[-1]
        i += 1
    return "".join(out)


def escape_latex(text: str, engine: str = "pdflatex") -> str:
    """Plain text -> LaTeX that typesets the same characters and runs no command.

    Every TeX special is escaped; for pdflatex, Unicode is converted (unknown characters
    become '?'); blank lines are collapsed so the result is safe inside macro arguments.
    """
    _check_engine(engine)
    text = re.sub(r"\r\n?", "\n", text)
    text = re.sub(r"\n[ \t]*(?=\n)", "", text)  # blank line = \par, not allowed in arguments
    return Latex(_escape(text, engine, []))


def _check_engine(engine: str) -> None:
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


# ------------------------------------------------------------------------------ math

# Control words refused as hostile (error): they touch files or the shell, change catcodes,
# define or build commands, or change state that outlives the formula's group (TeX restores
# local assignments at the closing $; these are global by nature, or write to the .aux/PDF).
_DENY_EXACT = frozenset("""
input include includeonly openin openout closein closeout write immediate read readline
catcode def edef gdef xdef let futurelet csname endcsname newcommand renewcommand
providecommand usepackage requirepackage documentclass loadclass special directlua latelua
loop repeat expandafter uppercase lowercase makeuppercase makelowercase afterassignment
aftergroup makeatletter makeatother scantokens endinput global long outer protected
shipout output dump stop bye par errmessage errhelp primitive begingroup endgroup bgroup
egroup fi else or unless verb setcounter addtocounter stepcounter refstepcounter setlength
addtolength advance multiply divide count dimen skip toks muskip endlinechar newlinechar
escapechar jobname vadjust insert mark message typeout wlog end begin
href url nolinkurl
globaldefs fontdimen font mag hyphenation patterns hyphenchar skewchar setbox box copy
unhbox unvbox unhcopy unvcopy lastbox vsplit wd ht dp the number romannumeral noexpand
unexpanded detokenize string meaning fontname interactionmode deadcycles insertpenalties
prevgraf spacefactor prevdepth pagegoal pagetotal pagestretch pagefilstretch
pagefillstretch pagefilllstretch pageshrink pagedepth holdinginserts outputpenalty
maxdeadcycles language setlanguage selectlanguage uchyph lefthyphenmin righthyphenmin
savinghyphcodes pagenumbering pagestyle thispagestyle enlargethispage usename expandargs
usetikzlibrary pgfkeys pgfset tikzset acrobatmenu textfield pushbutton checkbox choicemenu
reset submit form endform bibliography bibliographystyle nocite index glossary
markboth markright addcontentsline addtocontents appto gappto preto gpreto csuse cslet
csletcs letcs xappto eappto xpreto epreto patchcmd apptocmd pretocmd xpatchcmd usehook expanded
""".split())  # links in math would bypass the check on Markdown links (run: starts programs)
_DENY_PREFIX = ("new", "renew", "provide", "declare", "pdf", "xetex", "luatex", "show",
                "every", "after", "open", "close", "make", "verb", "tracing", "hyper", "mint",
                "py", "sage", "tikz", "epsf", "psfig", "ucharcat", "lua", "pgf", "expl",
                "atbegin", "atend", "addto", "global")
_DENY_SUBSTR = ("input", "include", "file", "write", "directlua", "latelua", "shell",
                "csname", "catcode", "package", "expandafter", "scantokens", "special",
                "patch", "expand", "token", "register", "execute")
_DENY_SUFFIX = ("def", "code", "mode")

#: Control words passed through in math: base LaTeX, amsmath, amssymb/amsfonts, mathtools,
#: bm and the common physics-package names. Anything else (a package or user macro, a TeX
#: primitive) is not written: see the module docstring for why an allowlist.
MATH_COMMANDS = frozenset("""
alpha beta gamma delta epsilon varepsilon zeta eta theta vartheta iota kappa varkappa lambda
mu nu xi omicron pi varpi rho varrho sigma varsigma tau upsilon phi varphi chi psi omega
digamma Gamma Delta Theta Lambda Xi Pi Sigma Upsilon Phi Psi Omega varGamma varDelta
varTheta varLambda varXi varPi varSigma varUpsilon varPhi varPsi varOmega
aleph beth gimel daleth hbar hslash imath jmath ell wp Re Im partial infty nabla surd top
bot emptyset varnothing forall exists nexists neg lnot flat natural sharp prime backprime
angle measuredangle sphericalangle triangle triangledown vartriangle square blacksquare
Box Diamond lozenge blacklozenge bigstar blacktriangle blacktriangledown clubsuit
diamondsuit heartsuit spadesuit mho eth complement Finv Game Bbbk circledS checkmark
maltese yen circledR dagger ddagger S P mathsection mathparagraph mathdollar mathsterling
mathunderscore mathellipsis
pm mp times div ast star circ bullet cdot cdotp ldotp cap cup uplus sqcap sqcup vee wedge
land lor setminus smallsetminus wr diamond bigtriangleup bigtriangledown triangleleft
triangleright lhd rhd unlhd unrhd oplus ominus otimes oslash odot bigcirc amalg intercal
dotplus ltimes rtimes leftthreetimes rightthreetimes curlyvee curlywedge barwedge veebar
doublebarwedge boxplus boxminus boxtimes boxdot circleddash circledast circledcirc
centerdot divideontimes Cap Cup
sum prod coprod int oint iint iiint iiiint idotsint intop ointop smallint bigcap bigcup
bigodot bigoplus bigotimes bigsqcup biguplus bigvee bigwedge
leq le geq ge neq ne equiv sim simeq approx cong doteq doteqdot propto models perp mid
parallel nmid nparallel asymp bowtie Join smile frown smallsmile smallfrown in ni notin owns
subset supset subseteq supseteq subsetneq supsetneq subseteqq supseteqq subsetneqq
supsetneqq varsubsetneq varsupsetneq varsubsetneqq varsupsetneqq Subset Supset sqsubset
sqsupset sqsubseteq sqsupseteq prec succ preceq succeq ll gg lll ggg vdash dashv Vdash
vDash Vvdash nvdash nvDash nVdash nVDash leqq geqq leqslant geqslant eqslantless
eqslantgtr lesssim gtrsim lessapprox gtrapprox lessdot gtrdot lessgtr gtrless lesseqgtr
gtreqless lesseqqgtr gtreqqless approxeq thickapprox thicksim backsim backsimeq eqsim
bumpeq Bumpeq circeq eqcirc triangleq fallingdotseq risingdotseq preccurlyeq succcurlyeq
curlyeqprec curlyeqsucc precsim succsim precapprox succapprox vartriangleleft
vartriangleright trianglelefteq trianglerighteq therefore because between pitchfork
backepsilon shortmid shortparallel nshortmid nshortparallel varpropto nless ngtr nleq ngeq
nleqq ngeqq nleqslant ngeqslant lneq gneq lneqq gneqq lvertneqq gvertneqq lnsim gnsim
lnapprox gnapprox nprec nsucc npreceq nsucceq precneqq succneqq precnsim succnsim
precnapprox succnapprox nsim ncong nsubseteq nsupseteq nsubseteqq nsupseteqq
ntriangleleft ntriangleright ntrianglelefteq ntrianglerighteq coloneqq Coloneqq coloneq
Coloneq eqqcolon Eqqcolon eqcolon vcentcolon colon
leftarrow rightarrow gets to leftrightarrow Leftarrow Rightarrow Leftrightarrow
longleftarrow longrightarrow longleftrightarrow Longleftarrow Longrightarrow
Longleftrightarrow mapsto longmapsto hookleftarrow hookrightarrow leftharpoonup
leftharpoondown rightharpoonup rightharpoondown rightleftharpoons leftrightharpoons
uparrow downarrow updownarrow Uparrow Downarrow Updownarrow nearrow searrow swarrow nwarrow
iff implies impliedby leadsto leftleftarrows rightrightarrows leftrightarrows
rightleftarrows Lleftarrow Rrightarrow twoheadleftarrow twoheadrightarrow leftarrowtail
rightarrowtail looparrowleft looparrowright curvearrowleft curvearrowright
circlearrowleft circlearrowright Lsh Rsh upuparrows downdownarrows upharpoonleft
upharpoonright downharpoonleft downharpoonright multimap rightsquigarrow
leftrightsquigarrow nleftarrow nrightarrow nLeftarrow nRightarrow nleftrightarrow
nLeftrightarrow
xrightarrow xleftarrow xleftrightarrow xRightarrow xLeftarrow xLeftrightarrow
xhookrightarrow xhookleftarrow xmapsto
lbrace rbrace lbrack rbrack langle rangle lceil rceil lfloor rfloor lvert rvert lVert rVert
vert Vert backslash lgroup rgroup lmoustache rmoustache arrowvert Arrowvert bracevert
ulcorner urcorner llcorner lrcorner
left right middle big Big bigg Bigg bigl bigr Bigl Bigr biggl biggr Biggl Biggr bigm Bigm
biggm Biggm
dots ldots cdots vdots ddots dotsc dotsb dotsm dotsi dotso
arccos arcsin arctan arg cos cosh cot coth csc deg det dim exp gcd hom inf ker lg lim
liminf limsup ln log max min Pr sec sin sinh sup tan tanh injlim projlim varliminf
varlimsup varinjlim varprojlim mod bmod pmod pod
frac dfrac tfrac cfrac genfrac binom dbinom tbinom sqrt leftroot uproot over atop choose
above overwithdelims atopwithdelims abovewithdelims splitfrac splitdfrac
hat widehat check tilde widetilde acute grave dot ddot dddot ddddot breve bar vec mathring
overline underline overbrace underbrace overrightarrow overleftarrow overleftrightarrow
underrightarrow underleftarrow underleftrightarrow overbracket underbracket stackrel
overset underset sideset substack prescript boxed not
mathop mathbin mathrel mathord mathopen mathclose mathpunct mathinner operatorname
operatornamewithlimits limits nolimits displaylimits adjustlimits
displaystyle textstyle scriptstyle scriptscriptstyle cramped
mathrm mathit mathbf mathsf mathtt mathcal mathbb mathfrak mathscr mathnormal
boldsymbol bm pmb text textrm textit textbf textsf texttt textup textsl textsc textnormal
textmd emph mbox
quad qquad enspace thinspace medspace thickspace negthinspace negmedspace
negthickspace hspace hskip mskip mkern kern phantom hphantom vphantom smash mathstrut
mathclap mathllap mathrlap allowbreak nobreak notag nonumber relax
abs norm qty pqty bqty Bqty vqty dv pdv fdv dd grad curl divergence laplacian bra ket braket
ketbra expval mel evaluated eval order tr Tr rank erf Res vb va vu mqty pmqty bmqty vmqty
comm acomm
ref eqref pageref
""".split())

#: Commands with a label key argument that math may use (the key is checked like a cite key).
_KEY_COMMANDS = frozenset({"ref", "eqref", "pageref"})
#: Commands refused in math with a specific reason (warning: not hostile, but not exported).
_REFUSED: dict[str, tuple[str, str]] = {
    "label": ("equations in notes are not numbered, and a label from a note could take over "
              "a label of your paper", "remove the \\label"),
    "footnote": ("a footnote inside math is lost or breaks the formula",
                 "put a Markdown footnote ^[...] after the formula"),
    "cite": ("citations inside math are not matched against your bibliography",
             "move the citation out of the formula: $...$ [@key]"),
}
_CITE_NAMES = ("cite", "citep", "citet", "citealp", "citealt", "citeauthor", "citeyear",
               "parencite", "textcite", "autocite", "footcite", "nocite", "Cite", "Citet",
               "Citep", "Textcite", "Parencite", "Autocite", "fullcite", "footfullcite")
_FOOTNOTE_NAMES = ("footnote", "footnotemark", "footnotetext", "marginpar", "thanks")
#: Deepest brace nesting passed through (TeX stops at 255 grouping levels, the paper with it).
MAX_MATH_NESTING = 50
_DENIED_HINT = ("relwork refuses file, shell, catcode, definition and global-state commands "
                "in notes; define macros and settings in your preamble instead")
#: Environments allowed inside math (base LaTeX and amsmath).
MATH_ENVIRONMENTS = frozenset("""
array matrix pmatrix bmatrix Bmatrix vmatrix Vmatrix smallmatrix cases aligned alignedat
gathered split subarray dcases rcases
""".split())


def _denied(name: str) -> bool:
    low = name.lower()  # TeX is case-sensitive; lower case also catches \Input-style relatives
    if low in _DENY_EXACT and name not in ("begin", "end", "Box"):  # \Box: amssymb square
        return True
    if low.startswith("if") and low != "iff":
        return True  # conditionals can swallow the rest of the document
    return (low.startswith(_DENY_PREFIX) or low.endswith(_DENY_SUFFIX)
            or any(s in low for s in _DENY_SUBSTR))


@dataclass(frozen=True)
class MathCheck:
    """Why a formula cannot be passed through: ``kind`` is ``unsafe`` (error: refused
    command), ``unsupported`` (a command not on the allowlist) or ``malformed``."""

    kind: str
    message: str
    hint: str


def _unsupported(name: str) -> MathCheck:
    """Why control word ``name`` (not denied, not on the allowlist) is not passed through."""
    if name in _CITE_NAMES:
        reason, hint = _REFUSED["cite"]
    elif name in _FOOTNOTE_NAMES:
        reason, hint = _REFUSED["footnote"]
    elif name in _REFUSED:
        reason, hint = _REFUSED[name]
    else:
        return MathCheck("unsupported", f"math contains \\{name}, which is not a standard "
                         "LaTeX, amsmath or amssymb math command",
                         "write it with standard commands (\\mathbb{R} for a preamble macro "
                         "\\R), or move it out of the note")
    return MathCheck("unsupported", f"math contains \\{name}: {reason}", hint)


def _scan_math(tex: str, macros: Collection[str]) -> MathCheck | None:
    """``check_math`` in one pass: the first problem found, scanning left to right
    (an ``unsupported`` name is remembered and returned only if nothing else is found)."""
    if "^^" in tex:  # checked first: ^^ works even inside a control word (\^^69nput)
        return MathCheck("unsafe", "math contains ^^ (TeX character code notation)",
                         "write ^{...} with a space or braces between the carets")
    body = tex.rstrip()
    if (len(body) - len(body.rstrip("\\"))) % 2:
        # "\" + line break or space, once the formula is trimmed, would escape the closing $
        return MathCheck("malformed", "formula ends with a backslash",
                         "remove the trailing backslash")
    groups: list[int] = [0]  # open \left per brace group
    envs: list[tuple[str, int]] = []
    unsupported: MathCheck | None = None
    i, n = 0, len(tex)
    while i < n:
        ch = tex[i]
        if ch == "\\":
            if i + 1 >= n:
                return MathCheck("malformed", "formula ends with a backslash",
                                 "remove the trailing backslash")
            nxt = tex[i + 1]
            if nxt.isascii() and nxt.isalpha():
                j = i + 1
                while j < n and tex[j].isascii() and tex[j].isalpha():
                    j += 1
                name = tex[i + 1: j]
                if name in ("begin", "end"):
                    m = re.match(r"\s*\{([A-Za-z]+\*?)\}", tex[j:])
                    if not m or m.group(1) not in MATH_ENVIRONMENTS:
                        env = m.group(1) if m else "?"
                        return MathCheck(
                            "unsafe" if env == "document" else "malformed",
                            f"\\{name}{{{env}}} cannot be used inside math",
                            "only matrix/array/cases/aligned-style environments are allowed")
                    if name == "begin":
                        envs.append((m.group(1), len(groups)))
                    elif not envs or envs[-1] != (m.group(1), len(groups)):
                        return MathCheck("malformed", f"\\end{{{m.group(1)}}} without its \\begin",
                                         "balance \\begin and \\end inside the formula")
                    else:
                        envs.pop()
                    i = j + m.end()
                    continue
                if _denied(name):
                    return MathCheck(
                        "unsafe", f"math contains \\{name}, which is not allowed in notes",
                        _DENIED_HINT)
                if name in _KEY_COMMANDS:
                    m = re.match(r"\*?\s*\{([^{}]*)\}", tex[j:])
                    if not m or not _VALID_KEY.fullmatch(m.group(1)):
                        return MathCheck(
                            "malformed", f"\\{name} needs a label key in braces",
                            "label keys may use letters, digits and _ : . - + /")
                    i = j + m.end()
                    continue
                if name not in MATH_COMMANDS and name not in macros:
                    unsupported = unsupported or _unsupported(name)
                if name == "left":
                    groups[-1] += 1
                elif name == "right":
                    groups[-1] -= 1
                    if groups[-1] < 0:
                        return MathCheck("malformed", "\\right without \\left", "add the \\left")
                i = j
                continue
            if nxt == "@":
                return MathCheck("unsafe", "math contains \\@ (internal LaTeX name)",
                                 "remove it; internal macros are not allowed in notes")
            if nxt in "[]()":
                return MathCheck("malformed", f"math contains \\{nxt} inside math",
                                 "write the formula with $...$ or $$...$$ only")
            if not (nxt.isascii() and (nxt.isprintable() or nxt in "\n\t")):
                return MathCheck("malformed", f"backslash before {nxt!r} inside math",
                                 "remove the backslash")
            i += 2
            continue
        if ch in "%#$":
            return MathCheck("malformed", f"unescaped {ch} inside math", f"write \\{ch}")
        if ch == "&" and not envs:
            return MathCheck("malformed", "& outside an aligned environment",
                             "write \\& or use \\begin{aligned}...\\end{aligned}")
        if ch == "{":
            groups.append(0)
            if len(groups) - 1 > MAX_MATH_NESTING:  # TeX's save stack would overflow: no PDF at all
                return MathCheck("malformed", f"formula nested more than {MAX_MATH_NESTING} "
                                 "levels of braces deep", "simplify the formula")
        elif ch == "}":
            if len(groups) == 1:
                return MathCheck("malformed", "unbalanced braces in math (extra })",
                                 "balance { and } inside the formula")
            if groups.pop():
                return MathCheck("malformed", "\\left without \\right in a brace group",
                                 "close every \\left with \\right")
            if envs and envs[-1][1] > len(groups):
                return MathCheck("malformed", f"\\begin{{{envs[-1][0]}}} not closed",
                                 "balance \\begin and \\end")
        i += 1
    if len(groups) > 1:
        return MathCheck("malformed", "unbalanced braces in math (missing })",
                         "balance { and } inside the formula")
    if groups[0]:
        return MathCheck("malformed", "\\left without \\right", "close every \\left with \\right")
    if envs:
        return MathCheck("malformed", f"\\begin{{{envs[-1][0]}}} without \\end",
                         "balance \\begin and \\end")
    return unsupported


_CONTROL_WORD = re.compile(r"\\(?:([A-Za-z]+)|.)", re.S)


def check_math(tex: str, *, macros: Collection[str] = ()) -> MathCheck | None:
    """None if ``tex`` may be passed through as math; else why not (``MathCheck.kind``).

    Control words are scanned as TeX does (a backslash and a maximal run of ASCII letters).
    A denied one (file, shell, catcode, definition or global-state primitive), ``^^`` (which
    can build any character, a backslash too) or ``\\@`` make the formula ``unsafe``; a name
    neither in ``MATH_COMMANDS`` nor in ``macros`` (the user's own preamble macros, without
    backslash) makes it ``unsupported``. ``\\ref``/``\\eqref``/``\\pageref`` need a valid
    label key. Braces, ``\\left``/``\\right`` and ``\\begin``/``\\end`` must balance inside the
    formula (else ``malformed``). ``unsafe`` wins over the other kinds wherever it occurs.
    """
    check = _scan_math(tex, macros)
    if check is None or check.kind == "unsafe":
        return check
    for m in _CONTROL_WORD.finditer(tex):  # a hostile name after the first problem
        name = m.group(1)
        if name is not None and name not in ("begin", "end") and _denied(name):
            return MathCheck("unsafe", f"math contains \\{name}, which is not allowed in notes",
                             _DENIED_HINT)
    if "\\@" in tex.replace("\\\\", ""):
        return MathCheck("unsafe", "math contains \\@ (internal LaTeX name)",
                         "remove it; internal macros are not allowed in notes")
    return check


def _convert_math(tex: str, engine: str, issues: list[_CharIssue]) -> str:
    """Math content with Unicode converted for pdflatex (control chars dropped)."""
    if tex.isascii() and "\t" not in tex and "\r" not in tex:
        return tex
    return "".join(ch if ch.isascii() and (ch.isprintable() or ch == "\n")
                   else _math_char(ch, engine, issues) for ch in tex)


# ------------------------------------------------------------------------- citations

_KEY = r"[A-Za-z0-9_][A-Za-z0-9_:.#$%&\-+?<>~/]*"
_VALID_KEY = re.compile(r"(?=[^A-Za-z0-9]*[A-Za-z0-9])[A-Za-z0-9_][A-Za-z0-9_:.\-+/]*")
_CITE_RE = re.compile(
    r"\[\[@(?P<wiki>" + _KEY + r")\]\]"
    r"|\[(?P<group>[^\[\]]*?-?@" + _KEY + r"[^\[\]]*)\]"
    r"|\\(?P<cmd>cite|citep|citet|parencite|textcite|autocite|citealp|citealt|Citet|Citep"
    r"|Textcite|Parencite|Autocite)\*?(?:\[(?P<opt1>[^\]\n]*)\])?(?:\[(?P<opt2>[^\]\n]*)\])?"
    r"\{(?P<keys>[^{}\n]*)\}"
    r"|(?<![\w@.\\])@(?P<bare>" + _KEY + r")"
)
_GROUP_ITEM = re.compile(r"\s*(?P<pre>.*?)\s*-?@(?P<key>" + _KEY + r")(?P<post>.*)", re.S)
_NARRATIVE_CMDS = {"citet", "textcite", "citealt", "Citet", "Textcite"}


@dataclass
class _Citation:
    keys: list[str]
    mode: str
    prenote: str = ""
    postnote: str = ""
    trailing: str = ""  # text matched by the pattern that is not part of the citation
    dropped_notes: bool = False  # notes between keys, which one \cite cannot hold


def _parse_citation(m: re.Match[str]) -> _Citation | None:
    if m.group("wiki") is not None:
        key, rest = strip_key_punctuation(m.group("wiki"))
        return _Citation([key], "p") if not rest else None
    if m.group("bare") is not None:
        key, rest = strip_key_punctuation(m.group("bare"))
        return _Citation([key], "t", trailing=rest) if key else None
    if m.group("cmd") is not None:
        cmd_keys = [k.strip() for k in m.group("keys").split(",")]
        opt1, opt2 = m.group("opt1"), m.group("opt2")
        pre, post = (opt1 or "", opt2 or "") if opt2 is not None else ("", opt1 or "")
        mode = "t" if m.group("cmd") in _NARRATIVE_CMDS else "p"
        return _Citation(cmd_keys, mode, pre.strip(), post.strip())
    items = m.group("group").split(";")
    parsed = [_GROUP_ITEM.fullmatch(item) for item in items]
    if not all(parsed):
        return None
    keys: list[str] = []
    for p in parsed:
        assert p is not None
        key, post = p.group("key"), p.group("post")
        if post and not post[0].isspace() and post[0] != ",":
            # "@bad}key": the key runs on into characters a key cannot hold
            key += re.match(r"[^\s,]*", post).group(0)  # type: ignore[union-attr]
        keys.append(key)
    first, last = parsed[0], parsed[-1]
    assert first is not None and last is not None
    post = last.group("post").strip()
    post = post[1:].strip() if post.startswith(",") else post
    dropped = any(p.group("pre").strip() for p in parsed[1:] if p) or any(
        p.group("post").strip(" ,") for p in parsed[:-1] if p)
    return _Citation(keys, "p", first.group("pre").strip(), post, dropped_notes=dropped)


def _note_style(cite: Cite) -> str:
    """How ``cite`` takes notes: "pos" (3rd/4th argument or ``*args``), "kw" (keywords
    only), or "" (it takes none: the notes are written around its result)."""
    try:
        params = inspect.signature(cite).parameters
    except (TypeError, ValueError):
        return ""
    kinds = {p.kind for p in params.values()}
    positional = [p for p in params.values()
                  if p.kind in (p.POSITIONAL_ONLY, p.POSITIONAL_OR_KEYWORD)]
    if inspect.Parameter.VAR_POSITIONAL in kinds or len(positional) >= 4:
        return "pos"
    if inspect.Parameter.VAR_KEYWORD in kinds or {"prenote", "postnote"} <= set(params):
        return "kw"
    return ""


# ------------------------------------------------------------------------- rendering

#: Deepest list nesting written as LaTeX lists; one level is left for the template.
MAX_LIST_DEPTH_PER_KIND = 3
MAX_LIST_DEPTH_TOTAL = 5
_ENUM_COUNTERS = ("enumi", "enumii", "enumiii", "enumiv")


# Paragraph breaks that relwork writes itself are \endgraf (the primitive \par under another
# name): a footnote or code block may sit in the argument of \emph, \textbf or a template
# macro, where a \par token or a blank line is an error ("Paragraph ended before ...").


class _Writer:
    """Output lines, each tagged with the 0-based note line that produced it."""

    def __init__(self, line: int = 0) -> None:
        self.lines: list[str] = []
        self.srcs: list[int] = []
        self.cur = ""
        self.cur_src: int | None = None
        self.line = line
        self.item_guard = False  # just wrote \item: a following "[" must not be its option

    def write(self, text: str) -> None:
        for k, part in enumerate(text.split("\n")):
            if k:
                self.newline()
            if not part:
                continue
            if self.item_guard and part.strip():
                if part.lstrip().startswith("["):
                    part = "{}" + part
                self.item_guard = False
            if self.cur_src is None:
                self.cur_src = self.line
            self.cur += part

    def newline(self) -> None:
        self.lines.append(self.cur.rstrip(" ") if self.cur.strip() else "")
        self.srcs.append(self.line if self.cur_src is None else self.cur_src)
        self.cur, self.cur_src = "", None

    def ensure_newline(self) -> None:
        if self.cur:
            self.newline()

    def blank(self, sep: str = "") -> None:
        self.ensure_newline()
        if self.lines and self.lines[-1] not in ("", sep):
            self.lines.append(sep)
            self.srcs.append(self.line)

    def tail(self) -> str:
        if self.cur:
            return self.cur
        return self.lines[-1] if self.lines else ""

    def splice(self, lines: list[str], srcs: list[int]) -> None:
        """Append pre-rendered lines: the first continues the current line."""
        for k, (text, src) in enumerate(zip(lines, srcs, strict=True)):
            if k:
                self.newline()
            if self.cur_src is None:
                self.cur_src = src
            self.cur += text


class _State:
    """Per-call rendering state, kept in ``env`` so the shared parser stays reentrant."""

    def __init__(self, source: Source, engine: str, cite: Cite | None, *, line: int = 0,
                 list_depth: tuple[int, int, int] = (0, 0, 0), footnotes: Any = None,
                 block_sep: str = "") -> None:
        self.source = source
        self.engine = engine
        self.cite = cite
        self.cite_notes = _note_style(cite) if cite is not None else ""
        self.out = _Writer(line)
        self.problems: list[Problem] = []
        self.seen: set[tuple[str, int, str]] = set()
        self.siblings: list[str] = [""]  # per nesting level: "", "hidden" or "block"
        self.lists: list[str] = []  # "itemize", "enumerate", "flat-itemize", "flat-enumerate"
        self.counters: list[int] = []
        self.base_depth = list_depth  # itemize, enumerate, total already open around us
        self.quotes = 0
        self.quote_stack: list[bool] = []  # per open block quote: written as an environment?
        self.link_depth = 0
        self.in_heading = False
        self.heading_notes: list[tuple[list[str], list[int]]] = []
        self.glue_next = False
        self.heading_nested = False
        self.one_line = False  # md_inline_to_latex: the result may go into an argument
        self.has_content = False
        self.footnotes = footnotes  # label -> pre-rendered (lines, srcs)
        self.block_sep = block_sep
        self.macros: frozenset[str] = frozenset()  # user preamble macros allowed in math

    def here(self) -> Source:
        return Source(self.source.path, self.source.line + self.out.line)

    def problem(self, severity: Severity, message: str, hint: str, code: str) -> None:
        key = (code, self.out.line, message)
        if key not in self.seen:
            self.seen.add(key)
            self.problems.append(Problem(severity, message, self.here(), hint, code))

    def issues(self, issues: list[_CharIssue]) -> None:
        for issue in issues:
            self.problem(issue.severity, issue.message, issue.hint, issue.code)

    def text(self, text: str, *, code: bool = False) -> str:
        issues: list[_CharIssue] = []
        result = _escape(text, self.engine, issues, code=code, after=self.out.tail())
        self.issues(issues)
        return result


Rule = Callable[["LatexRenderer", Sequence["Token"], int, Any, Any], Any]


class LatexRenderer:
    """Renders markdown-it tokens to LaTeX with a dict of rules keyed by token type.

    Follows markdown-it-py's ``RendererProtocol``; rules have the usual signature
    ``rule(renderer, tokens, idx, options, env)`` and write to the state in
    ``env["latex"]``; a rule may return the index of the last token it consumed.
    Replace or add rules with ``add_rule``.
    """

    __output__: ClassVar[str] = "latex"

    def __init__(self, parser: Any = None) -> None:
        self.rules: dict[str, Rule] = dict(_RULES)

    def add_rule(self, name: str, rule: Rule) -> None:
        self.rules[name] = rule

    def render(self, tokens: Sequence[Token], options: OptionsDict, env: EnvType) -> str:
        state: _State = env["latex"]
        i = 0
        while i < len(tokens):
            token = tokens[i]
            if token.map is not None and token.block:
                state.out.line = token.map[0]
            rule = self.rules.get(token.type)
            if rule is None:
                if token.children:
                    self.render(token.children, options, env)
                i += 1
                continue
            last = rule(self, tokens, i, options, env)
            i = (last if isinstance(last, int) else i) + 1
        return state.out.tail()


def _st(env: dict[str, Any]) -> _State:
    state: _State = env["latex"]
    return state


def _open_block(state: _State, *, hidden: bool = False) -> None:
    """Separate a block from its previous sibling (blank line, or \\endgraf in footnotes)."""
    previous = state.siblings[-1]
    if state.glue_next:
        state.glue_next = False
        state.out.ensure_newline()
    elif previous == "block" and not hidden:
        state.out.blank(state.block_sep)
    elif previous:
        state.out.ensure_newline()  # tight list text: a nested list just follows it
    state.siblings[-1] = "hidden" if hidden else "block"


def _r_inline(r: LatexRenderer, tokens: Sequence[Token], i: int, o: Any, env: Any) -> None:
    _render_inline(r, tokens[i].children or [], o, env)


def _render_inline(r: LatexRenderer, children: Sequence[Token], o: Any, env: Any) -> None:
    """Inline children: runs of text are joined (citations and URLs can span escapes)."""
    state = _st(env)
    k = 0
    while k < len(children):
        tok = children[k]
        if tok.type in ("text", "text_special"):
            parts: list[tuple[str, bool]] = []
            while k < len(children) and children[k].type in ("text", "text_special"):
                parts.append((children[k].content, children[k].type == "text_special"))
                k += 1
            _write_text(state, parts)
            continue
        rule = r.rules.get(tok.type)
        if rule is not None:
            last = rule(r, children, k, o, env)
            k = (last if isinstance(last, int) else k) + 1
        else:
            if tok.children:
                _render_inline(r, tok.children, o, env)
            k += 1


_WEB_LINK = re.compile(r"(?i)(https?|ftp)://[^\s]|mailto:[^\s]")
_SCHEME = re.compile(r"([A-Za-z][A-Za-z0-9+.\-]*):")
_UNSMART = str.maketrans({"‘": "'", "’": "'", "“": '"', "”": '"'})
_URL_RE = re.compile(r"https?://[^\s<>\"{}|\\^`\[\]]+")


def _write_text(state: _State, parts: list[tuple[str, bool]]) -> None:
    """Write a run of text: citations, bare URLs, unmatched ``$`` warnings, escaping."""
    text = "".join(p for p, _ in parts)
    for content, special in parts:
        # an unescaped $ left in text is a formula that was never closed ($5 is money)
        if not special and re.search(r"\$(?!\d)", content):
            state.problem("warning", "unmatched $: written as a dollar sign, not math",
                          "close the formula with $, or write \\$ for a dollar sign",
                          "latex-dollar")
            break
    if "@" not in text and "\\" not in text:
        _write_plain(state, text)
        return
    last = 0
    for m in _CITE_RE.finditer(text):
        citation = _parse_citation(m) if state.cite is not None else None
        if citation is None:  # no callback, or [text with @ that is no citation]
            continue
        bad = [k for k in citation.keys if not is_valid_key(k)]
        if bad:
            state.problem("warning", f"citation key {bad[0]!r} is not a valid key; kept as text",
                          "keys may use letters, digits and _ : . - + /", "latex-cite-key")
            continue
        if citation.dropped_notes:
            state.problem("info", "notes between citation keys dropped; only the first "
                          "prenote and the last postnote are kept",
                          "split the citation: [see @a, p. 3] [@b, ch. 2]", "latex-cite-notes")
        _write_plain(state, text[last: m.start()])
        _write_cite(state, citation)
        if citation.trailing:
            _write_plain(state, citation.trailing)
        last = m.end()
    _write_plain(state, text[last:])


def _write_plain(state: _State, text: str) -> None:
    if not text:
        return
    if state.link_depth or state.in_heading:  # no \url inside links or moving arguments
        _write_escaped(state, state.text(text))
        return
    last = 0
    for m in _URL_RE.finditer(text):
        # undo smart quotes inside the URL (same length, so positions still match)
        url = m.group(0).translate(_UNSMART)
        trimmed = url.rstrip(".,;:!?'\"*_")
        while trimmed.endswith(")") and trimmed.count(")") > trimmed.count("("):
            trimmed = trimmed[:-1]
        _write_escaped(state, state.text(text[last: m.start()]))
        _write_escaped(state, r"\url{" + escape_url(trimmed) + "}")
        last = m.start() + len(trimmed)
    _write_escaped(state, state.text(text[last:]))


def _write_escaped(state: _State, latex: str) -> None:
    """Write escaped text; visible output lets a following \\newline end a line."""
    if latex.strip():
        state.has_content = True
    state.out.write(latex)


def _write_cite(state: _State, c: _Citation) -> None:
    assert state.cite is not None
    # a ~ in notes is LaTeX's no-break space (p.~3), not a tilde
    pre = Latex(state.text(c.prenote.replace("~", "\u00a0"))) if c.prenote else Latex("")
    post = Latex(state.text(c.postnote.replace("~", "\u00a0"))) if c.postnote else Latex("")
    if (pre or post) and state.cite_notes == "pos":
        result = state.cite(list(c.keys), c.mode, pre, post)
    elif (pre or post) and state.cite_notes == "kw":
        result = state.cite(list(c.keys), c.mode, prenote=pre, postnote=post)
    else:
        result = state.cite(list(c.keys), c.mode)
        if pre:
            result = f"{pre} {result}"
        if post:
            result = f"{result}, {post}"
    _write_escaped(state, str(result))


def _r_softbreak(r: LatexRenderer, tokens: Sequence[Token], i: int, o: Any, env: Any) -> None:
    state = _st(env)
    state.out.line += 1
    if state.in_heading:
        state.out.write(" ")
    else:
        state.out.newline()


def _r_hardbreak(r: LatexRenderer, tokens: Sequence[Token], i: int, o: Any, env: Any) -> None:
    state = _st(env)
    if state.has_content and not state.in_heading:
        state.out.write(r"\newline")  # \newline (not \\): a following [ is no option
    _r_softbreak(r, tokens, i, o, env)


def _wrap(open_: str, close: str) -> tuple[Rule, Rule]:
    def opener(r: LatexRenderer, tokens: Sequence[Token], i: int, o: Any, env: Any) -> None:
        _st(env).out.write(open_)

    def closer(r: LatexRenderer, tokens: Sequence[Token], i: int, o: Any, env: Any) -> None:
        _st(env).out.write(close)

    return opener, closer


def _r_code_inline(r: LatexRenderer, tokens: Sequence[Token], i: int, o: Any, env: Any) -> None:
    state = _st(env)
    state.has_content = True
    state.out.write(r"\texttt{" + state.text(tokens[i].content, code=True) + "}")


def _math_or_text(state: _State, content: str) -> str | None:
    """Checked math content, or None after reporting it (then it is written as text)."""
    check = check_math(content, macros=state.macros)
    if check is None:
        issues: list[_CharIssue] = []
        converted = _convert_math(content, state.engine, issues)
        # x^ⁱ would become x^^{i}; a dropped mark can leave \
        check = check_math(converted, macros=state.macros)
        if check is None:
            state.issues(issues)
            return converted
        if check.kind == "unsafe":  # only conversion made it so: the note is not hostile
            check = MathCheck("malformed", "a Unicode superscript follows ^",
                              "write x^{i} instead of x^ⁱ")
    severity: Severity = "error" if check.kind == "unsafe" else "warning"
    state.problem(severity, f"{check.message}; the formula is written as text", check.hint,
                  f"latex-math-{check.kind}")
    return None


def _write_lines(state: _State, text: str) -> None:
    """Write text that may span note lines, advancing the note line at each newline."""
    for k, part in enumerate(text.split("\n")):
        if k:
            state.out.line += 1
            state.out.newline()
        state.out.write(part)


def _r_math_inline(r: LatexRenderer, tokens: Sequence[Token], i: int, o: Any, env: Any) -> None:
    state = _st(env)
    state.has_content = True
    tok = tokens[i]
    display = tok.type == "math_inline_double"
    math = _math_or_text(state, tok.content)
    if math is None:
        _write_lines(state, state.text(tok.markup + tok.content + tok.markup))
        return
    math = math.strip()
    opener, closer = ("$", "$")
    if display:
        # \[...\] cannot sit in a heading, a link text or a one-line (argument) context
        boxed = state.one_line or state.in_heading or state.heading_nested or state.link_depth
        opener, closer = (r"$\displaystyle ", "$") if boxed else (r"\[", r"\]")
    _write_lines(state, opener + math + closer)


def _r_math_block(r: LatexRenderer, tokens: Sequence[Token], i: int, o: Any, env: Any) -> None:
    state = _st(env)
    tok = tokens[i]
    _open_block(state)
    assert tok.map is not None
    content = tok.content
    math = _math_or_text(state, content)
    if tok.type == "math_block_label":
        state.problem("info", f"equation label ({tok.info}) ignored",
                      "labels in notes are not exported", "latex-math-label")
    # $$ alone on the first line: the formula starts on the next note line
    starts_next = content.startswith("\n")
    body = content[1:] if starts_next else content
    body = body[:-1] if body.endswith("\n") else body
    state.out.ensure_newline()
    if math is None:  # written as text, line by line (no blank line: it may be in a footnote)
        state.out.write(state.text("$$"))
        if starts_next:
            state.out.line += 1
        for k, line in enumerate(body.split("\n")):
            if k:
                state.out.line += 1
            if line.strip():
                state.out.newline()
                state.out.write(state.text(line.strip()))
        state.out.write(state.text("$$"))
        state.out.newline()
        state.has_content = True
        return
    converted = _convert_math(body, state.engine, [])
    state.out.write(r"\[")
    state.out.newline()
    if starts_next:
        state.out.line += 1
    for k, line in enumerate(converted.split("\n")):
        if k:
            state.out.line += 1
        if line.strip():  # a blank line inside \[...\] is a \par: an error
            state.out.write(line.strip())
            state.out.newline()
    state.out.line = tok.map[1] - 1
    state.out.write(r"\]")
    state.out.newline()


def _r_paragraph_open(r: LatexRenderer, tokens: Sequence[Token], i: int, o: Any,
                      env: Any) -> None:
    state = _st(env)
    _open_block(state, hidden=tokens[i].hidden)
    if not tokens[i].hidden:
        state.has_content = False


def _r_paragraph_close(r: LatexRenderer, tokens: Sequence[Token], i: int, o: Any,
                       env: Any) -> None:
    state = _st(env)
    if not tokens[i].hidden:
        state.out.ensure_newline()


def _r_heading_open(r: LatexRenderer, tokens: Sequence[Token], i: int, o: Any, env: Any) -> None:
    state = _st(env)
    _open_block(state)
    if state.out.cur.strip() != r"\item":
        state.out.ensure_newline()
    # \paragraph right after \item, in a quote or in a footnote is a LaTeX error
    state.heading_nested = bool(state.lists or state.quotes or state.block_sep)
    if state.heading_nested:
        state.out.write(r"\textbf{")
        return
    state.in_heading = True
    state.out.write(r"\paragraph{")


def _r_heading_close(r: LatexRenderer, tokens: Sequence[Token], i: int, o: Any,
                     env: Any) -> None:
    state = _st(env)
    state.in_heading = False
    state.out.cur = state.out.cur.rstrip(" ")
    if state.heading_nested:
        state.out.write("}")
        state.out.newline()
        state.heading_nested = False
        state.has_content = True
        return
    # A run-in \paragraph is typeset (and written to the .toc) when the next paragraph
    # starts; \leavevmode starts it here, in plain context (inside \url the heading's \%
    # would reach the .toc as a bare %), and also when no text follows the heading.
    state.out.write(r"}\leavevmode")
    state.out.newline()
    for lines, srcs in state.heading_notes:
        state.out.write(r"\footnote{")
        state.out.splice(lines, srcs)
        state.out.write("}")
        state.out.newline()
    state.heading_notes = []
    following = tokens[i + 1].type if i + 1 < len(tokens) else ""
    # the text after the heading continues its paragraph (a blank line would end it)
    state.glue_next = following == "paragraph_open"
    state.has_content = False


def _list_open(kind: str) -> Rule:
    def rule(r: LatexRenderer, tokens: Sequence[Token], i: int, o: Any, env: Any) -> None:
        state = _st(env)
        _open_block(state)
        state.out.ensure_newline()
        b_item, b_enum, _ = state.base_depth
        same = sum(1 for k in state.lists if k == kind) + (b_item if kind == "itemize" else b_enum)
        total = _list_depth(state)
        flat = bool(state.lists and state.lists[-1].startswith("flat"))
        if flat or same >= MAX_LIST_DEPTH_PER_KIND or total >= MAX_LIST_DEPTH_TOTAL:
            if not flat:
                state.problem("warning", "list nested too deeply for LaTeX; deeper items are "
                              "written as paragraphs", "use at most 3 levels of nested lists",
                              "latex-list-depth")
            state.lists.append("flat-" + kind)
        else:
            state.lists.append(kind)
            state.out.write(f"\\begin{{{kind}}}")
            state.out.newline()
            start = tokens[i].attrGet("start") if kind == "enumerate" else None
            if start is not None and str(start) != "1":
                counter = _ENUM_COUNTERS[min(same, 3)]
                state.out.write(f"\\setcounter{{{counter}}}{{{int(start) - 1}}}")
                state.out.newline()
        start_attr = tokens[i].attrGet("start")
        state.counters.append(int(start_attr) if start_attr is not None else 1)
        state.siblings.append("")
    return rule


def _r_list_close(r: LatexRenderer, tokens: Sequence[Token], i: int, o: Any, env: Any) -> None:
    state = _st(env)
    state.out.ensure_newline()
    kind = state.lists.pop()
    state.counters.pop()
    state.siblings.pop()
    if not kind.startswith("flat"):
        state.out.write(f"\\end{{{kind}}}")
        state.out.newline()


def _r_item_open(r: LatexRenderer, tokens: Sequence[Token], i: int, o: Any, env: Any) -> None:
    state = _st(env)
    state.out.ensure_newline()
    kind = state.lists[-1] if state.lists else "itemize"
    if kind.startswith("flat"):
        state.out.blank(state.block_sep or r"\endgraf")
        number = state.counters[-1]
        state.counters[-1] += 1
        marker = r"\textbullet{}" if kind == "flat-itemize" else f"{number}."
        state.out.write(f"{marker}~")
    else:
        state.out.write(r"\item ")
        state.out.item_guard = True
    state.has_content = False
    state.siblings.append("")


def _r_item_close(r: LatexRenderer, tokens: Sequence[Token], i: int, o: Any, env: Any) -> None:
    state = _st(env)
    state.siblings.pop()
    state.out.item_guard = False
    state.out.ensure_newline()


def _r_quote_open(r: LatexRenderer, tokens: Sequence[Token], i: int, o: Any, env: Any) -> None:
    state = _st(env)
    _open_block(state)
    state.out.ensure_newline()
    # quote is a list to LaTeX: it counts toward the nesting limit shared with lists
    if _list_depth(state) >= MAX_LIST_DEPTH_TOTAL:
        if not state.quote_stack or state.quote_stack[-1]:
            state.problem("warning", "block quotes nested too deeply for LaTeX; the deeper "
                          "ones are written as plain paragraphs", "nest fewer quotes and lists",
                          "latex-list-depth")
        state.quote_stack.append(False)
    else:
        state.out.write(r"\begin{quote}")
        state.out.newline()
        state.quotes += 1
        state.quote_stack.append(True)
    state.siblings.append("")


def _r_quote_close(r: LatexRenderer, tokens: Sequence[Token], i: int, o: Any, env: Any) -> None:
    state = _st(env)
    state.out.ensure_newline()
    if state.quote_stack.pop():
        state.out.write(r"\end{quote}")
        state.out.newline()
        state.quotes -= 1
    state.siblings.pop()


def _list_depth(state: _State) -> int:
    """LaTeX list environments open around the current point (lists, quotes, outer ones)."""
    lists = sum(1 for k in state.lists if not k.startswith("flat"))
    return lists + state.quotes + state.base_depth[2]


def _r_code_block(r: LatexRenderer, tokens: Sequence[Token], i: int, o: Any, env: Any) -> None:
    """Code blocks: typewriter lines in a group (no verbatim: it breaks inside arguments)."""
    state = _st(env)
    tok = tokens[i]
    if not tok.content.strip("\n"):
        return
    _open_block(state)
    state.out.ensure_newline()
    state.out.write(r"{\noindent\ttfamily\raggedright")
    state.out.newline()
    if tok.type == "fence":
        state.out.line += 1  # content starts after the ``` line
    lines = tok.content.rstrip("\n").split("\n")
    for k, line in enumerate(lines):
        if k:
            state.out.line += 1
        body = state.text(line.replace("\t", "    "), code=True)
        body = ("\\ " + body[1:]) if body.startswith(" ") else body
        end = r"\newline" if k < len(lines) - 1 else r"\endgraf}"
        state.out.write((body or r"\mbox{}") + end)
        state.out.newline()


def _r_hr(r: LatexRenderer, tokens: Sequence[Token], i: int, o: Any, env: Any) -> None:
    """A thematic break separates paragraphs; nothing is drawn."""
    _st(env).siblings[-1] = "block"


def _r_html(r: LatexRenderer, tokens: Sequence[Token], i: int, o: Any, env: Any) -> None:
    state = _st(env)
    content = tokens[i].content.strip()
    if content.startswith("<!--"):
        return  # comments are the writer's own notes
    state.problem("warning", f"raw HTML dropped: {content[:40]!r}",
                  "write it in Markdown, or remove it", "latex-html")


def _r_image(r: LatexRenderer, tokens: Sequence[Token], i: int, o: Any, env: Any) -> None:
    state = _st(env)
    src = tokens[i].attrGet("src")
    state.problem("warning", f"image dropped: {src}",
                  "images are not exported to the Related Work section", "latex-image")


def _r_link_open(r: LatexRenderer, tokens: Sequence[Token], i: int, o: Any, env: Any) -> int:
    state = _st(env)
    tok = tokens[i]
    href = str(tok.attrGet("href") or "")
    close = i + 1
    depth = 1
    while close < len(tokens):
        if tokens[close].type == "link_open":
            depth += 1
        elif tokens[close].type == "link_close":
            depth -= 1
            if depth == 0:
                break
        close += 1
    inner = tokens[i + 1: close]
    web = bool(_WEB_LINK.match(href))
    if not web:
        scheme = _SCHEME.match(href)
        if scheme:  # run:, file:, javascript:...: a PDF action that opens files or programs
            state.problem("warning", f"link to {href[:60]!r} not exported: a "
                          f"{scheme.group(1).lower()}: link could open files or run programs "
                          "from the PDF; its text is kept", "link to an http(s) or mailto "
                          "address, or remove the link", "latex-link")
        else:  # a relative path or #anchor (a link between notes): nothing to point to
            state.problem("info", f"link to {href[:60]!r} kept as text: only web and mail "
                          "links are exported", "link to an http(s) address", "latex-link")
    if state.in_heading or not web:
        # \paragraph{} is written to the .toc/.aux, where \url's % and # break the file;
        # non-web targets would become PDF launch/file actions: keep the text
        if tok.markup == "autolink" or not inner:
            _write_escaped(state, state.text("".join(t.content for t in inner) or href))
        else:
            _render_inline(r, inner, o, env)
        return close
    if tok.markup == "autolink" or not inner:
        state.has_content = True
        if href.startswith("mailto:"):
            state.out.write(r"\href{" + escape_url(href) + "}{")
            _write_lines(state, state.text(href[len("mailto:"):]))
            state.out.write("}")
        else:
            state.out.write(r"\url{" + escape_url(href) + "}")
        return close
    state.out.write(r"\href{" + escape_url(href) + "}{")
    state.link_depth += 1
    _render_inline(r, inner, o, env)
    state.link_depth -= 1
    state.out.write("}")
    return close


def _r_footnote_ref(r: LatexRenderer, tokens: Sequence[Token], i: int, o: Any, env: Any) -> None:
    state = _st(env)
    tok = tokens[i]
    note = env.get("footnotes", {}).get("list", {}).get(tok.meta.get("id"))
    if note is None:
        return
    state.has_content = True
    if "tokens" in note:  # inline footnote ^[...]: render it now
        saved, state.out = state.out, _Writer(state.out.line)
        in_heading, state.in_heading = state.in_heading, False
        _render_inline(r, note["tokens"], o, env)
        state.out.ensure_newline()
        rendered: tuple[list[str], list[int]] | None = (state.out.lines, state.out.srcs)
        state.out, state.in_heading = saved, in_heading
    else:
        rendered = (state.footnotes or {}).get(note.get("label"))
    if rendered is None:
        return
    if state.in_heading:
        # a heading is a moving (and, for \paragraph, delayed) argument: the footnote
        # goes right after it, where it still follows the run-in heading text
        state.heading_notes.append(rendered)
        return
    state.out.write(r"\footnote{")
    state.out.splice(*rendered)
    state.out.write("}")


def _r_skip(r: LatexRenderer, tokens: Sequence[Token], i: int, o: Any, env: Any) -> None:
    return None


def _r_strike(r: LatexRenderer, tokens: Sequence[Token], i: int, o: Any, env: Any) -> None:
    """Strikethrough needs ulem, which the preamble may lack: the text is kept plain."""
    return None


_EM = _wrap(r"\emph{", "}")
_STRONG = _wrap(r"\textbf{", "}")

_RULES: dict[str, Rule] = {
    "inline": _r_inline,
    "softbreak": _r_softbreak,
    "hardbreak": _r_hardbreak,
    "em_open": _EM[0],
    "em_close": _EM[1],
    "strong_open": _STRONG[0],
    "strong_close": _STRONG[1],
    "s_open": _r_strike,
    "s_close": _r_strike,
    "code_inline": _r_code_inline,
    "math_inline": _r_math_inline,
    "math_inline_double": _r_math_inline,
    "math_block": _r_math_block,
    "math_block_label": _r_math_block,
    "paragraph_open": _r_paragraph_open,
    "paragraph_close": _r_paragraph_close,
    "heading_open": _r_heading_open,
    "heading_close": _r_heading_close,
    "bullet_list_open": _list_open("itemize"),
    "bullet_list_close": _r_list_close,
    "ordered_list_open": _list_open("enumerate"),
    "ordered_list_close": _r_list_close,
    "list_item_open": _r_item_open,
    "list_item_close": _r_item_close,
    "blockquote_open": _r_quote_open,
    "blockquote_close": _r_quote_close,
    "code_block": _r_code_block,
    "fence": _r_code_block,
    "hr": _r_hr,
    "html_block": _r_html,
    "html_inline": _r_html,
    "image": _r_image,
    "link_open": _r_link_open,
    "link_close": _r_skip,
    "footnote_ref": _r_footnote_ref,
}


# ------------------------------------------------------------------------ public API

_PARSER: MarkdownIt | None = None


def _parser() -> MarkdownIt:
    """The shared MarkdownIt instance (built once: parsers are costly to set up)."""
    global _PARSER
    if _PARSER is None:
        from markdown_it import MarkdownIt
        from mdit_py_plugins.dollarmath import dollarmath_plugin
        from mdit_py_plugins.footnote import footnote_plugin

        md = MarkdownIt("commonmark", {"typographer": True}, renderer_cls=LatexRenderer)
        md.use(dollarmath_plugin, allow_space=False, allow_digits=False, double_inline=True,
               allow_blank_lines=False)
        md.use(footnote_plugin, inline=True, move_to_end=False)
        md.enable(["smartquotes", "strikethrough"])
        # every link target reaches the link rule, which reports the ones it does not export
        # (markdown-it would leave javascript:/file:/data: links as raw Markdown, unreported)
        setattr(md, "validateLink", lambda url: True)  # noqa: B010
        # keep escaped characters apart from text (an escaped \$ is no unmatched $)
        md.disable(["text_join", "replacements"])
        _PARSER = md
    return _PARSER


def _render(markdown: str, source: Source, engine: str, cite: Cite | None, *,
            inline: bool, macros: Collection[str] = ()) -> LatexText:
    _check_engine(engine)
    md = _parser()
    env: dict[str, Any] = {}
    tokens = md.parseInline(markdown, env) if inline else md.parse(markdown, env)
    state = _State(source, engine, cite)
    state.macros = frozenset(m.lstrip("\\") for m in macros)
    state.one_line = inline
    env["latex"] = state
    # footnote definitions are rendered first and spliced in at their references
    footnotes: dict[str, tuple[list[str], list[int]]] = {}
    body: list[Token] = []
    k = 0
    while k < len(tokens):
        tok = tokens[k]
        if tok.type == "footnote_reference_open":
            end = k
            while tokens[end].type != "footnote_reference_close":
                end += 1
            sub = _State(source, engine, cite, line=tok.map[0] if tok.map else 0,
                         list_depth=(2, 2, 4), block_sep=r"\endgraf")
            sub.footnotes = {}
            sub.macros = state.macros
            sub_env = {"latex": sub, "footnotes": env.get("footnotes", {})}
            md.renderer.render(tokens[k + 1: end], md.options, sub_env)
            sub.out.ensure_newline()
            while sub.out.lines and not sub.out.lines[-1]:
                sub.out.lines.pop()
                sub.out.srcs.pop()
            footnotes[str(tok.meta.get("label"))] = (sub.out.lines, sub.out.srcs)
            state.problems.extend(sub.problems)
            k = end + 1
            continue
        body.append(tok)
        k += 1
    state.footnotes = footnotes
    md.renderer.render(body, md.options, env)
    out = state.out
    out.ensure_newline()
    while out.lines and not out.lines[-1]:
        out.lines.pop()
        out.srcs.pop()
    if inline:
        text = " ".join(line.strip() for line in out.lines if line.strip())
        lines = [Source(source.path, source.line)]
    else:
        text = "\n".join(out.lines)
        lines = [Source(source.path, source.line + s) for s in out.srcs]
    state.problems.sort(key=lambda p: (p.source.line if p.source else 0))
    return LatexText(Latex(text), lines, state.problems)


def md_to_latex(markdown: str, *, source: Source, engine: str = "pdflatex",
                cite: Cite | None = None, math_macros: Collection[str] = ()) -> LatexText:
    """Block Markdown (a note body) -> LaTeX paragraphs, lists, quotes and display math.

    ``source`` is the note file and the line of the body's first line; ``result.lines[i]``
    is the note line that produced output line ``i``. ``cite(keys, mode)`` renders
    ``[@key]``/``@key``/``\\cite{key}`` citations (see ``Cite``); without it they stay text.
    ``math_macros``: names of the user's preamble macros that formulas may use (``R`` or
    ``\\R``); all other names outside ``MATH_COMMANDS`` make a formula text (``check_math``).
    """
    return _render(markdown, source, engine, cite, inline=False, macros=math_macros)


def md_inline_to_latex(text: str, *, source: Source, engine: str = "pdflatex",
                       cite: Cite | None = None, math_macros: Collection[str] = ()) -> LatexText:
    """Inline Markdown (a title, a list point) -> one line of LaTeX (no paragraph breaks)."""
    flat = re.sub(r"\s*\n\s*", " ", text.strip())
    return _render(flat, source, engine, cite, inline=True, macros=math_macros)
