"""Layout problems in real two-column papers are warnings mapped to the note: a float too
large for the page, a float pushed past the References, a line sticking out of the column."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from test_compile import NATBIB_SECTION, compile_section, need, note_line

from relwork.tex.log import SECTION, parse_log


def _table(rows: int) -> list[str]:
    return (["\\begin{table*}[tbp]", "\\begin{tabular}{ll}"]
            + [f"row {n} & text \\\\" for n in range(rows)] + ["\\end{tabular}", "\\end{table*}"])


def _codes(result: Any) -> dict[str, Any]:
    return {p.code: p for p in result.problems}


def test_log_lines_become_layout_warnings() -> None:
    log = "\n".join([
        "relwork: section begin",
        "(./related_work.tex",
        "Overfull \\hbox (25.3pt too wide) in paragraph at lines 7--8",
        "[]\\OT1/cmr/m/n/10 averyveryverylongword",
        "",
        "Overfull \\hbox (2.1pt too wide) in paragraph at lines 9--9",
        "[]\\OT1/cmr/m/n/10 nearly",
        "",
        ")",
        "relwork: section end",
        "relwork: floats deferred past the section",
        "",
        "LaTeX Warning: Float too large for page by 253.0pt on input line 40.",
        "",
    ])
    found = {m.code: m for m in parse_log(log, section="related_work.tex")}
    assert set(found) == {"overfull", "float-deferred", "float-too-large"}
    assert (found["overfull"].file, found["overfull"].line) == (SECTION, 7)
    assert "25.3pt" in found["overfull"].message
    assert found["float-too-large"].severity == "warning"
    assert "253.0pt" in found["float-too-large"].message
    assert found["float-too-large"].needle == "\\begin{table"


@pytest.mark.slow
def test_float_too_large_in_acmart_is_a_warning_at_the_note(tmp_path: Path, tex: Any) -> None:
    need(tex, "bibtex")
    lines = [*NATBIB_SECTION, *_table(90)]
    result = compile_section(tmp_path, lines, document="acm")
    problem = _codes(result)["compile-float-too-large"]
    assert problem.severity == "warning"
    assert problem.source == note_line(len(NATBIB_SECTION) + 1)  # the \begin{table*} line


@pytest.mark.slow
def test_float_after_the_references_in_ieeetran_and_a_wide_line(tmp_path: Path,
                                                                tex: Any) -> None:
    need(tex, "bibtex")
    word = "\\texttt{" + "x" * 60 + "}"
    # TeX names the first line of the paragraph that holds the wide line
    lines = [*NATBIB_SECTION, "", f"A long identifier {word} here.", "", *_table(8)]
    result = compile_section(tmp_path, lines, document="ieee")
    codes = _codes(result)
    assert codes["compile-float-deferred"].source == note_line(len(NATBIB_SECTION) + 4)
    assert codes["compile-overfull"].source == note_line(len(NATBIB_SECTION) + 2)
    assert codes["compile-overfull"].severity == "warning"
