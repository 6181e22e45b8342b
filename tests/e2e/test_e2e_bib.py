"""Issue 9 point 6 through ``relwork build``: a messy bibliography, as a Zotero export is.

Duplicate keys, a block that fails to parse (cited or not), a Latin-1 file, @string macros,
bare month macros and {\\"o} / {-} braces: what the user sees and what reaches the
cited-only bib. One bibtex run checks that the written bib is one bibtex can read.
"""

from __future__ import annotations

import re
import shutil
import subprocess
from pathlib import Path
from typing import Any

import pytest
from cli_helpers import run
from paths import FIXTURES

from relwork.bib import parse_bib_text

LIBRARY = FIXTURES / "e2e" / "bib" / "library.bib"
NOTE = """# Papers

## Score-based Generative Modeling in Latent Space

Latent score models.

## Quantisierung als Eigenwertproblem

Wave mechanics.

## The Entry After the Broken One

Comes after a broken entry.
"""


@pytest.fixture()
def project(tmp_path: Path) -> Path:
    (tmp_path / "bib").mkdir()
    shutil.copy(LIBRARY, tmp_path / "bib" / "library.bib")
    (tmp_path / "summaries").mkdir()
    (tmp_path / "summaries" / "papers.md").write_text(NOTE, encoding="utf-8")
    (tmp_path / "relwork.yaml").write_text("lint:\n  enabled: false\n", encoding="utf-8")
    return tmp_path


def line_of(text: str, needle: str) -> int:
    return text[: text.index(needle)].count("\n") + 1


def test_duplicate_key_names_both_lines_and_one_entry_is_kept(project: Path) -> None:
    code, _, err = run(project, "build")
    assert code == 0, err
    library = LIBRARY.read_text(encoding="utf-8")
    first = line_of(library, "@article{schroedinger1926")
    second = library.count("\n", 0, library.rindex("@article{schroedinger1926")) + 1
    [warning] = [ln for ln in err.splitlines() if "schroedinger1926" in ln]
    assert warning.startswith(f"bib/library.bib:{second}: warning: ")
    assert f"bib/library.bib:{first}" in warning
    written = (project / "latex" / "references.bib").read_text(encoding="utf-8")
    assert written.count("@article{schroedinger1926") == 1
    assert "(second copy)" not in written


def test_uncited_broken_block_is_a_warning_with_its_line(project: Path) -> None:
    code, _, err = run(project, "build")
    assert code == 0, err
    line = line_of(LIBRARY.read_text(encoding="utf-8"), "@article{broken2017")
    assert re.search(rf"^bib/library\.bib:{line}: warning: .*broken2017", err, re.M), err
    written = (project / "latex" / "references.bib").read_text(encoding="utf-8")
    assert "broken2017" not in written and "@misc{after2018broken" in written


def test_cited_broken_block_is_an_error_and_nothing_is_written(project: Path) -> None:
    assert run(project, "build")[0] == 0
    before = (project / "latex" / "related_work.tex").read_text(encoding="utf-8")
    with (project / "summaries" / "papers.md").open("a", encoding="utf-8") as note:
        note.write("\n## A Broken Entry [@broken2017]\n\nCited although its entry is broken.\n")
    code, out, err = run(project, "build")
    assert code == 1 and "nothing written" in out
    assert re.search(r"^summaries/papers\.md:15: error: .*broken2017", err, re.M), err
    assert (project / "latex" / "related_work.tex").read_text(encoding="utf-8") == before


def test_cited_broken_block_error_names_the_broken_entry(project: Path) -> None:
    with (project / "summaries" / "papers.md").open("a", encoding="utf-8") as note:
        note.write("\n## A Broken Entry [@broken2017]\n\nCited although its entry is broken.\n")
    code, _, err = run(project, "build")
    line = line_of(LIBRARY.read_text(encoding="utf-8"), "@article{broken2017")
    [error] = [ln for ln in err.splitlines() if ": error: " in ln]
    assert code == 1 and f"bib/library.bib:{line}" in error


def test_latin1_bib_is_an_error_naming_the_file_and_bib_encoding_reads_it(
        project: Path) -> None:
    latin1 = ("@article{mueller1999,\n  title = {\u00dcber die Stra\u00dfe},\n"
              "  author = {M\u00fcller, Hans},\n  year = {1999}\n}\n").encode("latin-1")
    (project / "bib" / "latin1.bib").write_bytes(latin1)
    with (project / "summaries" / "papers.md").open("a", encoding="utf-8") as note:
        note.write("\n## \u00dcber die Stra\u00dfe\n\nA German paper.\n")
    code, out, err = run(project, "build")
    assert code == 1 and "nothing written" in out
    [error] = [ln for ln in err.splitlines() if ": error: " in ln]
    assert error.startswith("bib/latin1.bib:2: error: ")
    assert "UTF-8" in error or "utf-8" in error
    assert "bib_encoding" in err  # says what to do
    # a Latin-1 export with bib_encoding: the entry is read, cited and written as UTF-8
    (project / "bib" / "library.bib").unlink()
    (project / "relwork.yaml").write_text("bib_encoding: latin-1\nlint:\n  enabled: false\n",
                                          encoding="utf-8")
    code, _, err = run(project, "build")
    assert code == 0, err
    assert "\\citet{mueller1999}" in (project / "latex" / "related_work.tex").read_text("utf-8")
    written = (project / "latex" / "references.bib").read_text(encoding="utf-8")
    assert "title = {\u00dcber die Stra\u00dfe}" in written


def test_macros_months_and_braces_reach_the_cited_bib_unchanged(project: Path) -> None:
    code, _, err = run(project, "build")
    assert code == 0, err
    written = (project / "latex" / "references.bib").read_text(encoding="utf-8")
    library = LIBRARY.read_text(encoding="utf-8")
    source = parse_bib_text(library, "library.bib")
    for key in ("vahdat2021score", "schroedinger1926", "after2018broken"):
        assert source.records[key].raw in written  # verbatim, byte for byte
    assert "@string{neurips = {Advances in Neural Information Processing Systems}}" in written
    assert written.index("@string{neurips") < written.index("@inproceedings{vahdat2021score")
    assert "unused" not in written  # only the macros the cited entries use
    assert "booktitle = neurips," in written and "month     = dec," in written
    assert "month   = jan," in written
    assert 'Schr{\\"o}dinger' in written and "{361{-}376}" in written


def test_bibtex_reads_the_cited_bib(project: Path, tex: Any) -> None:
    tex.require("bibtex")
    code, _, err = run(project, "build")
    assert code == 0, err
    latex = project / "latex"
    keys = re.findall(r"\\cite[tp]\{([^}]*)\}", (latex / "related_work.tex").read_text("utf-8"))
    (latex / "doc.aux").write_text(
        "".join(f"\\citation{{{k}}}\n" for k in keys)
        + "\\bibstyle{plainnat}\n\\bibdata{references}\n", encoding="utf-8")
    run_ = subprocess.run([str(tex.bibtex), "doc"], cwd=latex, capture_output=True, text=True,
                          timeout=60)
    assert run_.returncode == 0, run_.stdout
    bbl = (latex / "doc.bbl").read_text(encoding="utf-8")
    assert "Advances in Neural Information Processing Systems" in bbl  # @string expanded
    assert 'Schr{\\"o}dinger' in bbl
    assert "Warning" not in run_.stdout, run_.stdout
