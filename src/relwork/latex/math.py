"""The math check: which formulas from notes may be passed through to the paper as math.

Math is passed through only when it is structurally balanced and every control word in it
is on an allowlist (``MATH_COMMANDS``, plus the user's own macros given as ``macros``);
otherwise ``check_math`` says why, and the renderer writes the formula as escaped text.

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

import re
from collections.abc import Collection
from dataclasses import dataclass

from .escape import CharIssue, is_label_key, math_char, scripts_end, scripts_math
from .packages import ENVIRONMENT_PACKAGES, MATH_PACKAGES

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
#: mathrsfs, bm and the common physics-package names, from the table that also says which
#: package each needs (``packages.MATH_PACKAGES``). Anything else (a package or user macro,
#: a TeX primitive) is not written: see the module docstring for why an allowlist.
MATH_COMMANDS = frozenset().union(*MATH_PACKAGES.values())

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
#: Environments allowed inside math (base LaTeX, amsmath and mathtools).
MATH_ENVIRONMENTS = frozenset().union(*ENVIRONMENT_PACKAGES.values())


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
                    if not m or not is_label_key(m.group(1)):
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


def convert_math(tex: str, engine: str, issues: list[CharIssue]) -> str:
    """Math content with Unicode converted for pdflatex (control chars dropped)."""
    if tex.isascii() and "\t" not in tex and "\r" not in tex:
        return tex
    out: list[str] = []
    i = 0
    while i < len(tex):
        ch = tex[i]
        if ch.isascii() and (ch.isprintable() or ch == "\n"):
            out.append(ch)
        elif (end := scripts_end(tex, i)) > i:  # x₁₀ -> x_{10}, one group per run
            out.append(scripts_math(tex[i:end]))
            i = end
            continue
        else:
            out.append(math_char(ch, engine, issues))
        i += 1
    return "".join(out)
