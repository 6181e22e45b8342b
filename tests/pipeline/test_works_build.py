"""A build over a library with two versions of one paper, identifier citations and a broken
entry: one key per work in the section, identifiers resolved, the broken entry named."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
from paths import FIXTURES

from relwork import build, load_config
from relwork.model import Source


@pytest.fixture
def result(tmp_path: Path, monkeypatch: pytest.MonkeyPatch):  # type: ignore[no-untyped-def]
    shutil.copytree(FIXTURES / "works" / "project", tmp_path / "survey")
    monkeypatch.chdir(tmp_path / "survey")  # messages name paths relative to here
    return build(load_config(tmp_path / "survey" / "relwork.yaml"))


def test_one_key_per_work_and_identifiers_resolved(result) -> None:  # type: ignore[no-untyped-def]
    assert "rivera2020tidal" in result.cited_keys
    assert "rivera2019tidal" not in result.cited_keys
    assert "rivera2019tidal" not in result.tex and "rivera2019tidal" not in result.bib
    # the summary text's [@doi:10.5555/rso.2021.118] cites the entry with that DOI
    assert "okafor2021carbon}" in result.tex
    assert "doi:" not in result.tex
    assert not result.errors


def test_the_broken_entry_is_named_for_its_note(result) -> None:  # type: ignore[no-untyped-def]
    (found,) = [p for p in result.problems if p.code == "unmatched-broken"]
    assert found.source == Source("notes/week.md", 18)
    assert "bib/library.bib:86" in found.message.replace("\\", "/")
    assert not [p for p in result.problems if p.code == "unmatched"
                and p.source == Source("notes/week.md", 18)]


def test_an_inline_identifier_not_in_the_bib_is_an_error(tmp_path: Path) -> None:
    project = tmp_path / "survey"
    shutil.copytree(FIXTURES / "works" / "project", project)
    notes = project / "notes" / "week.md"
    notes.write_text(notes.read_text(encoding="utf-8").replace(
        "[@doi:10.5555/rso.2021.118]", "[@arxiv:2101.99999]"), encoding="utf-8")
    result = build(load_config(project / "relwork.yaml"))
    (error,) = [p for p in result.errors if p.code == "render-identifier"]
    assert "arxiv:2101.99999" in error.message
    assert error.source is not None and error.source.path.endswith("week.md")


def test_a_prefer_key_not_in_the_bib_is_a_warning_at_its_line(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    project = tmp_path / "survey"
    shutil.copytree(FIXTURES / "works" / "project", project)
    config = project / "relwork.yaml"
    config.write_text(config.read_text(encoding="utf-8") + "prefer: [rivera2019tidl]\n",
                      encoding="utf-8")
    monkeypatch.chdir(project)
    result = build(load_config(config))
    (found,) = [p for p in result.problems if p.code == "prefer"]
    assert found.source == Source("relwork.yaml", 11)  # the line after the 10 of the fixture
    assert "rivera2019tidal" in (found.hint or "")
    assert "rivera2020tidal" in result.cited_keys  # the typo changes nothing
