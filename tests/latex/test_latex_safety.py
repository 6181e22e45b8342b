"""Safety properties of the Markdown -> LaTeX conversion (issue 9), checked with Hypothesis.

For any note text the output must have balanced braces, no unescaped TeX special outside
math, no control sequence outside a small allowlist of what relwork itself writes, and
no dangerous primitive anywhere; a derandomized sample must compile with real pdflatex.
The checker below is written independently of relwork.latex (its own allowlist/denylist).
"""

from __future__ import annotations

import os
import re
import subprocess
import tempfile
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from paths import FIXTURES

from relwork.latex import md_inline_to_latex, md_to_latex
from relwork.model import Source

# Control words relwork may write outside math (structure, escapes, Unicode, accents).
TEXT_COMMANDS = set("""
textbackslash textasciitilde textless textgreater textbar textasciigrave textquotesingle
textquotedbl UseTextSymbol UseTextAccent k quotesinglbase quotedblbase guillemotleft
guillemotright guilsinglleft guilsinglright textminus dots textbullet textperiodcentered
textdegree textcopyright textregistered texttrademark S P texteuro pounds textyen textcent
textcurrency textexclamdown textquestiondown textbrokenbar textlnot textordfeminine
textordmasculine textonesuperior texttwosuperior textthreesuperior textonequarter textonehalf
textthreequarters texttimes textpm textmu textperthousand textdagger textdaggerdbl textnumero
ss ae AE oe OE o O l L i j dj DJ dh DH th TH ng NG textasciidieresis textasciiacute
textasciimacron textvisiblespace textcommabelow u v H r d c b
emph textbf texttt href url footnote paragraph begin end item setcounter newline par
noindent ttfamily raggedright mbox protect endgraf leavevmode
""".split())
TEXT_SYMBOLS = set("{}$&#%_^'`\"~=.,- ")
ENVIRONMENTS = {"itemize", "enumerate", "quote"}
# From the issue: nothing that reads/writes files, runs shell, changes catcodes or defines.
DANGEROUS = set("""
input include openin openout write immediate read catcode def edef gdef xdef let futurelet
csname endcsname newcommand renewcommand providecommand usepackage special directlua loop
expandafter uppercase lowercase afterassignment makeatletter scantokens
""".split())


def _math_violations(math: str) -> list[str]:
    found = []
    # tokenize as TeX does: \\ is one control symbol, so \\input is \\ + letters
    tokens = re.findall(r"\\(?:[A-Za-z]+|.)", math, re.S)
    names = {t[1:] for t in tokens}
    if names & DANGEROUS:
        found.append(f"dangerous command in math: {sorted(names & DANGEROUS)}")
    if "^^" in math or "@" in names or re.search(r"(?<!\\)\\(begin|end)\s*\{document\}", math):
        found.append(f"dangerous sequence in math: {math!r}")
    depth = 0
    for m in re.finditer(r"\\.|[{}]", math, re.S):
        depth += {"{": 1, "}": -1}.get(m.group(0), 0)
        if depth < 0:
            break
    if depth:
        found.append(f"unbalanced braces in math: {math!r}")
    return found


def _close(latex: str, start: int, closer: str) -> int:
    """Index of the next ``closer`` not escaped by a backslash, or -1."""
    j = start
    while True:
        j = latex.find(closer, j)
        if j < 0:
            return -1
        backslashes = len(latex[:j]) - len(latex[:j].rstrip("\\"))
        if closer.startswith("\\") or backslashes % 2 == 0:
            return j
        j += 1


def violations(latex: str) -> list[str]:
    """Everything in ``latex`` that note text could use to run or break LaTeX."""
    found: list[str] = []
    depth, i, n = 0, 0, len(latex)
    while i < n:
        ch = latex[i]
        if ch == "\\":
            word = re.match(r"\\([A-Za-z]+)", latex[i:])
            if word:
                name = word.group(1)
                i += len(word.group(0))
                if name not in TEXT_COMMANDS:
                    found.append(f"command outside math: \\{name}")
                if name in ("url", "href"):
                    end = latex.find("}", i)
                    url = latex[i + 1: end]
                    if latex[i: i + 1] != "{" or not re.fullmatch(
                            r"(?:[^\\{}#%&\s]|\\[#%&])*", url):
                        found.append(f"unsafe URL argument: {url!r}")
                    if not re.match(r"(?i)(https?|ftp)://|mailto:", url):
                        found.append(f"link that is not a web address: {url!r}")
                    i = end + 1
                elif name in ("begin", "end"):
                    env = re.match(r"\{([A-Za-z]+)\}", latex[i:])
                    if not env or env.group(1) not in ENVIRONMENTS:
                        found.append(f"environment {latex[i:i + 20]!r}")
                continue
            sym = latex[i + 1: i + 2]
            if sym == "[":
                end = _close(latex, i + 2, "\\]")
                if end < 0:
                    found.append("unclosed \\[")
                    break
                found += _math_violations(latex[i + 2: end])
                i = end + 2
                continue
            if sym not in TEXT_SYMBOLS:
                found.append(f"control symbol outside math: \\{sym!r}")
            i += 2
            continue
        if ch == "$":
            end = _close(latex, i + 1, "$")
            if end < 0:
                found.append("unclosed $")
                break
            found += _math_violations(latex[i + 1: end])
            i = end + 1
            continue
        if ch == "{":
            depth += 1
        elif ch == "}":
            depth -= 1
            if depth < 0:
                found.append("unbalanced }")
        elif ch in "#%&^_\"":  # " is active under babel's German shorthands
            found.append(f"unescaped {ch!r} outside math")
        elif ch in "\x00\x0b\x0c\x7f":
            found.append(f"control character {ch!r}")
        i += 1
    if depth > 0:
        found.append("unbalanced {")
    return found


def test_checker_catches_what_it_should() -> None:
    """The oracle itself: hostile LaTeX is flagged, relwork-style LaTeX is not."""
    for bad in (r"\input{x}", r"a % b", r"{", r"}", r"$\def\x{}$", r"a_b", "$^^5c$",
                r"\url{http://a#b}", r"\begin{document}", r"\[\write18{x}\]", "#",
                r"\href{run:calc}{x}"):
        assert violations(bad), bad
    good = (r"\textbackslash{}input\{x\} \% \_ \emph{a} $\alpha\leq\beta$ "
            r"\href{http://a/\#b}{t} \[x^2\] \'{e} \begin{itemize}\item x\end{itemize}")
    assert violations(good) == []


FRAGMENTS = [
    "$", "$$", "\\", "{", "}", "#", "%", "&", "~", "_", "^", "^^", "^^5c", "<", ">", "|",
    '"', "'", "`", "``", "*", "**", "[", "]", "(", ")", "!", "?", "@", "-", "--", "...",
    "\\input{/etc/passwd}", "\\write18{rm x}", "\\end{document}", "\\def\\x{\\x}\\x",
    "\\catcode`\\@=11", "\\csname", "\\makeatletter\\@gobble", "\\left(", "\\right)",
    "\\begin{aligned}", "\\\\", "\\$", "\\#", "\\[", "\\]", "\n", "\n\n", "\n- ", "\n1. ",
    "\n> ", "\n# ", "\n    ", "\n```\n", "[^1]", "\n[^1]: ", "^[", "](http://a.b/#x%y)",
    "<http://x.y/~a_b#c>", "http://e.com/a_b%c#d", "[@key]", "[@a; @b, p. 3]", "@key",
    "[[@k]]", "\\cite{k}", "<b>", "<!-- c -->", "![i](p.png)", "é", "ï", "α", "≤", "→",
    "😀", "中", "\u00a0", "\u200b", "\t", "\x0c", "\x7f", "\x00", "\u0301", "“", "”", "–",
    "\uff02", "\uff03", "\uff3c", "\u2025", "ﬁ",
    "$x^2$", "$\\input{x}$", "$a{$", "$\\alpha$", " ", "a", "word", "10-20",
    "## H ", "$$x$$", "[a ", "](http://x.y/z)", "^[n ", "\n\n[^1]: fn ", "  \n", "\\\n",
    "\n- [x] ", "\n   1. ", "\n     - ", "\n***\n", "\n===\n", "\ufffd",
    "\\^^69nput{x}", "$\\^^69nput{x}$", "$x^ⁱ$", "](run:x)", "<run:calc>", "<file:///x>",
    "[![i](p.png)](http://x.org)", "**![i](p.png)**", "^[![i](q.png)]", "\n> > > > > > > ",
]
NOTE_TEXT = st.lists(st.one_of(st.sampled_from(FRAGMENTS), st.text(max_size=4)),
                     max_size=30).map("".join)


def _cite(keys: list[str], mode: str) -> str:
    return ("\\citet{" if mode == "t" else "\\citep{") + ",".join(keys) + "}"


def _cite_checked(keys: list[str], mode: str) -> str:
    # the callback must only ever see keys that are safe inside \cite{...}
    for key in keys:
        assert re.fullmatch(r"[A-Za-z0-9_:.\-+/]+", key), key
    return "\\emph{cited}"


@settings(max_examples=400, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(NOTE_TEXT, st.sampled_from(["pdflatex", "xelatex"]), st.booleans())
def test_any_text_is_safe(text: str, engine: str, with_cite: bool) -> None:
    cite = _cite_checked if with_cite else None
    result = md_to_latex(text, source=Source("n.md", 7), engine=engine, cite=cite)
    assert violations(result.text) == []
    assert len(result.lines) == (result.text.count("\n") + 1 if result.text else 0)
    last = 7 + len(re.split(r"\r\n|\r|\n", text))  # markdown-it's line breaks
    assert all(s.path == "n.md" and 7 <= s.line < last for s in result.lines)
    assert all(p.source is not None and p.source.path == "n.md" for p in result.problems)
    inline = md_inline_to_latex(text, source=Source("n.md", 3), engine=engine, cite=cite)
    assert "\n" not in inline.text
    assert violations(inline.text) == []


# ----------------------------------------------------------------- real pdflatex

# tocdepth 5 + \tableofcontents + two runs: headings must also survive the .toc round trip
PREAMBLE = ("\\documentclass{article}\n\\setcounter{tocdepth}{5}\n\\usepackage{hyperref}\n"
            "\\begin{document}\n\\tableofcontents\n")


def compile_latex(program: Path | str, body: str, preamble: str = PREAMBLE) -> tuple[int, str]:
    """Compile ``body`` in a minimal document; returns (exit code, log tail)."""
    with tempfile.TemporaryDirectory() as tmp:
        doc = Path(tmp, "doc.tex")
        doc.write_text(preamble + body + "\n\\end{document}\n", encoding="utf-8")
        cmd = [str(program), "-no-shell-escape", "-halt-on-error", "-interaction=nonstopmode",
               "doc.tex"]
        for _ in range(2):
            try:
                run = subprocess.run(cmd, cwd=tmp, capture_output=True, text=True, timeout=120,
                                     errors="replace", env={**os.environ, "openout_any": "p"})
            except subprocess.TimeoutExpired:
                return -1, "timeout"
            if run.returncode:
                break
        return run.returncode, run.stdout[-2500:]


COMPILE_FRAGMENTS = [f for f in FRAGMENTS if "$" not in f or f in ("$x^2$", "$\\alpha$")] + [
    " $$x$$ ", "\n\n   $$\n   y = 1\n   $$\n", "[^2]", "\n\n[^2]: fn\n\n    - a\n\n    para\n"]
COMPILE_TEXT = st.lists(st.one_of(st.sampled_from(COMPILE_FRAGMENTS),
                                  st.text(alphabet=st.characters(blacklist_characters="$"),
                                          max_size=4)),
                        max_size=30).map("".join)


@pytest.mark.slow
@settings(max_examples=25, derandomize=True, deadline=None,
          suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture])
@given(COMPILE_TEXT)
def test_any_text_compiles_with_pdflatex(tex, text: str) -> None:  # type: ignore[no-untyped-def]
    """Math is the note's own (it is only checked for safety and balance), so the sampled
    texts hold formulas from a valid list; everything else is arbitrary."""
    text = text.replace("$x^2$", " $x^2$ ").replace("$\\alpha$", " $\\alpha$ ")
    result = md_to_latex(text, source=Source("n.md", 1), cite=_cite)
    code, log = compile_latex(tex.pdflatex, "\\let\\citep\\relax\\let\\citet\\relax\n"
                              + result.text)
    assert code == 0, f"{text!r}\n{result.text}\n{log}"


@pytest.mark.parametrize("engine", ["pdflatex", "xelatex", "lualatex"])
def test_hostile_input_never_reaches_tex(engine: str) -> None:
    text = (FIXTURES / "latex" / "stress.md").read_text("utf-8")
    result = md_to_latex(text, source=Source("stress.md", 1), engine=engine, cite=_cite_checked)
    assert violations(result.text) == []
    for hostile in ("\\input{", "\\write18", "^^5c", "\\end{document}", "\\def\\x"):
        assert hostile not in result.text
