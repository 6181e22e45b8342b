"""Converted notes compile with real TeX: pdflatex in the default (OT1) and T1 preambles,
inside a template's list, and xelatex/lualatex with fontspec; every Unicode table entry
typesets under pdflatex."""

from __future__ import annotations

import random
import shutil
import subprocess
import tempfile
from pathlib import Path

import pytest
from paths import FIXTURES

from relwork.latex import MATH_SYMBOLS, TEXT_SYMBOLS, escape_latex, md_to_latex
from relwork.model import Source

FIXTURES = FIXTURES / "latex"
STRESS = FIXTURES / "stress.md"
PREAMBLES = {
    "bare": "\\documentclass{article}\n",
    "ot1": "\\documentclass{article}\n\\usepackage{amsmath}\n\\usepackage{hyperref}\n",
    # T1 + babel, with " made an active character as babel's German shorthands do
    # (here it raises an error: relwork must never write a bare ")
    "t1-babel": ("\\documentclass{article}\n\\usepackage[T1]{fontenc}\n"
                 "\\usepackage[utf8]{inputenc}\n\\usepackage[english]{babel}\n"
                 "\\usepackage{amsmath}\n\\usepackage[hidelinks]{hyperref}\n"
                 + r'{\catcode`\"=13 \gdef"{\PackageError{test}{bare double quote}{}}}'
                 + "\n" + r'\AtBeginDocument{\catcode`\"=13 }' + "\n"),
    "fontspec": ("\\documentclass{article}\n\\usepackage{fontspec}\n\\usepackage{amsmath}\n"
                 "\\usepackage{hyperref}\n"),
}


def _cite(keys: list[str], mode: str) -> str:
    return ("\\citet{" if mode == "t" else "\\citep{") + ",".join(keys) + "}"


def compile_doc(program: Path | str, preamble: str, body: str,
                runs: int = 1) -> tuple[int, str, str]:
    """Compile (``runs`` times, to read back .aux/.toc); returns (exit code, log, PDF text)."""
    with tempfile.TemporaryDirectory() as tmp:
        Path(tmp, "doc.tex").write_text(
            preamble + "\\usepackage{natbib}\n\\begin{document}\n" + body
            + "\n\\end{document}\n", encoding="utf-8")
        cmd = [str(program), "-no-shell-escape", "-halt-on-error", "-interaction=nonstopmode",
               "doc.tex"]
        for _ in range(runs):
            run = subprocess.run(cmd, cwd=tmp, capture_output=True, text=True, timeout=180,
                                 errors="replace")
            if run.returncode:
                break
        log = Path(tmp, "doc.log").read_text(errors="replace") if Path(tmp, "doc.log").exists() \
            else run.stdout
        text = ""
        pdftotext = shutil.which("pdftotext")
        if run.returncode == 0 and pdftotext:
            text = subprocess.run([pdftotext, "doc.pdf", "-"], cwd=tmp, capture_output=True,
                                  text=True, errors="replace").stdout
        return run.returncode, log, text


def _engine(tex, name: str) -> Path:  # type: ignore[no-untyped-def]
    return Path(tex.require(name))


@pytest.mark.parametrize("preamble", ["ot1", "t1-babel"])
def test_stress_compiles_with_pdflatex(tex, preamble: str) -> None:  # type: ignore[no-untyped-def]
    result = md_to_latex(STRESS.read_text("utf-8"), source=Source("stress.md", 1), cite=_cite)
    code, log, text = compile_doc(tex.pdflatex, PREAMBLES[preamble], result.text)
    assert code == 0, log[-3000:]
    assert "Unicode character" not in log
    if text:  # the hostile commands are printed, not run
        flat = " ".join(text.split())
        assert "\\input{/etc/passwd}" in flat
        assert "\\write18{rm -rf /}" in flat
        assert "\\end{document}" in flat
    # the problems name the note lines they are about
    unsafe = [p for p in result.problems if p.code == "latex-math-unsafe"]
    assert len(unsafe) == 11
    assert {p.source.line for p in unsafe if p.source} == {23, 24, 25, 27}


@pytest.mark.parametrize("name", ["stress.md", "nesting.md"])
def test_fixture_compiles_inside_a_template_list(tex, name: str) -> None:  # type: ignore[no-untyped-def]
    """Templates may put a note in an \\item: the note's lists leave room for that level;
    nesting.md mixes headings, footnotes, quotes, code and display math inside each other."""
    result = md_to_latex((FIXTURES / name).read_text("utf-8"), source=Source(name, 1),
                         cite=_cite)
    for body in (result.text, "\\begin{itemize}\n\\item " + result.text + "\n\\end{itemize}"):
        code, log, _ = compile_doc(tex.pdflatex, PREAMBLES["ot1"], body)
        assert code == 0, log[-3000:]


@pytest.mark.parametrize("engine", ["xelatex", "lualatex"])
def test_stress_compiles_with_unicode_engines(tex, engine: str) -> None:  # type: ignore[no-untyped-def]
    program = _engine(tex, engine)
    result = md_to_latex(STRESS.read_text("utf-8"), source=Source("stress.md", 1),
                         engine=engine, cite=_cite)
    assert "café" in result.text and "Łódź" in result.text  # passed through, not converted
    code, log, text = compile_doc(program, PREAMBLES["fontspec"], result.text)
    assert code == 0, log[-3000:]
    if text:
        assert "Erdős" in text and "Dvořák" in text


def test_every_unicode_table_entry_typesets(tex) -> None:  # type: ignore[no-untyped-def]
    latin = "".join(chr(c) for c in range(0xA0, 0x180))
    chars = latin + "ȘșȚțǍǎǦǧ" + "".join(TEXT_SYMBOLS) + "".join(MATH_SYMBOLS)
    body = escape_latex(" ".join(chars))
    # no form in OT1/T1 (they need TIPA or a Unicode engine): reported, written as '?'
    assert [c for c in chars if escape_latex(c) == "?"] == ["Ħ", "ħ", "ĸ", "Ŧ", "ŧ"]
    for preamble in ("bare", "t1-babel"):
        code, log, _ = compile_doc(tex.pdflatex, PREAMBLES[preamble], body)
        assert code == 0, log[-3000:]


def test_accented_letters_read_back_from_pdf(tex) -> None:  # type: ignore[no-untyped-def]
    tex.require("pdftotext")
    body = md_to_latex("café naïve Erdős “quoted” 10–20", source=Source("n.md", 1)).text
    # lmodern: outline T1 fonts whose glyph names pdftotext can map back to Unicode
    preamble = PREAMBLES["t1-babel"] + "\\usepackage{lmodern}\n"
    code, log, text = compile_doc(tex.pdflatex, preamble, body)
    assert code == 0, log[-3000:]
    assert "café naïve Erdős “quoted” 10–20" in " ".join(text.split())


@pytest.mark.parametrize("engine", ["pdflatex", "xelatex", "lualatex"])
def test_arbitrary_unicode_compiles(tex, engine: str) -> None:  # type: ignore[no-untyped-def]
    """Any code point: converted or reported for pdflatex, passed through (or, for the few
    TeX cannot read, reported) for xelatex/lualatex; never a compile error."""
    program = tex.pdflatex if engine == "pdflatex" else _engine(tex, engine)
    rng = random.Random(5)
    awkward = [0xFFFE, 0xFFFF, 0xE000, 0x10FFFF, 0x0378, 0x200E, 0x202E, 0x2066, 0xFEFF,
               0x00AD, 0x0085, 0x2028, 0x1F600, 0x1F1FA, 0x0301, 0x3000, 0xFFFD, 0xD800]
    text = "".join(chr(c) for c in awkward + [rng.randint(0x80, 0x2FFFF) for _ in range(400)])
    result = md_to_latex(f"start {text} end", source=Source("n.md", 1), engine=engine)
    assert all(p.source == Source("n.md", 1) for p in result.problems)
    preamble = PREAMBLES["bare"] if engine == "pdflatex" else PREAMBLES["fontspec"]
    code, log, _ = compile_doc(program, preamble, result.text)
    assert code == 0, log[-3000:]


@pytest.mark.parametrize("preamble", ["ot1", "t1-babel"])
def test_heading_survives_table_of_contents(tex, preamble: str) -> None:  # type: ignore[no-untyped-def]
    """\\paragraph titles are written to .toc/.aux and read back: specials, Unicode, code,
    math, links and footnotes in a heading must survive that round trip (and bookmarks)."""
    note = ('## ð ą " ş « α≤β x̃ é … „ `a"b{}` ~ ^ \\ { } % # & _ | < > $x^2$ '
            "[l](http://a.b/#c) <http://d.e/f%20g#h> http://i.j/k_l[^n]\n\n"
            "http://p.q/r%20s starts the text\n\n## 100% \\\n\n<http://t.u/v#w>\n\n"
            "[^n]: note with http://m.n/#o")
    result = md_to_latex(note, source=Source("n.md", 1))
    preamble = (PREAMBLES[preamble] + "\\setcounter{tocdepth}{5}\n"
                "\\hypersetup{bookmarksdepth=5}\n")
    code, log, _ = compile_doc(tex.pdflatex, preamble, "\\tableofcontents\n" + result.text,
                               runs=2)
    assert code == 0, log[-3000:]


@pytest.mark.parametrize("engine", ["xelatex", "lualatex"])
def test_math_symbols_are_not_missing_with_unicode_engines(tex, engine: str) -> None:  # type: ignore[no-untyped-def]
    """Latin Modern (fontspec's default) has no ≤, α or →: relwork writes them as math; the
    raw characters are indeed missing (the check below would see it), scripts pass through."""
    program = _engine(tex, engine)
    symbols = [c for c in MATH_SYMBOLS if c not in TEXT_SYMBOLS]
    typography = [c for c in TEXT_SYMBOLS if c.isprintable() and not c.isspace()]
    note = ("Text " + " ".join(symbols + typography) + " end.\n\nMath $" + " ".join(symbols)
            .replace(" ", " x ") + "$ and x ≤ y, α→β; café Erdős.")
    result = md_to_latex(note, source=Source("n.md", 1), engine=engine)
    assert result.problems == []
    code, log, text = compile_doc(program, PREAMBLES["fontspec"], result.text)
    assert code == 0, log[-3000:]
    assert "Missing character" not in log, [
        line for line in log.splitlines() if "Missing character" in line][:5]
    if text:
        flat = " ".join(text.split())
        assert "café Erdős" in flat and "end." in flat
    code, log, _ = compile_doc(program, PREAMBLES["fontspec"], "x ≤ y, α→β")
    assert code == 0 and "Missing character" in log  # the oracle sees a missing symbol


def test_ordinary_math_compiles_and_refused_math_is_printed(tex) -> None:  # type: ignore[no-untyped-def]
    note = "\n\n".join([
        r"$\frac{a}{b} + \sum_{i=1}^n \alpha_i \leq \mathcal{O}(n^2)$, "
        r"$\mathbb{R}^d \ni \mathbf{x} \mapsto \operatorname{softmax}(\boldsymbol{\theta})$",
        r"$\left(\int_0^1 f\,dx\right)^{1/2} \text{ if } x \neq 0$, $\ell_2$, $\lVert x\rVert$",
        r"$$\begin{aligned} \mathcal{L} &= \mathbb{E}_{q}[\log p] - \mathrm{KL}(q\Vert p) \\"
        "\n" r"&\geq \log p(x) \eqref{eq:x}\end{aligned}$$",
        r"$\fontdimen2\font=3cm$ and $\globaldefs=1$ and $\R^n$ and $x\cite{k}$ stay text.",
    ])
    result = md_to_latex(note, source=Source("n.md", 1))
    assert [p.code for p in result.problems] == [
        "latex-math-unsafe", "latex-math-unsafe", "latex-math-unsupported",
        "latex-math-unsupported"]
    preamble = PREAMBLES["ot1"] + "\\usepackage{amssymb}\n"
    code, log, text = compile_doc(tex.pdflatex, preamble, result.text)
    assert code == 0, log[-3000:]
    if text:
        flat = " ".join(text.split())
        assert "\\fontdimen2\\font=3cm" in flat and "\\globaldefs=1" in flat
