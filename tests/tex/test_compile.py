"""compile_preview against real TeX Live (latexmk, pdflatex/xelatex, bibtex, biber).

Each test compiles a small hand-made section; the line map says which note line produced
each section line, as render_section would. Nine compiles in all, about 1-3 s each (the
timeout test takes its 10 s).
"""

from __future__ import annotations

import re
import shutil
import subprocess
import time
from pathlib import Path
from typing import Any

import pytest
from paths import FIXTURES

from relwork.bib import load_bib
from relwork.config import load_config
from relwork.model import Problem, Source
from relwork.tex import CompileResult, compile_preview

FIXTURES = FIXTURES / "compile"
NOTE = "summaries/week1.md"
NATBIB_SECTION = [
    "\\section{Related Work}",
    "\\label{sec:related-work}",
    "\\citet{graves2016} lets a network decide how long to think.",
    "Style-based generators~\\citep{karras2019style} changed image synthesis.",
]
BIBLATEX_SECTION = [
    "\\section{Related Work}",
    "\\label{sec:related-work}",
    "\\textcite{graves2016} lets a network decide how long to think.",
    "Style-based generators~\\parencite{karras2019style} changed image synthesis.",
]


def note_line(line: int) -> Source:
    """The note line that produced section line ``line`` (>= 3) in these tests."""
    return Source(NOTE, 20 + line)


def compile_section(tmp_path: Path, lines: list[str], *, bib: Path | None = None,
                    **options: object) -> CompileResult:
    """Write latex/related_work.tex and latex/references.bib, then compile the preview."""
    latex = tmp_path / "latex"
    latex.mkdir(exist_ok=True)
    section = latex / "related_work.tex"
    section.write_text("\n".join(lines) + "\n", encoding="utf-8")
    references = latex / "references.bib"
    shutil.copyfile(bib or FIXTURES / "references.bib", references)
    # the heading and label come from the template, the rest from the note
    line_map: list[Source | None] = [None, None] + [
        note_line(n) for n in range(3, len(lines) + 1)]
    settings: dict[str, object] = {"cite": "natbib", "document": "article",
                                   "engine": "pdflatex", "timeout": 120}
    settings.update(options)
    return compile_preview(section, references, out_dir=latex, line_map=line_map,
                           **settings)  # type: ignore[arg-type]


def need(tex: Any, *tools: str) -> None:
    """Skip (or fail with RELWORK_REQUIRE_TEX=1) when a TeX tool beyond pdflatex is missing."""
    for tool in tools:
        tex.require(tool)


def errors(result: CompileResult) -> list[Problem]:
    return [p for p in result.problems if p.severity == "error"]


@pytest.mark.slow
def test_missing_citation_names_the_note_line(tmp_path: Path, tex: Any) -> None:
    need(tex, "bibtex", "pdftoppm")
    lines = [*NATBIB_SECTION, "A paper missing from the bib~\\citep{nokey2020} is cited."]
    result = compile_section(tmp_path, lines, png=True)
    assert not result.ok
    [problem] = errors(result)
    assert problem.source == note_line(5)
    assert problem.code == "compile-cite-undefined"
    assert "'nokey2020'" in problem.message and "related_work.tex:5" in problem.message
    # the keys that are in the bib are fine, and the preview is still typeset
    assert "graves2016" not in " ".join(p.message for p in result.problems)
    latex = tmp_path / "latex"
    assert result.pdf == latex / "preview.pdf"
    assert result.pdf.read_bytes().startswith(b"%PDF")
    assert result.pngs == [latex / "preview-1.png"]
    assert result.pngs[0].read_bytes().startswith(b"\x89PNG")
    assert result.log_path == latex / "build" / "preview.log"
    assert "\\input{related_work}" in (latex / "preview.tex").read_text(encoding="utf-8")


def test_unbalanced_brace_in_bib_names_the_users_bib_entry(tmp_path: Path, tex: Any) -> None:
    need(tex, "bibtex")
    # the user's library has the same entries further down; the compiled bib copies them
    library = tmp_path / "library.bib"
    header = "% exported from Zotero\n\n@misc{unused2000,\n  title = {Unused},\n}\n\n"
    library.write_text(header + (FIXTURES / "broken.bib").read_text(encoding="utf-8"),
                       encoding="utf-8")
    index = load_bib([library], load_config(None, search=False), use_cache=False)
    lines = ["\\section{Related Work}", "\\label{sec:related-work}",
             "Graves~\\cite{graves2016} and Doe~\\cite{broken2020}."]
    result = compile_section(tmp_path, lines, bib=FIXTURES / "broken.bib", cite="plain",
                             bib_index=index)
    assert not result.ok
    [problem] = errors(result)
    assert problem.code == "compile-bibtex"
    assert problem.source is not None
    assert Path(problem.source.path).name == "library.bib"
    assert problem.source.line == 13  # "@article{broken2020," in library.bib
    assert "entry 'broken2020'" in problem.message and "references.bib:17" in problem.message
    # the citations are undefined only because BibTeX failed: not reported again
    assert not [p for p in result.problems if p.code == "compile-cite-undefined"]


def test_latex_error_names_the_note_line(tmp_path: Path, tex: Any) -> None:
    need(tex, "bibtex")  # compile_preview checks for the bib tool up front
    lines = [*NATBIB_SECTION, "We compare against \\foo{} as well.", "More text."]
    result = compile_section(tmp_path, lines)
    assert not result.ok and result.pdf is None
    [problem] = errors(result)
    assert problem.source == note_line(5)
    assert "Undefined control sequence \\foo" in problem.message
    assert problem.hint


@pytest.mark.slow
def test_runaway_macro_is_stopped_by_the_time_limit(tmp_path: Path, tex: Any) -> None:
    need(tex, "bibtex")  # compile_preview checks for the bib tool up front
    lines = [*NATBIB_SECTION, "\\def\\x{\\x}\\x"]
    started = time.monotonic()
    result = compile_section(tmp_path, lines, timeout=10)
    elapsed = time.monotonic() - started
    assert 10 <= elapsed < 40
    assert not result.ok and result.pdf is None
    assert any(p.message == "compile timed out after 10 s" and p.severity == "error"
               for p in result.problems)


def test_shell_escape_is_off_and_writes_outside_the_folder_are_refused(
        tmp_path: Path, tex: Any) -> None:
    need(tex, "bibtex")  # compile_preview checks for the bib tool up front
    lines = [*NATBIB_SECTION, "\\immediate\\write18{touch pwned}",
             "\\immediate\\openout5=../outside.tex \\immediate\\closeout5"]
    result = compile_section(tmp_path, lines)
    assert not (tmp_path / "latex" / "pwned").exists() and not (tmp_path / "pwned").exists()
    assert not (tmp_path / "outside.tex").exists()
    shell = [p for p in result.problems if p.code == "compile-shell-escape"]
    assert [p.source for p in shell] == [note_line(5)]
    [refused] = errors(result)
    assert refused.source == note_line(6) and "can't write on file" in refused.message


@pytest.mark.slow
@pytest.mark.parametrize(
    ("document", "cite", "engine"),
    [("ieee", "natbib", "pdflatex"), ("acm", "natbib", "pdflatex"),
     ("acm", "biblatex", "pdflatex"), ("article", "biblatex", "xelatex")],
)
def test_preview_compiles(tmp_path: Path, tex: Any, document: str, cite: str,
                          engine: str) -> None:
    need(tex, engine, "biber" if cite == "biblatex" else "bibtex")
    lines = BIBLATEX_SECTION if cite == "biblatex" else NATBIB_SECTION
    result = compile_section(tmp_path, lines, document=document, cite=cite, engine=engine)
    assert result.ok, "\n".join(map(str, result.problems))
    assert not errors(result)
    assert result.pdf is not None and result.pdf.read_bytes().startswith(b"%PDF")
    bbl = (tmp_path / "latex" / "build" / "preview.bbl").read_text(encoding="utf-8")
    # the bibliography tool ran: bibtex writes \bibitem, biber writes \entry
    marker = "\\entry{graves2016}" if cite == "biblatex" else "{graves2016}"
    assert marker in bbl and "karras2019style" in bbl


@pytest.mark.slow
@pytest.mark.parametrize("cite", ["natbib", "biblatex"])
def test_section_without_citations_compiles(tmp_path: Path, tex: Any, cite: str) -> None:
    need(tex, "biber" if cite == "biblatex" else "bibtex")
    # every paper unmatched: the template writes a heading and no citation
    lines = ["\\section{Related Work}", "\\label{sec:related-work}", "Nothing cited yet (100\\%)."]
    result = compile_section(tmp_path, lines, cite=cite)
    assert result.ok and result.problems == [], "\n".join(map(str, result.problems))
    assert result.pdf is not None and result.pdf.read_bytes().startswith(b"%PDF")


def test_read_from_the_terminal_names_the_note_line(tmp_path: Path, tex: Any) -> None:
    need(tex, "bibtex")  # compile_preview checks for the bib tool up front
    lines = [*NATBIB_SECTION, "\\read16 to \\x", "\\typeout{AFTER-THE-READ}"]
    result = compile_section(tmp_path, lines, timeout=60)
    assert not result.ok and result.pdf is None
    [problem] = errors(result)
    assert problem.source == note_line(5)
    assert "read from the terminal" in problem.message and "latexmk made no PDF" not in str(
        problem)


@pytest.mark.slow
@pytest.mark.parametrize(("document", "entries"), [("ieee", 12), ("acm", 12), ("article", 64)])
def test_table_template_compiles_in_one_and_two_columns(tmp_path: Path, tex: Any,
                                                        document: str, entries: int) -> None:
    # IEEEtran and acmart sigconf are two-column (longtable refuses to run there, a table*
    # float can neither break nor stay near its section): the template writes one
    # column-wide row after another; in one column it is a table that breaks across pages
    from section_helpers import REPO, example_config, example_matches

    from relwork.section import render_section

    need(tex, "bibtex")
    config = example_config(template="table", cite="plain")
    matches, index, note_files = example_matches(config)
    chosen = (matches * 8)[:entries]
    rendered = render_section(chosen, index, config, notes=note_files)
    result = compile_section(tmp_path, rendered.text.splitlines(), cite="plain",
                             document=document, bib=REPO / "bib" / "references.bib")
    assert result.ok, "\n".join(map(str, result.problems))
    assert result.pdf is not None
    log = (tmp_path / "latex" / "build" / "preview.log").read_text("utf-8", errors="replace")
    assert "longtable not in 1-column mode" not in log
    pdftotext = str(tex.require("pdftotext"))  # poppler-utils, installed with pdftoppm
    text = subprocess.run([pdftotext, str(result.pdf), "-"], capture_output=True,
                          text=True, check=True).stdout
    assert "Key idea" in text
    assert ("continued on next page" in text) is (document == "article")
    assert "Float too large" not in log and "floats deferred" not in log
    assert not [p for p in result.problems if p.severity != "info"]
    # every row is there, the last one too, and before the references
    flat = " ".join(text.split())
    table = flat[:flat.lower().rfind("references")]  # acmart: REFERENCES
    assert len(re.findall(r"\[\d+\]", table)) == entries  # one citation per row
    assert "relwork" in log and (r"\maketitle" in (tmp_path / "latex" / "preview.tex")
                                 .read_text()) is (document != "article")


@pytest.mark.slow
def test_page_images_are_named_by_page_number_without_padding(tmp_path: Path,
                                                                tex: Any) -> None:
    """pdftoppm writes preview-01.png once there are 10 pages; the docs promise
    preview-1.png ... preview-<n>.png whatever the page count."""
    need(tex, "bibtex", "pdftoppm")
    pages = [f"\\clearpage Page {n} of the survey~\\citep{{graves2016}}." for n in range(2, 12)]
    result = compile_section(tmp_path, [*NATBIB_SECTION, *pages], png=True)
    assert errors(result) == []
    latex = tmp_path / "latex"
    expected = [latex / f"preview-{n}.png" for n in range(1, 12)]
    assert result.pngs == expected
    assert sorted(latex.glob("preview-*.png")) == sorted(expected)  # no preview-01.png left
    assert all(p.read_bytes().startswith(b"\x89PNG") for p in expected)
    # a shorter preview replaces them all: no page of the old one stays behind
    result = compile_section(tmp_path, NATBIB_SECTION, png=True)
    assert result.pngs == [latex / "preview-1.png"]
    assert sorted(latex.glob("preview-*.png")) == [latex / "preview-1.png"]
