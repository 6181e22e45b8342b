"""The cited-only .bib: verbatim entries, the @string macros and crossref parents they need."""

from __future__ import annotations

import subprocess
from pathlib import Path
from typing import Any

import pytest
from paths import FIXTURES

from relwork.bib import BibIndex, cited_bib_text, parse_bib_text
from relwork.model import BibRecord, Source

MAIN = FIXTURES / "bib" / "main.bib"


@pytest.fixture(scope="module")
def index() -> BibIndex:
    return parse_bib_text(MAIN.read_text(encoding="utf-8"), "main.bib")


def entry_keys(text: str) -> list[str]:
    return list(parse_bib_text(text).records)


def test_entries_are_copied_verbatim(index: BibIndex) -> None:
    text, problems = cited_bib_text(index, ["schroedinger1926", "graves2016adaptive"])
    assert problems == []
    for key in ("schroedinger1926", "graves2016adaptive"):
        assert index.records[key].raw in text
    assert r"Schr{\"o}dinger" in text and "{361{-}376}" in text  # LaTeX untouched
    assert "month     = jan," in text  # month macros stay bare
    assert text.endswith("}\n")


def test_only_needed_strings_in_definition_order_first(index: BibIndex) -> None:
    text, _ = cited_bib_text(index, ["graves2016adaptive"])
    assert "@string{icml" in text and "jmlr" not in text and "pmlr" not in text
    assert text.index("@string{icml") < text.index("@inproceedings{graves2016adaptive")
    # pmlr is used by the crossref parent and itself uses icml: both come along
    text, _ = cited_bib_text(index, ["child2020"])
    assert text.index("@string{icml") < text.index("@string{pmlr") < text.index("@inproceedings")


def test_crossref_parents_come_after_children(index: BibIndex) -> None:
    text, problems = cited_bib_text(index, ["parent2020", "menon2020pulse", "child2020"])
    assert problems == []
    assert entry_keys(text) == ["menon2020pulse", "child2020", "parent2020"]
    text, _ = cited_bib_text(index, ["child2020"])
    assert entry_keys(text) == ["child2020", "parent2020"]


def test_order_follows_keys_each_once_and_is_deterministic(index: BibIndex) -> None:
    keys = ["menon2020pulse", "deep2019", "menon2020pulse", "paren2001"]
    first, _ = cited_bib_text(index, keys)
    second, _ = cited_bib_text(index, keys)
    assert first == second
    assert entry_keys(first) == ["menon2020pulse", "deep2019", "paren2001"]
    assert first.count("@inproceedings{menon2020pulse") == 1


def test_preamble_of_the_cited_file_is_kept(index: BibIndex) -> None:
    text, _ = cited_bib_text(index, ["deep2019"])
    assert text.startswith('@preamble{"\\providecommand{\\noopsort}[1]{}"}')


def test_cited_failed_block_is_an_error_with_its_place(index: BibIndex) -> None:
    text, problems = cited_bib_text(index, ["broken2017", "menon2020pulse"])
    [problem] = problems
    assert problem.severity == "error" and "broken2017" in problem.message
    assert problem.source == Source("main.bib", 101)
    assert entry_keys(text) == ["menon2020pulse"]


def test_cited_unknown_key_is_an_error(index: BibIndex) -> None:
    _text, problems = cited_bib_text(index, ["nosuchkey", "LeCun2015deep"])
    assert [p.severity for p in problems] == ["error", "error"]
    assert "nosuchkey" in problems[0].message
    assert problems[1].hint and "lecun2015deep" in problems[1].hint  # case differs


def test_missing_crossref_parent_and_undefined_macro() -> None:
    index = parse_bib_text("@misc{kid, title = {Kid}, crossref = {gone}, journal = nosuch}\n",
                           "x.bib")
    text, problems = cited_bib_text(index, ["kid"])
    assert entry_keys(text) == ["kid"]
    codes = sorted(p.code for p in problems)
    assert codes == ["bib-crossref", "bib-undefined-string"]
    assert all(p.source == Source("x.bib", 1) for p in problems)


def test_stubs_are_appended(index: BibIndex) -> None:
    stub = BibRecord("stub2024", "misc", {}, Source("notes/a.md", 3),
                     raw="@misc{stub2024,\n  title = {Not in the Bib},\n  note = {missing}\n}")
    text, problems = cited_bib_text(index, ["child2020"], [stub])
    assert problems == []
    assert entry_keys(text) == ["child2020", "parent2020", "stub2024"]
    assert text.rstrip().endswith(stub.raw)


def test_empty_selection_gives_empty_text(index: BibIndex) -> None:
    assert cited_bib_text(index, []) == ("", [])


def test_bibtex_reads_the_output(tex: Any, tmp_path: Path, index: BibIndex) -> None:
    tex.require("bibtex")
    keys = ["schroedinger1926", "graves2016adaptive", "child2020", "deep2019", "paren2001"]
    text, problems = cited_bib_text(index, keys)
    assert problems == []
    (tmp_path / "refs.bib").write_text(text, encoding="utf-8")
    aux = "".join(f"\\citation{{{k}}}\n" for k in keys) + "\\bibstyle{plain}\n\\bibdata{refs}\n"
    (tmp_path / "doc.aux").write_text(aux, encoding="utf-8")
    run = subprocess.run([str(tex.bibtex), "doc"], cwd=tmp_path, capture_output=True, text=True,
                         timeout=60)
    log = (tmp_path / "doc.blg").read_text(encoding="utf-8", errors="replace")
    assert run.returncode == 0, log
    assert "error message" not in log and "Warning--I didn't find" not in log, log
    bbl = (tmp_path / "doc.bbl").read_text(encoding="utf-8")
    for key in keys:
        assert f"\\bibitem{{{key}}}" in bbl
    # the parent was found: its fields are inherited (BibTeX lists it alone only if cited twice)
    assert "Proceedings of the Parent Conference" in bbl
    assert r"Schr{\"o}dinger" in bbl and "International Conference on Machine Learning" in bbl
