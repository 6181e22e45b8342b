"""Markdown -> LaTeX conversion: constructs, escaping, Unicode, math checks, citations,
line map and problems (relwork.latex)."""

from __future__ import annotations

from pathlib import Path

import pytest

from relwork.latex import (
    MATH_COMMANDS,
    MATH_SYMBOLS,
    Latex,
    LatexText,
    check_math,
    escape_latex,
    escape_url,
    is_trusted,
    md_inline_to_latex,
    md_to_latex,
)
from relwork.model import Source

SRC = Source("notes/paper.md", 10)


def block(text: str, **kw: object) -> LatexText:
    return md_to_latex(text, source=SRC, **kw)  # type: ignore[arg-type]


def inline(text: str, **kw: object) -> str:
    return md_inline_to_latex(text, source=SRC, **kw).text  # type: ignore[arg-type]


def codes(result: LatexText) -> list[str]:
    return [p.code for p in result.problems]


# ------------------------------------------------------------------ escaping


@pytest.mark.parametrize("char, latex", [
    ("\\", r"\textbackslash{}"), ("{", r"\{"), ("}", r"\}"), ("$", r"\$"), ("&", r"\&"),
    ("#", r"\#"), ("^", r"\^{}"), ("_", r"\_"), ("~", r"\textasciitilde{}"), ("%", r"\%"),
    ("<", r"\textless{}"), (">", r"\textgreater{}"), ("|", r"\textbar{}"),
])
def test_escape_latex_specials(char: str, latex: str) -> None:
    assert escape_latex(f"a{char}b") == f"a{latex}b"


def test_escape_latex_hostile_text_stays_text() -> None:
    out = escape_latex(r"\input{/etc/passwd} ^^5c \def\x{\x}")
    assert out == (r"\textbackslash{}input\{/etc/passwd\} \^{}\^{}5c "
                   r"\textbackslash{}def\textbackslash{}x\{\textbackslash{}x\}")
    assert isinstance(out, Latex)


def test_escape_latex_collapses_blank_lines() -> None:
    # a blank line is \par, which breaks macro arguments such as \textbf{...}
    assert "\n\n" not in escape_latex("one\n\n  \ntwo")


def test_escape_latex_unknown_engine() -> None:
    with pytest.raises(ValueError, match="xetex"):
        escape_latex("x", engine="xetex")


def test_typography() -> None:
    out = inline('"Quoted" and \'single\', pages 10-20, 2020-05-30, a -- b --- c...')
    assert out == ("``Quoted'' and `single', pages 10--20, 2020-05-30, a -- b --- c\\dots{}")


# ------------------------------------------------------------------- Unicode


@pytest.mark.parametrize("text, latex", [
    ("café", r"caf\'{e}"), ("naïve", r"na\"{\i}ve"), ("Łódź", r"\L{}\'{o}d\'{z}"),
    ("Erdős", r"Erd\H{o}s"), ("Dvořák", r"Dvo\v{r}\'{a}k"), ("straße", r"stra\ss{}e"),
    ("ą", r"\UseTextAccent{T1}{\k}{a}"), ("ș", r"\textcommabelow{s}"),
    ("α ≤ β", r"$\alpha$ $\leq$ $\beta$"), ("α≤β", r"$\alpha\leq\beta$"),
    ("x→y", r"x$\rightarrow$y"), ("10×10", r"10\texttimes{}10"), ("∞", r"$\infty$"),
    ("a–b—c", "a--b---c"), ("“q”", "``q''"), ("…", r"\dots{}"), ("a\u00a0b", "a~b"),
    ("x\u0303", r"\~{x}"), ("ﬁne", "fine"), ("Ω∈ℝ", r"$\Omega\in\mathbf{R}$"),
    ("\uff02a\uff03", r"\UseTextSymbol{T1}{\textquotedbl}a\#"),  # fullwidth forms
])
def test_unicode_for_pdflatex(text: str, latex: str) -> None:
    result = md_inline_to_latex(text, source=SRC)
    assert result.text == latex
    assert result.problems == []


def test_unicode_passes_through_for_xelatex_and_lualatex() -> None:
    # letters of any script and emoji pass (the font decides); math symbols become math
    for engine in ("xelatex", "lualatex"):
        result = md_inline_to_latex("café α≤β 中文 😀 & $x≤y$", source=SRC, engine=engine)
        assert result.text == "café $\\alpha\\leq\\beta$ 中文 😀 \\& $x\\leq y$"
        assert result.problems == []


def test_untypesettable_characters_warn_with_location() -> None:
    result = block("line one\nemoji 😀 and 中 here")
    assert result.text == "line one\nemoji  and ? here"
    assert codes(result) == ["latex-emoji", "latex-unicode"]
    assert {str(p.source) for p in result.problems} == {"notes/paper.md:11"}
    assert all(p.severity == "warning" and p.hint for p in result.problems)


def test_replacement_character_is_reported_for_every_engine() -> None:
    for engine in ("pdflatex", "xelatex", "lualatex"):
        result = md_inline_to_latex("a\ufffdb\x00c", source=SRC, engine=engine)
        assert result.text == "a?b?c"
        assert codes(result) == ["latex-unicode"]


def test_control_characters_are_dropped() -> None:
    # form feed is an \outer active character and DEL is invalid in TeX
    assert inline("a\x0cb\x7fc\td") == "a bc d"


def test_unicode_in_math_is_converted() -> None:
    assert inline("$α ≤ β$") == r"$\alpha  \leq  \beta$"
    assert inline("$x = é$") == r"$x = \mbox{\'{e}}$"
    assert inline("$x² × y ± ᶿ$ x² ±") == (
        r"$x^{2} \times  y \pm  ^{\theta}$ $x^{2}$ \textpm{}")


# ---------------------------------------------------------------- constructs


def test_inline_constructs() -> None:
    out = inline("*em* **strong** `a  {b}_c` [text](https://x.org/a#b) <https://y.org/%7E>")
    assert out == (r"\emph{em} \textbf{strong} \texttt{a \ \{b\}\_c} "
                   r"\href{https://x.org/a\#b}{text} \url{https://y.org/\%7E}")


def test_bare_url_and_trailing_punctuation() -> None:
    assert inline("see https://arxiv.org/abs/1603.08983v2.") == (
        r"see \url{https://arxiv.org/abs/1603.08983v2}.")
    assert inline("(https://a.org/x_(y))") == r"(\url{https://a.org/x_(y)})"
    # smart quotes are not applied inside a URL
    assert inline("'https://a.org/it's'") == r"`\url{https://a.org/it's}'"


def test_escape_url() -> None:
    assert escape_url("http://a.b/p q{x}\\y#f%20") == r"http://a.b/p\%20q\%7Bx\%7D\%5Cy\#f\%20"
    assert escape_url("http://a.b/?a=1&b=é") == r"http://a.b/?a=1\&b=\%C3\%A9"
    assert escape_url("http://a.b/\udc46") == r"http://a.b/\%ED\%B1\%86"  # broken input


def test_paragraphs_lists_quote_heading() -> None:
    result = block("First *para*.\n\n## Heading\n\n- a\n- b\n  1. c\n\n> quoted\n\nLast.")
    assert result.text == "\n".join([
        r"First \emph{para}.",
        "",
        r"\paragraph{Heading}\leavevmode",
        "",
        r"\begin{itemize}",
        r"\item a",
        r"\item b",
        r"\begin{enumerate}",
        r"\item c",
        r"\end{enumerate}",
        r"\end{itemize}",
        "",
        r"\begin{quote}",
        "quoted",
        r"\end{quote}",
        "",
        "Last.",
    ])
    assert result.problems == []


def test_item_starting_with_bracket_is_no_option() -> None:
    assert r"\item {}[x] done" in block("- [x] done").text


def test_ordered_list_start() -> None:
    assert block("3. three\n4. four").text.splitlines()[1] == r"\setcounter{enumi}{2}"


def test_deep_lists_are_flattened_with_warning() -> None:
    text = "- 1\n  - 2\n    - 3\n      - 4\n        - 5"
    result = block(text)
    assert result.text.count(r"\begin{itemize}") == 3
    assert r"\textbullet{}~4" in result.text
    assert codes(result) == ["latex-list-depth"]
    assert result.problems[0].source == Source("notes/paper.md", 13)


def test_deep_quotes_stay_within_latex_nesting_limit() -> None:
    result = block("> " * 8 + "deep\n\n- a\n  > > > > > > q")
    assert result.text.count(r"\begin{quote}") == 5 + 4  # with the list: 5 levels in all
    assert result.text.count(r"\begin{quote}") == result.text.count(r"\end{quote}")
    assert codes(result) == ["latex-list-depth", "latex-list-depth"]


def test_hard_break_uses_newline_and_never_starts_a_line() -> None:
    assert block("a\\\nb").text == "a\\newline\nb"
    # an image (dropped) before a hard break leaves no line to end
    assert "\\newline" not in block("![i](x.png)\\\nb").text
    assert "\\newline" not in block("[![i](x.png)](http://a.b)  \nb").text


def test_code_block_keeps_spaces_and_escapes() -> None:
    result = block("```\nif x:\n  y = {1} % 2\n```")
    assert result.text.splitlines() == [
        r"{\noindent\ttfamily\raggedright",
        r"if x:\newline",
        r"\ \ y = \{1\} \% 2\endgraf}",
    ]


def test_footnotes() -> None:
    result = block("Text[^n] and ^[inline *x*].\n\n[^n]: The *note*\n    with two lines.")
    assert result.text == ("Text\\footnote{The \\emph{note}\nwith two lines.} and "
                           "\\footnote{inline \\emph{x}}.")
    assert [s.line for s in result.lines] == [10, 13]


def test_headings_nested_in_lists_and_quotes_are_bold() -> None:
    # \paragraph right after \item or inside quote is a LaTeX error
    assert block("- ## Head\n\n> # Quote head").text.splitlines() == [
        r"\begin{itemize}", r"\item \textbf{Head}", r"\end{itemize}", "",
        r"\begin{quote}", r"\textbf{Quote head}", r"\end{quote}"]


def test_heading_without_text_after_it_starts_its_paragraph() -> None:
    assert block("text\n\n## Last").text.splitlines()[-1] == r"\paragraph{Last}\leavevmode"
    # text after a heading continues its (run-in) paragraph
    assert block("## H\n\nbody").text == "\\paragraph{H}\\leavevmode\nbody"


def test_footnote_paragraphs_survive_non_long_arguments() -> None:
    # *emphasis[^n]* puts the footnote inside \emph{...}, where \par is an error
    result = block("*see[^n]*\n\n- ## nested[^n]\n\n"
                   "[^n]: one\n\n    two\n\n    ```\n    c\n    ```")
    assert "\\par" not in result.text.replace("\\paragraph", "")
    assert r"\item \textbf{nested\footnote{one" in result.text
    assert result.text.count(r"\endgraf") == 6


def test_footnote_in_heading_follows_the_heading() -> None:
    result = block("## Head[^a]\n\nBody.\n\n[^a]: Note.")
    assert result.text == "\\paragraph{Head}\\leavevmode\n\\footnote{Note.}\nBody."


def test_html_and_images_dropped_with_warning() -> None:
    result = block("x <b>bold</b>\n\n<div>block</div>\n\n![alt](fig.png)\n\n<!-- a comment -->")
    assert "<" not in result.text and "fig" not in result.text
    assert codes(result) == ["latex-html", "latex-html", "latex-html", "latex-image"]
    assert [p.source.line for p in result.problems if p.source] == [10, 10, 12, 14]


def test_only_web_and_mail_links_are_exported() -> None:
    result = block("[x](run:calc.exe) <run:calc> [y](other.md) [z](#top) <a@b.org>")
    assert result.text == r"x run:calc y z \href{mailto:a@b.org}{a@b.org}"
    assert codes(result) == ["latex-link"] * 4
    # a target that names a scheme is a PDF action: warning; a link between notes: info
    assert [p.severity for p in result.problems] == ["warning", "warning", "info", "info"]


@pytest.mark.parametrize("link, text", [
    ("[click](javascript:alert(1))", "click"), ("[f](file:///etc/passwd)", "f"),
    ("[r](run:calc.exe)", "r"), ("[d](data:text/html,x)", "d"), ("[v](vbscript:x)", "v"),
    ("<javascript:alert(1)>", "javascript:alert(1)"), ("[l](launch:x)", "l"),
    ("## [h](javascript:x)", r"\paragraph{h after}"),
])
def test_links_to_files_and_programs_warn_and_keep_their_text(link: str, text: str) -> None:
    result = block(f"first line\n\n{link} after")
    assert text in result.text and "(" not in result.text.replace("(1)", "")
    assert "href" not in result.text and "url" not in result.text
    [problem] = result.problems
    assert (problem.severity, problem.code, problem.source) == (
        "warning", "latex-link", Source("notes/paper.md", 12))
    assert "not exported" in problem.message and problem.hint


def test_strikethrough_text_is_kept_plain() -> None:
    assert inline("~~old~~ new") == "old new"


# ---------------------------------------------------------------------- math


def test_math_passes_through() -> None:
    assert block(r"$\frac{a}{b}_{i}^{2}$ and $$\sum_i x_i$$").text == (
        r"$\frac{a}{b}_{i}^{2}$ and \[\sum_i x_i\]")
    # one-line results, headings and link texts may be macro arguments: no \[ there
    assert inline("$$x$$") == r"$\displaystyle x$"
    assert block("## $$x$$ [$$y$$](http://a.b)").text.splitlines()[0] == (
        r"\paragraph{$\displaystyle x$ $\displaystyle y$}\leavevmode")


def test_heading_links_are_text() -> None:
    # \paragraph{} goes to the .toc, where the % and # of \url break the file
    assert block("## [T](http://a.b/#x) <http://c.d/x#y> http://e.f/x_y").text.splitlines()[0] \
        == r"\paragraph{T http://c.d/x\#y http://e.f/x\_y}\leavevmode"
    result = block("$$\n\\begin{aligned} a &= b \\\\ c &= d\\end{aligned}\n$$")
    assert result.text == "\\[\n\\begin{aligned} a &= b \\\\ c &= d\\end{aligned}\n\\]"
    assert [s.line for s in result.lines] == [10, 11, 12]


@pytest.mark.parametrize("math", [
    r"\input{/etc/passwd}", r"\include{x}", r"\openin5=x", r"\openout5=x", r"\write18{ls}",
    r"\immediate\write18{id}", r"\read5 to\x", r"\catcode`\@=11", r"\def\x{\x}\x",
    r"\edef\x{}", r"\gdef\x{}", r"\xdef\x{}", r"\let\x\relax", r"\futurelet\x",
    r"\csname input\endcsname", r"\newcommand{\x}{}", r"\renewcommand{\x}{}",
    r"\providecommand{\x}{}", r"\usepackage{x}", r"\end{document}", r"\begin{document}",
    r"\special{x}", r"\directlua{os.execute('id')}", r"\loop\repeat", r"\expandafter\x",
    r"\uppercase{x}", r"\lowercase{x}", r"\afterassignment\x", "^^5cinput", r"\@gobble",
    r"\makeatletter", r"\pdffiledump{x}", r"\scantokens{x}", r"\iffalse",
    r"\InputIfFileExists{x}{}{}", r"\lstinputlisting{x}", r"\chardef\x=1",
    r"\^^69nput{/etc/passwd}", r"\^^5cinput", "^^^^005c", r"\i^^6eput",
    r"\href{run:calc}{x}", r"\url{run:x}", r"\mintinline{sh}{id}", r"\luaexec{x}",
])
def test_dangerous_math_is_rejected_and_written_as_text(math: str) -> None:
    check = check_math(math)
    assert check is not None and check.kind == "unsafe"
    result = block(f"before\nsee ${math}$ here")
    assert "$" + math not in result.text
    assert [p.severity for p in result.problems] == ["error"]
    assert result.problems[0].source == Source("notes/paper.md", 11)
    assert result.problems[0].code == "latex-math-unsafe"


@pytest.mark.parametrize("math", [
    "a{b", "a}b", r"\left( x", r"x \right)", r"{\left( x} \right)", "a & b", r"50% of",
    r"\begin{matrix} a", r"\end{matrix}", r"\begin{align} x \end{align}", "x\\",
    "x\\\n", "x\\ ",
])
def test_malformed_math_is_reported(math: str) -> None:
    check = check_math(math)
    assert check is not None and check.kind == "malformed"


@pytest.mark.parametrize("math", [
    r"\alpha", r"\left(\frac{a}{b}\right)", r"\begin{pmatrix} a & b \\ c & d\end{pmatrix}",
    r"\{x\}", r"\% \# \$ \&", r"\iff", r"\mathbb{R}^n", r"a^{b^{c}}", r"\text{if } x",
    r"\curlyvee \evaluated{x} \iint \infty \hskip1em \operatorname{Var}",
])
def test_ordinary_math_is_allowed(math: str) -> None:
    assert check_math(math) is None


GLOBAL_STATE = [
    r"\fontdimen2\font=3cm", r"\globaldefs=1 x", r"\mag=2000", r"\font\x=cmr10 scaled 5000",
    r"\hyphenation{re-lated}", r"\patterns{a1b}", r"\skewchar\font=1", r"\hyphenchar\font=1",
    r"\setbox0=\hbox{x}", r"\box0", r"\the\count0", r"\number1", r"\romannumeral1",
    r"\noexpand\x", r"\unexpanded{x}", r"\detokenize{x}", r"\string\x", r"\meaning\x",
    r"\jobname", r"\pagenumbering{roman}", r"\thispagestyle{empty}", r"\AtEndDocument{x}",
    r"\AtBeginDocument{x}", r"\AddToHook{x}{y}", r"\UseName{input}", r"\ExpandArgs{c}\x",
    r"\pgfkeys{/a/.code=x}", r"\Acrobatmenu{Quit}{x}", r"\ExplSyntaxOn", r"\deadcycles=1",
    r"\interactionmode=0", r"\spacefactor=1", r"\pdfprimitive\x", r"\expanded{x}",
    r"\gappto\x{y}", r"\patchcmd\x{a}{b}{}{}", r"\bibliography{x}", r"\index{x}",
    r"\addcontentsline{toc}{x}{y}", r"\markboth{a}{b}", r"\enlargethispage{1cm}",
    r"\alpha \R \input{x}", r"a}\input{x}",  # unsafe wins over other findings
]


@pytest.mark.parametrize("math", GLOBAL_STATE)
def test_math_that_changes_the_rest_of_the_paper_is_unsafe(math: str) -> None:
    check = check_math(math)
    assert check is not None and check.kind == "unsafe", check
    result = block(f"${math}$")
    assert [(p.severity, p.code) for p in result.problems] == [("error", "latex-math-unsafe")]
    assert "$" + math not in result.text


@pytest.mark.parametrize("math", [
    r"\R^n", r"\baselineskip=3cm", r"\color{red} x", r"\clearpage", r"\vspace{1cm}",
    r"\hbox{x}", r"\rule{1cm}{1cm}", r"\root 3\of x", r"\parskip=1pt", r"\tag{1}",
])
def test_commands_outside_the_math_allowlist_are_not_written(math: str) -> None:
    check = check_math(math)
    assert check is not None and check.kind == "unsupported", check
    result = block(f"see ${math}$ here")
    [problem] = result.problems
    assert (problem.severity, problem.code) == ("warning", "latex-math-unsupported")
    assert problem.source == SRC and problem.hint
    assert "$" + math not in result.text and "see" in result.text


def test_user_macros_pass_when_declared_but_never_denied_ones() -> None:
    assert block(r"$\R^n + \E[x]$", math_macros=["R", "\\E"]).text == r"$\R^n + \E[x]$"
    assert codes(block(r"$\R^n$", math_macros=["E"])) == ["latex-math-unsupported"]
    assert inline(r"$\R$", math_macros=["R"]) == r"$\R$"
    check = check_math(r"\input{x}", macros=["input"])
    assert check is not None and check.kind == "unsafe"
    # footnote definitions are rendered separately: they use the same macros
    result = block("a[^n]\n\n[^n]: $\\R$", math_macros=["R"])
    assert result.problems == [] and r"\footnote{$\R$}" in result.text


def test_every_allowlisted_command_and_symbol_form_passes() -> None:
    for name in sorted(MATH_COMMANDS):
        check = check_math("\\" + name)
        # \left and \ref need their partner or key: malformed, never refused
        assert check is None or check.kind == "malformed", (name, check)
    for char, form in MATH_SYMBOLS.items():
        assert check_math(form) is None, (char, form)
        assert check_math("x" + char + "y") is None


@pytest.mark.parametrize("math, word", [
    (r"\cite{a}", "citations"), (r"\citep{a} x", "citations"), (r"\text{\citet{a}}", "citations"),
    (r"\footnote{x}", "footnote"), (r"x\footnotemark", "footnote"),
    (r"\label{eq:x}", "not numbered"),
])
def test_citations_footnotes_and_labels_are_refused_in_math(math: str, word: str) -> None:
    check = check_math(math)
    assert check is not None and check.kind == "unsupported" and word in check.message
    assert check.hint


def test_deeply_nested_math_is_malformed() -> None:
    assert check_math("{" * 50 + "x" + "}" * 50) is None
    check = check_math(r"\sqrt{" * 300 + "x" + "}" * 300)
    assert check is not None and check.kind == "malformed" and "nested" in check.message


def test_references_in_math_need_safe_keys() -> None:
    for good in (r"\eqref{eq:elbo}", r"\ref{fig:1} = x", r"\pageref*{sec:a.b}",
                 r"\text{see \ref{tab:x-y}}"):
        assert check_math(good) is None, good
    for bad in (r"\ref{a b}", r"\eqref{a,b}", r"\ref x", r"\ref{}", r"\eqref{a{b}}"):
        check = check_math(bad)
        assert check is not None and check.kind == "malformed", bad
    check = check_math(r"\ref{\input{x}}")
    assert check is not None and check.kind == "unsafe"


@pytest.mark.parametrize("engine", ["xelatex", "lualatex"])
def test_unicode_engines_typeset_math_symbols_in_math_and_keep_scripts(engine: str) -> None:
    result = block("x ≤ y, α→β ∈ ℝ; café Привет 東京 Ελ µm × “q”", engine=engine)
    assert result.text == (r"x $\leq$ y, $\alpha\rightarrow\beta$ $\in$ $\mathbf{R}$; "
                           "café Привет 東京 $\\mathrm{E}\\lambda$ µm × “q”")
    assert result.problems == []
    assert block("$α ≤ β₁ \\text{é}$", engine=engine).text == (
        r"$\alpha  \leq  \beta _{1} \text{é}$")


def test_display_math_in_a_list_has_no_blank_line() -> None:
    result = block("1. a\n\n   $$\n   y = 1\n   $$\n2. b")
    assert result.text.splitlines() == [
        r"\begin{enumerate}", r"\item a", "", r"\[", "y = 1", r"\]", r"\item b",
        r"\end{enumerate}"]
    assert [s.line for s in result.lines][3:6] == [12, 13, 14]


def test_backslash_line_break_cannot_escape_the_closing_dollar() -> None:
    # the combining mark is dropped, which leaves the backslash last
    result = block("$a\\\n\u0301$ and $b\\\\$")
    assert result.text == "\\$a\\textbackslash{}\n\\$ and $b\\\\$"
    assert codes(result) == ["latex-math-malformed"]


def test_math_conversion_cannot_create_caret_notation() -> None:
    result = block("$x^ⁱ$")
    assert result.text == r"\$x\^{}$^{i}$\$"
    assert codes(result) == ["latex-math-malformed"]


def test_unclosed_dollar_warns_but_money_does_not() -> None:
    assert codes(block("costs $5 and \\$ sign")) == []
    result = block("open $x + y without close")
    assert result.text == r"open \$x + y without close"
    assert codes(result) == ["latex-dollar"]


# ----------------------------------------------------------------- citations


def cite(keys: list[str], mode: str) -> str:
    return f"\\cite{mode}{{{','.join(keys)}}}"


def test_citations_with_callback() -> None:
    out = inline("[@a; @b_c] @d2020 says [[@w]] \\cite{e,f} \\citet{g} mail x@y.org", cite=cite)
    assert out == r"\citep{a,b_c} \citet{d2020} says \citep{w} \citep{e,f} \citet{g} mail x@y.org"


def test_citation_notes() -> None:
    calls: list[tuple[list[str], str, str, str]] = []

    def cite_notes(keys: list[str], mode: str, prenote: str = "", postnote: str = "") -> str:
        assert is_trusted(prenote) and is_trusted(postnote)
        calls.append((keys, mode, prenote, postnote))
        return "C"

    assert inline("[see @a, p. 3 & 4]", cite=cite_notes) == "C"
    assert calls == [(["a"], "p", "see", r"p. 3 \& 4")]
    def wrapper(*args: object) -> str:  # e.g. a caching layer that records the calls
        calls.append(args)  # type: ignore[arg-type]
        return "W"

    def keywords(keys: list[str], mode: str, **notes: str) -> str:
        return f"K{sorted(notes.items())}"

    assert inline("[see @b]", cite=wrapper) == "W"
    assert calls[-1] == (["b"], "p", "see", "")
    assert inline("[@c, ch. 2]", cite=keywords) == r"K[('postnote', 'ch. 2'), ('prenote', '')]"
    # a two-argument callback still works: the notes are written around it
    assert inline("[see @a, p. 3]", cite=cite) == r"see \citep{a}, p. 3"
    assert inline(r"\citep[p.~7]{k}", cite=cite) == r"\citep{k}, p.~7"


def test_citations_without_callback_stay_text() -> None:
    assert inline("[@a] \\cite{b}") == r"[@a] \textbackslash{}cite\{b\}"


def test_invalid_citation_keys_stay_text() -> None:
    result = md_inline_to_latex(r"[@bad}key] \cite{a b}", source=SRC, cite=cite)
    assert result.text == r"[@bad\}key] \textbackslash{}cite\{a b\}"
    assert codes(result) == ["latex-cite-key", "latex-cite-key"]


# ------------------------------------------------------------ line map, API


def test_line_map_points_at_note_lines() -> None:
    text = "Para one\ncontinues.\n\n- item\n- other\n\n$$\nx\n$$\n"
    result = block(text)
    pairs = list(zip(result.text.split("\n"), [s.line for s in result.lines], strict=True))
    assert pairs == [
        ("Para one", 10), ("continues.", 11), ("", 13), (r"\begin{itemize}", 13),
        (r"\item item", 13), (r"\item other", 14), (r"\end{itemize}", 14), ("", 16),
        (r"\[", 16), ("x", 17), (r"\]", 18),
    ]


def test_inline_is_one_line() -> None:
    result = md_inline_to_latex("a\nb  \nc", source=SRC)
    assert result.text == "a b c"
    assert result.lines == [SRC]


def test_trusted_markers() -> None:
    result = block("x")
    assert isinstance(result.text, Latex) and is_trusted(result.text)
    assert not is_trusted("plain")
    assert isinstance(Latex("a") + Latex("b"), Latex)
    assert not isinstance(Latex("a") + "b", Latex)
    from pylatex.utils import NoEscape

    assert is_trusted(NoEscape(r"\x"))
    assert isinstance(md_inline_to_latex("x", source=SRC).text, Latex)
    assert not is_trusted(LatexText("typed by someone").text)  # no trust by construction


def test_example_report_converts_without_errors(may30_report: Path) -> None:
    text = may30_report.read_text(encoding="utf-8")
    result = md_to_latex(text, source=Source("may30_report.md", 1))
    assert [p for p in result.problems if p.severity == "error"] == []
    assert r"\paragraph{Conclusion on papers:}" in result.text
    assert r"``style''" in result.text
