"""Unicode superscript/subscript runs become one math group, read right in the PDF; generated
strings and the Big List of Naughty Strings compile under every engine."""

from __future__ import annotations

import pytest
from hypothesis import HealthCheck, Phase, given, settings
from hypothesis import strategies as st
from paths import FIXTURES
from test_latex_compile import PREAMBLES, compile_doc

from relwork.latex import md_to_latex
from relwork.latex.escape import escape_text
from relwork.model import Source

BLNS = FIXTURES / "latex" / "blns" / "blns.txt"

#: note text -> LaTeX (pdflatex); each was a compile error or a changed meaning before
CASES = {
    "10⁻⁶": "$10^{-6}$",
    "x₁₀": "$x_{10}$",
    "⁰⁴⁵": "$^{045}$",
    "1×10⁻⁵": "1\\texttimes{}$10^{-5}$",
    "aₙ₊₁": "$a_{n+1}$",
    "xₙ": "$x_{n}$",
    "x⁽ⁱ⁾": "$x^{(i)}$",
    "e⁻ˣ": "$e^{-x}$",
    "α² and β₁₀": "$\\alpha^{2}$ and $\\beta_{10}$",
    "θₘₐₓ": "$\\theta_{\\mathrm{max}}$",
    "x²₁²": "$x^{2}_{1}{}^{2}$",
    "H₂O": "H$_{2}$O",
    "Adam²": "Adam$^{2}$",
    "lr 3.5×10⁻⁴": "lr 3.5\\texttimes{}$10^{-4}$",
    "α\u200bβ": "$\\alpha\\beta$",
    "→x²": "$\\rightarrow x^{2}$",
    "x²\u200b²": "$x^{2}{}^{2}$",
}

#: what pdftotext reads back (minus signs are U+2212 in math)
READ_BACK = {
    "10⁻⁶": "10−6", "aₙ₊₁": "an+1", "x⁽ⁱ⁾": "x(i)", "e⁻ˣ": "e−x", "x₁₀": "x10",
    "θₘₐₓ": "θmax", "1×10⁻⁵": "1×10−5",
}


@pytest.mark.parametrize(("note", "latex"), CASES.items())
def test_script_runs_become_one_group(note: str, latex: str) -> None:
    for engine in ("pdflatex", "xelatex"):
        issues: list = []
        out = escape_text(note, engine, issues)
        assert issues == []
        if engine == "pdflatex" or "×" not in note:
            assert out == latex


def test_scripts_after_math_and_inside_math() -> None:
    result = md_to_latex("$y$⁻¹ and $x₁₀ + z^{2}₃$ and ᵊ", source=Source("n.md", 4))
    assert "$y${}$^{-1}$" in result.text  # never $$, which opens display math
    assert "x_{10} + z^{2}_{3}" in result.text
    # a script letter without a LaTeX form: a visible '?' and a warning at the note line
    assert "and ?" in result.text
    assert [(p.code, p.source) for p in result.problems] == [("latex-unicode",
                                                              Source("n.md", 4))]


@pytest.mark.parametrize("engine", ["pdflatex", "xelatex"])
def test_script_runs_compile_and_read_right(tex, engine: str) -> None:  # type: ignore[no-untyped-def]
    tex.require("pdftotext")
    program = tex.pdflatex if engine == "pdflatex" else tex.require(engine)
    note = "\n\n".join(f"case {i}: {text} end" for i, text in enumerate(CASES))
    result = md_to_latex(note, source=Source("n.md", 1), engine=engine)
    preamble = PREAMBLES["bare"] + ("\\usepackage[T1]{fontenc}\n\\usepackage{lmodern}\n"
                                    if engine == "pdflatex" else "\\usepackage{fontspec}\n")
    code, log, text = compile_doc(program, preamble, result.text)
    assert code == 0, log[-3000:]
    assert "Missing character" not in log
    lines = {line.split(":", 1)[0]: "".join(line.split(":", 1)[1].split())
             for line in text.splitlines() if line.startswith("case ")}
    for i, note_text in enumerate(CASES):
        if note_text in READ_BACK:
            assert lines[f"case {i}"] == READ_BACK[note_text] + "end", note_text


_SCRIPTS = "⁰¹²³⁴⁵⁶⁷⁸⁹⁺⁻⁼⁽⁾ⁱⁿˣᵀᵝ₀₁₂₃₄₅₆₇₈₉₊₋₌₍₎ₐₑₒₓₙₘₖ"
_PIECES = st.one_of(
    st.text(alphabet=_SCRIPTS, min_size=1, max_size=4),
    st.sampled_from(["x", "10", "a", "3.5", "Adam", "α", "β", "≤", "→", " ", "-", "×",
                     "$x$", "$y_1$", "$z^{2}₃$", "\\", "{", "}", "&", "%", "#", "_", "^",
                     "~", "*", "`c`", "**b**", "[@k]", "\u200b", "é", "\n"]),
)


@pytest.mark.slow
@settings(max_examples=8, deadline=None, phases=[Phase.explicit, Phase.generate],
          suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(notes=st.lists(st.lists(_PIECES, min_size=1, max_size=12).map("".join),
                      min_size=10, max_size=30))
def test_generated_script_text_compiles(tex, notes: list[str]) -> None:  # type: ignore[no-untyped-def]
    """Runs of scripts mixed with text, math and specials: every paragraph compiles."""
    body = md_to_latex("\n\n".join(notes), source=Source("n.md", 1)).text
    code, log, _ = compile_doc(tex.pdflatex, PREAMBLES["ot1"], body)
    assert code == 0, body + log[-2000:]


def _naughty_strings() -> list[str]:
    lines = BLNS.read_text(encoding="utf-8").split("\n")
    return [line for line in lines if line.strip() and not line.startswith("#")]


@pytest.mark.slow
@pytest.mark.parametrize("engine", ["pdflatex", "xelatex", "lualatex"])
def test_naughty_strings_compile(tex, engine: str) -> None:  # type: ignore[no-untyped-def]
    strings = _naughty_strings()
    assert len(strings) > 500
    program = tex.pdflatex if engine == "pdflatex" else tex.require(engine)
    # one paragraph each, so Markdown sees them as a note would hold them
    result = md_to_latex("\n\n".join(strings), source=Source("blns.md", 1), engine=engine)
    preamble = PREAMBLES["ot1"] if engine == "pdflatex" else PREAMBLES["fontspec"]
    code, log, text = compile_doc(program, preamble + "\\usepackage{amssymb}\n", result.text)
    assert code == 0, log[-3000:]
    assert "Emergency stop" not in log and "! " not in log
    if text:
        assert "hasOwnProperty" in text and "brown fox" in text


def test_circled_characters_keep_their_circle(tex) -> None:  # type: ignore[no-untyped-def]
    """Unicode folding would turn ① into a plain 1: the circle is kept with \\textcircled."""
    issues: list = []
    assert escape_text("step ① and ⓐ", "pdflatex", issues) == (
        "step \\textcircled{1} and \\textcircled{a}")
    assert issues == []
    code, log, _ = compile_doc(tex.pdflatex, PREAMBLES["bare"],
                               escape_text("step ① and ⓐ ⑩", "pdflatex", []))
    assert code == 0, log[-2000:]
