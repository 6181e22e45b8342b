"""Issue 9, points 1-5, end to end: hostile notes through ``relwork build`` in every template
and citation style.

The oracle is independent of relwork's converter. It reads the written section and accepts a
control sequence outside math only when relwork itself writes it: the commands of the same
template rendering plain notes (the "benign" run), the commands Markdown turns into, and the
text escapes. Inside math it accepts only commands the note's author wrote in math, never a
file, shell, catcode or definition command. Braces must balance; %, #, ^, _ must not appear
unescaped outside math; URLs in \\url/\\href must not be able to leave their argument.
"""

from __future__ import annotations

import functools
import os
import re
import shutil
import subprocess
import tempfile
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from paths import FIXTURES, REPO

from relwork.cli import main

ROOT = REPO
FIXTURES = FIXTURES / "e2e"
TEMPLATES = ["paragraphs", "itemize", "compact", "subsections", "table"]
CITES = ["natbib", "biblatex", "plain"]
# summary: full: every line of the notes reaches the section, so every line is checked
BASE_YAML = ("aliases:\n  styleclip: patashnik2021styleclip\nlint:\n  enabled: false\n"
             "summary: full\n")

# What Markdown becomes and how text is escaped (written by relwork, not by the note).
MARKDOWN_COMMANDS = set("""
emph textbf textit texttt href url footnote begin end item newline par endgraf leavevmode
paragraph noindent mbox protect setcounter raggedright ttfamily hspace
""".split())
ESCAPE_COMMANDS = set("""
textbackslash textasciitilde textasciicircum textless textgreater textbar textasciigrave
textquotesingle textquotedbl textunderscore UseTextSymbol UseTextAccent k quotesinglbase
quotedblbase guillemotleft guillemotright guilsinglleft guilsinglright textminus dots ldots
textbullet textperiodcentered textdegree textcopyright textregistered texttrademark S P
texteuro pounds textyen textcent textcurrency textexclamdown textquestiondown textbrokenbar
textlnot textordfeminine textordmasculine texttimes textpm textmu textperthousand textdagger
textdaggerdbl textnumero ss ae AE oe OE o O l L i j dj DJ dh DH th TH ng NG textendash
textonesuperior texttwosuperior textthreesuperior textonequarter textonehalf
textthreequarters textasciidieresis textasciiacute textasciimacron textvisiblespace
textcommabelow
textemdash textquoteleft textquoteright textquotedblleft textquotedblright u v H r d c b
""".split())
TEXT_SYMBOLS = set("{}$&#%_^'`\"~=.,-/@ \\")
MARKDOWN_ENVIRONMENTS = {"itemize", "enumerate", "quote"}
CITE_COMMANDS = {"cite", "citet", "citep", "citealt", "citealp", "citeauthor", "citeyear",
                 "textcite", "parencite", "autocite", "nocite"}
KEY = re.compile(r"[A-Za-z0-9_:.\-+/]+")
URL_ARGUMENT = re.compile(r"(?:[^\\{}#%\s]|\\[#%&_~])*")
# Issue 9 point 2 plus their relatives: reading/writing files, shell, catcodes, definitions.
DANGEROUS = set("""
input include openin openout write immediate read catcode def edef gdef xdef let futurelet
csname endcsname newcommand renewcommand providecommand DeclareRobustCommand usepackage
special directlua scantokens expandafter uppercase lowercase afterassignment makeatletter
everypar everymath output shipout global
""".split())


# ----------------------------------------------------------------------------- oracle


def _matching(text: str, start: int, opener: str = "{", closer: str = "}") -> int:
    """Index of the brace closing the group that opens at ``start`` (-1 if none)."""
    depth, i = 0, start
    while i < len(text):
        ch = text[i]
        if ch == "\\":
            i += 2
            continue
        if ch == opener:
            depth += 1
        elif ch == closer:
            depth -= 1
            if depth == 0:
                return i
        i += 1
    return -1


def _closing(text: str, start: int, closer: str) -> int:
    """Index of ``closer`` after ``start`` that is not escaped by a backslash (-1 if none)."""
    i = start
    while i < len(text):
        if text[i] == "\\":
            if text.startswith(closer, i):
                return i
            i += 2
            continue
        if text.startswith(closer, i):
            return i
        i += 1
    return -1


def math_problems(math: str, user_math: set[str] | None) -> list[str]:
    """``user_math``: the command names the note wrote (None: the note has Unicode, which
    relwork may turn into commands of its own, so only the denylist applies)."""
    found = []
    names = set(re.findall(r"\\([A-Za-z]+)", math))
    if names & DANGEROUS:
        found.append(f"dangerous command in math: {sorted(names & DANGEROUS)}")
    # a lone symbol ($\leq$, $^{2}$) is how relwork writes a Unicode character for pdflatex
    symbol = re.fullmatch(r"\\[A-Za-z]+(?:\{\})?|[\^_]\{\\?[A-Za-z0-9+=()-]*\}", math.strip())
    if user_math is not None and names - user_math - ESCAPE_COMMANDS - {"mbox"} and not symbol:
        found.append(f"math command the note did not write: {sorted(names - user_math)}")
    if "^^" in math or re.search(r"\\(?:begin|end)\s*\{\s*document", math):
        found.append(f"dangerous sequence in math: {math!r}")
    depth = 0
    for m in re.finditer(r"\\.|[{}]", math, re.S):
        depth += {"{": 1, "}": -1}.get(m.group(0), 0)
        if depth < 0:
            break
    if depth:
        found.append(f"unbalanced braces in math: {math!r}")
    return found


def section_body(tex: str) -> str:
    """The section without relwork's leading header comment lines."""
    lines = tex.split("\n")
    while lines and lines[0].startswith("%"):
        lines.pop(0)
    return "\n".join(lines)


def commands(tex: str) -> set[str]:
    return set(re.findall(r"\\([A-Za-z]+)", section_body(tex)))


def violations(tex: str, *, allowed: set[str], environments: set[str],
               user_math: set[str] | None) -> list[str]:
    """Everything in a written section that note text could have used to run or break TeX."""
    text = section_body(tex)
    found: list[str] = []
    depth, i, n = 0, 0, len(text)
    while i < n:
        ch = text[i]
        if ch == "\\":
            word = re.match(r"\\([A-Za-z]+)\*?", text[i:])
            if not word:
                sym = text[i + 1: i + 2]
                if sym in ("[", "("):
                    end = _closing(text, i + 2, "\\]" if sym == "[" else "\\)")
                    if end < 0:
                        found.append(f"unclosed \\{sym}")
                        break
                    found += math_problems(text[i + 2: end], user_math)
                    i = end + 2
                    continue
                if sym not in TEXT_SYMBOLS:
                    found.append(f"control symbol \\{sym!r} outside math")
                i += 2
                continue
            name = word.group(1)
            i += len(word.group(0))
            # \textfoo{} with an empty group is a text symbol (how Unicode is written)
            symbol = name.startswith("text") and text.startswith("{}", i)
            if name not in allowed and not symbol:
                found.append(f"command \\{name} outside math that relwork does not write")
            if name in CITE_COMMANDS:
                arg = re.match(r"((?:\[[^\]]*\])*)\{([^{}]*)\}", text[i:])
                if not arg or not all(KEY.fullmatch(k.strip()) for k in arg.group(2).split(",")):
                    found.append(f"bad citation: {text[i - len(word.group(0)): i + 60]!r}")
                    continue
                i += len(arg.group(0))
            elif name in ("url", "href"):
                end = _matching(text, i)
                url = text[i + 1: end]
                if text[i: i + 1] != "{" or end < 0 or not URL_ARGUMENT.fullmatch(url):
                    found.append(f"unsafe URL argument: {url!r}")
                elif not re.match(r"(?i)(?:https?|ftp)://|mailto:", url):
                    found.append(f"link that is not a web address: {url!r}")
                i = end + 1
            elif name in ("begin", "end"):
                env = re.match(r"\{([A-Za-z*]+)\}", text[i:])
                if not env or env.group(1) not in environments:
                    found.append(f"environment {text[i: i + 30]!r}")
            continue
        if ch == "$":
            display = text.startswith("$$", i)
            end = _closing(text, i + (2 if display else 1), "$$" if display else "$")
            if end < 0:
                found.append("unclosed $")
                break
            found += math_problems(text[i + (2 if display else 1): end], user_math)
            i = end + (2 if display else 1)
            continue
        if ch == "{":
            depth += 1
        elif ch == "}":
            depth -= 1
            if depth < 0:
                found.append("unbalanced }")
                depth = 0
        elif ch in "#%^_":
            found.append(f"unescaped {ch!r} outside math: {text[max(0, i - 30): i + 30]!r}")
        elif ch in "\x00\x0b\x0c\x7f":
            found.append(f"control character {ch!r}")
        i += 1
    if depth:
        found.append("unbalanced {")
    return found


def user_math_commands(notes: Path) -> set[str] | None:
    """Every command name the notes write (an upper bound is enough); None when the notes
    hold non-ASCII text (relwork writes commands for Unicode in math)."""
    names: set[str] = set()
    for path in notes.rglob("*.md"):
        text = path.read_text(encoding="utf-8")
        if not text.isascii():
            return None
        names |= set(re.findall(r"\\([A-Za-z]+)", text))
    return names - DANGEROUS


def unescaped_ampersands(tex: str) -> int:
    return len(re.findall(r"(?<!\\)&", section_body(tex)))


def test_oracle_flags_injections_and_accepts_relwork_output() -> None:
    allowed = MARKDOWN_COMMANDS | ESCAPE_COMMANDS | {"section", "label", "citet"}
    envs = MARKDOWN_ENVIRONMENTS
    ok = ("\\section{R}\\label{sec:r}\n\\citet{a_b} propose \\emph{T}. \\textbackslash{}input"
          "\\{x\\} 100\\% \\# $\\alpha_i$ \\href{http://a.b/\\#c\\%25}{t} \\[x^2\\]")
    assert violations(ok, allowed=allowed, environments=envs, user_math={"alpha"}) == []
    for bad in ("\\input{x}", "a % b", "{", "}", "$\\write18{x}$", "a_b", "$^^5c$", "#",
                "\\url{http://a#b}", "\\url{http://a/}x}", "\\begin{document}", "\\citet{a}b}",
                "\\citet{a b}", "\\href{run:x}{y}", "$\\alpha+\\beta$", "\\[\\def\\x{}\\]", "^^"):
        assert violations(bad, allowed=allowed, environments=envs, user_math=set()), bad


# ---------------------------------------------------------------------------- project


def make_project(root: Path, notes: Path, yaml: str = "") -> Path:
    """A project in ``root``: the repository's example bib, ``notes`` as summaries/."""
    root.mkdir(parents=True, exist_ok=True)
    shutil.copytree(ROOT / "bib", root / "bib")
    shutil.copytree(notes, root / "summaries")
    (root / "relwork.yaml").write_text(BASE_YAML + yaml, encoding="utf-8")
    return root


def build(project: Path, *args: str) -> tuple[int, str, str]:
    """``relwork build ARGS`` run inside ``project`` (messages show paths relative to it)."""
    cwd = os.getcwd()
    os.chdir(project)
    try:
        result = CliRunner().invoke(main, ["build", *args], catch_exceptions=False)
    finally:
        os.chdir(cwd)
    return result.exit_code, result.stdout, result.stderr


def section(project: Path) -> str:
    return (project / "latex" / "related_work.tex").read_text(encoding="utf-8")


@functools.cache
def benign() -> dict[tuple[str, str, str], str]:
    """The section written for plain notes of the same shape, per template, style, grouping."""
    out = {}
    with tempfile.TemporaryDirectory() as tmp:
        for group_by in ("group", "tag"):
            project = make_project(Path(tmp, group_by), FIXTURES / "plain",
                                   f"group_by: {group_by}\n")
            for template in TEMPLATES:
                for cite in CITES:
                    code, _, err = build(project, "-t", template, "--cite", cite)
                    assert code == 0, err
                    out[template, cite, group_by] = section(project)
    return out


@pytest.mark.parametrize("group_by", ["group", "tag"])
@pytest.mark.parametrize("template", TEMPLATES)
def test_hostile_notes_give_only_relwork_commands(
        tmp_path: Path, template: str, group_by: str) -> None:
    """Points 1-3: every command in the section is relwork's own or the note's harmless
    math; the note's backslashes, braces, ^^, %, #, $ and URLs stay text."""
    project = make_project(tmp_path, FIXTURES / "notes", f"group_by: {group_by}\n")
    user_math = user_math_commands(project / "summaries")
    for cite in CITES:
        code, out, err = build(project, "-t", template, "--cite", cite)
        assert code == 0, err
        assert "Traceback" not in err
        assert "4 entries: 4 matched" in out
        tex, plain = section(project), benign()[template, cite, group_by]
        allowed = commands(plain) | MARKDOWN_COMMANDS | ESCAPE_COMMANDS | CITE_COMMANDS
        envs = MARKDOWN_ENVIRONMENTS | set(re.findall(r"\\begin\{([A-Za-z*]+)\}", plain))
        assert violations(tex, allowed=allowed, environments=envs, user_math=user_math) == []
        # the table's column separators are the template's: the note adds none
        assert unescaped_ampersands(tex) == unescaped_ampersands(plain)
        assert sorted(re.findall(r"\\cite\w*\{([^}]*)\}", section_body(tex))) == sorted(
            re.findall(r"\\cite\w*\{([^}]*)\}", section_body(plain)))


def test_hostile_text_is_kept_as_text(tmp_path: Path) -> None:
    """Nothing is lost: the hostile words are printed, escaped, where the note wrote them."""
    project = make_project(tmp_path, FIXTURES / "notes")
    code, _, err = build(project, "-t", "subsections")
    assert code == 0, err
    body = section_body(section(project))
    for text in ("\\textbackslash{}input\\{/etc/passwd\\}",
                 "\\textbackslash{}write18\\{touch pwned\\}",
                 "\\% not a comment", "\\# hash", "\\textbackslash{}end\\{document\\}",
                 "\\textbackslash{}catcode64=11", "\\{\\{\\{", "100\\%", "\\$5 and \\$6",
                 "$\\alpha_i + \\beta^{2}$", "\\sum_{i=1}^{n} x_i", "$x_1$"):
        assert text in body, text
    # ^^ never survives as a caret pair: TeX would read it as a character code
    assert "^^" not in body.replace("\\^{}\\^{}", "")
    assert "\\^{}\\^{}5c" in body


def test_group_heading_text_is_kept(tmp_path: Path) -> None:
    project = make_project(tmp_path, FIXTURES / "notes")
    code, _, err = build(project, "-t", "subsections")
    assert code == 0, err
    body = section_body(section(project))
    assert "\\textbackslash{}input\\{/etc/passwd\\}" in body.split("\\citet")[0]


def test_prose_line_starting_with_a_label_and_a_link_is_kept(tmp_path: Path) -> None:
    notes = tmp_path / "notes"
    notes.mkdir()
    (notes / "a.md").write_text(
        "# P\n\n## Score-based Generative Modeling in Latent Space\n\nThe model samples fast.\n"
        "Links: the [project page](https://example.org/p) and the code are online.\n"
        "It works.\n", encoding="utf-8")
    project = make_project(tmp_path / "p", notes)
    code, _, err = build(project)
    assert code == 0, err
    assert "code are online" in section(project)


# ------------------------------------------------------------------------ point 2: math

DANGEROUS_MATH = [
    "\\input{/etc/passwd}", "\\include{x}", "\\openin1=x", "\\openout1=x", "\\write18{ls}",
    "\\immediate\\write1{x}", "\\read16 to \\x", "\\catcode64=11", "\\def\\x{y}", "\\let\\a\\b",
    "\\csname relax\\endcsname", "^^5cinput", "x \\end{document}", "\\edef\\x{}",
    "\\expandafter\\x", "\\newcommand\\x{}", "\\^^69nput{x}",
]


def test_dangerous_math_is_an_error_at_its_line_and_nothing_is_written(tmp_path: Path) -> None:
    notes = tmp_path / "notes"
    notes.mkdir()
    head = "# P\n\n## Score-based Generative Modeling in Latent Space\n\n"
    (notes / "a.md").write_text(head + "Plain $x^2$ text.\n", encoding="utf-8")
    project = make_project(tmp_path / "p", notes)
    assert build(project)[0] == 0
    before = section(project)
    lines = [f"Formula {i}: ${m}$ here.\n\n" for i, m in enumerate(DANGEROUS_MATH)]
    (project / "summaries" / "a.md").write_text(head + "".join(lines), encoding="utf-8")
    code, out, err = build(project)
    assert code == 1
    assert "nothing written" in out
    assert "Traceback" not in err
    for i, _ in enumerate(DANGEROUS_MATH):
        line = 5 + 2 * i
        assert re.search(rf"^summaries/a\.md:{line}: error: ", err, re.M), (line, err)
    assert section(project) == before  # the previous section is intact


def test_unbalanced_math_is_reported_and_not_emitted(tmp_path: Path) -> None:
    notes = tmp_path / "notes"
    notes.mkdir()
    (notes / "a.md").write_text(
        "# P\n\n## Score-based Generative Modeling in Latent Space\n\n"
        "Balanced $x^2$ first.\nThen $\\frac{a}{b$ unbalanced.\nAnd $a}{b$ too.\n",
        encoding="utf-8")
    project = make_project(tmp_path / "p", notes)
    code, _, err = build(project)
    assert code == 0, err
    assert re.search(r"^summaries/a\.md:6: warning: .*unbalanced", err, re.M), err
    assert re.search(r"^summaries/a\.md:7: warning: .*unbalanced", err, re.M), err
    body = section_body(section(project))
    assert "$x^2$" in body
    assert "\\$\\textbackslash{}frac\\{a\\}\\{b\\$" in body
    assert "\\$a\\}\\{b\\$" in body


# ------------------------------------------------------------------------- point 3: URLs

URLS = [
    ("[t](http://e.org/a}b{c\\d#e%f&g)", "http://e.org/a}b{c\\d#e%f&g"),
    ("<http://e.org/%7B#x%>", "http://e.org/%7B#x%"),
    ("http://e.org/~u_v#w%z", "http://e.org/~u_v#w%z"),
    ("[t](http://e.org/}{\\\\input{x}})", "http://e.org/}{\\input{x}}"),
    ("[t](<http://e.org/a b#c>)", "http://e.org/a b#c"),
    ("[m](mailto:a%b@e.org#x)", "mailto:a%b@e.org#x"),
]


def test_urls_cannot_break_out_of_url_and_href(tmp_path: Path) -> None:
    notes = tmp_path / "notes"
    notes.mkdir()
    body = "".join(f"Link {i} {md} end {i}.\n\n" for i, (md, _) in enumerate(URLS))
    (notes / "a.md").write_text("# P\n\n## Score-based Generative Modeling in Latent Space\n\n"
                                + body + "Footnote[^1].\n\n[^1]: See " + URLS[0][0] + ".\n",
                                encoding="utf-8")
    project = make_project(tmp_path / "p", notes)
    code, _, err = build(project)
    assert code == 0, err
    tex = section_body(section(project))
    args = []
    for m in re.finditer(r"\\(?:url|href)\{", tex):
        end = _matching(tex, m.end() - 1)
        assert end > 0
        args.append(tex[m.end(): end])
    assert len(args) == len(URLS) + 1
    for url in args:
        assert URL_ARGUMENT.fullmatch(url), url
    for i in range(len(URLS)):  # the text after each link is still there, outside the URL
        assert f"end {i}." in tex
    # what the link points to is preserved: decoded, the argument is the written target
    from urllib.parse import unquote
    decoded = [unquote(re.sub(r"\\([#%&_~])", r"\1", a)) for a in args]
    for _, target in URLS:
        assert unquote(target) in decoded, (target, decoded)


# --------------------------------------------------------------- point 5: citation keys

BAD_KEYS = ["a}b", "a,b", "a\\b", "a%b", "a b", "a{b"]


@pytest.mark.parametrize("key", BAD_KEYS)
def test_bad_citation_keys_in_front_matter_are_rejected(tmp_path: Path, key: str) -> None:
    notes = tmp_path / "notes"
    notes.mkdir()
    quoted = key.replace("\\", "\\\\")
    (notes / "a.md").write_text(
        f'---\nkey: "{quoted}"\ntitle: Score-based Generative Modeling in Latent Space\n---\n\n'
        "Text.\n", encoding="utf-8")
    project = make_project(tmp_path / "p", notes)
    code, out, err = build(project)
    assert code == 1 and "nothing written" in out
    assert re.search(r"^summaries/a\.md:\d+: error: citation key .* is not valid", err, re.M), err
    assert not (project / "latex" / "related_work.tex").exists()


@pytest.mark.parametrize("key", ["a}b", "a\\b", "a%b", "{a b}", "vahdat2021score}x",
                                 "vahdat2021score%x"])
def test_bad_citation_keys_in_text_are_rejected(tmp_path: Path, key: str) -> None:
    notes = tmp_path / "notes"
    notes.mkdir()
    (notes / "a.md").write_text(
        "# P\n\n## Score-based Generative Modeling in Latent Space\n\n"
        f"As shown before [@{key}], it works.\n", encoding="utf-8")
    project = make_project(tmp_path / "p", notes)
    code, _, err = build(project)
    assert code == 1
    assert re.search(r"^summaries/a\.md:5: error: citation key .* is not valid", err, re.M), err
    assert not (project / "latex" / "related_work.tex").exists()


# -------------------------------------------------------- point 4: property, whole pipeline

FRAGMENTS = [
    "\\", "{", "}", "#", "%", "&", "~", "_", "^", "^^", "^^5c", "$", "$x^2$", "$\\alpha$",
    "\\input{/etc/passwd}", "\\write18{x}", "\\end{document}", "\\def\\x{\\x}\\x",
    "\\catcode`\\@=11", "\\csname", "[@vahdat2021score]", "<http://e.org/a#b%c>",
    "[l](http://e.org/}{#%)", "http://e.org/a_b#c%d", "**", "_", "`", "\n", "\n\n", "\n- ",
    "\n1. ", "\n> ", "[^1]", "\n\n[^1]: ", "é", "≤", "😀", "\u00a0", "<b>", "!!", "\t",
]
TEXT = st.lists(st.one_of(st.sampled_from(FRAGMENTS), st.text(max_size=5)), max_size=20).map(
    "".join)
TITLES = ["Score-based Generative Modeling in Latent Space",
          "Latent Space Oddity: on the Curvature of Deep Generative Models", "styleclip"]


@pytest.mark.slow
@settings(max_examples=150, deadline=None,
          suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture])
@given(group=TEXT, body=TEXT, point=TEXT, template=st.sampled_from(TEMPLATES),
       cite=st.sampled_from(CITES), group_by=st.sampled_from(["group", "tag"]))
def test_any_note_gives_a_safe_section_or_errors_with_lines(
        tmp_path_factory: pytest.TempPathFactory, group: str, body: str, point: str,
        template: str, cite: str, group_by: str) -> None:
    notes = tmp_path_factory.mktemp("n")
    heading = " ".join(group.split()) or "G"
    tag = " ".join(point.split())[:20].replace('"', "'").replace("\\", "/") or "t"
    text = (f'---\ntags: ["{tag}"]\n---\n\n# Report\n\n## {heading}\n\n'
            + "".join(f"### {title}\n\n{body}\n\n- {point}\n\n" for title in TITLES))
    (notes / "a.md").write_text(text, encoding="utf-8")
    project = make_project(tmp_path_factory.mktemp("p"), notes, f"group_by: {group_by}\n")
    code, out, err = build(project, "-t", template, "--cite", cite)
    assert "Traceback" not in err
    last = len(re.split(r"\r\n|\r|\n", text))  # markdown-it counts CR as a line break
    for line in err.splitlines():  # every finding about the note names a line in it
        m = re.match(r"summaries/a\.md:(\d+): ", line)
        if m:
            assert 1 <= int(m.group(1)) <= last, line
    if code == 1:
        assert re.search(r"^summaries/a\.md:\d+: error: ", err, re.M), err
        assert not (project / "latex" / "related_work.tex").exists()
        return
    assert code == 0, err
    tex = section(project)
    user_math = user_math_commands(project / "summaries")
    plain = benign()[template, cite, group_by]
    allowed = commands(plain) | MARKDOWN_COMMANDS | ESCAPE_COMMANDS | CITE_COMMANDS
    envs = MARKDOWN_ENVIRONMENTS | set(re.findall(r"\\begin\{([A-Za-z*]+)\}", plain))
    assert violations(tex, allowed=allowed, environments=envs, user_math=user_math) == [], tex


GLOBAL_STATE_MATH = ["\\globaldefs=1 \\globaldefs=1", "\\fontdimen2\\font=2cm", "\\mag=2000",
                     "\\font\\x=cmr10 scaled 5000", "\\hyphenation{re-lated}"]


@pytest.mark.parametrize("formula", GLOBAL_STATE_MATH)
def test_math_cannot_change_the_rest_of_the_paper(tmp_path: Path, formula: str) -> None:
    notes = tmp_path / "notes"
    notes.mkdir()
    (notes / "a.md").write_text("# P\n\n## Score-based Generative Modeling in Latent Space\n\n"
                                f"Formula ${formula}$ here.\n", encoding="utf-8")
    project = make_project(tmp_path / "p", notes)
    code, _, err = build(project)
    assert re.search(r"^summaries/a\.md:5: (error|warning): ", err, re.M), err
    if code == 0:
        assert f"${formula}$" not in section(project)


# ------------------------------------------------------- stubs: note text written into a .bib

STUB_NOTE = ("# Papers\n\n## A Paper Not In The Bibliography\n\n"
             "DOI 10.1234/a}@preamble{{\\input{/etc/hostname}}}@misc{x,title={y\n")


def test_stub_entry_cannot_inject_bibtex(tex: Any) -> None:
    from relwork.bib import parse_bib_text
    from relwork.match import make_stub
    from relwork.notes import parse_note

    [entry] = parse_note(STUB_NOTE, "a.md").entries
    stub = make_stub(entry)
    parsed = parse_bib_text(stub.raw + "\n", "stub.bib")
    assert list(parsed.records) == [stub.key] and not parsed.failed
    if tex.bibtex is None:
        return
    with tempfile.TemporaryDirectory() as tmp:
        Path(tmp, "stub.bib").write_text(stub.raw + "\n", encoding="utf-8")
        Path(tmp, "doc.aux").write_text(f"\\citation{{{stub.key}}}\n\\bibstyle{{plain}}\n"
                                        "\\bibdata{stub}\n", encoding="utf-8")
        subprocess.run([str(tex.bibtex), "doc"], cwd=tmp, capture_output=True, timeout=60)
        assert "\\input" not in Path(tmp, "doc.bbl").read_text(encoding="utf-8")


@pytest.mark.parametrize("line", ["* **Key**: a}b", "* **Citekey**: a b", "\\cite{a%b}",
                                  "\\citep{a\\b}", "Key: x,y"])
def test_bad_citation_keys_in_bullets_and_cite_commands_are_rejected(tmp_path: Path,
                                                                     line: str) -> None:
    notes = tmp_path / "notes"
    notes.mkdir()
    (notes / "a.md").write_text("# P\n\n## Score-based Generative Modeling in Latent Space\n\n"
                                f"{line}\n", encoding="utf-8")
    project = make_project(tmp_path / "p", notes)
    code, _, err = build(project)
    assert code == 1
    assert re.search(r"^summaries/a\.md:5: error: citation key .* is not valid", err, re.M), err
    assert not (project / "latex" / "related_work.tex").exists()
