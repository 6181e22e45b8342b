"""Log parsing and diagnostics mapping on saved TeX Live logs (no TeX run needed).

The logs under tests/fixtures/compile/logs/ were written by pdflatex/xelatex, BibTeX 0.99d
and Biber 2.18 (TeX Live 2022) with max_print_line=10000, as compile_preview runs them.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from paths import FIXTURES

from relwork.bib import BibIndex, FailedBlock
from relwork.errors import CompileError
from relwork.model import BibRecord, Source
from relwork.tex import (
    SECTION,
    Locator,
    LogMessage,
    cites_anything,
    parse_biber_log,
    parse_bibtex_log,
    parse_log,
    preview_source,
    scan_bib,
)

FIXTURES = FIXTURES / "compile"
LOGS = FIXTURES / "logs"


def read(name: str) -> str:
    return (LOGS / name).read_text(encoding="utf-8")


def summary(messages: list[LogMessage]) -> list[tuple[str, str, str | None, int | None]]:
    return [(m.severity, m.code, m.file, m.line) for m in messages]


# The section compiled for the natbib logs: line 4 has \foo, line 5 cites a missing key,
# line 6 refers to a label defined elsewhere, line 7 has a character pdflatex lacks.
NATBIB_EXPECTED = [
    ("error", "latex", SECTION, 4),
    ("error", "cite-undefined", SECTION, 5),
    ("info", "ref-undefined", SECTION, 6),
    ("error", "unicode", SECTION, 7),
]


@pytest.mark.parametrize("name", ["natbib-file-line-error.log", "natbib-classic.log"])
def test_latex_log_errors_and_warnings_are_placed_in_the_section(name: str) -> None:
    messages = parse_log(read(name), section="related_work.tex")
    assert summary(messages) == NATBIB_EXPECTED
    undefined_cs, citation, reference, unicode = messages
    assert undefined_cs.message == "LaTeX error: Undefined control sequence \\foo"
    assert citation.key == "nokey2020" and "nokey2020" in citation.message
    assert reference.key == "sec:method"
    assert "Unicode character ≈ (U+2248) not set up for use with LaTeX" in unicode.message
    assert unicode.hint and "xelatex" in unicode.hint


@pytest.mark.parametrize("name", ["natbib-file-line-error.log", "natbib-classic.log"])
def test_file_tracking_finds_the_section_without_markers(name: str) -> None:
    # logs of other documents (a user's own paper) have no relwork markers
    text = "\n".join(line for line in read(name).splitlines() if "relwork:" not in line)
    assert summary(parse_log(text, section="related_work.tex")) == NATBIB_EXPECTED


def test_messages_in_other_files_are_not_placed_in_the_section() -> None:
    text = "\n".join(line for line in read("natbib-classic.log").splitlines()
                     if "relwork:" not in line)
    messages = parse_log(text, section="other_section.tex")
    assert [m.file for m in messages] == ["./related_work.tex"] * 4
    # errors with -file-line-error name their file themselves
    messages = parse_log(read("natbib-file-line-error.log"), section="other.tex")
    assert messages[0].file == "./related_work.tex" and messages[0].line == 4


def test_small_boxes_only_when_verbose_wide_lines_and_missing_characters_always() -> None:
    quiet = parse_log(read("xelatex-boxes.log"), section="related_work.tex")
    # a line 215pt too wide sticks out of any column: a warning at its line
    assert [(m.code, m.line) for m in quiet] == [("overfull", 2), ("unicode", None),
                                                 ("unicode", None)]
    assert [m.needle for m in quiet[1:]] == ["中", "文"]
    assert all(m.severity == "warning" and "U+" in m.message for m in quiet[1:])
    assert quiet[0].severity == "warning" and "215.49002pt" in quiet[0].message
    loud = parse_log(read("xelatex-boxes.log"), section="related_work.tex", verbose=True)
    boxes = [m for m in loud if m.code == "box"]
    assert [(m.severity, m.file, m.line) for m in boxes] == [("info", SECTION, 4)]
    assert boxes[0].message == "Underfull \\hbox (badness 10000)"


def test_biblatex_citation_wording_and_shell_escape_notice() -> None:
    text = (
        "relwork: section begin\n(./related_work.tex\n"
        "runsystem(touch pwned)...disabled.\n\n"
        "LaTeX Warning: Citation 'nokey' on page 1 undefined on input line 3.\n\n"
        "LaTeX Warning: Citation '' on page 1 undefined on input line 3.\n\n"
        ")\nrelwork: section end\n"
    )
    messages = parse_log(text)
    assert summary(messages) == [("warning", "shell-escape", SECTION, None),
                                 ("error", "cite-undefined", SECTION, 3)]
    assert messages[0].needle == "touch pwned"


def test_bibtex_errors_name_compiled_bib_lines_and_warnings_name_keys() -> None:
    messages = parse_bibtex_log(read("bibtex-errors.blg"))
    errors = [(m.message, m.bib_line) for m in messages if m.severity == "error"]
    assert errors == [("bibtex: I was expecting a `,' or a `}'", 9),
                      ("bibtex: Repeated entry", 14)]
    warnings = [(m.message, m.key) for m in messages if m.code == "bibtex" and
                m.severity == "warning"]
    assert ("bibtex: empty journal in graves2016", "graves2016") in warnings
    assert ("bibtex: empty author in nocomma2020", "nocomma2020") in warnings
    missing = [m.key for m in messages if m.code == "missing-entry"]
    assert missing == ["nokey2020"]


def test_biber_errors_and_warnings() -> None:
    messages = parse_biber_log(read("biber-errors.blg"))
    assert [(m.severity, m.bib_line, m.key) for m in messages] == [
        ("error", 9, None), ("warning", None, "graves2016")]
    assert messages[0].message.startswith('biber: syntax error: found "author"')
    runaway = parse_biber_log(read("biber-runaway.blg"))
    # "possible runaway string started at line 8" points at the broken field itself
    assert [(m.severity, m.bib_line) for m in runaway] == [("error", 18), ("warning", 8)]


def test_scan_bib_runs_an_unclosed_entry_to_the_end_of_the_file() -> None:
    spans = scan_bib((FIXTURES / "broken.bib").read_text(encoding="utf-8"))
    assert [(s.key, s.start, s.end) for s in spans] == [("graves2016", 1, 5),
                                                        ("broken2020", 7, 17)]
    spans = scan_bib((LOGS / "bibtex-errors.bib").read_text(encoding="utf-8"))
    assert [(s.key, s.start) for s in spans] == [("graves2016", 1), ("nocomma2020", 7),
                                                 ("graves2016", 14)]


def locator(tmp_path: Path, section_lines: list[str], bib: Path | None,
            bib_index: object = None) -> Locator:
    section = tmp_path / "related_work.tex"
    section.write_text("\n".join(section_lines) + "\n", encoding="utf-8")
    # line 1 comes from the template, line L >= 2 from line 40 + L of a note
    line_map: list[Source | None] = [None] + [
        Source("summaries/week.md", 40 + line) for line in range(2, len(section_lines) + 1)]
    return Locator(section=section, line_map=line_map, bib=bib, bib_index=bib_index,
                   main=tmp_path / "preview.tex")


def test_bibtex_end_of_file_error_maps_to_the_unclosed_entry(tmp_path: Path) -> None:
    where = locator(tmp_path, ["x"], FIXTURES / "broken.bib")
    error = parse_bibtex_log(read("bibtex-eof.blg"))[0]
    problem = where.problem(error)
    assert problem.source is not None and problem.source.line == 7  # @article{broken2020,
    assert problem.source.path.endswith("broken.bib")
    assert "entry 'broken2020'" in problem.message and "broken.bib:17" in problem.message
    assert problem.severity == "error" and problem.code == "compile-bibtex"


def test_bib_problems_map_to_the_users_own_bib_entry(tmp_path: Path) -> None:
    record = BibRecord(key="nocomma2020", type="inproceedings", fields={},
                       source=Source("bib/library.bib", 120))
    failed = FailedBlock(Source("bib/library.bib", 300), "@article{broken2020, ...", "brace",
                         "broken2020")
    index = BibIndex(records={"nocomma2020": record}, failed=[failed])
    where = locator(tmp_path, ["x"], LOGS / "bibtex-errors.bib", index)
    expecting = where.problem(parse_bibtex_log(read("bibtex-errors.blg"))[0])
    assert expecting.source == Source("bib/library.bib", 120)
    assert "bibtex-errors.bib:9" in expecting.message
    where = locator(tmp_path, ["x"], FIXTURES / "broken.bib", index)
    for error in (parse_bibtex_log(read("bibtex-eof.blg"))[0],
                  *parse_biber_log(read("biber-runaway.blg"))):
        assert where.problem(error).source == Source("bib/library.bib", 300)


def test_section_lines_map_to_notes_through_the_line_map(tmp_path: Path) -> None:
    lines = ["\\section{Related Work}", "A~\\citep{a}.", "B~\\citep[p.~2]{x, nokey2020}.",
             "Approximately ≈ equal."]
    where = locator(tmp_path, lines, None)
    # a line the notes produced: the note's file:line, generated line in the message
    cite = where.problem(LogMessage("error", "cite-undefined", "citation 'a' is undefined",
                                    SECTION, 2, key="a"))
    assert cite.source == Source("summaries/week.md", 42)
    assert cite.message.endswith("related_work.tex:2)")
    # no line in the log: the \cite of that key is found in the section
    found = where.problem(LogMessage("error", "cite-undefined", "c", None, None,
                                     key="nokey2020"))
    assert found.source == Source("summaries/week.md", 43)
    char = where.problem(LogMessage("warning", "unicode", "m", SECTION, None, needle="≈"))
    assert char.source == Source("summaries/week.md", 44)
    # a template line (line_map None): the generated file itself
    heading = where.problem(LogMessage("error", "latex", "LaTeX error: x", SECTION, 1))
    assert heading.source is not None and heading.source.line == 1
    assert heading.source.path.endswith("related_work.tex")
    main = where.problem(LogMessage("error", "latex", "LaTeX error: y", "./preview.tex", 9))
    assert main.source is not None and main.source.path.endswith("preview.tex")


@pytest.mark.parametrize(
    ("cite", "document", "engine", "present", "absent"),
    [
        ("natbib", "article", "pdflatex",
         ["\\documentclass{article}", "\\usepackage[T1]{fontenc}", "\\usepackage{lmodern}",
          "\\usepackage{natbib}", "\\bibliographystyle{plainnat}", "\\bibliography{refs}",
          "\\input{sec}", "\\usepackage{xltabular}", "\\usepackage{hyperref}"],
         ["fontspec", "biblatex"]),
        ("plain", "ieee", "xelatex",
         ["\\documentclass[conference]{IEEEtran}", "\\usepackage{fontspec}",
          "\\bibliographystyle{plain}"],
         ["inputenc", "fontenc", "natbib", "xltabular", "hyperref", "amsmath"]),
        ("natbib", "acm", "pdflatex",
         ["\\documentclass[sigconf]{acmart}", "\\settopmatter{printacmref=false}",
          "\\setcopyright{none}", "\\renewcommand\\footnotetextcopyrightpermission[1]{}",
          "\\bibliographystyle{plainnat}"],
         ["\\usepackage{natbib}", "\\usepackage{hyperref}"]),
        ("biblatex", "acm", "lualatex",
         ["\\documentclass[sigconf,natbib=false]{acmart}",
          "\\usepackage[backend=biber]{biblatex}", "\\addbibresource{refs.bib}",
          "\\printbibliography"],
         ["\\bibliography{", "natbib}"]),
    ],
)
def test_preview_source(cite: str, document: str, engine: str, present: list[str],
                        absent: list[str]) -> None:
    # exactly the packages the section requires: the first case's section has a table and links
    packages = ("natbib", "xltabular", "hyperref") if document == "article" else ()
    text = preview_source("sec", "refs", cite=cite, document=document, engine=engine,
                          packages=packages)
    for needle in present:
        assert needle in text
    for needle in absent:
        assert needle not in text


@pytest.mark.parametrize(("text", "expected"), [
    ("Style-based generators~\\citep{karras2019style}.", True),
    ("50\\% faster than \\textcite{graves2016}", True),
    ("\\nocite{*}", True),
    ("\\section{Related Work}\n% \\cite{commented} out\nNo citations here.", False),
    ("a line break\\\\% then \\cite{commented}", False),
    ("", False),
])
def test_cites_anything(text: str, expected: bool) -> None:
    assert cites_anything(text) is expected


@pytest.mark.parametrize("cite", ["natbib", "biblatex", "plain"])
def test_preview_source_without_citations_has_no_bibliography(cite: str) -> None:
    text = preview_source("sec", "refs", cite=cite, bibliography=False)
    assert "\\input{sec}" in text
    assert "\\bibliography{" not in text and "\\printbibliography" not in text


def test_biber_warning_about_no_citations_is_not_shown() -> None:
    log = "[1] Biber.pm:1> WARN - The file 'build/preview.bcf' does not contain any citations!\n"
    assert parse_biber_log(log) == []


def test_preview_source_rejects_unknown_choices() -> None:
    with pytest.raises(CompileError, match="unknown document 'lncs'"):
        preview_source("sec", "refs", document="lncs")


def test_compile_preview_refuses_unusable_inputs(tmp_path: Path) -> None:
    from relwork.tex import compile_preview

    bib = tmp_path / "references.bib"
    bib.write_text("", encoding="utf-8")
    with pytest.raises(CompileError, match="section file not found"):
        compile_preview(tmp_path / "missing.tex", bib, out_dir=tmp_path)
    spaced = tmp_path / "related work.tex"
    spaced.write_text("x\n", encoding="utf-8")
    with pytest.raises(CompileError, match="cannot compile a file named 'related work.tex'"):
        compile_preview(spaced, bib, out_dir=tmp_path)
    with pytest.raises(CompileError, match="unknown engine 'pdftex'"):
        compile_preview(spaced, bib, out_dir=tmp_path, engine="pdftex")


def test_missing_package_is_one_error_without_the_emergency_stop() -> None:
    messages = parse_log(read("missing-package.log"), section="related_work.tex")
    assert summary(messages) == [("error", "latex", "./missing.tex", None)]
    assert messages[0].message == "LaTeX error: File `nonexistentpkg.sty' not found."
    assert messages[0].hint and "install it" in messages[0].hint


def test_error_inside_the_bbl_maps_to_the_entry_of_that_item(tmp_path: Path) -> None:
    bbl = tmp_path / "preview.bbl"
    bbl.write_text(
        "\\begin{thebibliography}{2}\n\\providecommand{\\natexlab}[1]{#1}\n\n"
        "\\bibitem[Graves(2016)]{graves2016}\nAlex Graves.\n\\newblock Adaptive computation.\n\n"
        "\\bibitem[Karras et~al.(2019)Karras, Laine, and\n  Aila]{karras2019style}\n"
        "Tero Karras.\n\\newblock A \\badmacro{} generator.\n\n\\end{thebibliography}\n",
        encoding="utf-8")
    log = ("(build/preview.bbl\nbuild/preview.bbl:11: Undefined control sequence.\n"
           "l.11 \\newblock A \\badmacro\n                         {} generator.\n\n)\n")
    [message] = parse_log(log)
    assert (message.code, message.bbl_line) == ("bbl", 11)
    record = BibRecord(key="karras2019style", type="inproceedings", fields={},
                       source=Source("bib/library.bib", 77))
    section = tmp_path / "related_work.tex"
    section.write_text("x\n", encoding="utf-8")
    where = Locator(section=section, line_map=[], bib=FIXTURES / "references.bib",
                    bib_index=BibIndex(records={"karras2019style": record}), bbl=bbl)
    problem = where.problem(message)
    assert problem.source == Source("bib/library.bib", 77)
    assert "\\badmacro" in problem.message and "entry 'karras2019style'" in problem.message


# Logs of sections (sec.tex, lines 2-3) that make TeX stop in nonstop mode: pdflatex 2022
# with -file-line-error (and without, "classic"); the only error is TeX's "Emergency stop".

@pytest.mark.parametrize(("log", "line"), [("read-terminal.log", 3),
                                           ("read-terminal-classic.log", 3),
                                           ("typein.log", 2)])
def test_read_from_the_terminal_is_reported_with_its_line(log: str, line: int) -> None:
    [message] = parse_log(read(log), section="sec.tex")
    assert (message.severity, message.file, message.line) == ("error", SECTION, line)
    assert "read from the terminal" in message.message
    assert message.hint and "remove the \\read or \\typein" in message.hint


def test_input_ending_before_end_document_blames_the_section() -> None:
    # the section did \let\end\relax, so \end{document} did nothing and the input ran out
    [message] = parse_log(read("no-end.log"), section="sec.tex")
    assert (message.severity, message.file, message.line) == ("error", SECTION, None)
    assert "no legal \\end found" in message.message and message.hint


def test_job_aborted_line_names_the_stop() -> None:
    log = ("relwork: section begin\n(./sec.tex\n./sec.tex:4: Emergency stop.\n"
           "l.4 \\iffalse\n\n*** (job aborted, no legal \\end found)\n\n")
    [message] = parse_log(log, section="sec.tex")
    assert (message.file, message.line) == (SECTION, 4)
    assert "ended before \\end{document}" in message.message


def test_emergency_stop_after_another_error_is_not_reported_twice() -> None:
    messages = parse_log(read("missing-package.log"), section="related_work.tex")
    assert ["Emergency stop" not in m.message and "terminal" not in m.message
            for m in messages] == [True]
